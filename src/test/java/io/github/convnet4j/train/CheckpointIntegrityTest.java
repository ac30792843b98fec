package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint whose training state is damaged must not resume: one flipped bit in epochs_done or
 * optimizer_steps once resumed with exit 0 and skipped or repeated training. Metadata is checked by
 * the whole-file checksum, and key by key: none missing, none unknown, numbers in canonical form.
 */
class CheckpointIntegrityTest {
    @TempDir
    Path dir;
    Path ckpt;

    static Network net(CpuBackend cpu) {
        return new NetworkBuilder(cpu, Shape.of(1, 6, 6), 4).conv("conv1", 2, 3, 1, 0).relu("relu1")
                .dropout("drop", 0.25f).affine("fc", 3).softmaxWithLoss();
    }

    @BeforeEach
    void save() throws IOException {
        ckpt = dir.resolve("checkpoint.safetensors");
        try (CpuBackend cpu = new CpuBackend(1); Network n = net(cpu); Optimizer opt = new Adam(1e-3f)) {
            opt.setSteps(1234);
            Checkpoint.save(ckpt, n, opt, new Checkpoint.Progress(2, List.of(), Double.NEGATIVE_INFINITY, 0),
                    Map.of("classes", "a\nb\nc"));
        }
    }

    private ModelFormatException refused(Path file) {
        try (CpuBackend cpu = new CpuBackend(1); Network n = net(cpu); Optimizer opt = new Adam(1e-3f)) {
            return assertThrows(ModelFormatException.class, () -> Checkpoint.restore(file, n, opt));
        }
    }

    @Test
    void anUndamagedCheckpointResumes() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1); Network n = net(cpu); Optimizer opt = new Adam(1e-3f)) {
            Checkpoint.Progress p = Checkpoint.restore(ckpt, n, opt);
            assertEquals(2, p.epochsDone());
            assertEquals(1234, opt.steps());
        }
    }

    @Test
    void everyBitFlipInTheTrainingCountersIsRefused() throws IOException {
        byte[] good = Files.readAllBytes(ckpt);
        String text = new String(good, StandardCharsets.ISO_8859_1);
        int flips = 0;
        for (String field : List.of("\"checkpoint.epochs_done\":\"2\"", "\"checkpoint.optimizer_steps\":\"1234\"")) {
            int from = text.indexOf(field);
            assertTrue(from > 0, field);
            for (int i = from; i < from + field.length(); i++) {
                for (int b = 0; b < 8; b++) {
                    byte[] bad = good.clone();
                    bad[i] ^= (byte) (1 << b);
                    Files.write(ckpt, bad);
                    refused(ckpt);
                    flips++;
                }
            }
        }
        assertTrue(flips > 400);
    }

    /** Rewrites the checkpoint with edited metadata and a valid checksum: the key-by-key checks alone. */
    private Path edited(Consumer<Map<String, String>> edit) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(ckpt);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        edit.accept(meta);
        Path out = dir.resolve("edited.safetensors");
        SafeTensors.write(out, c.tensors(), meta);
        return out;
    }

    @Test
    void missingUnknownAndNonCanonicalKeysAreRefused() throws IOException {
        assertTrue(refused(edited(m -> m.remove("checkpoint.epochs_done"))).getMessage().contains("'checkpoint.epochs_done' is missing"));
        assertTrue(refused(edited(m -> m.remove("checkpoint.dropout.drop"))).getMessage().contains("dropout.drop"));
        assertTrue(refused(edited(m -> m.put("checkpoint.epochs_dome", "2"))).getMessage().contains("unknown metadata key"));
        for (String bad : List.of("+2", "02", " 2", "2.0", "-1", "2147483648", "")) {
            ModelFormatException e = refused(edited(m -> m.put("checkpoint.epochs_done", bad)));
            assertTrue(e.getMessage().contains("epochs_done"), e.getMessage());
        }
        assertTrue(refused(edited(m -> m.put("checkpoint.optimizer_steps", "1e3"))).getMessage().contains("optimizer_steps"));
        assertTrue(refused(edited(m -> m.put("checkpoint.best_validation", "NaN"))).getMessage().contains("best_validation"));
        assertTrue(refused(edited(m -> m.put("checkpoint.history", "epoch\n1,2"))).getMessage().contains("history"));
    }

    /** The book's and PyTorch's Adam keep the same tensors but mean different things by them. */
    @Test
    void aCheckpointOfTheOtherAdamFormIsRefused() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1); Network n = net(cpu); Optimizer opt = Adam.pytorch(1e-3f)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.restore(ckpt, n, opt));
            assertTrue(e.getMessage().contains("written with optimizer Adam, resuming with Adam(pytorch)"), e.getMessage());
        }
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRefused() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1);
             Network other = new NetworkBuilder(cpu, Shape.of(1, 6, 6), 4).conv("conv1", 2, 3, 1, 0).relu("relu1")
                     .dropout("drop", 0.5f).affine("fc", 3).softmaxWithLoss();
             Optimizer opt = new Adam(1e-3f)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.restore(ckpt, other, opt));
            assertTrue(e.getMessage().contains("another architecture"), e.getMessage());
        }
    }
}
