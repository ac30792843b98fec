package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * (N, C, H, W) → (N, C·H·W) as a view; the gradient gets the input's shape back. No copies, except
 * for a channels-last input, whose memory is not in the order a view would read: it is converted to
 * NCHW first (its own buffers, made at the first such input), and its gradient back to NHWC.
 */
public final class Flatten implements Layer {
    private final String name;
    private Shape inputShape;
    private Tensor input;
    private Buffers buffers;

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
        input = x;
        return RowMajor.of(x, buffers(x)).flattenToMatrix();
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor rowMajor = dout.reshape(inputShape);
        return RowMajor.inInputFormat(rowMajor, input, buffers(input));
    }

    /** Buffers for channels-last inputs only, on the input's backend (a Flatten is built without one). */
    private Buffers buffers(Tensor x) {
        if (buffers == null && x.format() != io.github.convnet4j.tensor.MemoryFormat.NCHW) {
            buffers = new Buffers(x.backend());
        }
        return buffers;
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
        if (buffers != null) { // views only, unless channels-last inputs came
            buffers.close();
            buffers = null;
        }
    }
}
