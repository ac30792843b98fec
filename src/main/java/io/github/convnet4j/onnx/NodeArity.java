package io.github.convnet4j.onnx;

import io.github.convnet4j.io.ModelFormatException;
import ai.onnx.proto.OnnxMl;

/**
 * How many inputs each supported op takes (ONNX's operator specs, up to opset 17), checked for every
 * node before its translation reads them, so that a node with too few inputs or no output is a
 * clear error naming the node rather than an index out of bounds deep in a translation.
 */
final class NodeArity {
    private static final int ANY = Integer.MAX_VALUE;

    private NodeArity() {
    }

    /** Throws ModelFormatException ({@code where} names the node) unless the node's input and output counts fit its op. */
    static void require(String where, OnnxMl.NodeProto n, int opset) throws ModelFormatException {
        int[] range = inputs(n.getOpType(), opset);
        int count = n.getInputCount();
        if (count < range[0] || count > range[1]) {
            throw new ModelFormatException(where + ": " + n.getOpType() + " (opset " + opset + ") takes "
                    + (range[0] == range[1] ? range[0] : range[1] == ANY ? "at least " + range[0]
                    : range[0] + " to " + range[1]) + " inputs, got " + count);
        }
        if (n.getOutputCount() < 1 || n.getOutput(0).isEmpty()) {
            throw new ModelFormatException(where + ": " + n.getOpType() + " has no output");
        }
    }

    /** The least and most inputs (optional ones included) of {@code op} at {@code opset}. */
    static int[] inputs(String op, int opset) {
        return switch (op) {
            case "Constant" -> new int[] {0, 0};
            case "Conv", "Gemm" -> new int[] {2, 3};
            case "MatMul", "Add", "PRelu" -> new int[] {2, 2};
            case "Sum", "Concat" -> new int[] {1, ANY};
            case "BatchNormalization" -> new int[] {5, 5};
            case "Dropout" -> new int[] {1, opset >= 12 ? 3 : 1};
            case "Reshape" -> opset < 5 ? new int[] {1, 1} : new int[] {2, 2};
            case "Pad" -> opset < 11 ? new int[] {1, 1} : new int[] {2, 4};
            default -> new int[] {1, 1}; // the unary ops: activations, pools, Flatten, LRN, Softmax, Identity, Transpose
        };
    }
}
