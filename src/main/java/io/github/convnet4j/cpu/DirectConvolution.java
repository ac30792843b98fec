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
        requireUnitStride(g);
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
                        System.arraycopy(padded, tapStart(g, t, hp, wp), runs[t], 0, span);
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

    private static final ThreadLocal<float[][]> PRODUCTS = ThreadLocal.withInitial(() -> new float[0][]);
    private static final ThreadLocal<float[][]> GRADIENT_RUNS = ThreadLocal.withInitial(() -> new float[0][]);

    /**
     * The filter gradient of a stride-1 convolution with few filter elements (LeNet conv1: K·C·FH·FW =
     * 150), where a GEMM would be 150 dot products over 78,400 pixels. C2 does not vectorise a float
     * dot product (it keeps the order of the additions), but it does vectorise element-wise
     * products, so each of the K·C·FH·FW gradient elements gets a row of per-position partial sums,
     * P[k, tap][j] += dY_k[j] · run_tap[j] over the chunk's images, each row summed at the end of the
     * chunk. Images go in {@link ConvAlgorithm#FILTER_CHUNKS} fixed chunks whose partial gradients are
     * added in order, so the result does not depend on the thread count.
     */
    static void filterGradient(ConvGeometry g, float[] x, float[] dy, float[] dw, float[] partials, Parallel par) {
        requireUnitStride(g);
        int wp = g.w() + 2 * g.padW();
        int hp = g.h() + 2 * g.padH();
        int span = g.outH() * wp;
        int paddedSize = g.c() * hp * wp + g.fw();
        int inSize = g.c() * g.h() * g.w();
        int outPlane = g.outH() * g.outW();
        int k = g.k();
        int taps = g.colRows();
        int wSize = k * taps;
        int chunks = Math.min(ConvAlgorithm.FILTER_CHUNKS, g.n());
        long macs = (long) g.n() * wSize * span;
        Parallel p = macs < CpuConvolution.PARALLEL_MIN_MACS ? Parallel.SEQUENTIAL : par;
        p.forRange(chunks, (from, to) -> {
            float[] padded = Scratch.get(Scratch.COLUMNS, paddedSize);
            float[][] runs = tapRuns(taps, span);
            float[][] grads = rows(GRADIENT_RUNS, k, span);
            float[][] products = rows(PRODUCTS, wSize, span);
            for (int chunk = from; chunk < to; chunk++) {
                for (int r = 0; r < wSize; r++) {
                    java.util.Arrays.fill(products[r], 0, span, 0f);
                }
                for (int image = Parallel.chunkStart(g.n(), chunks, chunk);
                     image < Parallel.chunkStart(g.n(), chunks, chunk + 1); image++) {
                    pad(g, x, image * inSize, padded, hp, wp, paddedSize);
                    for (int t = 0; t < taps; t++) {
                        System.arraycopy(padded, tapStart(g, t, hp, wp), runs[t], 0, span);
                    }
                    for (int out = 0; out < k; out++) {
                        // dY on the padded width, zero in the dropped columns so that they add nothing.
                        float[] run = grads[out];
                        java.util.Arrays.fill(run, 0, span, 0f);
                        for (int oy = 0; oy < g.outH(); oy++) {
                            System.arraycopy(dy, (image * k + out) * outPlane + oy * g.outW(), run, oy * wp, g.outW());
                        }
                        for (int t = 0; t < taps; t++) {
                            multiplyAdd(products[out * taps + t], run, runs[t], span);
                        }
                    }
                }
                for (int r = 0; r < wSize; r++) {
                    partials[chunk * wSize + r] = sum(products[r], span);
                }
            }
        });
        System.arraycopy(partials, 0, dw, 0, wSize);
        for (int chunk = 1; chunk < chunks; chunk++) {
            for (int i = 0; i < wSize; i++) {
                dw[i] += partials[chunk * wSize + i];
            }
        }
    }

    private static void requireUnitStride(ConvGeometry g) {
        if (g.strideH() != 1 || g.strideW() != 1) {
            throw new IllegalArgumentException("direct convolution needs stride 1, got " + g.strideH() + "x"
                    + g.strideW() + " for " + g.inputShape() + " * " + g.filterShape());
        }
    }

    private static int tapStart(ConvGeometry g, int t, int hp, int wp) {
        int c = t / (g.fh() * g.fw());
        int ky = t / g.fw() % g.fh();
        int kx = t % g.fw();
        return c * hp * wp + ky * wp + kx;
    }

    private static void multiplyAdd(float[] acc, float[] a, float[] b, int span) {
        for (int j = 0; j < span; j++) {
            acc[j] += a[j] * b[j];
        }
    }

    /** Σ v[0..span) in four interleaved running sums, added in a fixed order. */
    private static float sum(float[] v, int span) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int j = 0;
        for (; j + 4 <= span; j += 4) {
            s0 += v[j];
            s1 += v[j + 1];
            s2 += v[j + 2];
            s3 += v[j + 3];
        }
        for (; j < span; j++) {
            s0 += v[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static float[][] rows(ThreadLocal<float[][]> slot, int count, int length) {
        float[][] rows = slot.get();
        if (rows.length < count || rows[0].length < length) {
            rows = new float[Math.max(count, rows.length)][Math.max(length, rows.length == 0 ? 0 : rows[0].length)];
            slot.set(rows);
        }
        return rows;
    }

    private static float[][] tapRuns(int taps, int span) {
        return rows(TAP_RUNS, taps, span);
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
