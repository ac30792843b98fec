package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Datasets;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Early stopping ends with the best validation epoch's weights, also across a resume, and says which epoch. */
class EarlyStoppingTest {
    private static final double VALIDATION = 0.25;
    private static final long SEED = 5;

    @TempDir
    Path dir;

    private static Network net(CpuBackend cpu) {
        return new NetworkBuilder(cpu, Shape.of(1, 28, 28), 3)
                .conv("conv1", 4, 5, 1, 0).batchNorm("bn1").relu("relu1").maxPool("pool1", 2, 2)
                .flatten("flat").affine("fc1", 10).softmaxWithLoss();
    }

    /** Two good epochs, then a learning rate 200 times larger that wrecks the network: the best epoch is early. */
    private static Trainer.Config config(int epochs, Path runDir) {
        return new Trainer.Config(epochs, 50, LearningRateSchedule.step(2e-3, 2, 200), SEED, Augmentation.NONE,
                VALIDATION, 2, runDir, 1, false);
    }

    private static Dataset train() throws IOException {
        return DataSources.bundledSample().train().head(400);
    }

    private static List<float[]> state(Network n) {
        List<float[]> w = new ArrayList<>();
        n.parameters().forEach(p -> w.add(p.value().toArray()));
        n.buffers().values().forEach(t -> w.add(t.toArray()));
        return w;
    }

    private static int bestEpoch(List<EpochRecord> history) {
        EpochRecord best = history.get(0);
        for (EpochRecord r : history) {
            if (r.validationAccuracy() > best.validationAccuracy()) {
                best = r;
            }
        }
        return best.epoch();
    }

    @Test
    void theBestValidationEpochIsKeptAndNamed() throws IOException {
        Dataset train = train();
        Normalization norm = Normalization.of(train);
        Dataset validation = Datasets.split(train, (int) Math.round(train.size() * VALIDATION), SEED)[1];
        List<String> log = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            List<EpochRecord> h = new Trainer(n, opt, config(8, null), Map.of(), log::add).fit(train, null, norm, null);
            int best = bestEpoch(h);
            int last = h.get(h.size() - 1).epoch();
            assertTrue(best < last, "the schedule must make a later epoch worse: " + h);
            assertTrue(log.contains(String.format(java.util.Locale.ROOT, "kept the weights of epoch %d, the best"
                    + " validation accuracy (%.4f), not those of the last epoch %d", best,
                    h.get(best - 1).validationAccuracy(), last)), log.toString());
            // The network now scores what the best epoch scored, not what the last one did.
            assertEquals(h.get(best - 1).validationAccuracy(), Evaluation.of(n, validation, norm, 50).accuracy(), 0.0);
            assertTrue(h.get(best - 1).validationAccuracy() > h.get(last - 1).validationAccuracy());
        }
    }

    @Test
    void aResumedRunKeepsTheSameBestEpochAsAnUninterruptedOne() throws IOException {
        Dataset train = train();
        Normalization norm = Normalization.of(train);
        List<float[]> straight;
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            new Trainer(n, opt, config(8, dir.resolve("a")), Map.of(), s -> { }).fit(train, null, norm, null);
            straight = state(n);
        }
        Path run = dir.resolve("b");
        List<EpochRecord> first;
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            first = new Trainer(n, opt, config(3, run), Map.of(), s -> { }).fit(train, null, norm, null);
        }
        // The checkpoint after epoch 3 holds epoch 3's weights; the best epoch is earlier and only in best.safetensors.
        assertTrue(bestEpoch(first) < 3 && Files.isRegularFile(run.resolve(BestWeights.FILE)), first.toString());
        List<String> log = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(2); Network n = net(cpu); Optimizer opt = new Adam(2e-3f)) {
            Checkpoint.Progress p = Checkpoint.restore(run.resolve(Trainer.CHECKPOINT_FILE), n, opt);
            new Trainer(n, opt, config(8, run), Map.of(), log::add).fit(train, null, norm, p);
            List<float[]> resumed = state(n);
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i), resumed.get(i), "tensor " + i);
            }
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("kept the weights of epoch ")), log.toString());
    }

    /** The planted fault: a state that is not restored must be seen as different. */
    @Test
    void restoringPutsBackExactlyWhatWasSaved() {
        try (CpuBackend cpu = new CpuBackend(1); Network n = net(cpu)) {
            BestWeights best = new BestWeights(n, null);
            assertEquals(0, best.epoch());
            best.save(4, Map.of());
            List<float[]> saved = state(n);
            n.parameters().get(0).value().copyFrom(new float[n.parameters().get(0).value().size()]);
            n.buffers().values().iterator().next().copyFrom(new float[4]);
            assertTrue(!java.util.Arrays.equals(saved.get(0), state(n).get(0)), "the perturbation must show");
            assertTrue(best.restore());
            List<float[]> back = state(n);
            for (int i = 0; i < saved.size(); i++) {
                assertArrayEquals(saved.get(i), back.get(i));
            }
            assertEquals(4, best.epoch());
        }
    }
}
