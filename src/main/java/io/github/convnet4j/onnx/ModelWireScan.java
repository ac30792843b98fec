package io.github.convnet4j.onnx;

import io.github.convnet4j.io.ModelFormatException;
import java.io.IOException;
import shade.com.google.protobuf.CodedInputStream;
import shade.com.google.protobuf.WireFormat;

/**
 * Counts the repeated entries of a ModelProto on its wire format, before it is parsed: each entry
 * costs the file two bytes but becomes a Java object of tens of bytes, so a 40 MB file of 20 million
 * empty nodes would parse into gigabytes. The scan reads only tags and lengths (no allocation),
 * descends into the graph, its nodes, their attributes and attribute subgraphs, and skips everything
 * else; each count is checked against {@link OnnxReader}'s bounds as it grows. Repeated occurrences of
 * a message field merge in protobuf, so counts of a graph add up over all its occurrences.
 */
final class ModelWireScan {
    /** All counted entries of one model together (nodes, values, attributes, tensors, ...). */
    static final int MAX_ENTRIES = 1 << 21;

    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_METADATA = 14;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_VALUE_INFO = 13;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_GRAPH = 6;
    private static final int ATTRIBUTE_TENSORS = 10;
    private static final int ATTRIBUTE_GRAPHS = 11;

    private final String source;
    private int entries;

    private ModelWireScan(String source) {
        this.source = source;
    }

    /** Throws ModelFormatException naming {@code source} if a count is over its bound or the bytes are not protobuf. */
    static void requireBounds(String source, byte[] bytes) throws ModelFormatException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            new ModelWireScan(source).model(in);
        } catch (ModelFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(source + ": not a readable ONNX model (truncated or corrupt protobuf: "
                    + e.getMessage() + ")", e);
        }
    }

    private void model(CodedInputStream in) throws IOException {
        int[] counts = new int[2];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (field(tag)) {
                case MODEL_GRAPH -> nested(in, tag, () -> graph(in, 1));
                case MODEL_OPSET_IMPORT -> countAndSkip(in, tag, counts, 0, "opset imports", OnnxReader.MAX_OPSETS);
                case MODEL_METADATA -> countAndSkip(in, tag, counts, 1, "metadata_props", OnnxReader.MAX_GRAPH_VALUES);
                default -> skip(in, tag);
            }
        }
    }

    private final int[] graphCounts = new int[5];

    private void graph(CodedInputStream in, int depth) throws IOException {
        // the top graph's counts add up over its occurrences; a subgraph's are its own
        int[] counts = depth == 1 ? graphCounts : new int[5];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (field(tag)) {
                case GRAPH_NODE -> {
                    count(counts, 0, "nodes", OnnxReader.MAX_NODES);
                    nested(in, tag, () -> node(in, depth));
                }
                case GRAPH_INITIALIZER -> countAndSkip(in, tag, counts, 1, "initializers", OnnxReader.MAX_INITIALIZERS);
                case GRAPH_INPUT -> countAndSkip(in, tag, counts, 2, "graph inputs", OnnxReader.MAX_GRAPH_VALUES);
                case GRAPH_OUTPUT -> countAndSkip(in, tag, counts, 3, "graph outputs", OnnxReader.MAX_GRAPH_VALUES);
                case GRAPH_VALUE_INFO -> countAndSkip(in, tag, counts, 4, "value_info entries", OnnxReader.MAX_GRAPH_VALUES);
                default -> skip(in, tag);
            }
        }
    }

    private void node(CodedInputStream in, int depth) throws IOException {
        int[] counts = new int[3];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (field(tag)) {
                case NODE_INPUT -> countAndSkip(in, tag, counts, 0, "inputs of a node", OnnxReader.MAX_NODE_VALUES);
                case NODE_OUTPUT -> countAndSkip(in, tag, counts, 1, "outputs of a node", OnnxReader.MAX_NODE_VALUES);
                case NODE_ATTRIBUTE -> {
                    count(counts, 2, "attributes of a node", OnnxReader.MAX_ATTRIBUTES);
                    nested(in, tag, () -> attribute(in, depth));
                }
                default -> skip(in, tag);
            }
        }
    }

    private void attribute(CodedInputStream in, int depth) throws IOException {
        int[] counts = new int[2];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (field(tag)) {
                case ATTRIBUTE_TENSORS -> countAndSkip(in, tag, counts, 0, "tensors of an attribute", OnnxReader.MAX_NODE_VALUES);
                case ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS -> {
                    if (depth >= OnnxReader.MAX_NESTING / 3) {
                        throw new ModelFormatException(source + ": subgraphs nested more than "
                                + OnnxReader.MAX_NESTING / 3 + " deep");
                    }
                    count(counts, 1, "graphs of an attribute", OnnxReader.MAX_NODE_VALUES);
                    nested(in, tag, () -> graph(in, depth + 1));
                }
                default -> skip(in, tag);
            }
        }
    }

    private interface Body {
        void read() throws IOException;
    }

    /** Reads a length-delimited field's content with {@code body}, within its length. */
    private static void nested(CodedInputStream in, int tag, Body body) throws IOException {
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            in.skipField(tag); // a wrong wire type: parseFrom reports it
            return;
        }
        int length = in.readRawVarint32();
        int old = in.pushLimit(length);
        body.read();
        in.popLimit(old);
    }

    /** Counts one entry of a repeated field, and of all entries of the model. */
    private void count(int[] counts, int k, String what, int max) throws ModelFormatException {
        if (++counts[k] > max) {
            throw new ModelFormatException(source + ": more than the " + max + " " + what + " accepted (counted before"
                    + " parsing)");
        }
        if (++entries > MAX_ENTRIES) {
            throw new ModelFormatException(source + ": more than " + MAX_ENTRIES + " entries (nodes, values, attributes,"
                    + " tensors) in all");
        }
    }

    /** Counts an entry that is not read further, and skips it. */
    private void countAndSkip(CodedInputStream in, int tag, int[] counts, int k, String what, int max) throws IOException {
        count(counts, k, what, max);
        skip(in, tag);
    }

    private void skip(CodedInputStream in, int tag) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_START_GROUP
                || WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_END_GROUP) {
            throw new ModelFormatException(source + ": a protobuf group (field " + field(tag) + "), which ONNX never"
                    + " uses");
        }
        in.skipField(tag);
    }

    private static int field(int tag) {
        return WireFormat.getTagFieldNumber(tag);
    }
}
