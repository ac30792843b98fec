package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.AdaGrad;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Nesterov;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.RmsProp;
import io.github.convnet4j.optim.Sgd;
import io.github.convnet4j.train.Checkpoint;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network; prints loss, accuracy and time per epoch and writes a model file.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DeviceOption device = new DeviceOption();
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--model", defaultValue = "lenet", description = "one of ${COMPLETION-CANDIDATES}... : "
            + "lenet, lenet-classic-tanh, lenet-classic-sigmoid, simpleconvnet, alexnet (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--epochs", defaultValue = "10")
    int epochs;
    @Option(names = "--batch", defaultValue = "100")
    int batch;
    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, nesterov, adagrad, rmsprop, adam")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.001")
    double lr;
    @Option(names = "--weight-decay", defaultValue = "0")
    float weightDecay;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant, step:SIZE:GAMMA or cosine[:MIN_LR]")
    String schedule;
    @Option(names = "--seed", defaultValue = "42")
    long seed;
    @Option(names = "--augment", description = "random crop (padding 2 for 28x28, 4 otherwise) and horizontal flip; colour jitter for RGB")
    boolean augment;
    @Option(names = "--validation", defaultValue = "0", description = "fraction of training data held out for early stopping")
    double validation;
    @Option(names = "--patience", defaultValue = "0", description = "stop after this many epochs without a better validation accuracy")
    int patience;
    @Option(names = "--checkpoint-dir", description = "write checkpoint.safetensors and history.csv here")
    Path checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "1")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue from the checkpoint in --checkpoint-dir")
    boolean resume;
    @Option(names = "--output", defaultValue = "model.safetensors", description = "the trained model file")
    Path output;
    @Option(names = "--progress", defaultValue = "true", negatable = true, description = "show a progress bar")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (resume && checkpointDir == null) {
            throw new IllegalArgumentException("--resume needs --checkpoint-dir");
        }
        if (checkpointDir != null) {
            removeStaleTemporaries();
        }
        DataSources.Split split = data.load();
        System.out.printf("data: %s, %d training and %d test images of %s%n", split.source(), split.train().size(),
                split.test().size(), split.train().itemShape());
        Normalization norm = Normalization.of(split.train());
        try (Backend backend = device.open();
             Network net = Models.build(model, backend, split.train().itemShape(), split.train().classes(), seed);
             Optimizer opt = optimizer(optimizer, (float) lr, weightDecay)) {
            System.out.printf("model: %s, %,d parameters, backend %s%n", model, net.parameterCount(), backend.name());
            Checkpoint.Progress from = null;
            if (resume) {
                Path ckpt = checkpointDir.resolve(Trainer.CHECKPOINT_FILE);
                if (!Files.isRegularFile(ckpt)) {
                    throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
                }
                from = Checkpoint.restore(ckpt, net, opt);
                System.out.printf("resuming after epoch %d from %s%n", from.epochsDone(), ckpt);
            }
            Map<String, String> meta = Trainer.modelMetadata(split.train(), norm, model);
            Trainer.Config cfg = new Trainer.Config(epochs, batch, LearningRateSchedule.parse(schedule, lr, epochs), seed,
                    augmentation(split), validation, patience, checkpointDir, checkpointEvery,
                    progress && System.console() != null);
            new Trainer(net, opt, cfg, meta, System.out::println).fit(split.train(), split.test(), norm, from);
            Evaluation eval = Evaluation.of(net, split.test(), norm, batch);
            System.out.print(eval.report());
            ModelFile.save(net, output, meta);
            System.out.println("model written to " + output);
        }
        return 0;
    }

    /** Every numeric option's range, before anything is loaded. */
    private void checkOptions() {
        OptionRanges.atLeast("--epochs", epochs, 1);
        OptionRanges.between("--batch", batch, 1, OptionRanges.MAX_BATCH);
        OptionRanges.positiveFinite("--lr", lr);
        OptionRanges.nonNegativeFinite("--weight-decay", weightDecay);
        OptionRanges.fraction("--validation", validation);
        OptionRanges.atLeast("--patience", patience, 0);
        OptionRanges.atLeast("--checkpoint-every", checkpointEvery, 1);
        data.checkOptions();
    }

    /** Temporaries that a killed run's checkpoint writes left in --checkpoint-dir (and beside --output). */
    private void removeStaleTemporaries() throws java.io.IOException {
        int removed = AtomicFiles.removeStaleTemporaries(checkpointDir.resolve(Trainer.CHECKPOINT_FILE))
                + AtomicFiles.removeStaleTemporaries(checkpointDir.resolve(Trainer.HISTORY_FILE))
                + AtomicFiles.removeStaleTemporaries(output);
        if (removed > 0) {
            System.out.printf("removed %d temporary file(s) left by an interrupted run%n", removed);
        }
    }

    private Augmentation augmentation(DataSources.Split split) {
        if (!augment) {
            return Augmentation.NONE;
        }
        var s = split.train().itemShape();
        boolean rgb = s.dim(0) == 3;
        return new Augmentation(s.dim(1) <= 28 ? 2 : 4, rgb, rgb ? 0.1f : 0f);
    }

    static Optimizer optimizer(String name, float lr, float wd) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Sgd(lr, wd);
            case "momentum" -> new Momentum(lr, 0.9f, wd);
            case "nesterov" -> new Nesterov(lr, 0.9f, wd);
            case "adagrad" -> new AdaGrad(lr, wd);
            case "rmsprop" -> new RmsProp(lr, 0.99f, wd);
            case "adam" -> new Adam(lr, 0.9f, 0.999f, wd);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "': expected sgd, momentum, nesterov, adagrad, rmsprop or adam");
        };
    }
}
