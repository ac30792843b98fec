package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

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
        return make(name, "conv", Map.of("out", outChannels, "kh", kernelH, "kw", kernelW, "sh", strideH, "sw", strideW,
                "ph", padH, "pw", padW, "rounding", rounding.name()),
                () -> new Convolution(backend, name, shape.dim(1), outChannels, kernelH, kernelW,
                strideH, strideW, padH, padW, rounding, init, rng));
    }

    public NetworkBuilder maxPool(String name, int window, int stride) {
        return maxPool(name, window, stride, 0);
    }

    public NetworkBuilder maxPool(String name, int window, int stride, int pad) {
        return make(name, "maxpool", Map.of("window", window, "stride", stride, "pad", pad, "rounding", rounding.name()),
                () -> new MaxPooling(backend, name, window, stride, pad, rounding));
    }

    public NetworkBuilder avgPool(String name, int window, int stride) {
        return make(name, "avgpool", Map.of("window", window, "stride", stride, "rounding", rounding.name()),
                () -> new AveragePooling(backend, name, window, stride, 0, rounding));
    }

    public NetworkBuilder affine(String name, int outFeatures) {
        return make(name, "affine", Map.of("out", outFeatures),
                () -> new Affine(backend, name, shape.perItem(), outFeatures, init, rng));
    }

    public NetworkBuilder relu(String name) {
        return make(name, "relu", Map.of(),
                () -> ActivationLayer.relu(backend, name));
    }

    public NetworkBuilder leakyRelu(String name, float slope) {
        return make(name, "leaky_relu", Map.of("slope", slope),
                () -> ActivationLayer.leakyRelu(backend, name, slope));
    }

    public NetworkBuilder prelu(String name) {
        return make(name, "prelu", Map.of(),
                () -> new PRelu(backend, name, shape.dim(1)));
    }

    public NetworkBuilder sigmoid(String name) {
        return make(name, "sigmoid", Map.of(),
                () -> ActivationLayer.sigmoid(backend, name));
    }

    public NetworkBuilder tanh(String name) {
        return make(name, "tanh", Map.of(),
                () -> ActivationLayer.tanh(backend, name));
    }

    public NetworkBuilder softplus(String name) {
        return make(name, "softplus", Map.of(),
                () -> ActivationLayer.softplus(backend, name));
    }

    public NetworkBuilder dropout(String name, float ratio) {
        return make(name, "dropout", Map.of("ratio", ratio),
                () -> new Dropout(backend, name, ratio, seed * 31 + layers.size()));
    }

    public NetworkBuilder lrn(String name, LrnParams params) {
        return make(name, "lrn", Map.of("size", params.size(), "alpha", params.alpha(), "beta", params.beta(), "k", params.k()),
                () -> new Lrn(backend, name, params));
    }

    public NetworkBuilder batchNorm(String name) {
        return make(name, "batchnorm", Map.of(),
                () -> new BatchNorm(backend, name, shape.dim(1)));
    }

    public NetworkBuilder flatten(String name) {
        return make(name, "flatten", Map.of(),
                () -> new Flatten(name));
    }

    /** Adds a custom layer; the network then has no spec and cannot be saved as a model file. */
    public NetworkBuilder add(Layer layer) {
        if (specs != null && (specs.isEmpty() || !specs.get(specs.size() - 1).name().equals(layer.name()))) {
            specs = null;
        }
        return check(layer);
    }

    /**
     * Constructs the layer and records its spec; if either throws (a bad setting, a failed
     * allocation), everything built so far is closed before the exception propagates.
     */
    private NetworkBuilder make(String name, String type, Map<String, Object> args, Supplier<Layer> constructor) {
        Layer layer = null;
        try {
            layer = constructor.get(); // first, so that the layer's own message names a bad setting
            if (specs != null) {
                specs.add(new NetworkSpec.LayerSpec(type, name, args));
            }
        } catch (RuntimeException | Error e) {
            if (layer != null) {
                layer.close();
            }
            closeAll();
            throw e;
        }
        return add(layer);
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
        return finish(() -> new SoftmaxWithLoss(backend), "softmax_cross_entropy");
    }

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
            NetworkSpec spec = specs == null || lossName == null ? null
                    : new NetworkSpec(NetworkSpec.dims(itemShape), specs, lossName);
            return new Network(backend, itemShape, layers, loss, spec);
        } catch (RuntimeException | Error e) {
            if (loss != null) {
                loss.close();
            }
            closeAll();
            throw e;
        }
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
