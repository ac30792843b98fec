package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.train.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Accuracy, per-class precision/recall and the confusion matrix of a model on a test set.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    DeviceOption device = new DeviceOption();
    @Mixin
    DataOptions.Test data = new DataOptions.Test();
    @Parameters(index = "0", description = "the model file")
    Path model;
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, tf32, bf16 or fp16: what the activations"
            + " are computed in (the weights stay the file's FP32 values) (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--channels-last", description = "activations in NHWC memory order")
    boolean channelsLast;

    @Override
    public Integer call() throws Exception {
        data.checkOptions();
        device.checkName();
        Precision p = Precision.parse(precision);
        InputFiles.requireModelFile(model);
        try (Backend backend = device.open()) {
            ModelFile.Loaded loaded = ModelFile.load(backend, model);
            try (var net = loaded.network()) {
                p.applyTo(net, channelsLast ? MemoryFormat.NHWC : MemoryFormat.NCHW);
                // A folder's images take the model's shape, and its classes the model's order.
                String classes = loaded.metadata().get("classes");
                DataSources.Split split = data.load(net.itemShape(), classes == null ? null : List.of(classes.split("\n")));
                String norm = loaded.metadata().get("normalization");
                Normalization n = norm != null ? Normalization.decode(norm) : Normalization.of(split.train());
                System.out.printf("%s on %s (%d test images)%s%n", model, split.source(), split.test().size(),
                        p.activationType() == io.github.convnet4j.tensor.DType.F32 && !channelsLast ? ""
                                : ", " + p.activationType() + " activations" + (channelsLast ? ", channels-last" : ""));
                System.out.print(Evaluation.of(net, split.test(), n, 100).report());
            }
        }
        return 0;
    }
}
