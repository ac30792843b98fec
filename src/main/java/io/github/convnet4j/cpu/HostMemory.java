package io.github.convnet4j.cpu;

import io.github.convnet4j.tensor.Storage;

/**
 * What the CPU's storage classes share: heap memory has nothing to free, but marking it closed
 * makes a use after close an error, as on CUDA.
 */
abstract class HostMemory implements Storage {
    private volatile boolean closed;

    @Override
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final void close() {
        closed = true;
    }
}
