package io.github.convnet4j.cpu;

/** CPU tensor memory for F32: a plain Java float array, freed by the garbage collector. */
final class HeapStorage extends HostMemory {
    final float[] data;

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
}
