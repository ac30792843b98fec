package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Pads the height and width of an NCHW value by different amounts on each side: how an imported
 * ONNX convolution or max pool with asymmetric pads (or auto_pad SAME with an odd total) runs on
 * the symmetric-pad layers. Zeros before a convolution; −∞ before a max pool when {@code minusInfinity},
 * so that padding never wins, as ONNX's MaxPool ignores pads. Computed on the host (a copy), since
 * it only appears in imported models and needs no device kernel to be correct.
 */
public final class Pad extends BufferedLayer {
    private final String name;
    private final int top;
    private final int bottom;
    private final int left;
    private final int right;
    private final float fill;
    private Shape inputShape;

    /** Pads {@code top}, {@code bottom} rows and {@code left}, {@code right} columns of zeros, or of −∞. */
    public Pad(Backend backend, String name, int top, int bottom, int left, int right, boolean minusInfinity) {
        super(backend);
        this.name = name;
        this.top = top;
        this.bottom = bottom;
        this.left = left;
        this.right = right;
        this.fill = minusInfinity ? Float.NEGATIVE_INFINITY : 0f;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return shapeOf(name, input, top, bottom, left, right);
    }

    static Shape shapeOf(String name, Shape s, int top, int bottom, int left, int right) {
        OpChecks.requireNchw(name, s);
        long h = (long) s.dim(2) + top + bottom;
        long w = (long) s.dim(3) + left + right;
        if (h * w * s.dim(1) > NetworkSpec.MAX_ACTIVATION_ELEMENTS) {
            throw new IllegalArgumentException(name + ": padding " + s + " gives more than "
                    + NetworkSpec.MAX_ACTIVATION_ELEMENTS + " elements per item");
        }
        return Shape.of(s.dim(0), s.dim(1), (int) h, (int) w);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        inputShape = x.shape();
        Shape out = outputShape(inputShape);
        float[] in = x.toArray();
        float[] y = new float[out.size()];
        Arrays.fill(y, fill);
        int h = inputShape.dim(2);
        int w = inputShape.dim(3);
        int ow = out.dim(3);
        int planes = inputShape.dim(0) * inputShape.dim(1);
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(in, (p * h + r) * w, y, (p * out.dim(2) + r + top) * ow + left, w);
            }
        }
        Tensor t = buffers.get("output", out, x);
        t.copyFrom(y);
        return t;
    }

    @Override
    public Tensor backward(Tensor dout) {
        float[] dy = dout.toArray();
        float[] dx = new float[inputShape.size()];
        int h = inputShape.dim(2);
        int w = inputShape.dim(3);
        int oh = dout.dim(2);
        int ow = dout.dim(3);
        int planes = inputShape.dim(0) * inputShape.dim(1);
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(dy, (p * oh + r + top) * ow + left, dx, (p * h + r) * w, w);
            }
        }
        Tensor t = buffers.get("dx", inputShape, dout);
        t.copyFrom(dx);
        return t;
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
