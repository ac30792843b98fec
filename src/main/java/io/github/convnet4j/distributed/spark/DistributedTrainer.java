package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag$;

/**
 * Data-parallel training on a Spark cluster: one barrier stage of {@link TrainingJob#workers} tasks,
 * each a replica ({@link BarrierTrainingTask}) on one GPU ({@code spark.task.resource.gpu.amount=1})
 * or on {@code spark.task.cpus} cores. Barrier mode starts all tasks together or none, and when one
 * fails Spark fails the whole stage and reruns every task (up to {@code
 * spark.stage.maxConsecutiveAttempts}, 4 by default); the rerun resumes from the checkpoint rank 0
 * wrote into the shared run folder after the last finished epoch.
 *
 * <p>Every collective of a barrier task waits at least until Spark's next poll of its barrier RPC,
 * which Spark 4.0's {@code BarrierTaskContext} does once a second: a step that all-reduces its
 * gradients takes about a second more than its computation. Networks whose steps are short train
 * better with {@code syncEvery} K > 1 here.
 */
public final class DistributedTrainer {
    /** The failure's own line in the text Spark gives a failed stage, e.g. "java.lang.IllegalStateException: ...". */
    private static final Pattern FAILURE_LINE = Pattern.compile(
            "(?m)^((?:io\\.github\\.convnet4j|java|javax)\\.[\\w.$]*(?:Exception|Error)): (.*)$");

    private DistributedTrainer() {
    }

    /**
     * Trains {@code job} on {@code sc}'s executors and returns rank 0's log (epoch lines included).
     *
     * @throws IllegalArgumentException when the run folder holds a run and the job does not resume it
     * @throws DistributedTrainingException when the stage failed for good; the message is the tasks' failure
     */
    public static List<String> train(SparkContext sc, TrainingJob job) {
        prepareRunFolder(job);
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < job.workers(); r++) {
            ranks.add(r);
        }
        RDD<Integer> tasks = JavaSparkContext.fromSparkContext(sc).parallelize(ranks, job.workers()).rdd();
        RDD<String> log = tasks.barrier().mapPartitions(new BarrierTrainingTask(job), false,
                ClassTag$.MODULE$.apply(String.class));
        try {
            // The shuffle makes the barrier stage a map stage: Spark retries a failed barrier map stage,
            // but fails the job at once when a barrier result stage fails.
            return log.toJavaRDD().repartition(1).collect();
        } catch (Exception e) { // SparkException, which Scala does not declare
            String recorded = FinalFailure.recorded(Path.of(job.runDir()));
            throw new DistributedTrainingException(recorded != null
                    ? "the training stage failed (not retried: it would fail the same way): " + recorded
                    : failureOf(e), e);
        }
    }

    /** The run folder exists; a run in it is continued only when the job says so. */
    private static void prepareRunFolder(TrainingJob job) {
        Path run = Path.of(job.runDir());
        if (Files.exists(run) && !Files.isDirectory(run)) {
            throw new IllegalArgumentException("--run-dir " + run + " is a file; expected a folder");
        }
        if (!job.resume() && Files.exists(run.resolve(Trainer.CHECKPOINT_FILE))) {
            throw new IllegalArgumentException("--run-dir " + run + " already holds a run (" + Trainer.CHECKPOINT_FILE
                    + "); add --resume to continue it, or name another folder");
        }
        try {
            Files.createDirectories(run);
            FinalFailure.clear(run); // an earlier job's failure is not this one's
        } catch (IOException e) {
            throw new IllegalArgumentException("--run-dir " + run + " cannot be created: " + e, e);
        }
    }

    /**
     * One line for a failed job: the tasks' own exception (Spark wraps it with the stage's story and a
     * stack trace), then how many attempts Spark made when it says so.
     */
    static String failureOf(Throwable e) {
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = FAILURE_LINE.matcher(text);
        String why = m.find() ? m.group(2).trim() + " (" + simpleName(m.group(1)) + ")" : text.lines().findFirst().orElse(text);
        Matcher attempts = Pattern.compile("failed the maximum allowable number of times: (\\d+)").matcher(text);
        return "the training stage failed" + (attempts.find() ? " " + attempts.group(1) + " times" : "") + ": " + why;
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
