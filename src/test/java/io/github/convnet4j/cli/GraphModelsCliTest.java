package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The graph models on the real command line: info --model, training ResNet-20, and the one-line errors. */
class GraphModelsCliTest {
    @TempDir
    Path dir;

    /**
     * torchvision's counts at the defaults, 1000 classes and 3×224×224 (the list); ResNet-20's
     * at its default 1×28×28 and 10 classes: 272,474 at 3×32×32 (ModelsTest) less conv1's 16 × 2 × 3 × 3
     * weights of the two channels Fashion-MNIST does not have.
     */
    private static final Map<String, Long> PARAMETERS = Map.of("resnet18", 11_689_512L, "resnet34", 21_797_672L,
            "resnet50", 25_557_032L, "vgg11", 132_863_336L, "vgg16", 138_357_544L, "vgg16-bn", 138_365_992L,
            "googlenet", 6_624_904L, "resnet20", 272_474L - 288);

    private static CliRun.Result ok(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        return r;
    }

    private static void oneLineError(String expected, String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("convnet4j: " + expected, r.errLine());
    }

    @Test
    void infoOfAModelNamePrintsItsLayersAndParametersWithoutAFile() {
        for (var e : PARAMETERS.entrySet()) {
            String out = ok("info", "--model", e.getKey()).out();
            assertTrue(out.contains("\nparameters: " + e.getValue() + "\n"), e.getKey() + ":\n" + out);
        }
        String resnet = ok("info", "--model", "resnet50").out();
        assertTrue(resnet.startsWith("resnet50 for 3x224x224 images, 1000 classes:\n"), resnet);
        assertTrue(resnet.matches("(?s).*\\nlayer1\\.0\\.add +add +\\[1, 256, 56, 56\\].*<- layer1\\.0\\.bn3,"
                + " layer1\\.0\\.downsample\\.1\\n.*"), resnet);
        assertTrue(resnet.matches("(?s).*\\nfc +affine +\\[1, 1000\\] +2,049,000\\n.*"), resnet);
        // The defaults follow the model; --classes and --input change them.
        assertTrue(ok("info", "--model", "resnet20").out().startsWith("resnet20 for 1x28x28 images, 10 classes:\n"));
        String cifar = ok("info", "--model", "resnet20", "--input", "3x32x32").out();
        assertTrue(cifar.contains("\nparameters: 272474\n"), cifar);
        // fc: 64 × 100 + 100 instead of 64 × 10 + 10.
        String cifar100 = ok("info", "--model", "resnet20", "--input", "3x32x32", "--classes", "100").out();
        assertTrue(cifar100.contains("\nparameters: " + (272_474 + 5_850) + "\n"), cifar100);
        String lenet = ok("info", "--model", "lenet").out();
        assertTrue(lenet.contains("\nparameters: 61706\n"), lenet);
    }

    @Test
    void infoNeedsAFileOrAModelNameAndTakesGoodShapesOnly() {
        oneLineError("info needs a model file, or --model NAME for a ready-made architecture (one of "
                + io.github.convnet4j.models.Models.NAMES + ")", "info");
        oneLineError("info takes a model file or --model NAME, not both (got m.safetensors and --model resnet18)",
                "info", "m.safetensors", "--model", "resnet18");
        oneLineError("--input is for --model NAME; a model file m.safetensors has its own",
                "info", "m.safetensors", "--input", "3x32x32");
        String shapeRule = "--input must be CHANNELSxHEIGHTxWIDTH with 1 or 3 channels and sides of 1 to 4096, e.g."
                + " 3x64x64; got ";
        oneLineError(shapeRule + "'3x0x224'", "info", "--model", "resnet18", "--input", "3x0x224");
        oneLineError(shapeRule + "'abc'", "info", "--model", "resnet18", "--input", "abc");
        oneLineError("--classes must be between 1 and 1048576, got 0", "info", "--model", "vgg16", "--classes", "0");
        oneLineError("--model vgg11 needs images of at least 32x32 pixels, but --input has 1x28x28; use a model for"
                + " small images (lenet, simpleconvnet, resnet20), or --dataset folder with --input-shape 1x224x224",
                "info", "--model", "vgg11", "--input", "1x28x28");
        oneLineError("--model 'resnet101' is unknown: expected one of " + io.github.convnet4j.models.Models.NAMES,
                "info", "--model", "resnet101");
    }

    @Test
    void aModelThatCannotTakeTheDataSaysSoBeforeLoading() {
        oneLineError("--model vgg11 needs images of at least 32x32 pixels, but --dataset fashion-mnist has 1x28x28; use"
                + " a model for small images (lenet, simpleconvnet, resnet20), or --pad-to 32 (zero-padding, centred)",
                "train", "--model", "vgg11", "--device", "cpu", "--runs", dir.toString());
        oneLineError("--model googlenet needs images of at least 31x31 pixels, but --dataset fashion-mnist has 1x28x28;"
                + " use a model for small images (lenet, simpleconvnet, resnet20), or --pad-to 31 (zero-padding, centred)",
                "bench", "epoch", "--model", "googlenet", "--device", "cpu");
        oneLineError("--input is for 'bench steps'; 'bench cpu' takes no input shape", "bench", "cpu", "--input",
                "3x32x32");
    }

    @Test
    void benchStepsTimesAModelOnRandomImagesOfTheInputShape() {
        String out = ok("bench", "steps", "--model", "resnet20", "--input", "3x32x32", "--batch", "4", "--steps", "1",
                "--device", "cpu").out();
        assertTrue(out.matches("bench steps: resnet20, 272474 parameters, 3x32x32 images, batch 4, 10 classes, Momentum,"
                + " backend cpu.*: \\d+\\.\\d ms/step, \\d+\\.\\d images/s\\n"), out);
    }

    /** The bundled sample as a --data folder, so that a machine with the full set still tests on 2,000 + 500 images. */
    private Path sample() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("sample"));
        for (String f : new String[]{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz"}) {
            try (InputStream in = getClass().getResourceAsStream("/io/github/convnet4j/data/fashion-mnist-sample/" + f)) {
                Files.copy(in, folder.resolve(f));
            }
        }
        return folder;
    }

    @Test
    void resNet20TrainsOnTheSampleAndItsFileShowsTheGraph() throws Exception {
        String data = sample().toString();
        Path run = dir.resolve("run");
        Path model = run.resolve("model.safetensors");
        String train = ok("train", "--model", "resnet20", "--epochs", "1", "--limit", "200", "--batch", "50",
                "--device", "cpu", "--run-dir", run.toString(), "--no-progress", "--data", data).out();
        assertTrue(train.contains("model: resnet20, 272,186 parameters") && train.contains("epoch: 1 "), train);
        assertTrue(Files.isRegularFile(model));

        String info = ok("info", model.toString()).out();
        assertTrue(info.matches("(?s).*\\nlayer2\\.0\\.add +add +\\[1, 32, 14, 14\\].*<- layer2\\.0\\.bn2,"
                + " layer2\\.0\\.downsample\\.1\\n.*"), info);
        assertTrue(info.contains("\nparameters: 272186\n") && info.contains("T-shirt/top"), info);

        String eval = ok("eval", model.toString(), "--device", "cpu", "--data", data).out();
        assertTrue(eval.contains("accuracy:"), eval);
        String predict = ok("predict", model.toString(), "--index", "0", "--data", data).out();
        assertTrue(predict.contains("test[0] (true: "), predict);
    }

    @Test
    void padToZeroPadsTheImagesForTrainingAndTheModelsFileAsksForItAgain() throws Exception {
        String data = sample().toString();
        Path run = dir.resolve("padded");
        Path model = run.resolve("model.safetensors");
        String train = ok("train", "--model", "simpleconvnet", "--pad-to", "32", "--epochs", "1", "--limit", "64",
                "--batch", "32", "--device", "cpu", "--run-dir", run.toString(), "--no-progress", "--data", data).out();
        assertTrue(train.contains("(first 64 training images) (zero-padded to 1x32x32), 64 training and 500 test images"
                + " of [1, 32, 32]"), train);
        oneLineError("the model takes 1x32x32 images, but --dataset fashion-mnist has 1x28x28; if it was trained with"
                + " --pad-to 32, add --pad-to 32", "eval", model.toString(), "--device", "cpu", "--data", data);
        String eval = ok("eval", model.toString(), "--pad-to", "32", "--device", "cpu", "--data", data).out();
        assertTrue(eval.contains("accuracy:"), eval);
        String predict = ok("predict", model.toString(), "--index", "0", "--pad-to", "32", "--data", data).out();
        assertTrue(predict.contains("test[0] (true: "), predict);
        oneLineError("the model takes 1x32x32 images, but --dataset fashion-mnist has 1x36x36", "eval",
                model.toString(), "--pad-to", "36", "--device", "cpu", "--data", data);
    }

    @Test
    void badPadToValuesAreRefusedInOneLine() {
        String d = dir.toString();
        oneLineError("--pad-to must be between 28 (the side of fashion-mnist's 1x28x28 images: padding only enlarges)"
                + " and 4096, got 20", "train", "--model", "googlenet", "--pad-to", "20", "--data", d);
        oneLineError("--pad-to must be between 28 (the side of fashion-mnist's 1x28x28 images: padding only enlarges)"
                + " and 4096, got 4097", "train", "--model", "googlenet", "--pad-to", "4097", "--data", d);
        oneLineError("--pad-to must be between 32 (the side of cifar10's 3x32x32 images: padding only enlarges)"
                + " and 4096, got 28", "bench", "epoch", "--dataset", "cifar10", "--pad-to", "28", "--data", d);
        oneLineError("--pad-to is for fashion-mnist, mnist and cifar10; --dataset folder sizes its images with"
                + " --input-shape", "train", "--dataset", "folder", "--pad-to", "32", "--data", d);
        oneLineError("--model googlenet needs images of at least 31x31 pixels, but --dataset fashion-mnist has 1x30x30;"
                + " use a model for small images (lenet, simpleconvnet, resnet20), or --pad-to 31 (zero-padding, centred)",
                "train", "--model", "googlenet", "--pad-to", "30", "--data", d);
        CliRun.Result r = CliRun.run("train", "--pad-to", "x");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--pad-to"), r.err());
    }
}
