package io.github.convnet4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code convnet4j} command. */
@Command(name = "convnet4j", mixinStandardHelpOptions = true, version = "convnet4j 0.1.0",
        description = "Train, evaluate and use convolutional networks on the CPU or an NVIDIA GPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, BenchCommand.class,
                VisualizeCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // Expected failures (bad files, bad settings, no CUDA) get one clear line, not a stack trace.
            commandLine.getErr().println("convnet4j: " + message(ex));
            return ex instanceof IllegalArgumentException || ex instanceof IllegalStateException ? 2 : 1;
        });
        return cl.execute(args);
    }

    static String message(Throwable ex) {
        String m = ex.getMessage();
        return m == null ? ex.getClass().getSimpleName() : m;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
