package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation per channel (dimension 1): batch statistics in training, running averages
 * at inference. Parameters and buffers carry PyTorch's names (weight = γ, bias = β,
 * running_mean, running_var).
 */
public final class BatchNorm implements Layer {
    private final Backend backend;
    private final String name;
    private final int channels;
    private final double momentum;
    private final double eps;
    private final Parameter gamma;
    private final Parameter beta;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor savedMean;
    private final Tensor savedInvStd;
    private final Buffers buffers;
    private Tensor input;

    /** Batch normalisation of {@code channels} channels with PyTorch's defaults, momentum 0.1 and eps 1e-5. */
    public BatchNorm(Backend backend, String name, int channels) {
        this(backend, name, channels, 0.1, 1e-5);
    }

    /**
     * Batch normalisation over dimension 1 of an (N, C) or (N, C, H, W) input: scale {@code name}.weight starts at 1,
     * shift {@code name}.bias at 0, running mean at 0 and running variance at 1. {@code momentum} is the weight of
     * each new batch in the running averages (PyTorch's convention); {@code eps} is added to the variance and must be
     * at least {@link io.github.convnet4j.backend.OpChecks#BATCH_NORM_MIN_EPSILON} (checked at the first forward). The
     * layer owns its tensors, freed also when the constructor fails.
     */
    public BatchNorm(Backend backend, String name, int channels, double momentum, double eps) {
        this.backend = backend;
        this.name = name;
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        Shape s = Shape.of(channels);
        UnderConstruction made = new UnderConstruction();
        try {
            this.gamma = made.add(new Parameter(backend, name + ".weight", s, false));
            this.beta = made.add(new Parameter(backend, name + ".bias", s, false));
            this.runningMean = made.add(backend.allocate(s));
            this.runningVar = made.add(backend.allocate(s));
            this.savedMean = made.add(backend.allocate(s));
            this.savedInvStd = made.add(backend.allocate(s));
            this.buffers = new Buffers(backend);
            backend.fill(gamma.value(), 1f);
            backend.fill(runningVar, 1f);
        } catch (RuntimeException | Error e) {
            made.abandon(e);
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(1) != channels) {
            throw new IllegalArgumentException(name + ": expected " + channels + " channels in dimension 1, got " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = buffers.get("output", outputShape(x.shape()), x);
        if (training) {
            backend.batchNormForwardTraining(x, gamma.value(), beta.value(), y, runningMean, runningVar,
                    savedMean, savedInvStd, momentum, eps);
        } else {
            backend.batchNormForwardInference(x, gamma.value(), beta.value(), y, runningMean, runningVar, eps);
        }
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dx = buffers.get("dx", input.shape(), dout);
        backend.batchNormBackward(input, dout, gamma.value(), savedMean, savedInvStd, dx, gamma.gradient(), beta.gradient(), eps);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public Map<String, Tensor> buffers() {
        return Map.of(name + ".running_mean", runningMean, name + ".running_var", runningVar);
    }

    @Override
    public void shareBuffers(BufferPool pool) {
        buffers.share(pool);
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false;
    }

    @Override
    public void close() {
        gamma.close();
        beta.close();
        runningMean.close();
        runningVar.close();
        savedMean.close();
        savedInvStd.close();
        buffers.close();
    }
}
