package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.Sgd;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path dir;

    /** A small net with dropout and batch norm, so their state must survive a resume too. */
    private static Network net(CpuBackend cpu) {
        return new NetworkBuilder(cpu, Shape.of(1, 28, 28), 3)
                .conv("conv1", 4, 5, 1, 0).batchNorm("bn1").relu("relu1").maxPool("pool1", 2, 2)
                .flatten("flat").dropout("drop", 0.3f).affine("fc1", 10).softmaxWithLoss();
    }

    private static Dataset train() throws IOException {
        return DataSources.bundledSample().train().head(400);
    }

    private static Trainer.Config config(int epochs, Path ckpt) {
        return new Trainer.Config(epochs, 50, LearningRateSchedule.step(2e-3, 1, 0.5), 11, new Augmentation(2, true, 0f),
                0.1, 0, ckpt, 1, false);
    }

    private static List<float[]> weights(Network n) {
        List<float[]> w = new ArrayList<>();
        n.parameters().forEach(p -> w.add(p.value().toArray()));
        n.buffers().values().forEach(t -> w.add(t.toArray()));
        return w;
    }

    @Test
    void resumedTrainingEqualsUninterruptedTraining() throws IOException {
        Dataset train = train();
        Normalization norm = Normalization.of(train);
        List<float[]> straight;
        List<EpochRecord> straightHistory;
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            straightHistory = new Trainer(n, opt, config(3, dir.resolve("a")), Map.of(), s -> { })
                    .fit(train, null, norm, null);
            straight = weights(n);
        }
        Path ckpt = dir.resolve("b");
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            new Trainer(n, opt, config(2, ckpt), Map.of(), s -> { }).fit(train, null, norm, null); // "interrupted" after 2
        }
        List<float[]> resumed;
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            Checkpoint.Progress p = Checkpoint.restore(ckpt.resolve(Trainer.CHECKPOINT_FILE), n, opt);
            assertEquals(2, p.epochsDone());
            List<EpochRecord> h = new Trainer(n, opt, config(3, ckpt), Map.of(), s -> { }).fit(train, null, norm, p);
            assertEquals(3, h.size());
            assertEquals(straightHistory.get(2).loss(), h.get(2).loss(), 0.0, "third epoch's loss");
            resumed = weights(n);
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i), resumed.get(i), "tensor " + i + " bit-identical after resume");
        }
        assertTrue(Files.readString(ckpt.resolve(Trainer.HISTORY_FILE)).lines().count() == 4);
    }

    @Test
    void aNaNLossStopsTrainingAndKeepsTheLastGoodCheckpoint() throws IOException {
        Dataset train = train();
        Normalization norm = Normalization.of(train);
        Path ckpt = dir.resolve("nan");
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Sgd(0.01f)) {
            Trainer.Config ok = new Trainer.Config(1, 50, LearningRateSchedule.constant(0.01), 1, Augmentation.NONE,
                    0, 0, ckpt, 1, false);
            new Trainer(n, opt, ok, Map.of(), s -> { }).fit(train, null, norm, null);
            byte[] good = Files.readAllBytes(ckpt.resolve(Trainer.CHECKPOINT_FILE));
            // Poison the weights: the next epoch's loss is NaN.
            Parameter w = n.parameter("fc1.weight");
            float[] v = w.value().toArray();
            v[0] = Float.NaN;
            w.value().copyFrom(v);
            Trainer.Config more = new Trainer.Config(3, 50, LearningRateSchedule.constant(0.01), 1, Augmentation.NONE,
                    0, 0, ckpt, 1, false);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> new Trainer(n, opt, more, Map.of(), s -> { }).fit(train, null, norm,
                            new Checkpoint.Progress(1, List.of(), Double.NEGATIVE_INFINITY, 0)));
            assertTrue(e.getMessage().contains("epoch 2") && e.getMessage().contains("NaN")
                    && e.getMessage().contains("unchanged"), e.getMessage());
            assertArrayEquals(good, Files.readAllBytes(ckpt.resolve(Trainer.CHECKPOINT_FILE)));
        }
    }

    @Test
    void earlyStoppingAndSchedules() throws IOException {
        Dataset train = train();
        Normalization norm = Normalization.of(train);
        List<String> lines = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(2);
             Network n = new NetworkBuilder(cpu, Shape.of(1, 28, 28), 3).conv("conv1", 4, 5, 1, 0).relu("relu1")
                     .maxPool("pool1", 2, 2).affine("fc1", 10).softmaxWithLoss();
             Optimizer opt = new Sgd(1e-9f)) {
            // A learning rate this small (and no batch norm) cannot improve validation accuracy:
            // patience 2 stops at epoch 3.
            Trainer.Config cfg = new Trainer.Config(10, 50, LearningRateSchedule.constant(1e-9), 1, Augmentation.NONE,
                    0.2, 2, null, 1, false);
            List<EpochRecord> h = new Trainer(n, opt, cfg, Map.of(), lines::add).fit(train, null, norm, null);
            assertEquals(3, h.size());
            assertTrue(lines.get(lines.size() - 2).startsWith("early stopping"), lines.toString());
            assertTrue(lines.get(lines.size() - 1).startsWith("kept the weights of epoch 1,"), lines.toString());
            assertTrue(lines.get(0).matches("epoch: 1 loss:\\d\\.\\d{4} acc:0\\.\\d{4} test:NaN val:0\\.\\d{4} lr:.* time:.*s eval:.*s"),
                    lines.get(0));
        }
        assertEquals(0.1, LearningRateSchedule.step(0.1, 2, 0.5).rate(1), 1e-12);
        assertEquals(0.05, LearningRateSchedule.step(0.1, 2, 0.5).rate(2), 1e-12);
        assertEquals(0.1, LearningRateSchedule.cosine(0.1, 0, 10).rate(0), 1e-12);
        assertEquals(0.05, LearningRateSchedule.cosine(0.1, 0, 10).rate(5), 1e-12);
        assertEquals(0.0, LearningRateSchedule.cosine(0.1, 0, 10).rate(10), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("linear", 0.1, 3));
    }

    /** 130 items in batches of 50: the last batch has 30, and the epoch loss must be the mean over all 130. */
    @Test
    void epochLossIsTheMeanOverAllItemsWithAShortLastBatch() throws IOException {
        Dataset train = DataSources.bundledSample().train().head(130);
        Normalization norm = Normalization.of(train);
        try (CpuBackend cpu = new CpuBackend(2);
             Network n = new NetworkBuilder(cpu, Shape.of(1, 28, 28), 5).flatten("flat").affine("fc1", 10)
                     .softmaxWithLoss();
             Optimizer opt = new Sgd(1e-30f)) {
            // A rate this small leaves the weights as they are, so every batch sees the same network.
            Trainer.Config cfg = new Trainer.Config(1, 50, LearningRateSchedule.constant(1e-30), 1, Augmentation.NONE,
                    0, 0, null, 1, false);
            double epochLoss = new Trainer(n, opt, cfg, Map.of(), s -> { }).fit(train, null, norm, null).get(0).loss();
            double exact;
            try (BatchLoader all = new BatchLoader(train, 130, false, 0, norm, Augmentation.NONE)) {
                all.startEpoch(0);
                BatchLoader.Batch b = all.next();
                try (var x = cpu.tensor(b.images(), Shape.of(130, 1, 28, 28));
                     var t = cpu.tensor(b.labels(), Shape.of(130))) {
                    exact = n.loss(x, t);
                }
            }
            assertEquals(exact, epochLoss, 1e-5 * exact, "epoch loss against the mean loss over all 130 items");
        }
    }

    @Test
    void stepScheduleWhoseRateReachesZeroIsRefusedUpFront() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.parse("step:2:0", 0.1, 5));
        assertTrue(e.getMessage().contains("step:2:0") && e.getMessage().contains("gamma"), e.getMessage());
        IllegalArgumentException underflow = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.parse("step:1:1e-30", 0.1, 5));
        assertTrue(underflow.getMessage().contains("epoch 3 of 5"), underflow.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(0.1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(0.1, 2, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("cosine:-0.1", 0.1, 5));
        IllegalArgumentException config = assertThrows(IllegalArgumentException.class, () -> new Trainer.Config(4, 50,
                epoch -> epoch < 2 ? 0.1 : 0, 1, Augmentation.NONE, 0, 0, null, 1, false));
        assertTrue(config.getMessage().contains("epoch 3 of 4"), config.getMessage());
        assertEquals(0.1, LearningRateSchedule.parse("step:2:0.5", 0.1, 5).rate(0), 1e-12);
        assertEquals(0.1, LearningRateSchedule.parse("step:2:1", 0.1, 5).rate(4), 1e-12);
        assertEquals(0.05, LearningRateSchedule.parse("step:2:0.5", 0.1, 5).rate(2), 1e-12);
    }

    /** A malformed schedule says which number is wrong, in words (not "For input string"). */
    @Test
    void malformedSchedulesNameThePart() {
        String[][] cases = {
            {"cosine:abc", "bad schedule 'cosine:abc': MIN_LR must be a number, got 'abc'"},
            {"step:x:0.5", "bad schedule 'step:x:0.5': SIZE must be a whole number, got 'x'"},
            {"step:2:", "bad schedule 'step:2:': GAMMA must be a number, got ''"},
            {"constant:3", "bad schedule 'constant:3': constant takes at most 0 numbers after it"},
            {"cosine:0:1", "bad schedule 'cosine:0:1': cosine takes at most 1 number after it"},
            {"linear", "unknown schedule 'linear'"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LearningRateSchedule.parse(c[0], 0.1, 5), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
            assertTrue(!e.getMessage().contains("For input string"), e.getMessage());
        }
    }

    @Test
    void evaluationCountsPrecisionAndRecall() {
        Evaluation e = new Evaluation(new int[][]{{3, 1}, {0, 4}}, List.of("a", "b"));
        assertEquals(7 / 8.0, e.accuracy(), 1e-12);
        assertEquals(1.0, e.precision(0), 1e-12);
        assertEquals(0.75, e.recall(0), 1e-12);
        assertEquals(0.8, e.precision(1), 1e-12);
        assertTrue(e.report().contains("confusion matrix"));
    }
}
