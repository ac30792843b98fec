package io.github.convnet4j.backend;

import io.github.convnet4j.tensor.Shape;

/**
 * Everything about one convolution's shapes, computed and validated once: input (N, C, H, W),
 * filters (K, C, FH, FW), stride, padding and output (N, K, OH, OW) with
 * OH = (H + 2·padH − FH)/strideH + 1.
 */
public record ConvGeometry(int n, int c, int h, int w, int k, int fh, int fw,
                           int strideH, int strideW, int padH, int padW, int outH, int outW) {

    /**
     * Validates input against filter and computes the output size.
     *
     * @param layer name used in error messages
     */
    public static ConvGeometry of(String layer, Shape input, Shape filter, int strideH, int strideW,
                                  int padH, int padW, OutputRounding rounding) {
        OpChecks.requireNchw(layer, input);
        if (filter.rank() != 4) {
            throw new IllegalArgumentException(layer + ": expected filters of rank 4 (K, C, FH, FW), got " + filter);
        }
        if (input.dim(1) != filter.dim(1)) {
            throw new IllegalArgumentException(layer + ": input has " + input.dim(1) + " channels but filters "
                    + filter + " expect " + filter.dim(1) + " (input shape " + input + ")");
        }
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException(layer + ": stride must be >= 1 and pad >= 0, got stride "
                    + strideH + "x" + strideW + " pad " + padH + "x" + padW);
        }
        if (rounding == OutputRounding.CEIL) {
            throw new IllegalArgumentException(layer + ": ceil rounding applies to pooling only; a convolution takes"
                    + " STRICT or FLOOR");
        }
        int oh = rounding.outputSize(layer, "height", input.dim(2), filter.dim(2), strideH, padH);
        int ow = rounding.outputSize(layer, "width", input.dim(3), filter.dim(3), strideW, padW);
        return new ConvGeometry(input.dim(0), input.dim(1), input.dim(2), input.dim(3),
                filter.dim(0), filter.dim(2), filter.dim(3), strideH, strideW, padH, padW, oh, ow);
    }

    /** The input's shape (N, C, H, W). */
    public Shape inputShape() {
        return Shape.of(n, c, h, w);
    }

    /** The filters' shape (K, C, FH, FW). */
    public Shape filterShape() {
        return Shape.of(k, c, fh, fw);
    }

    /** The output's shape (N, K, OH, OW). */
    public Shape outputShape() {
        return Shape.of(n, k, outH, outW);
    }

    /** Rows of the per-image im2col matrix: C·FH·FW. */
    public int colRows() {
        return c * fh * fw;
    }

    /** Columns of the per-image im2col matrix: OH·OW. */
    public int colCols() {
        return outH * outW;
    }

    /** Multiply-adds ×2 of one forward pass over the whole batch. */
    public double forwardFlops() {
        return 2.0 * n * k * (double) colCols() * colRows();
    }
}
