package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Classifier needs from the metadata is checked when the model is loaded, so a bad file is a
 * ModelFormatException naming the file and the field, not an ArrayIndexOutOfBoundsException at the
 * first prediction or a "probability": NaN in a response.
 */
class ClassifierModelValidationTest {
    @TempDir
    Path dir;

    private Path model(Map<String, String> meta) throws IOException {
        Path f = dir.resolve("m" + meta.hashCode() + ".safetensors");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = new NetworkBuilder(cpu, Shape.of(3, 4, 4), 1).affine("fc", 2).softmaxWithLoss()) {
            ModelFile.save(net, f, meta);
        }
        return f;
    }

    private static void refused(Path file, String... fragments) {
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Classifier.load(file, cpu, 1).close());
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            for (String f : fragments) {
                assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
            }
        }
    }

    @Test
    void aGoodModelLoads() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1);
             Classifier c = Classifier.load(model(Map.of("classes", "yes\nno", "normalization",
                     "[0.5, 0.4, 0.3];[0.2, 0.25, 0.3]")), cpu, 1)) {
            assertEquals(2, c.predict(new float[48], 2).size());
            assertTrue(Float.isFinite(c.predict(new float[48], 1).get(0).probability()));
        }
    }

    /** The review's model: finite but huge weights (3e38) overflow to Inf/NaN scores; that is an error, not NaN probabilities. */
    @Test
    void nonFiniteScoresAndNonFinitePixelsAreErrorsNotNaNProbabilities() throws IOException {
        Path f = dir.resolve("huge.safetensors");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = new NetworkBuilder(cpu, Shape.of(3, 4, 4), 1).affine("fc", 2).softmaxWithLoss()) {
            float[] w = new float[2 * 48];
            java.util.Arrays.fill(w, 3e38f);
            net.parameters().get(0).value().copyFrom(w);
            ModelFile.save(net, f, Map.of());
        }
        float[] ones = new float[48];
        java.util.Arrays.fill(ones, 1f);
        try (CpuBackend cpu = new CpuBackend(1); Classifier c = Classifier.load(f, cpu, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.predict(ones, 1));
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("non-finite score"),
                    e.getMessage());
            float[] nan = ones.clone();
            nan[7] = Float.NaN;
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> c.predict(nan, 1));
            assertTrue(bad.getMessage().contains("pixel value 7 is NaN"), bad.getMessage());
        }
    }

    @Test
    void normalisationMustHaveOneFiniteMeanAndAPositiveStdPerChannel() throws IOException {
        refused(model(Map.of("normalization", "[0.5];[0.2]")), "'normalization'", "1 channels", "3");
        refused(model(Map.of("normalization", "[NaN, 0.4, 0.3];[0.2, 0.25, 0.3]")), "'normalization'", "NaN");
        refused(model(Map.of("normalization", "[0.5, 0.4, 0.3];[Infinity, 0.25, 0.3]")), "'normalization'", "Infinity");
        refused(model(Map.of("normalization", "[0.5, 0.4, 0.3];[1e-45, 0.25, 0.3]")), "'normalization'", "std");
        refused(model(Map.of("normalization", "[0.5, 0.4, 0.3];[0.2, -0.25, 0.3]")), "'normalization'");
        refused(model(Map.of("normalization", "half")), "'normalization'", "unreadable");
        refused(model(Map.of("normalization", "[0.5, x, 0.3];[0.2, 0.25, 0.3]")), "'normalization'", "unreadable");
    }

    @Test
    void classNamesMustNameEveryScore() throws IOException {
        refused(model(Map.of("classes", "a\nb\nc")), "'classes'", "2 classes", "3 lines");
        refused(model(Map.of("classes", "a\n")), "'classes'", "empty");
    }

    @Test
    void theInputMustBeAnImage() throws IOException {
        Path f = dir.resolve("flat.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelFile.FORMAT_KEY, ModelFile.FORMAT);
        meta.put(ModelFile.VERSION_KEY, ModelFile.VERSION);
        meta.put(ModelFile.ARCHITECTURE_KEY, "{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\","
                + "\"args\":{\"out\":2}}],\"loss\":\"softmax_cross_entropy\"}");
        Map<String, SafeTensors.Entry> t = new LinkedHashMap<>();
        t.put("fc.weight", new SafeTensors.Entry(Shape.of(2, 4), new float[8]));
        t.put("fc.bias", new SafeTensors.Entry(Shape.of(2), new float[2]));
        SafeTensors.write(f, t, meta);
        refused(f, "itemShape [4]", "(C, H, W)");
    }
}
