package io.github.convnet4j.backend;

/**
 * How a sliding window's output size is computed when (in + 2·pad − window) is not a multiple of
 * the stride. The book requires it to divide; cuDNN and PyTorch floor (the last rows that do not
 * fit a whole window are ignored). Flooring is opt-in so that nothing is truncated silently.
 */
public enum OutputRounding {
    /** The book's rule: a non-integral output size is an error. */
    STRICT,
    /** cuDNN/PyTorch: round down, ignoring the input rows and columns no window reaches. */
    FLOOR,
    /**
     * PyTorch's {@code ceil_mode=True}, for pooling only (GoogLeNet): round up, so that a last,
     * partial window covers the rows left over, except that the last window must start inside the
     * input or its left padding. Windows are clipped to the input (and, for averages, the divisor
     * to the padded input).
     */
    CEIL;

    /** Output extent along one axis; throws with {@code what} in the message on bad input. */
    int outputSize(String what, String axis, int in, int window, int stride, int pad) {
        int span = in + 2 * pad - window;
        if (span < 0) {
            throw new IllegalArgumentException(what + ": window " + window + " is larger than the padded input "
                    + axis + " " + in + " + 2*" + pad);
        }
        if (this == STRICT && span % stride != 0) {
            throw new IllegalArgumentException(what + ": output " + axis + " (" + in + " + 2*" + pad + " - " + window
                    + ")/" + stride + " + 1 is not an integer; pick another pad/stride or use OutputRounding.FLOOR");
        }
        if (this == CEIL) {
            int out = (span + stride - 1) / stride + 1;
            return (out - 1) * stride >= in + pad ? out - 1 : out;
        }
        return span / stride + 1;
    }
}
