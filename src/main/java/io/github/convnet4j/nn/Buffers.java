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

    Buffers(Backend backend) {
        this.backend = backend;
    }

    Tensor get(String role, Shape shape) {
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
