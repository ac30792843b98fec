package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.convnet4j.tensor.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import shade.com.google.protobuf.UnsafeByteOperations;

/**
 * Small builders for the ONNX protobuf messages the exporter writes: attributes, float tensors
 * (raw little-endian data, as ONNX's own tools write them) and typed value infos.
 */
public final class OnnxProtos {
    private OnnxProtos() {
    }

    /** An INTS attribute. */
    static AttributeProto ints(String name, int... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** An INT attribute. */
    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A FLOAT attribute (ONNX keeps every real attribute as float32). */
    static AttributeProto real(String name, double value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                .setF((float) value).build();
    }

    /**
     * A float32 tensor named {@code name} with {@code dims} (empty: a scalar) holding {@code values}
     * as raw little-endian bytes; throws IllegalArgumentException if their counts disagree.
     */
    public static TensorProto floatTensor(String name, long[] dims, float[] values) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": dims " + java.util.Arrays.toString(dims)
                    + " hold " + size + " values, got " + values.length);
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(UnsafeByteOperations.unsafeWrap(bytes.array())); // the array is ours alone: no copy
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A float32 tensor of a {@link Shape}. */
    public static TensorProto floatTensor(String name, Shape shape, float[] values) {
        long[] dims = new long[shape.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.dim(i);
        }
        return floatTensor(name, dims, values);
    }

    /**
     * A float32 tensor's value info whose first dimension is the symbolic {@code batch} and whose
     * others are {@code itemDims}.
     */
    static OnnxMl.ValueInfoProto batchedFloat(String name, String batch, List<Integer> itemDims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (int d : itemDims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        OnnxMl.TypeProto.Tensor tensor = OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape).build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
