package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** An element-wise activation without parameters: ReLU, leaky ReLU, sigmoid, tanh or softplus. */
public final class ActivationLayer extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final Activation function;
    private final float param;
    private Tensor input;
    private Tensor output;

    /**
     * A layer applying {@code function} element-wise on {@code backend}; {@code param} is the slope for
     * {@link Activation#LEAKY_RELU} and ignored otherwise. The output has the input's shape.
     */
    public ActivationLayer(Backend backend, String name, Activation function, float param) {
        super(backend);
        this.backend = backend;
        this.name = name;
        this.function = function;
        this.param = param;
    }

    /** A ReLU layer, max(x, 0). */
    public static ActivationLayer relu(Backend b, String name) {
        return new ActivationLayer(b, name, Activation.RELU, 0f);
    }

    /**
     * A leaky ReLU layer, max(x, slope·x), with a fixed (not learned) {@code slope}; see {@link PRelu} for a learned
     * one.
     */
    public static ActivationLayer leakyRelu(Backend b, String name, float slope) {
        return new ActivationLayer(b, name, Activation.LEAKY_RELU, slope);
    }

    /** A sigmoid layer, 1 / (1 + e^−x). */
    public static ActivationLayer sigmoid(Backend b, String name) {
        return new ActivationLayer(b, name, Activation.SIGMOID, 0f);
    }

    /** A tanh layer. */
    public static ActivationLayer tanh(Backend b, String name) {
        return new ActivationLayer(b, name, Activation.TANH, 0f);
    }

    /** A softplus layer, log(1 + e^x). */
    public static ActivationLayer softplus(Backend b, String name) {
        return new ActivationLayer(b, name, Activation.SOFTPLUS, 0f);
    }

    /** The function this layer applies. */
    public Activation function() {
        return function;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        output = buffers.get("output", x.shape(), x);
        backend.activationForward(function, param, x, output);
        input = x;
        return output;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Tensor dx = buffers.get("dx", input.shape(), dout);
        backend.activationBackward(function, param, input, output, dout, dx);
        return dx;
    }
}
