package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * A layer's reusable work tensors, by role ("output", "dx", ...). A tensor is allocated the first
 * time a role is asked for with a shape and reused as long as the shape stays the same, so
 * steady-state training allocates nothing.
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
    private Tensor fromPool(String role, Shape shape) {
        Tensor last = lastFromPool.get(role);
        Tensor t = last != null && last.shape().equals(shape) && pool.isOrphan(last) ? last : pool.acquire(shape);
        lastFromPool.put(role, t);
        return t;
    }

    private static final String OUTPUT = "output";
    private static final String DX = "dx";

    Tensor get(String role, Shape shape) {
        if (pool != null && (OUTPUT.equals(role) || role.startsWith(DX))) {
            return fromPool(role, shape);
        }
        Tensor t = byRole.get(role);
        if (t != null && t.shape().equals(shape)) {
            return t;
        }
        if (t != null) {
            byRole.remove(role); // a failed allocation below must not leave a closed tensor behind
            t.close();
        }
        t = backend.allocate(shape);
        byRole.put(role, t);
        return t;
    }

    @Override
    public void close() {
        byRole.values().forEach(Tensor::close);
        byRole.clear();
    }
}
