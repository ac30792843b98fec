package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.DataParallel;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.optim.Optimizers;
import io.github.convnet4j.train.LearningRateSchedule;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link DistributedTrainer} trains, as it travels to every task: plain values only (paths as
 * strings), since it is serialised to the executors.
 *
 * @param model       a {@link Models#NAMES} name
 * @param dataset     sample (the bundled 2,000 + 500 Fashion-MNIST images), fashion-mnist, mnist or cifar10
 * @param dataDir     the data set's folder, the same path on every executor (null: sample, or the machine's
 *                    Debian Fashion-MNIST)
 * @param epochs      passes over the training set
 * @param batch       the global batch; each of the {@code workers} tasks trains on 1/workers of it
 * @param optimizer   an {@link Optimizers#byName} name
 * @param lr          learning rate
 * @param weightDecay L2 weight decay
 * @param schedule    constant, step:SIZE:GAMMA or cosine[:MIN_LR]
 * @param seed        seed of the weights, the shuffling and dropout; the same on every task
 * @param syncEvery   1: gradients averaged every step; K > 1: weights averaged every K steps (local SGD)
 * @param checkEvery  steps between weight-checksum comparisons of the replicas
 * @param runDir      the run's folder on a file system every executor and the driver see (checkpoint,
 *                    history.csv, the model file)
 * @param workers     barrier tasks: one per GPU, or one per CPU worker of spark.task.cpus cores
 * @param resume      whether a checkpoint already in {@code runDir} may be continued (a stage retry always does)
 * @param faults      planted faults, for the tests ({@link FaultInjection#NONE} otherwise)
 */
public record TrainingJob(String model, String dataset, String dataDir, int epochs, int batch, String optimizer,
                          double lr, float weightDecay, String schedule, long seed, int syncEvery, int checkEvery,
                          String runDir, int workers, boolean resume, FaultInjection faults) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The data sets a job can name. */
    public static final List<String> DATASETS = List.of("sample", "fashion-mnist", "mnist", "cifar10");

    public TrainingJob {
        if (!Models.NAMES.contains(model)) {
            throw new IllegalArgumentException("--model '" + model + "' is unknown: expected one of " + Models.NAMES);
        }
        if (!DATASETS.contains(dataset.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--dataset '" + dataset + "' is unknown: expected one of " + DATASETS);
        }
        requireAtLeast("--epochs", epochs, 1);
        requireAtLeast("--workers", workers, 1);
        requireAtLeast("--sync-every", syncEvery, 1);
        requireAtLeast("--check-every", checkEvery, 0);
        if (batch < workers) {
            throw new IllegalArgumentException("--batch " + batch + " is less than --workers " + workers + ": every"
                    + " worker needs at least one image of each batch (--batch is the global batch)");
        }
        if (!(lr > 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        }
        if (!(weightDecay >= 0 && Float.isFinite(weightDecay))) {
            throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        }
        if (runDir == null || runDir.isBlank()) {
            throw new IllegalArgumentException("--run-dir is needed: a folder on a file system every executor sees");
        }
        Optimizers.byName(optimizer, (float) lr, weightDecay).close(); // only the name is checked
        try { // here, not in every task of every stage attempt
            LearningRateSchedule.parse(schedule, lr, epochs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--schedule: " + e.getMessage(), e);
        }
        if (faults == null) {
            faults = FaultInjection.NONE;
        }
    }

    /** A job with the command line's defaults: 10 epochs of batch 100, Adam at 0.001, seed 42, gradients every step. */
    public static TrainingJob of(String model, String dataset, String dataDir, String runDir, int workers) {
        return new TrainingJob(model, dataset, dataDir, 10, 100, "adam", 1e-3, 0f, "constant", 42, 1,
                DataParallel.DEFAULT_CHECK_EVERY, runDir, workers, false, FaultInjection.NONE);
    }

    /** This job with {@code epochs} epochs of global batch {@code batch}. */
    public TrainingJob withEpochs(int epochs, int batch) {
        return new TrainingJob(model, dataset, dataDir, epochs, batch, optimizer, lr, weightDecay, schedule, seed,
                syncEvery, checkEvery, runDir, workers, resume, faults);
    }

    /** This job with {@code seed} and the replicas' synchronisation and check intervals. */
    public TrainingJob withSeedAndSync(long seed, int syncEvery, int checkEvery) {
        return new TrainingJob(model, dataset, dataDir, epochs, batch, optimizer, lr, weightDecay, schedule, seed,
                syncEvery, checkEvery, runDir, workers, resume, faults);
    }

    /** This job in another run folder. */
    public TrainingJob inRunDir(String runDir) {
        return new TrainingJob(model, dataset, dataDir, epochs, batch, optimizer, lr, weightDecay, schedule, seed,
                syncEvery, checkEvery, runDir, workers, resume, faults);
    }

    /** This job with planted {@code faults}. */
    public TrainingJob withFaults(FaultInjection faults) {
        return new TrainingJob(model, dataset, dataDir, epochs, batch, optimizer, lr, weightDecay, schedule, seed,
                syncEvery, checkEvery, runDir, workers, resume, faults);
    }

    private static void requireAtLeast(String option, long value, long least) {
        if (value < least) {
            throw new IllegalArgumentException(option + " must be >= " + least + ", got " + value);
        }
    }
}
