package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * Local response normalisation across channels (AlexNet), in PyTorch's convention
 * ({@code torch.nn.LocalResponseNorm(size=n, alpha, beta, k)}):
 * b_c = a_c / (k + (α/n)·Σ_{j = c−⌊n/2⌋}^{c+⌊(n−1)/2⌋} a_j²)^β,
 * channels outside 0..C−1 counting as zero.
 * For odd n this is also cuDNN's and Caffe's window; for even n theirs is shifted one channel up,
 * so the CUDA backend (cuDNN) refuses even n rather than disagree with the CPU backend. See
 * {@link LrnParams}.
 */
public final class Lrn extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final LrnParams params;
    private Tensor input;
    private Tensor output;

    /**
     * Local response normalisation across channels of an NCHW input with {@code params}; throws
     * {@link IllegalArgumentException} naming the layer when {@code backend} cannot compute these settings (the CUDA
     * backend refuses an even size), so the failure comes when the model is built.
     */
    public Lrn(Backend backend, String name, LrnParams params) {
        super(backend);
        try {
            backend.requireLrnSupported(params);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        this.backend = backend;
        this.name = name;
        this.params = params;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        OpChecks.requireNchw(name, input);
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        output = buffers.get("output", outputShape(x.shape()), x);
        backend.lrnForward(params, x, output);
        input = x;
        return output;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dx = buffers.get("dx", input.shape(), dout);
        backend.lrnBackward(params, input, output, dout, dx);
        return dx;
    }
}
