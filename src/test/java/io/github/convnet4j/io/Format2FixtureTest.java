package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model file written by the chain-only release (commit ff9c644, see {@link MakeFormat2Fixture})
 * still loads, with the same architecture, and predicts what it predicted then.
 */
class Format2FixtureTest {
    private static final String DIR = "/io/github/convnet4j/io/";

    @Test
    void aFileOfTheChainReleaseLoadsAndPredictsAsItDid() throws IOException {
        float[] expected = expectedScores();
        try (CpuBackend cpu = new CpuBackend(1); InputStream in = resource("chain-format2.safetensors")) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, "chain-format2.safetensors", in);
            try (Network net = loaded.network(); Tensor x = cpu.tensor(MakeFormat2Fixture.fixtureInput(), Shape.of(2, 2, 8, 8))) {
                assertEquals(List.of("conv1", "bn1", "relu1", "pool1", "conv2", "act2", "pool2", "drop", "flat", "fc"),
                        net.layers().stream().map(l -> l.name()).toList());
                assertEquals("a\nb\nc", loaded.metadata().get("classes"));
                float[] scores = net.predict(x).toArray();
                assertEquals(expected.length, scores.length);
                for (int i = 0; i < scores.length; i++) {
                    assertEquals(expected[i], scores[i], 1e-5f * Math.max(1f, Math.abs(expected[i])), "score " + i);
                }
            }
        }
    }

    private static float[] expectedScores() throws IOException {
        try (InputStream in = resource("chain-format2.scores.txt")) {
            return toFloats(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\n"));
        }
    }

    private static float[] toFloats(String[] bits) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Float.intBitsToFloat(Integer.parseInt(bits[i].trim()));
        }
        return out;
    }

    private static InputStream resource(String name) {
        InputStream in = Format2FixtureTest.class.getResourceAsStream(DIR + name);
        if (in == null) {
            throw new IllegalStateException("test resource " + DIR + name + " is missing");
        }
        return in;
    }
}
