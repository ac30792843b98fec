package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real command line, in this JVM (output captured) or in a forked one with its own working folder. */
final class CliRun {
    record Result(int code, String out, String err) {
        /** stderr's one line, stripped. */
        String errLine() {
            return err.strip();
        }
    }

    private CliRun() {
    }

    /**
     * Runs {@code train --run-dir <dir>/bad} with each case's options (case[1..]) and asserts exit
     * code 2 with case[0] as stderr's one line.
     */
    static void assertTrainRefuses(java.nio.file.Path dir, String[][] cases) {
        for (String[] c : cases) {
            String[] args = new String[c.length + 2];
            args[0] = "train";
            args[1] = "--run-dir";
            args[2] = dir.resolve("bad").toString();
            System.arraycopy(c, 1, args, 3, c.length - 1);
            Result r = run(args);
            org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            org.junit.jupiter.api.Assertions.assertEquals(c[0], r.errLine());
        }
    }

    static synchronized Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            code = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Result(code, o.toString(), e.toString());
    }

    /** Runs {@code java Main args} in {@code workingDir}; stdout and stderr together in {@code out}. */
    static Result fork(Path workingDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile()).redirectErrorStream(true);
        pb.environment().remove(Main.TRACE_ENV);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, "");
    }

    /** An untrained LeNet saved with the metadata training writes (Fashion-MNIST classes and normalisation). */
    static Path lenetModel(Path file) throws IOException {
        Dataset train = DataSources.bundledSample().train();
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 1)) {
            ModelFile.save(net, file, Trainer.modelMetadata(train, Normalization.of(train), "lenet"));
        }
        return file;
    }
}
