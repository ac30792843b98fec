package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.ConvGeometry;

/**
 * Convolution by the algorithm {@link ConvAlgorithm} picks for the shape: a direct kernel, or
 * im2col + GEMM over groups of images lowered side by side. With at least as many groups as
 * threads the groups are shared out and each GEMM runs on one thread; otherwise groups go one by
 * one, each step (lowering, GEMM, scatter) split across the threads. The group size depends on the
 * shape only, and every output element is computed in the same order either way, so results do not
 * depend on the thread count (as far as {@link Sgemm}'s do not).
 *
 * <p>The filter gradient is one GEMM per group, dW += dY_group · col_groupᵀ. A large dW (AlexNet's)
 * is accumulated group after group straight into dW, the threads sharing each GEMM's rows and
 * columns of dW: no per-thread copies of it. A small dW (LeNet's), whose GEMMs are too small to
 * share, is summed in a fixed number of per-chunk partials, whatever the thread count.
 */
final class CpuConvolution {
    private final Parallel par;

    CpuConvolution(Parallel par) {
        this.par = par;
    }

    void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        if (ConvAlgorithm.forward(g) == ConvAlgorithm.DIRECT) {
            DirectConvolution.forward(g, x, w, bias, y, par);
        } else {
            loweredForward(g, ConvAlgorithm.groupSize(g), x, w, bias, y);
        }
    }

    void backwardData(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        loweredBackwardData(g, ConvAlgorithm.groupSize(g), dy, w, dx);
    }

    void backwardFilter(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        if (ConvAlgorithm.backwardFilter(g) == ConvAlgorithm.DIRECT) {
            directBackwardFilter(g, x, dy, dw);
            return;
        }
        loweredBackwardFilter(g, ConvAlgorithm.filterGroupSize(g), x, dy, dw);
    }

    // ---- im2col + GEMM over groups of images ---------------------------------------------------

    void loweredForward(ConvGeometry g, int group, float[] x, float[] w, float[] bias, float[] y) {
        requireGroupFits(g, group);
        forEachGroup(g, group, (first, count, p) -> {
            int width = count * g.colCols();
            int outOff = first * outSize(g);
            if (count == 1 && Im2col.isIdentity(g)) {
                gemmForward(g, w, x, first * inSize(g), width, y, outOff, p);
            } else if (count == 1) {
                float[] col = lower(g, x, first, 1, p);
                gemmForward(g, w, col, 0, width, y, outOff, p);
            } else {
                float[] col = lower(g, x, first, count, p);
                float[] out = Scratch.get(Scratch.GROUPED, g.k() * width);
                gemmForward(g, w, col, 0, width, out, 0, p);
                scatter(g, out, first, count, y, p);
            }
            if (bias != null) {
                addBias(g, bias, y, first, count, p);
            }
        });
    }

    void loweredBackwardData(ConvGeometry g, int group, float[] dy, float[] w, float[] dx) {
        requireGroupFits(g, group);
        // W^T once per call instead of once per group inside the GEMM.
        float[] wt = Scratch.get(Scratch.FILTER_T, g.colRows() * g.k());
        for (int k = 0; k < g.k(); k++) {
            for (int r = 0; r < g.colRows(); r++) {
                wt[r * g.k() + k] = w[k * g.colRows() + r];
            }
        }
        forEachGroup(g, group, (first, count, p) -> {
            int width = count * g.colCols();
            if (count == 1 && Im2col.isIdentity(g)) {
                Sgemm.sgemm(false, false, g.colRows(), width, g.k(), 1f, wt, 0, g.k(),
                        dy, first * outSize(g), width, 0f, dx, first * inSize(g), width, p);
                return;
            }
            float[] dyGroup = count == 1 ? dy : gather(g, dy, first, count, p);
            int dyOff = count == 1 ? first * outSize(g) : 0;
            float[] col = Scratch.get(Scratch.COLUMNS, g.colRows() * width);
            Sgemm.sgemm(false, false, g.colRows(), width, g.k(), 1f, wt, 0, g.k(),
                    dyGroup, dyOff, width, 0f, col, 0, width, p);
            p.forRange(count * g.c(), (from, to) -> forEachRowRange(from, to, g.c(), (image, c0, c1) ->
                    Im2col.col2im(g, col, image * g.colCols(), width, dx, (first + image) * inSize(g), c0, c1)));
        });
    }

    void loweredBackwardFilter(ConvGeometry g, int group, float[] x, float[] dy, float[] dw) {
        requireGroupFits(g, group);
        int wSize = g.k() * g.colRows();
        if (wSize > ConvAlgorithm.FILTER_PARTIALS_MAX_FLOATS) {
            // A large dW: groups in order, each GEMM shared by all threads, accumulating straight into dW.
            filterGradient(g, group, x, dy, 0, g.n(), dw, 0, false, par);
            return;
        }
        // A small dW (LeNet's: 150 and 2,400 floats), whose GEMMs are too small to share: a fixed number of
        // image chunks, each summed by one thread into a partial of its own, then the partials in order.
        int chunks = Math.min(ConvAlgorithm.FILTER_CHUNKS, g.n());
        float[] partials = Scratch.get(Scratch.FILTER_PARTIALS, chunks * wSize);
        par.forRange(chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                filterGradient(g, group, x, dy, Parallel.chunkStart(g.n(), chunks, chunk),
                        Parallel.chunkStart(g.n(), chunks, chunk + 1), partials, chunk * wSize, false,
                        Parallel.SEQUENTIAL);
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

    void directBackwardFilter(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        int wSize = g.k() * g.colRows();
        int chunks = Math.min(ConvAlgorithm.FILTER_CHUNKS, g.n());
        DirectConvolution.filterGradient(g, x, dy, dw, Scratch.get(Scratch.FILTER_PARTIALS, chunks * wSize), par);
    }

    /** dW[dwOff ..] (+)= Σ over images [from, to), in groups: dY_group (K × width) · colᵀ_group (width × C·FH·FW). */
    private static void filterGradient(ConvGeometry g, int group, float[] x, float[] dy, int from, int to,
                                       float[] dw, int dwOff, boolean accumulate, Parallel p) {
        for (int first = from; first < to; first += group) {
            int count = Math.min(group, to - first);
            int width = count * g.colCols();
            float[] colT = lowerTransposed(g, x, first, count, p);
            float[] dyGroup = count == 1 ? dy : gather(g, dy, first, count, p);
            int dyOff = count == 1 ? first * outSize(g) : 0;
            Sgemm.sgemm(false, false, g.k(), g.colRows(), width, 1f, dyGroup, dyOff, width,
                    colT, 0, g.colRows(), accumulate || first > from ? 1f : 0f, dw, dwOff, g.colRows(), p);
        }
    }

    /** The transposed column matrix (count·OH·OW × C·FH·FW) of images [first, first + count), in this thread's scratch. */
    private static float[] lowerTransposed(ConvGeometry g, float[] x, int first, int count, Parallel p) {
        int pixels = g.colCols();
        float[] colT = Scratch.get(Scratch.COLUMNS, count * pixels * g.colRows());
        p.forRange(count * pixels, (from, to) -> forEachRowRange(from, to, pixels, (image, q0, q1) ->
                Im2col.im2row(g, x, (first + image) * inSize(g), colT, image * pixels, q0, q1)));
        return colT;
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

    private static void gemmForward(ConvGeometry g, float[] w, float[] col, int colOff, int width,
                                    float[] out, int outOff, Parallel p) {
        Sgemm.sgemm(false, false, g.k(), width, g.colRows(), 1f, w, 0, g.colRows(),
                col, colOff, width, 0f, out, outOff, width, p);
    }

    /** The column matrix of images [first, first + count), side by side, in this thread's scratch. */
    private static float[] lower(ConvGeometry g, float[] x, int first, int count, Parallel p) {
        int width = count * g.colCols();
        float[] col = Scratch.get(Scratch.COLUMNS, g.colRows() * width);
        p.forRange(count * g.colRows(), (from, to) -> forEachRowRange(from, to, g.colRows(), (image, r0, r1) ->
                Im2col.im2col(g, x, (first + image) * inSize(g), col, image * g.colCols(), width, r0, r1)));
        return col;
    }

    /** The group's outputs (K × count·OH·OW) back to NCHW. */
    private static void scatter(ConvGeometry g, float[] out, int first, int count, float[] y, Parallel p) {
        int plane = g.colCols();
        int width = count * plane;
        p.forRange(count * g.k(), (from, to) -> {
            for (int t = from; t < to; t++) {
                int image = t / g.k();
                int k = t % g.k();
                System.arraycopy(out, k * width + image * plane, y, (first + image) * outSize(g) + k * plane, plane);
            }
        });
    }

    /** The group's output gradients from NCHW to one K × count·OH·OW matrix, in this thread's scratch. */
    private static float[] gather(ConvGeometry g, float[] dy, int first, int count, Parallel p) {
        int plane = g.colCols();
        int width = count * plane;
        float[] grouped = Scratch.get(Scratch.GROUPED, g.k() * width);
        p.forRange(count * g.k(), (from, to) -> {
            for (int t = from; t < to; t++) {
                int image = t / g.k();
                int k = t % g.k();
                System.arraycopy(dy, (first + image) * outSize(g) + k * plane, grouped, k * width + image * plane, plane);
            }
        });
        return grouped;
    }

    private static void addBias(ConvGeometry g, float[] bias, float[] y, int first, int count, Parallel p) {
        int plane = g.colCols();
        p.forRange(count * g.k(), (from, to) -> {
            for (int t = from; t < to; t++) {
                float b = bias[t % g.k()];
                int base = first * outSize(g) + t * plane;
                for (int i = 0; i < plane; i++) {
                    y[base + i] += b;
                }
            }
        });
    }

    @FunctionalInterface
    private interface RowRangeBody {
        void run(int image, int rowFrom, int rowTo);
    }

    /** Splits the flat range [from, to) of (image, row) units, rows per image fixed, into per-image row ranges. */
    private static void forEachRowRange(int from, int to, int rowsPerImage, RowRangeBody body) {
        for (int u = from; u < to; ) {
            int image = u / rowsPerImage;
            int r0 = u % rowsPerImage;
            int r1 = Math.min(rowsPerImage, r0 + (to - u));
            body.run(image, r0, r1);
            u += r1 - r0;
        }
    }

    private static int inSize(ConvGeometry g) {
        return g.c() * g.h() * g.w();
    }

    private static int outSize(ConvGeometry g) {
        return g.k() * g.colCols();
    }

    /** Checked before any work is shared out, so the error reaches the caller as it is. */
    private static void requireGroupFits(ConvGeometry g, int group) {
        if (group < 1) {
            throw new IllegalArgumentException("convolution group size must be >= 1, got " + group);
        }
        int count = Math.min(group, g.n());
        if (count > 1 || !Im2col.isIdentity(g)) {
            long width = (long) count * g.colCols();
            arraySize(g, "the column matrix of " + count + " image(s) (C·FH·FW × images·OH·OW)", g.colRows(), width);
            arraySize(g, "the output matrix of " + count + " image(s) (K × images·OH·OW)", g.k(), width);
        }
    }

    /** a·b as the length of one float array, or an error naming the matrix and the geometry when it cannot be one. */
    static int arraySize(ConvGeometry g, String what, long a, long b) {
        long size = a * b;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CPU convolution " + g.inputShape() + " * " + g.filterShape()
                    + ": " + what + " is " + a + " × " + b + " = " + size + " floats, more than one Java array"
                    + " holds (" + Integer.MAX_VALUE + ")");
        }
        return (int) size;
    }

    @FunctionalInterface
    private interface GroupBody {
        void run(int first, int count, Parallel gemmParallel);
    }

    /** Below this many multiply-adds a group's GEMM costs less than handing it to the workers and back. */
    static final long PARALLEL_MIN_MACS = 1L << 19;

    private void forEachGroup(ConvGeometry g, int group, GroupBody body) {
        int n = g.n();
        int groups = (n + group - 1) / group;
        long groupMacs = (long) group * g.colCols() * g.colRows() * g.k();
        if (groups == 1 && groupMacs < PARALLEL_MIN_MACS) {
            body.run(0, n, Parallel.SEQUENTIAL);
        } else if (groups >= par.threads()) {
            par.forRange(groups, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int first = i * group;
                    body.run(first, Math.min(group, n - first), Parallel.SEQUENTIAL);
                }
            });
        } else {
            for (int first = 0; first < n; first += group) {
                body.run(first, Math.min(group, n - first), par);
            }
        }
    }
}
