package io.github.convnet4j.cpu;

/**
 * CPU tensor memory for BF16 or F16: the 16-bit patterns in a Java short array, exactly the bits a
 * GPU would hold, so that what the CPU stores rounds as the GPU stores. Which of the two types the
 * bits are is the tensor's {@code dtype()}.
 */
final class HalfStorage extends HostMemory {
    final short[] bits;

    HalfStorage(int size) {
        this.bits = new short[size];
    }

    @Override
    public long bytes() {
        return (long) bits.length * Short.BYTES;
    }
}
