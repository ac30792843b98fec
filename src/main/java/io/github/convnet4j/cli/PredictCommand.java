package io.github.convnet4j.cli;

import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.train.Precision;
import io.github.convnet4j.infer.ImageDecoder;
import io.github.convnet4j.infer.Images;
import io.github.convnet4j.infer.Prediction;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.viz.Pictures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Top-k classes for image files, or for test-set entries (--index).")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    DataOptions.Test data = new DataOptions.Test();
    @Parameters(index = "0", description = "the model file")
    Path model;
    @Parameters(index = "1..*", arity = "0..*", description = "image files (PNG, JPEG, GIF, BMP)")
    List<Path> images = List.of();
    @Option(names = "--index", split = ",", description = "test-set entries of --dataset to classify, e.g. 0,1,2")
    List<Integer> indices = List.of();
    @Option(names = "--top", description = "how many classes to show per image (default: 3, or all if the model has fewer)")
    Integer topOption;
    int top;
    @Option(names = "--auto-invert", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "for a gray model trained on a dark background (Fashion-MNIST, MNIST): invert an image whose"
                    + " border is light, as a photo of a dark object on white paper (default: ${DEFAULT-VALUE})")
    boolean autoInvert;
    @Option(names = "--save-input", description = "write the image as the model saw it (its size, inverted or not) to"
            + " this PNG; one image file only")
    Path saveInput;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, tf32, bf16 or fp16: what the activations"
            + " are computed in (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--channels-last", description = "activations in NHWC memory order")
    boolean channelsLast;

    static final int DEFAULT_TOP = 3;

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty() && indices.isEmpty()) {
            throw new IllegalArgumentException("give image files or --index entries to classify");
        }
        Precision activations = Precision.parse(precision);
        top = topOption == null ? DEFAULT_TOP : topOption;
        OptionRanges.atLeast("--top", top, 1);
        data.checkOptions();
        InputFiles.requireModelFile(model);
        for (Path p : images) {
            InputFiles.requireFile(p, "an image file (PNG, JPEG, GIF, BMP)");
        }
        if (saveInput != null) {
            if (images.size() != 1) {
                throw new IllegalArgumentException("--save-input writes one picture: give exactly one image file, not "
                        + images.size());
            }
            InputFiles.requireWritableTarget("--save-input", saveInput, true, "input.png");
        }
        boolean darkBackgroundModel = autoInvert && trainedOnDarkBackground();
        try (Classifier c = Classifier.load(model)) {
            c.setActivationKind(activations.activationType(), channelsLast ? MemoryFormat.NHWC : MemoryFormat.NCHW);
            if (topOption == null) {
                top = Math.min(DEFAULT_TOP, Math.max(1, c.classes().size()));
            } else if (!c.classes().isEmpty()) { // a model file without class names: topK shows what there is
                OptionRanges.between("--top", top, 1, c.classes().size());
            }
            for (Path p : images) {
                // Header checked against the pixel limit before decoding; decoded subsampled to the model's size.
                float[] pixels = ImageDecoder.toPixels(p, c.itemShape(), ImageDecoder.DEFAULT_MAX_PIXELS);
                String what = p.toString();
                if (darkBackgroundModel && Images.hasLightBackground(pixels, c.itemShape())) {
                    Images.invert(pixels);
                    what += " (light background: inverted, as the model was trained on dark ones; --no-auto-invert"
                            + " to turn this off)";
                }
                if (saveInput != null) {
                    Pictures.writePng(Images.toImage(pixels, c.itemShape()), saveInput);
                    what += " (the model's input written to " + saveInput + ")";
                }
                print(what, c.predict(pixels, top));
            }
            if (!indices.isEmpty()) {
                DataSources.Split split = data.load(c.itemShape(), c.classes().isEmpty() ? null : c.classes());
                for (int i : indices) {
                    if (i < 0 || i >= split.test().size()) {
                        throw new IllegalArgumentException("--index " + i + " is outside the test set [0, " + split.test().size() + ")");
                    }
                    print("test[" + i + "] (true: " + split.test().classNames().get(split.test().labels()[i]) + ")",
                            c.predict(split.test().item(i), top));
                }
            }
        }
        return 0;
    }

    /**
     * Whether the model is gray and its training images were mostly dark (mean pixel below 0.5, as
     * Fashion-MNIST's 0.29 and MNIST's 0.13): a light object on a dark background.
     */
    /**
     * Fashion-MNIST and MNIST show light objects on black; a model trained on them, given a photo
     * of a dark object on a light background, needs it inverted. Any other data set (an image
     * folder of the user's own, whatever its brightness) is taken as the photos will be.
     */
    private boolean trainedOnDarkBackground() throws IOException {
        Map<String, String> meta = SafeTensors.read(model).metadata();
        String dataset = meta.getOrDefault("dataset", "");
        if (!dataset.startsWith("fashion-mnist") && !dataset.startsWith("mnist")) {
            return false;
        }
        String norm = meta.get("normalization");
        if (norm == null) {
            return false;
        }
        float[] mean = Normalization.decode(norm).mean();
        return mean.length == 1 && mean[0] < 0.5f;
    }

    private static void print(String what, List<Prediction> ps) {
        StringBuilder sb = new StringBuilder(what).append(':');
        for (Prediction p : ps) {
            sb.append(String.format(Locale.ROOT, "  %s %.3f", p.className(), p.probability()));
        }
        System.out.println(sb);
    }
}
