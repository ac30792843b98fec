package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.viz.Pictures;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "visualize", mixinStandardHelpOptions = true,
        description = "Write PNGs: 'filters' (first-layer filters of a model), 'features' (feature maps of one test"
                + " image), 'curves' (loss and accuracy per epoch from a history.csv).")
final class VisualizeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "filters, features or curves")
    String what;
    @Parameters(index = "1", description = "the model file (filters, features) or history.csv (curves)")
    Path input;
    @Option(names = {"-o", "--output"}, required = true, description = "the PNG to write")
    Path output;
    @Option(names = "--index", defaultValue = "0", description = "test image for 'features' (default: ${DEFAULT-VALUE})")
    int index;
    @Option(names = "--scale", defaultValue = "0", description = "pixels per value (default: 8 for filters, 3 for features)")
    int scale;
    @Mixin
    DataOptions.Test data = new DataOptions.Test();

    @Override
    public Integer call() throws Exception {
        OptionRanges.atLeast("--index", index, 0);
        OptionRanges.between("--scale", scale, 0, OptionRanges.MAX_SCALE);
        data.checkOptions();
        InputFiles.requireWritableTarget("-o", output, true, what + ".png");
        if (what.equals("filters") || what.equals("features")) {
            InputFiles.requireModelFile(input);
        }
        switch (what) {
            case "curves" -> Pictures.writePng(Pictures.curves(HistoryFile.read(input)), output);
            case "filters", "features" -> model();
            default -> throw new IllegalArgumentException("unknown picture '" + what + "': expected filters, features or curves");
        }
        System.out.println("wrote " + output);
        return 0;
    }

    private void model() throws Exception {
        try (CpuBackend cpu = new CpuBackend()) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, input);
            try (var net = loaded.network()) {
                if (what.equals("filters")) {
                    Pictures.writePng(Pictures.filters(net, scale > 0 ? scale : 8), output);
                    return;
                }
                DataSources.Split split = data.load(net.itemShape(), null);
                Shape item = net.itemShape();
                if (index >= split.test().size()) {
                    throw new IllegalArgumentException("--index " + index + " is outside the test set [0, "
                            + split.test().size() + ")");
                }
                float[] pixels = split.test().item(index);
                float[] x = new float[pixels.length];
                String norm = loaded.metadata().get("normalization");
                if (norm != null) {
                    Normalization.decode(norm).apply(pixels, item.dim(0), item.dim(1) * item.dim(2), x, 0);
                } else {
                    x = pixels;
                }
                try (Tensor t = cpu.tensor(x, Shape.of(1, item.dim(0), item.dim(1), item.dim(2)))) {
                    Pictures.writePng(Pictures.featureMaps(net, t, scale > 0 ? scale : 3, 16), output);
                }
            }
        }
    }
}
