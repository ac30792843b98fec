package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.nn.Graph;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.NetworkSpec.LayerSpec;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates one ONNX graph into a {@link NetworkSpec} and its weights. Nodes are visited in a
 * topological order of their own (a cycle is reported, never followed), only those the output needs;
 * constants (initializers, Constant nodes, Transposes of constants) are folded as they are met, and
 * every other value becomes a layer of ours, with its output shape planned at once so that each
 * decision (pads, axes, reshapes) is made on known shapes. Nothing is allocated beyond the weights.
 */
final class GraphTranslator {
    /** The ONNX opset versions understood: the semantics that changed up to opset 17 are handled per op. */
    static final int MAX_OPSET = 17;
    static final List<String> SUPPORTED_OPS = List.of("Conv", "Gemm", "MatMul", "MaxPool", "AveragePool",
            "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh",
            "Softplus", "LRN", "Dropout", "Flatten", "Reshape", "Add", "Sum", "Concat", "Softmax", "LogSoftmax", "Transpose",
            "Identity", "Constant", "Pad");

    private final String source;
    private final Path folder;
    private final OnnxMl.GraphProto graph;
    /** Bounds the bytes decoded from all of this model's tensors together. */
    private final DecodeBudget budget;
    private int opset;
    private final Map<String, OnnxTensor> constants = new HashMap<>();
    /** ONNX value name → our value name (a layer, or the network's input). */
    private final Map<String, String> live = new HashMap<>();
    /** Our value name → its shape with batch 1. */
    private final Map<String, Shape> shapes = new HashMap<>();
    private final List<LayerSpec> layers = new ArrayList<>();
    private final Map<String, float[]> weights = new LinkedHashMap<>();
    private final Map<String, String> nameMap = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>(Set.of(Graph.INPUT));
    private final Map<String, Integer> consumers = new HashMap<>();
    /** Affine layers made from a MatMul, whose bias is still zero: an Add of a constant after them is their bias. */
    private final Set<String> biasFree = new HashSet<>();
    private String previous = Graph.INPUT;
    private int declaredBatch = -1;
    private String where = "";

    GraphTranslator(String source, Path folder, OnnxMl.ModelProto model, DecodeBudget budget) {
        this.source = source;
        this.folder = folder;
        this.graph = model.getGraph();
        this.budget = budget;
    }

    /** The translation; {@code bound} supplies values for graph inputs that are weights (a backend test's data). */
    OnnxImport.Result translate(OnnxMl.ModelProto model, Map<String, OnnxTensor> bound) throws IOException {
        opset = opset(model);
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), OnnxTensors.decode(source, t, folder, budget));
        }
        constants.putAll(bound);
        OnnxMl.ValueInfoProto input = dataInput();
        if (graph.getOutputCount() != 1) {
            throw new OnnxUnsupportedException(source + ": the graph has " + graph.getOutputCount()
                    + " outputs; a network here has exactly one", "several outputs");
        }
        String output = graph.getOutput(0).getName();
        Shape item = itemShape(input);
        live.put(input.getName(), Graph.INPUT);
        shapes.put(Graph.INPUT, item);
        List<OnnxMl.NodeProto> order = NodeOrder.of(source, graph, output, v -> live.containsKey(v) || constants.containsKey(v));
        for (OnnxMl.NodeProto n : order) {
            for (String v : n.getInputList()) {
                consumers.merge(v, 1, Integer::sum);
            }
        }
        consumers.merge(output, 1, Integer::sum);
        for (OnnxMl.NodeProto n : order) {
            where = source + ": node '" + (n.getName().isEmpty() && n.getOutputCount() > 0 ? "(unnamed) -> " + n.getOutput(0)
                    : n.getName()) + "' (" + n.getOpType() + ")";
            translate(n);
        }
        String out = live.get(output);
        if (out == null) {
            throw new OnnxUnsupportedException(source + ": the graph's output '" + output + "' is a constant, not"
                    + " computed from the input", "constant output");
        }
        if (!out.equals(previous)) {
            throw new ModelFormatException(source + ": the output '" + output + "' is not the last value computed");
        }
        Shape outShape = shapes.get(out);
        NetworkSpec spec;
        try {
            spec = new NetworkSpec(dims(item, 1), layers,
                    outShape.rank() == 2 ? "softmax_cross_entropy" : "mean_squared_error");
            spec.plan();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": the translated network is not accepted: " + e.getMessage(), e);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(e -> metadata.put(e.getKey(), e.getValue())); // a repeated key: the last
        return new OnnxImport.Result(spec, weights, nameMap, metadata);
    }

    private int opset(OnnxMl.ModelProto model) throws ModelFormatException {
        int version = -1;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                version = (int) Math.min(Integer.MAX_VALUE, o.getVersion());
            }
        }
        if (version < 1 && model.getIrVersion() >= 3) {
            throw new ModelFormatException(source + ": no opset_import for the default ONNX domain");
        }
        if (version > MAX_OPSET) {
            throw new OnnxUnsupportedException(source + ": opset " + version + " is newer than this importer knows (1.."
                    + MAX_OPSET + ")", "opset " + version);
        }
        return Math.max(version, 1);
    }

    /** The one graph input that is not a weight. */
    private OnnxMl.ValueInfoProto dataInput() throws ModelFormatException {
        List<OnnxMl.ValueInfoProto> data = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                data.add(v);
            }
        }
        if (data.size() != 1) {
            throw new OnnxUnsupportedException(source + ": the graph takes " + data.size() + " inputs that are not"
                    + " initializers " + data.stream().map(OnnxMl.ValueInfoProto::getName).toList()
                    + "; a network here takes exactly one", data.isEmpty() ? "no input" : "several inputs");
        }
        return data.get(0);
    }

    private Shape itemShape(OnnxMl.ValueInfoProto input) throws ModelFormatException {
        String what = source + ": input '" + input.getName() + "'";
        if (!input.getType().hasTensorType()) {
            throw new OnnxUnsupportedException(what + " is not a tensor (" + input.getType().getValueCase() + ")",
                    "non-tensor input");
        }
        OnnxMl.TypeProto.Tensor t = input.getType().getTensorType();
        if (t.getElemType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
            throw new OnnxUnsupportedException(what + " is " + OnnxTensors.dataTypeName(t.getElemType())
                    + "; a network here takes FLOAT", "input " + OnnxTensors.dataTypeName(t.getElemType()));
        }
        if (!t.hasShape()) {
            throw new ModelFormatException(what + " declares no shape; the importer needs (N, item dimensions)");
        }
        int rank = t.getShape().getDimCount();
        if (rank < 2 || rank > 4) {
            throw new OnnxUnsupportedException(what + " has rank " + rank + "; a network here takes (N, D), (N, C, L)"
                    + " or (N, C, H, W)", "input rank " + rank);
        }
        int[] dims = new int[rank];
        dims[0] = 1;
        OnnxMl.TensorShapeProto.Dimension batch = t.getShape().getDim(0);
        declaredBatch = batch.hasDimValue() ? (int) Math.min(Integer.MAX_VALUE, batch.getDimValue()) : -1;
        for (int i = 1; i < rank; i++) {
            OnnxMl.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > NetworkSpec.MAX_ACTIVATION_ELEMENTS) {
                throw new ModelFormatException(what + ": dimension " + i + " is "
                        + (d.hasDimValue() ? d.getDimValue() : "'" + d.getDimParam() + "'")
                        + "; every dimension after the batch must be a fixed positive size");
            }
            dims[i] = (int) d.getDimValue();
        }
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(what + ": " + e.getMessage(), e);
        }
    }

    private OnnxUnsupportedException unsupported(String what, String feature) {
        return new OnnxUnsupportedException(where + ": " + what, feature);
    }

    private void translate(OnnxMl.NodeProto n) throws IOException {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw unsupported("op of domain '" + n.getDomain() + "' is not supported; supported ops (default domain): "
                    + SUPPORTED_OPS, n.getDomain() + "." + op);
        }
        if (!SUPPORTED_OPS.contains(op)) {
            throw unsupported("op '" + op + "' is not supported; supported ops: " + SUPPORTED_OPS, op);
        }
        for (int k = 1; k < n.getOutputCount(); k++) {
            if (consumers.containsKey(n.getOutput(k))) {
                throw unsupported("output " + k + " ('" + n.getOutput(k) + "') is used; only an " + op
                        + "'s first output is supported", op + "(output " + k + ")");
            }
        }
        NodeArity.require(where, n, opset);
        Attributes a = new Attributes(where, n);
        switch (op) {
            case "Constant" -> constant(n, a);
            case "Identity" -> alias(n);
            case "Transpose" -> transpose(n, a);
            case "Conv" -> conv(n, a);
            case "Gemm" -> gemm(n, a);
            case "MatMul" -> matMul(n);
            case "Add" -> add(n);
            case "Sum" -> sum(n);
            case "MaxPool", "AveragePool" -> pool(n, a, op.equals("MaxPool"));
            case "GlobalAveragePool" -> globalPool(n, false);
            case "GlobalMaxPool" -> globalPool(n, true);
            case "BatchNormalization" -> batchNorm(n, a);
            case "Relu" -> simple(n, "relu", Map.of());
            case "Sigmoid" -> simple(n, "sigmoid", Map.of());
            case "Tanh" -> simple(n, "tanh", Map.of());
            case "Softplus" -> simple(n, "softplus", Map.of());
            case "LeakyRelu" -> simple(n, "leaky_relu", Map.of("slope", a.real("alpha", 0.01f)));
            case "PRelu" -> prelu(n);
            case "LRN" -> lrn(n, a);
            case "Dropout" -> dropout(n, a);
            case "Flatten" -> flatten(n, a);
            case "Reshape" -> reshape(n, a);
            case "Concat" -> concat(n, a);
            case "Softmax", "LogSoftmax" -> softmax(n, a, op.equals("LogSoftmax"));
            case "Pad" -> pad(n, a);
            default -> throw new IllegalStateException("unreachable: " + op + " is in SUPPORTED_OPS");
        }
    }

    // ---- values ------------------------------------------------------------------------------

    private String liveInput(OnnxMl.NodeProto n, int k) throws ModelFormatException {
        String v = k < n.getInputCount() ? n.getInput(k) : "";
        String ours = live.get(v);
        if (ours == null) {
            if (constants.containsKey(v)) {
                throw unsupported("input " + k + " ('" + v + "') is a constant; " + n.getOpType()
                        + " is supported only on values computed from the network's input", n.getOpType() + "(constant input)");
            }
            throw new ModelFormatException(where + ": input " + k + " is missing");
        }
        return ours;
    }

    /** A constant input, or null when the optional input is absent. */
    private OnnxTensor constInput(OnnxMl.NodeProto n, int k, boolean required) throws ModelFormatException {
        String v = k < n.getInputCount() ? n.getInput(k) : "";
        if (v.isEmpty()) {
            if (required) {
                throw new ModelFormatException(where + ": input " + k + " is missing");
            }
            return null;
        }
        OnnxTensor t = constants.get(v);
        if (t == null) {
            throw unsupported("input " + k + " ('" + v + "') is computed; it must be a constant (an initializer)",
                    n.getOpType() + "(computed weight)");
        }
        return t;
    }

    /** The one value of a constant input that must hold exactly one (a scalar or a one-element tensor). */
    private double scalar(OnnxTensor t, String what) throws ModelFormatException {
        if (t.size() != 1) {
            throw new ModelFormatException(where + ": " + what + " " + t.describe() + " must hold one value, it holds "
                    + t.size());
        }
        return t.isFloat() ? t.floats()[0] : t.ints()[0];
    }

    private OnnxTensor floatConst(OnnxMl.NodeProto n, int k, boolean required) throws ModelFormatException {
        OnnxTensor t = constInput(n, k, required);
        if (t != null && !t.isFloat()) {
            throw new ModelFormatException(where + ": input " + k + " " + t.describe() + " must be a float tensor");
        }
        return t;
    }

    private void alias(OnnxMl.NodeProto n) throws ModelFormatException {
        String v = n.getInputCount() > 0 ? n.getInput(0) : "";
        if (constants.containsKey(v)) {
            constants.put(n.getOutput(0), constants.get(v));
        } else {
            live.put(n.getOutput(0), liveInput(n, 0));
        }
    }

    private void constant(OnnxMl.NodeProto n, Attributes a) throws IOException {
        OnnxMl.TensorProto t = a.tensor("value");
        String out = n.getOutput(0);
        if (t != null) {
            OnnxTensor c = OnnxTensors.decode(source, t, folder, budget);
            constants.put(out, new OnnxTensor(out, c.dims(), c.floats(), c.ints()));
        } else if (a.has("value_float")) {
            constants.put(out, new OnnxTensor(out, new int[0], new float[] {a.real("value_float", 0)}, null));
        } else if (a.has("value_floats")) {
            float[] f = a.reals("value_floats");
            constants.put(out, new OnnxTensor(out, new int[] {f.length}, f, null));
        } else if (a.has("value_int")) {
            constants.put(out, new OnnxTensor(out, new int[0], null, new long[] {a.integer("value_int", 0)}));
        } else if (a.has("value_ints")) {
            long[] l = a.integers("value_ints");
            constants.put(out, new OnnxTensor(out, new int[] {l.length}, null, l));
        } else {
            throw unsupported("a Constant without a tensor, float(s) or int(s) value (sparse or string)", "Constant(kind)");
        }
    }

    private void transpose(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String v = n.getInputCount() > 0 ? n.getInput(0) : "";
        OnnxTensor t = constants.get(v);
        if (t == null) {
            throw unsupported("Transpose of a computed value; only a constant (a weight) is transposed, at import",
                    "Transpose(computed)");
        }
        long[] perm = a.integers("perm");
        int[] p = new int[perm == null ? 0 : perm.length];
        boolean[] seen = new boolean[t.rank()];
        if (perm != null && perm.length != t.rank()) {
            throw new ModelFormatException(where + ": perm " + Arrays.toString(perm) + " for a tensor of rank " + t.rank());
        }
        for (int i = 0; i < p.length; i++) {
            if (perm[i] < 0 || perm[i] >= t.rank() || seen[(int) perm[i]]) {
                throw new ModelFormatException(where + ": perm " + Arrays.toString(perm) + " is not a permutation of 0.."
                        + (t.rank() - 1));
            }
            seen[(int) perm[i]] = true;
            p[i] = (int) perm[i];
        }
        constants.put(n.getOutput(0), t.transpose(p, t.name()));
    }

    // ---- layers ------------------------------------------------------------------------------

    /** A unique layer name: the weight's module path ("conv1" for "conv1.weight"), else the node's name, else its output's. */
    private String layerName(OnnxMl.NodeProto n, OnnxTensor weight) {
        String base = null;
        if (weight != null && weight.name().endsWith(".weight") && weight.name().length() > ".weight".length()) {
            base = weight.name().substring(0, weight.name().length() - ".weight".length());
        }
        if (base == null || base.isEmpty()) {
            base = modulePath(n.getName());
        }
        if (base == null || base.isEmpty()) {
            base = !n.getName().isEmpty() ? n.getName() : n.getOutput(0).isEmpty() ? n.getOpType() : n.getOutput(0);
        }
        StringBuilder clean = new StringBuilder();
        base.codePoints().limit(100).forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? '_' : c));
        String name = clean.toString();
        for (int k = 2; !names.add(name); k++) {
            name = clean + "_" + k;
        }
        return name;
    }

    /**
     * The PyTorch module path of a node that torch.onnx (1.13 on) named "/layer1/layer1.0/conv1/Conv":
     * "layer1.0.conv1", its state_dict prefix; null for other names.
     */
    static String modulePath(String nodeName) {
        if (!nodeName.startsWith("/") || nodeName.indexOf('/', 1) < 0) {
            return null;
        }
        String[] parts = nodeName.substring(1).split("/");
        String path = "";
        for (int i = 0; i < parts.length - 1; i++) { // the last part is the op ("Conv", "Relu_1")
            String p = parts[i];
            if (p.isEmpty()) {
                return null;
            }
            path = path.isEmpty() ? p : p.startsWith(path + ".") ? p : path + "." + p;
        }
        return path;
    }

    /**
     * Adds one layer reading {@code inputs} (our names), plans its output shape, and stores its
     * tensors: {@code tensors} maps a suffix ("weight") to its values and {@code origins} a suffix to
     * the ONNX initializer it came from. Each tensor's size must be what the plan says.
     */
    private String layer(String name, String type, Map<String, Object> args, List<String> inputs,
                         Map<String, float[]> tensors, Map<String, String> origins) throws ModelFormatException {
        if (layers.size() >= NetworkSpec.MAX_LAYERS) {
            throw new ModelFormatException(where + ": the graph needs more than " + NetworkSpec.MAX_LAYERS
                    + " layers, more than a network here holds");
        }
        List<Shape> in = inputs.stream().map(shapes::get).toList();
        Shape out;
        Map<String, Shape> planned = new LinkedHashMap<>();
        try {
            boolean merge = NetworkSpec.MERGES.contains(type);
            LayerSpec spec = new LayerSpec(type, name, args, merge ? inputs : List.of());
            if (merge) {
                out = mergeShape(type, name, in);
            } else {
                NetworkSpec one = new NetworkSpec(dims(in.get(0), 1), List.of(spec), "mean_squared_error");
                NetworkSpec.Plan plan = one.plan();
                out = plan.outputShape();
                planned.putAll(plan.tensors());
            }
            layers.add(new LayerSpec(type, name, args, merge || !inputs.get(0).equals(previous) ? inputs : List.of()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, Shape> p : planned.entrySet()) {
            String suffix = p.getKey().substring(name.length() + 1);
            float[] values = tensors.get(suffix);
            if (values == null || values.length != p.getValue().size()) {
                throw new ModelFormatException(where + ": " + suffix + " needs " + p.getValue().size() + " values "
                        + p.getValue() + ", the model has " + (values == null ? "none" : values.length));
            }
            weights.put(p.getKey(), values);
            if (origins.containsKey(suffix)) {
                nameMap.put(p.getKey(), origins.get(suffix));
            }
        }
        shapes.put(name, out);
        previous = name;
        return name;
    }

    private static Shape mergeShape(String type, String name, List<Shape> in) {
        Shape first = in.get(0);
        if (type.equals("add")) {
            for (Shape s : in) {
                if (!s.equals(first)) {
                    throw new IllegalArgumentException(name + ": adds values of shapes " + in + "; they must be equal");
                }
            }
            return first;
        }
        int channels = 0;
        for (Shape s : in) {
            OpChecks.requireNchw(name, s);
            if (s.dim(2) != first.dim(2) || s.dim(3) != first.dim(3)) {
                throw new IllegalArgumentException(name + ": concatenates " + in + "; H and W must agree");
            }
            channels += s.dim(1);
        }
        return Shape.of(1, channels, first.dim(2), first.dim(3));
    }

    private void simple(OnnxMl.NodeProto n, String type, Map<String, Object> args) throws ModelFormatException {
        String in = liveInput(n, 0);
        live.put(n.getOutput(0), layer(layerName(n, null), type, args, List.of(in), Map.of(), Map.of()));
    }

    private Shape shapeOf(String ours) {
        return shapes.get(ours);
    }

    /** Per-axis (begin, end) pads of a 2-D window op, from pads or auto_pad. */
    private int[][] pads(Attributes a, Shape in, int[] kernel, int[] stride) throws ModelFormatException {
        String autoPad = a.string("auto_pad", "NOTSET");
        int[][] p = new int[2][2];
        switch (autoPad) {
            case "NOTSET" -> {
                long[] pads = a.integers("pads");
                if (pads != null) {
                    if (pads.length != 4) {
                        throw new ModelFormatException(where + ": pads " + Arrays.toString(pads)
                                + " must have 4 values (top, left, bottom, right)");
                    }
                    for (int i = 0; i < 4; i++) {
                        if (pads[i] < 0 || pads[i] > 1024) {
                            throw new ModelFormatException(where + ": pads " + Arrays.toString(pads)
                                    + " must be in 0..1024");
                        }
                    }
                    p[0] = new int[] {(int) pads[0], (int) pads[2]};
                    p[1] = new int[] {(int) pads[1], (int) pads[3]};
                }
            }
            case "VALID" -> {
                // no padding
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int axis = 0; axis < 2; axis++) {
                    int size = in.dim(2 + axis);
                    int out = (size + stride[axis] - 1) / stride[axis];
                    int total = Math.max(0, (out - 1) * stride[axis] + kernel[axis] - size);
                    int small = total / 2;
                    p[axis] = autoPad.equals("SAME_UPPER") ? new int[] {small, total - small}
                            : new int[] {total - small, small};
                }
            }
            default -> throw new ModelFormatException(where + ": auto_pad '" + autoPad
                    + "' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID");
        }
        return p;
    }

    private int[] pair(Attributes a, String name, int otherwise, String op) throws ModelFormatException {
        long[] v = a.integers(name);
        if (v == null) {
            return new int[] {otherwise, otherwise};
        }
        if (v.length != 2) {
            throw unsupported(name + " " + Arrays.toString(v) + ": only 2-D (H, W) windows are supported", op + "(not 2-D)");
        }
        for (long x : v) {
            if (x < 1 || x > 1024) {
                throw new ModelFormatException(where + ": " + name + " " + Arrays.toString(v) + " must be in 1..1024");
            }
        }
        return new int[] {(int) v[0], (int) v[1]};
    }

    private void requireNoDilation(Attributes a, String op) throws ModelFormatException {
        long[] d = a.integers("dilations");
        if (d != null && Arrays.stream(d).anyMatch(x -> x != 1)) {
            throw unsupported("dilations " + Arrays.toString(d) + "; only dilation 1 is supported", op + "(dilations)");
        }
    }

    private void requireNchw(String in, String op) throws ModelFormatException {
        if (shapeOf(in).rank() != 4) {
            throw unsupported("input of shape " + shapeOf(in) + "; only 2-D (N, C, H, W) inputs are supported",
                    op + "(not 2-D)");
        }
    }

    /** A pad layer when pads differ between the two sides of an axis or reach the window; returns the value to read. */
    private String padIfNeeded(String owner, String in, int[][] p, int[] kernel, boolean minusInfinity,
                               boolean[] symmetric) throws ModelFormatException {
        boolean same = p[0][0] == p[0][1] && p[1][0] == p[1][1] && p[0][0] < kernel[0] && p[1][0] < kernel[1];
        symmetric[0] = same;
        if (same) {
            return in;
        }
        String name = owner + ".pad";
        if (!names.add(name)) {
            throw new ModelFormatException(where + ": layer name '" + name + "' is taken");
        }
        return layer(name, "pad", Map.of("top", p[0][0], "bottom", p[0][1], "left", p[1][0], "right", p[1][1],
                "minus_infinity", minusInfinity), List.of(in), Map.of(), Map.of());
    }

    private void conv(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        OnnxTensor w = floatConst(n, 1, true);
        OnnxTensor b = floatConst(n, 2, false);
        requireNchw(in, "Conv");
        if (a.integer("group", 1) != 1) {
            throw unsupported("group " + a.integer("group", 1) + " (grouped or depthwise convolution) is not supported;"
                    + " only group 1", "Conv(group)");
        }
        requireNoDilation(a, "Conv");
        if (w.rank() != 4 || w.dims()[1] != shapeOf(in).dim(1)) {
            throw new ModelFormatException(where + ": weight " + w.describe() + " does not fit input "
                    + shapeOf(in) + "; expected (M, " + shapeOf(in).dim(1) + ", kH, kW)");
        }
        int[] kernel = {w.dims()[2], w.dims()[3]};
        int[] declared = pair(a, "kernel_shape", -1, "Conv");
        if (declared[0] != -1 && !Arrays.equals(declared, kernel)) {
            throw new ModelFormatException(where + ": kernel_shape " + Arrays.toString(declared) + " but the weight is "
                    + w.describe());
        }
        int[] stride = pair(a, "strides", 1, "Conv");
        int[][] p = pads(a, shapeOf(in), kernel, stride);
        int out = w.dims()[0];
        if (b != null && b.size() != out) {
            throw new ModelFormatException(where + ": bias " + b.describe() + " must have " + out + " values");
        }
        String name = layerName(n, w);
        boolean[] symmetric = new boolean[1];
        String from = padIfNeeded(name, in, p, kernel, false, symmetric);
        int ph = symmetric[0] ? p[0][0] : 0;
        int pw = symmetric[0] ? p[1][0] : 0;
        Map<String, Object> args = new HashMap<>(Map.of("out", out, "kh", kernel[0], "kw", kernel[1], "sh", stride[0],
                "sw", stride[1], "ph", ph, "pw", pw, "rounding", "FLOOR"));
        // A Conv without a bias input (PyTorch's bias=False before a batch norm) gets no bias parameter:
        // a zero one would be a trainable tensor the model never had.
        args.put("bias", b != null);
        Map<String, String> origins = new HashMap<>(Map.of("weight", w.name()));
        Map<String, float[]> tensors = new HashMap<>(Map.of("weight", w.floats()));
        if (b != null) {
            origins.put("bias", b.name());
            tensors.put("bias", b.floats());
        }
        live.put(n.getOutput(0), layer(name, "conv", args, List.of(from), tensors, origins));
    }

    private void gemm(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        OnnxTensor b = floatConst(n, 1, true);
        OnnxTensor c = floatConst(n, 2, false);
        if (a.integer("transA", 0) != 0) {
            throw unsupported("transA 1 (the input transposed) is not supported", "Gemm(transA)");
        }
        if (shapeOf(in).rank() != 2 || b.rank() != 2) {
            throw new ModelFormatException(where + ": Gemm needs a 2-D input and weight, got " + shapeOf(in) + " and "
                    + b.describe());
        }
        boolean transB = a.integer("transB", 0) != 0;
        OnnxTensor w = transB ? b : b.transpose(new int[] {1, 0}, b.name());
        int out = w.dims()[0];
        if (w.dims()[1] != shapeOf(in).dim(1)) {
            throw new ModelFormatException(where + ": weight " + b.describe() + (transB ? " (transB)" : "")
                    + " does not fit input " + shapeOf(in));
        }
        float alpha = a.real("alpha", 1f);
        float beta = a.real("beta", 1f);
        float[] weight = w.floats().clone();
        for (int i = 0; i < weight.length; i++) {
            weight[i] *= alpha;
        }
        float[] bias = c == null ? new float[out] : rowBias(c, out, n);
        for (int i = 0; i < bias.length; i++) {
            bias[i] *= beta;
        }
        Map<String, String> origins = new HashMap<>(Map.of("weight", b.name()));
        if (c != null) {
            origins.put("bias", c.name());
        }
        live.put(n.getOutput(0), layer(layerName(n, b), "affine", Map.of("out", out), List.of(in),
                Map.of("weight", weight, "bias", bias), origins));
    }

    /** A bias that broadcasts along the batch: a scalar, (out) or (1, out). */
    private float[] rowBias(OnnxTensor c, int out, OnnxMl.NodeProto n) throws ModelFormatException {
        if (c.size() == 1) {
            float[] f = new float[out];
            Arrays.fill(f, c.floats()[0]);
            return f;
        }
        boolean row = (c.rank() == 1 && c.dims()[0] == out) || (c.rank() == 2 && c.dims()[0] == 1 && c.dims()[1] == out);
        if (!row) {
            throw unsupported("bias " + c.describe() + " differs per row; only a bias per output (" + out
                    + " values, or one) is supported", n.getOpType() + "(matrix bias)");
        }
        return c.floats().clone();
    }

    private void matMul(OnnxMl.NodeProto n) throws ModelFormatException {
        String in = liveInput(n, 0);
        OnnxTensor b = floatConst(n, 1, true);
        if (shapeOf(in).rank() != 2 || b.rank() != 2) {
            throw unsupported("MatMul of " + shapeOf(in) + " by " + b.describe() + "; only a 2-D input times a 2-D"
                    + " constant (a fully connected layer) is supported", "MatMul(not 2-D)");
        }
        if (b.dims()[0] != shapeOf(in).dim(1)) {
            throw new ModelFormatException(where + ": weight " + b.describe() + " does not fit input " + shapeOf(in));
        }
        OnnxTensor w = b.transpose(new int[] {1, 0}, b.name());
        String name = layer(layerName(n, b), "affine", Map.of("out", w.dims()[0]), List.of(in),
                Map.of("weight", w.floats(), "bias", new float[w.dims()[0]]), Map.of("weight", b.name()));
        biasFree.add(name);
        live.put(n.getOutput(0), name);
    }

    private void add(OnnxMl.NodeProto n) throws ModelFormatException {
        if (n.getInputCount() != 2) {
            throw new ModelFormatException(where + ": Add takes 2 inputs, got " + n.getInputCount());
        }
        OnnxTensor c0 = constants.get(n.getInput(0));
        OnnxTensor c1 = constants.get(n.getInput(1));
        if (c0 == null && c1 == null) {
            String a = liveInput(n, 0);
            String b = liveInput(n, 1);
            live.put(n.getOutput(0), layer(layerName(n, null), "add", Map.of(), List.of(a, b), Map.of(), Map.of()));
            return;
        }
        if (c0 != null && c1 != null) {
            throw unsupported("Add of two constants is not folded", "Add(constants)");
        }
        OnnxTensor c = c0 != null ? c0 : c1;
        String x = liveInput(n, c0 != null ? 1 : 0);
        if (!biasFree.contains(x) || consumers.getOrDefault(n.getInput(c0 != null ? 1 : 0), 0) != 1 || !c.isFloat()) {
            throw unsupported("Add of a constant " + c.describe() + " is supported only as the bias of the MatMul before"
                    + " it (that nothing else reads)", "Add(constant)");
        }
        float[] bias = weights.get(x + ".bias");
        float[] add = rowBias(c, bias.length, n);
        for (int i = 0; i < bias.length; i++) {
            bias[i] += add[i];
        }
        nameMap.put(x + ".bias", c.name());
        biasFree.remove(x);
        live.put(n.getOutput(0), x);
    }

    /** Sum of two or more computed values of one shape (ONNX's n-ary Add); of one value, that value. */
    private void sum(OnnxMl.NodeProto n) throws ModelFormatException {
        if (n.getInputCount() < 1) {
            throw new ModelFormatException(where + ": Sum takes at least one input, got none");
        }
        List<String> in = new ArrayList<>();
        for (int k = 0; k < n.getInputCount(); k++) {
            in.add(liveInput(n, k));
        }
        if (in.size() == 1) {
            live.put(n.getOutput(0), in.get(0));
            return;
        }
        live.put(n.getOutput(0), layer(layerName(n, null), "add", Map.of(), in, Map.of(), Map.of()));
    }

    private void pool(OnnxMl.NodeProto n, Attributes a, boolean max) throws ModelFormatException {
        String op = n.getOpType();
        String in = liveInput(n, 0);
        int[] kernel = pair(a, "kernel_shape", -1, op);
        if (kernel[0] == -1) {
            throw new ModelFormatException(where + ": kernel_shape is required");
        }
        requireNchw(in, op);
        requireNoDilation(a, op);
        int[] stride = pair(a, "strides", 1, op);
        if (!max && tiles(a, shapeOf(in), kernel, stride)) {
            Shape s = shapeOf(in);
            live.put(n.getOutput(0), layer(layerName(n, null), "adaptive_avgpool", Map.of("out_h", s.dim(2) / kernel[0],
                    "out_w", s.dim(3) / kernel[1]), List.of(in), Map.of(), Map.of()));
            return;
        }
        if (kernel[0] != kernel[1] || stride[0] != stride[1]) {
            throw unsupported("kernel " + Arrays.toString(kernel) + " strides " + Arrays.toString(stride)
                    + "; only square windows with equal strides are supported", op + "(non-square)");
        }
        boolean ceil = a.integer("ceil_mode", 0) != 0;
        boolean includePad = a.integer("count_include_pad", 0) != 0;
        int[][] p = pads(a, shapeOf(in), kernel, stride);
        boolean square = p[0][0] == p[1][0] && p[0][1] == p[1][1];
        boolean symmetric = p[0][0] == p[0][1] && p[1][0] == p[1][1] && p[0][0] < kernel[0];
        boolean zeroPad = p[0][0] + p[0][1] + p[1][0] + p[1][1] == 0;
        if (!max && !includePad && !(square && symmetric)) {
            throw unsupported("pads " + Arrays.deepToString(p) + " differ between sides or axes with"
                    + " count_include_pad 0; supported only with equal pads", op + "(asymmetric pads)");
        }
        String name = layerName(n, null);
        boolean[] ok = new boolean[1];
        String from = square && symmetric ? in : padIfNeeded(name, in, p, new int[] {0, 0}, max, ok);
        int pad = from.equals(in) ? p[0][0] : 0;
        Map<String, Object> args = new HashMap<>(Map.of("window", kernel[0], "stride", stride[0], "pad", pad,
                "rounding", ceil ? "CEIL" : "FLOOR"));
        if (!max) {
            args.put("count_include_pad", includePad || zeroPad || !from.equals(in));
        }
        live.put(n.getOutput(0), layer(name, max ? "maxpool" : "avgpool", args, List.of(from), Map.of(), Map.of()));
    }

    /**
     * Whether a non-square average pool tiles its input: window = stride on each axis, no padding,
     * and each window size divides its dimension. Then every output is the mean of one k_h × k_w
     * block, which is exactly an adaptive average pool to (H / k_h, W / k_w) (how such a pool is
     * exported); our square pooling layers cannot take the window.
     */
    private boolean tiles(Attributes a, Shape in, int[] kernel, int[] stride) throws ModelFormatException {
        if (kernel[0] == kernel[1] || kernel[0] != stride[0] || kernel[1] != stride[1]) {
            return false;
        }
        int[][] p = pads(a, in, kernel, stride);
        boolean unpadded = p[0][0] + p[0][1] + p[1][0] + p[1][1] == 0;
        return unpadded && in.dim(2) % kernel[0] == 0 && in.dim(3) % kernel[1] == 0;
    }

    private void globalPool(OnnxMl.NodeProto n, boolean max) throws ModelFormatException {
        String in = liveInput(n, 0);
        requireNchw(in, n.getOpType());
        Shape s = shapeOf(in);
        if (!max) {
            live.put(n.getOutput(0), layer(layerName(n, null), "adaptive_avgpool", Map.of("out_h", 1, "out_w", 1),
                    List.of(in), Map.of(), Map.of()));
            return;
        }
        if (s.dim(2) != s.dim(3) || s.dim(2) > 1024) {
            throw unsupported("GlobalMaxPool over " + s + "; supported on square inputs up to 1024", "GlobalMaxPool(non-square)");
        }
        live.put(n.getOutput(0), layer(layerName(n, null), "maxpool", Map.of("window", s.dim(2), "stride", 1, "pad", 0,
                "rounding", "FLOOR"), List.of(in), Map.of(), Map.of()));
    }

    private void batchNorm(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        if (a.integer("spatial", 1) != 1) {
            throw unsupported("spatial 0 (statistics per element, opsets before 9) is not supported", "BatchNormalization(spatial)");
        }
        if (a.integer("training_mode", 0) != 0) {
            throw unsupported("training_mode 1 (batch statistics in inference) is not supported",
                    "BatchNormalization(training_mode)");
        }
        double eps = Double.parseDouble(Float.toString(a.real("epsilon", 1e-5f))); // 1e-5f is 1e-5, not 9.99e-6
        if (eps < OpChecks.BATCH_NORM_MIN_EPSILON || eps > 1) {
            throw unsupported("epsilon " + eps + "; supported in [" + OpChecks.BATCH_NORM_MIN_EPSILON + ", 1] (cuDNN's"
                    + " floor)", "BatchNormalization(epsilon)");
        }
        OnnxTensor scale = floatConst(n, 1, true);
        OnnxTensor bias = floatConst(n, 2, true);
        OnnxTensor mean = floatConst(n, 3, true);
        OnnxTensor var = floatConst(n, 4, true);
        for (float v : var.floats()) {
            if (!(v >= 0)) {
                throw new ModelFormatException(where + ": variance " + var.describe() + " holds " + v);
            }
        }
        String name = layerName(n, scale);
        live.put(n.getOutput(0), layer(name, "batchnorm", Map.of("eps", eps), List.of(in),
                Map.of("weight", scale.floats(), "bias", bias.floats(), "running_mean", mean.floats(),
                        "running_var", var.floats()),
                Map.of("weight", scale.name(), "bias", bias.name(), "running_mean", mean.name(),
                        "running_var", var.name())));
    }

    private void prelu(OnnxMl.NodeProto n) throws ModelFormatException {
        String in = liveInput(n, 0);
        OnnxTensor slope = floatConst(n, 1, true);
        Shape s = shapeOf(in);
        int channels = s.dim(1);
        float[] perChannel;
        if (slope.size() == 1) {
            perChannel = new float[channels];
            Arrays.fill(perChannel, slope.floats()[0]);
        } else {
            // Broadcast right-aligned: the slope's dims must be 1 except the one that lands on dimension 1.
            int offset = s.rank() - slope.rank();
            boolean channelOnly = offset >= 0;
            for (int i = 0; i < slope.rank() && channelOnly; i++) {
                int axis = i + offset;
                channelOnly = slope.dims()[i] == (axis == 1 ? channels : 1);
            }
            if (!channelOnly) {
                throw unsupported("slope " + slope.describe() + " on input " + s + "; only one slope per channel"
                        + " (dimension 1) or a single slope is supported", "PRelu(slope shape)");
            }
            perChannel = slope.floats();
        }
        live.put(n.getOutput(0), layer(layerName(n, slope), "prelu", Map.of(), List.of(in),
                Map.of("weight", perChannel), Map.of("weight", slope.name())));
    }

    private void lrn(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        requireNchw(in, "LRN");
        long size = a.integer("size", 0);
        if (size < 1 || size > 16 || size % 2 == 0) {
            throw unsupported("size " + size + "; supported: odd sizes 1..15 (for even sizes ONNX and PyTorch"
                    + " place the window differently)", "LRN(size)");
        }
        double alpha = Double.parseDouble(Float.toString(a.real("alpha", 1e-4f)));
        double beta = Double.parseDouble(Float.toString(a.real("beta", 0.75f)));
        double bias = Double.parseDouble(Float.toString(a.real("bias", 1f)));
        live.put(n.getOutput(0), layer(layerName(n, null), "lrn", Map.of("size", (int) size, "alpha", alpha, "beta", beta,
                "k", bias), List.of(in), Map.of(), Map.of()));
    }

    private void dropout(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        float ratio = a.real("ratio", 0.5f);
        if (opset >= 12) {
            OnnxTensor r = constInput(n, 1, false);
            OnnxTensor training = constInput(n, 2, false);
            if (training != null && scalar(training, "training_mode") != 0) {
                throw unsupported("training_mode true (random output in inference) is not supported",
                        "Dropout(training_mode)");
            }
            if (r != null) {
                if (!r.isFloat()) {
                    throw new ModelFormatException(where + ": ratio " + r.describe() + " must be one float");
                }
                ratio = (float) scalar(r, "ratio");
            }
        } else if (opset < 7 && a.integer("is_test", 0) == 0) {
            // Opset 6's is_test=0 asked for training behaviour; inference is what an imported model runs.
        }
        if (!(ratio >= 0 && ratio < 1)) {
            throw unsupported("ratio " + ratio + "; supported in [0, 1)", "Dropout(ratio)");
        }
        String in = liveInput(n, 0);
        live.put(n.getOutput(0), layer(layerName(n, null), "dropout", Map.of("ratio", ratio), List.of(in),
                Map.of(), Map.of()));
    }

    private void flatten(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        int rank = shapeOf(in).rank();
        long axis = a.integer("axis", 1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis != 1) {
            throw unsupported("axis " + a.integer("axis", 1) + " on rank " + rank + "; only axis 1 (keep the batch,"
                    + " flatten the rest) is supported", "Flatten(axis)");
        }
        live.put(n.getOutput(0), layer(layerName(n, null), "flatten", Map.of(), List.of(in), Map.of(), Map.of()));
    }

    private void reshape(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        long[] target;
        if (opset < 5) {
            target = a.integers("shape");
            if (target == null) {
                throw new ModelFormatException(where + ": attribute 'shape' is missing");
            }
        } else {
            OnnxTensor t = constInput(n, 1, true);
            if (t.isFloat() || t.rank() != 1) {
                throw new ModelFormatException(where + ": shape " + t.describe() + " must be a 1-D integer tensor");
            }
            target = t.ints();
        }
        Shape s = shapeOf(in);
        long perItem = s.perItem();
        boolean allowZero = a.integer("allowzero", 0) != 0;
        boolean batchFirst = target.length == 2 && ((target[0] == 0 && !allowZero) || target[0] == -1
                || (declaredBatch > 0 && target[0] == declaredBatch));
        boolean rest = target.length == 2 && (target[1] == perItem || (target[1] == -1 && target[0] != -1));
        if (batchFirst && rest && !(target[0] == -1 && target[1] != perItem)) {
            live.put(n.getOutput(0), layer(layerName(n, null), "flatten", Map.of(), List.of(in), Map.of(), Map.of()));
            return;
        }
        throw unsupported("Reshape of " + s + " to " + Arrays.toString(target) + "; only to (batch, -1), a flatten, is"
                + " supported", "Reshape(not a flatten)");
    }

    private void concat(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        List<String> in = new ArrayList<>();
        for (int k = 0; k < n.getInputCount(); k++) {
            in.add(liveInput(n, k));
        }
        int rank = shapeOf(in.get(0)).rank();
        long axis = a.integer("axis", 1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis != 1 || rank != 4) {
            throw unsupported("axis " + a.integer("axis", 1) + " on rank " + rank + "; only channels (axis 1) of"
                    + " (N, C, H, W) values are supported", "Concat(axis)");
        }
        if (in.size() == 1) {
            live.put(n.getOutput(0), in.get(0));
            return;
        }
        live.put(n.getOutput(0), layer(layerName(n, null), "concat", Map.of(), in, Map.of(), Map.of()));
    }

    private void softmax(OnnxMl.NodeProto n, Attributes a, boolean log) throws ModelFormatException {
        String in = liveInput(n, 0);
        int rank = shapeOf(in).rank();
        boolean single = opset >= 13; // from opset 13 the axis is one dimension; before, all from it as one vector
        long axis = a.integer("axis", single ? -1 : 1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis < 1 || axis >= rank) {
            throw unsupported("axis " + a.integer("axis", single ? -1 : 1) + " on rank " + rank
                    + "; the batch (axis 0) is not a softmax axis here", n.getOpType() + "(axis 0)");
        }
        boolean trailing = !single && axis < rank - 1;
        live.put(n.getOutput(0), layer(layerName(n, null), log ? "log_softmax" : "softmax",
                Map.of("axis", (int) axis, "trailing", trailing), List.of(in), Map.of(), Map.of()));
    }

    /** Constant padding of H and W (PyTorch exports AvgPool2d's padding so at opsets before 11, say). */
    private void pad(OnnxMl.NodeProto n, Attributes a) throws ModelFormatException {
        String in = liveInput(n, 0);
        requireNchw(in, "Pad");
        String mode = a.string("mode", "constant");
        long[] pads;
        float value;
        if (opset >= 11) {
            OnnxTensor p = constInput(n, 1, true);
            OnnxTensor v = constInput(n, 2, false);
            if (p.isFloat() || p.rank() != 1) {
                throw new ModelFormatException(where + ": pads " + p.describe() + " must be a 1-D integer tensor");
            }
            pads = p.ints();
            value = v == null ? 0f : v.isFloat() && v.size() == 1 ? v.floats()[0] : Float.NaN;
            if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
                throw unsupported("the axes input is not supported", "Pad(axes)");
            }
        } else {
            pads = a.integers(opset < 2 ? "paddings" : "pads");
            value = a.real("value", 0f);
            if (pads == null) {
                throw new ModelFormatException(where + ": attribute 'pads' is missing");
            }
        }
        if (pads.length != 8) {
            throw new ModelFormatException(where + ": pads " + Arrays.toString(pads) + " for a rank-4 input need 8 values");
        }
        boolean hwOnly = pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0;
        boolean inRange = Arrays.stream(pads).allMatch(x -> x >= 0 && x <= 1024);
        if (!mode.equals("constant") || !(value == 0f || value == Float.NEGATIVE_INFINITY) || !hwOnly || !inRange) {
            throw unsupported("mode '" + mode + "' value " + value + " pads " + Arrays.toString(pads) + "; supported:"
                    + " constant 0 (or -inf) padding of H and W by 0..1024", "Pad(" + mode + ")");
        }
        if (Arrays.stream(pads).allMatch(x -> x == 0)) {
            live.put(n.getOutput(0), in); // torch.onnx writes a zero Pad before AveragePool at old opsets
            return;
        }
        live.put(n.getOutput(0), layer(layerName(n, null), "pad", Map.of("top", (int) pads[2], "bottom", (int) pads[6],
                "left", (int) pads[3], "right", (int) pads[7], "minus_infinity", value != 0f), List.of(in), Map.of(),
                Map.of()));
    }

    /** A shape's dimensions after the first {@code skip}. */
    private static List<Integer> dims(Shape s, int skip) {
        List<Integer> out = new ArrayList<>();
        for (int i = skip; i < s.rank(); i++) {
            out.add(s.dim(i));
        }
        return out;
    }
}
