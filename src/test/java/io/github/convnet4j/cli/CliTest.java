package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        int code = run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "600",
                "--checkpoint-dir", ckpt.toString(), "--output", model.toString(), "--no-progress");
        assertEquals(0, code, captured[0] + captured[1]);
        assertTrue(captured[0].matches("(?s).*epoch: 1 loss:\\d+\\.\\d+ acc:0\\.\\d+ test:0\\.\\d+ lr:.* time:.*s eval:.*s.*"),
                captured[0]);
        assertTrue(Files.isRegularFile(model) && Files.isRegularFile(ckpt.resolve("checkpoint.safetensors")));

        assertEquals(0, run("train", "--model", "lenet", "--device", "cpu", "--epochs", "2", "--limit", "600",
                "--checkpoint-dir", ckpt.toString(), "--resume", "--output", model.toString(), "--no-progress"),
                captured[1]);
        assertTrue(captured[0].contains("resuming after epoch 1") && captured[0].contains("epoch: 2 ")
                && !captured[0].contains("epoch: 1 "), captured[0]);

        assertEquals(0, run("info", model.toString()), captured[1]);
        assertTrue(captured[0].contains("61,706") && captured[0].contains("conv1") && captured[0].contains("T-shirt/top"),
                captured[0]);

        assertEquals(0, run("eval", model.toString(), "--device", "cpu"), captured[1]);
        assertTrue(captured[0].contains("accuracy:") && captured[0].contains("confusion matrix"), captured[0]);

        Path png = dir.resolve("img.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        assertEquals(0, run("predict", model.toString(), png.toString(), "--index", "0,1", "--top", "2"), captured[1]);
        assertTrue(captured[0].contains("img.png:") && captured[0].contains("test[1] (true: "), captured[0]);

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
        assertTrue(captured[1].contains("unknown model 'resnet'"), captured[1]);
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
}
