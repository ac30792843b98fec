package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * A learnable tensor and its gradient, like an entry of the book's {@code params}/{@code grads}
 * dictionaries. Weight decay applies to weights, not to biases or normalisation scales.
 */
public final class Parameter implements AutoCloseable {
    private final String name;
    private final Tensor value;
    private final Tensor gradient;
    private final boolean decayed;

    /**
     * Allocates a zero-filled value and gradient of {@code shape} on {@code backend}; the parameter owns both and
     * frees them on {@link #close}. {@code decayed} says whether L2 weight decay applies (weights yes, biases and
     * scales no).
     */
    public Parameter(Backend backend, String name, Shape shape, boolean decayed) {
        this.name = name;
        this.value = backend.allocate(shape);
        try {
            this.gradient = backend.allocate(shape);
        } catch (RuntimeException | Error e) {
            value.close(); // nobody else can: the constructor never returns
            throw e;
        }
        this.decayed = decayed;
    }

    /** The full name, e.g. "conv1.weight". */
    public String name() {
        return name;
    }

    /**
     * The learned values, owned by this parameter: initializers and loaders write into it, optimizers update it in
     * place. Do not close it.
     */
    public Tensor value() {
        return value;
    }

    /**
     * dL/dvalue, owned by this parameter, of the value's shape; each backward of the owning layer overwrites it. Do
     * not close it.
     */
    public Tensor gradient() {
        return gradient;
    }

    /** Whether L2 weight decay applies to this parameter. */
    public boolean decayed() {
        return decayed;
    }

    /** The shape of the value and of the gradient. */
    public Shape shape() {
        return value.shape();
    }

    @Override
    public void close() {
        value.close();
        gradient.close();
    }
}
