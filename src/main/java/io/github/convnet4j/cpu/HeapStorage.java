package io.github.convnet4j.cpu;

import io.github.convnet4j.tensor.Storage;

/** CPU tensor memory for F32: a plain Java float array, freed by the garbage collector. */
final class HeapStorage implements Storage {
    final float[] data;
    private volatile boolean closed;

    HeapStorage(int size) {
        this(new float[size]);
    }

    /** Memory around an existing array (the staging area's scratch), which the caller keeps. */
    HeapStorage(float[] data) {
        this.data = data;
    }

    @Override
    public long bytes() {
        return (long) data.length * Float.BYTES;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Heap memory has nothing to free; marking it closed makes a use after close an error, as on CUDA. */
    @Override
    public void close() {
        closed = true;
    }
}
