package io.github.convnet4j.cpu;

import static io.github.convnet4j.testing.Check.assertClose;
import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.reference.Reference;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.AssertionFailedError;

/**
 * Every CPU convolution variant (the direct kernels, forward and filter gradient; im2col + GEMM with
 * 1, 2 and all images per group) against the double-precision {@link Reference}, on shapes at the variants' edges, with 1
 * and 3 threads; the variants against each other; and the shape-based chooser.
 */
class CpuConvolutionVariantsTest {
    private static final double ATOL = 2e-4;
    private static final double RTOL = 2e-4;

    /** N, C, H, W, K, FH, FW, stride, pad. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(3, 1, 28, 28, 6, 5, 5, 1, 2),   // LeNet conv1
                Arguments.of(1, 6, 14, 14, 16, 5, 5, 1, 0),  // LeNet conv2, one image
                Arguments.of(5, 3, 7, 9, 4, 3, 3, 1, 1),     // odd sizes, H != W
                Arguments.of(4, 2, 9, 7, 3, 3, 3, 2, 1),     // stride 2, padding
                Arguments.of(3, 2, 6, 5, 1, 3, 2, 1, 0),     // K = 1, FH != FW
                Arguments.of(3, 1, 5, 5, 1, 1, 1, 1, 0),     // C = K = 1, 1×1: the image is its column matrix
                Arguments.of(3, 4, 5, 3, 5, 1, 1, 1, 0),     // 1×1 with K > C
                Arguments.of(2, 2, 3, 3, 3, 5, 5, 1, 2),     // filter as large as the padded image
                Arguments.of(2, 1, 9, 11, 2, 7, 7, 1, 3),    // 7 taps per row: one block of four and three single taps
                Arguments.of(40, 1, 28, 28, 6, 5, 5, 1, 2),  // LeNet conv1 with enough work to be shared out (direct, parallel)
                Arguments.of(2, 64, 4, 4, 128, 3, 3, 1, 1),  // a filter gradient too large for partials: GEMMs straight into dW
                Arguments.of(2, 1, 2, 2, 2, 2, 2, 1, 3),     // padding larger than the filter
                Arguments.of(1, 2, 5, 4, 3, 2, 2, 3, 4));    // stride 3, padding 4
    }

    private record Case(ConvGeometry g, float[] x, float[] w, float[] bias, float[] dy) {
        static Case of(int n, int c, int h, int wd, int k, int fh, int fw, int s, int p) {
            ConvGeometry g = ConvGeometry.of("test", Shape.of(n, c, h, wd), Shape.of(k, c, fh, fw), s, s, p, p,
                    OutputRounding.FLOOR);
            Random rng = new Random(n * 131L + c * 17L + h * 7L + k);
            return new Case(g, randomFloats(rng, n * c * h * wd), randomFloats(rng, k * c * fh * fw),
                    randomFloats(rng, k), randomFloats(rng, g.outputShape().size()));
        }

        double[] refForward() {
            return Reference.convForward(x, g.n(), g.c(), g.h(), g.w(), w, g.k(), g.fh(), g.fw(), bias,
                    g.strideH(), g.strideW(), g.padH(), g.padW());
        }

        double[] refData() {
            return Reference.convBackwardData(dy, g.n(), g.c(), g.h(), g.w(), w, g.k(), g.fh(), g.fw(),
                    g.strideH(), g.strideW(), g.padH(), g.padW());
        }

        double[] refFilter() {
            return Reference.convBackwardFilter(x, g.n(), g.c(), g.h(), g.w(), dy, g.k(), g.fh(), g.fw(),
                    g.strideH(), g.strideW(), g.padH(), g.padW());
        }
    }

    /** Filter gradients of every variant that applies to the shape, each labelled. */
    private static List<Object[]> filterGradients(Case t, Parallel par) {
        CpuConvolution conv = new CpuConvolution(par);
        List<Object[]> out = new ArrayList<>();
        if (t.g().strideH() == 1 && t.g().strideW() == 1) {
            float[] dw = nan(t.w().length);
            conv.directBackwardFilter(t.g(), t.x(), t.dy(), dw);
            out.add(new Object[]{"direct", dw});
        }
        for (int group : groupSizes(t.g())) {
            float[] dw = nan(t.w().length);
            conv.loweredBackwardFilter(t.g(), group, t.x(), t.dy(), dw);
            out.add(new Object[]{"lowered, group " + group, dw});
        }
        return out;
    }

    /** NaN everywhere, so that an element a variant leaves unwritten fails. */
    private static float[] nan(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    private static int[] groupSizes(ConvGeometry g) {
        return java.util.stream.IntStream.of(1, 2, g.n(), ConvAlgorithm.groupSize(g)).distinct().toArray();
    }

    /** Forward results of every variant that applies to the shape, each labelled. */
    private static List<Object[]> forwards(Case t, Parallel par) {
        CpuConvolution conv = new CpuConvolution(par);
        List<Object[]> out = new ArrayList<>();
        if (t.g().strideH() == 1 && t.g().strideW() == 1) {
            float[] y = new float[t.g().outputShape().size()];
            DirectConvolution.forward(t.g(), t.x(), t.w(), t.bias(), y, par);
            out.add(new Object[]{"direct", y});
        }
        for (int group : groupSizes(t.g())) {
            float[] y = new float[t.g().outputShape().size()];
            conv.loweredForward(t.g(), group, t.x(), t.w(), t.bias(), y);
            out.add(new Object[]{"lowered, group " + group, y});
        }
        return out;
    }

    @ParameterizedTest(name = "N={0} C={1} {2}x{3} K={4} {5}x{6} stride {7} pad {8}")
    @MethodSource("shapes")
    void everyVariantMatchesTheReference(int n, int c, int h, int w, int k, int fh, int fw, int s, int p) {
        Case t = Case.of(n, c, h, w, k, fh, fw, s, p);
        for (int threads : new int[]{1, 3}) {
            try (Parallel par = new Parallel(threads)) {
                CpuConvolution conv = new CpuConvolution(par);
                for (Object[] v : forwards(t, par)) {
                    assertClose("forward " + v[0] + ", " + threads + " threads", t.refForward(), (float[]) v[1], ATOL, RTOL);
                }
                for (int group : groupSizes(t.g())) {
                    float[] dx = nan(t.x().length);
                    conv.loweredBackwardData(t.g(), group, t.dy(), t.w(), dx);
                    assertClose("backward data, group " + group + ", " + threads + " threads", t.refData(), dx, ATOL, RTOL);
                }
                for (Object[] v : filterGradients(t, par)) {
                    assertClose("backward filter " + v[0] + ", " + threads + " threads", t.refFilter(), (float[]) v[1],
                            ATOL * 5, RTOL);
                }
            }
        }
    }

    /** The variants sum in different orders, so they agree to rounding, and each one exactly across thread counts. */
    @ParameterizedTest(name = "N={0} C={1} {2}x{3} K={4} {5}x{6} stride {7} pad {8}")
    @MethodSource("shapes")
    void variantsAgreeAndDoNotDependOnTheThreadCount(int n, int c, int h, int w, int k, int fh, int fw, int s, int p) {
        Case t = Case.of(n, c, h, w, k, fh, fw, s, p);
        List<Object[]> one;
        List<Object[]> three;
        try (Parallel par = new Parallel(1)) {
            one = forwards(t, par);
        }
        try (Parallel par = new Parallel(3)) {
            three = forwards(t, par);
        }
        float[] first = (float[]) one.get(0)[1];
        // Rounding differences grow with the length of each output's sum (C·FH·FW terms): 1e-5 up
        // to LeNet conv2's 150 terms, proportionally more beyond (576 terms: 3.8e-5).
        double tol = 1e-5 * Math.max(1.0, t.g().colRows() / 150.0);
        for (int i = 0; i < one.size(); i++) {
            assertClose(one.get(i)[0] + " against " + one.get(0)[0], first, (float[]) one.get(i)[1], tol, tol);
            assertArrayEquals((float[]) one.get(i)[1], (float[]) three.get(i)[1],
                    one.get(i)[0] + ": 1 thread against 3");
        }
        List<Object[]> dwOne;
        List<Object[]> dwThree;
        try (Parallel par = new Parallel(1)) {
            dwOne = filterGradients(t, par);
        }
        try (Parallel par = new Parallel(3)) {
            dwThree = filterGradients(t, par);
        }
        for (int i = 0; i < dwOne.size(); i++) {
            assertClose("filter gradient " + dwOne.get(i)[0] + " against " + dwOne.get(0)[0], (float[]) dwOne.get(0)[1],
                    (float[]) dwOne.get(i)[1], 1e-4, 1e-5);
            assertArrayEquals((float[]) dwOne.get(i)[1], (float[]) dwThree.get(i)[1],
                    "filter gradient " + dwOne.get(i)[0] + ": 1 thread against 3");
        }
        for (int group : groupSizes(t.g())) {
            float[] dx1 = new float[t.x().length];
            float[] dx3 = new float[t.x().length];
            try (Parallel par = new Parallel(1)) {
                new CpuConvolution(par).loweredBackwardData(t.g(), group, t.dy(), t.w(), dx1);
            }
            try (Parallel par = new Parallel(3)) {
                new CpuConvolution(par).loweredBackwardData(t.g(), group, t.dy(), t.w(), dx3);
            }
            assertArrayEquals(dx1, dx3, "backward data, group " + group + ": 1 thread against 3");
        }
    }

    /** The comparison above can fail: one wrong output element of a variant is caught. */
    @Test
    void aWrongVariantIsCaught() {
        Case t = Case.of(2, 1, 9, 11, 2, 7, 7, 1, 3);
        float[] y = new float[t.g().outputShape().size()];
        try (Parallel par = new Parallel(2)) {
            DirectConvolution.forward(t.g(), t.x(), t.w(), t.bias(), y, par);
        }
        y[y.length / 2] += 1e-2f;
        assertThrows(AssertionFailedError.class, () -> assertClose("planted", t.refForward(), y, ATOL, RTOL));
    }

    @Test
    void chooserPicksDirectForTinyChannelCountsAndLoweredOtherwise() {
        ConvGeometry lenet1 = ConvGeometry.of("c1", Shape.of(100, 1, 28, 28), Shape.of(6, 1, 5, 5), 1, 1, 2, 2,
                OutputRounding.FLOOR);
        ConvGeometry lenet2 = ConvGeometry.of("c2", Shape.of(100, 6, 14, 14), Shape.of(16, 6, 5, 5), 1, 1, 0, 0,
                OutputRounding.FLOOR);
        ConvGeometry strided = ConvGeometry.of("s", Shape.of(2, 1, 28, 28), Shape.of(6, 1, 5, 5), 2, 2, 2, 2,
                OutputRounding.FLOOR);
        ConvGeometry mostlyPadding = ConvGeometry.of("p", Shape.of(2, 1, 2, 2), Shape.of(2, 1, 5, 5), 1, 1, 2, 2,
                OutputRounding.FLOOR);
        assertEquals(ConvAlgorithm.DIRECT, ConvAlgorithm.forward(lenet1));
        assertEquals(ConvAlgorithm.LOWERED, ConvAlgorithm.forward(lenet2));
        assertEquals(ConvAlgorithm.LOWERED, ConvAlgorithm.forward(strided));
        assertEquals(ConvAlgorithm.LOWERED, ConvAlgorithm.forward(mostlyPadding));
        // LeNet conv2: 150 × 100 floats per image, so 17 images fill the 2^18-float budget.
        assertEquals(17, ConvAlgorithm.groupSize(lenet2));
        ConvGeometry alex2 = ConvGeometry.of("a2", Shape.of(8, 64, 27, 27), Shape.of(192, 64, 5, 5), 1, 1, 2, 2,
                OutputRounding.FLOOR);
        assertEquals(1, ConvAlgorithm.groupSize(alex2));
        assertEquals(1, ConvAlgorithm.filterGroupSize(lenet2));
        assertEquals(ConvAlgorithm.DIRECT, ConvAlgorithm.backwardFilter(lenet1));
        assertEquals(ConvAlgorithm.LOWERED, ConvAlgorithm.backwardFilter(lenet2));
        assertEquals(ConvAlgorithm.LOWERED, ConvAlgorithm.backwardFilter(strided));
    }

    @Test
    void smallWorkStaysOnTheCallingThread() {
        try (Parallel par = new Parallel(2)) {
            assertEquals(Parallel.SEQUENTIAL, par.forWork(Parallel.MIN_PARALLEL_ELEMENTS - 1));
            assertEquals(par, par.forWork(Parallel.MIN_PARALLEL_ELEMENTS));
        }
    }

    @Test
    void directKernelRefusesStridesItDoesNotCompute() {
        ConvGeometry strided = ConvGeometry.of("s", Shape.of(1, 1, 8, 8), Shape.of(1, 1, 3, 3), 2, 2, 0, 0,
                OutputRounding.FLOOR);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DirectConvolution.forward(
                strided, new float[64], new float[9], null, new float[9], Parallel.SEQUENTIAL));
        assertEquals(true, e.getMessage().contains("stride 1"), e.getMessage());
    }
}
