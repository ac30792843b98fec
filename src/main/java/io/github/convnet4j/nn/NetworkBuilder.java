package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Builds a {@link Network} layer by layer, tracking the shape so that each layer is checked
 * against its input when it is added and errors name the layer. Weights are drawn from one
 * seeded generator in layer order, so a seed fixes the initial network on every backend.
 *
 * <p>Each layer reads the current value, which is the last layer added, so plain calls build a
 * chain. For a graph, {@link #from} makes an earlier layer's output (or {@value Graph#INPUT}) the
 * current value, to start a branch there, and {@link #sum} and {@link #concat} merge named values;
 * the network's output is the last layer added.
 */
public final class NetworkBuilder {
    private final Backend backend;
    private final Shape itemShape;
    private final Random rng;
    private final long seed;
    private final List<Graph.Node> nodes = new ArrayList<>();
    /** The shape of every value so far (batch 1), the input included. */
    private final Map<String, Shape> shapes = new HashMap<>();
    /** The value the next layer reads. */
    private String current = Graph.INPUT;
    /** The recorded architecture; null once a layer without a spec is added (custom layers). */
    private List<NetworkSpec.LayerSpec> specs = new ArrayList<>();
    private Shape shape;
    private Initializer init = Initializer.he();
    private OutputRounding rounding = OutputRounding.STRICT;
    private boolean shareBuffers = true;

    /**
     * A builder for networks on {@code backend} taking items of {@code itemShape} (without the batch dimension, e.g.
     * (1, 28, 28)); {@code seed} fixes the initial weights and the dropout masks. Layers are allocated as they are
     * added; the network returned by {@link #softmaxWithLoss} and its siblings owns them, and on any failure the
     * builder closes what it has built.
     */
    public NetworkBuilder(Backend backend, Shape itemShape, long seed) {
        this.backend = backend;
        this.itemShape = itemShape;
        this.seed = seed;
        this.rng = new Random(seed);
        this.shape = Network.prependBatch(itemShape);
        shapes.put(Graph.INPUT, shape);
    }

    /** For tests: every layer keeps its own buffers (no liveness), the reference the shared pool must match. */
    NetworkBuilder withoutSharedBuffers() {
        this.shareBuffers = false;
        return this;
    }

    /** The initialiser for the weights of the layers added after this call. */
    public NetworkBuilder initializer(Initializer initializer) {
        this.init = initializer;
        return this;
    }

    /** The output-size rule for the convolutions and pools added after this call. */
    public NetworkBuilder rounding(OutputRounding r) {
        this.rounding = r;
        return this;
    }

    /** The current output shape (batch 1). */
    public Shape shape() {
        return shape;
    }

    /** The shape (batch 1) of a value added so far, or of the input. */
    public Shape shape(String value) {
        Shape s = shapes.get(value);
        if (s == null) {
            throw new IllegalArgumentException("no value named '" + value + "' yet (have " + shapes.keySet() + ")");
        }
        return s;
    }

    /** The name of the value the next layer reads (the last layer added, or where {@link #from} moved). */
    public String current() {
        return current;
    }

    /** The next layer reads this value: an earlier layer's output or {@value Graph#INPUT}, to start a branch. */
    public NetworkBuilder from(String value) {
        if (!shapes.containsKey(value)) {
            closeAll();
            throw new IllegalArgumentException("from('" + value + "'): no such value (have " + shapes.keySet() + ")");
        }
        current = value;
        shape = shapes.get(value);
        return this;
    }

    /** Element-wise sum of values of one shape (a residual connection); IllegalArgumentException naming them otherwise. */
    public NetworkBuilder sum(String name, String... inputs) {
        return merge(name, "add", inputs, () -> new Add(backend, name));
    }

    /** Concatenation of NCHW values along channels (Inception); N, H and W must agree. */
    public NetworkBuilder concat(String name, String... inputs) {
        return merge(name, "concat", inputs, () -> new Concat(backend, name));
    }

    private NetworkBuilder merge(String name, String type, String[] inputs, Supplier<Layer> constructor) {
        for (String in : inputs) {
            if (!shapes.containsKey(in)) {
                closeAll();
                throw new IllegalArgumentException("node '" + name + "' reads '" + in + "', which no node defines"
                        + " (values: " + shapes.keySet() + ")");
            }
        }
        return make(name, type, Map.of(), List.of(inputs), constructor);
    }

    /** Adds a custom layer reading the named values; the network then has no spec. */
    public NetworkBuilder add(Layer layer, String... inputs) {
        specs = null;
        return check(layer, List.of(inputs));
    }

    /**
     * A square convolution with a bias: {@code outChannels} filters of {@code kernel}×{@code kernel}, the same stride
     * and zero padding on both axes, its output size rounded by {@link #rounding}. Needs an NCHW current value. Throws
     * {@link IllegalArgumentException} naming the layer when it does not fit the current shape; the layers built so
     * far are then closed.
     */
    public NetworkBuilder conv(String name, int outChannels, int kernel, int stride, int pad) {
        return conv(name, outChannels, kernel, kernel, stride, stride, pad, pad);
    }

    /**
     * A convolution with a bias and per-axis kernel, stride and padding (height first). Throws
     * {@link IllegalArgumentException} naming the layer when it does not fit the current shape; the layers built so
     * far are then closed.
     */
    public NetworkBuilder conv(String name, int outChannels, int kernelH, int kernelW,
                               int strideH, int strideW, int padH, int padW) {
        return conv(name, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, true);
    }

    /** A convolution without a bias when {@code bias} is false (before a batch norm, as torchvision's). */
    public NetworkBuilder conv(String name, int outChannels, int kernel, int stride, int pad, boolean bias) {
        return conv(name, outChannels, kernel, kernel, stride, stride, pad, pad, bias);
    }

    /**
     * A convolution with per-axis kernel, stride and padding (height first), with a bias unless {@code bias} is false;
     * the input channels are the current value's dimension 1. Throws {@link IllegalArgumentException} naming the layer
     * when it does not fit the current shape; the layers built so far are then closed.
     */
    public NetworkBuilder conv(String name, int outChannels, int kernelH, int kernelW,
                               int strideH, int strideW, int padH, int padW, boolean bias) {
        requireRank(name, 4);
        Map<String, Object> args = new HashMap<>(Map.of("out", outChannels, "kh", kernelH, "kw", kernelW, "sh", strideH,
                "sw", strideW, "ph", padH, "pw", padW, "rounding", rounding.name()));
        args.put("bias", bias);
        return make(name, "conv", args,
                () -> new Convolution(backend, name, shape.dim(1), outChannels, kernelH, kernelW,
                strideH, strideW, padH, padW, rounding, bias, init, rng));
    }

    /**
     * Square max pooling without padding. Throws {@link IllegalArgumentException} naming the layer when it does not
     * fit the current shape; the layers built so far are then closed.
     */
    public NetworkBuilder maxPool(String name, int window, int stride) {
        return maxPool(name, window, stride, 0);
    }

    /**
     * Square max pooling with {@code pad} on every side (padding never wins), its output size rounded by
     * {@link #rounding}. Throws {@link IllegalArgumentException} naming the layer when it does not fit the current
     * shape; the layers built so far are then closed.
     */
    public NetworkBuilder maxPool(String name, int window, int stride, int pad) {
        return make(name, "maxpool", Map.of("window", window, "stride", stride, "pad", pad, "rounding", rounding.name()),
                () -> new MaxPooling(backend, name, window, stride, pad, rounding));
    }

    /**
     * Square average pooling without padding. Throws {@link IllegalArgumentException} naming the layer when it does
     * not fit the current shape; the layers built so far are then closed.
     */
    public NetworkBuilder avgPool(String name, int window, int stride) {
        return avgPool(name, window, stride, 0);
    }

    /** Average pooling with zero padding counted in the divisor (PyTorch's count_include_pad=True). */
    public NetworkBuilder avgPool(String name, int window, int stride, int pad) {
        return make(name, "avgpool", Map.of("window", window, "stride", stride, "pad", pad, "rounding", rounding.name()),
                () -> new AveragePooling(backend, name, window, stride, pad, rounding));
    }

    /**
     * Average pooling whose divisor counts padded positions when {@code countIncludePad} (PyTorch's default), else
     * only the input positions inside each window (ONNX AveragePool's default).
     */
    public NetworkBuilder avgPool(String name, int window, int stride, int pad, boolean countIncludePad) {
        Map<String, Object> args = new HashMap<>(Map.of("window", window, "stride", stride, "pad", pad,
                "rounding", rounding.name()));
        args.put("count_include_pad", countIncludePad);
        return make(name, "avgpool", args,
                () -> new AveragePooling(backend, name, window, stride, pad, rounding, countIncludePad));
    }

    /**
     * A softmax (or log-softmax when {@code log}) over dimension {@code axis} of the current value (≥ 1: the batch is
     * 0), or over all dimensions from {@code axis} on as one vector when {@code trailing}; for imported models whose
     * output is probabilities.
     */
    public NetworkBuilder softmax(String name, int axis, boolean trailing, boolean log) {
        Map<String, Object> args = new HashMap<>(Map.of("axis", axis));
        args.put("trailing", trailing);
        return make(name, log ? "log_softmax" : "softmax", args,
                () -> new Softmax(backend, name, axis, trailing, log));
    }

    /** Pads an NCHW value's rows and columns by different amounts per side, with zeros or (minusInfinity) −∞. */
    public NetworkBuilder pad(String name, int top, int bottom, int left, int right, boolean minusInfinity) {
        Map<String, Object> args = new HashMap<>(Map.of("top", top, "bottom", bottom, "left", left, "right", right));
        args.put("minus_infinity", minusInfinity);
        return make(name, "pad", args,
                () -> new Pad(backend, name, top, bottom, left, right, minusInfinity));
    }

    /** PyTorch's AdaptiveAvgPool2d to outH × outW. */
    public NetworkBuilder adaptiveAvgPool(String name, int outH, int outW) {
        return make(name, "adaptive_avgpool", Map.of("out_h", outH, "out_w", outW),
                () -> new AdaptiveAveragePooling(backend, name, outH, outW));
    }

    /** Global average pooling: adaptive to 1 × 1. */
    public NetworkBuilder globalAvgPool(String name) {
        return adaptiveAvgPool(name, 1, 1);
    }

    /**
     * A fully connected layer to {@code outFeatures} outputs, reading all the current value's elements per item (an
     * NCHW value is flattened). Throws {@link IllegalArgumentException} naming the layer when it does not fit the
     * current shape; the layers built so far are then closed.
     */
    public NetworkBuilder affine(String name, int outFeatures) {
        return make(name, "affine", Map.of("out", outFeatures),
                () -> new Affine(backend, name, shape.perItem(), outFeatures, init, rng));
    }

    /** A ReLU, max(x, 0), on the current value. */
    public NetworkBuilder relu(String name) {
        return make(name, "relu", Map.of(),
                () -> ActivationLayer.relu(backend, name));
    }

    /** A leaky ReLU, max(x, slope·x), with a fixed {@code slope}. */
    public NetworkBuilder leakyRelu(String name, float slope) {
        return make(name, "leaky_relu", Map.of("slope", slope),
                () -> ActivationLayer.leakyRelu(backend, name, slope));
    }

    /** A PReLU with one learned slope per channel (dimension 1 of the current value), starting at 0.25. */
    public NetworkBuilder prelu(String name) {
        return make(name, "prelu", Map.of(),
                () -> new PRelu(backend, name, shape.dim(1)));
    }

    /** A sigmoid, 1 / (1 + e^−x), on the current value. */
    public NetworkBuilder sigmoid(String name) {
        return make(name, "sigmoid", Map.of(),
                () -> ActivationLayer.sigmoid(backend, name));
    }

    /** A tanh on the current value. */
    public NetworkBuilder tanh(String name) {
        return make(name, "tanh", Map.of(),
                () -> ActivationLayer.tanh(backend, name));
    }

    /** A softplus, log(1 + e^x), on the current value. */
    public NetworkBuilder softplus(String name) {
        return make(name, "softplus", Map.of(),
                () -> ActivationLayer.softplus(backend, name));
    }

    /**
     * Inverted dropout zeroing each element with probability {@code ratio} in training (the identity in inference);
     * its masks follow from the builder's seed and the layer's position. Throws {@link IllegalArgumentException}
     * naming the layer unless 0 ≤ ratio &lt; 1.
     */
    public NetworkBuilder dropout(String name, float ratio) {
        return make(name, "dropout", Map.of("ratio", ratio),
                () -> new Dropout(backend, name, ratio, seed * 31 + nodes.size()));
    }

    /**
     * Local response normalisation across channels of an NCHW value; throws {@link IllegalArgumentException} naming
     * the layer when the backend cannot compute {@code params}.
     */
    public NetworkBuilder lrn(String name, LrnParams params) {
        return make(name, "lrn", Map.of("size", params.size(), "alpha", params.alpha(), "beta", params.beta(), "k", params.k()),
                () -> new Lrn(backend, name, params));
    }

    /**
     * Batch norm with PyTorch's defaults: eps 1e-5, momentum 0.1. Throws {@link IllegalArgumentException} naming the
     * layer when it does not fit the current shape; the layers built so far are then closed.
     */
    public NetworkBuilder batchNorm(String name) {
        return batchNorm(name, 1e-5);
    }

    /** Batch norm with this epsilon (GoogLeNet's is 0.001); momentum 0.1 as PyTorch's. */
    public NetworkBuilder batchNorm(String name, double eps) {
        requireMinRank(name, 2);
        return make(name, "batchnorm", Map.of("eps", eps),
                () -> new BatchNorm(backend, name, shape.dim(1), 0.1, eps));
    }

    /** A view of the current value as (N, everything else), for an affine layer after convolutions. */
    public NetworkBuilder flatten(String name) {
        return make(name, "flatten", Map.of(),
                () -> new Flatten(name));
    }

    /** Adds a custom layer reading the current value; the network then has no spec and cannot be saved as a model file. */
    public NetworkBuilder add(Layer layer) {
        specs = null;
        return check(layer, List.of(current));
    }

    private NetworkBuilder make(String name, String type, Map<String, Object> args, Supplier<Layer> constructor) {
        return make(name, type, args, List.of(current), constructor);
    }

    /**
     * Constructs the layer and records its spec; if either throws (a bad setting, a failed
     * allocation), everything built so far is closed before the exception propagates.
     */
    private NetworkBuilder make(String name, String type, Map<String, Object> args, List<String> inputs,
                                Supplier<Layer> constructor) {
        Layer layer = null;
        try {
            layer = constructor.get(); // first, so that the layer's own message names a bad setting
            if (specs != null) {
                specs.add(new NetworkSpec.LayerSpec(type, name, args, recordedInputs(type, inputs)));
            }
        } catch (RuntimeException | Error e) {
            if (layer != null) {
                layer.close();
            }
            closeAll();
            throw e;
        }
        return check(layer, inputs);
    }

    /** A layer reading the one before it records no inputs, so a chain's spec is what it always was. */
    private List<String> recordedInputs(String type, List<String> inputs) {
        String previous = nodes.isEmpty() ? Graph.INPUT : nodes.get(nodes.size() - 1).name();
        return !NetworkSpec.MERGES.contains(type) && inputs.equals(List.of(previous)) ? List.of() : inputs;
    }

    /**
     * Checks the layer accepts its inputs' shapes and its name is new; on a mismatch everything
     * built so far is closed. The new layer's output becomes the current value.
     */
    private NetworkBuilder check(Layer layer, List<String> inputs) {
        try {
            if (shapes.containsKey(layer.name())) {
                throw new IllegalArgumentException("two nodes are named '" + layer.name() + "'");
            }
            List<Shape> in = inputs.stream().map(this::shape).toList();
            try {
                shape = layer.arity() == 1 && in.size() == 1 ? layer.outputShape(in.get(0)) : layer.outputShape(in);
            } catch (IllegalArgumentException e) {
                throw inputs.size() > 1 ? new IllegalArgumentException("node '" + layer.name() + "' reads "
                        + Graph.describe(inputs, in) + ": " + e.getMessage(), e) : e;
            }
        } catch (RuntimeException e) {
            layer.close();
            closeAll();
            throw e;
        }
        nodes.add(new Graph.Node(layer.name(), layer, inputs));
        shapes.put(layer.name(), shape);
        current = layer.name();
        return this;
    }

    /**
     * Ends the network with softmax and cross-entropy over class-index labels and returns it; the caller owns the
     * network (close it before the backend) and the builder must not be used again. Throws
     * {@link IllegalArgumentException} if {@link #from} moved away from the last layer added, or the architecture
     * exceeds the bounds of {@link NetworkSpec#plan}.
     */
    public Network softmaxWithLoss() {
        return finish(() -> new SoftmaxWithLoss(backend), "softmax_cross_entropy");
    }

    /**
     * Ends the network with the mean squared error against targets of the output's shape; ownership and failures as
     * for {@link #softmaxWithLoss}.
     */
    public Network meanSquaredError() {
        return finish(() -> new MeanSquaredError(backend), "mean_squared_error");
    }

    /** Ends with a custom loss layer: the network has no spec and cannot be saved as a model file. */
    public Network build(LossLayer loss) {
        return finish(() -> loss, null);
    }

    /** Makes the network, which then owns the layers and the loss; on failure closes them all. */
    private Network finish(Supplier<LossLayer> lossConstructor, String lossName) {
        LossLayer loss = null;
        try {
            loss = lossConstructor.get();
            if (!nodes.isEmpty() && !current.equals(nodes.get(nodes.size() - 1).name())) {
                throw new IllegalArgumentException("the output is the last layer added ("
                        + nodes.get(nodes.size() - 1).name() + "), but from('" + current + "') moved away from it");
            }
            NetworkSpec spec = specs == null || lossName == null ? null
                    : new NetworkSpec(NetworkSpec.dims(itemShape), specs, lossName);
            if (spec != null) {
                spec.plan(); // the bounds a saved file would be held to
            }
            Graph graph = Graph.of(Network.prependBatch(itemShape), nodes,
                    nodes.isEmpty() ? Graph.INPUT : nodes.get(nodes.size() - 1).name());
            return new Network(backend, itemShape, graph, loss, spec, shareBuffers);
        } catch (RuntimeException | Error e) {
            if (loss != null) {
                loss.close();
            }
            closeAll();
            throw e;
        }
    }

    private void requireMinRank(String layer, int rank) {
        if (shape.rank() < rank) {
            closeAll();
            throw new IllegalArgumentException(layer + ": expected input of rank >= " + rank + ", got " + shape);
        }
    }

    private void requireRank(String layer, int rank) {
        if (shape.rank() != rank) {
            closeAll();
            throw new IllegalArgumentException(layer + ": expected input of rank " + rank + ", got " + shape);
        }
    }

    private void closeAll() {
        nodes.forEach(n -> n.layer().close());
        nodes.clear();
    }
}
