package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Storage;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network's activations and gradients, reused by liveness: layers {@link #acquire} their outputs
 * and input gradients here, the network {@link #retain retains} each value it keeps and
 * {@link #release releases} it once nothing later reads it, and a tensor whose last holder let go
 * goes back on the free list of its size and type for the next layer that asks for that many
 * elements of that type (in whatever shape and memory format: a new tensor over the same memory is
 * handed out, since what a free tensor holds is never read). Peak memory
 * then follows the widest point of the graph rather than the sum of its layers.
 *
 * <p>Holders are counted by storage, so a view ({@link Flatten}'s reshape, an {@link Add} passing
 * its gradient through to both inputs) keeps the memory under it alive. The pool owns every tensor
 * it made and frees them all on {@link #close}.
 */
public final class BufferPool implements AutoCloseable {
    private final Backend backend;
    /** Free tensors by type and element count: one of another shape or format is handed out over the same memory. */
    private final Map<FreeList, ArrayDeque<Tensor>> free = new HashMap<>();
    /** Every tensor the pool made, by its storage, with how many values hold it now. */
    private final Map<Storage, Lease> leases = new IdentityHashMap<>();
    private long allocatedBytes;
    private long bytesInUse;
    private long peakBytesInUse;
    private boolean closed;

    /** Which free list a tensor goes on: memory of one type and size serves any shape and format. */
    private record FreeList(DType dtype, int size) {
        static FreeList of(Tensor t) {
            return new FreeList(t.dtype(), t.size());
        }
    }

    private static final class Lease {
        final Tensor tensor;
        int holders;
        boolean inUse;

        Lease(Tensor tensor) {
            this.tensor = tensor;
        }
    }

    /**
     * An empty pool allocating on {@code backend}; it owns every tensor it allocates and frees them all on
     * {@link #close}.
     */
    public BufferPool(Backend backend) {
        this.backend = backend;
    }

    /** An F32 NCHW tensor of this shape, free for the caller to overwrite; its previous contents are arbitrary. */
    public Tensor acquire(Shape shape) {
        return acquire(shape, DType.F32, MemoryFormat.NCHW);
    }

    /** A tensor of this shape and kind, free for the caller to overwrite; its previous contents are arbitrary. */
    public Tensor acquire(Shape shape, DType dtype, MemoryFormat format) {
        if (closed) {
            throw new IllegalStateException("buffer pool is closed");
        }
        ArrayDeque<Tensor> list = free.get(new FreeList(dtype, shape.size()));
        Tensor t = list == null ? null : list.poll();
        if (t == null) {
            t = backend.allocate(shape, dtype, format);
            leases.put(t.storage(), new Lease(t));
            allocatedBytes += bytes(t);
        } else if (!t.shape().equals(shape) || t.format() != format) {
            t = new Tensor(backend, shape, dtype, format, t.storage(), false); // contents are arbitrary: no view needed
        }
        Lease lease = leases.get(t.storage());
        lease.inUse = true;
        lease.holders = 0;
        bytesInUse += bytes(t);
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        return t;
    }

    /** Counts one more holder of the tensor's memory; tensors the pool did not make are ignored. */
    public void retain(Tensor t) {
        Lease lease = t == null ? null : leases.get(t.storage());
        if (lease != null) {
            lease.holders++;
        }
    }

    /** One holder fewer; the last one returns the memory to the free list. */
    public void release(Tensor t) {
        Lease lease = t == null ? null : leases.get(t.storage());
        if (lease != null && lease.inUse && --lease.holders <= 0) {
            giveBack(lease);
        }
    }

    /** How many values hold the tensor's memory (0 for tensors the pool did not make). */
    public int holders(Tensor t) {
        Lease lease = leases.get(t.storage());
        return lease == null ? 0 : lease.holders;
    }

    /** Whether the tensor was handed out and nobody has retained it since (nor given it back). */
    boolean isOrphan(Tensor t) {
        Lease lease = leases.get(t.storage());
        return lease != null && lease.inUse && lease.holders == 0;
    }

    /** Returns every tensor to the free lists: a new pass starts and nothing of the last one is read again. */
    public void releaseAll() {
        for (Lease lease : leases.values()) {
            if (lease.inUse) {
                giveBack(lease);
            }
        }
    }

    private void giveBack(Lease lease) {
        lease.inUse = false;
        lease.holders = 0;
        bytesInUse -= bytes(lease.tensor);
        free.computeIfAbsent(FreeList.of(lease.tensor), k -> new ArrayDeque<>()).push(lease.tensor);
    }

    /** Bytes of all tensors the pool has made (it keeps them for reuse until closed). */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    /** The most bytes in use at once since the pool was made. */
    public long peakBytesInUse() {
        return peakBytesInUse;
    }

    private static long bytes(Tensor t) {
        return (long) t.dtype().bytes() * t.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Tensor> all = new ArrayList<>();
        leases.values().forEach(l -> all.add(l.tensor));
        leases.clear();
        free.clear();
        RuntimeException failure = null;
        for (Tensor t : all) {
            try {
                t.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
