package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Tensor;

/**
 * Flattening needs the logical row-major (NCHW) order: a channels-last input is converted into a
 * layer's buffer first, and the gradient of the flattened view is converted back into the
 * input's format. NCHW tensors pass through untouched, so FP32 NCHW networks copy nothing.
 */
final class RowMajor {
    private RowMajor() {
    }

    /** x itself when NCHW, else x's values in NCHW order (same type) in the role "row-major input". */
    static Tensor of(Tensor x, Buffers buffers) {
        if (x.format() == MemoryFormat.NCHW) {
            return x;
        }
        Tensor nchw = buffers.get("row-major input", x.shape(), x.dtype(), MemoryFormat.NCHW);
        x.backend().convert(x, nchw);
        return nchw;
    }

    /** Where to compute an input gradient of {@code input}'s shape and type in NCHW order. */
    static Tensor gradientBuffer(Tensor input, Buffers buffers) {
        if (input.format() == MemoryFormat.NCHW) {
            return buffers.get("dx", input.shape(), input);
        }
        return buffers.get("row-major dx", input.shape(), input.dtype(), MemoryFormat.NCHW);
    }

    /** The input gradient in the input's own format: {@code rowMajorDx} itself, or converted into the role "dx". */
    static Tensor inInputFormat(Tensor rowMajorDx, Tensor input, Buffers buffers) {
        if (input.format() == MemoryFormat.NCHW) {
            return rowMajorDx;
        }
        Tensor dx = buffers.get("dx", input.shape(), input);
        input.backend().convert(rowMajorDx, dx);
        return dx;
    }
}
