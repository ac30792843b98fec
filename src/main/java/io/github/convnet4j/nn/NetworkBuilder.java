package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds a {@link Network} layer by layer, tracking the shape so that each layer is checked
 * against its input when it is added and errors name the layer. Weights are drawn from one
 * seeded generator in layer order, so a seed fixes the initial network on every backend.
 */
public final class NetworkBuilder {
    private final Backend backend;
    private final Shape itemShape;
    private final Random rng;
    private final long seed;
    private final List<Layer> layers = new ArrayList<>();
    /** The recorded architecture; null once a layer without a spec is added (custom layers). */
    private List<NetworkSpec.LayerSpec> specs = new ArrayList<>();
    private Shape shape;
    private Initializer init = Initializer.he();
    private OutputRounding rounding = OutputRounding.STRICT;

    public NetworkBuilder(Backend backend, Shape itemShape, long seed) {
        this.backend = backend;
        this.itemShape = itemShape;
        this.seed = seed;
        this.rng = new Random(seed);
        this.shape = Network.prependBatch(itemShape);
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

    public NetworkBuilder conv(String name, int outChannels, int kernel, int stride, int pad) {
        return conv(name, outChannels, kernel, kernel, stride, stride, pad, pad);
    }

    public NetworkBuilder conv(String name, int outChannels, int kernelH, int kernelW,
                               int strideH, int strideW, int padH, int padW) {
        requireRank(name, 4);
        record(name, "conv", Map.of("out", outChannels, "kh", kernelH, "kw", kernelW, "sh", strideH, "sw", strideW,
                "ph", padH, "pw", padW, "rounding", rounding.name()));
        return add(new Convolution(backend, name, shape.dim(1), outChannels, kernelH, kernelW,
                strideH, strideW, padH, padW, rounding, init, rng));
    }

    public NetworkBuilder maxPool(String name, int window, int stride) {
        return maxPool(name, window, stride, 0);
    }

    public NetworkBuilder maxPool(String name, int window, int stride, int pad) {
        record(name, "maxpool", Map.of("window", window, "stride", stride, "pad", pad, "rounding", rounding.name()));
        return add(new MaxPooling(backend, name, window, stride, pad, rounding));
    }

    public NetworkBuilder avgPool(String name, int window, int stride) {
        record(name, "avgpool", Map.of("window", window, "stride", stride, "rounding", rounding.name()));
        return add(new AveragePooling(backend, name, window, stride, 0, rounding));
    }

    public NetworkBuilder affine(String name, int outFeatures) {
        record(name, "affine", Map.of("out", outFeatures));
        return add(new Affine(backend, name, shape.perItem(), outFeatures, init, rng));
    }

    public NetworkBuilder relu(String name) {
        record(name, "relu", Map.of());
        return add(ActivationLayer.relu(backend, name));
    }

    public NetworkBuilder leakyRelu(String name, float slope) {
        record(name, "leaky_relu", Map.of("slope", slope));
        return add(ActivationLayer.leakyRelu(backend, name, slope));
    }

    public NetworkBuilder prelu(String name) {
        record(name, "prelu", Map.of());
        return add(new PRelu(backend, name, shape.dim(1)));
    }

    public NetworkBuilder sigmoid(String name) {
        record(name, "sigmoid", Map.of());
        return add(ActivationLayer.sigmoid(backend, name));
    }

    public NetworkBuilder tanh(String name) {
        record(name, "tanh", Map.of());
        return add(ActivationLayer.tanh(backend, name));
    }

    public NetworkBuilder softplus(String name) {
        record(name, "softplus", Map.of());
        return add(ActivationLayer.softplus(backend, name));
    }

    public NetworkBuilder dropout(String name, float ratio) {
        record(name, "dropout", Map.of("ratio", ratio));
        return add(new Dropout(backend, name, ratio, seed * 31 + layers.size()));
    }

    public NetworkBuilder lrn(String name, LrnParams params) {
        record(name, "lrn", Map.of("size", params.size(), "alpha", params.alpha(), "beta", params.beta(), "k", params.k()));
        return add(new Lrn(backend, name, params));
    }

    public NetworkBuilder batchNorm(String name) {
        record(name, "batchnorm", Map.of());
        return add(new BatchNorm(backend, name, shape.dim(1)));
    }

    public NetworkBuilder flatten(String name) {
        record(name, "flatten", Map.of());
        return add(new Flatten(name));
    }

    /** Adds a custom layer; the network then has no spec and cannot be saved as a model file. */
    public NetworkBuilder add(Layer layer) {
        if (specs != null && (specs.isEmpty() || !specs.get(specs.size() - 1).name().equals(layer.name()))) {
            specs = null;
        }
        return check(layer);
    }

    private void record(String name, String type, Map<String, Object> args) {
        if (specs != null) {
            specs.add(new NetworkSpec.LayerSpec(type, name, args));
        }
    }

    /** Checks the layer accepts the current shape; on a mismatch everything built so far is closed. */
    private NetworkBuilder check(Layer layer) {
        try {
            shape = layer.outputShape(shape);
        } catch (RuntimeException e) {
            layer.close();
            closeAll();
            throw e;
        }
        layers.add(layer);
        return this;
    }

    public Network softmaxWithLoss() {
        return build(new SoftmaxWithLoss(backend), "softmax_cross_entropy");
    }

    public Network meanSquaredError() {
        return build(new MeanSquaredError(backend), "mean_squared_error");
    }

    /** Ends with a custom loss layer: the network has no spec and cannot be saved as a model file. */
    public Network build(LossLayer loss) {
        return new Network(backend, itemShape, layers, loss, null);
    }

    private Network build(LossLayer loss, String lossName) {
        NetworkSpec spec = specs == null ? null : new NetworkSpec(NetworkSpec.dims(itemShape), specs, lossName);
        return new Network(backend, itemShape, layers, loss, spec);
    }

    private void requireRank(String layer, int rank) {
        if (shape.rank() != rank) {
            closeAll();
            throw new IllegalArgumentException(layer + ": expected input of rank " + rank + ", got " + shape);
        }
    }

    private void closeAll() {
        layers.forEach(Layer::close);
        layers.clear();
    }
}
