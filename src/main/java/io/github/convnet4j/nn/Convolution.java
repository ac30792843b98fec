package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Random;

/** 2-D convolution: weight (K, C, FH, FW) and, unless built without (before a batch norm), bias (K). */
public final class Convolution implements Layer {
    private final Backend backend;
    private final String name;
    private final int strideH;
    private final int strideW;
    private final int padH;
    private final int padW;
    private final OutputRounding rounding;
    private final Parameter weight;
    private final Parameter bias;
    private final ParameterCast weightCast;
    private final ParameterCast biasCast;
    private final Buffers buffers;
    private ConvGeometry geometry;
    private Tensor input;
    private boolean inputGradientNeeded = true;

    /**
     * A 2-D convolution with a bias: {@code outChannels} filters of {@code inChannels}×{@code kernelH}×{@code kernelW}
     * ({@code name}.weight, shape (K, C, FH, FW), initialized by {@code init} from {@code rng}; {@code name}.bias starts
     * at zero), moved by the strides over the input padded with zeros. The layer owns its parameters, freed also when
     * the constructor fails. The input shape is checked at the first forward or {@link #outputShape}.
     */
    public Convolution(Backend backend, String name, int inChannels, int outChannels, int kernelH, int kernelW,
                       int strideH, int strideW, int padH, int padW, OutputRounding rounding,
                       Initializer init, Random rng) {
        this(backend, name, inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, rounding, true,
                init, rng);
    }

    /** With {@code withBias} false the layer has no bias parameter, as PyTorch's {@code bias=False}. */
    public Convolution(Backend backend, String name, int inChannels, int outChannels, int kernelH, int kernelW,
                       int strideH, int strideW, int padH, int padW, OutputRounding rounding, boolean withBias,
                       Initializer init, Random rng) {
        this.backend = backend;
        this.name = name;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.rounding = rounding;
        UnderConstruction made = new UnderConstruction();
        try {
            this.weight = made.add(new Parameter(backend, name + ".weight",
                    Shape.of(outChannels, inChannels, kernelH, kernelW), true));
            this.bias = withBias ? made.add(new Parameter(backend, name + ".bias", Shape.of(outChannels), false)) : null;
            this.buffers = new Buffers(backend);
            this.weightCast = new ParameterCast(backend, weight);
            this.biasCast = bias == null ? null : new ParameterCast(backend, bias);
            init.initialize(weight, inChannels * kernelH * kernelW, outChannels * kernelH * kernelW, rng);
        } catch (RuntimeException | Error e) {
            made.abandon(e);
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    private ConvGeometry geometry(Shape input) {
        if (geometry == null || !geometry.inputShape().equals(input)) {
            geometry = ConvGeometry.of(name, input, weight.shape(), strideH, strideW, padH, padW, rounding);
        }
        return geometry;
    }

    @Override
    public Shape outputShape(Shape input) {
        return geometry(input).outputShape();
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        ConvGeometry g = geometry(x.shape());
        Tensor y = buffers.get("output", g.outputShape(), x);
        backend.convForward(g, x, weightCast.value(x), bias == null ? null : biasCast.value(x), y);
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        ConvGeometry g = geometry(input.shape());
        backend.convBackwardFilter(g, input, dout, weightCast.gradient());
        weightCast.storeGradient();
        if (bias != null) {
            backend.convBackwardBias(g, dout, biasCast.gradient());
            biasCast.storeGradient();
        }
        if (!inputGradientNeeded) {
            return null;
        }
        Tensor dx = buffers.get("dx", g.inputShape(), input);
        backend.convBackwardData(g, dout, weightCast.current(), dx);
        return dx;
    }

    @Override
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    /** The filters, shape (out channels, in channels, kernel height, kernel width); owned by this layer. */
    public Parameter weight() {
        return weight;
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
        weightCast.close();
        weight.close();
        if (bias != null) {
            biasCast.close();
            bias.close();
        }
        buffers.close();
    }
}
