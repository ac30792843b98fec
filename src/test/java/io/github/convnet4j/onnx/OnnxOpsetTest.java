package io.github.convnet4j.onnx;

import static io.github.convnet4j.onnx.TestModels.floats;
import static io.github.convnet4j.onnx.TestModels.integer;
import static io.github.convnet4j.onnx.TestModels.ints;
import static io.github.convnet4j.onnx.TestModels.node;
import static io.github.convnet4j.onnx.TestModels.value;
import static io.github.convnet4j.onnx.TestModels.values;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attributes whose meaning changed between opsets, each against ONNX's definition written out here. */
class OnnxOpsetTest {
    @TempDir
    Path dir;

    private float[] run(OnnxMl.ModelProto m, float[] x, int... dims) throws Exception {
        Path f = dir.resolve("m" + System.nanoTime() + ".onnx");
        Files.write(f, m.toByteArray());
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.load(cpu, f); Tensor in = cpu.tensor(x, Shape.of(dims))) {
            return net.predict(in).toArray();
        }
    }

    private static void assertAgrees(float[] want, float[] got) {
        assertTrue(Tolerance.agrees(want, got), "max relative error " + Tolerance.maxRelativeError(want, got));
    }

    @Test
    void softmaxAxisMeansAllTrailingDimensionsBeforeOpset13AndOneDimensionFrom13() throws Exception {
        float[] x = values(2 * 2 * 3, 1);
        for (int opset : new int[] {11, 13}) {
            var m = TestModels.model(opset, List.of(node("Softmax", "s", List.of("x"), List.of("y"), integer("axis", 1))),
                    List.of(), value("x", -1, 2, 3), "y");
            float[] want = new float[x.length];
            for (int b = 0; b < 2; b++) {
                for (int j = 0; j < 3; j++) {
                    for (int i = 0; i < 2; i++) {
                        double sum = 0;
                        for (int k = 0; k < 6; k++) {
                            boolean inGroup = opset < 13 || k % 3 == j; // opset 13: the same j, over i
                            sum += inGroup ? Math.exp(x[b * 6 + k]) : 0;
                        }
                        want[b * 6 + i * 3 + j] = (float) (Math.exp(x[b * 6 + i * 3 + j]) / sum);
                    }
                }
            }
            assertAgrees(want, run(m, x, 2, 2, 3));
        }
    }

    @Test
    void batchNormalizationOfOpset6WithIsTestAndSpatialZeroRefused() throws Exception {
        float[] x = values(2 * 2 * 4, 2);
        float[] scale = {1.5f, 0.5f};
        float[] bias = {0.1f, -0.2f};
        float[] mean = {0.3f, -0.1f};
        float[] var = {0.8f, 1.7f};
        List<OnnxMl.TensorProto> init = List.of(floats("s", scale, 2), floats("b", bias, 2), floats("m", mean, 2),
                floats("v", var, 2));
        var m = TestModels.model(6, List.of(node("BatchNormalization", "bn", List.of("x", "s", "b", "m", "v"),
                List.of("y"), integer("is_test", 1))), init, value("x", -1, 2, 2, 2), "y");
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = (i / 4) % 2;
            want[i] = (float) (scale[c] * (x[i] - mean[c]) / Math.sqrt(var[c] + 1e-5) + bias[c]);
        }
        assertAgrees(want, run(m, x, 2, 2, 2, 2));
        var spatial0 = TestModels.model(7, List.of(node("BatchNormalization", "bn", List.of("x", "s", "b", "m", "v"),
                List.of("y"), integer("spatial", 0))), init, value("x", -1, 2, 2, 2), "y");
        Path f = dir.resolve("spatial0.onnx");
        Files.write(f, spatial0.toByteArray());
        OnnxUnsupportedException e = assertThrows(OnnxUnsupportedException.class, () -> OnnxImport.read(f));
        assertTrue(e.getMessage().contains("spatial 0") && e.getMessage().contains("'bn'"), e.getMessage());
    }

    @Test
    void gemmOfOpset6WithBroadcastTransBAlphaAndBeta() throws Exception {
        float[] x = values(2 * 3, 3);
        float[] w = values(4 * 3, 4); // (out, in): transB = 1
        float[] c = values(4, 5);
        var m = TestModels.model(6, List.of(node("Gemm", "fc", List.of("x", "w", "c"), List.of("y"), integer("transB", 1),
                integer("broadcast", 1), real("alpha", 2f), real("beta", 0.5f))),
                List.of(floats("w", w, 4, 3), floats("c", c, 4)), value("x", -1, 3), "y");
        float[] want = new float[8];
        for (int b = 0; b < 2; b++) {
            for (int o = 0; o < 4; o++) {
                double s = 0;
                for (int i = 0; i < 3; i++) {
                    s += x[b * 3 + i] * w[o * 3 + i];
                }
                want[b * 4 + o] = (float) (2 * s + 0.5 * c[o]);
            }
        }
        assertAgrees(want, run(m, x, 2, 3));
    }

    private static OnnxMl.AttributeProto real(String name, float v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(v)
                .build();
    }

    @Test
    void maxPoolWithAsymmetricPadsAndCeilMode() throws Exception {
        float[] x = values(25, 6);
        var m = TestModels.model(12, List.of(node("MaxPool", "p", List.of("x"), List.of("y"), ints("kernel_shape", 2, 2),
                ints("strides", 2, 2), ints("pads", 1, 0, 0, 1), integer("ceil_mode", 1))), List.of(),
                value("x", -1, 1, 5, 5), "y");
        // Padded rows: 1 above; columns: 1 right. Height (5+1-2)/2 ceil +1 = 3, width (5+1-2)/2+1 = 3.
        float[] want = new float[9];
        for (int oy = 0; oy < 3; oy++) {
            for (int ox = 0; ox < 3; ox++) {
                float best = Float.NEGATIVE_INFINITY;
                for (int ky = 0; ky < 2; ky++) {
                    for (int kx = 0; kx < 2; kx++) {
                        int iy = oy * 2 + ky - 1;
                        int ix = ox * 2 + kx;
                        if (iy >= 0 && iy < 5 && ix < 5) {
                            best = Math.max(best, x[iy * 5 + ix]);
                        }
                    }
                }
                want[oy * 3 + ox] = best;
            }
        }
        assertAgrees(want, run(m, x, 1, 1, 5, 5));
    }

    @Test
    void dropoutRatioIsAnInputFromOpset12AndReshapeShapeAnAttributeBefore5() throws Exception {
        OnnxMl.TensorProto ratio = floats("r", new float[] {0.3f});
        var drop = TestModels.model(13, List.of(node("Dropout", "d", List.of("x", "r"), List.of("y"))), List.of(ratio),
                value("x", -1, 4), "y");
        Path f = dir.resolve("drop.onnx");
        Files.write(f, drop.toByteArray());
        assertEquals(0.3f, OnnxImport.read(f).spec().layers().get(0).args().get("ratio"));
        float[] x = values(8, 7);
        assertAgrees(x, run(drop, x, 2, 4)); // inference: the identity

        var reshape = TestModels.model(4, List.of(node("Reshape", "r", List.of("x"), List.of("y"), ints("shape", 0, -1))),
                List.of(), value("x", -1, 2, 2, 2), "y");
        assertAgrees(x, run(reshape, x, 1, 2, 2, 2));
    }

    @Test
    void pytorchNodeNamesBecomeStateDictPrefixes() {
        assertEquals("layer1.0.conv1", GraphTranslator.modulePath("/layer1/layer1.0/conv1/Conv"));
        assertEquals("conv1", GraphTranslator.modulePath("/conv1/Conv"));
        assertEquals("features.0", GraphTranslator.modulePath("/features/features.0/Conv"));
        assertEquals(null, GraphTranslator.modulePath("Conv_0"));
    }
}
