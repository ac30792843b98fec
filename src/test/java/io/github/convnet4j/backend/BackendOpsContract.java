package io.github.convnet4j.backend;

import static io.github.convnet4j.testing.Check.assertClose;
import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.reference.Reference;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every backend op against the double-precision {@link Reference}, forward and backward, on small
 * random shapes with stride > 1, padding, H ≠ W, several channels and images. A backend's test
 * class extends this and supplies the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendOpsContract {
    /** Float32 results against a double reference: sums of up to a few hundred N(0,1) products. */
    protected static final double ATOL = 2e-4;
    protected static final double RTOL = 2e-4;

    private Backend backend;

    protected abstract Backend createBackend();

    protected Backend backend() {
        if (backend == null) {
            backend = createBackend();
        }
        return backend;
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    protected Tensor tensor(float[] data, int... dims) {
        return backend().tensor(data, Shape.of(dims));
    }

    protected Tensor zeros(int... dims) {
        return backend().allocate(Shape.of(dims));
    }

    // ---- GEMM --------------------------------------------------------------------------------

    static Stream<Arguments> gemmCases() {
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {70, 300, 13}, {65, 257, 9}, {130, 40, 600}, {17, 600, 33}};
        Stream.Builder<Arguments> b = Stream.builder();
        for (int[] s : sizes) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    b.add(Arguments.of(s[0], s[1], s[2], ta, tb));
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "gemm m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("gemmCases")
    void gemmMatchesReference(int m, int n, int k, boolean ta, boolean tb) {
        Random rng = new Random(m * 31L + n * 7L + k);
        float[] a = randomFloats(rng, m * k);
        float[] b = randomFloats(rng, k * n);
        float[] c = randomFloats(rng, m * n);
        try (Tensor ta2 = ta ? tensor(a, k, m) : tensor(a, m, k);
             Tensor tb2 = tb ? tensor(b, n, k) : tensor(b, k, n);
             Tensor tc = tensor(c, m, n)) {
            backend().gemm(ta ? Transpose.YES : Transpose.NO, tb ? Transpose.YES : Transpose.NO, 0.5f, ta2, tb2, -2f, tc);
            assertClose("gemm", Reference.gemm(ta, tb, m, n, k, 0.5, a, b, -2, c), tc.toArray(), ATOL * 10, RTOL);
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNInOutput() {
        float[] nan = new float[4];
        java.util.Arrays.fill(nan, Float.NaN);
        try (Tensor a = tensor(new float[]{1, 2, 3, 4}, 2, 2);
             Tensor b = tensor(new float[]{1, 0, 0, 1}, 2, 2);
             Tensor c = tensor(nan, 2, 2)) {
            backend().gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c);
            assertClose("gemm beta 0", new double[]{1, 2, 3, 4}, c.toArray(), 0, 0);
        }
    }

    // ---- convolution -------------------------------------------------------------------------

    /** N, C, H, W, K, FH, FW, strideH, strideW, padH, padW, rounding. */
    protected static Stream<Arguments> convCases() {
        return Stream.of(
                Arguments.of(2, 3, 7, 9, 4, 3, 3, 2, 2, 1, 1, OutputRounding.STRICT),
                Arguments.of(3, 2, 6, 5, 3, 3, 2, 1, 1, 0, 0, OutputRounding.STRICT),
                Arguments.of(2, 4, 8, 6, 5, 1, 1, 1, 1, 0, 0, OutputRounding.STRICT),
                Arguments.of(1, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, OutputRounding.STRICT),
                Arguments.of(2, 3, 9, 7, 2, 5, 3, 2, 1, 2, 1, OutputRounding.STRICT),
                Arguments.of(5, 2, 10, 10, 3, 5, 5, 1, 1, 0, 0, OutputRounding.STRICT),
                Arguments.of(2, 2, 8, 7, 3, 3, 3, 2, 2, 0, 0, OutputRounding.FLOOR),
                Arguments.of(3, 5, 11, 11, 6, 11, 11, 4, 4, 2, 2, OutputRounding.FLOOR),
                // Kernels that overhang the image on both sides (cuDNN accepts these).
                Arguments.of(2, 2, 1, 1, 3, 5, 5, 1, 1, 2, 2, OutputRounding.STRICT),
                Arguments.of(2, 2, 2, 2, 3, 7, 7, 1, 1, 3, 3, OutputRounding.STRICT),
                Arguments.of(1, 3, 2, 3, 2, 7, 7, 2, 2, 3, 3, OutputRounding.FLOOR),
                Arguments.of(2, 1, 1, 4, 2, 3, 7, 1, 1, 1, 3, OutputRounding.STRICT));
    }

    @ParameterizedTest(name = "conv N={0} C={1} {2}x{3} K={4} {5}x{6} stride {7}x{8} pad {9}x{10} {11}")
    @MethodSource("convCases")
    void convolutionMatchesReference(int n, int c, int h, int w, int k, int fh, int fw, int sh, int sw, int ph, int pw,
                                     OutputRounding rounding) {
        Random rng = new Random(n * 1000L + c * 100L + h * 10L + k);
        ConvGeometry g = ConvGeometry.of("test", Shape.of(n, c, h, w), Shape.of(k, c, fh, fw), sh, sw, ph, pw, rounding);
        float[] x = randomFloats(rng, n * c * h * w);
        float[] wt = randomFloats(rng, k * c * fh * fw);
        float[] bias = randomFloats(rng, k);
        float[] dy = randomFloats(rng, g.outputShape().size());
        try (Tensor tx = tensor(x, n, c, h, w);
             Tensor tw = tensor(wt, k, c, fh, fw);
             Tensor tb = tensor(bias, k);
             Tensor ty = backend().allocate(g.outputShape());
             Tensor tdy = backend().tensor(dy, g.outputShape());
             Tensor tdx = zeros(n, c, h, w);
             Tensor tdw = zeros(k, c, fh, fw);
             Tensor tdb = zeros(k)) {
            backend().convForward(g, tx, tw, tb, ty);
            assertClose("conv forward", Reference.convForward(x, n, c, h, w, wt, k, fh, fw, bias, sh, sw, ph, pw),
                    ty.toArray(), ATOL, RTOL);
            backend().convBackwardData(g, tdy, tw, tdx);
            assertClose("conv backward data", Reference.convBackwardData(dy, n, c, h, w, wt, k, fh, fw, sh, sw, ph, pw),
                    tdx.toArray(), ATOL, RTOL);
            backend().convBackwardFilter(g, tx, tdy, tdw);
            assertClose("conv backward filter", Reference.convBackwardFilter(x, n, c, h, w, dy, k, fh, fw, sh, sw, ph, pw),
                    tdw.toArray(), ATOL * 5, RTOL);
            backend().convBackwardBias(g, tdy, tdb);
            assertClose("conv backward bias", Reference.convBackwardBias(dy, n, k, g.outH() * g.outW()),
                    tdb.toArray(), ATOL, RTOL);
        }
    }

    // ---- pooling -----------------------------------------------------------------------------

    /** N, C, H, W, window, stride, pad, rounding. */
    protected static Stream<Arguments> poolCases() {
        return Stream.of(
                Arguments.of(2, 3, 6, 8, 2, 2, 0, OutputRounding.STRICT),
                Arguments.of(2, 2, 7, 7, 3, 2, 1, OutputRounding.STRICT),
                Arguments.of(1, 2, 5, 6, 2, 1, 0, OutputRounding.STRICT),
                Arguments.of(3, 2, 7, 6, 2, 2, 0, OutputRounding.FLOOR),
                Arguments.of(2, 4, 13, 13, 3, 2, 0, OutputRounding.STRICT));
    }

    @ParameterizedTest(name = "pool N={0} C={1} {2}x{3} window {4} stride {5} pad {6} {7}")
    @MethodSource("poolCases")
    void poolingMatchesReference(int n, int c, int h, int w, int win, int stride, int pad, OutputRounding rounding) {
        Random rng = new Random(n * 100L + h * 10L + win);
        PoolGeometry g = PoolGeometry.of("test", Shape.of(n, c, h, w), win, win, stride, stride, pad, pad, rounding);
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, g.outputShape().size());
        try (Tensor tx = tensor(x, n, c, h, w);
             Tensor ty = backend().allocate(g.outputShape());
             Tensor tdy = backend().tensor(dy, g.outputShape());
             Tensor tdx = zeros(n, c, h, w)) {
            backend().poolForward(PoolMode.MAX, g, tx, ty);
            assertClose("max pool forward", Reference.maxPool(x, n, c, h, w, win, stride, pad, null), ty.toArray(), 0, 0);
            backend().poolBackward(PoolMode.MAX, g, tx, ty, tdy, tdx);
            assertClose("max pool backward", Reference.maxPoolBackward(x, dy, n, c, h, w, win, stride, pad),
                    tdx.toArray(), ATOL, RTOL);
            backend().poolForward(PoolMode.AVERAGE, g, tx, ty);
            assertClose("average pool forward", Reference.avgPool(x, n, c, h, w, win, stride, pad), ty.toArray(), ATOL, RTOL);
            backend().poolBackward(PoolMode.AVERAGE, g, tx, ty, tdy, tdx);
            assertClose("average pool backward", Reference.avgPoolBackward(dy, n, c, h, w, win, stride, pad),
                    tdx.toArray(), ATOL, RTOL);
        }
    }

    /** N, C, H, W, window, stride, pad: ceil mode, some with a last window hanging over (GoogLeNet's 3/2 pools). */
    protected static Stream<Arguments> ceilPoolCases() {
        return Stream.of(
                Arguments.of(2, 3, 7, 8, 3, 2, 0),
                Arguments.of(1, 2, 6, 6, 2, 2, 0),
                Arguments.of(2, 2, 5, 7, 3, 2, 1),
                Arguments.of(1, 3, 14, 14, 3, 2, 0),
                Arguments.of(1, 2, 4, 5, 3, 1, 1));
    }

    @ParameterizedTest(name = "ceil-mode pool N={0} C={1} {2}x{3} window {4} stride {5} pad {6}")
    @MethodSource("ceilPoolCases")
    void ceilModePoolingMatchesPyTorchsDefinition(int n, int c, int h, int w, int win, int stride, int pad) {
        Random rng = new Random(n * 1000L + h * 10L + w + win);
        PoolGeometry g = PoolGeometry.of("test", Shape.of(n, c, h, w), win, win, stride, stride, pad, pad,
                OutputRounding.CEIL);
        assertEquals(Shape.of(n, c, Reference.torchPoolOutSize(h, win, stride, pad, true),
                Reference.torchPoolOutSize(w, win, stride, pad, true)), g.outputShape());
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, g.outputShape().size());
        try (Tensor tx = tensor(x, n, c, h, w);
             Tensor ty = backend().allocate(g.outputShape());
             Tensor tdy = backend().tensor(dy, g.outputShape());
             Tensor tdx = zeros(n, c, h, w)) {
            for (boolean max : new boolean[] {true, false}) {
                PoolMode mode = max ? PoolMode.MAX : PoolMode.AVERAGE;
                backend().poolForward(mode, g, tx, ty);
                assertClose(mode + " ceil pool forward", Reference.torchPool(max, x, n, c, h, w, win, stride, pad, true)[0],
                        ty.toArray(), ATOL, RTOL);
                backend().poolBackward(mode, g, tx, ty, tdy, tdx);
                assertClose(mode + " ceil pool backward",
                        Reference.torchPoolBackward(max, x, dy, n, c, h, w, win, stride, pad, true), tdx.toArray(), ATOL, RTOL);
            }
        }
    }

    @Test
    void ceilModeSizesAreTorchs() {
        // GoogLeNet at 224: 112 -> 56 -> 28 -> 14 -> 7 with 3/2 (and 2/2) ceil pools; the last window may not start in the padding.
        assertEquals(56, Reference.torchPoolOutSize(112, 3, 2, 0, true));
        assertEquals(7, Reference.torchPoolOutSize(14, 2, 2, 0, true));
        assertEquals(3, Reference.torchPoolOutSize(5, 2, 2, 1, true)); // not 4: that window would start in the right padding
        assertEquals(3, PoolGeometry.of("t", Shape.of(1, 1, 5, 5), 2, 2, 2, 2, 1, 1, OutputRounding.CEIL).outH());
    }

    /** N, C, H, W, OH, OW: global, exact division, uneven bins (overlapping), and output larger than input. */
    protected static Stream<Arguments> adaptiveCases() {
        return Stream.of(
                Arguments.of(2, 3, 5, 7, 1, 1),
                Arguments.of(1, 2, 8, 8, 4, 2),
                Arguments.of(2, 2, 7, 10, 3, 4),
                Arguments.of(1, 2, 3, 2, 7, 7));
    }

    @ParameterizedTest(name = "adaptive average pool N={0} C={1} {2}x{3} to {4}x{5}")
    @MethodSource("adaptiveCases")
    void adaptiveAveragePoolingMatchesPyTorchsDefinition(int n, int c, int h, int w, int oh, int ow) {
        Random rng = new Random(n * 7L + h * 3L + oh);
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, n * c * oh * ow);
        try (Tensor tx = tensor(x, n, c, h, w); Tensor ty = zeros(n, c, oh, ow);
             Tensor tdy = tensor(dy, n, c, oh, ow); Tensor tdx = tensor(randomFloats(rng, x.length), n, c, h, w)) {
            backend().adaptiveAvgPoolForward(tx, ty);
            assertClose("adaptive average pool forward", Reference.adaptiveAvgPool(x, n, c, h, w, oh, ow), ty.toArray(),
                    ATOL, RTOL);
            backend().adaptiveAvgPoolBackward(tdy, tdx); // dx held garbage: it must be overwritten
            assertClose("adaptive average pool backward", Reference.adaptiveAvgPoolBackward(dy, n, c, h, w, oh, ow),
                    tdx.toArray(), ATOL, RTOL);
        }
    }

    @Test
    void copyChannelsConcatenatesAndSplitsBack() {
        Random rng = new Random(5);
        int n = 2;
        int h = 3;
        int w = 4;
        int[] channels = {2, 1, 3};
        float[][] parts = new float[3][];
        Tensor[] inputs = new Tensor[3];
        try (Tensor y = tensor(randomFloats(rng, n * 6 * h * w), n, 6, h, w)) {
            int offset = 0;
            for (int p = 0; p < 3; p++) {
                parts[p] = randomFloats(rng, n * channels[p] * h * w);
                inputs[p] = tensor(parts[p], n, channels[p], h, w);
                backend().copyChannels(inputs[p], 0, y, offset, channels[p]);
                offset += channels[p];
            }
            double[] expected = Reference.concatChannels(parts, channels, n, h, w);
            assertClose("concatenation", expected, y.toArray(), 0, 0);
            offset = 0;
            for (int p = 0; p < 3; p++) {
                try (Tensor slice = zeros(n, channels[p], h, w)) {
                    backend().copyChannels(y, offset, slice, 0, channels[p]);
                    assertClose("split " + p, toDoubles(parts[p]), slice.toArray(), 0, 0);
                }
                offset += channels[p];
            }
        } finally {
            for (Tensor t : inputs) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    // ---- activations -------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"relu", "leaky", "sigmoid", "tanh", "softplus"})
    void activationMatchesReference(String name) {
        Activation f = switch (name) {
            case "relu" -> Activation.RELU;
            case "leaky" -> Activation.LEAKY_RELU;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            default -> Activation.SOFTPLUS;
        };
        float slope = 0.1f;
        Random rng = new Random(name.hashCode());
        float[] x = randomFloats(rng, 2 * 3 * 4 * 5);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 3;
        }
        float[] dy = randomFloats(rng, x.length);
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Reference.activation(name, x[i], slope);
            dx[i] = dy[i] * Reference.activationDerivative(name, x[i], slope);
        }
        try (Tensor tx = tensor(x, 2, 3, 4, 5); Tensor ty = zeros(2, 3, 4, 5);
             Tensor tdy = tensor(dy, 2, 3, 4, 5); Tensor tdx = zeros(2, 3, 4, 5)) {
            backend().activationForward(f, slope, tx, ty);
            assertClose(name + " forward", y, ty.toArray(), 1e-6, 1e-5);
            backend().activationBackward(f, slope, tx, ty, tdy, tdx);
            assertClose(name + " backward", dx, tdx.toArray(), 1e-6, 1e-5);
        }
    }

    @Test
    void softplusDoesNotOverflow() {
        try (Tensor tx = tensor(new float[]{-200f, 200f, 0f}, 3); Tensor ty = zeros(3)) {
            backend().activationForward(Activation.SOFTPLUS, 0, tx, ty);
            assertClose("softplus extremes", new double[]{0, 200, Math.log(2)}, ty.toArray(), 1e-6, 1e-6);
        }
    }

    @Test
    void preluMatchesReference() {
        Random rng = new Random(5);
        int n = 3;
        int c = 4;
        int plane = 6;
        float[] x = randomFloats(rng, n * c * plane);
        float[] slope = {0.1f, 0.2f, -0.3f, 0.5f};
        float[] dy = randomFloats(rng, x.length);
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        double[] dslope = new double[c];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / plane) % c;
            y[i] = x[i] > 0 ? x[i] : slope[ch] * x[i];
            dx[i] = x[i] > 0 ? dy[i] : slope[ch] * dy[i];
            dslope[ch] += x[i] > 0 ? 0 : dy[i] * x[i];
        }
        try (Tensor tx = tensor(x, n, c, 2, 3); Tensor ts = tensor(slope, c); Tensor ty = zeros(n, c, 2, 3);
             Tensor tdy = tensor(dy, n, c, 2, 3); Tensor tdx = zeros(n, c, 2, 3); Tensor tds = zeros(c)) {
            backend().preluForward(tx, ts, ty);
            assertClose("prelu forward", y, ty.toArray(), 1e-6, 1e-6);
            backend().preluBackward(tx, ts, tdy, tdx, tds);
            assertClose("prelu backward dx", dx, tdx.toArray(), 1e-6, 1e-6);
            assertClose("prelu backward dslope", dslope, tds.toArray(), 1e-5, 1e-5);
        }
    }

    // ---- losses ------------------------------------------------------------------------------

    @Test
    void softmaxCrossEntropyMatchesReference() {
        Random rng = new Random(11);
        int n = 5;
        int classes = 7;
        float[] logits = randomFloats(rng, n * classes);
        int[] labels = {0, 6, 3, 3, 1};
        float[] labelsF = {0, 6, 3, 3, 1};
        double[] probs = new double[n * classes];
        double loss = Reference.softmaxCrossEntropy(logits, n, classes, labels, probs);
        double[] dx = new double[n * classes];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < classes; j++) {
                dx[r * classes + j] = (probs[r * classes + j] - (labels[r] == j ? 1 : 0)) / n;
            }
        }
        try (Tensor tl = tensor(logits, n, classes); Tensor tlab = tensor(labelsF, n);
             Tensor tp = zeros(n, classes); Tensor tloss = zeros(1); Tensor tdx = zeros(n, classes)) {
            backend().softmaxCrossEntropy(tl, tlab, tp, tloss);
            assertClose("softmax", probs, tp.toArray(), 1e-6, 1e-5);
            assertClose("cross-entropy", new double[]{loss}, tloss.toArray(), 1e-6, 1e-5);
            backend().softmaxCrossEntropyBackward(tp, tlab, tdx);
            assertClose("softmax cross-entropy backward", dx, tdx.toArray(), 1e-6, 1e-5);
            assertEquals(countArgmaxHits(logits, n, classes, labels), backend().countCorrect(tl, tlab));
        }
    }

    private static int countArgmaxHits(float[] scores, int n, int classes, int[] labels) {
        int hits = 0;
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (scores[r * classes + j] > scores[r * classes + best]) {
                    best = j;
                }
            }
            hits += best == labels[r] ? 1 : 0;
        }
        return hits;
    }

    @Test
    void softmaxCrossEntropyIsStableForHugeLogits() {
        try (Tensor tl = tensor(new float[]{1000f, 0f, -1000f, 5000f}, 2, 2); Tensor tlab = tensor(new float[]{1, 0}, 2);
             Tensor tp = zeros(2, 2); Tensor tloss = zeros(1)) {
            backend().softmaxCrossEntropy(tl, tlab, tp, tloss);
            // Row 0 puts all mass on class 0 but the label is 1: loss 1000. Row 1: label 0 vs 5000: loss 6000.
            assertClose("huge-logit loss", new double[]{3500}, tloss.toArray(), 1e-3, 1e-6);
            assertClose("huge-logit probabilities", new double[]{1, 0, 0, 1}, tp.toArray(), 1e-7, 0);
        }
    }

    @Test
    void meanSquaredErrorMatchesReference() {
        Random rng = new Random(12);
        float[] y = randomFloats(rng, 4 * 3);
        float[] t = randomFloats(rng, 4 * 3);
        double sum = 0;
        double[] dx = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            sum += (y[i] - (double) t[i]) * (y[i] - (double) t[i]);
            dx[i] = (y[i] - (double) t[i]) / 4;
        }
        try (Tensor ty = tensor(y, 4, 3); Tensor tt = tensor(t, 4, 3); Tensor tloss = zeros(1); Tensor tdx = zeros(4, 3)) {
            backend().meanSquaredError(ty, tt, tloss);
            assertClose("mse", new double[]{0.5 * sum / 4}, tloss.toArray(), 1e-6, 1e-5);
            backend().meanSquaredErrorBackward(ty, tt, tdx);
            assertClose("mse backward", dx, tdx.toArray(), 1e-6, 1e-5);
        }
    }

    // ---- normalisation and dropout ------------------------------------------------------------

    /**
     * Whether the backend computes LRN with an even window. PyTorch's even window (c − n/2 … c + n/2 − 1)
     * is not cuDNN's, so a cuDNN backend refuses even sizes instead.
     */
    protected boolean supportsEvenLrnSize() {
        return true;
    }

    @ParameterizedTest(name = "lrn size {0} alpha {1} beta {2} k {3}")
    @MethodSource("lrnCases")
    void lrnMatchesReference(int size, double alpha, double beta, double k) {
        if (size % 2 == 0 && !supportsEvenLrnSize()) {
            assertEvenLrnRefused(size);
            return;
        }
        Random rng = new Random(size);
        int n = 2;
        int c = 7;
        int h = 3;
        int w = 4;
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, x.length);
        LrnParams p = new LrnParams(size, alpha, beta, k);
        try (Tensor tx = tensor(x, n, c, h, w); Tensor ty = zeros(n, c, h, w);
             Tensor tdy = tensor(dy, n, c, h, w); Tensor tdx = zeros(n, c, h, w)) {
            backend().lrnForward(p, tx, ty);
            assertClose("lrn forward", Reference.lrn(x, n, c, h * w, size, alpha, beta, k), ty.toArray(), 1e-5, 1e-4);
            backend().lrnBackward(p, tx, ty, tdy, tdx);
            assertClose("lrn backward", Reference.lrnBackward(x, dy, n, c, h * w, size, alpha, beta, k),
                    tdx.toArray(), 1e-5, 1e-4);
        }
    }

    static Stream<Arguments> lrnCases() {
        return Stream.of(Arguments.of(5, 1e-4, 0.75, 2.0), Arguments.of(5, 0.5, 0.75, 1.0),
                Arguments.of(3, 1.0, 0.5, 1.0), Arguments.of(4, 0.8, 0.75, 1.5), Arguments.of(2, 1.0, 0.75, 1.0),
                Arguments.of(6, 0.9, 0.6, 1.2));
    }

    private void assertEvenLrnRefused(int size) {
        LrnParams p = new LrnParams(size, 1.0, 0.75, 1.0);
        try (Tensor x = zeros(1, 4, 2, 2); Tensor y = zeros(1, 4, 2, 2)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend().lrnForward(p, x, y));
            assertTrue(e.getMessage().contains("LRN size " + size + " is even"), e.getMessage());
        }
        // And when a network is built (a model file is loaded), not only at its first forward.
        IllegalArgumentException built = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new io.github.convnet4j.nn.NetworkBuilder(backend(), io.github.convnet4j.tensor.Shape.of(4, 2, 2), 1)
                        .lrn("norm1", p).flatten("flat").affine("fc", 2).softmaxWithLoss().close());
        assertTrue(built.getMessage().startsWith("norm1: LRN size " + size + " is even"), built.getMessage());
    }

    /**
     * Golden numbers from {@code torch.nn.functional.local_response_norm} (PyTorch 1.13, float64,
     * src/test/python/golden_values.py) on x_i = 1.5·sin(0.7i + 0.3), dy_i = cos(0.3i), shape 1×6×1×2.
     * Size 4 is where PyTorch's window and Caffe's/cuDNN's differ (by 0.27 relative here).
     */
    @ParameterizedTest(name = "lrn size {0} against PyTorch")
    @ValueSource(ints = {4, 3})
    void lrnMatchesPyTorchGolden(int size) {
        double[] y;
        double[] dx;
        LrnParams p;
        if (size == 4) {
            p = new LrnParams(4, 0.8, 0.75, 1.5);
            y = new double[]{2.653864795123e-01, 7.438429278355e-01, 8.902842007396e-01, 5.623429833481e-01,
                    3.221937639951e-02, -4.556704774678e-01, -7.519426803622e-01, -7.168792975138e-01,
                    -2.984171679421e-01, 2.347752789241e-01, 6.789639230240e-01, 7.855574285920e-01};
            dx = new double[]{5.309504588121e-01, 3.744724250343e-01, 2.353759137534e-01, 1.451832480965e-01,
                    1.770726340498e-01, 9.611343126858e-02, -1.693361333516e-01, -3.804761718585e-01,
                    -4.133944221869e-01, -4.181145695822e-01, -4.522767832588e-01, -3.370870480288e-01};
            if (!supportsEvenLrnSize()) {
                assertEvenLrnRefused(size);
                return;
            }
        } else {
            p = new LrnParams(3, 1.0, 0.5, 1.0);
            y = new double[]{3.301222074830e-01, 9.222174574410e-01, 1.107379166394e+00, 6.903479460538e-01,
                    3.980255372802e-02, -6.176029934253e-01, -1.086052672777e+00, -9.516851959362e-01,
                    -3.647548402012e-01, 3.021346375518e-01, 9.939186955958e-01, 1.104017308709e+00};
            dx = new double[]{6.428267684983e-01, 4.163054248274e-01, 2.695776131230e-01, 2.040939052720e-01,
                    2.177740602286e-01, 1.783032092299e-01, -4.363733813012e-02, -3.122759668131e-01,
                    -5.446911958789e-01, -5.113456332045e-01, -5.657298002734e-01, -3.796690243268e-01};
        }
        float[] x = new float[12];
        float[] dy = new float[12];
        for (int i = 0; i < 12; i++) {
            x[i] = (float) (1.5 * Math.sin(0.7 * i + 0.3));
            dy[i] = (float) Math.cos(0.3 * i);
        }
        try (Tensor tx = tensor(x, 1, 6, 1, 2); Tensor ty = zeros(1, 6, 1, 2);
             Tensor tdy = tensor(dy, 1, 6, 1, 2); Tensor tdx = zeros(1, 6, 1, 2)) {
            backend().lrnForward(p, tx, ty);
            assertClose("lrn forward vs PyTorch", y, ty.toArray(), 1e-6, 1e-5);
            backend().lrnBackward(p, tx, ty, tdy, tdx);
            assertClose("lrn backward vs PyTorch", dx, tdx.toArray(), 1e-6, 1e-5);
        }
    }

    @ParameterizedTest(name = "batch norm shape {0}")
    // "1,3" and "1,3,1,1" have one value per channel (N·H·W = 1: a last partial batch of one).
    @ValueSource(strings = {"4,3,2,3", "6,5", "1,2,4,4", "1,3", "1,3,1,1"})
    void batchNormMatchesReference(String dims) {
        int[] d = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        Shape s = Shape.of(d);
        int n = d[0];
        int c = d[1];
        int plane = s.size() / n / c;
        Random rng = new Random(s.size());
        float[] x = randomFloats(rng, s.size());
        float[] dy = randomFloats(rng, s.size());
        float[] gamma = randomFloats(rng, c);
        float[] beta = randomFloats(rng, c);
        double eps = 1e-5;
        double[] mean = new double[c];
        double[] var = new double[c];
        double[] y = Reference.batchNorm(x, n, c, plane, gamma, beta, eps, mean, var);
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        double[] dx = Reference.batchNormBackward(x, dy, n, c, plane, gamma, eps, dgamma, dbeta);
        double m = n * plane;
        double[] runMean = new double[c];
        double[] runVar = new double[c];
        for (int i = 0; i < c; i++) {
            runMean[i] = 0.1 * mean[i];
            runVar[i] = 0.9 + 0.1 * var[i] * (m > 1 ? m / (m - 1) : 1);
        }
        try (Tensor tx = backend().tensor(x, s); Tensor tg = tensor(gamma, c); Tensor tb = tensor(beta, c);
             Tensor ty = backend().allocate(s); Tensor rm = zeros(c); Tensor rv = zeros(c);
             Tensor sm = zeros(c); Tensor si = zeros(c);
             Tensor tdy = backend().tensor(dy, s); Tensor tdx = backend().allocate(s);
             Tensor tdg = zeros(c); Tensor tdb = zeros(c)) {
            backend().fill(rv, 1f);
            backend().batchNormForwardTraining(tx, tg, tb, ty, rm, rv, sm, si, 0.1, eps);
            assertClose("batch norm forward", y, ty.toArray(), 1e-4, 1e-4);
            assertClose("batch norm running mean", runMean, rm.toArray(), 1e-5, 1e-4);
            assertClose("batch norm running var", runVar, rv.toArray(), 1e-5, 1e-4);
            backend().batchNormBackward(tx, tdy, tg, sm, si, tdx, tdg, tdb, eps);
            // With one value per channel (plane 1, n 1) the gradient is 0 and so is the reference.
            assertClose("batch norm dx", dx, tdx.toArray(), 2e-4, 1e-3);
            assertClose("batch norm dgamma", dgamma, tdg.toArray(), 1e-4, 1e-4);
            assertClose("batch norm dbeta", dbeta, tdb.toArray(), 1e-4, 1e-4);
            // Inference with the running statistics.
            backend().batchNormForwardInference(tx, tg, tb, ty, rm, rv, eps);
            double[] yi = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int ch = (i / plane) % c;
                yi[i] = gamma[ch] * (x[i] - runMean[ch]) / Math.sqrt(runVar[ch] + eps) + beta[ch];
            }
            assertClose("batch norm inference", yi, ty.toArray(), 1e-4, 1e-4);
        }
    }

    @Test
    void dropoutMaskFollowsTheSharedHash() {
        int size = 10_000;
        float ratio = 0.3f;
        try (Tensor mask = zeros(size)) {
            backend().dropoutMask(mask, ratio, 42L);
            float[] m = mask.toArray();
            int dropped = 0;
            for (int i = 0; i < size; i++) {
                assertEquals(DropoutHash.maskValue(42L, i, ratio), m[i], "mask element " + i);
                dropped += m[i] == 0f ? 1 : 0;
            }
            assertTrue(Math.abs(dropped / (double) size - ratio) < 0.02, "dropped fraction " + dropped / (double) size);
        }
    }

    // ---- element-wise and optimizer steps ------------------------------------------------------

    @Test
    void elementwiseOpsMatchReference() {
        Random rng = new Random(3);
        float[] a = randomFloats(rng, 40_000);
        float[] b = randomFloats(rng, 40_000);
        double[] axpy = new double[a.length];
        double[] prod = new double[a.length];
        double[] scaled = new double[a.length];
        double squares = 0;
        for (int i = 0; i < a.length; i++) {
            axpy[i] = b[i] + 0.5 * a[i];
            prod[i] = (double) a[i] * b[i];
            scaled[i] = a[i] * -3.0;
            squares += (double) a[i] * a[i];
        }
        try (Tensor ta = tensor(a, 200, 200); Tensor tb = tensor(b, 200, 200); Tensor out = zeros(200, 200)) {
            assertEquals(squares, backend().sumOfSquares(ta), squares * 1e-6);
            backend().multiply(ta, tb, out);
            assertClose("multiply", prod, out.toArray(), 1e-6, 1e-6);
            backend().axpy(0.5f, ta, tb);
            assertClose("axpy", axpy, tb.toArray(), 1e-6, 1e-6);
            backend().copy(ta, out);
            backend().scale(out, -3f);
            assertClose("copy + scale", scaled, out.toArray(), 1e-6, 1e-6);
            backend().fill(out, 2.5f);
            assertClose("fill", new double[]{2.5, 2.5}, java.util.Arrays.copyOf(out.toArray(), 2), 0, 0);
        }
    }

    @Test
    void rowVectorOpsMatchReference() {
        Random rng = new Random(4);
        float[] m = randomFloats(rng, 6 * 5);
        float[] row = randomFloats(rng, 5);
        double[] added = new double[m.length];
        double[] sums = new double[5];
        for (int i = 0; i < m.length; i++) {
            added[i] = m[i] + row[i % 5];
            sums[i % 5] += m[i];
        }
        try (Tensor tm = tensor(m, 6, 5); Tensor tr = tensor(row, 5); Tensor ts = zeros(5)) {
            backend().sumRows(tm, ts);
            assertClose("sumRows", sums, ts.toArray(), 1e-5, 1e-5);
            backend().addRowVector(tm, tr);
            assertClose("addRowVector", added, tm.toArray(), 1e-6, 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"})
    void optimizerStepsMatchReference(String kind) {
        Random rng = new Random(kind.hashCode());
        int n = 50;
        float[] w0 = randomFloats(rng, n);
        double[] w = io.github.convnet4j.testing.Check.toDouble(w0);
        double[] s1 = new double[n];
        double[] s2 = new double[n];
        float lr = 0.01f;
        float wd = 0.1f;
        float mu = 0.9f;
        float eps = 1e-7f;
        try (Tensor tw = tensor(w0, n); Tensor tg = zeros(n); Tensor t1 = zeros(n); Tensor t2 = zeros(n)) {
            for (int step = 1; step <= 3; step++) {
                float[] g = randomFloats(rng, n);
                tg.copyFrom(g);
                double lrT = lr * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                for (int i = 0; i < n; i++) {
                    double gi = g[i] + wd * w[i];
                    switch (kind) {
                        case "sgd" -> w[i] -= lr * gi;
                        case "momentum" -> {
                            s1[i] = mu * s1[i] - lr * gi;
                            w[i] += s1[i];
                        }
                        case "nesterov" -> {
                            s1[i] = mu * s1[i] - lr * gi;
                            w[i] += mu * mu * s1[i] - (1 + mu) * lr * gi;
                        }
                        case "adagrad" -> {
                            s1[i] += gi * gi;
                            w[i] -= lr * gi / (Math.sqrt(s1[i]) + eps);
                        }
                        case "rmsprop" -> {
                            s1[i] = 0.99 * s1[i] + 0.01 * gi * gi;
                            w[i] -= lr * gi / (Math.sqrt(s1[i]) + eps);
                        }
                        default -> {
                            s1[i] += 0.1 * (gi - s1[i]);
                            s2[i] += 0.001 * (gi * gi - s2[i]);
                            w[i] -= lrT * s1[i] / (Math.sqrt(s2[i]) + eps);
                        }
                    }
                }
                switch (kind) {
                    case "sgd" -> backend().sgdStep(tw, tg, lr, wd);
                    case "momentum" -> backend().momentumStep(tw, tg, t1, lr, mu, wd);
                    case "nesterov" -> backend().nesterovStep(tw, tg, t1, lr, mu, wd);
                    case "adagrad" -> backend().adaGradStep(tw, tg, t1, lr, wd, eps);
                    case "rmsprop" -> backend().rmsPropStep(tw, tg, t1, lr, 0.99f, wd, eps);
                    default -> backend().adamStep(tw, tg, t1, t2, (float) lrT, 0.9f, 0.999f, wd, eps);
                }
            }
            assertClose(kind + " after 3 steps", w, tw.toArray(), 1e-5, 1e-4);
        }
    }
}
