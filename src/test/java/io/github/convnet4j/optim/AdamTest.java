package io.github.convnet4j.optim;

import static io.github.convnet4j.testing.Check.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both forms of {@link Adam} against references written from their sources, not from our code:
 * {@code torch.optim.Adam}'s documented algorithm (and golden numbers from PyTorch 1.13 made by
 * src/test/python/golden_values.py) and the book's {@code common/optimizer.py}.
 */
class AdamTest {
    private static final int N = 5;
    private static final int STEPS = 3;
    private static Backend backend;

    /** torch.optim.Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), gradients of scale 1. */
    private static final double[] TORCH_W_SCALE_1 = {4.220469208397e-01, 4.812148979378e-01, 9.022180736390e-02,
            -3.716621495442e-01, -5.058383269437e-01};
    /** The same with weight_decay=0 and gradients of scale 1e-6, where the placement of ε shows. */
    private static final double[] TORCH_W_SCALE_1E6 = {4.231073246603e-01, 4.812115036745e-01, 9.012402231346e-02,
            -3.727938525813e-01, -5.055684830693e-01};

    @BeforeAll
    static void open() {
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    private static float[] initialWeights() {
        float[] w = new float[N];
        for (int i = 0; i < N; i++) {
            w[i] = (float) (0.5 * Math.sin(i + 1));
        }
        return w;
    }

    /** The golden script's gradient of element i at step t (1-based). */
    private static float gradient(double scale, int i, int t) {
        return (float) (scale * Math.cos(0.9 * i + 1.3 * t));
    }

    private static float[] run(Adam adam, double gradScale, int steps) {
        try (adam; Parameter p = new Parameter(backend, "w", Shape.of(N), true)) {
            p.value().copyFrom(initialWeights());
            for (int t = 1; t <= steps; t++) {
                float[] g = new float[N];
                for (int i = 0; i < N; i++) {
                    g[i] = gradient(gradScale, i, t);
                }
                p.gradient().copyFrom(g);
                adam.step(List.of(p));
            }
            return p.value().toArray();
        }
    }

    /** torch.optim.Adam as its documentation writes it (amsgrad off, maximize off), in double. */
    private static double[] torchAlgorithm(double lr, double wd, double gradScale, int steps) {
        double[] theta = new double[N];
        float[] w0 = initialWeights();
        for (int i = 0; i < N; i++) {
            theta[i] = w0[i];
        }
        double[] m = new double[N];
        double[] v = new double[N];
        double b1 = 0.9f;
        double b2 = 0.999f;
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < N; i++) {
                double g = gradient(gradScale, i, t) + wd * theta[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                theta[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
            }
        }
        return theta;
    }

    /** The book's Adam (common/optimizer.py), with the L2 term the engine adds, in double. */
    private static double[] bookAlgorithm(double lr, double wd, double gradScale, int steps) {
        double[] w = new double[N];
        float[] w0 = initialWeights();
        for (int i = 0; i < N; i++) {
            w[i] = w0[i];
        }
        double[] m = new double[N];
        double[] v = new double[N];
        double b1 = 0.9f;
        double b2 = 0.999f;
        for (int iter = 1; iter <= steps; iter++) {
            double lrT = lr * Math.sqrt(1.0 - Math.pow(b2, iter)) / (1.0 - Math.pow(b1, iter));
            for (int i = 0; i < N; i++) {
                double g = gradient(gradScale, i, iter) + wd * w[i];
                m[i] += (1 - b1) * (g - m[i]);
                v[i] += (1 - b2) * (g * g - v[i]);
                w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + 1e-7);
            }
        }
        return w;
    }

    @Test
    void pytorchFormMatchesTorchOptimAdam() {
        assertClose("PyTorch form, gradients ~1", TORCH_W_SCALE_1,
                run(Adam.pytorch(0.01f, 0.9f, 0.999f, 0.1f), 1.0, STEPS), 1e-6, 1e-5);
        assertClose("PyTorch form, gradients ~1e-6", TORCH_W_SCALE_1E6,
                run(Adam.pytorch(0.01f), 1e-6, STEPS), 1e-6, 1e-5);
    }

    @Test
    void pytorchFormMatchesTorchsDocumentedAlgorithmOverManySteps() {
        for (double scale : new double[]{1.0, 1e-3, 1e-6}) {
            assertClose("PyTorch form, gradient scale " + scale, torchAlgorithm(0.01, 0.1, scale, 50),
                    run(Adam.pytorch(0.01f, 0.9f, 0.999f, 0.1f), scale, 50), 1e-6, 1e-5);
        }
    }

    @Test
    void bookFormIsTheDefaultAndMatchesTheBook() {
        assertEquals(Adam.Form.BOOK, new Adam(0.01f).form());
        assertClose("book form", bookAlgorithm(0.01, 0.1, 1.0, 50), run(new Adam(0.01f, 0.9f, 0.999f, 0.1f), 1.0, 50),
                1e-6, 1e-5);
        assertClose("book form, tiny gradients", bookAlgorithm(0.01, 0, 1e-6, STEPS), run(new Adam(0.01f), 1e-6, STEPS),
                1e-6, 1e-5);
    }

    /** The golden numbers tell the forms apart: the check above could fail. */
    @Test
    void bookFormDiffersFromTorchWhereGradientsAreSmall() {
        float[] book = run(new Adam(0.01f), 1e-6, STEPS);
        double worst = 0;
        for (int i = 0; i < N; i++) {
            worst = Math.max(worst, Math.abs(book[i] - TORCH_W_SCALE_1E6[i]));
        }
        assertTrue(worst > 1e-3, "the book's ε placement should move tiny-gradient steps, worst difference " + worst);
    }

    @Test
    void badHyperparametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.01f, 1f, 0.999f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.01f, 0.9f, 0.999f, 0f, Adam.Form.PYTORCH, 0f));
    }
}
