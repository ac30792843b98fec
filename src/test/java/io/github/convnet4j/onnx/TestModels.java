package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import shade.com.google.protobuf.ByteString;

/** Small ONNX models written with the protobuf classes, for tests. */
final class TestModels {
    private TestModels() {
    }

    static OnnxMl.TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(java.util.Arrays.stream(dims).boxed().toList()).setRawData(ByteString.copyFrom(b.array()))
                .build();
    }

    static OnnxMl.AttributeProto ints(String name, long... v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS)
                .addAllInts(java.util.Arrays.stream(v).boxed().toList()).build();
    }

    static OnnxMl.AttributeProto integer(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v)
                .build();
    }

    static OnnxMl.NodeProto node(String op, String name, List<String> in, List<String> out,
                                 OnnxMl.AttributeProto... attrs) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out)
                .addAllAttribute(List.of(attrs)).build();
    }

    static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape))).build();
    }

    static OnnxMl.ModelProto model(int opset, List<OnnxMl.NodeProto> nodes, List<OnnxMl.TensorProto> init,
                                   OnnxMl.ValueInfoProto input, String output) {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("test").addAllNode(nodes).addAllInitializer(init)
                .addInput(input).addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(output)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setProducerName("convnet4j-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    }

    /** Deterministic values in [-1, 1). */
    static float[] values(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }

    static final float[] CONV_W = values(2 * 1 * 3 * 3, 1);
    static final float[] CONV_B = values(2, 2);
    static final float[] FC_W = values(3 * 8, 3); // stored (out, in) = (3, 8), transposed in the graph
    static final float[] FC_B = values(3, 4);

    /**
     * x (N, 1, 5, 5) → Conv 3×3 with pads (top 0, left 0, bottom 1, right 1) → Relu → MaxPool 2/2 →
     * Flatten → Transpose(fc.weight) + MatMul + Add(fc.bias) → Softmax: a PyTorch-style export with an
     * asymmetric pad and a bias-free MatMul.
     */
    static OnnxMl.ModelProto smallCnn() {
        return model(13, List.of(
                node("Conv", "/conv1/Conv", List.of("x", "conv1.weight", "conv1.bias"), List.of("c"),
                        ints("kernel_shape", 3, 3), ints("pads", 0, 0, 1, 1)),
                node("Relu", "/relu/Relu", List.of("c"), List.of("r")),
                node("MaxPool", "/pool/MaxPool", List.of("r"), List.of("p"), ints("kernel_shape", 2, 2),
                        ints("strides", 2, 2)),
                node("Flatten", "/flat/Flatten", List.of("p"), List.of("f")),
                node("Transpose", "/fc/Transpose", List.of("fc.weight"), List.of("wt"), ints("perm", 1, 0)),
                node("MatMul", "/fc/MatMul", List.of("f", "wt"), List.of("m")),
                node("Add", "/fc/Add", List.of("m", "fc.bias"), List.of("logits")),
                node("Softmax", "/softmax/Softmax", List.of("logits"), List.of("y"), integer("axis", 1))),
                List.of(floats("conv1.weight", CONV_W, 2, 1, 3, 3), floats("conv1.bias", CONV_B, 2),
                        floats("fc.weight", FC_W, 3, 8), floats("fc.bias", FC_B, 3)),
                value("x", -1, 1, 5, 5), "y");
    }

    /** {@link #smallCnn}'s output by ONNX's operator definitions, written out directly; logits when !softmax. */
    static float[] smallCnnReference(float[] x, int n, boolean softmax) {
        float[] out = new float[n * 3];
        for (int b = 0; b < n; b++) {
            float[][][] conv = new float[2][4][4];
            for (int m = 0; m < 2; m++) {
                for (int oy = 0; oy < 4; oy++) {
                    for (int ox = 0; ox < 4; ox++) {
                        double s = CONV_B[m];
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy + ky;
                                int ix = ox + kx; // top/left pads 0: no shift; bottom/right rows are zeros
                                if (iy < 5 && ix < 5) {
                                    s += CONV_W[m * 9 + ky * 3 + kx] * x[b * 25 + iy * 5 + ix];
                                }
                            }
                        }
                        conv[m][oy][ox] = (float) Math.max(0, s);
                    }
                }
            }
            float[] flat = new float[8];
            for (int m = 0; m < 2; m++) {
                for (int py = 0; py < 2; py++) {
                    for (int px = 0; px < 2; px++) {
                        float best = Float.NEGATIVE_INFINITY;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                best = Math.max(best, conv[m][py * 2 + dy][px * 2 + dx]);
                            }
                        }
                        flat[m * 4 + py * 2 + px] = best;
                    }
                }
            }
            double[] logits = new double[3];
            double max = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < 3; o++) {
                logits[o] = FC_B[o];
                for (int i = 0; i < 8; i++) {
                    logits[o] += flat[i] * FC_W[o * 8 + i];
                }
                max = Math.max(max, logits[o]);
            }
            double sum = 0;
            for (int o = 0; o < 3; o++) {
                sum += Math.exp(logits[o] - max);
            }
            for (int o = 0; o < 3; o++) {
                out[b * 3 + o] = (float) (softmax ? Math.exp(logits[o] - max) / sum : logits[o]);
            }
        }
        return out;
    }
}
