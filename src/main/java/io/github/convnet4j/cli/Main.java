package io.github.convnet4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code convnet4j} command. */
@Command(name = "convnet4j", mixinStandardHelpOptions = true, version = "convnet4j 0.1.0",
        description = "Train, evaluate and use convolutional networks on the CPU or an NVIDIA GPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, BenchCommand.class,
                VisualizeCommand.class, InfoCommand.class, UpgradeCommand.class, ImportCommand.class, ExportCommand.class,
                OnnxCheckCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Set (to anything) to have failures print their stack trace after the one-line message. */
    static final String TRACE_ENV = "CONVNET4J_STACKTRACE";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Threads of our own that die (a backend's worker, say) also get one line, not a stack trace.
        Thread.setDefaultUncaughtExceptionHandler((t, ex) -> report(new PrintWriter(System.err, true), ex));
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit code (tests call this): 0 on success, 2 for bad
     * arguments or settings, 1 for any other failure. No input makes it print a stack trace: every
     * failure, errors such as OutOfMemoryError included, is one line starting "convnet4j: ".
     */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("convnet4j: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(commandLine.getErr(), ex));
        try {
            return cl.execute(args);
        } catch (Throwable ex) { // picocli passes Errors (OutOfMemoryError...) through
            return report(cl.getErr(), ex);
        }
    }

    /** One line for a failure, and its exit code. */
    static int report(PrintWriter err, Throwable ex) {
        err.println("convnet4j: " + message(ex));
        if (System.getenv(TRACE_ENV) != null) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ex instanceof IllegalArgumentException || ex instanceof IllegalStateException ? 2 : 1;
    }

    static String message(Throwable ex) {
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + "): use a smaller --batch or --limit, or give Java a larger"
                    + " heap with -Xmx";
        }
        if (ex instanceof java.nio.file.FileSystemException fs && fs.getFile() != null) {
            return fileProblem(fs);
        }
        String m = ex.getMessage();
        if (!expected(ex)) {
            return "internal error: " + ex.getClass().getSimpleName() + (m == null ? "" : ": " + m) + " (set "
                    + TRACE_ENV + "=1 to see where)";
        }
        return m == null ? ex.getClass().getSimpleName() : m;
    }

    /** The JDK's file errors say only the path ("nosuch.safetensors") or only the reason ("Is a directory"). */
    private static String fileProblem(java.nio.file.FileSystemException fs) {
        String what = fs instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                : fs instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : fs instanceof java.nio.file.FileAlreadyExistsException ? "exists already"
                : fs instanceof java.nio.file.NotDirectoryException ? "is not a folder"
                : fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
        return fs.getFile() + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + what;
    }

    /** Failures that explain themselves: bad input, bad settings, files, the environment. */
    private static boolean expected(Throwable ex) {
        return ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException
                || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof UnsupportedOperationException || ex instanceof OutOfMemoryError
                || ex.getClass().getPackageName().startsWith("io.github.convnet4j");
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
