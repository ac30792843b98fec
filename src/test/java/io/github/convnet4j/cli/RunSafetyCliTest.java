package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.data.ImageFolders;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an independent review of the first hour found: a resumed run replaced an unrelated --output,
 * --force left the old run's checkpoint to be resumed, a folder-trained model was scored on
 * Fashion-MNIST's labels, auto-invert flipped a folder model's own images, a class whose files all
 * failed to decode became an empty class, and an unwritable --output failed only after training.
 */
class RunSafetyCliTest {
    @TempDir
    Path dir;

    /** The bundled sample as --data, so that these runs stay small where the full set is installed. */
    private Path sample() throws Exception {
        Path folder = dir.resolve("sample");
        if (Files.isDirectory(folder)) {
            return folder;
        }
        Files.createDirectories(folder);
        for (String f : new String[]{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz"}) {
            try (InputStream in = getClass().getResourceAsStream("/io/github/convnet4j/data/fashion-mnist-sample/" + f)) {
                Files.copy(in, folder.resolve(f));
            }
        }
        return folder;
    }

    private String[] train(String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("train", "--device", "cpu", "--limit", "200",
                "--no-progress", "--data", sample().toString()));
        if (!List.of(more).contains("--epochs")) {
            a.addAll(List.of("--epochs", "1"));
        }
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void resumingDoesNotReplaceAnExplicitOutputWithoutForce() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, CliRun.run(train("--run-dir", run.toString())).code());
        Path precious = Files.writeString(dir.resolve("precious.safetensors"), "someone else's model");
        CliRun.Result r = CliRun.run(train("--run-dir", run.toString(), "--resume", "--epochs", "2",
                "--output", precious.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.errLine().contains(precious + " exists; add --force"), r.err());
        assertEquals("someone else's model", Files.readString(precious));
    }

    @Test
    void forceInARunFolderClearsTheOldRunsCheckpointAndBestEpoch() throws Exception {
        Path run = dir.resolve("run");
        CliRun.Result first = CliRun.run(train("--run-dir", run.toString(), "--epochs", "2", "--validation", "0.2",
                "--patience", "1"));
        assertEquals(0, first.code(), first.err());
        assertTrue(Files.exists(run.resolve("checkpoint.safetensors")));
        Files.writeString(run.resolve("best.safetensors"), "an old run's best epoch");
        CliRun.Result r = CliRun.run(train("--run-dir", run.toString(), "--force", "--no-checkpoint"));
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(run.resolve("checkpoint.safetensors")), "the old checkpoint could be resumed");
        assertFalse(Files.exists(run.resolve("best.safetensors")));
        assertTrue(Files.exists(run.resolve("model.safetensors")) && Files.exists(run.resolve("history.csv")));
    }

    private Path folderModel() throws Exception {
        Path data = ImageFolders.stripes(dir.resolve("stripes"), 12);
        Path run = dir.resolve("folder-run");
        CliRun.Result r = CliRun.run("train", "--dataset", "folder", "--data", data.toString(), "--device", "cpu",
                "--epochs", "1", "--no-progress", "--run-dir", run.toString());
        assertEquals(0, r.code(), r.err());
        return run.resolve("model.safetensors");
    }

    @Test
    void aModelOfOtherClassesIsNotScoredOnAnotherDataSet() throws Exception {
        Path model = folderModel();
        String data = sample().toString();
        for (String[] args : new String[][]{{"eval", model.toString(), "--data", data},
            {"predict", model.toString(), "--index", "0", "--data", data},
            {"visualize", "features", model.toString(), "-o", dir.resolve("f.png").toString(), "--data", data}}) {
            CliRun.Result r = CliRun.run(args);
            assertEquals(2, r.code(), args[0] + ": " + r.out() + r.err());
            String line = r.err().lines().filter(l -> !l.contains(" WARN ")).findFirst().orElse("");
            assertTrue(line.startsWith("convnet4j: the model's classes [h, v] are not --dataset fashion-mnist's"),
                    args[0] + ": " + r.err());
        }
    }

    @Test
    void autoInvertIsOnlyForModelsOfDarkBackgroundDataSets() throws Exception {
        Path model = folderModel();
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 40); // a light background, like the folder's own images
        g.setColor(Color.BLACK);
        g.fillRect(0, 10, 40, 6);
        g.dispose();
        Path png = dir.resolve("light.png");
        ImageIO.write(img, "png", png.toFile());
        CliRun.Result r = CliRun.run("predict", model.toString(), png.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("inverted"), r.out());
        // A Fashion-MNIST model still inverts it (the check is about the data set, not the image).
        Path lenet = CliRun.lenetModel(dir.resolve("lenet.safetensors"));
        CliRun.Result fm = CliRun.run("predict", lenet.toString(), png.toString());
        assertEquals(0, fm.code(), fm.err());
        assertTrue(fm.out().contains("inverted"), fm.out());
    }

    @Test
    void aClassWhoseImagesAllFailToDecodeIsRefusedByName() throws Exception {
        Path data = ImageFolders.stripes(dir.resolve("stripes"), 6);
        Path broken = Files.createDirectories(data.resolve("broken"));
        Files.write(broken.resolve("a.png"), "not a png".getBytes(StandardCharsets.UTF_8));
        Files.write(broken.resolve("b.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2});
        CliRun.Result r = CliRun.run("train", "--dataset", "folder", "--data", data.toString(), "--bad-images", "skip",
                "--device", "cpu", "--epochs", "1", "--no-progress", "--run-dir", dir.resolve("r").toString());
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("class folder 'broken' has no image that could be read"), r.err());
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeTraining() throws Exception {
        // procfs refuses new files even to root, so this holds in CI (which runs as root) too.
        CliRun.Result r = CliRun.run(train("--output", "/proc/self/m.safetensors", "--runs", dir.resolve("runs").toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.errLine().startsWith("convnet4j: --output: cannot write into /proc/self (not writable)"), r.err());
        assertFalse(r.out().contains("epoch: 1"), "refused before training: " + r.out());
        CliRun.Result runs = CliRun.run(train("--runs", "/proc/self/runs"));
        assertEquals(2, runs.code(), runs.err());
        assertTrue(runs.errLine().startsWith("convnet4j: --runs: cannot write into /proc/self"), runs.err());
    }

    @Test
    void theSameBytesStayWhenNothingIsReplaced() throws Exception {
        // Guard for the checks above: a run into a fresh folder still writes its model (the refusals are not blanket).
        Path run = dir.resolve("fresh");
        assertEquals(0, CliRun.run(train("--run-dir", run.toString())).code());
        byte[] model = Files.readAllBytes(run.resolve("model.safetensors"));
        assertEquals(2, CliRun.run(train("--run-dir", run.toString())).code()); // holds a run: refused
        assertArrayEquals(model, Files.readAllBytes(run.resolve("model.safetensors")));
    }
}
