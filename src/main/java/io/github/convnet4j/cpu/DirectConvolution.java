package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * Stride-1 convolution for few channels, without a GEMM. Each (image, output channel) plane is
 * computed on the padded width Wp, so that output (oy, ox) is element oy·Wp + ox of one long
 * contiguous accumulator and each filter tap (c, ky, kx) reads one contiguous run of the padded
 * image, starting at c·Hp·Wp + ky·Wp + kx; the Wp − OW extra columns per row are computed and
 * dropped. The runs are copied into arrays of their own, one per tap, because C2 vectorises the
 * multiply-add loop only over distinct arrays indexed by the bare loop index; four taps per pass
 * over the accumulator. Each output element is summed in the same order whatever the thread count.
 */
final class DirectConvolution {
    private static final ThreadLocal<float[][]> TAP_RUNS = ThreadLocal.withInitial(() -> new float[0][]);

    private DirectConvolution() {
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y, Parallel par) {
        if (g.strideH() != 1 || g.strideW() != 1) {
            throw new IllegalArgumentException("direct convolution needs stride 1, got " + g.strideH() + "x"
                    + g.strideW() + " for " + g.inputShape() + " * " + g.filterShape());
        }
        int wp = g.w() + 2 * g.padW();
        int hp = g.h() + 2 * g.padH();
        int span = g.outH() * wp;
        // The last taps read up to FW − 1 floats past the last padded plane, into dropped columns.
        int paddedSize = g.c() * hp * wp + g.fw();
        int inSize = g.c() * g.h() * g.w();
        int k = g.k();
        int taps = g.colRows();
        long macs = (long) g.n() * k * taps * span;
        Parallel p = macs < CpuConvolution.PARALLEL_MIN_MACS ? Parallel.SEQUENTIAL : par;
        p.forRange(g.n() * k, (from, to) -> {
            float[] padded = Scratch.get(Scratch.COLUMNS, paddedSize);
            float[] acc = Scratch.get(Scratch.GROUPED, span);
            float[][] runs = tapRuns(taps, span);
            int loweredImage = -1;
            for (int task = from; task < to; task++) {
                int image = task / k;
                int out = task % k;
                if (image != loweredImage) {
                    pad(g, x, image * inSize, padded, hp, wp, paddedSize);
                    for (int t = 0; t < taps; t++) {
                        int c = t / (g.fh() * g.fw());
                        int ky = t / g.fw() % g.fh();
                        int kx = t % g.fw();
                        System.arraycopy(padded, c * hp * wp + ky * wp + kx, runs[t], 0, span);
                    }
                    loweredImage = image;
                }
                java.util.Arrays.fill(acc, 0, span, bias == null ? 0f : bias[out]);
                int wOff = out * taps;
                int t = 0;
                for (; t + 4 <= taps; t += 4) {
                    taps4(acc, span, runs[t], runs[t + 1], runs[t + 2], runs[t + 3],
                            w[wOff + t], w[wOff + t + 1], w[wOff + t + 2], w[wOff + t + 3]);
                }
                for (; t < taps; t++) {
                    tap1(acc, span, runs[t], w[wOff + t]);
                }
                int dst = task * g.outH() * g.outW();
                for (int oy = 0; oy < g.outH(); oy++) {
                    System.arraycopy(acc, oy * wp, y, dst + oy * g.outW(), g.outW());
                }
            }
        });
    }

    private static float[][] tapRuns(int taps, int span) {
        float[][] runs = TAP_RUNS.get();
        if (runs.length < taps || runs[0].length < span) {
            runs = new float[Math.max(taps, runs.length)][Math.max(span, runs.length == 0 ? 0 : runs[0].length)];
            TAP_RUNS.set(runs);
        }
        return runs;
    }

    private static void taps4(float[] acc, int span, float[] r0, float[] r1, float[] r2, float[] r3,
                              float w0, float w1, float w2, float w3) {
        for (int j = 0; j < span; j++) {
            acc[j] += w0 * r0[j] + w1 * r1[j] + w2 * r2[j] + w3 * r3[j];
        }
    }

    private static void tap1(float[] acc, int span, float[] r0, float w0) {
        for (int j = 0; j < span; j++) {
            acc[j] += w0 * r0[j];
        }
    }

    /** Copies image x[xOff ..] into the middle of zeroed Hp × Wp planes, plus a zeroed tail. */
    private static void pad(ConvGeometry g, float[] x, int xOff, float[] padded, int hp, int wp, int paddedSize) {
        java.util.Arrays.fill(padded, 0, paddedSize, 0f);
        for (int c = 0; c < g.c(); c++) {
            for (int iy = 0; iy < g.h(); iy++) {
                System.arraycopy(x, xOff + (c * g.h() + iy) * g.w(), padded,
                        c * hp * wp + (iy + g.padH()) * wp + g.padW(), g.w());
            }
        }
    }
}
