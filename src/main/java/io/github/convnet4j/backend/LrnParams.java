package io.github.convnet4j.backend;

/**
 * Local response normalisation across channels in PyTorch's convention
 * ({@code torch.nn.LocalResponseNorm}): b_c = a_c / (k + (alpha/n)·Σ a_j²)^beta, the sum over the
 * channels j from c − ⌊n/2⌋ to c + ⌊(n−1)/2⌋ that exist (PyTorch pads the squares with ⌊n/2⌋ zeros
 * before and ⌊(n−1)/2⌋ after and averages n of them). For odd n that is the centred window that
 * cuDNN and Caffe use too; for even n cuDNN and Caffe put the extra channel above c
 * (c − ⌊(n−1)/2⌋ … c + ⌊n/2⌋) and PyTorch below it. We follow PyTorch so that weights moved between
 * PyTorch and this engine give the same outputs; the CUDA backend therefore refuses even n (see
 * {@link #cudnnAgrees()}).
 */
public record LrnParams(int size, double alpha, double beta, double k) {
    /** AlexNet's values. */
    public static final LrnParams ALEXNET = new LrnParams(5, 1e-4, 0.75, 2.0);

    /**
     * Validates the settings: {@code size} (the window n, in channels) in 1..16, {@code k > 0}, {@code alpha >= 0},
     * {@code beta >= 0}; throws {@link IllegalArgumentException} otherwise.
     */
    public LrnParams {
        if (size < 1 || size > 16) {
            throw new IllegalArgumentException("LRN size must be 1..16 (cuDNN's range), got " + size);
        }
        if (k <= 0 || alpha < 0 || beta < 0) {
            throw new IllegalArgumentException("LRN needs k > 0, alpha >= 0, beta >= 0; got k=" + k
                    + " alpha=" + alpha + " beta=" + beta);
        }
    }

    /** Channels below c that are in c's window: ⌊n/2⌋. */
    public int before() {
        return size / 2;
    }

    /** Channels above c that are in c's window: ⌊(n−1)/2⌋. */
    public int after() {
        return (size - 1) / 2;
    }

    /**
     * Whether cuDNN's window (c − ⌊(n−1)/2⌋ … c + ⌊n/2⌋, documented with cudnnSetLRNDescriptor) is this
     * one: for odd n only.
     */
    public boolean cudnnAgrees() {
        return size % 2 == 1;
    }
}
