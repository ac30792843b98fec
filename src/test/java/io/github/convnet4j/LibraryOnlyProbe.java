package io.github.convnet4j;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.train.Evaluation;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import io.github.convnet4j.viz.Pictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * What an application that embeds the engine does, run by {@link LibraryClassPathTest} in a JVM whose
 * class path has only the library's own dependencies: train (progress bar asked for), save, load with
 * Classifier, predict, draw pictures. Exits non-zero, saying why, when anything fails.
 */
public final class LibraryOnlyProbe {
    static final String DONE = "library-only probe: all done";
    private static final List<String> OPTIONAL_CLASSES = List.of("picocli.CommandLine",
            "me.tongfei.progressbar.ProgressBar", "org.knowm.xchart.XYChart", "org.slf4j.simple.SimpleLogger");

    private LibraryOnlyProbe() {
    }

    public static void main(String[] args) throws Exception {
        for (String name : OPTIONAL_CLASSES) {
            if (present(name)) {
                throw new AssertionError(name + " is on the class path, so this probe proves nothing");
            }
        }
        Dataset data = randomDigits(120);
        Normalization norm = Normalization.of(data);
        Path dir = Files.createTempDirectory("library-only");
        Path model = dir.resolve("model.safetensors");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = LeNet.modern(cpu, 10, 1);
             Optimizer opt = new Adam(1e-3f)) {
            Trainer.Config config = new Trainer.Config(1, 40, LearningRateSchedule.constant(1e-3), 1, Augmentation.NONE,
                    0, 0, null, 1, true);
            new Trainer(net, opt, config, Trainer.modelMetadata(data, norm, "lenet"), System.out::println)
                    .fit(data, data, norm, null);
            ModelFile.save(net, model, Trainer.modelMetadata(data, norm, "lenet"));
            Pictures.writePng(Pictures.filters(net, Pictures.filterScale(net)), dir.resolve("filters.png"));
            Pictures.writePng(Pictures.confusion(Evaluation.of(net, data, norm, 40)), dir.resolve("confusion.png"));
            try {
                Pictures.curves(List.of());
                throw new AssertionError("Pictures.curves drew without XChart");
            } catch (IllegalStateException expected) {
                if (!expected.getMessage().contains("org.knowm.xchart")) {
                    throw new AssertionError("unclear message: " + expected.getMessage());
                }
            }
        }
        try (Classifier classifier = Classifier.load(model)) {
            System.out.println("prediction: " + classifier.predict(data.item(0), 1));
        }
        System.out.println(DONE);
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, LibraryOnlyProbe.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static Dataset randomDigits(int n) {
        Random rng = new Random(3);
        byte[] pixels = new byte[n * 28 * 28];
        rng.nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(10);
        }
        return new Dataset("random", Shape.of(1, 28, 28), pixels, labels,
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }
}
