package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.data.ReplicaShard;
import io.github.convnet4j.cuda.NcclGroup;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.DataParallel;
import io.github.convnet4j.distributed.InProcessGroup;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.Optimizers;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.train.Checkpoint;
import io.github.convnet4j.train.EpochRecord;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.LocalReplicas;
import io.github.convnet4j.train.Precision;
import io.github.convnet4j.train.Trainer;
import io.github.convnet4j.viz.Pictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network; prints loss, accuracy and time per epoch, and writes the model, history.csv,"
                + " a checkpoint and curves.png into a folder of its own (runs/<model>-<time>/).")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DeviceOption device = new DeviceOption();
    @Mixin
    DataOptions.Training data = new DataOptions.Training();

    @Option(names = "--model", defaultValue = "lenet", completionCandidates = InfoCommand.ModelNames.class,
            description = "one of ${COMPLETION-CANDIDATES}; the images' channels and size are the data set's"
                    + " (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--epochs", defaultValue = "10", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch", defaultValue = "100", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--optimizer", defaultValue = "adam",
            description = "sgd, momentum, nesterov, adagrad, rmsprop, adam (the book's form) or adam-pytorch"
                    + " (torch.optim.Adam's, for weights trained in PyTorch) (default: ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    float weightDecay;
    @Option(names = "--schedule", defaultValue = "constant",
            description = "constant, step:SIZE:GAMMA or cosine[:MIN_LR] (default: ${DEFAULT-VALUE})")
    String schedule;
    @Option(names = "--seed", defaultValue = "42", description = "seed of weights, shuffling, dropout and augmentation"
            + " (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--augment", description = "random crop (padding 2 for 28x28, 4 otherwise) and horizontal flip; colour jitter for RGB")
    boolean augment;
    @Option(names = "--validation", defaultValue = "0",
            description = "fraction of training data held out for early stopping (default: ${DEFAULT-VALUE})")
    double validation;
    @Option(names = "--patience", defaultValue = "0", description = "with --validation: stop after this many epochs without"
            + " a better validation accuracy and keep the best epoch's weights (default: ${DEFAULT-VALUE}: never stop)")
    int patience;
    @Option(names = {"--run-dir", "--checkpoint-dir"}, description = "this run's folder, for model.safetensors, history.csv,"
            + " checkpoint.safetensors and curves.png (default: a new folder in --runs for every run)")
    Path runDir;
    @Option(names = "--runs", defaultValue = "runs", description = "where each run without --run-dir gets a new folder"
            + " <model>-<yyyyMMdd-HHmmss> (default: ${DEFAULT-VALUE})")
    Path runsParent;
    @Option(names = "--checkpoint", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "write checkpoint.safetensors (model, optimizer state, history) into the run folder, for --resume"
                    + " (default: ${DEFAULT-VALUE})")
    boolean checkpoint;
    @Option(names = "--checkpoint-every", defaultValue = "1",
            description = "write the checkpoint after every N-th epoch, and after the last (default: ${DEFAULT-VALUE})")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue the run in --run-dir from its checkpoint")
    boolean resume;
    @Option(names = "--output", description = "the trained model file (default: model.safetensors in the run folder)")
    Path output;
    @Option(names = "--force", description = "replace an existing --output, or start over in a --run-dir that holds a run")
    boolean force;
    @Option(names = "--input-shape", description = "--dataset folder only: CxHxW the images are cropped and resized to"
            + " (default: 1x28x28 for lenet and resnet20, 3x32x32 for simpleconvnet, 3x224x224 for alexnet, vgg*,"
            + " googlenet and resnet18/34/50)")
    String inputShape;
    @Option(names = "--replicas", defaultValue = "1", description = "data-parallel replicas in this JVM: N CPU replicas"
            + " sharing the cores, or N local GPUs (devices 0 to N-1); each trains on 1/N of every batch of --batch and"
            + " the gradients are averaged before each step, so the steps are those of one replica (default: ${DEFAULT-VALUE})")
    int replicas;
    @Option(names = "--sync-every", defaultValue = "1", description = "with --replicas: 1 averages the gradients every"
            + " step; K > 1 lets each replica step alone and averages the weights every K steps and at each epoch's end"
            + " (less traffic, not the same steps) (default: ${DEFAULT-VALUE})")
    int syncEvery;
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, tf32, bf16 or fp16: what activations"
            + " and their gradients are computed in; weights, optimizer state, batch-norm statistics and the loss stay"
            + " FP32; fp16 scales the loss dynamically; tf32 also lets CUDA matrix products use TF32"
            + " (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--channels-last", description = "activations in NHWC memory order (PyTorch's channels_last)")
    boolean channelsLast;
    @Option(names = "--progress", defaultValue = "true", negatable = true,
            description = "show a progress bar on a terminal (default: ${DEFAULT-VALUE})")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        LearningRateSchedule lrSchedule = checkOptions();
        Shape folderShape = folderShape();
        Path run = runFolder();
        try {
            return train(run, lrSchedule, folderShape);
        } catch (Throwable e) {
            if (runDir == null) { // a new folder that failed before anything was written: no litter
                try (var left = Files.list(run)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(run);
                    }
                } catch (java.io.IOException ignored) {
                    // the failure itself is what the user needs to see
                }
            }
            throw e;
        }
    }

    private int train(Path run, LearningRateSchedule lrSchedule, Shape folderShape) throws Exception {
        Path modelFile = output != null ? output : run.resolve(MODEL_FILE);
        removeStaleTemporaries(run, modelFile);
        System.out.println("run folder: " + run);
        DataSources.Split split = data.load(folderShape, null);
        System.out.printf("data: %s, %d training and %d test images of %s%n", split.source(), split.train().size(),
                split.test().size(), split.train().itemShape());
        Normalization norm = Normalization.of(split.train());
        if (replicas > 1) {
            return trainReplicas(run, modelFile, lrSchedule, split, norm);
        }
        try (Backend backend = device.open();
             Network net = Models.build(model, backend, split.train().itemShape(), split.train().classes(), seed);
             Optimizer opt = optimizer(optimizer, (float) lr, weightDecay)) {
            Precision.parse(precision).applyTo(net, memoryFormat());
            System.out.printf("model: %s, %,d parameters, backend %s%s%n", model, net.parameterCount(), backend.name(),
                    precisionNote());
            Checkpoint.Progress from = null;
            if (resume) {
                Path ckpt = run.resolve(Trainer.CHECKPOINT_FILE);
                from = Checkpoint.restore(ckpt, net, opt);
                System.out.printf("resuming after epoch %d from %s%n", from.epochsDone(), ckpt);
            }
            Map<String, String> meta = Trainer.modelMetadata(split.train(), norm, model);
            Trainer.Config cfg = new Trainer.Config(epochs, batch, lrSchedule, seed, augmentation(split), validation, patience,
                    run, checkpointEvery, progress && System.console() != null, checkpoint);
            List<EpochRecord> history = new Trainer(net, opt, cfg, meta, System.out::println)
                    .fit(split.train(), split.test(), norm, from);
            finish(net, history, split, norm, meta, run, modelFile);
        }
        return 0;
    }

    /** --replicas N: N networks on N backends, trained together by {@link LocalReplicas}; rank 0's is saved. */
    private int trainReplicas(Path run, Path modelFile, LearningRateSchedule lrSchedule, DataSources.Split split,
                              Normalization norm) throws Exception {
        List<LocalReplicas.Replica> replicaList = new ArrayList<>();
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            int cores = Runtime.getRuntime().availableProcessors();
            for (int rank = 0; rank < replicas; rank++) {
                Backend backend = device.openReplica(rank, replicas, cores);
                owned.add(backend);
                Network net = Models.build(model, backend, split.train().itemShape(), split.train().classes(), seed);
                owned.add(net);
                Precision.parse(precision).applyTo(net, memoryFormat());
                Optimizer opt = optimizer(optimizer, (float) lr, weightDecay);
                owned.add(opt);
                replicaList.add(new LocalReplicas.Replica(net, opt));
            }
            Network lead = replicaList.get(0).network();
            int fewest = new ReplicaShard(0, replicas).count(batch);
            int most = new ReplicaShard(0, replicas).maxCount(batch);
            System.out.printf("model: %s, %,d parameters, %d replicas on backend %s, %s images of every batch of %d each%n",
                    model, lead.parameterCount(), replicas, lead.backend().name(),
                    fewest == most ? Integer.toString(most) : fewest + "-" + most, batch);
            Checkpoint.Progress from = null;
            if (resume) {
                Path ckpt = run.resolve(Trainer.CHECKPOINT_FILE);
                for (LocalReplicas.Replica r : replicaList) {
                    from = Checkpoint.restore(ckpt, r.network(), r.optimizer());
                }
                System.out.printf("resuming after epoch %d from %s%n", from.epochsDone(), ckpt);
            }
            Map<String, String> meta = Trainer.modelMetadata(split.train(), norm, model);
            Trainer.Config cfg = new Trainer.Config(epochs, batch, lrSchedule, seed, augmentation(split), validation, patience,
                    run, checkpointEvery, progress && System.console() != null, checkpoint);
            List<EpochRecord> history = LocalReplicas.fit(replicaList, communicators(replicaList), cfg, meta,
                    System.out::println, split.train(), split.test(), norm, from, syncEvery,
                    DataParallel.DEFAULT_CHECK_EVERY);
            finish(lead, history, split, norm, meta, run, modelFile);
        } finally {
            closeAll(owned);
        }
        return 0;
    }

    /**
     * CPU replicas: the in-process group. CUDA replicas: NCCL, or, where it cannot be loaded, the
     * in-process group through host memory (said in one line, since it is much slower).
     */
    private static List<Communicator> communicators(List<LocalReplicas.Replica> replicas) {
        List<Backend> backends = replicas.stream().map(r -> r.network().backend()).toList();
        if (backends.get(0) instanceof io.github.convnet4j.cpu.CpuBackend) {
            return InProcessGroup.create(replicas.size());
        }
        java.util.Optional<String> noNccl = NcclGroup.unavailableReason();
        if (noNccl.isPresent()) {
            System.out.println("NCCL unavailable (" + noNccl.get() + "): the replicas' gradients go through host memory");
            return InProcessGroup.create(replicas.size());
        }
        return NcclGroup.local(backends);
    }

    /** Closes everything, newest first (networks and optimizers before their backends), even if one close fails. */
    private static void closeAll(List<AutoCloseable> owned) throws Exception {
        Exception first = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** After training: the test report, the model file and the curves. */
    private void finish(Network net, List<EpochRecord> history, DataSources.Split split, Normalization norm,
                        Map<String, String> meta, Path run, Path modelFile) throws java.io.IOException {
        Evaluation eval = Evaluation.of(net, split.test(), norm, batch);
        System.out.print(eval.report());
        ModelFile.save(net, modelFile, meta);
        System.out.println("model written to " + modelFile);
        Path curves = run.resolve(CURVES_FILE);
        Pictures.writePng(Pictures.curves(history), curves);
        System.out.println("loss and accuracy curves in " + curves + ", figures per epoch in "
                + run.resolve(Trainer.HISTORY_FILE));
    }

    private MemoryFormat memoryFormat() {
        return channelsLast ? MemoryFormat.NHWC : MemoryFormat.NCHW;
    }

    /** ", BF16 activations, channels-last" and the like; empty for the FP32 NCHW default. */
    private String precisionNote() {
        Precision p = Precision.parse(precision);
        String note = p == Precision.FP32 ? "" : ", " + p.name() + (p.activationType() == DType.F32 ? "" : " activations");
        return note + (channelsLast ? ", channels-last" : "");
    }

    static final String MODEL_FILE = "model.safetensors";
    /** More replicas than this in one JVM would be a typo rather than a plan. */
    static final int MAX_REPLICAS = 256;
    static final String CURVES_FILE = "curves.png";
    /** Every file a run writes into its folder. */
    private static final List<String> RUN_FILES = List.of(MODEL_FILE, Trainer.HISTORY_FILE, Trainer.CHECKPOINT_FILE,
            Trainer.BEST_FILE, CURVES_FILE);

    /** Every option, before anything is loaded: ranges, names, files and whether the model takes the data; returns the schedule. */
    private LearningRateSchedule checkOptions() {
        OptionRanges.atLeast("--epochs", epochs, 1);
        OptionRanges.between("--batch", batch, 1, OptionRanges.MAX_BATCH);
        OptionRanges.positiveFinite("--lr", lr);
        OptionRanges.nonNegativeFinite("--weight-decay", weightDecay);
        OptionRanges.fraction("--validation", validation);
        OptionRanges.atLeast("--patience", patience, 0);
        OptionRanges.atLeast("--checkpoint-every", checkpointEvery, 1);
        OptionRanges.between("--replicas", replicas, 1, MAX_REPLICAS);
        OptionRanges.atLeast("--sync-every", syncEvery, 1);
        if (syncEvery > 1 && replicas == 1) {
            throw new IllegalArgumentException("--sync-every " + syncEvery + " needs --replicas N with N > 1: it says how"
                    + " often replicas average their weights");
        }
        if (replicas > batch) {
            throw new IllegalArgumentException("--replicas " + replicas + " is more than --batch " + batch
                    + ": every replica needs at least one image of each batch (--batch is the global batch)");
        }
        ModelInputs.requireKnown(model);
        device.checkName();
        device.tf32Matmul = Precision.parse(precision) == Precision.TF32;
        if (device.tf32Matmul && !device.tf32) {
            throw new IllegalArgumentException("--precision tf32 asks for TF32 tensor cores and --no-tf32 forbids them:"
                    + " give one of the two");
        }
        try (Optimizer ignored = optimizer(optimizer, (float) lr, weightDecay)) {
            // only the name is checked here
        }
        LearningRateSchedule s;
        try {
            s = LearningRateSchedule.parse(schedule, lr, epochs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--schedule: " + e.getMessage(), e);
        }
        data.checkOptions();
        if (patience > 0 && validation == 0) {
            throw new IllegalArgumentException("--patience needs --validation, e.g. --validation 0.1: early stopping"
                    + " watches the held-out accuracy");
        }
        if (inputShape != null && !data.isFolder()) {
            Shape fixed = data.fixedItemShape();
            throw new IllegalArgumentException("--input-shape is for --dataset folder; " + data.dataset + " has "
                    + fixed.dim(0) + "x" + fixed.dim(1) + "x" + fixed.dim(2) + " images (--pad-to SIDE zero-pads them)");
        }
        Shape item = data.isFolder() ? folderShape() : data.fixedItemShape();
        ModelInputs.requireFits(model, item, data.isFolder() ? "--input-shape" : "--dataset " + data.dataset);
        if (runDir == null && Files.exists(runsParent) && !Files.isDirectory(runsParent)) {
            throw new IllegalArgumentException("--runs " + runsParent + " is a file; expected the folder for run folders");
        }
        if (resume && runDir == null) {
            throw new IllegalArgumentException("--resume needs --run-dir: the folder of the run to continue");
        }
        if (runDir != null) {
            InputFiles.requireWritableFolder("--run-dir", runDir);
        } else {
            InputFiles.requireWritableFolder("--runs", runsParent);
        }
        if (resume) {
            InputFiles.requireFile(runDir.resolve(Trainer.CHECKPOINT_FILE), "the checkpoint of the run to --resume");
        }
        if (output != null) {
            // Also when resuming: nothing records that the existing file is this run's and not another model.
            InputFiles.requireWritableTarget("--output", output, force, MODEL_FILE);
        }
        return s;
    }

    private Shape folderShape() {
        if (!data.isFolder()) {
            return null;
        }
        return inputShape != null ? ModelInputs.parse("--input-shape", inputShape) : ModelInputs.folderDefault(model);
    }

    /** The run's folder: --run-dir (checked not to hold another run), or a new one under runs/. */
    private Path runFolder() throws java.io.IOException {
        if (runDir == null) {
            return RunFolder.createNew(runsParent, model.toLowerCase(Locale.ROOT), LocalDateTime.now());
        }
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new IllegalArgumentException("--run-dir " + runDir + " is a file; expected a folder");
        }
        if (force && !resume) {
            // Starting over: a checkpoint or best epoch of the old run must not be resumed into the new one.
            for (String f : RUN_FILES) {
                if (!(f.equals(MODEL_FILE) && output != null)) {
                    Files.deleteIfExists(runDir.resolve(f));
                }
            }
        }
        if (!resume && !force) {
            for (String f : RUN_FILES) {
                if (Files.exists(runDir.resolve(f)) && !(f.equals(MODEL_FILE) && output != null)) {
                    throw new IllegalArgumentException("--run-dir " + runDir + " already holds a run (" + f + "); add"
                            + " --resume to continue it, --force to start over in it, or name another folder");
                }
            }
        }
        Files.createDirectories(runDir);
        return runDir;
    }

    /** Temporaries that a killed run's writes left in the run folder and beside the model file. */
    private void removeStaleTemporaries(Path run, Path modelFile) throws java.io.IOException {
        int removed = AtomicFiles.removeStaleTemporaries(run.resolve(Trainer.CHECKPOINT_FILE))
                + AtomicFiles.removeStaleTemporaries(run.resolve(Trainer.HISTORY_FILE))
                + AtomicFiles.removeStaleTemporaries(modelFile);
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

    /** The optimizer {@code --optimizer name} names (see {@link Optimizers#byName}). */
    static Optimizer optimizer(String name, float lr, float wd) {
        return Optimizers.byName(name, lr, wd);
    }
}
