package io.github.convnet4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convnet4j.nn.NetworkSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link NetworkSpec} as the JSON a model file's metadata carries:
 * {@code {"itemShape": [1, 28, 28], "layers": [{"type": "conv", "name": "conv1", "args": {...}}],
 * "loss": "softmax_cross_entropy"}}. Written in one fixed order (settings sorted by key), so
 * identical networks give identical bytes; read strictly: every field present exactly once, no
 * unknown ones, numbers of the type and range the setting takes, each fault named.
 *
 * <p>Graphs: a layer that reads something other than the layer before it carries
 * {@code "inputs": ["name", ...]} (merges always do). Chains never do, so a chain is written exactly
 * as before graphs existed and files of that release load unchanged; a reader of that release
 * refuses a graph file by its unknown field 'inputs' rather than misreading it as a chain.
 */
final class ArchitectureJson {
    private static final Set<String> ROOT_FIELDS = Set.of("itemShape", "layers", "loss");
    private static final Set<String> LAYER_FIELDS = Set.of("type", "name", "args");
    private static final String INPUTS = "inputs";

    private ArchitectureJson() {
    }

    static String write(NetworkSpec spec) {
        ObjectNode root = StrictJson.JSON.createObjectNode();
        ArrayNode item = root.putArray("itemShape");
        spec.itemShape().forEach(item::add);
        ArrayNode layers = root.putArray("layers");
        for (NetworkSpec.LayerSpec l : spec.layers()) {
            ObjectNode layer = layers.addObject();
            layer.put("type", l.type());
            layer.put("name", l.name());
            ObjectNode args = layer.putObject("args");
            l.args().forEach((k, v) -> { // sorted by the LayerSpec
                if (v instanceof Integer i) {
                    args.put(k, i);
                } else if (v instanceof Float f) {
                    args.put(k, f);
                } else if (v instanceof Double d) {
                    args.put(k, d);
                } else if (v instanceof Boolean b) {
                    args.put(k, b);
                } else {
                    args.put(k, (String) v);
                }
            });
            if (!l.inputs().isEmpty()) {
                ArrayNode inputs = layer.putArray(INPUTS);
                l.inputs().forEach(inputs::add);
            }
        }
        root.put("loss", spec.loss());
        try {
            return StrictJson.JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the network spec", e);
        }
    }

    static NetworkSpec read(String source, String json) throws ModelFormatException {
        String where = source + ": metadata '" + ModelFile.ARCHITECTURE_KEY + "'";
        if (json == null) {
            throw new ModelFormatException(where + " is missing");
        }
        JsonNode root = StrictJson.parse(where, json);
        fields(where, root, ROOT_FIELDS);
        JsonNode itemNode = root.get("itemShape");
        JsonNode layersNode = root.get("layers");
        if (!itemNode.isArray() || itemNode.isEmpty() || !layersNode.isArray() || !root.get("loss").isTextual()) {
            throw new ModelFormatException(where + ": needs itemShape (a list of integers), layers (a list) and loss"
                    + " (a string)");
        }
        List<Integer> item = new ArrayList<>();
        for (int i = 0; i < itemNode.size(); i++) {
            item.add((int) StrictJson.integer(where + ": itemShape[" + i + "]", itemNode.get(i), 1,
                    NetworkSpec.MAX_ACTIVATION_ELEMENTS));
        }
        if (layersNode.size() > NetworkSpec.MAX_LAYERS) {
            throw new ModelFormatException(where + ": " + layersNode.size() + " layers, more than the "
                    + NetworkSpec.MAX_LAYERS + " allowed");
        }
        List<NetworkSpec.LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < layersNode.size(); i++) {
            layers.add(layer(where + ": layers[" + i + "]", layersNode.get(i)));
        }
        try {
            return new NetworkSpec(item, layers, root.get("loss").asText());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
    }

    private static NetworkSpec.LayerSpec layer(String where, JsonNode node) throws ModelFormatException {
        JsonNode inputsNode = node != null && node.isObject() ? node.get(INPUTS) : null;
        if (inputsNode != null) {
            node = ((com.fasterxml.jackson.databind.node.ObjectNode) node).deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove(INPUTS);
        }
        fields(where, node, LAYER_FIELDS);
        List<String> inputs = inputs(where, inputsNode);
        if (!node.get("type").isTextual() || !node.get("name").isTextual() || !node.get("args").isObject()) {
            throw new ModelFormatException(where + ": type and name must be strings and args an object, got " + node);
        }
        String type = node.get("type").asText();
        String name = node.get("name").asText();
        List<NetworkSpec.Setting> settings = NetworkSpec.settings(type);
        if (settings == null) {
            throw new ModelFormatException(where + " (" + name + "): unknown layer type '" + type + "'");
        }
        Map<String, NetworkSpec.Setting> byKey = new HashMap<>();
        settings.forEach(s -> byKey.put(s.key(), s));
        Map<String, Object> args = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.get("args").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            NetworkSpec.Setting s = byKey.get(e.getKey());
            if (s == null) {
                throw new ModelFormatException(where + " (" + name + ", " + type + "): unknown setting '" + e.getKey()
                        + "' (this type takes " + byKey.keySet() + ")");
            }
            args.put(e.getKey(), value(where + " (" + name + "): setting '" + e.getKey() + "'", s, e.getValue()));
        }
        try {
            return new NetworkSpec.LayerSpec(type, name, args, inputs);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
    }

    /** A layer's optional inputs: a short list of value names (checked further by the spec). */
    private static List<String> inputs(String where, JsonNode node) throws ModelFormatException {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray() || node.isEmpty() || node.size() > 64) {
            throw new ModelFormatException(where + ": field 'inputs' must be a list of 1..64 layer names, got "
                    + (node.isArray() ? node.size() + " entries" : node.getNodeType().toString().toLowerCase()));
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw new ModelFormatException(where + ": inputs[" + i + "] must be a layer name, got " + node.get(i));
            }
            names.add(node.get(i).asText());
        }
        return names;
    }

    /** The setting's value as the Java type the builder records; ranges are checked by LayerSpec. */
    private static Object value(String where, NetworkSpec.Setting s, JsonNode v) throws ModelFormatException {
        switch (s.kind()) {
            case INT:
                return (int) StrictJson.integer(where, v, (long) s.min(), (long) s.max());
            case FLOAT:
            case DOUBLE:
                if (!v.isNumber()) {
                    throw new ModelFormatException(where + " must be a number, got " + v);
                }
                return s.kind() == NetworkSpec.Kind.FLOAT ? (Object) v.floatValue() : (Object) v.doubleValue();
            case BOOLEAN:
                if (!v.isBoolean()) {
                    throw new ModelFormatException(where + " must be true or false, got " + v);
                }
                return v.booleanValue();
            default:
                if (!v.isTextual()) {
                    throw new ModelFormatException(where + " must be a string, got " + v);
                }
                return v.asText();
        }
    }

    /** Requires an object with exactly these fields (duplicates are refused by the parser). */
    private static void fields(String where, JsonNode node, Set<String> required) throws ModelFormatException {
        if (node == null || !node.isObject()) {
            throw new ModelFormatException(where + " must be a JSON object with " + required + ", got "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        for (String f : required) {
            JsonNode v = node.get(f);
            if (v == null || v.isNull()) {
                throw new ModelFormatException(where + ": field '" + f + "' is missing or null");
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!required.contains(f)) {
                throw new ModelFormatException(where + ": unknown field '" + f + "' (expected " + required + ")");
            }
        }
    }
}
