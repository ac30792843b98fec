package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network ending in a loss layer, with the book's interface: {@link #predict},
 * {@link #loss}, {@link #gradient} and {@link #accuracy}. Its layers form a {@link Graph} (a chain
 * is the common case); parameters are named "layer.weight"/"layer.bias" as PyTorch names them.
 * Build one with {@link NetworkBuilder}.
 *
 * <p>Memory follows liveness: layers take their outputs and input gradients from one
 * {@link BufferPool}, and a value goes back to it once no later node reads it (in forward, and in
 * training once backward no longer needs it). A value read by several nodes receives the sum of
 * their gradients: the first gradient to arrive is adopted as the value's gradient, and later ones
 * are added into it (into a copy if the first is shared, as an Add shares its gradient with both
 * inputs), so a chain pays nothing and each extra reader one add.
 *
 * <p>Mixed precision and channels-last ({@link #setActivationKind}) are casts at the boundaries, as
 * PyTorch's autocast places them: the input is converted to the activations' type and format on
 * entry, every layer computes in the kind of its input (weights cast from their FP32 masters, their
 * gradients widened back), and the scores are converted to FP32 NCHW before the loss, whose
 * gradient is converted back. Parameters, gradients seen by the optimizer, batch-norm statistics
 * and the loss stay FP32.
 */
public final class Network implements AutoCloseable {
    private final Backend backend;
    private final Shape itemShape;
    private final Graph graph;
    private final List<Layer> layers;
    private final LossLayer lossLayer;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final NetworkSpec spec;
    private final BufferPool pool;
    /** The forward values of the current pass, by name, each retained in the pool. */
    private final Map<String, Tensor> values = new HashMap<>();
    /** The gradients of the current backward, by value name, each retained in the pool. */
    private final Map<String, Tensor> gradients = new HashMap<>();
    private final Set<String> inputGradientFree = new HashSet<>();
    private Tensor inputGradient;
    private Tensor scores;
    private boolean closed;
    private DType activationType = DType.F32;
    private MemoryFormat activationFormat = MemoryFormat.NCHW;
    /** The caller's input of this pass when the entry cast changed its kind (null otherwise): the input gradient's kind. */
    private Tensor castFrom;
    /** The key of the scores converted for the loss among the values; no layer can be named so. */
    private static final String LOSS_INPUT = "\0loss input";

    Network(Backend backend, Shape itemShape, List<Layer> layers, LossLayer lossLayer, NetworkSpec spec) {
        this(backend, itemShape, Graph.of(prependBatch(itemShape), chain(layers), null), lossLayer, spec);
    }

    Network(Backend backend, Shape itemShape, Graph graph, LossLayer lossLayer, NetworkSpec spec) {
        this(backend, itemShape, graph, lossLayer, spec, true);
    }

    /** {@code shareBuffers} false leaves every layer its own buffers: the reference liveness is tested against. */
    Network(Backend backend, Shape itemShape, Graph graph, LossLayer lossLayer, NetworkSpec spec, boolean shareBuffers) {
        this.backend = backend;
        this.spec = spec;
        this.itemShape = itemShape;
        this.graph = graph;
        this.layers = graph.nodes().stream().map(Graph.Node::layer).toList();
        this.lossLayer = lossLayer;
        for (Layer layer : layers) {
            for (Parameter p : layer.parameters()) {
                if (parameters.put(p.name(), p) != null) {
                    throw new IllegalArgumentException("two parameters are named " + p.name() + ": layer names must be unique");
                }
            }
        }
        this.pool = new BufferPool(backend);
        if (shareBuffers) {
            layers.forEach(l -> l.shareBuffers(pool));
        }
    }

    /** Each layer reads the one before it; the first reads the input. */
    static List<Graph.Node> chain(List<Layer> layers) {
        List<Graph.Node> nodes = new ArrayList<>();
        String previous = Graph.INPUT;
        for (Layer l : layers) {
            nodes.add(new Graph.Node(l.name(), l, List.of(previous)));
            previous = l.name();
        }
        return nodes;
    }

    /**
     * The backend every layer of this network runs on. The network does not own it: close the network first, then the
     * backend.
     */
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

    /** The layers in forward (topological) order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layers' graph: who reads what. */
    public Graph graph() {
        return graph;
    }

    /** The pool the layers' outputs and gradients come from (its peak is the network's activation memory). */
    public BufferPool bufferPool() {
        return pool;
    }

    /** The loss layer that ends the network; owned by the network, which closes it. */
    public LossLayer lossLayer() {
        return lossLayer;
    }

    /**
     * Runs all layers; the result is valid until the next forward. Values go back to the pool once
     * no later node reads them, and, in inference, also those that training would keep for backward.
     */
    public Tensor forward(Tensor x, boolean training) {
        return forward(x, training, null);
    }

    /**
     * Inference forward that shows every node's output to {@code observer} as it is made (feature
     * maps): the tensor is valid only during the call, since liveness may reuse it afterwards.
     */
    public Tensor forwardObserved(Tensor x, java.util.function.BiConsumer<String, Tensor> observer) {
        return forward(x, false, java.util.Objects.requireNonNull(observer, "observer"));
    }

    /**
     * The type and memory format of activations and their gradients from the next pass on: F32 and
     * NCHW by default; BF16 or F16 for mixed precision, NHWC for channels-last (rank-4 values only;
     * flattened ones are NCHW, the only order a matrix has). The backend must support them
     * ({@link Backend#supports}); parameters stay FP32 masters whatever is chosen.
     */
    public void setActivationKind(DType type, MemoryFormat format) {
        java.util.Objects.requireNonNull(type, "activation type");
        java.util.Objects.requireNonNull(format, "activation memory format");
        if (!backend.supports(io.github.convnet4j.backend.Op.ALLOCATE, type, format)) {
            throw new IllegalArgumentException("activations in " + type + " " + format + ": the " + backend.name()
                    + " backend does not hold such tensors");
        }
        this.activationType = type;
        this.activationFormat = format;
    }

    /** The type activations are computed in (F32 unless {@link #setActivationKind} said otherwise). */
    public DType activationType() {
        return activationType;
    }

    /** The memory format of rank-4 activations (NCHW unless {@link #setActivationKind} said otherwise). */
    public MemoryFormat activationFormat() {
        return activationFormat;
    }

    private Tensor forward(Tensor x, boolean training, java.util.function.BiConsumer<String, Tensor> observer) {
        checkInput(x);
        startPass();
        MemoryFormat format = x.rank() == 4 ? activationFormat : MemoryFormat.NCHW;
        castFrom = null;
        if (x.dtype() == activationType && x.format() == format) {
            values.put(Graph.INPUT, x);
        } else { // the entry cast: the network's own copy, returned to the pool when nothing reads it any more
            castFrom = x;
            Tensor cast = pool.acquire(x.shape(), activationType, format);
            backend.convert(x, cast);
            hold(values, Graph.INPUT, cast);
        }
        List<Graph.Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            List<Tensor> in = new ArrayList<>(node.inputs().size());
            node.inputs().forEach(name -> in.add(values.get(name)));
            Tensor y = node.layer().arity() == 1 ? node.layer().forward(in.get(0), training)
                    : node.layer().forward(in, training);
            hold(values, node.name(), y);
            if (observer != null) {
                observer.accept(node.name(), y);
            }
            for (String read : new HashSet<>(node.inputs())) {
                if (graph.lastForwardReader(read) == i && !(training && graph.neededInBackward(read))) {
                    drop(values, read);
                }
            }
        }
        return values.get(graph.output());
    }

    /** Forgets the last pass: its values and gradients go back to the pool. */
    private void startPass() {
        values.clear();
        gradients.clear();
        inputGradient = null;
        scores = null;
        pool.releaseAll();
    }

    private void hold(Map<String, Tensor> map, String name, Tensor t) {
        map.put(name, t);
        pool.retain(t);
    }

    private void drop(Map<String, Tensor> map, String name) {
        Tensor t = map.remove(name);
        if (t != null) {
            pool.release(t);
        }
    }

    /** Scores in inference mode (dropout off, running batch-norm statistics). */
    public Tensor predict(Tensor x) {
        return forward(x, false);
    }

    /** The loss of a batch in inference mode; reads the scalar from the device. */
    public float loss(Tensor x, Tensor targets) {
        return lossLayer.forward(forLoss(predict(x)), targets).toArray()[0];
    }

    /** Scores as the loss takes them: FP32 NCHW, converted into a pool tensor given back at the next pass. */
    private Tensor forLoss(Tensor out) {
        if (out.isF32Nchw()) {
            return out;
        }
        Tensor f32 = pool.acquire(out.shape());
        backend.convert(out, f32);
        hold(values, LOSS_INPUT, f32); // held, so no layer's buffer can come back on top of it before the next pass
        return f32;
    }

    /**
     * Forward in training mode, then backward: afterwards every parameter's gradient holds
     * dL/dθ for this batch. Returns the loss as a one-element device tensor, not read back.
     */
    public Tensor gradient(Tensor x, Tensor targets) {
        return gradient(x, targets, 1f);
    }

    /**
     * As {@link #gradient(Tensor, Tensor)} with the loss gradient multiplied by {@code lossScale}
     * before it goes back through the network, so that every gradient is lossScale·dL/dθ (F16
     * training's loss scaling: small gradients stay above F16's underflow); the returned loss is
     * not scaled. The caller divides the gradients by the scale before the step
     * ({@code DynamicLossScaler}).
     */
    public Tensor gradient(Tensor x, Tensor targets, float lossScale) {
        if (!(lossScale > 0) || Float.isInfinite(lossScale)) {
            throw new IllegalArgumentException("loss scale must be positive and finite, got " + lossScale);
        }
        Tensor out = forward(x, true);
        Tensor f32 = forLoss(out);
        Tensor loss = lossLayer.forward(f32, targets);
        Tensor dScores = lossLayer.backward();
        if (lossScale != 1f) {
            backend.scale(dScores, lossScale);
        }
        if (f32 == out) {
            gradients.put(graph.output(), dScores);
        } else { // the cast's backward: the gradient in the scores' own kind
            Tensor dOut = pool.acquire(out.shape(), out.dtype(), out.format());
            backend.convert(dScores, dOut);
            hold(gradients, graph.output(), dOut);
        }
        List<Graph.Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            backward(nodes.get(i));
        }
        scores = out;
        inputGradient = gradients.get(Graph.INPUT);
        if (inputGradient != null && castFrom != null) { // the entry cast's backward: dL/dx in x's own kind
            Tensor dx = pool.acquire(castFrom.shape(), castFrom.dtype(), castFrom.format());
            backend.convert(inputGradient, dx);
            hold(gradients, LOSS_INPUT, dx);
            inputGradient = dx;
        }
        return loss;
    }

    /**
     * One node's backward: its gradient in, a contribution to each input's gradient out; then the
     * node's output and its gradient are no longer needed (every reader ran before it in reverse).
     */
    private void backward(Graph.Node node) {
        Tensor dy = gradients.get(node.name());
        if (dy == null) {
            return; // no path from this node to the loss carries a gradient
        }
        List<Tensor> dx = node.layer().arity() == 1 ? java.util.Collections.singletonList(node.layer().backward(dy))
                : node.layer().backwardAll(dy);
        for (int j = 0; j < node.inputs().size(); j++) {
            String input = node.inputs().get(j);
            if (!(input.equals(Graph.INPUT) && inputGradientFree.contains(node.name()))) {
                accumulate(input, dx.get(j));
            }
        }
        drop(gradients, node.name());
        if (!node.name().equals(graph.output())) {
            drop(values, node.name());
        }
    }

    /**
     * Adds a contribution to a value's gradient: the first is adopted; a later one is added in
     * place when the gradient's memory is the value's alone, else into a fresh copy (it is shared,
     * e.g. an Add handed the same tensor to both its inputs).
     */
    private void accumulate(String value, Tensor contribution) {
        if (contribution == null) {
            return;
        }
        Tensor current = gradients.get(value);
        if (current == null) {
            hold(gradients, value, contribution);
            return;
        }
        if (pool.holders(current) != 1) {
            Tensor own = pool.acquire(current.shape(), current.dtype(), current.format());
            backend.copy(current, own);
            drop(gradients, value);
            hold(gradients, value, own);
            current = own;
        }
        backend.axpy(1f, contribution, current);
        pool.retain(contribution); // and let go at once: nobody else took it, it returns to the pool
        pool.release(contribution);
    }

    /** The scores (training mode) of the last {@link #gradient} call; valid until the next forward. */
    public Tensor lastScores() {
        return scores;
    }

    /**
     * Whether {@link #gradient} computes dL/dx for the input (default true). Training turns it off:
     * the first convolution then skips its backward-data pass.
     */
    public void setInputGradientNeeded(boolean needed) {
        for (Graph.Node node : graph.nodes()) {
            if (node.inputs().contains(Graph.INPUT)) {
                node.layer().setInputGradientNeeded(needed);
                if (needed) {
                    inputGradientFree.remove(node.name());
                } else {
                    inputGradientFree.add(node.name());
                }
            }
        }
    }

    /** dL/dx of the last {@link #gradient} call (null when turned off, or after a later forward). */
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

    /**
     * The parameter with this full name (e.g. "conv1.weight"), owned by the network; throws
     * {@link IllegalArgumentException} listing the known names when there is none.
     */
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

    /**
     * The number of learnable scalars, the sum of all parameters' sizes (buffers such as running averages not
     * included).
     */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.shape().size()).sum();
    }

    /** One line per layer: name, type, output shape for one item, parameter count, and the inputs of merges and branches. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        Map<String, Shape> shapes = graph.shapes();
        sb.append(String.format("%-12s %-16s %-20s %12s%n", "layer", "type", "output", "params"));
        sb.append(String.format("%-12s %-16s %-20s %12s%n", "input", "", shapes.get(Graph.INPUT), ""));
        String previous = Graph.INPUT;
        for (Graph.Node node : graph.nodes()) {
            Layer layer = node.layer();
            long count = layer.parameters().stream().mapToLong(p -> p.shape().size()).sum();
            String reads = node.inputs().equals(List.of(previous)) ? "" : "  <- " + String.join(", ", node.inputs());
            sb.append(String.format("%-12s %-16s %-20s %,12d%s%n", layer.name(), layer.getClass().getSimpleName(),
                    shapes.get(node.name()), count, reads));
            previous = node.name();
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
        all.add(pool);
        return all;
    }
}
