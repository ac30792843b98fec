package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolMode;

/** Max pooling: the book's pooling layer. Padding never wins the max. */
public final class MaxPooling extends Pooling {
    /**
     * Square max pooling: a {@code window}×{@code window} window moved by {@code stride}, {@code pad} on every side
     * (padding never wins), output size rounded as {@code rounding} says. The shapes are checked at the first forward
     * or {@link #outputShape}.
     */
    public MaxPooling(Backend backend, String name, int window, int stride, int pad, OutputRounding rounding) {
        super(backend, name, PoolMode.MAX, window, window, stride, pad, rounding);
    }
}
