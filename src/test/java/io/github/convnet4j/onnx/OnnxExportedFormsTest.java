package io.github.convnet4j.onnx;

import static io.github.convnet4j.onnx.TestModels.floats;
import static io.github.convnet4j.onnx.TestModels.integer;
import static io.github.convnet4j.onnx.TestModels.ints;
import static io.github.convnet4j.onnx.TestModels.node;
import static io.github.convnet4j.onnx.TestModels.value;
import static io.github.convnet4j.onnx.TestModels.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The forms {@link OnnxExport} writes, each in a small hand-made model, imported and run against
 * ONNX's operator definition written out here: Sum of three values, Dropout with its ratio as an
 * initializer input, PRelu with a (C, 1, 1) slope, MaxPool with ceil_mode 0 and end-only pads,
 * AveragePool with count_include_pad 0 and 1, Flatten + Gemm(transB 1), Conv without a bias input,
 * and the tiling AveragePool an adaptive pool exports as.
 */
class OnnxExportedFormsTest {
    @TempDir
    Path dir;

    private OnnxImport.Result read(OnnxMl.ModelProto m) throws Exception {
        Path f = dir.resolve("m" + System.nanoTime() + ".onnx");
        Files.write(f, m.toByteArray());
        return OnnxImport.read(f);
    }

    private float[] run(OnnxMl.ModelProto m, float[] x, int... dims) throws Exception {
        OnnxImport.Result r = read(m);
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.build(cpu, "m", r);
             Tensor in = cpu.tensor(x, Shape.of(dims))) {
            return net.predict(in).toArray();
        }
    }

    private static void assertAgrees(float[] want, float[] got) {
        assertTrue(Tolerance.agrees(want, got), "max relative error " + Tolerance.maxRelativeError(want, got));
    }

    private static List<String> types(OnnxImport.Result r) {
        return r.spec().layers().stream().map(NetworkSpec.LayerSpec::type).toList();
    }

    @Test
    void sumOfThreeValuesIsOneAdd() throws Exception {
        float[] x = values(2 * 2 * 3 * 3, 1);
        var m = TestModels.model(13, List.of(node("Relu", "r", List.of("x"), List.of("a")),
                node("Tanh", "t", List.of("x"), List.of("b")),
                node("Sum", "s", List.of("x", "a", "b"), List.of("y"))), List.of(), value("x", -1, 2, 3, 3), "y");
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = (float) (x[i] + Math.max(x[i], 0) + Math.tanh(x[i]));
        }
        assertAgrees(want, run(m, x, 2, 2, 3, 3));
        assertEquals(List.of("relu", "tanh", "add"), types(read(m)));
    }

    @Test
    void dropoutWithItsRatioAsAScalarInitializerIsTheIdentity() throws Exception {
        float[] x = values(2 * 6, 2);
        var m = TestModels.model(13, List.of(node("Dropout", "d", List.of("x", "d.ratio"), List.of("y"))),
                List.of(floats("d.ratio", new float[] {0.3f})), value("x", -1, 6), "y");
        assertAgrees(x, run(m, x, 2, 6));
        assertEquals(0.3f, ((Number) read(m).spec().layers().get(0).args().get("ratio")).floatValue());
    }

    @Test
    void preluWithASlopeOfShapeC11IsPerChannel() throws Exception {
        float[] x = values(2 * 3 * 2 * 2, 3);
        float[] slope = {0.1f, -0.5f, 2f};
        var m = TestModels.model(13, List.of(node("PRelu", "p", List.of("x", "p.weight"), List.of("y"))),
                List.of(floats("p.weight", slope, 3, 1, 1)), value("x", -1, 3, 2, 2), "y");
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = x[i] >= 0 ? x[i] : slope[(i / 4) % 3] * x[i];
        }
        assertAgrees(want, run(m, x, 2, 3, 2, 2));
    }

    @Test
    void maxPoolWithCeilMode0AndEndOnlyPads() throws Exception {
        float[] x = values(2 * 3 * 5, 4); // (1, 2, 3, 5), pads (top, left, bottom, right) = (0, 0, 1, 1)
        var m = TestModels.model(13, List.of(node("MaxPool", "mp", List.of("x"), List.of("y"), ints("kernel_shape", 2, 2),
                ints("strides", 2, 2), ints("pads", 0, 0, 1, 1), integer("ceil_mode", 0))), List.of(),
                value("x", -1, 2, 3, 5), "y");
        assertAgrees(pool(x, 2, 3, 5, 2, 2, new int[] {0, 0, 1, 1}, true, false), run(m, x, 1, 2, 3, 5));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void averagePoolWithPaddingAndEitherCountIncludePad(int countIncludePad) throws Exception {
        float[] x = values(2 * 5 * 5, 5);
        var m = TestModels.model(13, List.of(node("AveragePool", "ap", List.of("x"), List.of("y"),
                ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1), integer("ceil_mode", 0),
                integer("count_include_pad", countIncludePad))), List.of(), value("x", -1, 2, 5, 5), "y");
        float[] want = pool(x, 2, 5, 5, 3, 2, new int[] {1, 1, 1, 1}, false, countIncludePad == 1);
        assertAgrees(want, run(m, x, 1, 2, 5, 5));
    }

    @Test
    void flattenThenGemmWithTransBIsOneFullyConnectedLayer() throws Exception {
        float[] x = values(2 * 2 * 2 * 2, 6);
        float[] w = values(3 * 8, 7); // (out, in)
        float[] b = values(3, 8);
        var m = TestModels.model(13, List.of(node("Flatten", "fc/flatten", List.of("x"), List.of("f"), integer("axis", 1)),
                node("Gemm", "fc", List.of("f", "fc.weight", "fc.bias"), List.of("y"), integer("transB", 1))),
                List.of(floats("fc.weight", w, 3, 8), floats("fc.bias", b, 3)), value("x", -1, 2, 2, 2), "y");
        float[] want = new float[2 * 3];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 3; o++) {
                double s = b[o];
                for (int i = 0; i < 8; i++) {
                    s += (double) w[o * 8 + i] * x[n * 8 + i];
                }
                want[n * 3 + o] = (float) s;
            }
        }
        assertAgrees(want, run(m, x, 2, 2, 2, 2));
        OnnxImport.Result r = read(m);
        assertEquals(Set.of("fc.weight", "fc.bias"), r.weights().keySet());
    }

    /** PyTorch's bias=False convolution (before a batch norm): no bias parameter is invented. */
    @Test
    void convWithoutABiasInputHasNoBiasParameter() throws Exception {
        float[] x = values(2 * 4 * 4, 9);
        float[] w = values(3 * 2 * 3 * 3, 10);
        var m = TestModels.model(13, List.of(node("Conv", "c", List.of("x", "c.weight"), List.of("y"),
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1))), List.of(floats("c.weight", w, 3, 2, 3, 3)),
                value("x", -1, 2, 4, 4), "y");
        OnnxImport.Result r = read(m);
        assertEquals(Set.of("c.weight"), r.weights().keySet());
        assertEquals(Set.of("c.weight"), r.spec().plan().tensors().keySet());
        float[] want = new float[3 * 4 * 4];
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    double s = 0;
                    for (int c = 0; c < 2; c++) {
                        for (int u = 0; u < 3; u++) {
                            for (int v = 0; v < 3; v++) {
                                int ii = i + u - 1;
                                int jj = j + v - 1;
                                if (ii >= 0 && ii < 4 && jj >= 0 && jj < 4) {
                                    s += (double) w[((o * 2 + c) * 3 + u) * 3 + v] * x[(c * 4 + ii) * 4 + jj];
                                }
                            }
                        }
                    }
                    want[(o * 4 + i) * 4 + j] = (float) s;
                }
            }
        }
        assertAgrees(want, run(m, x, 1, 2, 4, 4));
    }

    /** A 2×1 window at stride 2×1 over 4×3, as an adaptive pool to 2×3 exports: each output the mean of its block. */
    @Test
    void averagePoolOfNonSquareTilesIsAnAdaptivePool() throws Exception {
        float[] x = values(2 * 4 * 3, 11);
        var m = TestModels.model(13, List.of(node("AveragePool", "ap", List.of("x"), List.of("y"),
                ints("kernel_shape", 2, 1), ints("strides", 2, 1), ints("pads", 0, 0, 0, 0))), List.of(),
                value("x", -1, 2, 4, 3), "y");
        assertAgrees(pool(x, 2, 4, 3, new int[] {2, 1}, new int[] {2, 1}), run(m, x, 1, 2, 4, 3));
        assertEquals(List.of("adaptive_avgpool"), types(read(m)));
    }

    /**
     * ONNX's MaxPool/AveragePool with ceil_mode 0 for one item, square window: out = ⌊(in + pads − k) / s⌋ + 1; a
     * max over the positions inside the input; a mean over them (count_include_pad 0) or over the whole k×k window
     * (count_include_pad 1, the pads counting as zeros).
     */
    private static float[] pool(float[] x, int c, int h, int w, int k, int s, int[] pads, boolean max,
                                boolean includePad) {
        int oh = (h + pads[0] + pads[2] - k) / s + 1;
        int ow = (w + pads[1] + pads[3] - k) / s + 1;
        float[] y = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            int ii = i * s + u - pads[0];
                            int jj = j * s + v - pads[1];
                            if (ii >= 0 && ii < h && jj >= 0 && jj < w) {
                                float val = x[(ch * h + ii) * w + jj];
                                acc = max ? Math.max(acc, val) : acc + val;
                                count++;
                            }
                        }
                    }
                    y[(ch * oh + i) * ow + j] = (float) (max ? acc : acc / (includePad ? k * k : count));
                }
            }
        }
        return y;
    }

    /** Unpadded average pooling with a k_h × k_w window and strides (s_h, s_w). */
    private static float[] pool(float[] x, int c, int h, int w, int[] k, int[] s) {
        int oh = (h - k[0]) / s[0] + 1;
        int ow = (w - k[1]) / s[1] + 1;
        float[] y = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = 0;
                    for (int u = 0; u < k[0]; u++) {
                        for (int v = 0; v < k[1]; v++) {
                            acc += x[(ch * h + i * s[0] + u) * w + j * s[1] + v];
                        }
                    }
                    y[(ch * oh + i) * ow + j] = (float) (acc / (k[0] * k[1]));
                }
            }
        }
        return y;
    }
}
