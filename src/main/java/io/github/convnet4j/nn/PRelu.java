package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;

/** Parametric ReLU (He et al. 2015): a learned negative slope per channel, starting at 0.25. */
public final class PRelu implements Layer {
    private final Backend backend;
    private final String name;
    private final Parameter slope;
    private final ParameterCast slopeCast;
    private final Buffers buffers;
    private Tensor input;

    /**
     * A parametric ReLU with a learned slope ({@code name}.weight, starting at 0.25) per channel of dimension 1, or
     * one shared slope when {@code channels} is 1. The slope is not decayed.
     */
    public PRelu(Backend backend, String name, int channels) {
        this.backend = backend;
        this.name = name;
        UnderConstruction made = new UnderConstruction();
        try {
            this.slope = made.add(new Parameter(backend, name + ".weight", Shape.of(channels), false));
            this.buffers = new Buffers(backend);
            this.slopeCast = new ParameterCast(backend, slope);
            backend.fill(slope.value(), 0.25f);
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
        int channels = slope.shape().size();
        if (channels != 1 && (input.rank() < 2 || input.dim(1) != channels)) {
            throw new IllegalArgumentException(name + ": expected " + channels + " channels in dimension 1, got " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = buffers.get("output", outputShape(x.shape()), x);
        backend.preluForward(x, slopeCast.value(x), y);
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dx = buffers.get("dx", input.shape(), dout);
        backend.preluBackward(input, slopeCast.current(), dout, dx, slopeCast.gradient());
        slopeCast.storeGradient();
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(slope);
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
        slopeCast.close();
        slope.close();
        buffers.close();
    }
}
