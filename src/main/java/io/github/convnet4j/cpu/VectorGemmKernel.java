package io.github.convnet4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM on the JDK's Vector API, laid out as in BLIS (Van Zee and van de Geijn, 2015): B is packed
 * {@value #KC} rows at a time into strips {@code NR} columns wide, A into strips {@value #MR} rows
 * high, both straight from either orientation (no whole-matrix transposes), and a micro-kernel
 * keeps an MR × NR block of C in registers (16 vectors), adding one broadcast element of A times
 * two vectors of B per row and step of k. Products with few rows (inference batches) go to
 * {@link VectorSmallGemm}, which reads B once without packing it.
 *
 * <p>Each C element is summed the same way wherever its block falls: within a KC block by one FMA
 * chain over k in order, then added to C as {@code fma(sum, alpha, c)}, blocks in order of k. Neither
 * the split between threads (by whole strips) nor the thread count changes any of it.
 */
final class VectorGemmKernel implements GemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();
    /**
     * Rows of the register block: 8 × 2 accumulators, 2 B vectors and a broadcast fit AVX-512's
     * 32 registers without spills (measured: 153 GFLOP/s a core from L1 against 128 for 6 rows).
     */
    static final int MR = 8;
    /** Columns of the register block: two vectors. */
    static final int NR = 2 * VL;
    /** Depth of a packed block: a B strip (KC × NR floats, 32 KiB at 512 bits) stays in L1. */
    static final int KC = 256;
    /** Rows of packed A per block (a multiple of MR): 120 × 256 floats (120 KiB) stay in L2. */
    static final int MC = 120;
    /** Columns of C per block (a multiple of NR): an MC × NC block of C (480 KiB) stays in L2. */
    static final int NC = 1024;
    /** Depth of packed B per panel (a multiple of KC): KC_PANEL × NC floats (4 MiB) per thread. */
    static final int KC_PANEL = 1024;
    /** Below this many flops, handing work to other threads costs more than it saves. */
    private static final long PARALLEL_FLOPS = 1L << 21;

    static final VectorGemmKernel INSTANCE = new VectorGemmKernel();

    /** Grow-only per-thread packing buffers, so steady-state products allocate nothing. */
    private static final class Panels {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }

    private static final ThreadLocal<Panels> PANELS = ThreadLocal.withInitial(Panels::new);

    private VectorGemmKernel() {
    }

    @Override
    public String describe() {
        return "Vector API register-blocked kernel (" + SPECIES.vectorBitSize() + "-bit vectors, "
                + MR + " x " + NR + " block)";
    }

    @Override
    public void multiplyAdd(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean overwrite, float[] c, int cOff, int ldc, Parallel par) {
        if (VectorSmallGemm.handles(transA, transB, m, k)) {
            VectorSmallGemm.multiplyAdd(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, overwrite,
                    c, cOff, ldc, par);
            return;
        }
        Parallel p = 2L * m * n * k >= PARALLEL_FLOPS ? par : Parallel.SEQUENTIAL;
        if (n >= m) {
            p.forRange(ceilDiv(n, NR), (s0, s1) -> blocked(transA, transB, 0, m, s0 * NR, Math.min(n, s1 * NR), k,
                    alpha, a, aOff, lda, b, bOff, ldb, overwrite, c, cOff, ldc));
        } else {
            p.forRange(ceilDiv(m, MR), (s0, s1) -> blocked(transA, transB, s0 * MR, Math.min(m, s1 * MR), 0, n, k,
                    alpha, a, aOff, lda, b, bOff, ldb, overwrite, c, cOff, ldc));
        }
    }

    /**
     * C[i0, i1) × [j0, j1) += alpha·op(A)·op(B), on the calling thread. B is packed a whole
     * panel (up to {@value #KC_PANEL} deep × NC wide) at a time so that each MC × NC block of C stays
     * in L2 while every KC block of k passes over it: C is read from memory once per panel, not
     * once per KC block (which cost a quarter of the time at 1024³, mostly waiting for C).
     */
    private static void blocked(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                boolean overwrite, float[] c, int cOff, int ldc) {
        Panels panels = PANELS.get();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            int strip = roundUp(nc, NR);
            for (int kb = 0; kb < k; kb += KC_PANEL) {
                int depth = Math.min(KC_PANEL, k - kb);
                float[] pb = panels.b(depth * strip);
                for (int pc = 0; pc < depth; pc += KC) {
                    packB(transB, b, bOff, ldb, kb + pc, Math.min(KC, depth - pc), jc, nc, pb, pc * strip);
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    for (int pc = 0; pc < depth; pc += KC) {
                        int kc = Math.min(KC, depth - pc);
                        float[] pa = panels.a(kc * roundUp(mc, MR));
                        packA(transA, a, aOff, lda, ic, mc, kb + pc, kc, pa);
                        int pbBlock = pc * strip;
                        boolean first = overwrite && kb == 0 && pc == 0;
                        for (int jr = 0; jr < nc; jr += NR) {
                            for (int ir = 0; ir < mc; ir += MR) {
                                microKernel(kc, pa, ir * kc, pb, pbBlock + jr * kc, alpha, first,
                                        c, cOff + (ic + ir) * ldc + jc + jr, ldc,
                                        Math.min(MR, mc - ir), Math.min(NR, nc - jr), panels.tile);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs op(B)[pc, pc + kc) × [jc, jc + nc) into strips of NR columns, each stored k-major
     * (NR floats per step of k), zero-padded to a whole strip, at dst[dstOff...].
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dstOff) {
        for (int s = 0; s * NR < nc; s++) {
            int base = dstOff + s * kc * NR;
            int col = jc + s * NR;
            int width = Math.min(NR, nc - s * NR);
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    int d = base + p * NR;
                    System.arraycopy(b, bOff + (pc + p) * ldb + col, dst, d, width);
                    if (width < NR) {
                        java.util.Arrays.fill(dst, d + width, d + NR, 0f);
                    }
                }
            } else {
                // op(B)(p, j) = B(j, p): each column of the strip is a contiguous row of B.
                for (int jj = 0; jj < width; jj++) {
                    int src = bOff + (col + jj) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * NR + jj] = b[src + p];
                    }
                }
                for (int jj = width; jj < NR; jj++) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * NR + jj] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[ic, ic + mc) × [pc, pc + kc) into strips of MR rows, each stored k-major (MR
     * floats per step of k), zero-padded to a whole strip.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] dst) {
        for (int s = 0; s * MR < mc; s++) {
            int base = s * kc * MR;
            int row = ic + s * MR;
            int height = Math.min(MR, mc - s * MR);
            if (!transA) {
                for (int r = 0; r < height; r++) {
                    int src = aOff + (row + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = a[src + p];
                    }
                }
            } else {
                // op(A)(i, p) = A(p, i): the strip's MR values for one p are contiguous in A.
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(a, aOff + (pc + p) * lda + row, dst, base + p * MR, height);
                }
            }
            if (height < MR) {
                for (int p = 0; p < kc; p++) {
                    java.util.Arrays.fill(dst, base + p * MR + height, base + (p + 1) * MR, 0f);
                }
            }
        }
    }

    /**
     * C block (rows × cols, at most MR × NR, at cOff) += alpha · (packed A strip · packed B strip)
     * over kc steps. A partial block is summed in full (the padding is zero) and only its valid
     * part is written back.
     */
    static void microKernel(int kc, float[] pa, int aOff, float[] pb, int bOff, float alpha, boolean overwrite,
                            float[] c, int cOff, int ldc, int rows, int cols, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bi + VL);
            FloatVector x = FloatVector.broadcast(SPECIES, pa[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, pa[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, pa[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, pa[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, pa[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, pa[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, pa[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, pa[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Vectors leave through the tile array, never as arguments: C2 would have to box any it
        // passes to a method it does not inline, and this method is at its inlining budget.
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VL);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + VL);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + VL);
        addTile(tile, NR, rows, cols, alpha, overwrite, c, cOff, ldc);
    }

    /**
     * c[r][j] = fma(tile[r][j], alpha, c[r][j]) for the rows × cols block (tile rows are
     * {@code tileStride} apart), with 0 for c[r][j] when overwriting (C is then not read, so NaN
     * garbage in it does not survive); whole vectors where they fit, the same fma per element elsewhere.
     */
    static void addTile(float[] tile, int tileStride, int rows, int cols, float alpha, boolean overwrite,
                        float[] c, int cOff, int ldc) {
        FloatVector al = FloatVector.broadcast(SPECIES, alpha);
        FloatVector zero = FloatVector.zero(SPECIES);
        int vectorCols = cols - cols % VL;
        for (int r = 0; r < rows; r++) {
            int row = cOff + r * ldc;
            int t = r * tileStride;
            for (int j = 0; j < vectorCols; j += VL) {
                FloatVector old = overwrite ? zero : FloatVector.fromArray(SPECIES, c, row + j);
                FloatVector.fromArray(SPECIES, tile, t + j).fma(al, old).intoArray(c, row + j);
            }
            for (int j = vectorCols; j < cols; j++) {
                c[row + j] = Math.fma(tile[t + j], alpha, overwrite ? 0f : c[row + j]);
            }
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }
}
