package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * The book's im2col and col2im, one image at a time (as Caffe does): the column matrix of an
 * image is (C·FH·FW) × (OH·OW), row r = (c, ky, kx), column = (oy, ox). A whole-batch matrix
 * would cost N times the memory (gigabytes for AlexNet's conv1 at batch 128).
 */
final class Im2col {
    private Im2col() {
    }

    /** Unfolds image {@code x[xOff ..]} (C×H×W) into {@code col} (C·FH·FW × OH·OW). */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
        int ohw = g.outH() * g.outW();
        int row = 0;
        for (int c = 0; c < g.c(); c++) {
            int plane = xOff + c * g.h() * g.w();
            for (int ky = 0; ky < g.fh(); ky++) {
                for (int kx = 0; kx < g.fw(); kx++, row++) {
                    int dst = row * ohw;
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
        }
    }

    /** Folds {@code col} back, adding every column entry into image {@code dx[dxOff ..]}, which is zeroed first. */
    static void col2im(ConvGeometry g, float[] col, float[] dx, int dxOff) {
        java.util.Arrays.fill(dx, dxOff, dxOff + g.c() * g.h() * g.w(), 0f);
        int ohw = g.outH() * g.outW();
        int row = 0;
        for (int c = 0; c < g.c(); c++) {
            int plane = dxOff + c * g.h() * g.w();
            for (int ky = 0; ky < g.fh(); ky++) {
                for (int kx = 0; kx < g.fw(); kx++, row++) {
                    int srcRow = row * ohw;
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
