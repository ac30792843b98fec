package io.github.convnet4j.distributed;

import io.github.convnet4j.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Replicas in one JVM, one thread each, on any backends: the reference communicator and the one
 * {@code train --replicas N} uses on the CPU. Tensors travel through host arrays (for the CPU
 * backend a plain array copy). An all-reduce is two barriers: every rank stages its tensors, then
 * each rank sums its own slice of every tensor over all ranks in rank order (so the work is shared
 * and every rank ends with the same bits), then every rank copies the result back. The host arrays
 * are kept between calls, so a training step with tensors of unchanged sizes allocates nothing.
 */
public final class InProcessGroup {
    /** How long a rank waits for the others at one collective before it breaks the group. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private static final int ALL_REDUCE = 1;
    private static final int BROADCAST = 2;
    private static final int ALL_GATHER = 3;
    private static final int BARRIER = 4;

    private final int size;
    private final long timeoutNanos;
    /** Ranks arrived at the current rendezvous, and how many rendezvous have completed; guarded by {@code this}. */
    private int arrived;
    private long generation;
    /** What each rank asked for at the current collective: (kind, tensor count, total floats, root). */
    private final long[][] calls;
    /** Each rank's host copy of its tensors, by tensor index, reused while the sizes stay the same. */
    private final float[][][] staging;
    /** The reduced values, by tensor index, shared by all ranks. */
    private float[][] reduced = new float[0][];
    private final byte[][] messages;
    /** Why the group broke, set once under the lock; every later collective reports it. */
    private volatile String brokenBecause;
    private volatile Throwable brokenCause;

    private InProcessGroup(int size, Duration timeout) {
        this.size = size;
        this.timeoutNanos = timeout.toNanos();
        this.calls = new long[size][];
        this.staging = new float[size][][];
        this.messages = new byte[size][];
    }

    /** A group of {@code size} communicators, rank i at index i; each is used by one thread. */
    public static List<Communicator> create(int size) {
        return create(size, DEFAULT_TIMEOUT);
    }

    /** As {@link #create(int)}, with {@code timeout} as the longest wait at one collective. */
    public static List<Communicator> create(int size, Duration timeout) {
        if (size < 1) {
            throw new IllegalArgumentException("a group needs at least 1 rank, got " + size);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        InProcessGroup group = new InProcessGroup(size, timeout);
        List<Communicator> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(group.new Rank(r));
        }
        return List.copyOf(ranks);
    }

    /**
     * Waits until every rank has arrived. The last to arrive checks that all called the same
     * collective with the same sizes (else the group breaks, naming both calls) and sizes the shared
     * result arrays before anyone is released. The broken check and the wait share one lock, so once
     * the group is broken no rank can start waiting: every later call fails at once.
     *
     * @return null when released normally, else why the group broke
     */
    private synchronized String rendezvous(int rank, long timeoutNanos, String what) throws InterruptedException {
        if (brokenBecause != null) {
            return brokenBecause;
        }
        long mine = generation;
        if (++arrived == size) {
            arrived = 0;
            String mismatch = sameCallOrWhyNot();
            if (mismatch != null) {
                breakLocked(mismatch, null);
                return mismatch;
            }
            if (calls[0][0] == ALL_REDUCE) {
                growReduced();
            }
            generation++;
            notifyAll();
            return null;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (generation == mine && brokenBecause == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                breakLocked("rank " + rank + " waited more than " + Duration.ofNanos(timeoutNanos).toMillis()
                        + " ms for the other ranks at " + what, null);
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return generation == mine ? brokenBecause : null;
    }

    private String sameCallOrWhyNot() {
        for (int r = 1; r < size; r++) {
            if (!Arrays.equals(calls[r], calls[0])) {
                return "rank 0 called " + describe(calls[0]) + " but rank " + r + " called " + describe(calls[r]);
            }
        }
        return null;
    }

    /** Breaks the group for good (the first reason wins) and wakes every waiting rank. */
    private synchronized void breakLocked(String why, Throwable cause) {
        if (brokenBecause == null) {
            brokenCause = cause;
            brokenBecause = why;
        }
        notifyAll();
    }

    private void growReduced() {
        float[][] mine = staging[0];
        if (reduced.length != mine.length) {
            reduced = new float[mine.length][];
        }
        for (int i = 0; i < mine.length; i++) {
            if (reduced[i] == null || reduced[i].length != mine[i].length) {
                reduced[i] = new float[mine[i].length];
            }
        }
    }

    private static String describe(long[] call) {
        String tensors = call[1] + " tensors, " + call[2] + " floats";
        return switch ((int) call[0]) {
            case ALL_REDUCE -> "allReduce(" + tensors + ")";
            case BROADCAST -> "broadcast(" + tensors + ", root " + call[3] + ")";
            case ALL_GATHER -> "allGather(" + call[3] + " bytes)";
            default -> "barrier(" + tensors + ")";
        };
    }

    /** One rank's view of the group. */
    private final class Rank implements Communicator {
        private final int rank;
        private boolean closed;

        Rank(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void allReduce(List<Tensor> tensors, ReduceOp op) {
            stage(tensors);
            await(ALL_REDUCE, tensors, 0, "allReduce");
            float[][] all = reduced;
            for (int i = 0; i < tensors.size(); i++) {
                int n = all[i].length;
                int from = (int) ((long) n * rank / size);
                int to = (int) ((long) n * (rank + 1) / size);
                sumSlice(i, from, to, op == ReduceOp.MEAN, all[i]);
            }
            await(ALL_REDUCE, tensors, 0, "allReduce");
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                t.backend().upload(all[i], t);
            }
        }

        /** reduced[from, to) = the ranks' staged values summed in rank order (then divided by the size, for a mean). */
        private void sumSlice(int tensor, int from, int to, boolean mean, float[] out) {
            float[] first = staging[0][tensor];
            System.arraycopy(first, from, out, from, to - from);
            for (int r = 1; r < size; r++) {
                float[] other = staging[r][tensor];
                for (int j = from; j < to; j++) {
                    out[j] += other[j];
                }
            }
            if (mean) {
                for (int j = from; j < to; j++) {
                    out[j] /= size;
                }
            }
        }

        @Override
        public void broadcast(List<Tensor> tensors, int root) {
            if (root < 0 || root >= size) {
                throw new IllegalArgumentException("broadcast root must be a rank in [0, " + size + "), got " + root);
            }
            if (rank == root) {
                stage(tensors);
            }
            await(BROADCAST, tensors, root, "broadcast");
            if (rank != root) {
                for (int i = 0; i < tensors.size(); i++) {
                    Tensor t = tensors.get(i);
                    t.backend().upload(staging[root][i], t);
                }
            }
            await(BROADCAST, tensors, root, "broadcast");
        }

        @Override
        public byte[][] allGather(byte[] message) {
            messages[rank] = message.clone();
            // The message length goes into the call's signature: ranks gathering different things (a checksum
            // on one, a stop decision on another) are a collective-order bug, reported instead of misread.
            await(ALL_GATHER, List.of(), message.length, "allGather");
            byte[][] all = messages.clone();
            await(ALL_GATHER, List.of(), message.length, "allGather");
            return all;
        }

        @Override
        public void barrier() {
            await(BARRIER, List.of(), 0, "barrier");
        }

        /** Copies this rank's tensors to its host arrays, keeping arrays whose sizes still fit. */
        private void stage(List<Tensor> tensors) {
            float[][] mine = staging[rank];
            if (mine == null || mine.length != tensors.size()) {
                mine = new float[tensors.size()][];
            }
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                if (mine[i] == null || mine[i].length != t.size()) {
                    mine[i] = new float[t.size()];
                }
                t.backend().download(t, mine[i]);
            }
            staging[rank] = mine;
        }

        /** {@code detail}: a broadcast's root, an all-gather's message length; part of the call's signature. */
        private void await(int kind, List<Tensor> tensors, int detail, String what) {
            if (closed) {
                throw new IllegalStateException("rank " + rank + " has left the group (closed); " + what + " refused");
            }
            long floats = 0;
            for (Tensor t : tensors) {
                floats += t.size();
            }
            long[] call = calls[rank];
            if (call == null) {
                call = new long[4];
                calls[rank] = call;
            }
            call[0] = kind;
            call[1] = tensors.size();
            call[2] = floats;
            call[3] = detail;
            String broken;
            try {
                broken = rendezvous(rank, timeoutNanos, what);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                breakLocked("rank " + rank + " was interrupted at " + what, e);
                throw new CommunicatorException("rank " + rank + " was interrupted at " + what, e);
            }
            if (broken != null) {
                throw new CommunicatorException(what + " on rank " + rank + " failed: " + broken, brokenCause);
            }
        }

        @Override
        public void abort(Throwable cause) {
            breakLocked("rank " + rank + " failed: " + cause, cause);
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String toString() {
            return "in-process rank " + rank + " of " + size;
        }
    }
}
