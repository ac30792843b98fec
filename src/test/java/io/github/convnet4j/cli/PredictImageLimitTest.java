package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.infer.HostileImages;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict} on image files goes through the bounded decoder: bombs are refused by their header, corrupt files named. */
class PredictImageLimitTest {
    @TempDir
    Path dir;

    @Test
    void refusesAnImageHeaderOverThePixelLimitAndNamesCorruptFiles() throws Exception {
        Path model = dir.resolve("m.safetensors");
        DataSources.Split s = DataSources.bundledSample();
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 1)) {
            ModelFile.save(net, model, Trainer.modelMetadata(s.train(), Normalization.of(s.train()), "lenet"));
        }
        Path bomb = Files.write(dir.resolve("bomb.png"), HostileImages.pngHeaderBomb(30_000, 30_000));
        String err = runForError("predict", model.toString(), bomb.toString());
        assertTrue(err.contains("bomb.png: the PNG image is 30000×30000 = 900000000 pixels"), err);
        Path broken = Files.write(dir.resolve("broken.jpg"), Arrays.copyOf(HostileImages.encoded("jpeg", 40, 40, 1), 300));
        err = runForError("predict", model.toString(), broken.toString());
        assertTrue(err.contains("broken.jpg: corrupt or truncated JPEG data"), err);
    }

    private static String runForError(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(e, true));
            assertEquals(1, Main.run(args));
        } finally {
            System.setErr(err);
        }
        return e.toString();
    }
}
