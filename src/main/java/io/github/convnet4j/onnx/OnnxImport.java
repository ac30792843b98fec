package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Imports an ONNX model (opsets 1 to {@value GraphTranslator#MAX_OPSET}) as a network of ours:
 * {@link #read} checks and translates the file into a {@link NetworkSpec} and weights under our
 * parameter names, {@link #load} builds the network and fills it. The supported ops are
 * {@link #SUPPORTED_OPS}; anything else, or an attribute value without an equivalent here, is an
 * {@link OnnxUnsupportedException} naming the op, its node and the supported list, before anything
 * is built, so there is never a partial model. Reading is bounded against hostile files (see
 * {@link OnnxReader} and {@link OnnxTensors}): every fault is a {@link ModelFormatException}.
 */
public final class OnnxImport {
    /** The ONNX op types translated. */
    public static final List<String> SUPPORTED_OPS = GraphTranslator.SUPPORTED_OPS;
    /** Metadata key under which an imported model file keeps {@link Result#nameMap} as a JSON object. */
    public static final String NAME_MAP_KEY = "onnx_name_map";

    /**
     * A translated model: its architecture, every parameter and buffer it needs under our names
     * (layer.weight, layer.bias, layer.running_mean...), and for each that came from an ONNX
     * initializer, that initializer's name (the zero bias made for a MatMul without an Add has none);
     * and the model's {@code metadata_props} (where our export keeps the class names and normalisation).
     */
    public record Result(NetworkSpec spec, Map<String, float[]> weights, Map<String, String> nameMap,
                         Map<String, String> metadata) {
        public Result {
            weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
            nameMap = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nameMap));
            metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** A result without metadata. */
        public Result(NetworkSpec spec, Map<String, float[]> weights, Map<String, String> nameMap) {
            this(spec, weights, nameMap, Map.of());
        }
    }

    private OnnxImport() {
    }

    /** Reads and translates a model file. */
    public static Result read(Path file) throws IOException {
        return read(file, Map.of());
    }

    /** As {@link #read(Path)}, with some graph inputs given as constants (a backend test's weights). */
    static Result read(Path file, Map<String, OnnxTensor> bound) throws IOException {
        return translate(file, OnnxReader.model(file), bound);
    }

    /** As {@link #read(Path)}, decoding at most what {@code budget} allows. */
    static Result read(Path file, DecodeBudget budget) throws IOException {
        return translate(file, OnnxReader.model(file), Map.of(), budget);
    }

    static Result translate(Path file, OnnxMl.ModelProto model, Map<String, OnnxTensor> bound) throws IOException {
        return translate(file, model, bound, DecodeBudget.forThisJvm());
    }

    private static Result translate(Path file, OnnxMl.ModelProto model, Map<String, OnnxTensor> bound,
                                    DecodeBudget budget) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        return new GraphTranslator(file.toString(), folder, model, budget).translate(model, bound);
    }

    /** Reads, translates and builds the model on {@code backend}; the caller owns (closes) the network. */
    public static Network load(Backend backend, Path file) throws IOException {
        return build(backend, file.toString(), read(file));
    }

    /** Builds a translated model, its tensors copied in (checked against the plan first). */
    public static Network build(Backend backend, String source, Result r) throws ModelFormatException {
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> t : r.spec().plan().tensors().entrySet()) {
            float[] values = r.weights().get(t.getKey());
            if (values == null || values.length != t.getValue().size()) {
                throw new ModelFormatException(source + ": tensor '" + t.getKey() + "' is missing or has the wrong size");
            }
            tensors.put(t.getKey(), new SafeTensors.Entry(t.getValue(), values));
        }
        Network net = r.spec().buildUninitialised(backend);
        try {
            ModelFile.copyInto(source, net, tensors);
        } catch (ModelFormatException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /**
     * The same model without a final Softmax or LogSoftmax over the classes of an (N, classes)
     * output, ending with the softmax cross-entropy loss instead: the form to train further (the loss
     * applies the softmax itself) and to classify with ({@code Classifier} turns scores into
     * probabilities). Models that do not end so are returned unchanged.
     */
    public static Result forTraining(Result r) {
        List<NetworkSpec.LayerSpec> layers = r.spec().layers();
        if (layers.isEmpty()) {
            return r;
        }
        NetworkSpec.LayerSpec last = layers.get(layers.size() - 1);
        boolean softmax = last.type().equals("softmax") || last.type().equals("log_softmax");
        if (!softmax || layers.size() < 2 || !last.inputs().isEmpty() || !Integer.valueOf(1).equals(last.args().get("axis"))) {
            return r;
        }
        NetworkSpec shorter = new NetworkSpec(r.spec().itemShape(), new ArrayList<>(layers.subList(0, layers.size() - 1)),
                "softmax_cross_entropy");
        if (shorter.plan().outputShape().rank() != 2) {
            return r;
        }
        return new Result(shorter, r.weights(), r.nameMap(), r.metadata());
    }

    /** The name map as the JSON object stored under {@link #NAME_MAP_KEY} (keys sorted). */
    public static String nameMapJson(Map<String, String> nameMap) {
        try {
            return new ObjectMapper().writeValueAsString(new TreeMap<>(nameMap));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
