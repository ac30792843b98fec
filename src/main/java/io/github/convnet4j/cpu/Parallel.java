package io.github.convnet4j.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that splits index ranges into contiguous chunks. The split
 * depends only on the range and the thread count, and callers keep every output element's
 * arithmetic inside one chunk, so results do not depend on scheduling.
 *
 * <p>A loop is handed to the workers through one volatile field; they wait for the next by
 * spinning briefly, then parking, and the caller waits for them the same way. That costs about a
 * microsecond where an executor's submit and get cost 3–9 µs, which a batch-1 layer notices. One
 * loop runs on the workers at a time: a loop started while another thread's loop holds them (a
 * service calling from several threads) runs whole on its own thread instead of queueing, which
 * gives the same results, since they do not depend on the split.
 */
public final class Parallel implements AutoCloseable {
    /** Runs everything on the calling thread; used inside already-parallel loops. */
    public static final Parallel SEQUENTIAL = new Parallel(1);

    /**
     * Elements of work below which a loop stays on the calling thread: a fork-join costs a few
     * microseconds, as much as a few tens of thousands of simple element operations.
     */
    public static final long MIN_PARALLEL_ELEMENTS = 1 << 15;

    /** Spin-wait rounds (Thread.onSpinWait) before a waiting thread parks: some tens of microseconds. */
    private static final int SPINS = 1 << 12;

    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * One loop handed to the workers: immutable but for the claims, the countdown and the errors.
     * Each worker task is claimed before it runs, by its worker or, once the pool is closing, by the
     * caller, so a task runs exactly once even when its worker has already left.
     */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int pieces;
        final int tasks;
        final Thread caller;
        final AtomicInteger remaining;
        final AtomicIntegerArray claimed;
        final Throwable[] errors;

        Job(RangeBody body, int n, int pieces, int tasks, Thread caller) {
            this.body = body;
            this.n = n;
            this.pieces = pieces;
            this.tasks = tasks;
            this.caller = caller;
            this.remaining = new AtomicInteger(tasks - 1);
            this.claimed = new AtomicIntegerArray(tasks);
            this.errors = new Throwable[tasks];
        }

        /** Whether this thread is the one to run task t (the first to ask). */
        boolean claim(int t) {
            return claimed.compareAndSet(t, 0, 1);
        }

        /** Runs task t, records what it throws, counts it down and wakes the caller after the last. */
        void runClaimed(int t) {
            try {
                runTask(t);
            } catch (Throwable e) {
                errors[t] = e;
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }

        /** Task t runs a contiguous group of pieces, so more pieces than threads stay balanced. */
        void runTask(int t) {
            int firstPiece = chunkStart(pieces, tasks, t);
            int endPiece = chunkStart(pieces, tasks, t + 1);
            for (int i = firstPiece; i < endPiece; i++) {
                body.run(chunkStart(n, pieces, i), chunkStart(n, pieces, i + 1));
            }
        }
    }

    private final int threads;
    private final Thread[] workers;
    /** Not reentrant on purpose: a loop started from inside a running loop runs on its own thread. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job job;
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int task = i + 1;
            Thread t = new Thread(() -> work(task), "convnet4j-cpu-" + task);
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

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
        int pieces = Math.max(1, Math.min(chunks, n));
        int tasks = Math.min(threads, pieces);
        if (tasks == 1 || closed || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < pieces; i++) {
                body.run(chunkStart(n, pieces, i), chunkStart(n, pieces, i + 1));
            }
            return;
        }
        Job j = new Job(body, n, pieces, tasks, Thread.currentThread());
        try {
            job = j;
            for (int t = 1; t < tasks; t++) {
                LockSupport.unpark(workers[t - 1]);
            }
            try {
                j.runTask(0);
            } catch (Throwable e) {
                // Everything, checked exceptions thrown sneakily included: the workers must be
                // waited for before the caller's arrays are given back.
                j.errors[0] = e;
            }
            awaitWorkers(j);
        } finally {
            job = null;
            busy.set(false);
        }
        rethrow(j);
    }

    /**
     * Waits until every worker task of the loop has finished: they use the caller's arrays. Once
     * the pool is closing, the caller runs the tasks no worker has claimed (their workers may have
     * left), so a loop in flight when {@link #close()} is called still finishes.
     */
    private void awaitWorkers(Job j) {
        boolean interrupted = false;
        for (int spin = 0; j.remaining.get() > 0; spin++) {
            if (closed) {
                for (int t = 1; t < j.tasks; t++) {
                    if (j.claim(t)) {
                        j.runClaimed(t);
                    }
                }
            }
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(j, 1_000_000L);   // a timeout, so closing is noticed even unwoken
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The caller's own Error as it is; a worker's failure as a RuntimeException; the rest suppressed. */
    private static void rethrow(Job j) {
        if (j.errors[0] instanceof Error e) {
            for (int t = 1; t < j.errors.length; t++) {
                if (j.errors[t] != null) {
                    e.addSuppressed(j.errors[t]);
                }
            }
            throw e;
        }
        RuntimeException first = null;
        for (Throwable e : j.errors) {
            if (e == null) {
                continue;
            }
            RuntimeException wrapped = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            if (first == null) {
                first = wrapped;
            } else {
                first.addSuppressed(wrapped);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** A worker's life: wait for a loop that has a task for it, run the task, count down, repeat. */
    private void work(int task) {
        Job done = null;
        int spin = 0;
        while (!closed) {
            Job j = job;
            if (j == null || j == done || task >= j.tasks) {
                if (spin++ < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                    // A body may have interrupted this thread; with the flag set park() would
                    // return at once, and the idle worker would spin a core forever.
                    Thread.interrupted();
                    spin = 0;
                }
                continue;
            }
            done = j;
            spin = 0;
            if (j.claim(task)) {
                j.runClaimed(task);
            }
        }
    }

    static int chunkStart(int n, int chunks, int i) {
        return (int) ((long) n * i / chunks);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
