package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.nn.ActivationLayer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exported protobuf, parsed back with OnnxMl (no python): for each layer type the operator, its
 * inputs, attributes and initializer shapes and values, as the ONNX operator specification names
 * them; and a clear refusal, naming the layer, of what ONNX cannot express exactly.
 */
class OnnxExportStructureTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Export, serialize and parse back: what a reader of the file sees. */
    private static OnnxMl.ModelProto roundTrip(Function<Backend, Network> make) throws IOException {
        try (Network net = make.apply(cpu)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            OnnxExport.export(net, Map.of("classes", "a\nb")).writeTo(bytes);
            return OnnxMl.ModelProto.parseFrom(bytes.toByteArray());
        }
    }

    private static NodeProto node(OnnxMl.ModelProto m, String name) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + name));
    }

    private static AttributeProto attr(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(n.getName() + " has no attribute " + name));
    }

    private static long[] ints(NodeProto n, String name) {
        AttributeProto a = attr(n, name);
        assertEquals(AttributeProto.AttributeType.INTS, a.getType(), name);
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] dims(OnnxMl.ModelProto m, String initializer) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(initializer)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + initializer))
                .getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static float[] values(OnnxMl.ModelProto m, String initializer) {
        OnnxMl.TensorProto t = m.getGraph().getInitializerList().stream().filter(x -> x.getName().equals(initializer))
                .findFirst().orElseThrow();
        assertEquals(OnnxMl.TensorProto.DataType.FLOAT.getNumber(), t.getDataType());
        float[] v = new float[t.getRawData().size() / 4];
        ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static void assertNode(NodeProto n, String op, String... inputs) {
        assertEquals(op, n.getOpType(), n.getName());
        assertEquals(List.of(inputs), n.getInputList(), n.getName() + " inputs");
    }

    @Test
    void lenetIsAChainOfConvMaxPoolFlattenGemmWithOurNames() throws IOException {
        OnnxMl.ModelProto m = roundTrip(ExportedNetworks::lenet);
        assertEquals(OnnxExport.IR_VERSION, m.getIrVersion());
        assertEquals(1, m.getOpsetImportCount());
        assertEquals("", m.getOpsetImport(0).getDomain());
        assertEquals(13, m.getOpsetImport(0).getVersion());
        assertEquals("a\nb", m.getMetadataProps(0).getValue());
        OnnxMl.GraphProto g = m.getGraph();
        assertEquals(1, g.getInputCount(), "initializers are not graph inputs");
        OnnxMl.TensorShapeProto in = g.getInput(0).getType().getTensorType().getShape();
        assertEquals("input", g.getInput(0).getName());
        assertEquals("batch", in.getDim(0).getDimParam());
        assertEquals(List.of(1L, 28L, 28L), in.getDimList().subList(1, 4).stream()
                .map(OnnxMl.TensorShapeProto.Dimension::getDimValue).toList());
        assertEquals("logits", g.getOutput(0).getName());
        assertEquals(10, g.getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
        assertEquals(List.of("Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm",
                "Relu", "Gemm"), g.getNodeList().stream().map(NodeProto::getOpType).toList(), "no Softmax at the end");
        NodeProto conv1 = node(m, "conv1");
        assertNode(conv1, "Conv", "input", "conv1.weight", "conv1.bias");
        assertArrayEquals(new long[] {5, 5}, ints(conv1, "kernel_shape"));
        assertArrayEquals(new long[] {1, 1}, ints(conv1, "strides"));
        assertArrayEquals(new long[] {2, 2, 2, 2}, ints(conv1, "pads"));
        assertArrayEquals(new long[] {6, 1, 5, 5}, dims(m, "conv1.weight"));
        NodeProto pool2 = node(m, "pool2");
        assertArrayEquals(new long[] {2, 2}, ints(pool2, "kernel_shape"));
        assertEquals(0, attr(pool2, "ceil_mode").getI());
        assertNode(node(m, "fc1/flatten"), "Flatten", "pool2");
        assertEquals(1, attr(node(m, "fc1/flatten"), "axis").getI());
        NodeProto fc1 = node(m, "fc1");
        assertNode(fc1, "Gemm", "fc1/flatten", "fc1.weight", "fc1.bias");
        assertEquals(1, attr(fc1, "transB").getI(), "our weight is (out, in)");
        assertArrayEquals(new long[] {120, 400}, dims(m, "fc1.weight"));
        assertEquals("logits", node(m, "fc3").getOutput(0));
        try (Network net = ExportedNetworks.lenet(cpu)) {
            assertArrayEquals(net.parameter("conv2.weight").value().toArray(), values(m, "conv2.weight"));
        }
    }

    @Test
    void everyOtherLayerTypeMapsToItsOperator() throws IOException {
        OnnxMl.ModelProto m = roundTrip(ExportedNetworks::zoo);
        NodeProto bn = node(m, "bn1");
        assertNode(bn, "BatchNormalization", "c1", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var");
        assertEquals(1e-3f, attr(bn, "epsilon").getF());
        assertNode(node(m, "pr1"), "PRelu", "bn1", "pr1.weight");
        assertArrayEquals(new long[] {8, 1, 1}, dims(m, "pr1.weight"), "broadcast per channel against NCHW");
        NodeProto lrn = node(m, "lrn1");
        assertEquals(5, attr(lrn, "size").getI());
        assertEquals(1.0f, attr(lrn, "alpha").getF(), "ONNX divides alpha by size, as we do");
        assertEquals(0.75f, attr(lrn, "beta").getF());
        assertEquals(1.5f, attr(lrn, "bias").getF());
        assertEquals(0.1f, attr(node(m, "a.lrelu"), "alpha").getF(), 1e-9);
        NodeProto past = node(m, "ap0");
        assertArrayEquals(new long[] {1, 1, 1, 1}, ints(past, "pads"));
        assertEquals(1, attr(past, "ceil_mode").getI());
        assertEquals(1, attr(past, "count_include_pad").getI(), "divisor: the window clipped to the padded input");
        NodeProto padded = node(m, "b.pool");
        assertEquals("AveragePool", padded.getOpType());
        assertArrayEquals(new long[] {1, 1, 1, 1}, ints(padded, "pads"));
        assertEquals(1, attr(padded, "count_include_pad").getI(), "our average counts the padding");
        assertNode(node(m, "c.conv"), "Conv", "mp1", "c.conv.weight");
        assertEquals("Sigmoid", node(m, "b.sig").getOpType());
        assertEquals("Tanh", node(m, "c.tanh").getOpType());
        assertNode(node(m, "sum"), "Sum", "a.lrelu", "b.sig", "c.tanh");
        assertNode(node(m, "cat"), "Concat", "sum", "mp1");
        assertEquals(1, attr(node(m, "cat"), "axis").getI());
        // 8x9 by a 3/3 ceil-mode window, pad 1: the height rounds like ONNX's floor, the width like its ceil.
        NodeProto mixed = node(m, "mp2");
        assertEquals(0, attr(mixed, "ceil_mode").getI());
        assertArrayEquals(new long[] {1, 1, 0, 2}, ints(mixed, "pads"));
        NodeProto overhang = node(m, "ap2");
        assertEquals(1, attr(overhang, "ceil_mode").getI());
        assertEquals(0, attr(overhang, "count_include_pad").getI(), "no padding: divide by the input part");
        assertEquals("Softplus", node(m, "sp").getOpType());
        NodeProto adaptive = node(m, "adp");
        assertEquals("AveragePool", adaptive.getOpType());
        assertArrayEquals(new long[] {2, 1}, ints(adaptive, "kernel_shape"));
        assertArrayEquals(new long[] {2, 1}, ints(adaptive, "strides"));
        assertNode(node(m, "drop"), "Dropout", "adp", "drop.ratio");
        assertArrayEquals(new long[0], dims(m, "drop.ratio"));
        assertArrayEquals(new float[] {0.3f}, values(m, "drop.ratio"));
        assertEquals(1, node(m, "drop").getOutputCount(), "inference: no mask output");
        assertNode(node(m, "flat"), "Flatten", "drop");
        assertNode(node(m, "fc1"), "Gemm", "flat", "fc1.weight", "fc1.bias");
        assertNode(node(m, "bn2"), "BatchNormalization", "fc1", "bn2.weight", "bn2.bias", "bn2.running_mean",
                "bn2.running_var");
        assertEquals(1e-5f, attr(node(m, "bn2"), "epsilon").getF());
        assertEquals("Relu", node(m, "relu").getOpType());
        assertEquals("logits", node(m, "fc2").getOutput(0));
        assertEquals(m.getGraph().getNodeCount(), m.getGraph().getNodeList().stream().map(NodeProto::getName)
                .collect(Collectors.toSet()).size(), "node names are unique");
    }

    @Test
    void graphModelsKeepTheirBranchesAndTorchvisionNames() throws IOException {
        OnnxMl.ModelProto r = roundTrip(ExportedNetworks::resnet20);
        assertNode(node(r, "layer1.0.add"), "Add", "layer1.0.bn2", "relu");
        assertNode(node(r, "layer2.0.downsample.0"), "Conv", "layer1.2.relu", "layer2.0.downsample.0.weight");
        assertArrayEquals(new long[] {2, 2}, ints(node(r, "layer2.0.downsample.0"), "strides"));
        assertArrayEquals(new long[] {16}, dims(r, "layer1.0.bn1.running_var"));
        assertEquals("GlobalAveragePool", node(r, "avgpool").getOpType());
        OnnxMl.ModelProto g = roundTrip(ExportedNetworks::googlenet);
        assertNode(node(g, "inception3a"), "Concat", "inception3a.branch1.relu", "inception3a.branch2.1.relu",
                "inception3a.branch3.1.relu", "inception3a.branch4.1.relu");
        NodeProto pool = node(g, "maxpool1");
        assertEquals(1, attr(pool, "ceil_mode").getI(), "GoogLeNet's ceil-mode pools are ONNX's ceil_mode");
        assertArrayEquals(new long[] {0, 0, 0, 0}, ints(pool, "pads"));
        assertEquals(1, attr(node(g, "inception3a.branch4.0"), "ceil_mode").getI());
        assertNode(node(g, "dropout"), "Dropout", "avgpool", "dropout.ratio");
        assertArrayEquals(new long[] {64, 3, 7, 7}, dims(g, "conv1.conv.weight"));
    }

    @Test
    void alexnetWithLrnAndDropoutExports() throws IOException {
        OnnxMl.ModelProto m = roundTrip(b -> AlexNet.build(b, Shape.of(3, 63, 63), 10, 1));
        NodeProto lrn = node(m, "lrn1");
        assertEquals(5, attr(lrn, "size").getI());
        assertEquals((float) LrnParams.ALEXNET.alpha(), attr(lrn, "alpha").getF());
        assertEquals(2.0f, attr(lrn, "bias").getF());
        assertArrayEquals(new long[] {2, 2, 2, 2}, ints(node(m, "conv1"), "pads"));
        assertArrayEquals(new long[] {4, 4}, ints(node(m, "conv1"), "strides"));
        assertNode(node(m, "drop6"), "Dropout", "pool5", "drop6.ratio");
        assertNode(node(m, "fc6/flatten"), "Flatten", "drop6");
        assertArrayEquals(new long[] {4096, 256}, dims(m, "fc6.weight"));
    }

    @Test
    void whatOnnxCannotExpressIsRefusedNamingTheLayer() {
        IllegalArgumentException even = assertThrows(IllegalArgumentException.class, () -> roundTrip(b ->
                new NetworkBuilder(b, Shape.of(4, 6, 6), 1).lrn("norm", new LrnParams(4, 1e-4, 0.75, 2))
                        .affine("fc", 2).softmaxWithLoss()));
        assertTrue(even.getMessage().startsWith("layer norm (lrn): size 4 is even"), even.getMessage());
        IllegalArgumentException uneven = assertThrows(IllegalArgumentException.class, () -> roundTrip(b ->
                new NetworkBuilder(b, Shape.of(2, 8, 8), 1).adaptiveAvgPool("pool", 3, 3).affine("fc", 2)
                        .softmaxWithLoss()));
        assertTrue(uneven.getMessage().contains("layer pool (adaptive_avgpool): output 3x3 does not divide its input"
                + " 8x8"), uneven.getMessage());
        IllegalArgumentException divisor = assertThrows(IllegalArgumentException.class, () -> roundTrip(b ->
                new NetworkBuilder(b, Shape.of(2, 8, 9), 1).rounding(OutputRounding.CEIL).avgPool("ap", 3, 3, 1)
                        .affine("fc", 2).softmaxWithLoss()));
        assertTrue(divisor.getMessage().startsWith("ap (avgpool): on 8x9 (window 3, stride 3, pad 1, CEIL) one axis rounds"),
                divisor.getMessage());
        IllegalArgumentException custom = assertThrows(IllegalArgumentException.class, () -> roundTrip(b ->
                new NetworkBuilder(b, Shape.of(4), 1).add(ActivationLayer.relu(b, "mine")).affine("fc", 2)
                        .softmaxWithLoss()));
        assertTrue(custom.getMessage().contains("custom layers"), custom.getMessage());
    }

    @Test
    void aMeanSquaredErrorNetworkNamesItsOutputOutput() throws IOException {
        OnnxMl.ModelProto m = roundTrip(b -> new NetworkBuilder(b, Shape.of(3), 1).affine("fc", 2).meanSquaredError());
        assertEquals("output", m.getGraph().getOutput(0).getName());
        assertNode(node(m, "fc"), "Gemm", "input", "fc.weight", "fc.bias");
        assertNotNull(m.getGraph().getOutput(0).getType().getTensorType().getShape());
        assertFalse(m.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Flatten")),
                "a 2-D input needs no Flatten");
    }

    @Test
    void generatedNamesNeverCollideWithLayerNames() throws IOException {
        OnnxMl.ModelProto m = roundTrip(b -> new NetworkBuilder(b, Shape.of(1, 4, 4), 1).conv("fc/flatten", 2, 3, 1, 1)
                .relu("logits").affine("fc", 3).softmaxWithLoss());
        assertEquals("fc", m.getGraph().getOutput(0).getName(), "a layer is named logits: the last layer's name");
        assertNode(node(m, "fc/flatten_1"), "Flatten", "logits");
        assertNode(node(m, "fc"), "Gemm", "fc/flatten_1", "fc.weight", "fc.bias");
        assertEquals("fc", node(m, "fc").getOutput(0));
    }
}
