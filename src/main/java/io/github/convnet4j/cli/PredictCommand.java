package io.github.convnet4j.cli;

import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.ImageDecoder;
import io.github.convnet4j.infer.Prediction;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Top-k classes for image files, or for test-set entries (--index).")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();
    @Parameters(index = "0", description = "the model file")
    Path model;
    @Parameters(index = "1..*", arity = "0..*", description = "image files (PNG, JPEG, ...)")
    List<Path> images = List.of();
    @Option(names = "--index", split = ",", description = "test-set entries of --dataset to classify, e.g. 0,1,2")
    List<Integer> indices = List.of();
    @Option(names = "--top", defaultValue = "3")
    int top;

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty() && indices.isEmpty()) {
            throw new IllegalArgumentException("give image files or --index entries to classify");
        }
        OptionRanges.atLeast("--top", top, 1);
        data.checkOptions();
        try (Classifier c = Classifier.load(model)) {
            if (!c.classes().isEmpty()) { // a model file without class names: topK shows what there is
                OptionRanges.between("--top", top, 1, c.classes().size());
            }
            for (Path p : images) {
                // Header checked against the pixel limit before decoding; decoded subsampled to the model's size.
                print(p.toString(), c.predict(ImageDecoder.toPixels(p, c.itemShape(), ImageDecoder.DEFAULT_MAX_PIXELS), top));
            }
            if (!indices.isEmpty()) {
                DataSources.Split split = data.load();
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

    private static void print(String what, List<Prediction> ps) {
        StringBuilder sb = new StringBuilder(what).append(':');
        for (Prediction p : ps) {
            sb.append(String.format(Locale.ROOT, "  %s %.3f", p.className(), p.probability()));
        }
        System.out.println(sb);
    }
}
