package io.github.convnet4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.Sgd;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.EpochRecord;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.LocalReplicas;
import io.github.convnet4j.train.Trainer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training against its definition: N replicas, each on 1/N of every global batch,
 * take the steps that one replica takes on the whole batch (issue 13: LeNet, 20 steps, global batch
 * 100, within 1e-5 relative).
 */
class DataParallelTrainingTest {
    private static final long SEED = 7;
    private static Dataset train;
    private static Normalization norm;

    @BeforeAll
    static void data() throws IOException {
        train = DataSources.bundledSample().train(); // 2,000 real images: 20 steps of 100
        test = DataSources.bundledSample().test().head(333); // scored in pieces of 166 and 167 by two replicas
        norm = Normalization.of(train);
    }

    private static Trainer.Config oneEpoch(int batch) {
        return new Trainer.Config(1, batch, LearningRateSchedule.constant(1e-3), SEED, Augmentation.NONE, 0, 0, null, 1,
                false);
    }

    /** What training produced: rank 0's weights (or the single replica's), every rank's, and rank 0's history. */
    private record Outcome(List<String> names, List<float[]> weights, List<List<float[]>> perRank, List<EpochRecord> history) {
    }



    private static Dataset test;

    private static Outcome single(Dataset data, int batch, BiFunction<Backend, Long, Network> model) {
        try (CpuBackend cpu = new CpuBackend(2); Network net = model.apply(cpu, SEED); Optimizer opt = new Adam(1e-3f)) {
            List<EpochRecord> h = new Trainer(net, opt, oneEpoch(batch), Map.of(), s -> { }).fit(data, test, norm, null);
            return new Outcome(WeightsAgreement.names(net), WeightsAgreement.weights(net), List.of(WeightsAgreement.weights(net)), h);
        }
    }

    private static Outcome replicated(Dataset data, int batch, int replicas, int syncEvery, int checkEvery,
                                      BiFunction<Backend, Long, Network> model, long[] seeds) {
        return withReplicas(replicas, (cpu, r) -> new LocalReplicas.Replica(model.apply(cpu, seeds == null ? SEED
                : seeds[r]), new Adam(1e-3f)), list -> {
            List<EpochRecord> h = LocalReplicas.fit(list, oneEpoch(batch), Map.of(), s -> { }, data, test, norm, null,
                    syncEvery, checkEvery);
            List<List<float[]>> per = new ArrayList<>();
            list.forEach(r -> per.add(WeightsAgreement.weights(r.network())));
            return new Outcome(WeightsAgreement.names(list.get(0).network()), per.get(0), per, h);
        });
    }

    /** Builds one replica per rank, each on a one-thread CPU backend of its own, runs {@code body}, and closes them all. */
    private static <T> T withReplicas(int replicas, BiFunction<CpuBackend, Integer, LocalReplicas.Replica> make,
                                      java.util.function.Function<List<LocalReplicas.Replica>, T> body) {
        List<CpuBackend> backends = new ArrayList<>();
        List<LocalReplicas.Replica> list = new ArrayList<>();
        try {
            for (int r = 0; r < replicas; r++) {
                CpuBackend cpu = new CpuBackend(1);
                backends.add(cpu);
                list.add(make.apply(cpu, r));
            }
            return body.apply(list);
        } finally {
            list.forEach(r -> {
                r.optimizer().close();
                r.network().close();
            });
            backends.forEach(CpuBackend::close);
        }
    }

    private static Network lenet(Backend b, long seed) {
        return LeNet.modern(b, 10, seed);
    }

    @Test
    void twoReplicasWithHalfBatchesTakeTheStepsOfOneReplicaWithTheWholeBatch() {
        Outcome one = single(train, 100, DataParallelTrainingTest::lenet);
        Outcome two = replicated(train, 100, 2, 1, 5, DataParallelTrainingTest::lenet, null);
        assertEquals(20, 2000 / 100, "20 steps");
        assertNull(WeightsAgreement.disagreement(one.names(), one.weights(), two.weights(), 1e-5));
        System.out.printf("2 replicas vs 1, LeNet, 20 steps of 100: largest relative weight difference %.2e%n",
                WeightsAgreement.worstRelative(one.weights(), two.weights()));
        for (int i = 0; i < two.weights().size(); i++) { // the replicas themselves agree bit for bit
            assertArrayEquals(two.perRank().get(0).get(i), two.perRank().get(1).get(i), two.names().get(i));
        }
        EpochRecord a = one.history().get(0);
        EpochRecord b = two.history().get(0);
        assertEquals(a.loss(), b.loss(), 1e-5 * a.loss(), "the epoch's mean loss, summed over the replicas");
        assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.0, "the epoch's correct predictions, summed over the replicas");
        assertEquals(a.testAccuracy(), b.testAccuracy(), 1.0 / 333, "test accuracy, each replica scoring its piece");
        assertTrue(b.testAccuracy() > 0.5, "test accuracy " + b.testAccuracy());
    }

    @Test
    void theComparisonCanFailReplicasThatDoNotAverageGradientsAndAPlantedWeightErrorAreCaught() {
        Outcome one = single(train, 100, DataParallelTrainingTest::lenet);
        // Each replica steps on its own half for 20 steps; the weights are averaged only at the epoch's end.
        Outcome local = replicated(train, 100, 2, 1000, 0, DataParallelTrainingTest::lenet, null);
        String d = WeightsAgreement.disagreement(one.names(), one.weights(), local.weights(), 1e-5);
        assertNotNull(d, "replicas that never averaged their gradients passed");
        List<float[]> planted = new ArrayList<>();
        one.weights().forEach(w -> planted.add(w.clone()));
        float[] fc2 = planted.get(one.names().indexOf("fc2.bias"));
        fc2[3] += 1e-3f * Math.max(1e-3f, Math.abs(fc2[3]));
        String p = WeightsAgreement.disagreement(one.names(), one.weights(), planted, 1e-5);
        assertNotNull(p, "a planted bias error passed");
        assertTrue(p.startsWith("fc2.bias: element 3"), p);
    }

    @Test
    void threeUnevenReplicasAndAShortLastBatchThatLeavesOneReplicaNothing() {
        Dataset data = train.head(1902); // 19 batches of 100 (33/33/34), then 2 images: rank 0 gets none
        Outcome one = single(data, 100, DataParallelTrainingTest::lenet);
        Outcome three = replicated(data, 100, 3, 1, 4, DataParallelTrainingTest::lenet, null);
        assertNull(WeightsAgreement.disagreement(one.names(), one.weights(), three.weights(), 1e-5));
        for (int r = 1; r < 3; r++) {
            for (int i = 0; i < three.weights().size(); i++) {
                assertArrayEquals(three.perRank().get(0).get(i), three.perRank().get(r).get(i), "rank " + r);
            }
        }
    }

    /** Batch norm (per-replica statistics) and dropout (a mask sequence per replica): replicas still end alike. */
    private static Network bnDropout(Backend b, long seed) {
        return new NetworkBuilder(b, Shape.of(1, 28, 28), seed)
                .conv("conv1", 4, 5, 1, 0).batchNorm("bn1").relu("relu1").maxPool("pool1", 2, 2)
                .flatten("flat").dropout("drop", 0.3f).affine("fc1", 10).softmaxWithLoss();
    }

    @Test
    void withBatchNormAndDropoutTheReplicasAgreeAndTheRunningStatisticsAreTheirMean() {
        Outcome two = replicated(train.head(400), 50, 2, 1, 2, DataParallelTrainingTest::bnDropout, null);
        for (int i = 0; i < two.weights().size(); i++) {
            assertArrayEquals(two.perRank().get(0).get(i), two.perRank().get(1).get(i), two.names().get(i));
        }
        Outcome one = single(train.head(400), 50, DataParallelTrainingTest::bnDropout);
        // Not the single replica's steps (statistics over 25 images, other dropout masks), but the same training.
        double a = one.history().get(0).loss();
        double b = two.history().get(0).loss();
        assertTrue(Double.isFinite(b) && Math.abs(a - b) < 0.15 * a, "loss " + b + " against one replica's " + a);
        assertNotNull(WeightsAgreement.disagreement(one.names(), one.weights(), two.weights(), 1e-5),
                "per-replica statistics and masks should make a difference here");
    }

    @Test
    void aReplicaBuiltWithAnotherSeedIsCaughtBeforeTheFirstStep() {
        ReplicasDivergedException e = assertThrows(ReplicasDivergedException.class, () -> replicated(train.head(1000),
                100, 2, 1, 3, DataParallelTrainingTest::lenet, new long[] {SEED, SEED + 1}));
        assertTrue(e.getMessage().contains("before the first step"), e.getMessage());
        assertTrue(e.getMessage().contains("but rank 1 ("), e.getMessage());
    }

    @Test
    void runningStatisticsAreAveragedAndDropoutMasksDifferPerReplica() throws Exception {
        List<Communicator> group = InProcessGroup.create(2);
        try (CpuBackend a = new CpuBackend(1); CpuBackend b = new CpuBackend(1);
             Network n0 = bnDropout(a, SEED); Network n1 = bnDropout(b, SEED)) {
            String mean = n0.buffers().keySet().stream().filter(k -> k.endsWith("running_mean")).findFirst().orElseThrow();
            n0.buffers().get(mean).copyFrom(new float[] {1, 1, 1, 1});
            n1.buffers().get(mean).copyFrom(new float[] {3, 5, 3, -1});
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                java.util.concurrent.Future<Long> s0 = pool.submit(() -> sync(group.get(0), n0));
                java.util.concurrent.Future<Long> s1 = pool.submit(() -> sync(group.get(1), n1));
                assertTrue(s0.get() != s1.get(), "rank 1 must draw dropout masks of its own");
            } finally {
                pool.shutdownNow();
            }
            assertArrayEquals(new float[] {2, 3, 2, 0}, n0.buffers().get(mean).toArray());
            assertArrayEquals(new float[] {2, 3, 2, 0}, n1.buffers().get(mean).toArray());
        }
    }

    /** Joins as a replica, averages the statistics, and returns the dropout layer's mask seed. */
    private static long sync(Communicator comm, Network net) {
        try (DataParallel dp = new DataParallel(comm, net, 1, 0)) {
            dp.synchronizeState("in the test");
            return net.layers().stream().filter(l -> l instanceof io.github.convnet4j.nn.Dropout)
                    .mapToLong(l -> ((io.github.convnet4j.nn.Dropout) l).seed()).findFirst().orElseThrow();
        }
    }

    @Test
    void aReplicaWhoseWeightFlipsOneBitIsCaught() {
        withReplicas(2, (cpu, r) -> {
            Network net = lenet(cpu, SEED);
            return new LocalReplicas.Replica(net, r == 0 ? new Adam(1e-3f) : new BitFlipAfter(3, net.parameter("conv2.weight")));
        }, list -> {
            ReplicasDivergedException e = assertThrows(ReplicasDivergedException.class, () -> LocalReplicas.fit(list,
                    oneEpoch(100), Map.of(), s -> { }, train.head(1000), null, norm, null, 1, 4));
            assertTrue(e.getMessage().contains("after step 4"), e.getMessage());
            return null;
        });
    }

    @Test
    void aFailingReplicaStopsTheOthersAndItsOwnErrorIsReported() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> withReplicas(3, (cpu, r) -> new LocalReplicas.Replica(
                lenet(cpu, SEED), r == 2 ? new FailingAfter(2) : new Adam(1e-3f)), list -> {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalReplicas.fit(list,
                            oneEpoch(99), Map.of(), s -> { }, train.head(990), null, norm, null, 1, 0));
                    assertEquals("replica's optimizer failed on step 3", e.getMessage());
                    return null;
                }));
    }

    /** Adam that flips the lowest mantissa bit of one weight after {@code steps} steps: memory gone bad on one worker. */
    private static final class BitFlipAfter extends Optimizer {
        private final Adam adam = new Adam(1e-3f);
        private final int steps;
        private final Parameter victim;

        BitFlipAfter(int steps, Parameter victim) {
            super(1e-3f, 0f);
            this.steps = steps;
            this.victim = victim;
        }

        @Override
        public void step(List<Parameter> parameters) {
            super.step(parameters);
            adam.step(parameters);
            if (steps() == steps) {
                float[] w = victim.value().toArray();
                w[17] = Float.intBitsToFloat(Float.floatToRawIntBits(w[17]) ^ 1);
                victim.value().copyFrom(w);
            }
        }

        @Override
        public int stateCount() {
            return 0;
        }

        @Override
        protected void update(Backend b, Parameter p, Tensor[] state, float weightDecay) {
        }

        @Override
        public void close() {
            adam.close();
            super.close();
        }
    }

    /** SGD that throws on step {@code n + 1}. */
    private static final class FailingAfter extends Optimizer {
        private final int n;

        FailingAfter(int n) {
            super(1e-3f, 0f);
            this.n = n;
        }

        @Override
        public void step(List<Parameter> parameters) {
            if (steps() == n) {
                throw new IllegalStateException("replica's optimizer failed on step " + (n + 1));
            }
            super.step(parameters);
        }

        @Override
        public int stateCount() {
            return 0;
        }

        @Override
        protected void update(Backend b, Parameter p, Tensor[] state, float weightDecay) {
            b.sgdStep(p.value(), p.gradient(), learningRate(), weightDecay);
        }
    }
}
