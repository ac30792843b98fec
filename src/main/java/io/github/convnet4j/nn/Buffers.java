package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * A layer's reusable work tensors, by role ("output", "dx", ...). A tensor is allocated the first
 * time a role is asked for with a shape and kind and reused as long as they stay the same, so
 * steady-state training allocates nothing. A layer asks for its outputs and input gradients in the
 * kind of its input ({@link #get(String, Shape, Tensor)}): that is how one precision policy, set at
 * the network's entry, flows through every layer.
 */
final class Buffers implements AutoCloseable {
    private final Backend backend;
    private final Map<String, Tensor> byRole = new HashMap<>();
    /** The network's pool for outputs and input gradients, once the layer is in a network. */
    private BufferPool pool;

    Buffers(Backend backend) {
        this.backend = backend;
    }

    /**
     * From now on the roles "output" and "dx…" ("dx", or "dx0", "dx1" for a merge) come from the network's pool, fresh on every call
     * (the network returns them by liveness); the layer's private roles (a dropout mask) stay here.
     */
    void share(BufferPool shared) {
        this.pool = shared;
        Tensor output = byRole.remove(OUTPUT);
        Tensor dx = byRole.remove(DX);
        if (output != null) {
            output.close();
        }
        if (dx != null) {
            dx.close();
        }
    }

    /** The tensor last taken from the pool per role, reused only while nobody holds it. */
    private final Map<String, Tensor> lastFromPool = new HashMap<>();

    /**
     * A tensor from the pool; the one handed out last time again if the network never took it
     * (code that calls a network's layers one by one, a benchmark timing one layer), so that such
     * calls do not draw a new tensor each time.
     */
    private Tensor fromPool(String role, Shape shape, DType dtype, MemoryFormat format) {
        Tensor last = lastFromPool.get(role);
        Tensor t = last != null && last.shape().equals(shape) && last.dtype() == dtype && last.format() == format
                && pool.isOrphan(last) ? last : pool.acquire(shape, dtype, format);
        lastFromPool.put(role, t);
        return t;
    }

    private static final String OUTPUT = "output";
    private static final String DX = "dx";

    Tensor get(String role, Shape shape) {
        return get(role, shape, DType.F32, MemoryFormat.NCHW);
    }

    /**
     * The role's tensor of this shape in the type of {@code like} and, when both are rank 4, its
     * memory format (a rank-2 output of a rank-4 input is NCHW, the only order rank 2 has).
     */
    Tensor get(String role, Shape shape, Tensor like) {
        MemoryFormat format = shape.rank() == 4 && like.rank() == 4 ? like.format() : MemoryFormat.NCHW;
        return get(role, shape, like.dtype(), format);
    }

    Tensor get(String role, Shape shape, DType dtype, MemoryFormat format) {
        if (pool != null && (OUTPUT.equals(role) || role.startsWith(DX))) {
            return fromPool(role, shape, dtype, format);
        }
        Tensor t = byRole.get(role);
        if (t != null && t.shape().equals(shape) && t.dtype() == dtype && t.format() == format) {
            return t;
        }
        if (t != null) {
            byRole.remove(role); // a failed allocation below must not leave a closed tensor behind
            t.close();
        }
        t = backend.allocate(shape, dtype, format);
        byRole.put(role, t);
        return t;
    }

    @Override
    public void close() {
        byRole.values().forEach(Tensor::close);
        byRole.clear();
    }
}
