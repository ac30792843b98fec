package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.DataParallel;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} main class: {@code spark-submit --class
 * io.github.convnet4j.distributed.spark.SparkTraining ... convnet4j.jar --model lenet --workers 4
 * --run-dir /shared/run1}. Prints rank 0's epoch lines; every failure is one line starting
 * "convnet4j: ", like the rest of the command line (exit code 2 for bad settings, 1 otherwise).
 */
@Command(name = "SparkTraining", mixinStandardHelpOptions = true,
        description = "Data-parallel training as one Spark barrier stage: --workers tasks, each training on 1/workers"
                + " of every batch; rank 0 writes the checkpoint, history.csv and model.safetensors into --run-dir.")
public final class SparkTraining implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet", description = "the network (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "sample, fashion-mnist, mnist or cifar10 (default: ${DEFAULT-VALUE})")
    String dataset;
    @Option(names = "--data", description = "the data set's folder, the same path on every executor")
    String data;
    @Option(names = "--epochs", defaultValue = "10", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch", defaultValue = "100", description = "the global mini-batch (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, nesterov, adagrad, rmsprop, adam"
            + " or adam-pytorch (default: ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    float weightDecay;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant, step:SIZE:GAMMA or cosine[:MIN_LR]"
            + " (default: ${DEFAULT-VALUE})")
    String schedule;
    @Option(names = "--seed", defaultValue = "42", description = "seed of weights, shuffling and dropout (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--sync-every", defaultValue = "1", description = "1: average the gradients every step; K > 1:"
            + " average the weights every K steps, for slow networks (default: ${DEFAULT-VALUE})")
    int syncEvery;
    @Option(names = "--check-every", defaultValue = "" + DataParallel.DEFAULT_CHECK_EVERY,
            description = "steps between comparisons of the replicas' weight checksums (default: ${DEFAULT-VALUE})")
    int checkEvery;
    @Option(names = "--run-dir", required = true, description = "the run's folder on a file system every executor sees")
    String runDir;
    @Option(names = "--workers", required = true, description = "barrier tasks: one per GPU or per CPU worker")
    int workers;
    @Option(names = "--resume", description = "continue the run in --run-dir from its checkpoint")
    boolean resume;

    /** spark-submit's entry point. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the training and returns the exit code. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new SparkTraining());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("convnet4j: " + ex.getMessage() + " (see --help)");
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(commandLine.getErr(), ex));
        try {
            return cl.execute(args);
        } catch (Throwable ex) { // picocli passes Errors through
            return report(cl.getErr(), ex);
        }
    }

    private static int report(PrintWriter err, Throwable ex) {
        String m = ex.getMessage();
        err.println("convnet4j: " + (m == null ? ex.getClass().getSimpleName() : m.lines().findFirst().orElse(m)));
        err.flush();
        return ex instanceof IllegalArgumentException || ex instanceof IllegalStateException ? 2 : 1;
    }

    @Override
    public Integer call() {
        TrainingJob job = new TrainingJob(model, dataset, data, epochs, batch, optimizer, lr, weightDecay, schedule,
                seed, syncEvery, checkEvery, runDir, workers, resume, FaultInjection.NONE);
        SparkContext sc = SparkContext.getOrCreate(new SparkConf().setAppName("convnet4j " + model));
        try {
            List<String> log = DistributedTrainer.train(sc, job);
            log.forEach(System.out::println);
        } finally {
            sc.stop();
        }
        return 0;
    }
}
