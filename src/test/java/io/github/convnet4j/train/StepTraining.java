package io.github.convnet4j.train;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.function.IntConsumer;

/**
 * Trains a fixed number of mini-batch steps (not epochs) and keeps every step's loss: the Trainer
 * reports one mean per epoch, but "the loss falls" over a few hundred steps needs the steps'.
 * Full batches only (the loader's short last batch of an epoch is skipped), so every step sees
 * {@code batch} images.
 */
public final class StepTraining {
    private StepTraining() {
    }

    /** The loss of each of {@code steps} steps; {@code afterStep} gets the step's index once its update is done. */
    public static double[] run(Network net, Optimizer opt, Dataset train, Normalization norm, int batch, int steps,
                               long seed, IntConsumer afterStep) {
        Backend b = net.backend();
        net.setInputGradientNeeded(false);
        double[] losses = new double[steps];
        try (BatchLoader loader = new BatchLoader(train, batch, true, seed, norm, Augmentation.NONE);
             Tensor x = b.allocate(Batches.shape(train, batch));
             Tensor t = b.allocate(Shape.of(batch))) {
            int epoch = 0;
            loader.startEpoch(epoch);
            for (int step = 0; step < steps; ) {
                BatchLoader.Batch next = loader.next();
                if (next == null) {
                    loader.startEpoch(++epoch);
                    continue;
                }
                if (next.size() != batch) {
                    continue;
                }
                x.copyFrom(next.images());
                t.copyFrom(next.labels());
                losses[step] = net.gradient(x, t).toArray()[0];
                opt.step(net.parameters());
                afterStep.accept(step++);
            }
        }
        return losses;
    }
}
