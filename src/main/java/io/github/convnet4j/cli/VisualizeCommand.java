package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.viz.Pictures;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "visualize", mixinStandardHelpOptions = true,
        description = "Write PNGs: 'filters' (first-layer filters of a model), 'features' (feature maps of one test"
                + " image, titled with its true class and the prediction), 'confusion' (the confusion matrix on the"
                + " test set as a heat map), 'curves' (loss and accuracy per epoch from a history.csv).")
final class VisualizeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "filters, features, confusion or curves")
    String what;
    @Parameters(index = "1", description = "the model file (filters, features, confusion) or history.csv (curves)")
    Path input;
    @Option(names = {"-o", "--output"}, required = true, description = "the PNG to write")
    Path output;
    @Option(names = "--index", defaultValue = "0", description = "test image for 'features' (default: ${DEFAULT-VALUE})")
    int index;
    @Option(names = "--scale", defaultValue = "0", description = "pixels per value (default: about 80 pixels per filter, 3 for features)")
    int scale;
    @Mixin
    DataOptions.Test data = new DataOptions.Test();

    @Override
    public Integer call() throws Exception {
        OptionRanges.atLeast("--index", index, 0);
        OptionRanges.between("--scale", scale, 0, OptionRanges.MAX_SCALE);
        data.checkOptions();
        InputFiles.requireWritableTarget("-o", output, true, what + ".png");
        if (!what.equals("curves")) {
            InputFiles.requireModelFile(input);
        }
        switch (what) {
            case "curves" -> Pictures.writePng(Pictures.curves(HistoryFile.read(input)), output);
            case "filters", "features", "confusion" -> model();
            default -> throw new IllegalArgumentException("unknown picture '" + what
                    + "': expected filters, features, confusion or curves");
        }
        System.out.println("wrote " + output);
        return 0;
    }

    private void model() throws Exception {
        try (CpuBackend cpu = new CpuBackend()) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, input);
            try (var net = loaded.network()) {
                if (what.equals("filters")) {
                    Pictures.writePng(Pictures.filters(net, scale > 0 ? scale : Pictures.filterScale(net)), output);
                    return;
                }
                String modelClasses = loaded.metadata().get("classes");
                DataSources.Split split = data.load(net.itemShape(),
                        modelClasses == null ? null : List.of(modelClasses.split("\n")));
                String norm = loaded.metadata().get("normalization");
                if (what.equals("confusion")) {
                    Normalization n = norm != null ? Normalization.decode(norm) : Normalization.of(split.train());
                    Pictures.writePng(Pictures.confusion(Evaluation.of(net, split.test(), n, 100)), output);
                    return;
                }
                Shape item = net.itemShape();
                if (index >= split.test().size()) {
                    throw new IllegalArgumentException("--index " + index + " is outside the test set [0, "
                            + split.test().size() + ")");
                }
                float[] pixels = split.test().item(index);
                float[] x = new float[pixels.length];
                if (norm != null) {
                    Normalization.decode(norm).apply(pixels, item.dim(0), item.dim(1) * item.dim(2), x, 0);
                } else {
                    x = pixels;
                }
                try (Tensor t = cpu.tensor(x, Shape.of(1, item.dim(0), item.dim(1), item.dim(2)))) {
                    String trueClass = split.test().classNames().get(split.test().labels()[index]);
                    String classes = loaded.metadata().get("classes");
                    List<String> names = classes != null ? List.of(classes.split("\n")) : split.test().classNames();
                    Pictures.writePng(Pictures.featureMaps(net, t, trueClass, names, scale > 0 ? scale : 3, 16), output);
                }
            }
        }
    }
}
