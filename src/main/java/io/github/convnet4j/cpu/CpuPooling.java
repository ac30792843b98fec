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
        int inPlane = g.h() * g.w();
        int outPlane = g.outH() * g.outW();
        float area = g.windowH() * g.windowW();
        par.forRange(g.n() * g.c(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xo = p * inPlane;
                int yo = p * outPlane;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        y[yo + oy * g.outW() + ox] = mode == PoolMode.MAX
                                ? x[xo + argmax(g, x, xo, oy, ox)]
                                : windowSum(g, x, xo, oy, ox) / area;
                    }
                }
            }
        });
    }

    void backward(PoolMode mode, PoolGeometry g, float[] x, float[] dy, float[] dx) {
        int inPlane = g.h() * g.w();
        int outPlane = g.outH() * g.outW();
        float area = g.windowH() * g.windowW();
        par.forRange(g.n() * g.c(), (from, to) -> {
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
                            spread(g, dx, xo, oy, ox, d / area);
                        }
                    }
                }
            }
        });
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
