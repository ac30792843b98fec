package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file written by the first release (format 1, commit e6c00c0: LeNet-5 modern, seed 42,
 * saved with that release's {@code ModelFile.save}, with the scores it predicted then for the input
 * x_i = (i mod 29)/28; the generator is src/test/resources/.../lenet-format1.MakeV1.java.txt).
 * It is refused by {@code load} with the way out in the message, and {@code upgrade} turns it into a
 * format-2 file that predicts the same scores.
 */
class Format1UpgradeTest {
    private static final String DIR = "/io/github/convnet4j/io/";
    @TempDir
    Path dir;

    private Path fixture() throws IOException {
        Path f = dir.resolve("lenet-format1.safetensors");
        try (InputStream in = getClass().getResourceAsStream(DIR + "lenet-format1.safetensors")) {
            Files.copy(in, f);
        }
        return f;
    }

    private float[] scores() throws IOException {
        try (InputStream in = getClass().getResourceAsStream(DIR + "lenet-format1.scores.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip().split("\n");
            float[] s = new float[lines.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = Float.parseFloat(lines[i]);
            }
            return s;
        }
    }

    @Test
    void aFormat1FileIsRefusedByLoadAndSaysHowToUpgrade() throws IOException {
        Path f = fixture();
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(cpu, f));
            assertTrue(e.getMessage().contains("version 1 is no longer read") && e.getMessage().contains("convnet4j upgrade"),
                    e.getMessage());
        }
    }

    @Test
    void upgradeWritesAFormat2FileThatPredictsWhatTheFirstReleaseDid() throws IOException {
        Path upgraded = dir.resolve("lenet.safetensors");
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFile.upgrade(fixture(), upgraded, cpu);
            ModelFile.Loaded loaded = ModelFile.load(cpu, upgraded);
            assertEquals(ModelFile.VERSION, loaded.metadata().get(ModelFile.VERSION_KEY));
            assertEquals("[0.2860406];[0.35302424]", loaded.metadata().get("normalization"));
            assertTrue(loaded.metadata().get("classes").startsWith("c0\nc1"));
            float[] x = new float[784];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 29) / 28f;
            }
            try (var net = loaded.network(); Tensor t = cpu.tensor(x, Shape.of(1, 1, 28, 28))) {
                float[] got = net.predict(t).toArray();
                float[] want = scores();
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-6f * Math.max(1, Math.abs(want[i])), "score " + i);
                }
            }
        }
    }

    @Test
    void upgradeVerifiesWhatFormat1Covered() throws IOException {
        Path f = fixture();
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 5] ^= 0x10; // a weight bit: format 1's data CRC32 catches it
        Path damaged = Files.write(dir.resolve("damaged.safetensors"), bytes);
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ModelFile.upgrade(damaged, dir.resolve("out.safetensors"), cpu));
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
            Path current = dir.resolve("current.safetensors");
            ModelFile.upgrade(f, current, cpu);
            ModelFormatException again = assertThrows(ModelFormatException.class,
                    () -> ModelFile.upgrade(current, dir.resolve("again.safetensors"), cpu));
            assertTrue(again.getMessage().contains("only version 1 files need upgrading"), again.getMessage());
        }
        assertTrue(!Files.exists(dir.resolve("out.safetensors")), "nothing written for a damaged file");
    }
}
