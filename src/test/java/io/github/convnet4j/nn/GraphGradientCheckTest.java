package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.GradientCheck;
import io.github.convnet4j.testing.RandomBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Numerical gradient checks of a small residual net and a small Inception-style net: every
 * parameter's gradient and the input's, which reach the fan-out points (a block's input read by
 * its convolution and its shortcut; a stem read by four branches) from several readers. Planted
 * errors on the tensors behind a fan-out prove the check sees a lost or doubled branch.
 */
class GraphGradientCheckTest {
    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    private static Tensor images(int n, int c, int h, int w, long seed) {
        return RandomBatch.images(backend, n, c, h, w, seed);
    }

    private static Tensor labels(int n, int classes, long seed) {
        return RandomBatch.labels(backend, n, classes, seed);
    }

    private static void assertFails(GradientCheck.Measurement planted, String what) {
        assertFails(planted, GradientCheck.Budget.KINKED, what);
    }

    private static void assertFails(GradientCheck.Measurement planted, GradientCheck.Budget budget, String what) {
        assertFalse(planted.problems(budget).isEmpty(), "the gradient check let through: " + what);
    }

    /**
     * Stem, an identity block (its first convolution without bias before a batch norm, as in
     * ResNet), a block with a strided 1×1 projection shortcut, global average pool, fc. Smooth
     * activations, so that the strict budget applies: a kink cannot hide a wrong sum.
     */
    @Test
    void residualNet() {
        try (Network net = new NetworkBuilder(backend, Shape.of(2, 7, 7), 31)
                .conv("stem", 3, 3, 1, 1).tanh("stem.act")
                .conv("a.conv1", 3, 3, 1, 1, false).batchNorm("a.bn1").softplus("a.act1").conv("a.conv2", 3, 3, 1, 1)
                .sum("a.add", "a.conv2", "stem.act").tanh("a.act")
                .conv("b.conv1", 4, 3, 2, 1).tanh("b.act1").conv("b.conv2", 4, 3, 1, 1)
                .from("a.act").conv("b.downsample", 4, 1, 2, 0)
                .sum("b.add", "b.conv2", "b.downsample").softplus("b.act")
                .globalAvgPool("pool").affine("fc", 3).softmaxWithLoss();
             Tensor x = images(3, 2, 7, 7, 32); Tensor t = labels(3, 3, 33)) {
            GradientCheck.Measurement m = GradientCheck.measure(net, x, t, 34);
            m.assertPasses(GradientCheck.Budget.SMOOTH);
            // stem.act feeds a.conv1 and the a.add shortcut: losing either contribution changes stem's gradients.
            GradientCheck.Budget smooth = GradientCheck.Budget.SMOOTH;
            assertFails(m.withGradient("stem.weight", g -> 0.5 * g), smooth, "stem weight gradient halved");
            assertFails(m.withGradient("a.conv1.weight", g -> 2 * g), smooth, "a.conv1 weight gradient x2");
            assertFails(m.withGradient("b.downsample.weight", g -> 0), smooth, "the projection shortcut's gradient lost");
            assertFails(m.withGradient("input", g -> 1.05 * g), smooth, "input gradient x1.05");
        }
    }

    /**
     * Stem, then four branches read the stem's output (smooth activations: the max pools are the
     * only kinks): 1×1; 1×1–3×3; a ceil-mode 3×3/1 max pool
     * padded by 1 then 1×1; an average pool padded by 1 then 1×1; concatenated, a ceil-mode 3×3/2
     * max pool whose last window hangs over the edge, adaptive average pooling to 2×2, fc.
     */
    @Test
    void inceptionStyleNet() {
        NetworkBuilder b = new NetworkBuilder(backend, Shape.of(3, 6, 6), 41).conv("stem", 4, 3, 1, 1).tanh("stem.act");
        b.conv("b1", 2, 1, 1, 0).softplus("b1.act");
        b.from("stem.act").conv("b2.0", 2, 1, 1, 0).tanh("b2.0.act").conv("b2.1", 3, 3, 1, 1).softplus("b2.1.act");
        b.from("stem.act").rounding(OutputRounding.CEIL).maxPool("b3.pool", 3, 1, 1).rounding(OutputRounding.STRICT)
                .conv("b3.1", 2, 1, 1, 0).softplus("b3.act");
        b.from("stem.act").avgPool("b4.pool", 3, 1, 1).conv("b4.1", 1, 1, 1, 0).tanh("b4.act");
        b.concat("cat", "b1.act", "b2.1.act", "b3.act", "b4.act")
                .rounding(OutputRounding.CEIL).maxPool("pool", 3, 2, 0).rounding(OutputRounding.STRICT)
                .adaptiveAvgPool("adaptive", 2, 2);
        try (Network net = b.affine("fc", 3).softmaxWithLoss();
             Tensor x = images(3, 3, 6, 6, 42); Tensor t = labels(3, 3, 43)) {
            GradientCheck.Measurement m = GradientCheck.measure(net, x, t, 44);
            m.assertPasses(GradientCheck.Budget.KINKED);
            assertFails(m.withGradient("stem.weight", g -> 0.75 * g), "stem weight gradient x0.75 (a branch lost)");
            assertFails(m.withGradient("b4.1.weight", g -> 2 * g), "the average-pool branch's weight gradient x2");
            assertFails(m.withGradient("b3.1.bias", g -> 0), "the max-pool branch's bias gradient zeroed");
            assertFails(m.withGradient("input", g -> 0.9 * g), "input gradient x0.9");
        }
    }
}
