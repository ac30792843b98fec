package io.github.convnet4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with at most {@value #MAX_ROWS} rows of C (a layer at inference batch sizes), where
 * every element of B is used only a few times: packing B would cost a pass over it as long as the
 * product itself, so B is read once, in place, and the work is shared out by columns of C. Such
 * products run at the speed memory delivers B (AlexNet's fc6 weight is 151 MB).
 *
 * <ul>
 *   <li>op(B) = Bᵀ (an affine layer's forward pass, X·Wᵀ): each C element is a dot product of two
 *       contiguous rows, four rows of A against two rows of B at a time;</li>
 *   <li>op(B) = B: four rows of C, two vectors wide, get one broadcast element of op(A) times one
 *       row of B per step of k;</li>
 *   <li>the same kernel for many rows but at most {@value #DEPTH} steps of k (an affine layer's
 *       weight gradient at a small batch), shared out by rows so that C is written row by row.</li>
 * </ul>
 *
 * <p>Rows past the end of A are computed as copies of the group's first row and not written, so
 * one kernel serves every row count. Each C element is a sum fixed by the problem alone: for
 * Bᵀ, vector lanes over k in order, their lanes added in order, the remainder of k added after,
 * then {@code fma(sum, alpha, c)}; for B, one FMA chain per {@value #DEPTH} rows of B, each
 * added to C as {@code fma(sum, alpha, c)} in order of k.
 */
final class VectorSmallGemm {
    static final int MAX_ROWS = 16;
    private static final VectorSpecies<Float> SPECIES = VectorGemmKernel.SPECIES;
    private static final int VL = SPECIES.length();
    private static final int NR = 2 * VL;
    private static final int GROUP = 4;
    /** Rows of B per pass over the columns (op(B) = B); each pass adds its partial sums to C. */
    static final int DEPTH = 16;
    /** Below this many flops, handing work to other threads costs more than it saves. */
    private static final long PARALLEL_FLOPS = 1L << 21;
    /** Per-thread array through which the accumulators leave the kernels (8 vectors). */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[8 * VL]);

    private VectorSmallGemm() {
    }

    /**
     * Few rows of C, or few steps of k with B not transposed (an affine layer's weight gradient
     * at a small batch: dW = dYᵀ·X is 4096 × 9216 with k = 8), where C itself is the traffic and
     * is best written row after row.
     */
    static boolean handles(boolean transA, boolean transB, int m, int k) {
        return !(transA && transB) && (m <= MAX_ROWS || (!transB && k <= DEPTH));
    }

    static void multiplyAdd(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean overwrite, float[] c, int cOff, int ldc, Parallel par) {
        Parallel p = 2L * m * n * k >= PARALLEL_FLOPS ? par : Parallel.SEQUENTIAL;
        // op(A)(i, q) = a[aOff + i·rowStride + q·colStride]
        int rowStride = transA ? 1 : lda;
        int colStride = transA ? lda : 1;
        if (!transB && k <= DEPTH && m > MAX_ROWS) {
            // One pass over k: each group of rows of C is written once, left to right.
            p.forRange(VectorGemmKernel.ceilDiv(m, GROUP), (from, to) -> {
                for (int group = from; group < to; group++) {
                    int g = group * GROUP;
                    int rows = Math.min(GROUP, m - g);
                    for (int j = 0; j < n; j += NR) {
                        if (n - j >= NR) {
                            broadcastGroup(g, rows, j, 0, k, alpha, a, aOff, rowStride, colStride, b, bOff, ldb,
                                    overwrite, c, cOff, ldc);
                        } else {
                            scalarBlock(g, rows, j, n - j, 0, k, alpha, a, aOff, rowStride, colStride, b, bOff, ldb,
                                    overwrite, c, cOff, ldc);
                        }
                    }
                }
            });
        } else if (transB) {
            p.forRange(VectorGemmKernel.ceilDiv(n, 2), (from, to) -> {
                for (int pair = from; pair < to; pair++) {
                    int j = 2 * pair;
                    for (int g = 0; g < m; g += GROUP) {
                        dotGroup(g, Math.min(GROUP, m - g), j, Math.min(2, n - j), k, alpha,
                                a, aOff, lda, b, bOff, ldb, overwrite, c, cOff, ldc);
                    }
                }
            });
        } else {
            // Rows of B are read DEPTH at a time along the thread's whole range of columns: a few
            // contiguous streams that the prefetcher follows, where one block of columns down all
            // of k would touch a new page on every row.
            p.forRange(VectorGemmKernel.ceilDiv(n, NR), (from, to) -> {
                for (int q0 = 0; q0 < k; q0 += DEPTH) {
                    int q1 = Math.min(k, q0 + DEPTH);
                    boolean first = overwrite && q0 == 0;
                    for (int block = from; block < to; block++) {
                        int j = block * NR;
                        int width = Math.min(NR, n - j);
                        for (int g = 0; g < m; g += GROUP) {
                            int rows = Math.min(GROUP, m - g);
                            if (width == NR) {
                                broadcastGroup(g, rows, j, q0, q1, alpha, a, aOff, rowStride, colStride, b, bOff, ldb,
                                        first, c, cOff, ldc);
                            } else {
                                scalarBlock(g, rows, j, width, q0, q1, alpha, a, aOff, rowStride, colStride, b, bOff, ldb,
                                        first, c, cOff, ldc);
                            }
                        }
                    }
                }
            });
        }
    }

    /** C[g .. g+rows) × [j .. j+cols) += alpha · A rows · B rows ᵀ (cols is 1 or 2). */
    private static void dotGroup(int g, int rows, int j, int cols, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 boolean overwrite, float[] c, int cOff, int ldc) {
        int a0 = aOff + g * lda;
        int a1 = rows > 1 ? a0 + lda : a0;
        int a2 = rows > 2 ? a0 + 2 * lda : a0;
        int a3 = rows > 3 ? a0 + 3 * lda : a0;
        int b0 = bOff + j * ldb;
        int b1 = cols > 1 ? b0 + ldb : b0;
        FloatVector s00 = FloatVector.zero(SPECIES), s01 = FloatVector.zero(SPECIES);
        FloatVector s10 = FloatVector.zero(SPECIES), s11 = FloatVector.zero(SPECIES);
        FloatVector s20 = FloatVector.zero(SPECIES), s21 = FloatVector.zero(SPECIES);
        FloatVector s30 = FloatVector.zero(SPECIES), s31 = FloatVector.zero(SPECIES);
        int vectorEnd = k - k % VL;
        for (int q = 0; q < vectorEnd; q += VL) {
            FloatVector w0 = FloatVector.fromArray(SPECIES, b, b0 + q);
            FloatVector w1 = FloatVector.fromArray(SPECIES, b, b1 + q);
            FloatVector x = FloatVector.fromArray(SPECIES, a, a0 + q);
            s00 = x.fma(w0, s00);
            s01 = x.fma(w1, s01);
            x = FloatVector.fromArray(SPECIES, a, a1 + q);
            s10 = x.fma(w0, s10);
            s11 = x.fma(w1, s11);
            x = FloatVector.fromArray(SPECIES, a, a2 + q);
            s20 = x.fma(w0, s20);
            s21 = x.fma(w1, s21);
            x = FloatVector.fromArray(SPECIES, a, a3 + q);
            s30 = x.fma(w0, s30);
            s31 = x.fma(w1, s31);
        }
        // Vectors leave through an array, never as arguments, so C2 never has to box one.
        float[] lanes = LANES.get();
        s00.intoArray(lanes, 0);
        s10.intoArray(lanes, VL);
        s20.intoArray(lanes, 2 * VL);
        s30.intoArray(lanes, 3 * VL);
        s01.intoArray(lanes, 4 * VL);
        s11.intoArray(lanes, 5 * VL);
        s21.intoArray(lanes, 6 * VL);
        s31.intoArray(lanes, 7 * VL);
        for (int col = 0; col < cols; col++) {
            int bRow = col == 0 ? b0 : b1;
            for (int r = 0; r < rows; r++) {
                int at = cOff + (g + r) * ldc + j + col;
                float sum = finish(lanes, (4 * col + r) * VL, a, a0 + r * lda, b, bRow, vectorEnd, k);
                c[at] = Math.fma(sum, alpha, overwrite ? 0f : c[at]);
            }
        }
    }

    /** One dot product: its vector lanes added in order, then the terms of k past the last whole vector. */
    private static float finish(float[] lanes, int lane0, float[] a, int aRow, float[] b, int bRow, int from, int k) {
        float sum = 0f;
        for (int l = 0; l < VL; l++) {
            sum += lanes[lane0 + l];
        }
        for (int q = from; q < k; q++) {
            sum = Math.fma(a[aRow + q], b[bRow + q], sum);
        }
        return sum;
    }

    /** C[g .. g+rows) × [j .. j+NR) += alpha · op(A)[rows, q0..q1) · B[q0..q1), B read in place. */
    private static void broadcastGroup(int g, int rows, int j, int q0, int q1, float alpha,
                                       float[] a, int aOff, int rowStride, int colStride,
                                       float[] b, int bOff, int ldb, boolean overwrite, float[] c, int cOff, int ldc) {
        int a0 = aOff + g * rowStride;
        int a1 = rows > 1 ? a0 + rowStride : a0;
        int a2 = rows > 2 ? a0 + 2 * rowStride : a0;
        int a3 = rows > 3 ? a0 + 3 * rowStride : a0;
        FloatVector s00 = FloatVector.zero(SPECIES), s01 = FloatVector.zero(SPECIES);
        FloatVector s10 = FloatVector.zero(SPECIES), s11 = FloatVector.zero(SPECIES);
        FloatVector s20 = FloatVector.zero(SPECIES), s21 = FloatVector.zero(SPECIES);
        FloatVector s30 = FloatVector.zero(SPECIES), s31 = FloatVector.zero(SPECIES);
        int bi = bOff + q0 * ldb + j;
        int ai = q0 * colStride;
        for (int q = q0; q < q1; q++, bi += ldb, ai += colStride) {
            FloatVector w0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector w1 = FloatVector.fromArray(SPECIES, b, bi + VL);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + ai]);
            s00 = x.fma(w0, s00);
            s01 = x.fma(w1, s01);
            x = FloatVector.broadcast(SPECIES, a[a1 + ai]);
            s10 = x.fma(w0, s10);
            s11 = x.fma(w1, s11);
            x = FloatVector.broadcast(SPECIES, a[a2 + ai]);
            s20 = x.fma(w0, s20);
            s21 = x.fma(w1, s21);
            x = FloatVector.broadcast(SPECIES, a[a3 + ai]);
            s30 = x.fma(w0, s30);
            s31 = x.fma(w1, s31);
        }
        float[] tile = LANES.get();
        s00.intoArray(tile, 0);
        s01.intoArray(tile, VL);
        s10.intoArray(tile, NR);
        s11.intoArray(tile, NR + VL);
        s20.intoArray(tile, 2 * NR);
        s21.intoArray(tile, 2 * NR + VL);
        s30.intoArray(tile, 3 * NR);
        s31.intoArray(tile, 3 * NR + VL);
        VectorGemmKernel.addTile(tile, NR, rows, NR, alpha, overwrite, c, cOff + g * ldc + j, ldc);
    }

    /**
     * The last, narrower block of columns: the same FMA chain per element as a vector lane. The
     * columns' chains advance side by side through k (one row of B at a time), so they run in
     * parallel instead of one latency-bound chain after another.
     */
    private static void scalarBlock(int g, int rows, int j, int width, int q0, int q1, float alpha,
                                    float[] a, int aOff, int rowStride, int colStride,
                                    float[] b, int bOff, int ldb, boolean overwrite, float[] c, int cOff, int ldc) {
        float[] sums = LANES.get();
        for (int r = 0; r < rows; r++) {
            int ar = aOff + (g + r) * rowStride;
            java.util.Arrays.fill(sums, 0, width, 0f);
            int bi = bOff + q0 * ldb + j;
            for (int q = q0; q < q1; q++, bi += ldb) {
                float x = a[ar + q * colStride];
                for (int jj = 0; jj < width; jj++) {
                    sums[jj] = Math.fma(x, b[bi + jj], sums[jj]);
                }
            }
            int at = cOff + (g + r) * ldc + j;
            for (int jj = 0; jj < width; jj++) {
                c[at + jj] = Math.fma(sums[jj], alpha, overwrite ? 0f : c[at + jj]);
            }
        }
    }
}
