package io.github.convnet4j.train;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Datasets;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.data.ReplicaShard;
import io.github.convnet4j.distributed.DataParallel;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The training loop, in Java on any backend: per epoch it sets the learning rate, runs the
 * mini-batches (uploaded to reused device tensors; the loss summed on the device and read once per
 * epoch), evaluates, logs the book's line, checkpoints, and stops early or on a NaN loss.
 *
 * <p>As one replica of data-parallel training (a {@link DataParallel}), it trains on its shard of
 * every global batch ({@code batchSize} is the global batch), averages gradients with the other
 * replicas before each step, and sums the epoch's loss and accuracy over them; each replica scores
 * its piece of the test and validation sets; only the leading replica (rank 0) logs and writes the
 * run's files.
 */
public final class Trainer {

    /**
     * @param validationFraction     share of the training set held out for early stopping (0: none)
     * @param earlyStoppingPatience  epochs without a better validation accuracy before stopping (0: never)
     * @param checkpointDir          the run's folder: history.csv is written there after every epoch, and
     *                               checkpoint.safetensors when {@code writeCheckpoints} (null: nowhere)
     * @param checkpointEvery        write a checkpoint every this many epochs
     * @param writeCheckpoints       whether checkpoint.safetensors is written at all
     */
    public record Config(int epochs, int batchSize, LearningRateSchedule schedule, long seed, Augmentation augmentation,
                         double validationFraction, int earlyStoppingPatience, Path checkpointDir, int checkpointEvery,
                         boolean progressBar, boolean writeCheckpoints) {
        public Config {
            if (epochs < 1 || batchSize < 1 || checkpointEvery < 1) {
                throw new IllegalArgumentException("epochs, batch size and checkpoint interval must be >= 1");
            }
            if (!(validationFraction >= 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
            }
            LearningRateSchedule.requirePositiveRates(schedule, epochs, "the learning-rate schedule");
        }

        /** With checkpoints written whenever there is a {@code checkpointDir}. */
        public Config(int epochs, int batchSize, LearningRateSchedule schedule, long seed, Augmentation augmentation,
                      double validationFraction, int earlyStoppingPatience, Path checkpointDir, int checkpointEvery,
                      boolean progressBar) {
            this(epochs, batchSize, schedule, seed, augmentation, validationFraction, earlyStoppingPatience, checkpointDir,
                    checkpointEvery, progressBar, true);
        }
    }

    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";
    public static final String HISTORY_FILE = "history.csv";
    /** The best validation epoch's weights, kept for early stopping (see BestWeights). */
    public static final String BEST_FILE = BestWeights.FILE;

    private final Network net;
    private final Optimizer opt;
    private final Config config;
    private final Consumer<String> log;
    private final Map<String, String> modelMetadata;
    /** This trainer's replica role, or null when it trains alone. */
    private final DataParallel replica;
    /**
     * F16 activations' loss scaler (null otherwise), made when {@link #fit} starts unless one was
     * given: BF16 has FP32's exponent range, so only F16 gradients underflow without one. Not kept in
     * checkpoints: a resumed run starts again at 2^16 and finds its scale within a few skipped steps,
     * as a fresh GradScaler does.
     */
    private DynamicLossScaler lossScaler;
    /** Whether the scaler came from {@link #useLossScaler} (kept across fits) or is F16's own (fresh per fit). */
    private boolean scalerGiven;
    /** This replica's items in this epoch's skipped steps (summed over replicas at the epoch's end). */
    private long skippedItems;
    /**
     * Below this scale no F16 gradient can be finite and representable at once (2^-24 is F16's
     * smallest subnormal): training has diverged rather than met a transient overflow.
     */
    static final float MIN_LOSS_SCALE = 0x1p-24f;

    /** @param modelMetadata what the model file should carry (class names, normalisation...) */
    public Trainer(Network net, Optimizer opt, Config config, Map<String, String> modelMetadata, Consumer<String> log) {
        this(net, opt, config, modelMetadata, log, null);
    }

    /**
     * A trainer that is one replica of data-parallel training ({@code replica} null: trains alone). Every
     * replica is built with the same seed and configuration; the leading one's {@code log} is the one that
     * prints.
     */
    public Trainer(Network net, Optimizer opt, Config config, Map<String, String> modelMetadata, Consumer<String> log,
                   DataParallel replica) {
        this.net = net;
        this.opt = opt;
        this.config = config;
        this.modelMetadata = Map.copyOf(modelMetadata);
        this.replica = replica;
        this.log = replica == null || replica.leads() ? log : line -> { };
    }

    /**
     * Scales the loss with this scaler (another initial scale or growth interval than
     * GradScaler's defaults, or a scaler for FP32 training); call before {@link #fit}.
     */
    public Trainer useLossScaler(DynamicLossScaler scaler) {
        this.lossScaler = java.util.Objects.requireNonNull(scaler, "loss scaler");
        this.scalerGiven = true;
        return this;
    }

    /** The loss scaler: the one given, or the F16 one {@link #fit} made; empty otherwise. */
    public java.util.Optional<DynamicLossScaler> lossScaler() {
        return java.util.Optional.ofNullable(lossScaler);
    }

    private boolean leads() {
        return replica == null || replica.leads();
    }

    /** Trains from scratch, or from {@code resume} (a checkpoint's progress already restored into net and opt). */
    public List<EpochRecord> fit(Dataset train, Dataset test, Normalization norm, Checkpoint.Progress resume) {
        Dataset validation = null;
        if (config.validationFraction() > 0) {
            Dataset[] parts = Datasets.split(train, (int) Math.round(train.size() * config.validationFraction()), config.seed());
            train = parts[0];
            validation = parts[1];
        }
        Path runDir = leads() ? config.checkpointDir() : null; // only the leading replica writes the run's files
        if (runDir != null) {
            probeWritable(runDir);
        }
        List<EpochRecord> history = new ArrayList<>(resume == null ? List.of() : resume.history());
        double best = resume == null ? Double.NEGATIVE_INFINITY : resume.bestValidation();
        int stale = resume == null ? 0 : resume.epochsWithoutImprovement();
        int first = resume == null ? 0 : resume.epochsDone();
        boolean earlyStopping = validation != null && config.earlyStoppingPatience() > 0;
        BestWeights bestWeights = new BestWeights(net, earlyStopping && runDir != null
                && config.writeCheckpoints() ? runDir.resolve(BestWeights.FILE) : null);
        if (earlyStopping && resume != null && leads()) {
            try {
                bestWeights.loadSaved();
            } catch (IOException e) {
                throw new UncheckedIOException("reading the best epoch's weights failed: " + e.getMessage(), e);
            }
        }
        if (!scalerGiven) { // F16's own scaler, fresh for each fit as a new GradScaler would be
            lossScaler = net.activationType() == io.github.convnet4j.tensor.DType.F16 ? new DynamicLossScaler() : null;
        }
        Backend b = net.backend();
        net.setInputGradientNeeded(false);
        ReplicaShard shard = replica == null ? ReplicaShard.WHOLE : replica.shard();
        // This replica's share of a full batch: the size nearly every step has (an uneven share is still exact).
        int localBatch = Math.max(1, shard.count(Math.min(config.batchSize(), Math.max(1, train.size()))));
        // Each replica scores its own piece of the test and validation sets, so none waits alone for the leader.
        Dataset testShard = test == null ? null : piece(test, shard);
        Dataset validationShard = validation == null ? null : piece(validation, shard);
        if (replica != null) {
            replica.requireSameStart(opt.steps());
        }
        try (BatchLoader loader = new BatchLoader(train, config.batchSize(), true, config.seed(), norm,
                config.augmentation(), shard);
             Tensor x = b.allocate(Batches.shape(train, localBatch));
             Tensor t = b.allocate(Shape.of(localBatch));
             Tensor lossSum = b.allocate(Shape.of(1))) {
            for (int epoch = first; epoch < config.epochs(); epoch++) {
                double lr = config.schedule().rate(epoch);
                opt.setLearningRate((float) lr);
                long start = System.nanoTime();
                b.fill(lossSum, 0f);
                skippedItems = 0;
                loader.startEpoch(epoch);
                int batches = loader.batchesPerEpoch();
                long correct = 0;
                try (EpochProgress bar = EpochProgress.open(config.progressBar() && leads(), "epoch " + (epoch + 1),
                        batches)) {
                    BatchLoader.Batch batch;
                    for (int index = 0; (batch = loader.next()) != null; index++) {
                        int globalItems = Math.min(config.batchSize(), train.size() - index * config.batchSize());
                        correct += step(b, batch, globalItems, train, x, t, lossSum);
                        bar.step();
                    }
                }
                double loss = lossSum.toArray()[0];
                long skipped = skippedItems;
                if (replica != null) {
                    double[] totals = replica.sum(loss, correct, skipped);
                    loss = totals[0];
                    correct = (long) totals[1];
                    skipped = (long) totals[2];
                    replica.synchronizeState("at the end of epoch " + (epoch + 1));
                }
                long taken = train.size() - skipped; // loss and accuracy are over the items of the steps taken
                loss *= train.size() / (double) taken;
                double trainSeconds = (System.nanoTime() - start) / 1e9;
                long evalStart = System.nanoTime();
                boolean noStepTaken = taken == 0; // every F16 step skipped: no loss to show
                if (!Double.isFinite(loss) && !noStepTaken) {
                    throw new TrainingDivergedException("epoch " + (epoch + 1) + ": the loss became " + loss
                            + "; stopped. " + (config.checkpointDir() == null ? "No checkpoint was configured."
                            : "The last good checkpoint, " + config.checkpointDir().resolve(CHECKPOINT_FILE)
                            + ", is unchanged (try a lower learning rate)."));
                }
                double testAcc = accuracy(testShard, norm);
                double valAcc = accuracy(validationShard, norm);
                EpochRecord rec = new EpochRecord(epoch + 1, loss, correct / (double) taken, testAcc, valAcc, lr,
                        trainSeconds, (System.nanoTime() - evalStart) / 1e9);
                history.add(rec);
                log.accept(rec.line());
                if (lossScaler != null) {
                    log.accept(String.format(java.util.Locale.ROOT, "  F16 loss scale %.0f, %d steps skipped so far"
                            + " (gradients not finite)", lossScaler.scale(), lossScaler.skippedSteps()));
                }
                boolean stop = false;
                if (validation != null) {
                    if (valAcc > best) {
                        best = valAcc;
                        stale = 0;
                        if (earlyStopping) {
                            bestWeights.save(epoch + 1, modelMetadata);
                        }
                    } else if (config.earlyStoppingPatience() > 0 && ++stale >= config.earlyStoppingPatience()) {
                        stop = true;
                    }
                }
                if (replica != null) {
                    stop = replica.leaderDecides(stop);
                }
                if (runDir != null) {
                    writeHistory(history);
                }
                if (runDir != null && config.writeCheckpoints() && ((epoch + 1) % config.checkpointEvery() == 0
                        || stop || epoch + 1 == config.epochs())) {
                    writeCheckpoint(new Checkpoint.Progress(epoch + 1, history, best, stale));
                }
                if (stop) {
                    log.accept("early stopping: validation accuracy has not improved for " + stale + " epochs (best "
                            + String.format(java.util.Locale.ROOT, "%.4f", best) + ")");
                    break;
                }
            }
        }
        if (earlyStopping && leads()) {
            keepBest(bestWeights, history, best);
        }
        return history;
    }

    /** This replica's contiguous piece of an evaluation set (the whole set when training alone). */
    private static Dataset piece(Dataset data, ReplicaShard shard) {
        if (shard.isWhole()) {
            return data;
        }
        int from = shard.start(data.size());
        return data.slice(from, from + shard.count(data.size()));
    }

    /** The accuracy on {@code data} (NaN for none); with replicas, each scores its piece and the counts are summed. */
    private double accuracy(Dataset piece, Normalization norm) {
        if (piece == null) {
            return Double.NaN;
        }
        if (replica == null) {
            return Evaluation.of(net, piece, norm, config.batchSize()).accuracy();
        }
        double correct = 0;
        if (piece.size() > 0) { // at this replica's batch size: a replica's memory is sized for its share
            Evaluation e = Evaluation.of(net, piece, norm, Math.max(1, replica.shard().maxCount(config.batchSize())));
            correct = Math.round(e.accuracy() * e.total());
        }
        double[] totals = replica.sum(correct, piece.size());
        return totals[1] == 0 ? Double.NaN : totals[0] / totals[1];
    }

    /**
     * Puts the best validation epoch's weights back (the checkpoint keeps the last epoch's, which a
     * resume continues from) and says which epoch the network now holds.
     */
    private void keepBest(BestWeights bestWeights, List<EpochRecord> history, double best) {
        int last = history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
        if (bestWeights.epoch() == last || last == 0) {
            return; // the last epoch is the best: nothing to change
        }
        if (bestWeights.restore()) {
            log.accept(String.format(java.util.Locale.ROOT, "kept the weights of epoch %d, the best validation accuracy"
                    + " (%.4f), not those of the last epoch %d", bestWeights.epoch(), best, last));
        } else {
            log.accept("the best validation epoch came before the resumed checkpoint, whose weights it does not hold:"
                    + " keeping the last epoch's (" + last + ")");
        }
    }

    /**
     * One mini-batch (this replica's share of a global batch of {@code globalItems}): upload, forward +
     * backward, average the gradients over the replicas, update; returns the share's correct predictions.
     */
    private int step(Backend b, BatchLoader.Batch batch, int globalItems, Dataset train, Tensor x, Tensor t,
                     Tensor lossSum) {
        if (batch.size() == 0) { // a short last batch left this replica nothing: it still joins the step
            replica.reduceGradients(0, globalItems);
            if (replica.reducesGradients()) {
                if (gradientsFinite(0)) {
                    opt.step(net.parameters());
                }
            }
            replica.afterStep();
            return 0;
        }
        Tensor loss;
        int correct;
        if (batch.size() == x.dim(0)) {
            x.copyFrom(batch.images());
            t.copyFrom(batch.labels());
            loss = net.gradient(x, t, lossScale());
            correct = b.countCorrect(net.lastScores(), t);
        } else {
            try (Tensor xs = b.tensor(Batches.images(batch, train), Batches.shape(train, batch.size()));
                 Tensor ts = b.tensor(Batches.labels(batch), Shape.of(batch.size()))) {
                loss = net.gradient(xs, ts, lossScale());
                correct = b.countCorrect(net.lastScores(), ts);
            }
        }
        if (replica != null) {
            replica.reduceGradients(batch.size(), globalItems);
        }
        boolean taken = gradientsFinite(batch.size());
        if (taken) {
            // The batch loss is a mean over its items: weighting it by size/total makes the epoch loss the
            // mean over all items, with a short last batch counting for its items only. A skipped step's
            // loss is left out (an F16 forward that overflowed has no finite one).
            b.axpy((float) batch.size() / train.size(), loss, lossSum);
            opt.step(net.parameters());
        }
        if (replica != null) {
            replica.afterStep();
        }
        return taken ? correct : 0; // a skipped step counts in neither the loss nor the accuracy
    }

    private float lossScale() {
        return lossScaler == null ? 1f : lossScaler.scale();
    }

    /**
     * Without a loss scaler, true. With one: divides the (reduced) gradients by the scale and says
     * whether they are all finite; if not, the step (this replica's {@code items} of it) is skipped
     * and the scale lowered, and a scale below {@link #MIN_LOSS_SCALE} ends training (with {@code
     * --sync-every K > 1} on the replica whose scaler fell; the others then fail at their next
     * collective, as with any failed replica). Replicas that all-reduce
     * their gradients every step decide alike (they check the same sums); with {@code --sync-every
     * K > 1} each replica's scaler skips its own steps, as local SGD lets each replica step alone.
     */
    private boolean gradientsFinite(int items) {
        if (lossScaler == null || lossScaler.unscaleAndCheck(net.parameters())) {
            return true;
        }
        skippedItems += items;
        if (lossScaler.scale() < MIN_LOSS_SCALE) {
            boolean f16 = net.activationType() == io.github.convnet4j.tensor.DType.F16;
            throw new TrainingDivergedException("the " + net.activationType() + " gradients are not finite at any loss"
                    + " scale: the scale fell to " + lossScaler.scale() + " after " + lossScaler.skippedSteps()
                    + " skipped steps" + (f16 ? " (train with --precision bf16, which has FP32's range, or fp32)"
                    : " (lower the learning rate)"));
        }
        return false;
    }

    private void writeCheckpoint(Checkpoint.Progress progress) {
        try {
            Checkpoint.save(config.checkpointDir().resolve(CHECKPOINT_FILE), net, opt, progress, modelMetadata);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the checkpoint in " + config.checkpointDir() + " failed", e);
        }
    }

    /** history.csv after every epoch, checkpoints or not, so {@code visualize curves} always has it. */
    private void writeHistory(List<EpochRecord> history) {
        try {
            io.github.convnet4j.io.AtomicFiles.write(config.checkpointDir().resolve(HISTORY_FILE),
                    out -> out.write(EpochRecord.toCsv(history).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + HISTORY_FILE + " in " + config.checkpointDir() + " failed", e);
        }
    }

    /** Fails before the first epoch, not after hours of training, when checkpoints cannot be written. */
    private static void probeWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".probe", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoints to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Metadata for the model file: class names and normalisation, so inference prepares inputs alike. */
    public static Map<String, String> modelMetadata(Dataset train, Normalization norm, String modelName) {
        Map<String, String> m = new HashMap<>();
        m.put("classes", String.join("\n", train.classNames()));
        m.put("normalization", norm.encode());
        m.put("dataset", train.name());
        m.put("model", modelName);
        return m;
    }
}
