package io.github.convnet4j.cpu;

import static io.github.convnet4j.testing.Check.assertClose;
import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.reference.Reference;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edges of the CPU kernels that the shared contract's small shapes do not reach: LRN split into
 * pixel runs (a plane of 99 pixels, not a multiple of the run; several images), and the 2×2 max-pool
 * backward on odd H and W, which leave a row and a column no window covers. Output tensors start as
 * NaN, so an element left unwritten fails; results must not depend on the thread count.
 */
class CpuKernelEdgesTest {

    private static float[] nan(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    @ParameterizedTest(name = "beta {0}")
    @ValueSource(doubles = {0.75, 0.6})
    void lrnOverSeveralPixelRunsMatchesTheReference(double beta) {
        int n = 2;
        int c = 9;
        int plane = 9 * 11;
        LrnParams p = new LrnParams(5, 0.5, beta, 1.5);
        Random rng = new Random(7);
        float[] x = randomFloats(rng, n * c * plane);
        float[] dy = randomFloats(rng, x.length);
        float[][] ys = new float[2][];
        float[][] dxs = new float[2][];
        int[] threads = {1, 3};
        for (int t = 0; t < threads.length; t++) {
            try (CpuBackend cpu = new CpuBackend(threads[t]);
                 Tensor tx = cpu.tensor(x, Shape.of(n, c, 9, 11)); Tensor ty = cpu.tensor(nan(x.length), Shape.of(n, c, 9, 11));
                 Tensor tdy = cpu.tensor(dy, Shape.of(n, c, 9, 11)); Tensor tdx = cpu.tensor(nan(x.length), Shape.of(n, c, 9, 11))) {
                cpu.lrnForward(p, tx, ty);
                cpu.lrnBackward(p, tx, ty, tdy, tdx);
                ys[t] = ty.toArray();
                dxs[t] = tdx.toArray();
            }
        }
        assertClose("lrn forward", Reference.lrn(x, n, c, plane, 5, 0.5, beta, 1.5), ys[0], 1e-5, 1e-4);
        assertClose("lrn backward", Reference.lrnBackward(x, dy, n, c, plane, 5, 0.5, beta, 1.5), dxs[0], 1e-5, 1e-4);
        assertArrayEquals(ys[0], ys[1], "lrn forward: 1 thread against 3");
        assertArrayEquals(dxs[0], dxs[1], "lrn backward: 1 thread against 3");
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 3})
    void twoByTwoMaxPoolBackwardWritesEveryInputGradient(int threads) {
        int n = 3;
        int c = 2;
        int h = 7;
        int w = 5;
        Random rng = new Random(3);
        float[] x = randomFloats(rng, n * c * h * w);
        PoolGeometry g = PoolGeometry.of("pool", Shape.of(n, c, h, w), 2, 2, 2, 2, 0, 0, OutputRounding.FLOOR);
        float[] dy = randomFloats(rng, g.outputShape().size());
        try (CpuBackend cpu = new CpuBackend(threads);
             Tensor tx = cpu.tensor(x, Shape.of(n, c, h, w)); Tensor ty = cpu.allocate(g.outputShape());
             Tensor tdy = cpu.tensor(dy, g.outputShape()); Tensor tdx = cpu.tensor(nan(x.length), Shape.of(n, c, h, w))) {
            cpu.poolForward(PoolMode.MAX, g, tx, ty);
            cpu.poolBackward(PoolMode.MAX, g, tx, ty, tdy, tdx);
            assertClose("2x2 max pool backward", Reference.maxPoolBackward(x, dy, n, c, h, w, 2, 2, 0), tdx.toArray(), 0, 0);
        }
    }
}
