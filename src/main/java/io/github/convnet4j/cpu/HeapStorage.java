package io.github.convnet4j.cpu;

import io.github.convnet4j.tensor.Storage;

/** CPU tensor memory: a plain Java float array, freed by the garbage collector. */
final class HeapStorage implements Storage {
    final float[] data;

    HeapStorage(int size) {
        this.data = new float[size];
    }

    @Override
    public int capacity() {
        return data.length;
    }

    @Override
    public void close() {
        // Heap memory: nothing to free explicitly.
    }
}
