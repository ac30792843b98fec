package io.github.convnet4j.cpu;

/**
 * The kernel for JVMs without the Vector API: plain Java that HotSpot's C2 auto-vectorises.
 *
 * <p>Transposed operands are first copied into row-major scratch, so one kernel serves all four
 * cases. The kernel walks C in tiles (rows × {@value #TILE_COLS} columns) that the threads share
 * out; for each tile it packs the tile's columns of B (one array per row) and adds four rank-1
 * updates per pass over a C row. That inner loop is a plain indexed loop over contiguous floats,
 * which C2 compiles to AVX2/AVX-512 vector code. Each C element is summed in the same order
 * whatever the tiling and thread count.
 */
final class ScalarGemmKernel implements GemmKernel {
    static final ScalarGemmKernel INSTANCE = new ScalarGemmKernel();

    /** Columns of C per tile: four packed B rows of this width (4 KiB) stay in L1. */
    static final int TILE_COLS = 256;
    /** Rows of C per tile: a tile of C (64 KiB) stays in L2 while the K loop sweeps it. */
    static final int TILE_ROWS = 64;
    private static final int UNROLL_K = 4;
    private static final ThreadLocal<float[][]> ACCUMULATOR =
            ThreadLocal.withInitial(() -> new float[TILE_ROWS][TILE_COLS]);
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[0][]);

    private ScalarGemmKernel() {
    }

    @Override
    public String describe() {
        return "auto-vectorised Java loops (no Vector API)";
    }

    @Override
    public void multiplyAdd(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean overwrite, float[] c, int cOff, int ldc, Parallel par) {
        if (overwrite) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        if (transA) {
            a = transpose(a, aOff, lda, k, m, Scratch.get(Scratch.TRANSPOSED_A, k * m));
            aOff = 0;
            lda = k;
        }
        if (transB) {
            b = transpose(b, bOff, ldb, n, k, Scratch.get(Scratch.TRANSPOSED_B, n * k));
            bOff = 0;
            ldb = n;
        }
        multiplyAddRowMajor(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, par);
    }

    /** Copies the rows×cols matrix src (leading dimension ld) as its cols×rows transpose into buf. */
    private static float[] transpose(float[] src, int off, int ld, int rows, int cols, float[] buf) {
        final int block = 32;
        for (int i0 = 0; i0 < rows; i0 += block) {
            int i1 = Math.min(rows, i0 + block);
            for (int j0 = 0; j0 < cols; j0 += block) {
                int j1 = Math.min(cols, j0 + block);
                for (int i = i0; i < i1; i++) {
                    int s = off + i * ld;
                    for (int j = j0; j < j1; j++) {
                        buf[j * rows + i] = src[s + j];
                    }
                }
            }
        }
        return buf;
    }

    private static void multiplyAddRowMajor(int m, int n, int k, float alpha,
                                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                            float[] c, int cOff, int ldc, Parallel par) {
        int rowTiles = (m + TILE_ROWS - 1) / TILE_ROWS;
        int colTiles = (n + TILE_COLS - 1) / TILE_COLS;
        int tileRows = TILE_ROWS;
        if (rowTiles * colTiles < par.threads() && m > 1) {
            // Few tiles but several threads: cut rows finer so every thread has work.
            tileRows = Math.min(TILE_ROWS, Math.max(1, (m + par.threads() - 1) / par.threads()));
            rowTiles = (m + tileRows - 1) / tileRows;
        }
        final int tr = tileRows;
        final int rt = rowTiles;
        // Tiles are numbered column-major, so a thread's contiguous chunk mostly shares one
        // column of B and packs it once.
        par.forRange(rowTiles * colTiles, (from, to) -> {
            float[][] packed = null;
            int packedCol = -1;
            for (int t = from; t < to; t++) {
                int i0 = (t % rt) * tr;
                int j0 = (t / rt) * TILE_COLS;
                int width = Math.min(n, j0 + TILE_COLS) - j0;
                if (j0 != packedCol) {
                    packed = packColumnTile(b, bOff, ldb, k, j0, width);
                    packedCol = j0;
                }
                tile(i0, Math.min(m, i0 + tr), j0, width, k, alpha, a, aOff, lda, packed, c, cOff, ldc);
            }
        });
    }

    /**
     * Copies B's rows [0, k) × columns [j0, j0 + width) into one array per row. C2 vectorises the
     * kernel's loop only when every B row it reads is a distinct array indexed the same way.
     */
    private static float[][] packColumnTile(float[] b, int bOff, int ldb, int k, int j0, int width) {
        float[][] rows = PACKED_B.get();
        if (rows.length < k) {
            float[][] grown = new float[k][];
            System.arraycopy(rows, 0, grown, 0, rows.length);
            for (int p = rows.length; p < k; p++) {
                grown[p] = new float[TILE_COLS];
            }
            PACKED_B.set(grown);
            rows = grown;
        }
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * ldb + j0, rows[p], 0, width);
        }
        return rows;
    }

    private static void tile(int i0, int i1, int j0, int width, int k, float alpha,
                             float[] a, int aOff, int lda, float[][] bRows,
                             float[] c, int cOff, int ldc) {
        // C2 vectorises the kernel only when every array in it is indexed by the bare loop index,
        // so the C tile is summed in row arrays of its own and copied back at the end.
        float[][] acc = ACCUMULATOR.get();
        int rows = i1 - i0;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(c, cOff + (i0 + r) * ldc + j0, acc[r], 0, width);
        }
        int p = 0;
        for (; p + UNROLL_K <= k; p += UNROLL_K) {
            float[] b0 = bRows[p];
            float[] b1 = bRows[p + 1];
            float[] b2 = bRows[p + 2];
            float[] b3 = bRows[p + 3];
            for (int r = 0; r < rows; r++) {
                int ar = aOff + (i0 + r) * lda + p;
                rank4(acc[r], width, b0, b1, b2, b3,
                        alpha * a[ar], alpha * a[ar + 1], alpha * a[ar + 2], alpha * a[ar + 3]);
            }
        }
        for (; p < k; p++) {
            float[] b0 = bRows[p];
            for (int r = 0; r < rows; r++) {
                rank1(acc[r], width, b0, alpha * a[aOff + (i0 + r) * lda + p]);
            }
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(acc[r], 0, c, cOff + (i0 + r) * ldc + j0, width);
        }
    }

    /** c[0..width) += Σ_q a_q · b_q[0..width) for four rows b_q of B (the vectorised hot loop). */
    private static void rank4(float[] c, int width, float[] b0, float[] b1, float[] b2, float[] b3,
                              float a0, float a1, float a2, float a3) {
        for (int j = 0; j < width; j++) {
            c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void rank1(float[] c, int width, float[] b0, float a0) {
        for (int j = 0; j < width; j++) {
            c[j] += a0 * b0[j];
        }
    }
}
