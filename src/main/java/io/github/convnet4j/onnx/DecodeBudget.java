package io.github.convnet4j.onnx;

import io.github.convnet4j.io.ModelFormatException;

/**
 * The bytes one model (or one backend test) may decode in all. Each tensor is bounded on its own by
 * {@link OnnxTensors}, but a graph may hold 65,536 of them, all pointing into one sparse external
 * file, so the total is bounded too, and checked before each tensor is allocated. The limit is the
 * smaller of {@value #MAX_DECODED_BYTES} bytes and half the JVM's maximum heap (the decoded weights
 * are copied once more into the network).
 */
final class DecodeBudget {
    /** 2 GiB: VGG-19's weights decode to 548 MB. */
    static final long MAX_DECODED_BYTES = 1L << 31;

    private final long limit;
    private final String why;
    private long used;

    DecodeBudget(long limit, String why) {
        this.limit = limit;
        this.why = why;
    }

    /** The budget for one model read in this JVM. */
    static DecodeBudget forThisJvm() {
        long half = Runtime.getRuntime().maxMemory() / 2;
        return half < MAX_DECODED_BYTES
                ? new DecodeBudget(half, "half of this JVM's maximum heap (-Xmx)")
                : new DecodeBudget(MAX_DECODED_BYTES, "the " + MAX_DECODED_BYTES + " bytes decoded per model");
    }

    /**
     * Takes {@code kept} bytes for a tensor's arrays, which must fit together with {@code transientBytes}
     * (a read buffer freed once decoded); throws naming the tensor, the running total and the limit.
     */
    void take(String what, long kept, long transientBytes) throws ModelFormatException {
        if (kept > limit - used - transientBytes) {
            throw new ModelFormatException(what + " needs " + kept + " bytes decoded"
                    + (transientBytes > 0 ? " (and " + transientBytes + " read)" : "") + " after " + used
                    + " bytes already decoded; the limit is " + limit + " bytes, " + why);
        }
        used += kept;
    }

    long used() {
        return used;
    }
}
