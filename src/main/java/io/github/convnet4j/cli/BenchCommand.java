package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.bench.CpuBenchmark;
import io.github.convnet4j.bench.GpuBenchmark;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.Trainer;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Speed figures: 'cpu' (SGEMM and convolution GFLOP/s), 'gpu' (AlexNet and LeNet steps on CUDA),"
                + " 'epoch' (training epochs of a model on real data, timed), or 'steps' (training steps of a model on"
                + " random images of --input, e.g. --model resnet50 --input 3x224x224, in images/s).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "cpu, gpu, epoch or steps")
    String what;
    @Mixin
    DeviceOption device = new DeviceOption();
    @Mixin
    DataOptions.Training data = new DataOptions.Training();
    @Option(names = "--model", defaultValue = "lenet", description = "for 'epoch' and 'steps' (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "for 'epoch' (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch", defaultValue = "100", description = "for 'epoch' and 'steps' (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--input", description = "for 'steps': CxHxW of the random images (default: the model's, as for info)")
    String input;
    @Option(names = "--steps", defaultValue = "5", description = "for 'steps': timed steps after one warm-up step"
            + " (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--threads", description = "CPU threads for 'cpu' (default: all)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        OptionRanges.atLeast("--epochs", epochs, 1);
        OptionRanges.between("--batch", batch, 1, OptionRanges.MAX_BATCH);
        if (threads != null) {
            OptionRanges.between("--threads", threads, 1, OptionRanges.MAX_THREADS);
        }
        OptionRanges.between("--steps", steps, 1, 10_000);
        data.checkOptions();
        if (input != null && !what.equals("steps")) {
            throw new IllegalArgumentException("--input is for 'bench steps'; 'bench " + what + "' takes no input shape");
        }
        if (what.equals("epoch") || what.equals("steps")) {
            ModelInputs.requireKnown(model);
        }
        switch (what) {
            case "cpu" -> CpuBenchmark.main(threads == null ? new String[0] : new String[]{threads.toString()});
            case "gpu" -> GpuBenchmark.main(new String[0]);
            case "epoch" -> epochs();
            case "steps" -> steps();
            default -> throw new IllegalArgumentException("unknown benchmark '" + what + "': expected cpu, gpu, epoch or"
                    + " steps");
        }
        return 0;
    }

    /** Trains with Adam (lr 1e-3) and prints the trainer's per-epoch lines, whose time is the figure. */
    private void epochs() throws Exception {
        if (!data.isFolder()) {
            ModelInputs.requireFits(model, data.fixedItemShape(), "--dataset " + data.dataset);
        }
        DataSources.Split split = data.load(data.isFolder() ? ModelInputs.folderDefault(model) : null, null);
        Normalization norm = Normalization.of(split.train());
        try (Backend backend = device.open();
             Network net = Models.build(model, backend, split.train().itemShape(), split.train().classes(), 1);
             Optimizer opt = TrainCommand.optimizer("adam", 1e-3f, 0f)) {
            System.out.printf("bench epoch: %s on %s, %d images, batch %d, Adam, backend %s, %d processors%n", model,
                    split.source(), split.train().size(), batch, backend.name(), Runtime.getRuntime().availableProcessors());
            Trainer.Config cfg = new Trainer.Config(epochs, batch, LearningRateSchedule.constant(1e-3), 1,
                    Augmentation.NONE, 0, 0, null, 1, false);
            new Trainer(net, opt, cfg, Map.of(), System.out::println).fit(split.train(), split.test(), norm, null);
        }
    }

    /**
     * Times training steps (forward, backward, Momentum update) on one batch of random images and
     * labels: a model's speed at a shape no bundled data set has, such as ImageNet's 3×224×224.
     */
    private void steps() {
        Shape item = input != null ? ModelInputs.parse("--input", input) : ModelInputs.folderDefault(model);
        ModelInputs.requireFits(model, item, "--input");
        long values = (long) batch * item.size();
        if (values > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--batch " + batch + " of " + item + " images is " + values
                    + " values, more than one tensor holds; use a smaller --batch");
        }
        int classes = ModelInputs.defaultClasses(model);
        Random rng = new Random(1);
        float[] images = new float[(int) values];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rng.nextGaussian();
        }
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(classes);
        }
        try (Backend backend = device.open();
             Network net = Models.build(model, backend, item, classes, 1);
             Optimizer opt = TrainCommand.optimizer("momentum", 0.01f, 0f);
             Tensor x = backend.tensor(images, Shape.of(batch, item.dim(0), item.dim(1), item.dim(2)));
             Tensor t = backend.tensor(labels, Shape.of(batch))) {
            net.gradient(x, t); // warm-up: buffers, algorithm choices
            opt.step(net.parameters());
            backend.synchronize();
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            backend.synchronize();
            double ms = (System.nanoTime() - start) / 1e6 / steps;
            System.out.printf("bench steps: %s, %d parameters, %s images, batch %d, %d classes, Momentum, backend %s: %.1f"
                    + " ms/step, %.1f images/s%n", model, net.parameterCount(), ModelInputs.describe(item), batch, classes,
                    backend.name(), ms, batch * 1000 / ms);
        }
    }
}
