package io.github.convnet4j.backend;

/**
 * The counter-based random numbers behind dropout masks: element i of a mask drawn with seed s
 * depends only on (s, i). Every backend computes the same function (the CUDA kernel in
 * cuda/dropout.cu mirrors this code), so masks match across devices and a resumed run
 * reproduces them.
 */
public final class DropoutHash {
    private DropoutHash() {
    }

    /** splitmix64 of seed and index, mapped to a float uniform in [0, 1) with 24 random bits. */
    public static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1.0p-24f;
    }

    /** The mask value for one element: 0 if dropped, else the inverted-dropout scale. */
    public static float maskValue(long seed, long index, float ratio) {
        return uniform(seed, index) < ratio ? 0f : 1f / (1f - ratio);
    }
}
