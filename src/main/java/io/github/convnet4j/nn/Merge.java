package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;

/**
 * A layer that reads several values ({@link Add}, {@link Concat}). The network calls only the list
 * forms; the one-tensor forms of {@link Layer} are refused, since a merge of one input is a mistake.
 */
abstract class Merge extends BufferedLayer {
    /** At most this many inputs to one merge: more than any architecture uses, so a file cannot ask for millions. */
    static final int MAX_INPUTS = 64;

    private final String name;

    Merge(Backend backend, String name) {
        super(backend);
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int arity() {
        return 0;
    }

    @Override
    public final Shape outputShape(Shape input) {
        throw new IllegalArgumentException(name + ": a merge reads at least 2 values, got 1 (" + input + ")");
    }

    @Override
    public final Tensor forward(Tensor x, boolean training) {
        throw new IllegalArgumentException(name + ": a merge reads at least 2 values; call forward(List, boolean)");
    }

    @Override
    public final Tensor backward(Tensor dout) {
        throw new IllegalArgumentException(name + ": a merge has a gradient per input; call backwardAll");
    }

    /** Merges need neither their inputs nor their output in backward, only shapes. */
    @Override
    public final boolean backwardNeedsInput() {
        return false;
    }

    @Override
    public final boolean backwardNeedsOutput() {
        return false;
    }

    static void requireInputCount(String name, List<Shape> inputs) {
        if (inputs.size() < 2 || inputs.size() > MAX_INPUTS) {
            throw new IllegalArgumentException(name + ": a merge reads 2.." + MAX_INPUTS + " values, got "
                    + inputs.size());
        }
    }
}
