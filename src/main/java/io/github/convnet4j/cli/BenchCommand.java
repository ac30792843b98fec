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
import io.github.convnet4j.train.Trainer;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Speed figures: 'cpu' (SGEMM and convolution GFLOP/s), 'gpu' (AlexNet and LeNet steps on CUDA),"
                + " or 'epoch' (training epochs of a model on real data, timed).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "cpu, gpu or epoch")
    String what;
    @Mixin
    DeviceOption device = new DeviceOption();
    @Mixin
    DataOptions.Training data = new DataOptions.Training();
    @Option(names = "--model", defaultValue = "lenet", description = "for 'epoch' (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "for 'epoch' (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch", defaultValue = "100", description = "for 'epoch' (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--threads", description = "CPU threads for 'cpu' (default: all)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        OptionRanges.atLeast("--epochs", epochs, 1);
        OptionRanges.between("--batch", batch, 1, OptionRanges.MAX_BATCH);
        if (threads != null) {
            OptionRanges.between("--threads", threads, 1, OptionRanges.MAX_THREADS);
        }
        data.checkOptions();
        switch (what) {
            case "cpu" -> CpuBenchmark.main(threads == null ? new String[0] : new String[]{threads.toString()});
            case "gpu" -> GpuBenchmark.main(new String[0]);
            case "epoch" -> epochs();
            default -> throw new IllegalArgumentException("unknown benchmark '" + what + "': expected cpu, gpu or epoch");
        }
        return 0;
    }

    /** Trains with Adam (lr 1e-3) and prints the trainer's per-epoch lines, whose time is the figure. */
    private void epochs() throws Exception {
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
}
