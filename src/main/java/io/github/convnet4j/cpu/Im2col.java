package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * The book's im2col and col2im: the column matrix of an image is (C·FH·FW) × (OH·OW), row
 * r = (c, ky, kx), column = (oy, ox). A group of images is lowered side by side into one wider
 * matrix (a few images, not the batch: a whole-batch matrix would cost gigabytes for AlexNet's
 * conv1 at batch 128); {@link ConvAlgorithm} sizes the group.
 */
final class Im2col {
    private Im2col() {
    }

    /** Unfolds image {@code x[xOff ..]} (C×H×W) into {@code col} (C·FH·FW × OH·OW). */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
        im2col(g, x, xOff, col, 0, g.outH() * g.outW(), 0, g.colRows());
    }

    /**
     * Unfolds rows [rowFrom, rowTo) of image {@code x[xOff ..]}'s column matrix into a wider matrix
     * {@code col} of leading dimension {@code ldCol}, at column {@code colOff}: the images of a group
     * side by side, so that one GEMM serves them all.
     */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff, int ldCol, int rowFrom, int rowTo) {
        int filterArea = g.fh() * g.fw();
        for (int row = rowFrom; row < rowTo; row++) {
            int c = row / filterArea;
            int ky = row % filterArea / g.fw();
            int kx = row % g.fw();
            int plane = xOff + c * g.h() * g.w();
            int dst = colOff + row * ldCol;
            for (int oy = 0; oy < g.outH(); oy++) {
                int iy = oy * g.strideH() - g.padH() + ky;
                int out = dst + oy * g.outW();
                if (iy < 0 || iy >= g.h()) {
                    java.util.Arrays.fill(col, out, out + g.outW(), 0f);
                    continue;
                }
                int src = plane + iy * g.w();
                // Output columns whose input column lies inside the image: [lo, hi). A kernel
                // wider than the padded image overhangs both sides, so lo can pass outW (and
                // hi fall below lo): both are clamped to the row so the fills stay inside it.
                int lo = Math.min(g.outW(), Math.max(0, ceilDiv(g.padW() - kx, g.strideW())));
                int hi = Math.max(lo, Math.min(g.outW(), ceilDiv(g.w() + g.padW() - kx, g.strideW())));
                java.util.Arrays.fill(col, out, out + lo, 0f);
                if (g.strideW() == 1) {
                    if (hi > lo) {
                        System.arraycopy(x, src + lo - g.padW() + kx, col, out + lo, hi - lo);
                    }
                } else {
                    for (int ox = lo; ox < hi; ox++) {
                        col[out + ox] = x[src + ox * g.strideW() - g.padW() + kx];
                    }
                }
                java.util.Arrays.fill(col, out + hi, out + g.outW(), 0f);
            }
        }
    }

    /**
     * The transposed column matrix, unfolded directly: output pixels [pixelFrom, pixelTo) of image
     * {@code x[xOff ..]} become rows {@code rowOff + pixel} of {@code colT} (C·FH·FW floats each, in
     * the order (c, ky, kx)). The filter gradient dY·colᵀ is then a plain product, with no
     * transposing copy of the column matrix, and distinct pixel ranges write distinct rows.
     */
    static void im2row(ConvGeometry g, float[] x, int xOff, float[] colT, int rowOff, int pixelFrom, int pixelTo) {
        int rowLength = g.colRows();
        for (int q = pixelFrom; q < pixelTo; q++) {
            int oy = q / g.outW();
            int ox = q % g.outW();
            int dst = (rowOff + q) * rowLength;
            int x0 = ox * g.strideW() - g.padW();
            // Taps whose input column lies inside the image: kx in [lo, hi).
            int lo = Math.min(g.fw(), Math.max(0, -x0));
            int hi = Math.max(lo, Math.min(g.fw(), g.w() - x0));
            for (int c = 0; c < g.c(); c++) {
                for (int ky = 0; ky < g.fh(); ky++, dst += g.fw()) {
                    int iy = oy * g.strideH() - g.padH() + ky;
                    if (iy < 0 || iy >= g.h()) {
                        java.util.Arrays.fill(colT, dst, dst + g.fw(), 0f);
                        continue;
                    }
                    int src = xOff + (c * g.h() + iy) * g.w() + x0;
                    for (int kx = 0; kx < lo; kx++) {
                        colT[dst + kx] = 0f;
                    }
                    for (int kx = lo; kx < hi; kx++) {
                        colT[dst + kx] = x[src + kx];
                    }
                    for (int kx = hi; kx < g.fw(); kx++) {
                        colT[dst + kx] = 0f;
                    }
                }
            }
        }
    }

    /** Folds {@code col} back, adding every column entry into image {@code dx[dxOff ..]}, which is zeroed first. */
    static void col2im(ConvGeometry g, float[] col, float[] dx, int dxOff) {
        col2im(g, col, 0, g.outH() * g.outW(), dx, dxOff, 0, g.c());
    }

    /**
     * Folds the columns of one image (at column {@code colOff} of {@code col}, leading dimension
     * {@code ldCol}) back into channels [cFrom, cTo) of image {@code dx[dxOff ..]}, zeroing them first.
     * Distinct channel ranges write distinct memory, so they may run in parallel.
     */
    static void col2im(ConvGeometry g, float[] col, int colOff, int ldCol, float[] dx, int dxOff, int cFrom, int cTo) {
        int planeSize = g.h() * g.w();
        java.util.Arrays.fill(dx, dxOff + cFrom * planeSize, dxOff + cTo * planeSize, 0f);
        int row = cFrom * g.fh() * g.fw();
        for (int c = cFrom; c < cTo; c++) {
            int plane = dxOff + c * planeSize;
            for (int ky = 0; ky < g.fh(); ky++) {
                for (int kx = 0; kx < g.fw(); kx++, row++) {
                    int srcRow = colOff + row * ldCol;
                    for (int oy = 0; oy < g.outH(); oy++) {
                        int iy = oy * g.strideH() - g.padH() + ky;
                        if (iy < 0 || iy >= g.h()) {
                            continue;
                        }
                        int dst = plane + iy * g.w();
                        int src = srcRow + oy * g.outW();
                        for (int ox = 0; ox < g.outW(); ox++) {
                            int ix = ox * g.strideW() - g.padW() + kx;
                            if (ix >= 0 && ix < g.w()) {
                                dx[dst + ix] += col[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** A 1×1, stride-1, unpadded convolution's column matrix is the image itself. */
    static boolean isIdentity(ConvGeometry g) {
        return g.fh() == 1 && g.fw() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0 && g.padW() == 0;
    }
}
