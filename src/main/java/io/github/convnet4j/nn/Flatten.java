package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** (N, C, H, W) → (N, C·H·W) as a view; the gradient gets the input's shape back. No copies. */
public final class Flatten implements Layer {
    private final String name;
    private Shape inputShape;

    /** A layer reshaping (N, C, H, W) to (N, C·H·W) as a view, without copying or owning anything. */
    public Flatten(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.batch(), input.perItem());
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        inputShape = x.shape();
        return x.flattenToMatrix();
    }

    @Override
    public Tensor backward(Tensor dout) {
        return dout.reshape(inputShape);
    }

    @Override
    public boolean backwardNeedsInput() {
        return false;
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false;
    }

    @Override
    public void close() {
        // Views only: nothing owned.
    }
}
