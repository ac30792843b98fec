package io.github.convnet4j.backend;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** The argument checks every backend makes the same way, with the same messages. */
public final class OpChecks {
    private OpChecks() {
    }

    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ, " + a.shape() + " vs " + b.shape());
        }
    }

    public static void requireShape(String what, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + expected + ", got " + t.shape());
        }
    }

    /** The sizes of C (m × n) = op(A) (m × k) · op(B) (k × n), and whether A and B are transposed. */
    public record GemmDims(int m, int n, int k, boolean transA, boolean transB) {
    }

    /** The sizes of C = op(A)·op(B), after checking that the three matrices agree. */
    public static GemmDims gemmDims(Transpose transA, Transpose transB, Tensor a, Tensor b, Tensor c) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("gemm needs matrices, got " + a.shape() + ", " + b.shape() + ", " + c.shape());
        }
        boolean ta = transA == Transpose.YES;
        boolean tb = transB == Transpose.YES;
        int m = ta ? a.dim(1) : a.dim(0);
        int k = ta ? a.dim(0) : a.dim(1);
        int kb = tb ? b.dim(1) : b.dim(0);
        int n = tb ? b.dim(0) : b.dim(1);
        if (k != kb || c.dim(0) != m || c.dim(1) != n) {
            throw new IllegalArgumentException("gemm shapes do not agree: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n
                    + ", C " + c.shape());
        }
        return new GemmDims(m, n, k, ta, tb);
    }

    /** PReLU's channel count: 1 for a shared slope, else dimension 1 of x, which the slope must match. */
    public static int preluChannels(Tensor x, Tensor slope) {
        int channels = x.rank() == 1 ? 1 : x.dim(1);
        if (slope.size() != 1 && slope.size() != channels) {
            throw new IllegalArgumentException("PReLU slope has " + slope.size() + " elements; input " + x.shape()
                    + " needs 1 or " + channels);
        }
        return slope.size() == 1 ? 1 : channels;
    }

    /** The batch size, after checking there is one label per row of scores. */
    public static int requireLabels(Tensor scores, Tensor labels) {
        if (labels.size() != scores.dim(0)) {
            throw new IllegalArgumentException("expected " + scores.dim(0) + " labels for scores " + scores.shape()
                    + ", got " + labels.size());
        }
        return scores.dim(0);
    }
}
