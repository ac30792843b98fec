package io.github.convnet4j.nn;

import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.models.SimpleConvNet;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.GradientCheck;
import io.github.convnet4j.testing.RandomBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Numerical gradient checks of whole networks (the book's gradient_check), on the CPU backend. */
class GradientCheckTest {
    /** A planted error this small everywhere in a slice is below the check's resolution (1e-4 absolute). */
    private static final double INVISIBLE = 2 * GradientCheck.absoluteTolerance();
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

    /**
     * Measures once, checks the real gradients, then judges planted errors against the same numeric
     * derivatives (as a wrong backward pass would have produced them): each must fail the check.
     * conv1's weight gradient off by 5 % is the README's "a 5 % error in one layer's backward".
     */
    private static void checkWithPlantedErrors(Network net, Tensor x, Tensor t, long seed, GradientCheck.Budget budget) {
        GradientCheck.Measurement m = GradientCheck.measure(net, x, t, seed);
        m.assertPasses(budget);
        String conv1 = firstLayer(net, Convolution.class, false);
        String fc1 = firstLayer(net, Affine.class, false);
        String output = firstLayer(net, Affine.class, true);
        assertFails(m.withGradient(output + ".bias", g -> 2 * g), budget, "output bias (" + output + ") gradient x2");
        assertFails(m.withGradient(fc1 + ".weight", g -> 2 * g), budget, fc1 + " weight gradient x2");
        if (!(net.layers().get(1) instanceof BatchNorm)) {
            // Batch norm right after conv1 cancels any per-channel shift: conv1's bias gradient is 0 there.
            assertFails(m.withGradient(conv1 + ".bias", g -> 0), budget, conv1 + " bias gradient zeroed");
        }
        assertFails(m.withGradient(conv1 + ".weight", g -> 1.05 * g), budget, conv1 + " weight gradient x1.05");
        assertFails(m.withGradient(conv1 + ".weight", g -> 0.95 * g), budget, conv1 + " weight gradient x0.95");
        assertEverySliceErrorFails(m, budget);
    }

    /**
     * An error confined to one row of an affine weight, one filter or channel, one bias entry or
     * one image of the input: each dim-0 slice of every tensor in turn, doubled and zeroed, must
     * fail the check. Skipped: slices whose whole gradient is within 2e-4, twice the check's
     * absolute resolution, where doubling or zeroing changes no element by more than float32
     * differencing can see. Exactly 0: a bias followed by batch norm (which cancels any
     * per-channel shift: conv1.bias and fc1.bias of the BN net), a row of an affine layer whose
     * ReLU is off for every image (LeNet-modern: 57 of fc1's 120, 39 of fc2's 84; SimpleConvNet:
     * 31 of fc1's 100). Merely tiny: sigmoid LeNet's input and a few of its biases and fc1 rows,
     * 2 of LeNet-modern's 10 output biases (classes both images give p < 4e-4), 1 bn2 scale.
     */
    private static void assertEverySliceErrorFails(GradientCheck.Measurement m, GradientCheck.Budget budget) {
        List<String> through = new ArrayList<>();
        for (String tensor : m.tensorNames()) {
            for (int row = 0; row < m.slices(tensor); row++) {
                if (m.largestGradientInSlice(tensor, row) <= INVISIBLE) {
                    continue;
                }
                if (m.withSliceGradient(tensor, row, g -> 2 * g).problems(budget).isEmpty()) {
                    through.add(tensor + " slice " + row + " x2 (" + m.describeSlice(tensor, row) + ")");
                }
                if (m.withSliceGradient(tensor, row, g -> 0).problems(budget).isEmpty()) {
                    through.add(tensor + " slice " + row + " zeroed (" + m.describeSlice(tensor, row) + ")");
                }
            }
        }
        assertEquals(List.of(), through, "the gradient check let through one-slice errors");
    }

    private static void assertFails(GradientCheck.Measurement planted, GradientCheck.Budget budget, String what) {
        assertFalse(planted.problems(budget).isEmpty(), "the gradient check let through: " + what);
    }

    /** The name of the first (or last) layer of a kind. */
    private static String firstLayer(Network net, Class<? extends Layer> kind, boolean last) {
        java.util.List<Layer> layers = new java.util.ArrayList<>(net.layers());
        if (last) {
            java.util.Collections.reverse(layers);
        }
        return layers.stream().filter(kind::isInstance).findFirst().orElseThrow().name();
    }

    @Test
    void simpleConvNet() {
        try (Network net = SimpleConvNet.build(backend, Shape.of(1, 12, 10), 10, 1, Initializer.he());
             Tensor x = images(3, 1, 12, 10, 2); Tensor t = labels(3, 10, 3)) {
            checkWithPlantedErrors(net, x, t, 4, GradientCheck.Budget.KINKED);
        }
    }

    @Test
    void leNetModern() {
        try (Network net = LeNet.modern(backend, 10, 5); Tensor x = images(2, 1, 28, 28, 6); Tensor t = labels(2, 10, 7)) {
            checkWithPlantedErrors(net, x, t, 8, GradientCheck.Budget.KINKED);
        }
    }

    @Test
    void leNetClassicTanh() {
        try (Network net = LeNet.classic(backend, LeNet.Squash.TANH, 10, 9);
             Tensor x = images(2, 1, 28, 28, 10); Tensor t = labels(2, 10, 11)) {
            checkWithPlantedErrors(net, x, t, 12, GradientCheck.Budget.SMOOTH);
        }
    }

    @Test
    void leNetClassicSigmoid() {
        try (Network net = LeNet.classic(backend, LeNet.Squash.SIGMOID, 10, 13);
             Tensor x = images(2, 1, 28, 28, 14); Tensor t = labels(2, 10, 15)) {
            checkWithPlantedErrors(net, x, t, 16, GradientCheck.Budget.SMOOTH);
        }
    }

    /** Every other layer: BatchNorm (4-D and 2-D), PReLU, LRN, Dropout with a fixed mask, and more. */
    @Test
    void netWithBatchNormDropoutLrnAndTheOtherActivations() {
        try (Network net = new NetworkBuilder(backend, Shape.of(3, 9, 7), 17)
                .conv("conv1", 6, 3, 3, 1, 1, 1, 0)
                .batchNorm("bn1").prelu("prelu1")
                .lrn("lrn1", new LrnParams(5, 0.5, 0.75, 1.0))
                .maxPool("pool1", 3, 2, 1)
                .conv("conv2", 5, 3, 2, 1).softplus("softplus2")
                .avgPool("pool2", 2, 1)
                .flatten("flatten")
                .affine("fc1", 12).batchNorm("bn2").leakyRelu("leaky", 0.1f)
                .dropout("drop", 0.3f)
                .affine("fc2", 8).tanh("tanh").sigmoid("sigmoid")
                .affine("fc3", 4)
                .softmaxWithLoss();
             Tensor x = images(4, 3, 9, 7, 18); Tensor t = labels(4, 4, 19)) {
            checkWithPlantedErrors(net, x, t, 20, GradientCheck.Budget.KINKED);
        }
    }

    @Test
    void netWithMeanSquaredError() {
        try (Network net = new NetworkBuilder(backend, Shape.of(2, 6, 6), 21)
                .conv("conv1", 4, 3, 1, 0).sigmoid("sig").affine("fc", 3).meanSquaredError();
             Tensor x = images(3, 2, 6, 6, 22);
             Tensor t = backend.tensor(randomFloats(new Random(23), 9), Shape.of(3, 3))) {
            checkWithPlantedErrors(net, x, t, 24, GradientCheck.Budget.SMOOTH);
        }
    }

    /**
     * A real backward bug: an identity layer whose backward returns 1.05·dL/dy, between conv1 and its
     * activation, puts a 5 % error into every gradient below it. The check must fail.
     */
    @Test
    void aLayerWhoseBackwardIsFivePercentOffFailsTheCheck() {
        for (float factor : new float[]{1f, 1.05f, 0.95f}) {
            try (Network net = new NetworkBuilder(backend, Shape.of(2, 6, 6), 21)
                    .conv("conv1", 4, 3, 1, 0).add(new ScaledBackward(backend, "planted", factor)).sigmoid("sig")
                    .affine("fc", 3).meanSquaredError();
                 Tensor x = images(3, 2, 6, 6, 22);
                 Tensor t = backend.tensor(randomFloats(new Random(23), 9), Shape.of(3, 3))) {
                assertEquals(factor == 1f, GradientCheck.measure(net, x, t, 24).problems(GradientCheck.Budget.SMOOTH)
                        .isEmpty(), "smooth net, backward scaled by " + factor);
            }
            try (Network net = new NetworkBuilder(backend, Shape.of(3, 9, 7), 17)
                    .conv("conv1", 6, 3, 3, 1, 1, 1, 0).add(new ScaledBackward(backend, "planted", factor)).relu("relu1")
                    .maxPool("pool1", 3, 2, 1).flatten("flatten").affine("fc1", 12).relu("relu2").affine("fc2", 4)
                    .softmaxWithLoss();
                 Tensor x = images(4, 3, 9, 7, 18); Tensor t = labels(4, 4, 19)) {
                assertEquals(factor == 1f, GradientCheck.measure(net, x, t, 20).problems(GradientCheck.Budget.KINKED)
                        .isEmpty(), "ReLU/max-pool net, backward scaled by " + factor);
            }
        }
    }

    /** Identity forward; backward scales the incoming gradient (a planted bug). */
    private static final class ScaledBackward implements Layer {
        private final Backend backend;
        private final String name;
        private final float factor;
        private Tensor dx;

        ScaledBackward(Backend backend, String name, float factor) {
            this.backend = backend;
            this.name = name;
            this.factor = factor;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Shape outputShape(Shape input) {
            return input;
        }

        @Override
        public Tensor forward(Tensor x, boolean training) {
            return x;
        }

        @Override
        public Tensor backward(Tensor dout) {
            if (dx == null || !dx.shape().equals(dout.shape())) {
                close();
                dx = backend.allocate(dout.shape());
            }
            backend.copy(dout, dx);
            backend.scale(dx, factor);
            return dx;
        }

        @Override
        public void close() {
            if (dx != null) {
                dx.close();
                dx = null;
            }
        }
    }
}
