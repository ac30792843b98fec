package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;

/** Max and average pooling, one (image, channel) plane per task. */
final class CpuPooling {
    private final Parallel par;

    CpuPooling(Parallel par) {
        this.par = par;
    }

    void forward(PoolMode mode, PoolGeometry g, float[] x, float[] y) {
        if (mode == PoolMode.MAX && isPlainTwoByTwo(g)) {
            maxForward2x2(g, x, y);
            return;
        }
        int inPlane = g.h() * g.w();
        int outPlane = g.outH() * g.outW();
        par.forWork((long) g.n() * g.c() * g.h() * g.w()).forRange(g.n() * g.c(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xo = p * inPlane;
                int yo = p * outPlane;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        y[yo + oy * g.outW() + ox] = mode == PoolMode.MAX
                                ? x[xo + argmax(g, x, xo, oy, ox)]
                                : windowSum(g, x, xo, oy, ox) / divisor(mode, g, oy, ox);
                    }
                }
            }
        });
    }

    void backward(PoolMode mode, PoolGeometry g, float[] x, float[] dy, float[] dx) {
        if (mode == PoolMode.MAX && isPlainTwoByTwo(g)) {
            maxBackward2x2(g, x, dy, dx);
            return;
        }
        int inPlane = g.h() * g.w();
        int outPlane = g.outH() * g.outW();
        par.forWork((long) g.n() * g.c() * g.h() * g.w()).forRange(g.n() * g.c(), (from, to) -> {
            java.util.Arrays.fill(dx, from * inPlane, to * inPlane, 0f);
            for (int p = from; p < to; p++) {
                int xo = p * inPlane;
                int yo = p * outPlane;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        float d = dy[yo + oy * g.outW() + ox];
                        if (mode == PoolMode.MAX) {
                            dx[xo + argmax(g, x, xo, oy, ox)] += d;
                        } else {
                            spread(g, dx, xo, oy, ox, d / divisor(mode, g, oy, ox));
                        }
                    }
                }
            }
        });
    }

    /** PyTorch's adaptive average pooling: output row i covers rows floor(i·H/OH) .. ceil((i + 1)·H/OH) − 1. */
    void adaptiveForward(io.github.convnet4j.tensor.Shape in, int outH, int outW, float[] x, float[] y) {
        int h = in.dim(2);
        int w = in.dim(3);
        par.forWork(in.size()).forRange(in.dim(0) * in.dim(1), (from, to) -> {
            for (int p = from; p < to; p++) {
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = binStart(oy, h, outH);
                    int y1 = binEnd(oy, h, outH);
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = binStart(ox, w, outW);
                        int x1 = binEnd(ox, w, outW);
                        float sum = 0;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                sum += x[(p * h + iy) * w + ix];
                            }
                        }
                        y[(p * outH + oy) * outW + ox] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        });
    }

    void adaptiveBackward(io.github.convnet4j.tensor.Shape in, int outH, int outW, float[] dy, float[] dx) {
        int h = in.dim(2);
        int w = in.dim(3);
        par.forWork(in.size()).forRange(in.dim(0) * in.dim(1), (from, to) -> {
            java.util.Arrays.fill(dx, from * h * w, to * h * w, 0f);
            for (int p = from; p < to; p++) {
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = binStart(oy, h, outH);
                    int y1 = binEnd(oy, h, outH);
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = binStart(ox, w, outW);
                        int x1 = binEnd(ox, w, outW);
                        float d = dy[(p * outH + oy) * outW + ox] / ((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                dx[(p * h + iy) * w + ix] += d;
                            }
                        }
                    }
                }
            }
        });
    }

    private static int binStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    private static int binEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }

    /** The book's (and LeNet's) 2×2 stride-2 unpadded max pooling, the common case, without the general loops. */
    private static boolean isPlainTwoByTwo(PoolGeometry g) {
        return g.windowH() == 2 && g.windowW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0
                && g.padW() == 0 && 2 * g.outH() <= g.h() && 2 * g.outW() <= g.w(); // no ceil-mode overhang
    }

    private void maxForward2x2(PoolGeometry g, float[] x, float[] y) {
        int w = g.w();
        par.forWork((long) g.n() * g.c() * g.h() * g.w()).forRange(g.n() * g.c(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xo = p * g.h() * w;
                int yo = p * g.outH() * g.outW();
                for (int oy = 0; oy < g.outH(); oy++) {
                    int r0 = xo + 2 * oy * w;
                    int r1 = r0 + w;
                    int out = yo + oy * g.outW();
                    for (int ox = 0; ox < g.outW(); ox++) {
                        int c = 2 * ox;
                        y[out + ox] = max4(x[r0 + c], x[r0 + c + 1], x[r1 + c], x[r1 + c + 1]);
                    }
                }
            }
        });
    }

    /** The same first-maximum rule as the general path: row-major order, strict '>' (NaN wins). */
    private void maxBackward2x2(PoolGeometry g, float[] x, float[] dy, float[] dx) {
        int w = g.w();
        par.forWork((long) g.n() * g.c() * g.h() * g.w()).forRange(g.n() * g.c(), (from, to) -> {
            java.util.Arrays.fill(dx, from * g.h() * w, to * g.h() * w, 0f);
            for (int p = from; p < to; p++) {
                int xo = p * g.h() * w;
                int yo = p * g.outH() * g.outW();
                for (int oy = 0; oy < g.outH(); oy++) {
                    int r0 = xo + 2 * oy * w;
                    int r1 = r0 + w;
                    for (int ox = 0; ox < g.outW(); ox++) {
                        int c = 2 * ox;
                        int best = r0 + c;
                        best = wins(x, r0 + c + 1, best) ? r0 + c + 1 : best;
                        best = wins(x, r1 + c, best) ? r1 + c : best;
                        best = wins(x, r1 + c + 1, best) ? r1 + c + 1 : best;
                        dx[best] += dy[yo + oy * g.outW() + ox];
                    }
                }
            }
        });
    }

    private static boolean wins(float[] x, int candidate, int best) {
        return !Float.isNaN(x[best]) && (x[candidate] > x[best] || Float.isNaN(x[candidate]));
    }

    /** Math.max propagates NaN, like the general path, without branches. */
    private static float max4(float a, float b, float c, float d) {
        return Math.max(Math.max(a, b), Math.max(c, d));
    }

    /** Offset within the plane of the window's first maximum; padding never wins. */
    private static int argmax(PoolGeometry g, float[] x, int xo, int oy, int ox) {
        int best = -1;
        float bestValue = Float.NEGATIVE_INFINITY;
        int y0 = oy * g.strideH() - g.padH();
        int x0 = ox * g.strideW() - g.padW();
        for (int iy = Math.max(0, y0); iy < Math.min(g.h(), y0 + g.windowH()); iy++) {
            for (int ix = Math.max(0, x0); ix < Math.min(g.w(), x0 + g.windowW()); ix++) {
                int i = iy * g.w() + ix;
                float v = x[xo + i];
                // '>' keeps the first of equal maxima; NaN is taken so that it propagates.
                if (best < 0 || v > bestValue || Float.isNaN(v)) {
                    best = i;
                    bestValue = v;
                    if (Float.isNaN(v)) {
                        return best;
                    }
                }
            }
        }
        return best;
    }

    /**
     * PyTorch's count_include_pad divisor: the window clipped to the padded input. That is the
     * whole window except for a ceil-mode window hanging over the far edge.
     */
    private static float divisor(PoolMode mode, PoolGeometry g, int oy, int ox) {
        int y0 = oy * g.strideH() - g.padH();
        int x0 = ox * g.strideW() - g.padW();
        if (mode == PoolMode.AVERAGE_EXCLUDE_PAD) { // only the window's part inside the unpadded input
            return (float) (Math.min(y0 + g.windowH(), g.h()) - Math.max(y0, 0))
                    * (Math.min(x0 + g.windowW(), g.w()) - Math.max(x0, 0));
        }
        int rows = Math.min(y0 + g.windowH(), g.h() + g.padH()) - y0;
        int cols = Math.min(x0 + g.windowW(), g.w() + g.padW()) - x0;
        return (float) rows * cols;
    }

    private static float windowSum(PoolGeometry g, float[] x, int xo, int oy, int ox) {
        float sum = 0;
        int y0 = oy * g.strideH() - g.padH();
        int x0 = ox * g.strideW() - g.padW();
        for (int iy = Math.max(0, y0); iy < Math.min(g.h(), y0 + g.windowH()); iy++) {
            for (int ix = Math.max(0, x0); ix < Math.min(g.w(), x0 + g.windowW()); ix++) {
                sum += x[xo + iy * g.w() + ix];
            }
        }
        return sum;
    }

    private static void spread(PoolGeometry g, float[] dx, int xo, int oy, int ox, float d) {
        int y0 = oy * g.strideH() - g.padH();
        int x0 = ox * g.strideW() - g.padW();
        for (int iy = Math.max(0, y0); iy < Math.min(g.h(), y0 + g.windowH()); iy++) {
            for (int ix = Math.max(0, x0); ix < Math.min(g.w(), x0 + g.windowW()); ix++) {
                dx[xo + iy * g.w() + ix] += d;
            }
        }
    }
}
