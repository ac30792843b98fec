package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import shade.com.google.protobuf.CodedInputStream;
import shade.com.google.protobuf.InvalidProtocolBufferException;

/**
 * Reads an ONNX protobuf (a model, or a TensorProto of a backend test) with bounds that make a
 * hostile file cheap to refuse: the file's size is checked before it is read, the protobuf nesting
 * depth is capped (a graph nested 10,000 deep in node attributes fails at depth {@value #MAX_NESTING}
 * instead of exhausting the stack), and the counts a model declares (nodes, initializers, attributes,
 * inputs and outputs) are checked before anything is computed from them. Protobuf only allocates what
 * the bytes present hold; tensor contents are checked against their declared shapes by
 * {@link OnnxTensors} before any array is made.
 */
final class OnnxReader {
    /** Largest model file read: VGG-19 is 548 MB; protobuf itself cannot parse 2 GiB. */
    static final long MAX_MODEL_BYTES = 1L << 30;
    /** Largest TensorProto file of a backend test (input_K.pb, output_K.pb). */
    static final long MAX_TENSOR_FILE_BYTES = 256L << 20;
    /** Protobuf message nesting: model → graph → node → attribute → tensor is 5; subgraphs add 3 per level. */
    static final int MAX_NESTING = 32;
    static final int MAX_NODES = 1 << 16;
    static final int MAX_INITIALIZERS = 1 << 16;
    static final int MAX_ATTRIBUTES = 64;
    static final int MAX_NODE_VALUES = 1024;
    static final int MAX_GRAPH_VALUES = 1 << 16;
    static final int MAX_OPSETS = 64;
    /** Longest name (of a node, value, initializer or attribute). */
    static final int MAX_NAME_CHARS = 4096;

    private OnnxReader() {
    }

    /** Reads and bounds-checks a model; every fault is a ModelFormatException naming the file. */
    static OnnxMl.ModelProto model(Path file) throws IOException {
        byte[] bytes = bytes(file, MAX_MODEL_BYTES, "an ONNX model");
        ModelWireScan.requireBounds(file.toString(), bytes); // before parsing makes an object of each entry
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(bounded(bytes));
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ModelFormatException(file + ": not a readable ONNX model (truncated or corrupt protobuf: "
                    + e.getMessage() + ")", e);
        }
        requireBounds(file.toString(), model);
        return model;
    }

    /** Reads a TensorProto file (a backend test's input or output). */
    static OnnxMl.TensorProto tensor(Path file) throws IOException {
        byte[] bytes = bytes(file, MAX_TENSOR_FILE_BYTES, "an ONNX TensorProto");
        try {
            return OnnxMl.TensorProto.parseFrom(bounded(bytes));
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ModelFormatException(file + ": not a readable ONNX TensorProto (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] bytes(Path file, long max, String what) throws IOException {
        long size = Files.size(file);
        if (size > max) {
            throw new ModelFormatException(file + ": " + size + " bytes, more than the " + max + " read as " + what);
        }
        if (size == 0) {
            throw new ModelFormatException(file + ": empty file, expected " + what);
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > max) { // grew while being read
            throw new ModelFormatException(file + ": more than " + max + " bytes");
        }
        return bytes;
    }

    private static CodedInputStream bounded(byte[] bytes) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setRecursionLimit(MAX_NESTING);
        in.setSizeLimit(bytes.length);
        return in;
    }

    private static void requireBounds(String source, OnnxMl.ModelProto model) throws ModelFormatException {
        if (!model.hasGraph()) {
            throw new ModelFormatException(source + ": the model has no graph (not an ONNX model?)");
        }
        requireAtMost(source, "opset imports", model.getOpsetImportCount(), MAX_OPSETS);
        OnnxMl.GraphProto g = model.getGraph();
        requireAtMost(source, "nodes", g.getNodeCount(), MAX_NODES);
        requireAtMost(source, "initializers", g.getInitializerCount(), MAX_INITIALIZERS);
        requireAtMost(source, "graph inputs", g.getInputCount(), MAX_GRAPH_VALUES);
        requireAtMost(source, "graph outputs", g.getOutputCount(), MAX_GRAPH_VALUES);
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String where = "node '" + n.getName() + "' (" + n.getOpType() + ")";
            requireAtMost(source, where + " attributes", n.getAttributeCount(), MAX_ATTRIBUTES);
            requireAtMost(source, where + " inputs", n.getInputCount(), MAX_NODE_VALUES);
            requireAtMost(source, where + " outputs", n.getOutputCount(), MAX_NODE_VALUES);
            requireName(source, where, n.getName());
            requireName(source, where, n.getOpType());
            for (String v : n.getInputList()) {
                requireName(source, where, v);
            }
            for (String v : n.getOutputList()) {
                requireName(source, where, v);
            }
        }
    }

    private static void requireAtMost(String source, String what, int count, int max) throws ModelFormatException {
        if (count > max) {
            throw new ModelFormatException(source + ": " + count + " " + what + ", more than the " + max + " accepted");
        }
    }

    private static void requireName(String source, String where, String name) throws ModelFormatException {
        if (name.length() > MAX_NAME_CHARS) {
            throw new ModelFormatException(source + ": " + where + ": a name of " + name.length()
                    + " characters, more than " + MAX_NAME_CHARS);
        }
    }
}
