package io.github.convnet4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of worker threads that splits index ranges into contiguous chunks. The split
 * depends only on the range and the thread count, and callers keep every output element's
 * arithmetic inside one chunk, so results do not depend on scheduling.
 */
public final class Parallel implements AutoCloseable {
    /** Runs everything on the calling thread; used inside already-parallel loops. */
    public static final Parallel SEQUENTIAL = new Parallel(1);

    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        AtomicInteger counter = new AtomicInteger();
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "convnet4j-cpu-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Elements of work below which a loop stays on the calling thread: a fork-join here costs 3–9 µs,
     * as much as a few tens of thousands of simple element operations (a batch-1 layer's whole work).
     */
    public static final long MIN_PARALLEL_ELEMENTS = 1 << 15;

    /** This pool, or {@link #SEQUENTIAL} for a loop over fewer than {@link #MIN_PARALLEL_ELEMENTS} elements of work. */
    public Parallel forWork(long elements) {
        return elements < MIN_PARALLEL_ELEMENTS ? SEQUENTIAL : this;
    }

    /** Runs body over [0, n) in at most {@code threads} contiguous chunks, the first on this thread. */
    public void forRange(int n, RangeBody body) {
        forChunks(n, Math.min(threads, n), body);
    }

    /**
     * Runs body over [0, n) split into exactly {@code chunks} contiguous chunks (fewer if n is
     * smaller). Reductions that must not depend on the thread count use a fixed chunk count.
     */
    public void forChunks(int n, int chunks, RangeBody body) {
        if (n <= 0) {
            return;
        }
        final int pieces = Math.max(1, Math.min(chunks, n));
        int tasks = pool == null ? 1 : Math.min(threads, pieces);
        // Each task runs a contiguous group of pieces, so more pieces than threads stay balanced.
        RangeBody group = (firstPiece, endPiece) -> {
            for (int i = firstPiece; i < endPiece; i++) {
                body.run(chunkStart(n, pieces, i), chunkStart(n, pieces, i + 1));
            }
        };
        if (tasks == 1) {
            group.run(0, pieces);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks - 1);
        for (int t = 1; t < tasks; t++) {
            int from = chunkStart(pieces, tasks, t);
            int to = chunkStart(pieces, tasks, t + 1);
            futures.add(pool.submit(() -> group.run(from, to)));
        }
        RuntimeException first = null;
        try {
            group.run(0, chunkStart(pieces, tasks, 1));
        } catch (RuntimeException e) {
            first = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                RuntimeException wrapped = e.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException(e.getCause());
                if (first == null) {
                    first = wrapped;
                } else {
                    first.addSuppressed(wrapped);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for CPU workers", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    static int chunkStart(int n, int chunks, int i) {
        return (int) ((long) n * i / chunks);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
