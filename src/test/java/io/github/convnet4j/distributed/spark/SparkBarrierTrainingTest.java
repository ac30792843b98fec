package io.github.convnet4j.distributed.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.distributed.WeightsAgreement;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.train.Checkpoint;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's cluster part in Spark's local mode: 2 barrier tasks train like one replica with the
 * whole batch, a task failing mid-run makes Spark rerun the stage, which resumes from the checkpoint,
 * and replicas that are not alike stop the job.
 */
class SparkBarrierTrainingTest {
    private static final long SEED = 7;
    private static Dataset train;
    private static Normalization norm;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        train = DataSources.bundledSample().train(); // 2,000 images: 20 steps of 100 per epoch
        norm = Normalization.of(train);
    }

    /**
     * LeNet on the bundled sample, gradients all-reduced every step. Each collective of a Spark barrier task
     * takes about a second (Spark polls its barrier RPC once a second), so the tests keep their steps few.
     */
    private TrainingJob lenet(String run, int epochs, int batch, int checkEvery) {
        return TrainingJob.of("lenet", "sample", null, dir.resolve(run).toString(), 2).withEpochs(epochs, batch)
                .withSeedAndSync(SEED, 1, checkEvery);
    }

    /** The weights (parameters, then buffers) of the model file a job wrote. */
    private static List<float[]> written(TrainingJob job) throws IOException {
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = Models.build("lenet", cpu, train.itemShape(), train.classes(), 12345)) {
            ModelFile.loadWeights(net, Path.of(job.runDir()).resolve(BarrierTrainingTask.MODEL_FILE));
            return WeightsAgreement.weights(net);
        }
    }



    @Test
    void twoBarrierTasksWithHalfBatchesTakeTheStepsOfOneReplicaWithTheWholeBatch() throws IOException {
        TrainingJob job = lenet("two", 1, 100, 0);
        long start = System.nanoTime();
        List<String> log = DistributedTrainer.train(LocalSpark.context(), job);
        System.out.printf("2 Spark barrier tasks, LeNet, 20 steps of 100: %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("epoch: 1 ")), String.join("\n", log));
        try (CpuBackend cpu = new CpuBackend(2);
             Network net = Models.build("lenet", cpu, train.itemShape(), train.classes(), SEED);
             Optimizer adam = new Adam(1e-3f, 0.9f, 0.999f, 0f)) {
            Trainer.Config one = new Trainer.Config(1, 100, LearningRateSchedule.constant(1e-3), SEED, Augmentation.NONE,
                    0, 0, null, 1, false);
            new Trainer(net, adam, one, Map.of(), s -> { }).fit(train, null, norm, null);
            List<float[]> spark = written(job);
            assertNull(WeightsAgreement.disagreement(WeightsAgreement.names(net), WeightsAgreement.weights(net), spark, 1e-5));
            System.out.printf("2 Spark barrier tasks vs 1 replica: largest relative weight difference %.2e%n",
                    WeightsAgreement.worstRelative(WeightsAgreement.weights(net), spark));
        }
    }

    @Test
    void aTaskFailingAfterEpochOneFailsTheStageAndTheRerunResumesFromItsCheckpoint() throws IOException {
        TrainingJob whole = lenet("whole", 2, 1000, 0);
        TrainingJob failing = lenet("failing", 2, 1000, 0).withFaults(new FaultInjection(1, 0));
        DistributedTrainer.train(LocalSpark.context(), whole);
        List<String> log = DistributedTrainer.train(LocalSpark.context(), failing);
        String text = String.join("\n", log);
        // The log is the successful attempt's: the second one, which started after epoch 1.
        assertTrue(text.contains("(stage attempt 1)"), text);
        assertTrue(text.contains("resuming after epoch 1 from "), text);
        assertFalse(text.contains("epoch: 1 "), "the rerun trained epoch 1 again:\n" + text);
        assertTrue(text.contains("epoch: 2 "), text);
        List<String> history = Files.readAllLines(Path.of(failing.runDir()).resolve(Trainer.HISTORY_FILE));
        assertEquals(3, history.size(), "a header and 2 epochs: " + history);
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = Models.build("lenet", cpu, train.itemShape(), train.classes(), 1);
             Optimizer adam = new Adam(1e-3f)) {
            Checkpoint.Progress p = Checkpoint.restore(Path.of(failing.runDir()).resolve(Trainer.CHECKPOINT_FILE), net,
                    adam);
            assertEquals(2, p.epochsDone());
            assertEquals(2, p.history().size());
        }
        List<float[]> expected = written(whole);
        List<float[]> resumed = written(failing);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), resumed.get(i), "tensor " + i + " after the resumed run");
        }
    }

    @Test
    void replicasBuiltWithDifferentSeedsFailTheJobNamingTheDivergence() {
        TrainingJob job = lenet("diverged", 1, 1000, 1).withFaults(new FaultInjection(0, 1));
        DistributedTrainingException e = assertThrows(DistributedTrainingException.class,
                () -> DistributedTrainer.train(LocalSpark.context(), job));
        assertTrue(e.getMessage().contains("the replicas' weights disagree"), e.getMessage());
        assertTrue(e.getMessage().contains("ReplicasDivergedException"), e.getMessage());
        // A retry would fail the same way: the retried attempt stops at once with the recorded failure.
        assertTrue(e.getMessage().contains("not retried: it would fail the same way"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aRunFolderHoldingARunIsContinuedOnlyWithResume() throws IOException {
        TrainingJob job = lenet("held", 1, 100, 0);
        Files.createDirectories(Path.of(job.runDir()));
        Files.writeString(Path.of(job.runDir()).resolve(Trainer.CHECKPOINT_FILE), "not a checkpoint");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistributedTrainer.train(LocalSpark.context(), job));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
    }
}
