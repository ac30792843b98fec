package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker pool: every index once, the same split whatever the caller, failures reported, callers from many threads. */
class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnceInTheFixedSplit() {
        try (Parallel par = new Parallel(3)) {
            for (int n : new int[]{1, 2, 3, 7, 100, 1001}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                List<int[]> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
                par.forChunks(n, 8, (from, to) -> {
                    chunks.add(new int[]{from, to});
                    for (int i = from; i < to; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "index " + i + " of " + n);
                }
                assertEquals(Math.min(8, n), chunks.size(), "chunks of " + n);
                for (int[] c : chunks) {
                    int piece = java.util.stream.IntStream.range(0, Math.min(8, n))
                            .filter(i -> Parallel.chunkStart(n, Math.min(8, n), i) == c[0]).findFirst().orElse(-1);
                    assertTrue(piece >= 0 && Parallel.chunkStart(n, Math.min(8, n), piece + 1) == c[1],
                            "chunk [" + c[0] + ", " + c[1] + ") is not one of the fixed split of " + n);
                }
            }
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAfterAllTasksEnd() {
        try (Parallel par = new Parallel(2)) {
            AtomicIntegerArray ran = new AtomicIntegerArray(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> par.forRange(2, (from, to) -> {
                ran.incrementAndGet(from);
                if (from == 1) {
                    throw new IllegalArgumentException("chunk " + from);
                }
            }));
            assertEquals("chunk 1", e.getMessage());
            assertEquals(1, ran.get(0));
            // The pool still works afterwards.
            AtomicIntegerArray again = new AtomicIntegerArray(4);
            par.forRange(4, (from, to) -> again.incrementAndGet(from));
            assertEquals(2, again.get(0) + again.get(2));
        }
    }

    @Test
    void theCallersErrorIsThrownAsItIs() {
        try (Parallel par = new Parallel(2)) {
            StackOverflowError e = assertThrows(StackOverflowError.class, () -> par.forRange(2, (from, to) -> {
                if (from == 0) {
                    throw new StackOverflowError("caller");
                }
            }));
            assertEquals("caller", e.getMessage());
        }
    }

    /** Loops started from inside a loop, and from many threads at once, run whole on their own thread. */
    @Test
    void nestedAndConcurrentLoopsAllComplete() throws Exception {
        try (Parallel par = new Parallel(2)) {
            AtomicIntegerArray inner = new AtomicIntegerArray(2 * 50);
            par.forRange(2, (from, to) -> par.forRange(50, (a, b) -> {
                for (int i = a; i < b; i++) {
                    inner.incrementAndGet(from * 50 + i);
                }
            }));
            for (int i = 0; i < inner.length(); i++) {
                assertEquals(1, inner.get(i), "nested index " + i);
            }
            int callers = 8;
            AtomicIntegerArray counts = new AtomicIntegerArray(callers * 1000);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                threads.add(new Thread(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        par.forRange(1000, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                counts.incrementAndGet(caller * 1000 + i);
                            }
                        });
                    }
                }));
            }
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join(20_000);
            }
            for (int i = 0; i < counts.length(); i++) {
                assertEquals(200, counts.get(i), "caller " + i / 1000 + " index " + i % 1000);
            }
        }
    }

    @Test
    void afterCloseLoopsRunOnTheCallingThread() {
        Parallel par = new Parallel(3);
        par.close();
        par.close();
        Thread me = Thread.currentThread();
        par.forRange(3, (from, to) -> assertSame(me, Thread.currentThread()));
    }

    @Test
    void aLoopInFlightWhenThePoolClosesStillRunsEveryIndexOnce() {
        for (int trial = 0; trial < 50; trial++) {
            Parallel par = new Parallel(3);
            AtomicIntegerArray seen = new AtomicIntegerArray(300);
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> par.forChunks(300, 3, (from, to) -> {
                if (from == 0) {
                    par.close();        // e.g. a Classifier closed while a prediction runs
                }
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            }));
            for (int i = 0; i < 300; i++) {
                assertEquals(1, seen.get(i), "index " + i + " in trial " + trial);
            }
        }
    }

    @Test
    void anInterruptedWorkerGoesBackToSleep() throws Exception {
        try (Parallel par = new Parallel(2)) {
            Thread[] worker = new Thread[1];
            par.forChunks(2, 2, (from, to) -> {
                if (from == 1) {
                    worker[0] = Thread.currentThread();
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(worker[0] != null && worker[0] != Thread.currentThread(), "the second chunk ran on the worker");
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            Thread.sleep(100);                          // past the spin phase
            long before = mx.getThreadCpuTime(worker[0].getId());
            Thread.sleep(500);
            long used = mx.getThreadCpuTime(worker[0].getId()) - before;
            // A worker spinning on a set interrupt flag uses the whole 500 ms; a parked one, none.
            assertTrue(used < 200_000_000L, "idle worker used " + used / 1_000_000 + " ms of CPU in 500 ms");
        }
    }

    @Test
    void aCheckedExceptionOnTheCallersChunkStillWaitsForTheWorkers() {
        try (Parallel par = new Parallel(2)) {
            java.util.concurrent.atomic.AtomicBoolean workerDone = new java.util.concurrent.atomic.AtomicBoolean();
            RuntimeException e = assertThrows(RuntimeException.class, () -> par.forChunks(2, 2, (from, to) -> {
                if (from == 0) {
                    throwSneakily(new java.io.IOException("planted"));
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                workerDone.set(true);
            }));
            assertTrue(workerDone.get(), "forChunks returned while the worker still ran");
            assertTrue(e.getCause() instanceof java.io.IOException, String.valueOf(e));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void throwSneakily(Throwable t) throws T {
        throw (T) t;
    }
}
