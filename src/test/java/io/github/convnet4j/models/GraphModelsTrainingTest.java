package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.data.Padding;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.train.LossFalls;
import io.github.convnet4j.train.StepTraining;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GoogLeNet, built for ImageNet, learns from 28×28 Fashion-MNIST zero-padded to 32×32 (as
 * {@code train --pad-to 32} does): on the bundled sample, every step's loss is finite and the last
 * steps' mean is clearly below both the first steps' and chance's ({@link LossFalls}); with a
 * learning rate too small to learn, the same check fails. About 17 s on 2 cores (0.47 s a step at
 * batch 16). VGG-11 is not trained here: its classifier is 25088×4096 weights even at 32×32 (129
 * million parameters, 2 GB with Adam's state), a step costs 0.6 to 1 s, and its loss, which starts
 * far above chance, needs about 50 steps to fall clearly below chance (20 steps left it at 2.61);
 * the README's few hundred steps of both on the full set are the longer proof.
 */
class GraphModelsTrainingTest {
    private static final int STEPS = 40;
    private static final int BATCH = 16;
    /** The last steps' mean loss must be below 0.85 × the lower of the first steps' and chance's (ln 10 = 2.30). */
    private static final double RATIO = 0.85;

    private static Dataset train;
    private static Normalization norm;

    @BeforeAll
    static void padTheSample() throws Exception {
        train = Padding.centred(DataSources.bundledSample().train(), 32, 32);
        norm = Normalization.of(train);
    }

    private static double[] losses(String model, float lr, int batch, int steps) {
        try (CpuBackend cpu = new CpuBackend();
             Network net = Models.build(model, cpu, Shape.of(1, 32, 32), 10, 42);
             Adam adam = new Adam(lr, 0.9f, 0.999f, 0f)) {
            return StepTraining.run(net, adam, train, norm, batch, steps, 7, step -> { });
        }
    }

    @Test
    void googLeNetsLossFallsOnThePaddedSample() {
        LossFalls.require(losses("googlenet", 1e-3f, BATCH, STEPS), 10, RATIO, 10);
    }

    /**
     * The check can fail: the same steps with a learning rate of 1e-12 (the optimizers refuse 0),
     * in batches of 2 to keep it cheap, do not pass.
     */
    @Test
    void withoutLearningTheSameCheckFails() {
        double[] l = losses("googlenet", 1e-12f, 2, STEPS);
        AssertionError e = assertThrows(AssertionError.class, () -> LossFalls.require(l, 10, RATIO, 10));
        assertTrue(e.getMessage().startsWith("the loss did not fall"), e.getMessage());
    }
}
