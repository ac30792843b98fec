package io.github.convnet4j.backend;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * The argument checks of {@link CheckedBackend}, with the same messages for every backend: each
 * names the op and the argument, what was expected and what came.
 */
public final class OpChecks {
    /**
     * The smallest batch-norm epsilon: cuDNN's CUDNN_BN_MIN_EPSILON. Both backends refuse smaller
     * values so that a network behaves the same on either.
     */
    public static final double BATCH_NORM_MIN_EPSILON = 1e-5;

    private OpChecks() {
    }

    /** t is not null, was allocated by {@code backend} and is not closed. */
    public static void requireOwned(Backend backend, String op, String arg, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": " + arg + " is null");
        }
        if (t.backend() != backend) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t + " belongs to another backend");
        }
        if (t.storage().isClosed()) {
            throw new IllegalStateException(op + ": " + arg + " " + t + " is used after close");
        }
    }

    /**
     * The data tensors of one op (nulls skipped) share one type, and its rank-4 ones one memory
     * format (all of them, whatever their rank, when the op {@link Op#pairsElements}), as cuDNN
     * and cuBLAS want them; throws {@link IllegalArgumentException} naming the op and both kinds
     * otherwise. Mixed kinds meet only through {@link Backend#convert}. Returns the op's format:
     * that of its rank-4 tensors, NCHW when it has none.
     */
    public static MemoryFormat requireSameKind(Op op, Tensor... tensors) {
        Tensor first = null;
        Tensor spatial = null;
        for (Tensor t : tensors) {
            if (t == null) {
                continue;
            }
            if (first == null) {
                first = t;
            } else if (t.dtype() != first.dtype()) {
                throw new IllegalArgumentException(op.method() + ": the tensors of one op share one type, got "
                        + kind(first) + " and " + kind(t) + " (convert one first)");
            } else if (op.pairsElements() && t.format() != first.format()) {
                throw new IllegalArgumentException(op.method() + ": pairs elements in memory, so its tensors share one"
                        + " memory format, got " + kind(first) + " and " + kind(t) + " (convert one first)");
            }
            if (t.rank() == 4) {
                if (spatial == null) {
                    spatial = t;
                } else if (t.format() != spatial.format()) {
                    throw new IllegalArgumentException(op.method() + ": the rank-4 tensors of one op share one memory"
                            + " format, got " + kind(spatial) + " and " + kind(t) + " (convert one first)");
                }
            }
        }
        return spatial == null ? MemoryFormat.NCHW : spatial.format();
    }

    /** "BF16 NHWC [2, 3, 4, 5]": a tensor's kind and shape, for messages about kinds. */
    public static String kind(Tensor t) {
        return t.dtype() + " " + t.format() + " " + t.shape();
    }

    /**
     * t is F32: what batch-norm statistics, losses, labels and optimizer state must be in mixed
     * precision; throws {@link IllegalArgumentException} naming the op and the argument otherwise.
     */
    public static void requireF32(String op, String arg, Tensor t) {
        if (t != null && t.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + ": " + arg + " must be F32 (it accumulates or is accumulated "
                    + "into), got " + kind(t));
        }
    }

    /**
     * Requires an NCHW shape (rank 4), what every spatial op and layer reads.
     *
     * @param who the layer or op named in the message
     * @throws IllegalArgumentException naming {@code who} and the shape otherwise
     */
    public static void requireNchw(String who, Shape input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException(who + ": expected input of rank 4 (N, C, H, W), got " + input);
        }
    }

    /** Requires two tensors of the same number of elements. */
    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ, " + a.shape() + " vs " + b.shape());
        }
    }

    /**
     * t has exactly the shape {@code expected}; throws {@link IllegalArgumentException} starting with {@code what}
     * otherwise.
     */
    public static void requireShape(String what, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + expected + ", got " + t.shape());
        }
    }

    /**
     * t holds {@code expected} elements, whatever its shape; throws {@link IllegalArgumentException} starting with
     * {@code what} otherwise.
     */
    public static void requireSize(String what, Tensor t, int expected) {
        if (t.size() != expected) {
            throw new IllegalArgumentException(what + ": expected " + expected + " elements, got " + t.shape());
        }
    }

    /** A host array exchanged with a tensor holds exactly the tensor's elements. */
    public static void requireArrayLength(String op, float[] array, Tensor t) {
        if (array == null) {
            throw new NullPointerException(op + ": the host array is null");
        }
        if (array.length != t.size()) {
            throw new IllegalArgumentException(op + ": tensor " + t.shape() + " holds " + t.size()
                    + " floats but the host array has " + array.length);
        }
    }

    /** A matrix (rank 2) whose rows have as many elements as {@code row}; returns the column count. */
    public static int requireRowsOf(String op, Tensor matrix, Tensor row) {
        if (matrix.rank() != 2 || matrix.dim(1) != row.size()) {
            throw new IllegalArgumentException(op + ": expected a matrix (rows, " + row.size() + ") for the row "
                    + row.shape() + ", got " + matrix.shape());
        }
        return row.size();
    }

    /** The sizes of C (m × n) = op(A) (m × k) · op(B) (k × n), and whether A and B are transposed. */
    public record GemmDims(int m, int n, int k, boolean transA, boolean transB) {
    }

    /** The sizes of C = op(A)·op(B), after checking that the three matrices agree. */
    public static GemmDims gemmDims(Transpose transA, Transpose transB, Tensor a, Tensor b, Tensor c) {
        if (transA == null || transB == null) {
            throw new NullPointerException("gemm: a transpose flag is null");
        }
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

    /** Batch norm's channel count (dimension 1 of x, which has rank 2 or 4) after checking eps. */
    public static int batchNormChannels(String op, Tensor x, double eps) {
        if (x.rank() != 2 && x.rank() != 4) {
            throw new IllegalArgumentException(op + ": expected input (N, C) or (N, C, H, W), got " + x.shape());
        }
        if (!(eps >= BATCH_NORM_MIN_EPSILON) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be at least " + BATCH_NORM_MIN_EPSILON
                    + " (cuDNN's minimum), got " + eps);
        }
        return x.dim(1);
    }

    /**
     * value lies in [0, 1), or in [0, 1] when {@code oneAllowed}; NaN is refused. Throws
     * {@link IllegalArgumentException} starting with {@code what} otherwise.
     */
    public static void requireFraction(String what, double value, boolean oneAllowed) {
        if (!(value >= 0 && (oneAllowed ? value <= 1 : value < 1))) {
            throw new IllegalArgumentException(what + " must be in [0, 1" + (oneAllowed ? "]" : ")") + ", got " + value);
        }
    }
}
