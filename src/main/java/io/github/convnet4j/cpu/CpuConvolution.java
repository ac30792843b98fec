package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * Convolution as per-image im2col + GEMM. With at least as many images as threads the images are
 * shared out and each GEMM runs on one thread; otherwise images go one by one through a parallel
 * GEMM. Either way every output element is computed in the same order, so results do not depend
 * on the thread count.
 */
final class CpuConvolution {
    /** Filter gradients are summed in this many per-chunk partials whatever the thread count. */
    static final int FILTER_REDUCTION_CHUNKS = 8;

    private final Parallel par;

    CpuConvolution(Parallel par) {
        this.par = par;
    }

    void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        requireColumnsFit(g);
        int inSize = g.c() * g.h() * g.w();
        int outSize = g.k() * g.colCols();
        forEachImage(g.n(), (image, gemmPar) -> {
            float[] col = columns(g, x, image * inSize);
            int colOff = Im2col.isIdentity(g) ? image * inSize : 0;
            Sgemm.sgemm(false, false, g.k(), g.colCols(), g.colRows(), 1f, w, 0, g.colRows(),
                    col, colOff, g.colCols(), 0f, y, image * outSize, g.colCols(), gemmPar);
            if (bias != null) {
                addBias(g, bias, y, image * outSize);
            }
        });
    }

    void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        requireColumnsFit(g);
        int inSize = g.c() * g.h() * g.w();
        int outSize = g.k() * g.colCols();
        // W^T once per call instead of once per image inside the GEMM.
        float[] wt = Scratch.get(Scratch.FILTER_T, g.colRows() * g.k());
        for (int k = 0; k < g.k(); k++) {
            for (int r = 0; r < g.colRows(); r++) {
                wt[r * g.k() + k] = w[k * g.colRows() + r];
            }
        }
        forEachImage(g.n(), (image, gemmPar) -> {
            if (Im2col.isIdentity(g)) {
                Sgemm.sgemm(false, false, g.colRows(), g.colCols(), g.k(), 1f, wt, 0, g.k(),
                        dy, image * outSize, g.colCols(), 0f, dx, image * inSize, g.colCols(), gemmPar);
                return;
            }
            float[] col = Scratch.get(Scratch.COLUMNS, columnsSize(g));
            Sgemm.sgemm(false, false, g.colRows(), g.colCols(), g.k(), 1f, wt, 0, g.k(),
                    dy, image * outSize, g.colCols(), 0f, col, 0, g.colCols(), gemmPar);
            Im2col.col2im(g, col, dx, image * inSize);
        });
    }

    void backwardFilter(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        requireColumnsFit(g);
        int inSize = g.c() * g.h() * g.w();
        int outSize = g.k() * g.colCols();
        int wSize = g.k() * g.colRows();
        int chunks = Math.min(FILTER_REDUCTION_CHUNKS, g.n());
        int partialsSize = arraySize(g, "the filter-gradient partials (chunks × K·C·FH·FW)", chunks, wSize);
        float[] partials = Scratch.get(Scratch.PARTIAL, partialsSize);
        java.util.Arrays.fill(partials, 0, partialsSize, 0f);
        par.forRange(chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                int first = Parallel.chunkStart(g.n(), chunks, chunk);
                int last = Parallel.chunkStart(g.n(), chunks, chunk + 1);
                for (int image = first; image < last; image++) {
                    float[] col = columns(g, x, image * inSize);
                    int colOff = Im2col.isIdentity(g) ? image * inSize : 0;
                    // dW_chunk += dY_n (K × OHW) · col_nᵀ (OHW × CFF)
                    Sgemm.sgemm(false, true, g.k(), g.colRows(), g.colCols(), 1f, dy, image * outSize, g.colCols(),
                            col, colOff, g.colCols(), 1f, partials, chunk * wSize, g.colRows(), Parallel.SEQUENTIAL);
                }
            }
        });
        System.arraycopy(partials, 0, dw, 0, wSize);
        for (int chunk = 1; chunk < chunks; chunk++) {
            int off = chunk * wSize;
            for (int i = 0; i < wSize; i++) {
                dw[i] += partials[off + i];
            }
        }
    }

    void backwardBias(ConvGeometry g, float[] dy, float[] db) {
        int plane = g.colCols();
        par.forRange(g.k(), (from, to) -> {
            for (int k = from; k < to; k++) {
                double sum = 0;
                for (int n = 0; n < g.n(); n++) {
                    int off = (n * g.k() + k) * plane;
                    for (int i = 0; i < plane; i++) {
                        sum += dy[off + i];
                    }
                }
                db[k] = (float) sum;
            }
        });
    }

    private static float[] columns(ConvGeometry g, float[] x, int xOff) {
        if (Im2col.isIdentity(g)) {
            return x;
        }
        float[] col = Scratch.get(Scratch.COLUMNS, columnsSize(g));
        Im2col.im2col(g, x, xOff, col);
        return col;
    }

    /** Checked before any work is shared out, so the error reaches the caller as it is. */
    private static void requireColumnsFit(ConvGeometry g) {
        if (!Im2col.isIdentity(g)) {
            columnsSize(g);
        }
    }

    private static int columnsSize(ConvGeometry g) {
        return arraySize(g, "the per-image column matrix (C·FH·FW × OH·OW)", g.colRows(), g.colCols());
    }

    /** a·b as the length of one float array, or an error naming the matrix and the geometry when it cannot be one. */
    static int arraySize(ConvGeometry g, String what, int a, int b) {
        long size = (long) a * b;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CPU convolution " + g.inputShape() + " * " + g.filterShape()
                    + ": " + what + " is " + a + " × " + b + " = " + size + " floats, more than one Java array"
                    + " holds (" + Integer.MAX_VALUE + ")");
        }
        return (int) size;
    }

    private static void addBias(ConvGeometry g, float[] bias, float[] y, int off) {
        int plane = g.colCols();
        for (int k = 0; k < g.k(); k++) {
            float b = bias[k];
            int base = off + k * plane;
            for (int i = 0; i < plane; i++) {
                y[base + i] += b;
            }
        }
    }

    @FunctionalInterface
    private interface ImageBody {
        void run(int image, Parallel gemmParallel);
    }

    private void forEachImage(int n, ImageBody body) {
        if (n >= par.threads()) {
            par.forRange(n, (from, to) -> {
                for (int image = from; image < to; image++) {
                    body.run(image, Parallel.SEQUENTIAL);
                }
            });
        } else {
            for (int image = 0; image < n; image++) {
                body.run(image, par);
            }
        }
    }
}
