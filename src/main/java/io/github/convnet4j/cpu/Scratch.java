package io.github.convnet4j.cpu;

/**
 * Grow-only per-thread work arrays (im2col columns, transposed filters, grouped outputs), so that steady-state
 * training allocates nothing. Each slot is one purpose; a caller must not hold two arrays of the
 * same slot at once.
 */
final class Scratch {
    static final int COLUMNS = 0;
    static final int FILTER_T = 1;
    /** Convolution: a group of images' outputs or output gradients side by side, or a direct kernel's accumulator. */
    static final int GROUPED = 2;
    /** Convolution: the per-chunk partials of a small filter gradient. */
    static final int FILTER_PARTIALS = 5;
    static final int TRANSPOSED_A = 3;
    static final int TRANSPOSED_B = 4;
    private static final int SLOTS = 6;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    private Scratch() {
    }

    /** An array of at least {@code size} floats with unspecified contents. */
    static float[] get(int slot, int size) {
        float[][] slots = BUFFERS.get();
        if (slots[slot].length < size) {
            slots[slot] = new float[size];
        }
        return slots[slot];
    }
}
