package io.github.convnet4j.backend;

/**
 * Local response normalisation across channels, in the convention cuDNN, Caffe and PyTorch share:
 * b_c = a_c / (k + (alpha/n)·Σ a_j²)^beta, the sum over channels j from c − ⌊(n−1)/2⌋ to
 * c + ⌈(n−1)/2⌉ that exist.
 */
public record LrnParams(int size, double alpha, double beta, double k) {
    /** AlexNet's values. */
    public static final LrnParams ALEXNET = new LrnParams(5, 1e-4, 0.75, 2.0);

    public LrnParams {
        if (size < 1 || size > 16) {
            throw new IllegalArgumentException("LRN size must be 1..16 (cuDNN's range), got " + size);
        }
        if (k <= 0 || alpha < 0 || beta < 0) {
            throw new IllegalArgumentException("LRN needs k > 0, alpha >= 0, beta >= 0; got k=" + k
                    + " alpha=" + alpha + " beta=" + beta);
        }
    }

    /** Channels below c that are in c's window. */
    public int before() {
        return (size - 1) / 2;
    }

    /** Channels above c that are in c's window. */
    public int after() {
        return size / 2;
    }
}
