package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.data.ImageFolders;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --dataset folder end to end: train on images the test writes, with a bad file, then info, eval and predict. */
class FolderDataCliTest {
    @TempDir
    Path dir;

    @Test
    void trainEvalAndPredictOnImagesOfOnesOwn() throws Exception {
        Path images = ImageFolders.stripes(dir.resolve("stripes"), 30);
        Path bad = Files.write(images.resolve("h").resolve("truncated.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0});
        Path run = dir.resolve("run");
        String[] train = {"train", "--dataset", "folder", "--data", images.toString(), "--model", "lenet", "--device", "cpu",
            "--epochs", "4", "--batch", "16", "--lr", "0.003", "--validation", "0.2", "--augment", "--no-progress",
            "--run-dir", run.toString()};
        CliRun.Result r = CliRun.run(train);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.errLine().startsWith("convnet4j: " + bad) && r.errLine().endsWith("; use --bad-images skip to skip such"
                + " files"), r.err());

        r = CliRun.run(java.util.stream.Stream.concat(java.util.Arrays.stream(train), java.util.stream.Stream.of(
                "--bad-images", "skip")).toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("convnet4j: warning: skipped " + bad + ": "), r.err());
        assertTrue(r.out().contains("(image folder, 2 classes, 12 of 60 images held out for test)"), r.out());
        try (Classifier c = Classifier.load(run.resolve("model.safetensors"))) {
            assertEquals(List.of("h", "v"), c.classes());
            assertEquals(Shape.of(1, 28, 28), c.itemShape());
        }
        // Stripes are easy: the held-out 20 % is classified far above chance.
        r = CliRun.run("eval", run.resolve("model.safetensors").toString(), "--dataset", "folder", "--data",
                images.toString(), "--bad-images", "skip", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy: (\\d\\.\\d+) \\(12 items\\).*", "$1"));
        assertTrue(acc >= 0.75, r.out());

        r = CliRun.run("predict", run.resolve("model.safetensors").toString(), images.resolve("v").resolve("v1.png").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*v1.png:  [hv] 0\\.\\d{3}  [hv] 0\\.\\d{3}\\s*"), r.out());
    }

    @Test
    void rgbImagesWithASeparateTestFolder() throws Exception {
        Path train = ImageFolders.stripes(dir.resolve("train"), 8);
        Path test = ImageFolders.stripes(dir.resolve("test"), 3);
        Path run = dir.resolve("run");
        CliRun.Result r = CliRun.run("train", "--dataset", "folder", "--data", train.toString(), "--test-data", test.toString(),
                "--model", "simpleconvnet", "--input-shape", "3x16x16", "--device", "cpu", "--epochs", "1", "--batch", "8",
                "--no-progress", "--run-dir", run.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("16 training and 6 test images of (3, 16, 16)") || r.out().contains("16 training and 6 test"),
                r.out());
        try (Classifier c = Classifier.load(run.resolve("model.safetensors"))) {
            assertEquals(Shape.of(3, 16, 16), c.itemShape());
        }
        r = CliRun.run("train", "--dataset", "folder", "--data", train.toString(), "--model", "alexnet", "--input-shape",
                "3x32x32", "--run-dir", dir.resolve("r2").toString());
        assertEquals(2, r.code());
        assertEquals("convnet4j: --model alexnet needs images of at least 63x63 pixels, but --input-shape has 3x32x32; use a"
                + " model for small images (lenet, simpleconvnet, resnet20), or --dataset folder with --input-shape 3x224x224", r.errLine());
        r = CliRun.run("train", "--dataset", "folder", "--data", train.toString(), "--input-shape", "2x28x28");
        assertEquals(2, r.code());
        assertEquals("convnet4j: --input-shape must be CHANNELSxHEIGHTxWIDTH with 1 or 3 channels and sides of 1 to 4096,"
                + " e.g. 3x64x64; got '2x28x28'", r.errLine());
        r = CliRun.run("train", "--input-shape", "1x28x28");
        assertEquals(2, r.code());
        assertEquals("convnet4j: --input-shape is for --dataset folder; fashion-mnist has 1x28x28 images"
                + " (--pad-to SIDE zero-pads them)", r.errLine());
    }
}
