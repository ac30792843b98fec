package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolMode;

/** Average pooling (LeNet's subsampling); padded positions count in the divisor. */
public final class AveragePooling extends Pooling {
    /**
     * Square average pooling: a {@code window}×{@code window} window moved by {@code stride}, {@code pad} zeros on
     * every side (counted in the divisor), output size rounded as {@code rounding} says. The shapes are checked at the
     * first forward or {@link #outputShape}.
     */
    public AveragePooling(Backend backend, String name, int window, int stride, int pad, OutputRounding rounding) {
        super(backend, name, PoolMode.AVERAGE, window, window, stride, pad, rounding);
    }

    /** As above; with {@code countIncludePad} false the divisor counts only the input positions in the window. */
    public AveragePooling(Backend backend, String name, int window, int stride, int pad, OutputRounding rounding,
                          boolean countIncludePad) {
        super(backend, name, countIncludePad ? PoolMode.AVERAGE : PoolMode.AVERAGE_EXCLUDE_PAD, window, window, stride,
                pad, rounding);
    }
}
