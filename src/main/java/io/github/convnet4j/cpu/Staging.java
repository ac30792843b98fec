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
 * staging per op call; the scratch arrays come from a per-thread pool keyed by size, so steady
 * state allocates only the small tensor objects. F32 NCHW tensors pass through untouched.
 */
final class Staging implements AutoCloseable {
    private static final ThreadLocal<Map<Integer, ArrayDeque<float[]>>> POOL = ThreadLocal.withInitial(HashMap::new);

    private final Backend backend;
    private final List<float[]> taken = new ArrayList<>(6);
    private final List<Tensor> targets = new ArrayList<>(3);
    private final List<Tensor> results = new ArrayList<>(3);

    Staging(Backend backend) {
        this.backend = backend;
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
        int size = like.size();
        ArrayDeque<float[]> free = POOL.get().get(size);
        float[] array = free == null || free.isEmpty() ? new float[size] : free.pop();
        taken.add(array);
        return new Tensor(backend, like.shape(), new HeapStorage(array), false);
    }

    /** Returns the scratch arrays to this thread's pool (also when the kernel threw). */
    @Override
    public void close() {
        Map<Integer, ArrayDeque<float[]>> pool = POOL.get();
        for (float[] array : taken) {
            pool.computeIfAbsent(array.length, k -> new ArrayDeque<>()).push(array);
        }
        taken.clear();
    }
}
