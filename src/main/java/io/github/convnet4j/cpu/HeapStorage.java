package io.github.convnet4j.cpu;

import io.github.convnet4j.tensor.Storage;

/** CPU tensor memory: a plain Java float array, freed by the garbage collector. */
final class HeapStorage implements Storage {
    final float[] data;
    private volatile boolean closed;

    HeapStorage(int size) {
        this.data = new float[size];
    }

    @Override
    public int capacity() {
        return data.length;
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
