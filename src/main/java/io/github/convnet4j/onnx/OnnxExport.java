package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.nn.Graph;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.NetworkSpec.LayerSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes one of our networks (a chain or a graph) as an ONNX model: opset {@value #OPSET} of the
 * default domain, IR version {@value #IR_VERSION}. Every layer becomes the ONNX operator that
 * computes exactly what it computes in inference (see {@link #export}); a layer ONNX cannot
 * express exactly is refused with an {@link IllegalArgumentException} naming it, never
 * approximated.
 *
 * <p>The graph's input is {@value #INPUT}, float32 (batch, C, H, W) with the symbolic batch
 * dimension {@value #BATCH}; it takes the network's input, i.e. images already normalised as the
 * model file's metadata says (that metadata travels in the model's {@code metadata_props}). The
 * output is the last layer's value, the logits for a softmax cross-entropy network
 * ({@value #LOGITS}; no Softmax is appended, so the output equals {@link Network#predict} and the
 * arg-max is the class; apply a softmax for probabilities), else {@value #OUTPUT}. Values are named
 * by the layers that write them, nodes by the layers, and initializers by our parameter names
 * ({@code conv1.weight}, {@code layer1.0.bn1.running_mean}), so a torchvision architecture exports
 * with PyTorch's names.
 */
public final class OnnxExport {
    /**
     * The operator set written. 13 has every operator we need with its current attributes
     * (AveragePool/MaxPool {@code ceil_mode} from 10, Dropout's ratio as an input from 12), is
     * accepted by onnx 1.12's checker, ONNX Runtime (1.6 and later), TensorRT 8 and
     * onnxruntime-web, and is what {@code torch.onnx.export} writes by default from PyTorch 1.12 on.
     */
    public static final int OPSET = 13;
    /** The IR version that goes with opset 13 (ONNX 1.8). */
    public static final long IR_VERSION = 7;
    /** The graph input's name. */
    public static final String INPUT = Graph.INPUT;
    /** The input's symbolic batch dimension. */
    public static final String BATCH = "batch";
    /** The output's name for a network ending in softmax cross-entropy. */
    public static final String LOGITS = "logits";
    /** The output's name for other losses. */
    public static final String OUTPUT = "output";
    /** The producer written into the model. */
    public static final String PRODUCER = "convnet4j";

    private OnnxExport() {
    }

    /** {@link #export(Network, Map)} without metadata. */
    public static OnnxMl.ModelProto export(Network net) {
        return export(net, Map.of());
    }

    /**
     * The ONNX model of {@code net} with its current weights; {@code metadata} (class names,
     * normalisation...) goes into {@code metadata_props}, sorted by key. Layer by layer:
     * conv → Conv (pads, strides; no bias input where the layer has none); maxpool → MaxPool and
     * avgpool → AveragePool (see {@link PoolAttributes} for rounding, padding and the divisor);
     * adaptive_avgpool → GlobalAveragePool for 1×1, AveragePool where the output divides the input,
     * else refused; affine → Flatten (for a 4-D input) then Gemm with {@code transB = 1} (our weight
     * is PyTorch's (out, in)); batchnorm → BatchNormalization with the running statistics and its
     * epsilon; lrn → LRN (both divide alpha by the size; even sizes refused: their windows differ);
     * dropout → Dropout with its ratio, inference mode (identity); relu, sigmoid, tanh, softplus,
     * leaky_relu (alpha = slope) and prelu (slope (C, 1, 1)) → Relu, Sigmoid, Tanh, Softplus,
     * LeakyRelu, PRelu; flatten → Flatten; add → Add (Sum for more than two); concat → Concat along
     * channels; pad → Pad (constant 0, or −∞ for a max pool's padding); softmax and log_softmax →
     * Softmax and LogSoftmax over their axis (a trailing one over several dimensions is refused).
     *
     * @throws IllegalArgumentException naming the layer that ONNX cannot express exactly, or if the
     *                                  network has custom layers (no spec)
     */
    public static OnnxMl.ModelProto export(Network net, Map<String, String> metadata) {
        NetworkSpec spec = net.spec().orElseThrow(() -> new IllegalArgumentException(
                "this network has custom layers and no architecture spec, so it cannot be exported to ONNX"));
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter p : net.parameters()) {
            values.put(p.name(), p.value().toArray());
        }
        for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) {
            values.put(e.getKey(), e.getValue().toArray());
        }
        OnnxMl.GraphProto graph = new GraphWriter(spec, values).write();
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .setProducerVersion("0.1.0")
                .setDocString("exported by convnet4j: input '" + INPUT + "' (" + BATCH + ", "
                        + String.join(", ", spec.itemShape().stream().map(String::valueOf).toList())
                        + ") normalised as metadata_props say; output '" + outputName(spec)
                        + "' without softmax")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        new TreeMap<>(metadata).forEach((k, v) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    /** Exports {@code net} and writes it atomically (temporary file, fsync, rename) to {@code file}. */
    public static void write(Network net, Path file, Map<String, String> metadata) throws IOException {
        write(export(net, metadata), file);
    }

    /** Writes a model atomically. */
    public static void write(OnnxMl.ModelProto model, Path file) throws IOException {
        AtomicFiles.write(file, model::writeTo);
    }

    /** The graph output's name: {@value #LOGITS} or {@value #OUTPUT}, or the last layer's own where a layer has that name. */
    static String outputName(NetworkSpec spec) {
        String wanted = spec.loss().equals("softmax_cross_entropy") ? LOGITS : OUTPUT;
        if (spec.layers().isEmpty() || spec.layers().stream().noneMatch(l -> l.name().equals(wanted))) {
            return wanted;
        }
        return spec.layers().get(spec.layers().size() - 1).name();
    }

    /** Walks the spec in order and writes one or two nodes per layer. */
    private static final class GraphWriter {
        private final NetworkSpec spec;
        private final Map<String, float[]> tensors;
        private final NetworkSpec.Plan plan;
        private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("convnet4j");
        private final Set<String> names = new HashSet<>();
        private final String output;

        GraphWriter(NetworkSpec spec, Map<String, float[]> tensors) {
            this.spec = spec;
            this.tensors = tensors;
            this.plan = spec.plan();
            this.output = outputName(spec);
            names.add(INPUT);
            names.add(output);
            spec.layers().forEach(l -> names.add(l.name()));
            names.addAll(tensors.keySet());
        }

        OnnxMl.GraphProto write() {
            if (spec.layers().isEmpty()) {
                throw new IllegalArgumentException("a network without layers has nothing to export");
            }
            graph.addInput(OnnxProtos.batchedFloat(INPUT, BATCH, spec.itemShape()));
            String previous = INPUT;
            LayerSpec last = spec.layers().get(spec.layers().size() - 1);
            for (LayerSpec l : spec.layers()) {
                List<String> reads = l.inputs().isEmpty() ? List.of(previous) : l.inputs();
                String out = l == last ? output : l.name();
                layer(l, reads, out);
                previous = l.name();
            }
            Shape result = plan.outputShape();
            List<Integer> itemDims = new ArrayList<>();
            for (int i = 1; i < result.rank(); i++) {
                itemDims.add(result.dim(i));
            }
            graph.addOutput(OnnxProtos.batchedFloat(output, BATCH, itemDims));
            return graph.build();
        }

        private Shape shapeOf(String value) {
            return plan.values().get(value);
        }

        private void layer(LayerSpec l, List<String> reads, String out) {
            String n = l.name();
            String x = reads.get(0);
            Shape in = shapeOf(reads.get(0));
            switch (l.type()) {
                case "conv" -> conv(l, x, out);
                case "maxpool", "avgpool" -> pool(l, x, in, out);
                case "adaptive_avgpool" -> adaptive(l, x, in, out);
                case "affine" -> affine(l, x, in, out);
                case "batchnorm" -> node("BatchNormalization", n, List.of(x, init(n + ".weight"), init(n + ".bias"),
                        init(n + ".running_mean"), init(n + ".running_var")), out,
                        OnnxProtos.real("epsilon", d(l, "eps")));
                case "lrn" -> lrn(l, x, out);
                case "dropout" -> dropout(l, x, out);
                case "relu" -> node("Relu", n, List.of(x), out);
                case "sigmoid" -> node("Sigmoid", n, List.of(x), out);
                case "tanh" -> node("Tanh", n, List.of(x), out);
                case "softplus" -> node("Softplus", n, List.of(x), out);
                case "leaky_relu" -> node("LeakyRelu", n, List.of(x), out,
                        OnnxProtos.real("alpha", d(l, "slope")));
                case "prelu" -> prelu(l, x, in, out);
                case "flatten" -> node("Flatten", n, List.of(x), out, OnnxProtos.integer("axis", 1));
                case "add" -> node(reads.size() == 2 ? "Add" : "Sum", n, reads, out);
                case "concat" -> node("Concat", n, reads, out,
                        OnnxProtos.integer("axis", 1));
                case "pad" -> pad(l, x, out);
                case "softmax", "log_softmax" -> softmax(l, x, in, out);
                default -> throw new IllegalArgumentException("layer " + n + ": type '" + l.type()
                        + "' has no ONNX mapping");
            }
        }

        private void conv(LayerSpec l, String x, String out) {
            String n = l.name();
            List<String> inputs = new ArrayList<>(List.of(x, init(n + ".weight")));
            if (tensors.containsKey(n + ".bias")) {
                inputs.add(init(n + ".bias"));
            }
            int ph = i(l, "ph");
            int pw = i(l, "pw");
            node("Conv", n, inputs, out,
                    OnnxProtos.ints("kernel_shape", i(l, "kh"), i(l, "kw")),
                    OnnxProtos.ints("strides", i(l, "sh"), i(l, "sw")),
                    OnnxProtos.ints("pads", ph, pw, ph, pw),
                    OnnxProtos.ints("dilations", 1, 1),
                    OnnxProtos.integer("group", 1));
        }

        private void pool(LayerSpec l, String x, Shape in, String out) {
            OutputRounding rounding = OutputRounding.valueOf((String) l.args().get("rounding"));
            int window = i(l, "window");
            int stride = i(l, "stride");
            int pad = i(l, "pad");
            PoolGeometry g = PoolGeometry.of(l.name(), in, window, window, stride, stride, pad, pad, rounding);
            boolean average = l.type().equals("avgpool");
            PoolAttributes a = PoolAttributes.of(l.name(), average, g, rounding);
            node(average ? "AveragePool" : "MaxPool", l.name(), List.of(x), out,
                    a.attributes().toArray(new AttributeProto[0]));
        }

        /**
         * PyTorch's adaptive bins (rows ⌊i·H/OH⌋ to ⌈(i+1)·H/OH⌉ − 1) are one AveragePool only
         * when OH divides H (and OW divides W): then every bin is a k×k window at stride k.
         * Otherwise the bins differ in size, which no ONNX pooling expresses (torch.onnx refuses
         * this case too).
         */
        private void adaptive(LayerSpec l, String x, Shape in, String out) {
            int oh = i(l, "out_h");
            int ow = i(l, "out_w");
            int h = in.dim(2);
            int w = in.dim(3);
            if (oh == 1 && ow == 1) {
                node("GlobalAveragePool", l.name(), List.of(x), out);
                return;
            }
            if (h % oh != 0 || w % ow != 0) {
                throw new IllegalArgumentException("layer " + l.name() + " (adaptive_avgpool): output " + oh + "x" + ow
                        + " does not divide its input " + h + "x" + w + ", so its bins differ in size and no ONNX"
                        + " pooling computes them; export at an input size where it divides (e.g. 224x224 for"
                        + " VGG and AlexNet)");
            }
            node("AveragePool", l.name(), List.of(x), out,
                    OnnxProtos.ints("kernel_shape", h / oh, w / ow),
                    OnnxProtos.ints("strides", h / oh, w / ow),
                    OnnxProtos.ints("pads", 0, 0, 0, 0),
                    OnnxProtos.integer("ceil_mode", 0),
                    OnnxProtos.integer("count_include_pad", 0));
        }

        private void affine(LayerSpec l, String x, Shape in, String out) {
            String n = l.name();
            String matrix = x;
            if (in.rank() > 2) {
                matrix = fresh(n + "/flatten");
                node("Flatten", matrix, List.of(x), matrix, OnnxProtos.integer("axis", 1));
            }
            node("Gemm", n, List.of(matrix, init(n + ".weight"), init(n + ".bias")), out,
                    OnnxProtos.real("alpha", 1), OnnxProtos.real("beta", 1), OnnxProtos.integer("transB", 1));
        }

        /**
         * Our LRN is PyTorch's: b_c = a_c / (k + (α/n)·Σ a_j²)^β over j = c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋.
         * ONNX's LRN also divides alpha by the size (alpha maps unchanged, bias = k), but its window
         * is c − ⌊(n−1)/2⌋ … c + ⌈(n−1)/2⌉: the same for odd n, one channel higher for even n.
         */
        private void lrn(LayerSpec l, String x, String out) {
            int size = i(l, "size");
            if (size % 2 == 0) {
                throw new IllegalArgumentException("layer " + l.name() + " (lrn): size " + size + " is even; our window"
                        + " (PyTorch's) is c-" + size / 2 + " .. c+" + (size - 1) / 2 + ", ONNX's LRN sums c-"
                        + (size - 1) / 2 + " .. c+" + size / 2 + ", so only odd sizes export exactly");
            }
            node("LRN", l.name(), List.of(x), out,
                    OnnxProtos.integer("size", size),
                    OnnxProtos.real("alpha", d(l, "alpha")),
                    OnnxProtos.real("beta", d(l, "beta")),
                    OnnxProtos.real("bias", d(l, "k")));
        }

        /** Dropout in inference mode (no training_mode input): the identity; the ratio is kept for training. */
        private void dropout(LayerSpec l, String x, String out) {
            String ratio = fresh(l.name() + ".ratio");
            graph.addInitializer(OnnxProtos.floatTensor(ratio, new long[0], new float[] {(float) d(l, "ratio")}));
            node("Dropout", l.name(), List.of(x, ratio), out);
        }

        /**
         * Pad (opset 11 on: pads and the constant an input each) of H and W, ONNX's pads being all
         * begins then all ends: (0, 0, top, left, 0, 0, bottom, right); −∞ where a max pool's padding
         * was made a layer of its own, else 0.
         */
        private void pad(LayerSpec l, String x, String out) {
            String pads = fresh(l.name() + ".pads");
            graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(pads)
                    .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE).addDims(8)
                    .addAllInt64Data(List.of(0L, 0L, (long) i(l, "top"), (long) i(l, "left"), 0L, 0L,
                            (long) i(l, "bottom"), (long) i(l, "right"))).build());
            String value = fresh(l.name() + ".value");
            boolean minusInfinity = (Boolean) setting(l, "minus_infinity");
            graph.addInitializer(OnnxProtos.floatTensor(value, new long[0],
                    new float[] {minusInfinity ? Float.NEGATIVE_INFINITY : 0f}));
            node("Pad", l.name(), List.of(x, pads, value), out); // mode "constant", the default
        }

        /**
         * Softmax / LogSoftmax of opset 13 normalise over the one axis given, which is our layer's
         * meaning without {@code trailing}. With it, over all dimensions from the axis as one vector
         * (opset 1..12's meaning), which opset 13 cannot say in one node unless the axis is the last.
         */
        private void softmax(LayerSpec l, String x, Shape in, String out) {
            int axis = i(l, "axis");
            if ((Boolean) setting(l, "trailing") && axis < in.rank() - 1) {
                throw new IllegalArgumentException("layer " + l.name() + " (" + l.type() + "): a softmax over all"
                        + " dimensions from axis " + axis + " of " + in + " as one vector (trailing) has no single"
                        + " operator at ONNX opset " + OPSET + ", whose Softmax normalises over one axis");
            }
            node(l.type().equals("softmax") ? "Softmax" : "LogSoftmax", l.name(), List.of(x), out,
                    OnnxProtos.integer("axis", axis));
        }

        /** ONNX broadcasts PRelu's slope from the right: (C) per channel needs (C, 1, 1) against (N, C, H, W). */
        private void prelu(LayerSpec l, String x, Shape in, String out) {
            String name = l.name() + ".weight";
            float[] slope = tensor(name);
            long[] dims = new long[Math.max(1, in.rank() - 1)];
            java.util.Arrays.fill(dims, 1);
            dims[0] = slope.length;
            graph.addInitializer(OnnxProtos.floatTensor(name, dims, slope));
            node("PRelu", l.name(), List.of(x, name), out);
        }

        /** Adds the parameter or buffer as an initializer of its own shape; returns its name. */
        private String init(String name) {
            float[] v = tensor(name);
            Shape s = plan.tensors().get(name);
            graph.addInitializer(OnnxProtos.floatTensor(name, s, v));
            return name;
        }

        /** The tensor's values, handed over once: the map lets go of them, so that only the protobuf copy stays. */
        private float[] tensor(String name) {
            float[] v = tensors.remove(name);
            if (v == null) {
                throw new IllegalStateException("the network has no tensor " + name + " that its spec plans");
            }
            return v;
        }

        /** A name no layer, value or tensor has: {@code base}, else base_1, base_2... */
        private String fresh(String base) {
            String name = base;
            for (int k = 1; names.contains(name); k++) {
                name = base + "_" + k;
            }
            names.add(name);
            return name;
        }

        private void node(String op, String name, List<String> inputs, String out, AttributeProto... attributes) {
            NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(out);
            for (AttributeProto a : attributes) {
                node.addAttribute(a);
            }
            graph.addNode(node);
        }

        /** A setting's value, or its default where the spec omits an optional one (batch norm's eps, avgpool's pad). */
        private static Object setting(LayerSpec l, String key) {
            Object v = l.args().get(key);
            return v != null ? v : NetworkSpec.settings(l.type()).stream().filter(s -> s.key().equals(key)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(l.type() + " has no setting " + key)).defaultValue();
        }

        private static int i(LayerSpec l, String key) {
            return (Integer) setting(l, key);
        }

        private static double d(LayerSpec l, String key) {
            return ((Number) setting(l, key)).doubleValue();
        }
    }
}
