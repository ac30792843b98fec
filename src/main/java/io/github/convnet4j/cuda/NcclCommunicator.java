package io.github.convnet4j.cuda;

import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.CommunicatorException;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.List;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;

/**
 * One rank of an NCCL communicator over CUDA backends: the collectives run on the backend's own
 * stream, on the tensors' device memory, with no host copy (in-place {@code ncclAllReduce},
 * {@code ncclBroadcast}); {@link #allGather} and {@link #barrier} move a few bytes through a small
 * device buffer. NCCL is reached through Bytedeco's binding ({@code org.bytedeco:cuda}, an optional
 * dependency), which needs {@code libnccl.so.2} and CUDA 12's {@code libcudart.so.12} on the
 * machine (the Docker image has both); JCuda and Bytedeco share the device's primary context, so a
 * JCuda device pointer is handed to NCCL as its address.
 *
 * <p>NCCL gives every rank the same reduced values, but in an order of its own algorithms (ring or
 * tree), not in rank order as {@link io.github.convnet4j.distributed.InProcessGroup} sums.
 * Made by {@link NcclGroup}.
 */
final class NcclCommunicator implements Communicator {
    /** The bytes of an ncclUniqueId (NCCL_UNIQUE_ID_BYTES). */
    static final int UNIQUE_ID_BYTES = 128;

    private final CudaBackend backend;
    private final int rank;
    private final int size;
    private final ncclComm comm;
    private final org.bytedeco.cuda.cudart.CUstream_st stream;
    /** A few device bytes for allGather and barrier, grown when a message is larger. */
    private Pointer small;
    private long smallBytes;
    private volatile boolean closed;
    /** Set when this rank's communicator was aborted (by itself or a sibling); then nothing may wait on it. */
    private volatile String abortedBecause;
    /** The other ranks of the same group in this JVM, or null for a rank that joined across processes. */
    private Siblings siblings;

    /**
     * The ranks of one {@link NcclGroup#local} group. NCCL's abort is local to one communicator: the
     * others would wait for ever for the failed rank in their next collective, so an abort on one
     * aborts them all (from the failing thread: aborting another thread's communicator is how NCCL
     * lets a hang be broken).
     */
    static final class Siblings {
        private final List<NcclCommunicator> ranks;

        Siblings(List<NcclCommunicator> ranks) {
            this.ranks = List.copyOf(ranks);
            this.ranks.forEach(r -> r.siblings = this);
        }

        synchronized void abortAll(String why) {
            ranks.forEach(r -> r.abortLocal(why));
        }
    }

    private NcclCommunicator(CudaBackend backend, int rank, int size, ncclComm comm) {
        this.backend = backend;
        this.rank = rank;
        this.size = size;
        this.comm = comm;
        this.stream = new org.bytedeco.cuda.cudart.CUstream_st(DeviceAddresses.at(DeviceAddresses.of(backend.stream())));
    }

    /** A new NCCL unique id (rank 0 makes it; the others receive its bytes). */
    static byte[] newUniqueId() {
        ncclUniqueId id = new ncclUniqueId();
        check(nccl.ncclGetUniqueId(id), "ncclGetUniqueId", -1);
        byte[] bytes = new byte[UNIQUE_ID_BYTES];
        id.internal().get(bytes);
        return bytes;
    }

    /**
     * Joins the communicator of {@code size} ranks named by {@code uniqueId} as {@code rank}, on
     * {@code backend}'s device; blocks until every rank has joined (call it from each rank's thread
     * or process at once).
     */
    static NcclCommunicator join(CudaBackend backend, int rank, int size, byte[] uniqueId) {
        ncclUniqueId id = uniqueId(uniqueId, rank, size);
        backend.bindToThisThread();
        ncclComm comm = new ncclComm();
        check(nccl.ncclCommInitRank(comm, size, id, rank), "ncclCommInitRank", rank);
        return new NcclCommunicator(backend, rank, size, comm);
    }

    /**
     * All ranks of a group whose GPUs this JVM drives, initialised from one thread inside one NCCL
     * group call, so that one rank failing to initialise is one error for all instead of the others
     * waiting for it for ever. Rank i is on backends.get(i).
     */
    static List<NcclCommunicator> initAll(List<CudaBackend> backends) {
        int size = backends.size();
        java.util.Set<Integer> devices = new java.util.HashSet<>();
        for (CudaBackend b : backends) {
            if (!devices.add(b.options().device())) { // NCCL refuses two ranks on one GPU ("Duplicate GPU")
                throw new IllegalArgumentException("NCCL needs one GPU per rank, but device " + b.options().device()
                        + " appears twice");
            }
            b.bindToThisThread(); // fail here, before any rank is queued, rather than inside the group
        }
        ncclUniqueId id = uniqueId(newUniqueId(), 0, size);
        ncclComm[] comms = new ncclComm[size];
        check(nccl.ncclGroupStart(), "ncclGroupStart", -1);
        int queued = 0;
        int first = nccl.ncclSuccess;
        for (int r = 0; r < size && first == nccl.ncclSuccess; r++) {
            backends.get(r).bindToThisThread(); // NCCL takes the device from the current context
            comms[r] = new ncclComm();
            first = nccl.ncclCommInitRank(comms[r], size, id, r);
            queued++;
        }
        int end = nccl.ncclGroupEnd();
        if (first != nccl.ncclSuccess || end != nccl.ncclSuccess) {
            for (int r = 0; r < queued; r++) {
                nccl.ncclCommAbort(comms[r]); // none may be left waiting for the others
            }
            check(first != nccl.ncclSuccess ? first : end, "initialising " + size + " NCCL ranks", -1);
        }
        List<NcclCommunicator> ranks = new java.util.ArrayList<>();
        for (int r = 0; r < size; r++) {
            ranks.add(new NcclCommunicator(backends.get(r), r, size, comms[r]));
        }
        new Siblings(ranks);
        return ranks;
    }

    private static ncclUniqueId uniqueId(byte[] bytes, int rank, int size) {
        if (bytes.length != UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("an NCCL unique id has " + UNIQUE_ID_BYTES + " bytes, got " + bytes.length);
        }
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("NCCL rank must be in [0, size), got rank " + rank + " of " + size);
        }
        ncclUniqueId id = new ncclUniqueId();
        id.internal().put(bytes);
        return id;
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
        requireOpen("allReduce");
        int ncclOp = op == ReduceOp.MEAN ? nccl.ncclAvg : nccl.ncclSum;
        inOneGroup(tensors, "ncclAllReduce", (p, t) -> nccl.ncclAllReduce(p, p, t.size(), nccl.ncclFloat32, ncclOp, comm,
                stream));
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        requireOpen("broadcast");
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root must be a rank in [0, " + size + "), got " + root);
        }
        inOneGroup(tensors, "ncclBroadcast", (p, t) -> nccl.ncclBroadcast(p, p, t.size(), nccl.ncclFloat32, root, comm,
                stream));
    }

    /** One in-place NCCL call on a tensor's device memory; returns its ncclResult. */
    private interface TensorCall {
        int on(org.bytedeco.javacpp.Pointer memory, Tensor t);
    }

    /** {@code call} on every tensor inside one NCCL group, so that NCCL launches them as one operation. */
    private void inOneGroup(List<Tensor> tensors, String name, TensorCall call) {
        backend.bindToThisThread();
        check(nccl.ncclGroupStart(), "ncclGroupStart", rank);
        try {
            for (Tensor t : tensors) {
                check(call.on(device(t), t), name, rank);
            }
        } finally {
            check(nccl.ncclGroupEnd(), "ncclGroupEnd", rank);
        }
    }

    /** Every rank's message: the lengths first (4 bytes each; they must agree), then the messages. */
    @Override
    public byte[][] allGather(byte[] message) {
        requireOpen("allGather");
        ByteBuffer lengths = ByteBuffer.wrap(gatherFixed(ByteBuffer.allocate(Integer.BYTES).putInt(message.length).array()));
        int first = lengths.getInt(0);
        for (int r = 1; r < size; r++) {
            int theirs = lengths.getInt(r * Integer.BYTES);
            if (theirs != first) { // every rank sees the same lengths, so every rank fails here alike
                throw new CommunicatorException("rank 0 called allGather(" + first + " bytes) but rank " + r
                        + " called allGather(" + theirs + " bytes)");
            }
        }
        byte[] all = gatherFixed(message.length == 0 ? new byte[1] : message);
        int each = all.length / size;
        byte[][] out = new byte[size][];
        for (int r = 0; r < size; r++) {
            out[r] = java.util.Arrays.copyOfRange(all, r * each, r * each + message.length);
        }
        return out;
    }

    /** ncclAllGather of {@code mine.length} bytes per rank, through the small device buffer. */
    private byte[] gatherFixed(byte[] mine) {
        backend.bindToThisThread();
        long total = (long) mine.length * size;
        Pointer buf = smallBuffer(total);
        Pointer slot = buf.withByteOffset((long) rank * mine.length); // in place: this rank's part of the result
        CudaCheck.runtime(JCuda.cudaMemcpy(slot, Pointer.to(mine), mine.length, cudaMemcpyKind.cudaMemcpyHostToDevice),
                "cudaMemcpy", "allGather message");
        check(nccl.ncclAllGather(DeviceAddresses.pointer(slot), DeviceAddresses.pointer(buf), mine.length,
                nccl.ncclUint8, comm, stream), "ncclAllGather", rank);
        byte[] all = new byte[(int) total];
        backend.synchronize();
        CudaCheck.runtime(JCuda.cudaMemcpy(Pointer.to(all), buf, total, cudaMemcpyKind.cudaMemcpyDeviceToHost),
                "cudaMemcpy", "allGather result");
        return all;
    }

    private Pointer smallBuffer(long bytes) {
        if (small == null || smallBytes < bytes) {
            if (small != null) {
                JCuda.cudaFree(small);
            }
            small = new Pointer();
            CudaCheck.runtime(JCuda.cudaMalloc(small, bytes), "cudaMalloc", "allGather buffer of " + bytes + " bytes");
            smallBytes = bytes;
        }
        return small;
    }

    @Override
    public void barrier() {
        allGather(new byte[1]);
    }

    /** Aborts this rank and, for a local group, every sibling: their pending and later collectives fail instead of hanging. */
    @Override
    public void abort(Throwable cause) {
        String why = "rank " + rank + " failed: " + cause;
        if (siblings != null) {
            siblings.abortAll(why);
        } else {
            abortLocal(why);
        }
    }

    /** Any thread may call this; the owner's memory is freed by its own {@link #close}. */
    private synchronized void abortLocal(String why) {
        if (abortedBecause == null && !closed) {
            abortedBecause = why;
            nccl.ncclCommAbort(comm);
        }
    }

    @Override
    public void close() {
        boolean destroy;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            destroy = abortedBecause == null; // an aborted communicator is already gone
        }
        // Outside the lock: a sibling's abort must never wait behind a destroy.
        if (destroy) {
            backend.bindToThisThread();
            nccl.ncclCommDestroy(comm);
        }
        freeSmall();
    }

    private void freeSmall() {
        if (small != null) {
            JCuda.cudaFree(small);
            small = null;
        }
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("NCCL rank " + rank + " is closed; " + what + " refused");
        }
        if (abortedBecause != null) {
            throw new CommunicatorException(what + " on NCCL rank " + rank + " refused: the group was aborted ("
                    + abortedBecause + ")");
        }
    }

    /** A tensor's device memory as a Bytedeco pointer (its address; NCCL reads the memory JCuda allocated). */
    private org.bytedeco.javacpp.Pointer device(Tensor t) {
        if (t.backend() != backend) {
            throw new IllegalArgumentException("tensor " + t + " is not on this rank's CUDA backend");
        }
        return DeviceAddresses.pointer(CudaBackend.ptr(t));
    }

    static void check(int result, String call, int rank) {
        if (result != nccl.ncclSuccess) {
            throw new CommunicatorException(call + (rank >= 0 ? " on rank " + rank : "") + " failed: "
                    + nccl.ncclGetErrorString(result).getString() + " (ncclResult " + result + ")");
        }
    }
}
