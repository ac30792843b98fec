package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.nio.charset.StandardCharsets;

/** Typed access to one node's attributes; a wrong type or an oversized list names the node. */
final class Attributes {
    /** Longest ints/floats list an op here takes (kernel_shape, pads, perm...). */
    static final int MAX_LIST = 64;
    private final String where;
    private final OnnxMl.NodeProto node;

    Attributes(String where, OnnxMl.NodeProto node) {
        this.where = where;
        this.node = node;
    }

    private OnnxMl.AttributeProto find(String name, OnnxMl.AttributeProto.AttributeType type) throws ModelFormatException {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                // Files from before IR version 2 have no type field; accept them when the value is there.
                if (a.getType() != type && a.getType() != OnnxMl.AttributeProto.AttributeType.UNDEFINED) {
                    throw new ModelFormatException(where + ": attribute '" + name + "' is " + a.getType() + ", expected "
                            + type);
                }
                return a;
            }
        }
        return null;
    }

    boolean has(String name) {
        return node.getAttributeList().stream().anyMatch(a -> a.getName().equals(name));
    }

    long integer(String name, long otherwise) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.INT);
        return a == null ? otherwise : a.getI();
    }

    float real(String name, float otherwise) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.FLOAT);
        return a == null ? otherwise : a.getF();
    }

    String string(String name, String otherwise) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.STRING);
        return a == null ? otherwise : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** The ints, or null when absent. */
    long[] integers(String name) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.INTS);
        if (a == null) {
            return null;
        }
        if (a.getIntsCount() > MAX_LIST) {
            throw new ModelFormatException(where + ": attribute '" + name + "' has " + a.getIntsCount()
                    + " values, more than " + MAX_LIST);
        }
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] reals(String name) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.FLOATS);
        if (a == null) {
            return null;
        }
        if (a.getFloatsCount() > OnnxTensors.MAX_ELEMENTS) {
            throw new ModelFormatException(where + ": attribute '" + name + "' is too long");
        }
        float[] f = new float[a.getFloatsCount()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.getFloats(i);
        }
        return f;
    }

    OnnxMl.TensorProto tensor(String name) throws ModelFormatException {
        OnnxMl.AttributeProto a = find(name, OnnxMl.AttributeProto.AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }
}
