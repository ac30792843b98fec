package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.train.Evaluation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Override
    public Integer call() throws Exception {
        data.checkOptions();
        device.checkName();
        InputFiles.requireModelFile(model);
        try (Backend backend = device.open()) {
            ModelFile.Loaded loaded = ModelFile.load(backend, model);
            try (var net = loaded.network()) {
                // A folder's images take the model's shape, and its classes the model's order.
                String classes = loaded.metadata().get("classes");
                DataSources.Split split = data.load(net.itemShape(), classes == null ? null : List.of(classes.split("\n")));
                String norm = loaded.metadata().get("normalization");
                Normalization n = norm != null ? Normalization.decode(norm) : Normalization.of(split.train());
                System.out.printf("%s on %s (%d test images)%n", model, split.source(), split.test().size());
                System.out.print(Evaluation.of(net, split.test(), n, 100).report());
            }
        }
        return 0;
    }
}
