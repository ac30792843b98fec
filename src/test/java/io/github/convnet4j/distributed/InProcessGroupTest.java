package io.github.convnet4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InProcessGroupTest {
    private final CpuBackend cpu = new CpuBackend(1);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void close() {
        pool.shutdownNow();
        cpu.close();
    }

    /** Runs {@code body} on every rank in its own thread and returns the ranks' results in rank order. */
    private <T> List<T> onEveryRank(List<Communicator> group, IntFunction<T> body) throws Exception {
        List<Future<T>> fs = new ArrayList<>();
        for (int r = 0; r < group.size(); r++) {
            int rank = r;
            fs.add(pool.submit(() -> body.apply(rank)));
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs) {
            out.add(f.get());
        }
        return out;
    }

    /** Rank r's values: distinct per rank and element, with fractions that make float sums order-dependent. */
    private static float[] values(int rank, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(1 + rank * 7.3 + i * 0.37) * (float) Math.pow(10, (i + rank) % 5 - 2);
        }
        return v;
    }

    @Test
    void allReduceSumsInRankOrderAndEveryRankGetsTheSameBits() throws Exception {
        int ranks = 3;
        int[] sizes = {1, 7, 1000};
        List<Communicator> group = InProcessGroup.create(ranks);
        List<List<float[]>> results = onEveryRank(group, r -> {
            List<Tensor> ts = new ArrayList<>();
            for (int s : sizes) {
                ts.add(cpu.tensor(values(r * 10 + s, s), Shape.of(s)));
            }
            List<float[]> got = new ArrayList<>();
            for (int round = 0; round < 3; round++) { // again and again: the host arrays are reused
                for (int i = 0; i < ts.size(); i++) {
                    ts.get(i).copyFrom(values(r * 10 + sizes[i] + round, sizes[i]));
                }
                group.get(r).allReduce(ts, ReduceOp.SUM);
            }
            ts.forEach(t -> got.add(t.toArray()));
            return got;
        });
        for (int i = 0; i < sizes.length; i++) {
            float[] expected = new float[sizes[i]];
            for (int r = 0; r < ranks; r++) { // the definition: ((v0 + v1) + v2), in float
                float[] v = values(r * 10 + sizes[i] + 2, sizes[i]);
                for (int j = 0; j < expected.length; j++) {
                    expected[j] = r == 0 ? v[j] : expected[j] + v[j];
                }
            }
            for (int r = 0; r < ranks; r++) {
                assertArrayEquals(expected, results.get(r).get(i), "tensor " + i + " on rank " + r);
            }
        }
    }

    @Test
    void meanDividesTheRankOrderSumByTheSize() throws Exception {
        List<Communicator> group = InProcessGroup.create(4);
        List<float[]> got = onEveryRank(group, r -> {
            Tensor t = cpu.tensor(new float[] {r, 2 * r + 1}, Shape.of(2));
            group.get(r).allReduce(List.of(t), ReduceOp.MEAN);
            return t.toArray();
        });
        for (float[] g : got) {
            assertArrayEquals(new float[] {1.5f, 4f}, g);
        }
    }

    @Test
    void broadcastCopiesTheRootsTensorsAndAllGatherReturnsEveryMessageByRank() throws Exception {
        List<Communicator> group = InProcessGroup.create(3);
        List<Object[]> got = onEveryRank(group, r -> {
            Tensor t = cpu.tensor(new float[] {r, r}, Shape.of(2));
            group.get(r).broadcast(List.of(t), 2);
            byte[][] all = group.get(r).allGather(new byte[] {(byte) (r + 40)});
            group.get(r).barrier();
            return new Object[] {t.toArray(), all};
        });
        for (Object[] g : got) {
            assertArrayEquals(new float[] {2, 2}, (float[]) g[0]);
            byte[][] all = (byte[][]) g[1];
            assertEquals(3, all.length);
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(new byte[] {(byte) (r + 40)}, all[r]);
            }
        }
    }

    @Test
    void ranksPassingDifferentSizesBreakTheGroupWithBothCallsNamed() throws Exception {
        List<Communicator> group = InProcessGroup.create(2);
        List<String> messages = onEveryRank(group, r -> {
            Tensor t = cpu.allocate(Shape.of(r == 0 ? 5 : 6));
            return assertThrows(CommunicatorException.class, () -> group.get(r).allReduce(List.of(t), ReduceOp.SUM))
                    .getMessage();
        });
        for (String m : messages) {
            assertTrue(m.contains("rank 0 called allReduce(1 tensors, 5 floats) but rank 1 called allReduce(1 tensors,"
                    + " 6 floats)"), m);
        }
    }

    @Test
    void anAbortingRankReleasesTheOthersWithItsReason() throws Exception {
        List<Communicator> group = InProcessGroup.create(3);
        List<String> messages = onEveryRank(group, r -> {
            if (r == 1) {
                sleep(200); // the others are already waiting
                group.get(1).abort(new IllegalStateException("out of memory on replica 1"));
                return "aborted";
            }
            Tensor t = cpu.allocate(Shape.of(3));
            return assertThrows(CommunicatorException.class, () -> group.get(r).allReduce(List.of(t), ReduceOp.SUM))
                    .getMessage();
        });
        assertTrue(messages.get(0).contains("rank 1 failed: java.lang.IllegalStateException: out of memory on replica 1"),
                messages.get(0));
        assertTrue(messages.get(2).contains("rank 1 failed"), messages.get(2));
        // and the group stays broken: a later call fails at once instead of waiting
        assertThrows(CommunicatorException.class, () -> group.get(0).barrier());
    }

    /** A rank that starts waiting just after the group broke must not wait for ranks that are gone. */
    @Test
    void noRankCanStartWaitingOnABrokenGroup() throws Exception {
        for (int round = 0; round < 200; round++) {
            List<Communicator> group = InProcessGroup.create(2, Duration.ofSeconds(30));
            long start = System.nanoTime();
            List<Boolean> failed = onEveryRank(group, r -> {
                if (r == 1) {
                    group.get(1).abort(new IllegalStateException("gone"));
                    return true;
                }
                try {
                    group.get(0).barrier();
                    return false;
                } catch (CommunicatorException e) {
                    return true;
                }
            });
            assertEquals(List.of(true, true), failed);
            assertTrue((System.nanoTime() - start) / 1e9 < 10, "round " + round + " waited for a rank that had aborted");
        }
    }

    /** Without timing: rank 0's error names rank 1's failure, never a timeout (over many abort races). */
    @Test
    void anAbortRaceAlwaysReportsTheAbortNotATimeout() throws Exception {
        for (int round = 0; round < 1000; round++) {
            List<Communicator> group = InProcessGroup.create(2, Duration.ofSeconds(30));
            List<String> messages = onEveryRank(group, r -> {
                if (r == 1) {
                    group.get(1).abort(new IllegalStateException("gone"));
                    return "";
                }
                return assertThrows(CommunicatorException.class, () -> group.get(0).barrier()).getMessage();
            });
            assertTrue(messages.get(0).contains("rank 1 failed") && !messages.get(0).contains("waited more than"),
                    messages.get(0));
        }
    }

    @Test
    void ranksGatheringMessagesOfDifferentLengthsBreakTheGroup() throws Exception {
        List<Communicator> group = InProcessGroup.create(2);
        List<String> messages = onEveryRank(group, r -> assertThrows(CommunicatorException.class,
                () -> group.get(r).allGather(new byte[r == 0 ? 8 : 1])).getMessage());
        for (String m : messages) {
            assertTrue(m.contains("rank 0 called allGather(8 bytes) but rank 1 called allGather(1 bytes)"), m);
        }
    }

    @Test
    void aRankThatNeverComesTimesTheOthersOut() throws Exception {
        List<Communicator> group = InProcessGroup.create(2, Duration.ofMillis(300));
        long start = System.nanoTime();
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> group.get(0).barrier());
        assertTrue(e.getMessage().contains("rank 0 waited more than"), e.getMessage());
        assertTrue((System.nanoTime() - start) / 1e9 < 10, "returned after the timeout");
    }

    @Test
    void aClosedRankRefusesCollectivesAndCloseIsIdempotent() {
        List<Communicator> group = InProcessGroup.create(1);
        group.get(0).barrier(); // a group of one never waits
        group.get(0).close();
        group.get(0).close();
        assertThrows(IllegalStateException.class, () -> group.get(0).barrier());
        assertThrows(IllegalArgumentException.class, () -> InProcessGroup.create(0));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
