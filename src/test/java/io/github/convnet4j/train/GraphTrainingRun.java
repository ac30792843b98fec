package io.github.convnet4j.train;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.data.Padding;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Optimizer;
import java.util.Locale;

/**
 * The README's step-capped runs of the ImageNet-shaped graph models on 28×28 data (the CLI trains
 * whole epochs): {@code java -cp ... GraphTrainingRun MODEL STEPS BATCH adam|momentum LR [sample]}
 * trains on Fashion-MNIST (Debian's full set, or the bundled sample) zero-padded to 32×32, prints
 * the mean loss of every 50 steps and ms/step, then the accuracy on the first 2,000 test images.
 */
public final class GraphTrainingRun {
    private GraphTrainingRun() {
    }

    public static void main(String[] args) throws Exception {
        String model = args[0];
        int steps = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        float lr = Float.parseFloat(args[4]);
        DataSources.Split split = args.length > 5 && args[5].equals("sample") ? DataSources.bundledSample()
                : DataSources.load("fashion-mnist", DataSources.Options.defaults());
        Dataset train = Padding.centred(split.train(), 32, 32);
        Dataset test = Padding.centred(split.test().head(2000), 32, 32);
        Normalization norm = Normalization.of(train);
        try (CpuBackend cpu = new CpuBackend();
             Network net = Models.build(model, cpu, train.itemShape(), train.classes(), 42);
             Optimizer opt = args[3].equals("adam") ? new Adam(lr, 0.9f, 0.999f, 0f) : new Momentum(lr, 0.9f, 0f)) {
            System.out.printf(Locale.ROOT, "%s on %s, %,d training images of %s, %,d parameters, batch %d, %s lr %s, %d"
                    + " threads%n", model, split.source(), train.size(), train.itemShape(), net.parameterCount(), batch,
                    args[3], lr, Runtime.getRuntime().availableProcessors());
            long start = System.nanoTime();
            long[] lastT = {start};
            double[] out = StepTraining.run(net, opt, train, norm, batch, steps, 42, step -> {
                if ((step + 1) % 50 == 0 || step + 1 == steps) {
                    long now = System.nanoTime();
                    int from = step / 50 * 50;
                    System.out.printf(Locale.ROOT, "steps %d-%d: %.1f ms/step%n", from + 1, step + 1,
                            (now - lastT[0]) / 1e6 / (step + 1 - from));
                    lastT[0] = now;
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            for (int s = 0; s < steps; s += 50) {
                System.out.printf(Locale.ROOT, "mean loss of steps %d-%d: %.4f%n", s + 1, Math.min(steps, s + 50),
                        LossFalls.mean(out, s, Math.min(steps, s + 50)));
            }
            System.out.printf(Locale.ROOT, "%d steps in %.1f s, %.1f ms/step; first step's loss %.4f, last %.4f%n", steps,
                    seconds, seconds * 1000 / steps, out[0], out[steps - 1]);
            long evalStart = System.nanoTime();
            double acc = Evaluation.of(net, test, norm, 100).accuracy();
            System.out.printf(Locale.ROOT, "accuracy on the first %,d test images: %.4f (%.1f s)%n", test.size(), acc,
                    (System.nanoTime() - evalStart) / 1e9);
        }
    }
}
