package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Storage;
import io.github.convnet4j.tensor.Tensor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * A backend for ownership tests: it counts live allocations (allocated, not yet closed), can fail
 * the n-th allocation or every upload, and accepts fills and uploads without doing them. Nothing
 * else is supported: building networks is all it is for.
 */
final class CountingBackend {
    int live;
    int allocations;
    int failAllocation = -1;
    boolean failUploads;
    final Backend backend;

    CountingBackend() {
        InvocationHandler h = (proxy, m, args) -> switch (m.getName()) {
            case "allocate" -> allocate((Shape) args[0]);
            case "upload" -> {
                if (failUploads) {
                    throw new IllegalStateException("upload failed (planted)");
                }
                yield null;
            }
            case "fill", "close" -> null;
            case "name" -> "counting";
            default -> {
                if (m.isDefault()) {
                    yield InvocationHandler.invokeDefault(proxy, m, args);
                }
                throw new UnsupportedOperationException(m.getName());
            }
        };
        backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }

    private Tensor allocate(Shape shape) {
        if (allocations++ == failAllocation) {
            throw new OutOfMemoryError("allocation " + failAllocation + " failed (planted)");
        }
        live++;
        return new Tensor(backend, shape, new Storage() {
            private boolean closed;

            @Override
            public int capacity() {
                return shape.size();
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    live--;
                }
            }
        }, true);
    }
}
