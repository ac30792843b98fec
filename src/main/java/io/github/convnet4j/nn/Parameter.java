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

    public Tensor value() {
        return value;
    }

    public Tensor gradient() {
        return gradient;
    }

    /** Whether L2 weight decay applies to this parameter. */
    public boolean decayed() {
        return decayed;
    }

    public Shape shape() {
        return value.shape();
    }

    @Override
    public void close() {
        value.close();
        gradient.close();
    }
}
