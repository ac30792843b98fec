package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.CommunicatorException;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.apache.spark.BarrierTaskContext;

/**
 * The tasks of one Spark barrier stage as a {@link Communicator}: rank = the task's partition id,
 * size = the stage's number of tasks. Every collective is {@link BarrierTaskContext#allGather}:
 * each task sends one Base64 string to the driver's barrier coordinator, which answers every task
 * with all of them, indexed by partition id (BarrierCoordinator stores them as
 * {@code messages(request.partitionId)}). So all data passes through the driver: an all-reduce
 * costs each task its tensors up and every task's tensors down. That is fine for small networks
 * or, with {@code --sync-every K}, for weights averaged every K steps; GPU tasks use it for their
 * gradients only where NCCL is not available on every task (see {@code BarrierTrainingTask}).
 *
 * <p>An all-reduce downloads the tensors into host arrays kept between calls, sends them in chunks
 * (so that the coordinator's reply, every rank's chunk in Base64, stays near {@link
 * #DEFAULT_MAX_REPLY_BYTES}, far under {@code spark.rpc.message.maxSize}'s 128 MiB), and every rank
 * sums the chunks in rank order itself, so all ranks get the same bits, the same bits {@link
 * io.github.convnet4j.distributed.InProcessGroup} gives. Every message starts with a header
 * (collective, tensor count, floats, root, chunk) that all ranks compare, so ranks calling different
 * collectives or sizes fail with a message naming both calls instead of mixing data.
 *
 * <p>{@link #abort}: there is nothing to break beyond failing this task. When the task throws,
 * Spark fails the whole barrier stage, kills its other tasks (at their next collective at the
 * latest) and retries the stage with all tasks; this communicator then only refuses further calls.
 */
public final class SparkBarrierCommunicator implements Communicator {
    /** The coordinator's reply to one collective is kept near this size (all ranks' chunks, Base64). */
    public static final int DEFAULT_MAX_REPLY_BYTES = 32 << 20;

    private static final byte ALL_REDUCE = 1;
    private static final byte BROADCAST = 2;
    private static final byte ALL_GATHER = 3;
    /** kind (1), tensor count (4), total floats (8), root (4), chunk index (4). */
    private static final int HEADER = 21;

    private final BarrierTaskContext ctx;
    private final int rank;
    private final int size;
    private final int chunkFloats;
    /** This rank's tensors on the host, by tensor index, reused while the sizes stay the same. */
    private float[][] host = new float[0][];
    private Throwable aborted;
    private boolean closed;

    /** The communicator of the barrier task that {@code ctx} describes. */
    public SparkBarrierCommunicator(BarrierTaskContext ctx) {
        this(ctx, DEFAULT_MAX_REPLY_BYTES);
    }

    /** With the coordinator's replies kept near {@code maxReplyBytes} (tests use small ones to get many chunks). */
    public SparkBarrierCommunicator(BarrierTaskContext ctx, int maxReplyBytes) {
        if (maxReplyBytes < 1024) {
            throw new IllegalArgumentException("the largest reply must be at least 1024 bytes, got " + maxReplyBytes);
        }
        this.ctx = ctx;
        this.rank = ctx.partitionId();
        this.size = ctx.getTaskInfos().length;
        // Base64 makes 4 characters of 3 bytes; the reply holds every rank's chunk.
        this.chunkFloats = Math.max(16, (int) ((long) maxReplyBytes * 3 / 4 / size / Float.BYTES));
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** Floats per chunk of an all-reduce or broadcast. */
    int chunkFloats() {
        return chunkFloats;
    }

    @Override
    public void allReduce(List<Tensor> tensors, ReduceOp op) {
        long total = stage(tensors);
        long chunks = Math.max(1, (total + chunkFloats - 1) / chunkFloats);
        for (long c = 0; c < chunks; c++) {
            long from = c * chunkFloats;
            int n = (int) Math.min(chunkFloats, total - from);
            ByteBuffer mine = message(ALL_REDUCE, tensors.size(), total, 0, c, n);
            copyOut(from, n, mine);
            ByteBuffer[] all = exchange(mine, "allReduce");
            copyIn(from, n, sumInRankOrder(all, n, op == ReduceOp.MEAN));
        }
        upload(tensors);
    }

    /** The ranks' chunks summed element by element, rank 0 first (then divided by the size, for a mean). */
    private float[] sumInRankOrder(ByteBuffer[] all, int n, boolean mean) {
        float[] out = new float[n];
        all[0].position(HEADER).asFloatBuffer().get(out);
        float[] other = new float[n];
        for (int r = 1; r < size; r++) {
            all[r].position(HEADER).asFloatBuffer().get(other);
            for (int j = 0; j < n; j++) {
                out[j] += other[j];
            }
        }
        if (mean) {
            for (int j = 0; j < n; j++) {
                out[j] /= size;
            }
        }
        return out;
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root must be a rank in [0, " + size + "), got " + root);
        }
        long total = stage(tensors);
        long chunks = Math.max(1, (total + chunkFloats - 1) / chunkFloats);
        for (long c = 0; c < chunks; c++) {
            long from = c * chunkFloats;
            int n = (int) Math.min(chunkFloats, total - from);
            ByteBuffer mine = message(BROADCAST, tensors.size(), total, root, c, rank == root ? n : 0);
            if (rank == root) {
                copyOut(from, n, mine);
            }
            ByteBuffer[] all = exchange(mine, "broadcast");
            float[] values = new float[n];
            all[root].position(HEADER).asFloatBuffer().get(values);
            copyIn(from, n, values);
        }
        if (rank != root) {
            upload(tensors);
        }
    }

    @Override
    public byte[][] allGather(byte[] message) {
        ByteBuffer mine = ByteBuffer.allocate(HEADER + message.length);
        // The length is part of the call: ranks gathering different things are a collective-order bug, reported.
        header(mine, ALL_GATHER, 0, message.length, 0, 0);
        mine.put(message);
        ByteBuffer[] all = exchange(mine, "allGather");
        byte[][] out = new byte[size][];
        for (int r = 0; r < size; r++) {
            out[r] = Arrays.copyOfRange(all[r].array(), HEADER, all[r].limit());
        }
        return out;
    }

    @Override
    public void barrier() {
        requireUsable("barrier");
        try {
            ctx.barrier();
        } catch (RuntimeException e) {
            throw new CommunicatorException("barrier on rank " + rank + " failed: " + e.getMessage(), e);
        }
    }

    /** Records why this rank stops; Spark itself fails the stage when the task throws (see the class comment). */
    @Override
    public void abort(Throwable cause) {
        if (aborted == null) {
            aborted = cause;
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "Spark barrier task rank " + rank + " of " + size;
    }

    private ByteBuffer message(byte kind, int tensors, long floats, int root, long chunk, int payloadFloats) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payloadFloats * Float.BYTES);
        header(b, kind, tensors, floats, root, chunk);
        return b;
    }

    private static void header(ByteBuffer b, byte kind, int tensors, long floats, int root, long chunk) {
        b.put(kind).putInt(tensors).putLong(floats).putInt(root).putInt((int) chunk);
    }

    /** Sends this rank's message, returns every rank's by rank after checking that all ranks made the same call. */
    private ByteBuffer[] exchange(ByteBuffer mine, String what) {
        requireUsable(what);
        String[] replies;
        try {
            replies = ctx.allGather(Base64.getEncoder().encodeToString(mine.array()));
        } catch (RuntimeException e) {
            throw new CommunicatorException(what + " on rank " + rank + " failed: " + e.getMessage(), e);
        }
        if (replies.length != size) {
            throw new CommunicatorException(what + " on rank " + rank + ": " + replies.length + " replies for " + size
                    + " ranks");
        }
        ByteBuffer[] all = new ByteBuffer[size];
        for (int r = 0; r < size; r++) {
            all[r] = ByteBuffer.wrap(Base64.getDecoder().decode(replies[r]));
        }
        for (int r = 1; r < size; r++) {
            if (all[r].limit() < HEADER || all[0].limit() < HEADER
                    || !Arrays.equals(all[0].array(), 0, HEADER, all[r].array(), 0, HEADER)) {
                throw new CommunicatorException("rank 0 called " + describe(all[0]) + " but rank " + r + " called "
                        + describe(all[r]));
            }
        }
        return all;
    }

    private static String describe(ByteBuffer m) {
        if (m.limit() < HEADER) {
            return "something else (" + m.limit() + " bytes)";
        }
        ByteBuffer h = m.duplicate().position(0);
        byte kind = h.get();
        int tensors = h.getInt();
        long floats = h.getLong();
        int root = h.getInt();
        int chunk = h.getInt();
        return switch (kind) {
            case ALL_REDUCE -> "allReduce(" + tensors + " tensors, " + floats + " floats; chunk " + chunk + ")";
            case BROADCAST -> "broadcast(" + tensors + " tensors, " + floats + " floats, root " + root + "; chunk " + chunk
                    + ")";
            case ALL_GATHER -> "allGather(" + floats + " bytes)";
            default -> "an unknown collective (" + kind + ")";
        };
    }

    private void requireUsable(String what) {
        if (closed) {
            throw new IllegalStateException("rank " + rank + " has left the group (closed); " + what + " refused");
        }
        if (aborted != null) {
            throw new CommunicatorException(what + " on rank " + rank + " refused: this rank aborted (" + aborted + ")",
                    aborted);
        }
    }

    /** Downloads the tensors into the host arrays (kept while the sizes fit); returns their total size. */
    private long stage(List<Tensor> tensors) {
        if (host.length != tensors.size()) {
            host = new float[tensors.size()][];
        }
        long total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (host[i] == null || host[i].length != t.size()) {
                host[i] = new float[t.size()];
            }
            t.backend().download(t, host[i]);
            total += t.size();
        }
        return total;
    }

    private void upload(List<Tensor> tensors) {
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            t.backend().upload(host[i], t);
        }
    }

    /** Appends the host values at flat positions [from, from + n) of all tensors, in order, to {@code out}. */
    private void copyOut(long from, int n, ByteBuffer out) {
        var floats = out.position(HEADER).asFloatBuffer();
        long start = 0;
        for (float[] a : host) {
            long end = start + a.length;
            long lo = Math.max(from, start);
            long hi = Math.min(from + n, end);
            if (lo < hi) {
                floats.put(a, (int) (lo - start), (int) (hi - lo));
            }
            start = end;
        }
    }

    /** Writes {@code values} to flat positions [from, from + n) of the host arrays. */
    private void copyIn(long from, int n, float[] values) {
        long start = 0;
        for (float[] a : host) {
            long end = start + a.length;
            long lo = Math.max(from, start);
            long hi = Math.min(from + n, end);
            if (lo < hi) {
                System.arraycopy(values, (int) (lo - from), a, (int) (lo - start), (int) (hi - lo));
            }
            start = end;
        }
    }
}
