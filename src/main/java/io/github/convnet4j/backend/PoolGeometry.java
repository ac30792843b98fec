package io.github.convnet4j.backend;

import io.github.convnet4j.tensor.Shape;

/** Shapes of one pooling: input (N, C, H, W), window, stride, padding and output (N, C, OH, OW). */
public record PoolGeometry(int n, int c, int h, int w, int windowH, int windowW,
                           int strideH, int strideW, int padH, int padW, int outH, int outW) {

    /**
     * Validates a pooling of {@code input} (rank 4, NCHW) and computes its output size with {@code rounding};
     * {@code layer} names the layer in error messages. Throws {@link IllegalArgumentException} when the input is not
     * rank 4, a window or stride is below 1, a padding is negative or not smaller than the window, the window is larger
     * than the padded input, or {@link OutputRounding#STRICT} meets a stride that does not divide.
     */
    public static PoolGeometry of(String layer, Shape input, int windowH, int windowW, int strideH, int strideW,
                                  int padH, int padW, OutputRounding rounding) {
        OpChecks.requireNchw(layer, input);
        if (windowH < 1 || windowW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException(layer + ": window and stride must be >= 1 and pad >= 0");
        }
        if (padH >= windowH || padW >= windowW) {
            // Otherwise a window could lie entirely in the padding and have no input to take.
            throw new IllegalArgumentException(layer + ": pad " + padH + "x" + padW
                    + " must be smaller than the window " + windowH + "x" + windowW);
        }
        int oh = rounding.outputSize(layer, "height", input.dim(2), windowH, strideH, padH);
        int ow = rounding.outputSize(layer, "width", input.dim(3), windowW, strideW, padW);
        return new PoolGeometry(input.dim(0), input.dim(1), input.dim(2), input.dim(3),
                windowH, windowW, strideH, strideW, padH, padW, oh, ow);
    }

    /** Whether the last window reaches past the padded input, as only ceil rounding makes it. */
    public boolean overhangs() {
        return (long) (outH - 1) * strideH + windowH > h + 2L * padH || (long) (outW - 1) * strideW + windowW > w + 2L * padW;
    }

    /** The input's shape (N, C, H, W). */
    public Shape inputShape() {
        return Shape.of(n, c, h, w);
    }

    /** The output's shape (N, C, OH, OW). */
    public Shape outputShape() {
        return Shape.of(n, c, outH, outW);
    }
}
