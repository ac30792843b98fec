package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sequential network ending in a loss layer, with the book's interface: {@link #predict},
 * {@link #loss}, {@link #gradient} and {@link #accuracy}. Parameters are named
 * "layer.weight"/"layer.bias" as PyTorch names them. Build one with {@link NetworkBuilder}.
 */
public final class Network implements AutoCloseable {
    private final Backend backend;
    private final Shape itemShape;
    private final List<Layer> layers;
    private final LossLayer lossLayer;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final NetworkSpec spec;
    private Tensor inputGradient;
    private Tensor scores;
    private boolean closed;

    Network(Backend backend, Shape itemShape, List<Layer> layers, LossLayer lossLayer, NetworkSpec spec) {
        this.backend = backend;
        this.spec = spec;
        this.itemShape = itemShape;
        this.layers = List.copyOf(layers);
        this.lossLayer = lossLayer;
        for (Layer layer : layers) {
            for (Parameter p : layer.parameters()) {
                if (parameters.put(p.name(), p) != null) {
                    throw new IllegalArgumentException("two parameters are named " + p.name() + ": layer names must be unique");
                }
            }
        }
    }

    public Backend backend() {
        return backend;
    }

    /** The architecture as data, or empty for networks with custom layers. */
    public java.util.Optional<NetworkSpec> spec() {
        return java.util.Optional.ofNullable(spec);
    }

    /** The shape of one input item, e.g. (1, 28, 28). */
    public Shape itemShape() {
        return itemShape;
    }

    public List<Layer> layers() {
        return layers;
    }

    public LossLayer lossLayer() {
        return lossLayer;
    }

    /** Runs all layers; the result is owned by the last layer and valid until the next forward. */
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x);
        Tensor t = x;
        for (Layer layer : layers) {
            t = layer.forward(t, training);
        }
        return t;
    }

    /** Scores in inference mode (dropout off, running batch-norm statistics). */
    public Tensor predict(Tensor x) {
        return forward(x, false);
    }

    /** The loss of a batch in inference mode; reads the scalar from the device. */
    public float loss(Tensor x, Tensor targets) {
        return lossLayer.forward(predict(x), targets).toArray()[0];
    }

    /**
     * Forward in training mode, then backward: afterwards every parameter's gradient holds
     * dL/dθ for this batch. Returns the loss as a one-element device tensor, not read back.
     */
    public Tensor gradient(Tensor x, Tensor targets) {
        scores = forward(x, true);
        Tensor loss = lossLayer.forward(scores, targets);
        Tensor d = lossLayer.backward();
        for (int i = layers.size() - 1; i >= 0; i--) {
            d = layers.get(i).backward(d);
        }
        inputGradient = d;
        return loss;
    }

    /** The scores (training mode) of the last {@link #gradient} call, owned by the last layer. */
    public Tensor lastScores() {
        return scores;
    }

    /**
     * Whether {@link #gradient} computes dL/dx for the input (default true). Training turns it off:
     * the first convolution then skips its backward-data pass.
     */
    public void setInputGradientNeeded(boolean needed) {
        if (!layers.isEmpty()) {
            layers.get(0).setInputGradientNeeded(needed);
        }
    }

    /** dL/dx of the last {@link #gradient} call (null when turned off). */
    public Tensor inputGradient() {
        return inputGradient;
    }

    /** Fraction of items whose top score is the label, in inference mode. */
    public double accuracy(Tensor x, Tensor labels) {
        return backend.countCorrect(predict(x), labels) / (double) x.dim(0);
    }

    /** Parameters in layer order. */
    public List<Parameter> parameters() {
        return Collections.unmodifiableList(new ArrayList<>(parameters.values()));
    }

    public Parameter parameter(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name + "; have " + parameters.keySet());
        }
        return p;
    }

    /**
     * Non-learned state saved with the model (batch-norm running averages), by name: in layer order,
     * and within a layer by name, so that model files list them in the same order in every JVM.
     */
    public Map<String, Tensor> buffers() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        layers.forEach(l -> all.putAll(new java.util.TreeMap<>(l.buffers())));
        return all;
    }

    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.shape().size()).sum();
    }

    /** One line per layer: name, type, output shape for one item, parameter count. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        Shape shape = prependBatch(itemShape);
        sb.append(String.format("%-12s %-16s %-20s %12s%n", "layer", "type", "output", "params"));
        sb.append(String.format("%-12s %-16s %-20s %12s%n", "input", "", shape, ""));
        for (Layer layer : layers) {
            shape = layer.outputShape(shape);
            long count = layer.parameters().stream().mapToLong(p -> p.shape().size()).sum();
            sb.append(String.format("%-12s %-16s %-20s %,12d%n", layer.name(), layer.getClass().getSimpleName(), shape, count));
        }
        sb.append(String.format("total parameters: %,d%n", parameterCount()));
        return sb.toString();
    }

    static Shape prependBatch(Shape item) {
        int[] d = new int[item.rank() + 1];
        d[0] = 1;
        System.arraycopy(item.dims(), 0, d, 1, item.rank());
        return Shape.of(d);
    }

    private void checkInput(Tensor x) {
        if (x.rank() != itemShape.rank() + 1) {
            throw new IllegalArgumentException("network input: expected (N, " + itemShape.toString().substring(1)
                    + ", got " + x.shape());
        }
        for (int i = 0; i < itemShape.rank(); i++) {
            if (x.dim(i + 1) != itemShape.dim(i)) {
                throw new IllegalArgumentException("network input: expected items of shape " + itemShape
                        + ", got " + x.shape());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (AutoCloseable c : closeables()) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the network failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private List<AutoCloseable> closeables() {
        List<AutoCloseable> all = new ArrayList<>(layers);
        all.add(lossLayer);
        return all;
    }
}
