package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * Stride-1 convolution without a column matrix: each (image, output channel) plane is summed
 * over the filter taps as whole-plane axpys on a zero-padded copy of the image. The plane is
 * computed on the padded width Wp, so that output (oy, ox) is element oy·Wp + ox of one long
 * contiguous accumulator (the Wp − OW extra columns per row are computed and dropped): one
 * vectorised loop of OH·Wp elements per tap instead of OH short ones. Each output element is
 * summed in the same order whatever the thread count.
 */
final class DirectConvolution {
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
        long macs = (long) g.n() * k * g.c() * g.fh() * g.fw() * span;
        Parallel p = macs < CpuConvolution.PARALLEL_MIN_MACS ? Parallel.SEQUENTIAL : par;
        p.forRange(g.n() * k, (from, to) -> {
            float[] padded = Scratch.get(Scratch.COLUMNS, paddedSize);
            float[] acc = Scratch.get(Scratch.GROUPED, span);
            int paddedImage = -1;
            for (int task = from; task < to; task++) {
                int image = task / k;
                int out = task % k;
                if (image != paddedImage) {
                    pad(g, x, image * inSize, padded, hp, wp, paddedSize);
                    paddedImage = image;
                }
                java.util.Arrays.fill(acc, 0, span, bias == null ? 0f : bias[out]);
                for (int c = 0; c < g.c(); c++) {
                    for (int ky = 0; ky < g.fh(); ky++) {
                        taps(acc, span, padded, c * hp * wp + ky * wp, w, ((out * g.c() + c) * g.fh() + ky) * g.fw(),
                                g.fw());
                    }
                }
                int dst = task * g.outH() * g.outW();
                for (int oy = 0; oy < g.outH(); oy++) {
                    System.arraycopy(acc, oy * wp, y, dst + oy * g.outW(), g.outW());
                }
            }
        });
    }

    /** acc[j] += Σ_kx w[kx] · src[base + kx + j] for one filter row, four taps per pass over acc. */
    private static void taps(float[] acc, int span, float[] src, int base, float[] w, int wOff, int fw) {
        int kx = 0;
        for (; kx + 4 <= fw; kx += 4) {
            float w0 = w[wOff + kx];
            float w1 = w[wOff + kx + 1];
            float w2 = w[wOff + kx + 2];
            float w3 = w[wOff + kx + 3];
            int s = base + kx;
            for (int j = 0; j < span; j++) {
                acc[j] += w0 * src[s + j] + w1 * src[s + 1 + j] + w2 * src[s + 2 + j] + w3 * src[s + 3 + j];
            }
        }
        for (; kx < fw; kx++) {
            float w0 = w[wOff + kx];
            int s = base + kx;
            for (int j = 0; j < span; j++) {
                acc[j] += w0 * src[s + j];
            }
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
