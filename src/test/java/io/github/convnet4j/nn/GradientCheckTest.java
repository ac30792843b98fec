package io.github.convnet4j.nn;

import static io.github.convnet4j.testing.Check.randomFloats;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.models.SimpleConvNet;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.GradientCheck;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Numerical gradient checks of whole networks (the book's gradient_check), on the CPU backend. */
class GradientCheckTest {
    /** ReLU/max-pool networks: the share of samples that may sit on float32 kinks (see GradientCheck). */
    private static final double PIECEWISE_OUTLIERS = 0.1;
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
        return backend.tensor(randomFloats(new Random(seed), n * c * h * w), Shape.of(n, c, h, w));
    }

    private static Tensor labels(int n, int classes, long seed) {
        Random rng = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = rng.nextInt(classes);
        }
        return backend.tensor(l, Shape.of(n));
    }

    @Test
    void simpleConvNet() {
        try (Network net = SimpleConvNet.build(backend, Shape.of(1, 12, 10), 10, 1, Initializer.he());
             Tensor x = images(3, 1, 12, 10, 2); Tensor t = labels(3, 10, 3)) {
            GradientCheck.check(net, x, t, 4, PIECEWISE_OUTLIERS);
        }
    }

    @Test
    void leNetModern() {
        try (Network net = LeNet.modern(backend, 10, 5); Tensor x = images(2, 1, 28, 28, 6); Tensor t = labels(2, 10, 7)) {
            GradientCheck.check(net, x, t, 8, PIECEWISE_OUTLIERS);
        }
    }

    @Test
    void leNetClassicTanh() {
        try (Network net = LeNet.classic(backend, LeNet.Squash.TANH, 10, 9);
             Tensor x = images(2, 1, 28, 28, 10); Tensor t = labels(2, 10, 11)) {
            GradientCheck.check(net, x, t, 12);
        }
    }

    @Test
    void leNetClassicSigmoid() {
        try (Network net = LeNet.classic(backend, LeNet.Squash.SIGMOID, 10, 13);
             Tensor x = images(2, 1, 28, 28, 14); Tensor t = labels(2, 10, 15)) {
            GradientCheck.check(net, x, t, 16);
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
            GradientCheck.check(net, x, t, 20, PIECEWISE_OUTLIERS);
        }
    }

    @Test
    void netWithMeanSquaredError() {
        try (Network net = new NetworkBuilder(backend, Shape.of(2, 6, 6), 21)
                .conv("conv1", 4, 3, 1, 0).sigmoid("sig").affine("fc", 3).meanSquaredError();
             Tensor x = images(3, 2, 6, 6, 22);
             Tensor t = backend.tensor(randomFloats(new Random(23), 9), Shape.of(3, 3))) {
            GradientCheck.check(net, x, t, 24);
        }
    }
}
