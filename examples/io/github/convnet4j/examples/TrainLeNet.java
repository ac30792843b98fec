package io.github.convnet4j.examples;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Trains LeNet-5 (ReLU + max-pool) on Fashion-MNIST (the full set when installed, else the bundled
 * sample) on the best available device and saves the model.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp "target/convnet4j.jar:target/test-classes" io.github.convnet4j.examples.TrainLeNet [epochs]</pre>
 */
public final class TrainLeNet {
    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        DataSources.Split data = DataSources.load("fashion-mnist", DataSources.Options.defaults());
        Normalization norm = Normalization.of(data.train());
        Map<String, String> meta = Trainer.modelMetadata(data.train(), norm, "lenet");
        try (Backend backend = Backends.open("auto");
             Network net = LeNet.modern(backend, 10, 42);
             Optimizer adam = new Adam(1e-3f)) {
            Trainer.Config config = new Trainer.Config(epochs, 100, LearningRateSchedule.cosine(1e-3, 1e-5, epochs), 42,
                    Augmentation.NONE, 0, 0, null, 1, false);
            new Trainer(net, adam, config, meta, System.out::println).fit(data.train(), data.test(), norm, null);
            System.out.print(Evaluation.of(net, data.test(), norm, 100).report());
            ModelFile.save(net, Path.of("lenet.safetensors"), meta);
        }
    }
}
