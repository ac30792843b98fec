package io.github.convnet4j.onnx;

import static io.github.convnet4j.onnx.TestModels.integer;
import static io.github.convnet4j.onnx.TestModels.ints;
import static io.github.convnet4j.onnx.TestModels.node;
import static io.github.convnet4j.onnx.TestModels.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers the importer makes that have no layer of their own in our builders' models (pad,
 * softmax, log_softmax) export to ONNX's Pad and Softmax/LogSoftmax of opset 13, and an imported
 * model with them exports and imports again with identical outputs.
 */
class OnnxExportPadSoftmaxTest {
    @TempDir
    Path dir;

    /** An asymmetric zero Pad, a max pool with asymmetric pads (a −∞ pad layer here), then LogSoftmax, Flatten, Softmax. */
    private static OnnxMl.ModelProto padsAndSoftmaxes() {
        OnnxMl.TensorProto pads = OnnxMl.TensorProto.newBuilder().setName("p")
                .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE).addDims(8)
                .addAllInt64Data(List.of(0L, 0L, 1L, 0L, 0L, 0L, 0L, 2L)).build();
        return TestModels.model(13, List.of(
                node("Pad", "pad", List.of("x", "p"), List.of("a")),
                node("MaxPool", "pool", List.of("a"), List.of("b"), ints("kernel_shape", 2, 2), ints("strides", 1, 1),
                        ints("pads", 1, 0, 0, 1)),
                node("LogSoftmax", "lsm", List.of("b"), List.of("c"), integer("axis", 1)),
                node("Flatten", "flat", List.of("c"), List.of("d"), integer("axis", 1)),
                node("Softmax", "sm", List.of("d"), List.of("y"), integer("axis", 1))),
                List.of(pads), value("x", -1, 2, 4, 4), "y");
    }

    private static float[] predict(Path model, float[] x) throws Exception {
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.load(cpu, model);
             Tensor in = cpu.tensor(x, Shape.of(2, 2, 4, 4))) {
            return net.predict(in).toArray();
        }
    }

    private static OnnxMl.ModelProto export(Path model) throws Exception {
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.load(cpu, model)) {
            return OnnxMl.ModelProto.parseFrom(OnnxExport.export(net).toByteArray());
        }
    }

    private static OnnxMl.TensorProto initializer(OnnxMl.ModelProto m, String name) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name));
    }

    @Test
    void padAndSoftmaxLayersExportAsPadSoftmaxAndLogSoftmaxOfOpset13() throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.write(f, padsAndSoftmaxes().toByteArray());
        OnnxMl.ModelProto m = export(f);
        List<OnnxMl.NodeProto> pads = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Pad")).toList();
        assertEquals(2, pads.size(), m.getGraph().getNodeList().toString());
        // ONNX pads: all begins, then all ends, over (N, C, H, W)
        assertEquals(List.of(0L, 0L, 1L, 0L, 0L, 0L, 0L, 2L), initializer(m, pads.get(0).getInput(1)).getInt64DataList());
        assertEquals(List.of(0L, 0L, 1L, 0L, 0L, 0L, 0L, 1L), initializer(m, pads.get(1).getInput(1)).getInt64DataList());
        assertEquals(0f, OnnxTensors.decode("m", initializer(m, pads.get(0).getInput(2)), null).floats()[0]);
        assertEquals(Float.NEGATIVE_INFINITY, OnnxTensors.decode("m", initializer(m, pads.get(1).getInput(2)), null)
                .floats()[0]);
        assertEquals(0, initializer(m, pads.get(1).getInput(2)).getDimsCount(), "constant_value is a scalar");
        String ops = m.getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).collect(Collectors.joining(","));
        assertEquals("Pad,Pad,MaxPool,LogSoftmax,Flatten,Softmax", ops);
        for (OnnxMl.NodeProto n : m.getGraph().getNodeList()) {
            if (n.getOpType().endsWith("Softmax")) {
                assertEquals(1, n.getAttribute(0).getI(), n.getName() + " axis");
                assertEquals("axis", n.getAttribute(0).getName());
            }
        }
        assertEquals(13, m.getOpsetImport(0).getVersion());
    }

    @Test
    void importExportImportGivesIdenticalOutputs() throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.write(f, padsAndSoftmaxes().toByteArray());
        Path back = dir.resolve("back.onnx");
        Files.write(back, export(f).toByteArray());
        float[] x = TestModels.values(2 * 2 * 4 * 4, 5);
        for (int i = 0; i < x.length; i += 3) {
            x[i] = -5 - i; // negative values where the max pool reads its padding: −∞ padding is not zero padding
        }
        float[] want = predict(f, x);
        assertArrayEquals(want, predict(back, x));
        // 4x4 padded to 5x6, then by the pool's (1, 0, 0, 1) to 6x7, pooled 2x2 at stride 1: 5x6
        assertEquals(2 * 2 * 5 * 6, want.length);
    }

    @Test
    void aTrailingSoftmaxOverSeveralDimensionsIsRefusedNamingTheLayer() throws Exception {
        var m = TestModels.model(11, List.of(node("Softmax", "s", List.of("x"), List.of("y"), integer("axis", 1))),
                List.of(), value("x", -1, 2, 3), "y");
        Path f = dir.resolve("old.onnx");
        Files.write(f, m.toByteArray());
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.load(cpu, f)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.export(net));
            assertTrue(e.getMessage().contains("layer s (softmax)") && e.getMessage().contains("opset 13"), e.getMessage());
        }
    }
}
