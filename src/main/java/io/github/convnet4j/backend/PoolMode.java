package io.github.convnet4j.backend;

/** Pooling kinds. Average pooling counts padded positions in the divisor, as PyTorch and Caffe do. */
public enum PoolMode {
    /** The largest input of each window; padded positions never win. */
    MAX,
    /**
     * The mean of each window, dividing by the window size with padded (zero) positions counted; a window that
     * overhangs the padded input under {@link OutputRounding#CEIL} divides by the part inside it.
     */
    AVERAGE,
    /**
     * The mean of the input positions inside each window: padded positions are not counted (ONNX
     * AveragePool's default, count_include_pad=0, and PyTorch's count_include_pad=False).
     */
    AVERAGE_EXCLUDE_PAD
}
