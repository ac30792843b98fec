package io.github.convnet4j.tensor;

/**
 * The order in which a rank-4 tensor's elements lie in memory. A tensor's {@link Shape} is always
 * the logical (N, C, H, W), whatever its format, as PyTorch's {@code channels_last} keeps
 * {@code size()}; only the strides differ. Host copies ({@link Tensor#toArray()},
 * {@link Tensor#copyFrom}) always use the logical NCHW order, so a test reads an NHWC tensor the way
 * it reads any other.
 */
public enum MemoryFormat {
    /** Row-major in (N, C, H, W): every plane of one channel together. Tensors of any rank. */
    NCHW,
    /**
     * Channels last, row-major in (N, H, W, C): the channels of one pixel together, as tensor-core
     * convolutions want them. Rank-4 tensors only.
     */
    NHWC;

    /** Where element (n, c, h, w) of a tensor of logical shape (N, C, H, W) lies in this format. */
    public int offset(int n, int c, int h, int w, int channels, int height, int width) {
        return this == NCHW
                ? ((n * channels + c) * height + h) * width + w
                : ((n * height + h) * width + w) * channels + c;
    }
}
