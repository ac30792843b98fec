package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * How the CPU backend computes a convolution, chosen from the shape alone (as cuDNN picks an
 * algorithm), so that the same shape always takes the same path whatever the thread count.
 *
 * <ul>
 * <li>{@link #DIRECT}: forward only, stride 1, few channel pairs (LeNet's conv1, C·K = 6): the
 * filter taps slide over a zero-padded copy of the image, with no column matrix and no GEMM,
 * whose packing would cost more than the few multiplications it feeds.</li>
 * <li>{@link #LOWERED}: im2col + GEMM, with {@link #groupSize} images lowered side by side into one
 * column matrix, so that small images still give the GEMM a wide N (LeNet's conv2 at batch 100:
 * N = 1,700 instead of 100).</li>
 * </ul>
 * The filter gradient has a DIRECT form too, for few filter elements ({@link #backwardFilter});
 * backward data always takes {@link #LOWERED}.
 */
enum ConvAlgorithm {
    DIRECT,
    LOWERED;

    /** DIRECT's limit on C·K: beyond it the GEMM's register blocking outruns the sliding taps. */
    static final int DIRECT_MAX_CHANNEL_PAIRS = 16;
    /**
     * A group's column matrix (and its K rows of output) stays within this many floats (1 MiB), so it
     * is written and read back from the L2 cache; a single image may exceed it and then forms a group alone.
     */
    static final int GROUP_BUDGET_FLOATS = 1 << 18;

    /**
     * A filter gradient up to this many floats (a 64-filter 3×3 layer on 64 channels: 36,864) is summed in
     * {@link #FILTER_CHUNKS} per-chunk partials; a larger one straight into dW by GEMMs shared by the threads.
     */
    static final int FILTER_PARTIALS_MAX_FLOATS = 1 << 16;
    /** Partials of a small filter gradient, whatever the thread count (so the sum order is fixed). */
    static final int FILTER_CHUNKS = 8;

    /** The forward algorithm for a shape. */
    static ConvAlgorithm forward(ConvGeometry g) {
        boolean unitStride = g.strideH() == 1 && g.strideW() == 1;
        long paddedImage = (long) g.c() * (g.h() + 2L * g.padH()) * (g.w() + 2L * g.padW()) + g.fw();
        // Each output row is computed on the padded width; beyond twice the output width most of it is dropped.
        boolean littleWaste = g.w() + 2L * g.padW() <= 2L * g.outW();
        return unitStride && littleWaste && (long) g.c() * g.k() <= DIRECT_MAX_CHANNEL_PAIRS
                && paddedImage <= Integer.MAX_VALUE ? DIRECT : LOWERED;
    }

    /**
     * DIRECT's limit for the filter gradient on K·C·FH·FW × OH·Wp, its per-thread rows of partial sums
     * (LeNet conv1: 150 × 896, 0.5 MiB; conv2's 2,400 × 140 would not stay in the L2 cache).
     */
    static final long DIRECT_FILTER_MAX_PRODUCTS = 1 << 18;

    /** The filter-gradient algorithm for a shape. */
    static ConvAlgorithm backwardFilter(ConvGeometry g) {
        boolean unitStride = g.strideH() == 1 && g.strideW() == 1;
        long products = (long) g.k() * g.colRows() * g.outH() * (g.w() + 2L * g.padW());
        long paddedImage = (long) g.c() * (g.h() + 2L * g.padH()) * (g.w() + 2L * g.padW()) + g.fw();
        boolean littleWaste = g.w() + 2L * g.padW() <= 2L * g.outW();
        return unitStride && littleWaste && products <= DIRECT_FILTER_MAX_PRODUCTS && paddedImage <= Integer.MAX_VALUE
                ? DIRECT : LOWERED;
    }

    /**
     * Images lowered together for the filter gradient: one. Measured with today's {@link Sgemm}, which
     * copies a transposed operand whole before multiplying: lowering 12 of LeNet conv1's images together
     * made that copy spill the L2 cache and dW 40 % slower (5.4 against 3.9 ms at batch 100). Revisit
     * with a GEMM that packs transposed operands in place, where a long inner dimension pays.
     */
    static int filterGroupSize(ConvGeometry g) {
        return 1;
    }

    /** Images lowered together: as many as fit {@link #GROUP_BUDGET_FLOATS}, at least 1, at most N. */
    static int groupSize(ConvGeometry g) {
        long perImage = (long) g.colCols() * Math.max(g.colRows(), g.k());
        return (int) Math.max(1, Math.min(g.n(), GROUP_BUDGET_FLOATS / Math.max(1, perImage)));
    }
}
