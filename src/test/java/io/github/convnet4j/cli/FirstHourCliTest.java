package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** A user's first hour: run folders, no overwritten files, history always, errors that name the option or file. */
class FirstHourCliTest {
    @TempDir
    Path dir;

    private static final String[] QUICK = {"--device", "cpu", "--epochs", "1", "--limit", "300", "--no-progress"};

    private static String[] train(String... more) {
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(List.of(QUICK));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The README's command, twice, in a fresh working folder: two run folders, the first one untouched, files 0644. */
    @Test
    void eachRunWritesIntoAFolderOfItsOwn() throws Exception {
        CliRun.Result first = CliRun.fork(dir, train());
        assertEquals(0, first.code(), first.out());
        List<String> runs = names(dir.resolve("runs"));
        assertEquals(1, runs.size(), runs.toString());
        assertTrue(runs.get(0).matches("lenet-\\d{8}-\\d{6}"), runs.toString());
        Path run = dir.resolve("runs").resolve(runs.get(0));
        assertTrue(first.out().contains("run folder: " + Path.of("runs", runs.get(0))), first.out());
        assertEquals(List.of("checkpoint.safetensors", "curves.png", "history.csv", "model.safetensors"), names(run));
        for (String f : names(run)) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve(f))), f);
        }
        byte[] model = Files.readAllBytes(run.resolve("model.safetensors"));
        assertFalse(Files.exists(dir.resolve("model.safetensors")), "nothing is written into the working folder itself");

        CliRun.Result second = CliRun.fork(dir, train("--seed", "7"));
        assertEquals(0, second.code(), second.out());
        assertEquals(2, names(dir.resolve("runs")).size(), names(dir.resolve("runs")).toString());
        assertArrayEquals(model, Files.readAllBytes(run.resolve("model.safetensors")), "the first run's model is kept");
    }

    @Test
    void anExistingOutputIsReplacedOnlyWithForce() throws Exception {
        Path model = dir.resolve("m.safetensors");
        CliRun.Result r = CliRun.run(train("--output", model.toString(), "--run-dir", dir.resolve("r1").toString()));
        assertEquals(0, r.code(), r.err());
        byte[] before = Files.readAllBytes(model);

        r = CliRun.run(train("--output", model.toString(), "--run-dir", dir.resolve("r2").toString(), "--seed", "7"));
        assertEquals(2, r.code());
        assertEquals("convnet4j: --output " + model + " exists; add --force to replace it, or name another file", r.errLine());
        assertArrayEquals(before, Files.readAllBytes(model));
        assertFalse(Files.exists(dir.resolve("r2")), "refused before anything was created");

        r = CliRun.run(train("--run-dir", dir.resolve("r1").toString()));
        assertEquals(2, r.code());
        assertEquals("convnet4j: --run-dir " + dir.resolve("r1") + " already holds a run (history.csv); add --resume to"
                + " continue it, --force to start over in it, or name another folder", r.errLine());

        r = CliRun.run(train("--output", model.toString(), "--run-dir", dir.resolve("r2").toString(), "--seed", "7",
                "--force"));
        assertEquals(0, r.code(), r.err());
        assertFalse(Arrays.equals(before, Files.readAllBytes(model)), "replaced with --force");
    }

    /** history.csv (and curves.png) without checkpoints too, so 'visualize curves' works after any run. */
    @Test
    void historyIsWrittenWithoutCheckpoints() throws Exception {
        Path run = dir.resolve("run");
        CliRun.Result r = CliRun.run(train("--run-dir", run.toString(), "--no-checkpoint"));
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("curves.png", "history.csv", "model.safetensors"), names(run));
        Path png = dir.resolve("curves.png");
        r = CliRun.run("visualize", "curves", run.resolve("history.csv").toString(), "-o", png.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(640, ImageIO.read(png.toFile()).getWidth());
    }

    /** Every message of the issue: one line naming the option or file and what was expected; exit code 2. */
    @Test
    void errorsNameTheOptionOrFileAndWhatWasExpected() throws Exception {
        Path model = CliRun.lenetModel(dir.resolve("lenet.safetensors"));
        Path png = dir.resolve("photo.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        Path zip = Files.write(dir.resolve("model.pt"), new byte[]{'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0});
        Path onnx = Files.write(dir.resolve("model.onnx"), new byte[]{8, 7, 0x12, 7, 'p', 'y', 't', 'o', 'r', 'c', 'h', 0x1a});
        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        Path headerOnly = Files.writeString(dir.resolve("history.csv"),
                "epoch,loss,train_accuracy,test_accuracy,validation_accuracy,learning_rate,seconds,eval_seconds\n");
        Path folder = Files.createDirectories(dir.resolve("images"));
        // --data names a folder without data files: each option error below is reported before any data is read.
        String d = Files.createDirectories(dir.resolve("nodata")).toString();
        Path runs = dir.resolve("runs");
        String[][] cases = {
            {model.getParent().resolve("nosuch.safetensors") + ": no such file (expected a convnet4j model file (safetensors))",
                "info", dir.resolve("nosuch.safetensors").toString()},
            {folder + " is a folder; expected a convnet4j model file (safetensors)", "info", folder.toString()},
            {png + " is not a convnet4j model file (safetensors); it looks like a PNG image", "info", png.toString()},
            {png + " is not a convnet4j model file (safetensors); it looks like a PNG image", "predict", png.toString(),
                png.toString()},
            {zip + " is not a convnet4j model file (safetensors); it looks like a ZIP archive (a PyTorch .pt/.pth file?"
                + " save it with safetensors.torch.save_file instead)", "eval", zip.toString()},
            {onnx + " is not a convnet4j model file (safetensors); it looks like an ONNX model (protobuf); convnet4j reads"
                + " safetensors", "visualize", "filters", onnx.toString(), "-o", dir.resolve("f.png").toString()},
            {dir.resolve("missing.png") + ": no such file (expected an image file (PNG, JPEG, GIF, BMP))",
                "predict", model.toString(), dir.resolve("missing.png").toString()},
            {folder + " is a folder; expected an image file (PNG, JPEG, GIF, BMP)", "predict", model.toString(), folder.toString()},
            {png + " is not text; it looks like a PNG image; expected a history.csv written by train (its first line:"
                + " epoch,loss,train_accuracy,test_accuracy,validation_accuracy,learning_rate,seconds,eval_seconds)",
                "visualize", "curves", png.toString(), "-o", dir.resolve("c.png").toString()},
            {empty + " is empty; expected a history.csv written by train (its first line: epoch,loss,train_accuracy,"
                + "test_accuracy,validation_accuracy,learning_rate,seconds,eval_seconds)",
                "visualize", "curves", empty.toString(), "-o", dir.resolve("c.png").toString()},
            {headerOnly + " has no epochs yet: only its header line (train writes a line after every epoch)",
                "visualize", "curves", headerOnly.toString(), "-o", dir.resolve("c.png").toString()},
            {"--epochs must be at least 1, got 0", "train", "--epochs", "0", "--data", d},
            {"--batch must be between 1 and 65536, got 0", "train", "--batch", "0", "--data", d},
            {"--model 'resnet' is unknown: expected one of [lenet, lenet-classic-tanh, lenet-classic-sigmoid, simpleconvnet,"
                + " alexnet, vgg11, vgg16, vgg16-bn, googlenet, resnet18, resnet34, resnet50, resnet20]", "train", "--model",
                "resnet", "--data", d},
            {"--model alexnet needs images of at least 63x63 pixels, but --dataset fashion-mnist has 1x28x28; use a model"
                + " for small images (lenet, simpleconvnet, resnet20), or --pad-to 63 (zero-padding, centred)",
                "train", "--model", "alexnet", "--data", d},
            {"--output " + folder + " is a folder; expected a file name, such as " + folder.resolve("model.safetensors"),
                "train", "--output", folder.toString(), "--data", d},
            {"-o " + folder + " is a folder; expected a file name, such as " + folder.resolve("filters.png"),
                "visualize", "filters", model.toString(), "-o", folder.toString()},
            {"--optimizer 'adamw' is unknown: expected sgd, momentum, nesterov, adagrad, rmsprop, adam or adam-pytorch",
                "train", "--optimizer", "adamw", "--data", d},
            {"--dataset 'imagenet' is unknown: expected one of [fashion-mnist, mnist, cifar10, folder]",
                "train", "--dataset", "imagenet"},
            {"--data " + dir.resolve("nowhere") + ": no such folder (expected the data set's files)",
                "train", "--data", dir.resolve("nowhere").toString()},
            {"--dataset folder needs --data DIR: a folder with one sub-folder of images per class", "train", "--dataset", "folder"},
            {"--patience needs --validation, e.g. --validation 0.1: early stopping watches the held-out accuracy",
                "train", "--patience", "3", "--data", d},
            {"--resume needs --run-dir: the folder of the run to continue", "train", "--resume", "--data", d},
            {"--save-input writes one picture: give exactly one image file, not 2", "predict", model.toString(),
                png.toString(), png.toString(), "--save-input", dir.resolve("in.png").toString()},
        };
        for (String[] c : cases) {
            String[] args = Arrays.copyOfRange(c, 1, c.length);
            if (args[0].equals("train")) { // where a run folder would go
                args = Stream.concat(Arrays.stream(args), Stream.of("--runs", runs.toString())).toArray(String[]::new);
            }
            CliRun.Result r = CliRun.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals("convnet4j: " + c[0], r.errLine(), String.join(" ", args));
        }
        assertTrue(!Files.exists(runs) || names(runs).isEmpty(), "no run folder was created by a refused command");

        CliRun.Result e = CliRun.run("eval", model.toString(), "--limit", "50", "--device", "cpu");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("(first 50 test images) (50 test images)") && e.out().contains("(50 items)"), e.out());

        CliRun.Result r = CliRun.run("visualize", "features", model.toString(), "--index", "99999", "-o",
                dir.resolve("x.png").toString());
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.contains(" WARN ")).toList(); // the bundled sample's notice
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).matches("convnet4j: --index 99999 is outside the test set \\[0, (500|10000)\\)"), r.err());
    }

    /** --help shows the default of every option that has one, and --limit says which images it limits. */
    @Test
    void helpShowsEveryDefault() {
        CommandLine cl = new CommandLine(new Main());
        for (CommandLine sub : cl.getSubcommands().values()) {
            for (OptionSpec o : sub.getCommandSpec().options()) {
                boolean flag = o.type() == boolean.class || o.usageHelp() || o.versionHelp();
                if (o.defaultValue() != null && !flag) {
                    String text = String.join(" ", o.description());
                    assertTrue(text.contains("(default: "), sub.getCommandName() + " " + o.longestName() + ": " + text);
                }
            }
        }
        CliRun.Result train = CliRun.run("train", "--help");
        for (String s : new String[]{"passes over the training set (default: 10)", "mini-batch size (default: 100)",
            "learning rate (default: 0.001)", "trained in PyTorch) (default: adam)", "(default: 42)",
            "(default: model.safetensors in the run folder)", "write the checkpoint after every N-th epoch",
            "first N training images"}) {
            assertTrue(train.out().replaceAll("\\s+", " ").contains(s), s + " in\n" + train.out());
        }
        for (String cmd : new String[]{"eval", "predict"}) {
            CliRun.Result h = CliRun.run(cmd, "--help");
            assertFalse(h.err().contains("WARN"), h.err()); // picocli formats descriptions: a bare % is a warning
            assertTrue(h.out().contains("20% of --data"), h.out());
            String help = h.out().replaceAll("\\s+", " ");
            assertTrue(help.contains("use only the first N test images"), help);
        }
        assertTrue(CliRun.run("predict", "--help").out().contains("(default: 3,"));
    }
}
