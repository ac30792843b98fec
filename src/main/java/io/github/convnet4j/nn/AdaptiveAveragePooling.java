package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * PyTorch's AdaptiveAvgPool2d: averages each channel into a fixed outH × outW grid whatever the
 * input size (1×1 is global average pooling, ResNet's and GoogLeNet's; 7×7 is VGG's).
 */
public final class AdaptiveAveragePooling extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final int outH;
    private final int outW;
    private Shape inputShape;

    /**
     * A layer pooling each (H, W) plane of an NCHW input to {@code outH}×{@code outW} whatever the input size
     * ({@code 1, 1} is global average pooling); throws {@link IllegalArgumentException} naming the layer when a size
     * is below 1.
     */
    public AdaptiveAveragePooling(Backend backend, String name, int outH, int outW) {
        super(backend);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(name + ": output size must be >= 1, got " + outH + "x" + outW);
        }
        this.backend = backend;
        this.name = name;
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return shapeOf(name, input, outH, outW);
    }

    static Shape shapeOf(String name, Shape input, int outH, int outW) {
        OpChecks.requireNchw(name, input);
        return Shape.of(input.dim(0), input.dim(1), outH, outW);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = buffers.get("output", outputShape(x.shape()), x);
        backend.adaptiveAvgPoolForward(x, y);
        inputShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dx = buffers.get("dx", inputShape, dout);
        backend.adaptiveAvgPoolBackward(dout, dx);
        return dx;
    }

    @Override
    public boolean backwardNeedsInput() {
        return false;
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false;
    }
}
