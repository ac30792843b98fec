package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.ReplicasDivergedException;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Failures a stage retry would only repeat: replicas whose weights disagree, a loss that became NaN,
 * a checkpoint or model that does not fit, bad settings. Spark retries a failed barrier stage up to
 * {@code spark.stage.maxConsecutiveAttempts} times, each attempt loading the data and retraining to
 * the same failure; so the task that meets such a failure records it in the run folder, and the
 * retried tasks stop at once with it. {@link DistributedTrainer} removes the record before a job
 * starts and reports it when the job fails.
 */
final class FinalFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The record in the run folder. */
    static final String FILE = "failed.txt";

    private FinalFailure(String message) {
        super(message);
    }

    /** Whether a retry would fail the same way. */
    static boolean isFinal(Throwable e) {
        return e instanceof ReplicasDivergedException || e instanceof TrainingDivergedException
                || e instanceof ModelFormatException || e instanceof IllegalArgumentException;
    }

    /** Records {@code e} (atomically; several ranks may record the same failure) when it is final. */
    static void recordIfFinal(Path runDir, Throwable e) {
        if (!isFinal(e)) {
            return;
        }
        String line = e.getMessage() + " (" + e.getClass().getSimpleName() + ")";
        try {
            AtomicFiles.write(runDir.resolve(FILE), out -> out.write(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException ignored) {
            // the failure itself is what the user needs to see; the retry then just repeats it
        }
    }

    /** Throws the recorded failure of this job's earlier attempt, if there is one. */
    static void throwIfRecorded(Path runDir) {
        String recorded = recorded(runDir);
        if (recorded != null) {
            throw new FinalFailure("not retried, an earlier attempt failed for good: " + recorded);
        }
    }

    /** The recorded failure, or null. */
    static String recorded(Path runDir) {
        Path f = runDir.resolve(FILE);
        try {
            return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Removes the record of an earlier job, before a new one starts. */
    static void clear(Path runDir) throws IOException {
        Files.deleteIfExists(runDir.resolve(FILE));
    }
}
