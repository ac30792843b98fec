package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.nn.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --replicas N}: data-parallel replicas in one JVM, through the real command line. */
class ReplicasCliTest {
    @TempDir
    Path dir;

    @Test
    void twoReplicasTrainResumeAndWriteOneModel() throws Exception {
        Path run = dir.resolve("run");
        CliRun.Result r = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "600",
                "--replicas", "2", "--run-dir", run.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("2 replicas on backend cpu, 50 images of every batch of 100 each"), r.out());
        assertTrue(r.out().matches("(?s).*epoch: 1 loss:\\d+\\.\\d+ acc:0\\.\\d+ test:0\\.\\d+ .*"), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("epoch: ")).count(), "only rank 0 logs: " + r.out());

        CliRun.Result resumed = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "2", "--limit",
                "600", "--replicas", "2", "--run-dir", run.toString(), "--resume", "--no-progress");
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming after epoch 1") && resumed.out().contains("epoch: 2 "), resumed.out());
        assertEquals(3, Files.readAllLines(run.resolve("history.csv")).size(), "header and two epochs");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = ModelFile.load(cpu, run.resolve("model.safetensors")).network()) {
            assertEquals(61706, net.parameterCount());
        }
    }

    @Test
    void localSgdWithSyncEveryTrains() {
        CliRun.Result r = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "400",
                "--replicas", "2", "--sync-every", "4", "--run-dir", dir.resolve("k4").toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("epoch: 1 "), r.out());
    }

    @Test
    void badReplicaOptionsAreOneLineErrors() {
        String[][] cases = {
            {"convnet4j: --replicas must be between 1 and 256, got 0", "--replicas", "0"},
            {"convnet4j: --replicas must be between 1 and 256, got 1000", "--replicas", "1000"},
            {"convnet4j: --sync-every must be at least 1, got 0", "--sync-every", "0"},
            {"convnet4j: --replicas 3 is more than --batch 2: every replica needs at least one image of each batch"
                    + " (--batch is the global batch)", "--replicas", "3", "--batch", "2"},
        };
        CliRun.assertTrainRefuses(dir, cases);
    }
}
