package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end on the bundled sample: train, resume, info, eval, predict, visualize, errors. */
class CliTest {
    @TempDir
    Path dir;

    private String[] captured = new String[2];

    private int run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            return Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
            captured = new String[]{o.toString(), e.toString()};
        }
    }

    @Test
    void trainResumeAndUseAModel() throws Exception {
        Path model = dir.resolve("lenet.safetensors");
        Path ckpt = dir.resolve("ckpt");
        // --data points at a folder without the data set's files, so nothing is read from the machine.
        Path sample = dir.resolve("none");
        // Left by a run killed during a checkpoint write: removed when training starts; other files stay.
        Files.createDirectories(ckpt);
        Files.writeString(ckpt.resolve(".checkpoint.safetensors.123456.tmp"), "stale");
        Files.writeString(ckpt.resolve(".history.csv.77.tmp"), "stale");
        Files.writeString(ckpt.resolve("notes.txt"), "mine");
        int code = run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "600",
                "--checkpoint-dir", ckpt.toString(), "--output", model.toString(), "--no-progress");
        assertEquals(0, code, captured[0] + captured[1]);
        assertTrue(captured[0].matches("(?s).*epoch: 1 loss:\\d+\\.\\d+ acc:0\\.\\d+ test:0\\.\\d+ lr:.* time:.*s eval:.*s.*"),
                captured[0]);
        assertTrue(Files.isRegularFile(model) && Files.isRegularFile(ckpt.resolve("checkpoint.safetensors")));
        try (var files = Files.list(ckpt)) {
            assertEquals(List.of("checkpoint.safetensors", "curves.png", "history.csv", "notes.txt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }

        assertEquals(0, run("train", "--model", "lenet", "--device", "cpu", "--epochs", "2", "--limit", "600",
                "--checkpoint-dir", ckpt.toString(), "--resume", "--output", model.toString(), "--force", "--no-progress"),
                captured[1]);
        assertTrue(captured[0].contains("resuming after epoch 1") && captured[0].contains("epoch: 2 ")
                && !captured[0].contains("epoch: 1 "), captured[0]);

        assertEquals(0, run("info", model.toString()), captured[1]);
        assertTrue(captured[0].contains("parameters: 61706") && captured[0].contains("conv1") && captured[0].contains("T-shirt/top"),
                captured[0]);

        assertEquals(0, run("eval", model.toString(), "--device", "cpu"), captured[1]);
        assertTrue(captured[0].contains("accuracy:") && captured[0].contains("confusion matrix"), captured[0]);

        Path png = dir.resolve("img.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        assertEquals(0, run("predict", model.toString(), png.toString(), "--index", "0,1", "--top", "2"), captured[1]);
        assertTrue(captured[0].contains("img.png:") && captured[0].contains("test[1] (true: "), captured[0]);
        assertEquals(2, run("predict", model.toString(), "--index", "0", "--top", "11"));
        assertOneLine("convnet4j: --top must be between 1 and 10, got 11");

        for (String what : new String[]{"filters", "features"}) {
            Path out = dir.resolve(what + ".png");
            assertEquals(0, run("visualize", what, model.toString(), "-o", out.toString()), captured[1]);
            BufferedImage img = ImageIO.read(out.toFile());
            assertTrue(img.getWidth() > 40 && img.getHeight() > 40, what);
        }
        Path curves = dir.resolve("curves.png");
        assertEquals(0, run("visualize", "curves", ckpt.resolve("history.csv").toString(), "-o", curves.toString()),
                captured[1]);
        assertEquals(640, ImageIO.read(curves.toFile()).getWidth());
        assertTrue(sample.getFileName() != null);
    }

    @Test
    void badArgumentsGiveAClearMessageAndANonZeroExit() {
        assertEquals(2, run("train", "--model", "resnet", "--device", "cpu", "--epochs", "1", "--limit", "100"));
        assertOneLine("convnet4j: --model 'resnet' is unknown: expected one of [lenet, lenet-classic-tanh,"
                + " lenet-classic-sigmoid, simpleconvnet, alexnet, vgg11, vgg16, vgg16-bn, googlenet, resnet18, resnet34,"
                + " resnet50, resnet20]");
        assertNotEquals(0, run("train", "--epochs", "many"));
        assertTrue(captured[1].contains("--epochs"), captured[1]);
        assertNotEquals(0, run("info", dir.resolve("missing.safetensors").toString()));
        assertTrue(captured[1].contains("missing.safetensors"), captured[1]);
        assertEquals(2, run("train", "--device", "tpu", "--epochs", "1", "--limit", "100"));
        assertTrue(captured[1].contains("unknown device 'tpu'"), captured[1]);
        assertNotEquals(0, run("frobnicate"));
        assertEquals(0, run("--help"));
        assertTrue(captured[0].contains("train") && captured[0].contains("visualize"));
    }

    /** The error output is exactly this one line: no stack trace, no usage text. */
    private void assertOneLine(String expected) {
        assertEquals(expected, captured[1].strip(), captured[1]);
    }

    @Test
    void numericOptionsAreRangeCheckedBeforeAnythingIsLoaded() {
        String[][] cases = {
            {"convnet4j: --batch must be between 1 and 65536, got 3000000", "train", "--batch", "3000000"},
            {"convnet4j: --batch must be between 1 and 65536, got 1000000", "train", "--batch", "1000000"},
            {"convnet4j: --batch must be between 1 and 65536, got 0", "train", "--batch", "0"},
            {"convnet4j: --limit must be at least 1, got -5", "train", "--limit", "-5"},
            {"convnet4j: --limit must be at least 1, got 0", "train", "--limit", "0"},
            {"convnet4j: --limit must be at least 1, got 0", "eval", "m.safetensors", "--limit", "0"},
            {"convnet4j: --epochs must be at least 1, got 0", "train", "--epochs", "0"},
            {"convnet4j: --lr must be a finite number > 0, got NaN", "train", "--lr", "NaN"},
            {"convnet4j: --lr must be a finite number > 0, got -0.1", "train", "--lr", "-0.1"},
            {"convnet4j: --lr must be a finite number > 0, got Infinity", "train", "--lr", "Infinity"},
            {"convnet4j: --weight-decay must be a finite number >= 0, got -1.0", "train", "--weight-decay", "-1"},
            {"convnet4j: --validation must be in [0, 1), got 1.0", "train", "--validation", "1"},
            {"convnet4j: --patience must be at least 0, got -1", "train", "--patience", "-1"},
            {"convnet4j: --checkpoint-every must be at least 1, got 0", "train", "--checkpoint-every", "0"},
            {"convnet4j: --top must be at least 1, got -1", "predict", "m.safetensors", "--index", "0", "--top", "-1"},
            {"convnet4j: --top must be at least 1, got 0", "predict", "m.safetensors", "--index", "0", "--top", "0"},
            {"convnet4j: --batch must be between 1 and 65536, got 70000", "bench", "epoch", "--batch", "70000"},
            {"convnet4j: --threads must be between 1 and 4096, got 0", "bench", "cpu", "--threads", "0"},
            {"convnet4j: --scale must be between 0 and 64, got 100000", "visualize", "filters", "m", "-o", "x.png",
                "--scale", "100000"},
            {"convnet4j: --index must be at least 0, got -1", "visualize", "features", "m", "-o", "x.png", "--index", "-1"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            assertEquals(2, run(args), String.join(" ", args) + ": " + captured[1]);
            assertOneLine(c[0]);
        }
        // Beyond int: picocli's parser says so, in one line too.
        assertEquals(2, run("train", "--batch", "99999999999"));
        assertTrue(captured[1].strip().startsWith("convnet4j: Invalid value for option '--batch'")
                && captured[1].strip().lines().count() == 1, captured[1]);
    }

    /** Runs the real command line in a JVM with a small heap; returns {exit code, output}. */
    private static String[] fork(String heap, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove(Main.TRACE_ENV);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[]{Integer.toString(p.exitValue()), out};
    }

    private static void assertNoStackTrace(String output) {
        assertTrue(!output.contains("\tat ") && !output.contains("Exception in thread"), output);
    }

    /** An OutOfMemoryError (here: a 65,536-image batch tensor in a 96 MB heap) is one line, not a stack trace. */
    @Test
    void runningOutOfMemoryIsOneLine() throws Exception {
        String[] r = fork("96m", "train", "--device", "cpu", "--epochs", "1", "--batch", "65536", "--no-progress",
                "--run-dir", dir.resolve("run").toString());
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("convnet4j: out of memory (Java heap space): use a smaller --batch or --limit"), r[1]);
        assertNoStackTrace(r[1]);
    }

    /** The gzip bomb, at a small heap: a header promising more than the heap holds is refused in one line. */
    @Test
    void aDataFileTooBigForTheHeapIsOneLine() throws Exception {
        Path data = Files.createDirectories(dir.resolve("bomb"));
        int count = 200_000; // 157 MB of pixels, promised by a gzip of 160 KB that delivers them
        try (var out = new java.io.DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                data.resolve("train-labels-idx1-ubyte.gz"))))) {
            out.writeInt(0x801);
            out.writeInt(count);
            out.write(new byte[count]);
        }
        try (var out = new java.io.DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                data.resolve("train-images-idx3-ubyte.gz")), 1 << 16))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            byte[] block = new byte[784 * 1000];
            for (int i = 0; i < count / 1000; i++) {
                out.write(block);
            }
        }
        String[] r = fork("64m", "train", "--device", "cpu", "--data", data.toString(), "--no-progress",
                "--run-dir", dir.resolve("run").toString());
        assertEquals("1", r[0], r[1]);
        List<String> errors = r[1].lines().filter(l -> !l.startsWith("run folder: ")).toList();
        assertTrue(errors.get(0).startsWith("convnet4j: " + data.resolve("train-images-idx3-ubyte.gz")
                + ": 200000 images of 28x28 need 156.8 MB of memory (235.2 MB while they are read), but the JVM has only"), r[1]);
        assertEquals(1, errors.size(), r[1]);
    }
}
