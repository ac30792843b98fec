package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How one F32 NCHW kernel serves tensors of every type and format: the op's inputs are widened
 * into F32 NCHW scratch tensors, the kernel runs on those, and {@link #writeBack()} rounds its
 * outputs into the real tensors, as a GPU kernel computes in FP32 and rounds what it stores. One
 * staging per op call; the scratch arrays come from the backend's per-thread {@link Pool}, so
 * steady state allocates only the small tensor objects. F32 NCHW tensors pass through untouched.
 */
final class Staging implements AutoCloseable {
    /**
     * Scratch arrays by size for one thread of one backend, holding at most {@link #MAX_FLOATS}
     * (beyond, arrays are left to the garbage collector), so that a server thread that staged many
     * batch sizes does not keep them all.
     */
    static final class Pool {
        /**
         * 128 MiB per thread: the CPU's 16-bit path is a reference, and larger scratch (a ResNet-50
         * at 224² and batch 40 stages 32 M floats in one op) is allocated per call instead.
         */
        static final long MAX_FLOATS = 32L << 20;
        private final Map<Integer, ArrayDeque<float[]>> bySize = new HashMap<>();
        private long floats;

        /** Forgets every array (the backend closed); only its own thread uses a pool otherwise, but close may come from any. */
        synchronized void clear() {
            bySize.clear();
            floats = 0;
        }

        synchronized float[] take(int size) {
            ArrayDeque<float[]> free = bySize.get(size);
            if (free == null || free.isEmpty()) {
                return new float[size];
            }
            floats -= size;
            return free.pop();
        }

        synchronized void give(float[] array) {
            if (floats + array.length <= MAX_FLOATS) {
                bySize.computeIfAbsent(array.length, k -> new ArrayDeque<>()).push(array);
                floats += array.length;
            }
        }

        long floats() {
            return floats;
        }
    }

    private final Backend backend;
    private final Pool pool;
    private final List<float[]> taken = new ArrayList<>(6);
    private final List<Tensor> targets = new ArrayList<>(3);
    private final List<Tensor> results = new ArrayList<>(3);

    Staging(Backend backend, Pool pool) {
        this.backend = backend;
        this.pool = pool;
    }

    /** Whether any of the tensors (nulls skipped) is not F32 NCHW, so that the op must be staged. */
    static boolean needed(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null && !t.isF32Nchw()) {
                return true;
            }
        }
        return false;
    }

    /** An F32 NCHW copy of an input the kernel only reads. */
    Tensor in(Tensor t) {
        if (t == null || t.isF32Nchw()) {
            return t;
        }
        Tensor scratch = scratch(t);
        CpuElements.read(t, CpuBackend.data(scratch));
        return scratch;
    }

    /** F32 NCHW scratch for an output the kernel overwrites; {@link #writeBack()} stores it into t. */
    Tensor out(Tensor t) {
        if (t == null || t.isF32Nchw()) {
            return t;
        }
        Tensor scratch = scratch(t);
        targets.add(t);
        results.add(scratch);
        return scratch;
    }

    /** An F32 NCHW copy of a tensor the kernel reads and updates (axpy's y, gemm's C with beta ≠ 0). */
    Tensor inOut(Tensor t) {
        if (t == null || t.isF32Nchw()) {
            return t;
        }
        Tensor scratch = out(t);
        CpuElements.read(t, CpuBackend.data(scratch));
        return scratch;
    }

    /** Rounds every output into its tensor; called once the kernel has succeeded. */
    void writeBack() {
        for (int i = 0; i < targets.size(); i++) {
            CpuElements.write(CpuBackend.data(results.get(i)), targets.get(i));
        }
    }

    private Tensor scratch(Tensor like) {
        float[] array = pool.take(like.size());
        taken.add(array);
        return new Tensor(backend, like.shape(), new HeapStorage(array), false);
    }

    /** Returns the scratch arrays to this thread's pool (also when the kernel threw). */
    @Override
    public void close() {
        taken.forEach(pool::give);
        taken.clear();
    }
}
