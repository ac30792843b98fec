package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.LrnParams;

/** LRN across channels and batch normalisation per channel. Statistics are summed in double. */
final class CpuNormalization {
    private final Parallel par;

    CpuNormalization(Parallel par) {
        this.par = par;
    }

    // ---- LRN ---------------------------------------------------------------------------------

    /** Pixels per LRN task: the channel column of this many pixels stays in L1 while the window slides. */
    private static final int LRN_PIXELS = 64;
    /** Per-thread LRN work rows (channels × {@link #LRN_PIXELS} doubles), grown once, so steady state allocates nothing. */
    private static final ThreadLocal<double[][]> LRN_SCRATCH = ThreadLocal.withInitial(() -> new double[2][0]);

    /**
     * Tasks are (image, run of {@link #LRN_PIXELS} pixels), so a single image still splits across the
     * threads; each task's results depend on its own pixels only.
     */
    void lrnForward(LrnParams p, int n, int c, int plane, float[] x, float[] y) {
        int runs = (plane + LRN_PIXELS - 1) / LRN_PIXELS;
        par.forWork((long) n * c * plane * p.size()).forRange(n * runs, (from, to) -> {
            double[] scale = lrnScratch(0, c * LRN_PIXELS);
            for (int task = from; task < to; task++) {
                int img = task / runs;
                int p0 = task % runs * LRN_PIXELS;
                int width = Math.min(LRN_PIXELS, plane - p0);
                int base = img * c * plane + p0;
                lrnScales(p, c, plane, x, base, width, scale);
                boolean threeQuarters = p.beta() == 0.75;
                for (int ch = 0; ch < c; ch++) {
                    int at = base + ch * plane;
                    int row = ch * LRN_PIXELS;
                    if (threeQuarters) {
                        // negativePower's 0.75 case written out, so that C2 vectorises the loop.
                        for (int i = 0; i < width; i++) {
                            double root = Math.sqrt(scale[row + i]);
                            y[at + i] = (float) (x[at + i] * (1.0 / (root * Math.sqrt(root))));
                        }
                    } else {
                        for (int i = 0; i < width; i++) {
                            y[at + i] = (float) (x[at + i] * negativePower(scale[row + i], p.beta()));
                        }
                    }
                }
            }
        });
    }

    /**
     * With s_j = k + (α/n)Σ a², y_j = a_j s_j^−β:
     * dx_i = dy_i s_i^−β − (2αβ/n) a_i Σ_{j: i in window(j)} dy_j y_j / s_j.
     */
    void lrnBackward(LrnParams p, int n, int c, int plane, float[] x, float[] y, float[] dy, float[] dx) {
        double coeff = 2.0 * p.alpha() * p.beta() / p.size();
        int runs = (plane + LRN_PIXELS - 1) / LRN_PIXELS;
        par.forWork((long) n * c * plane * p.size()).forRange(n * runs, (from, to) -> {
            double[] scale = lrnScratch(0, c * LRN_PIXELS);
            double[] ratio = lrnScratch(1, c * LRN_PIXELS);
            for (int task = from; task < to; task++) {
                int img = task / runs;
                int p0 = task % runs * LRN_PIXELS;
                int width = Math.min(LRN_PIXELS, plane - p0);
                int base = img * c * plane + p0;
                lrnScales(p, c, plane, x, base, width, scale);
                for (int ch = 0; ch < c; ch++) {
                    int at = base + ch * plane;
                    int row = ch * LRN_PIXELS;
                    for (int i = 0; i < width; i++) {
                        ratio[row + i] = (double) dy[at + i] * y[at + i] / scale[row + i];
                    }
                }
                for (int ch = 0; ch < c; ch++) {
                    // j's window holds ch when j - before <= ch <= j + after.
                    int j0 = Math.max(0, ch - p.after());
                    int j1 = Math.min(c - 1, ch + p.before());
                    int at = base + ch * plane;
                    int row = ch * LRN_PIXELS;
                    for (int i = 0; i < width; i++) {
                        double sum = 0;
                        for (int j = j0; j <= j1; j++) {
                            sum += ratio[j * LRN_PIXELS + i];
                        }
                        dx[at + i] = (float) (dy[at + i] * negativePower(scale[row + i], p.beta()) - coeff * x[at + i] * sum);
                    }
                }
            }
        });
    }

    /** scale[ch·LRN_PIXELS + i] = k + (α/n)·Σ_{j in window(ch)} x_j² for the task's pixels, each window summed in full. */
    private static void lrnScales(LrnParams p, int c, int plane, float[] x, int base, int width, double[] scale) {
        double perSize = p.alpha() / p.size();
        for (int ch = 0; ch < c; ch++) {
            int j0 = Math.max(0, ch - p.before());
            int j1 = Math.min(c - 1, ch + p.after());
            int row = ch * LRN_PIXELS;
            // The window's channels outer and the pixels inner, so that C2 vectorises over pixels;
            // each pixel's sum still adds its channels in order, from zero (the same result).
            java.util.Arrays.fill(scale, row, row + width, 0.0);
            for (int j = j0; j <= j1; j++) {
                int off = base + j * plane;
                for (int i = 0; i < width; i++) {
                    double v = x[off + i];
                    scale[row + i] += v * v;
                }
            }
            for (int i = 0; i < width; i++) {
                scale[row + i] = p.k() + perSize * scale[row + i];
            }
        }
    }

    /** s^−β; AlexNet's β = 0.75 as 1/(√s·√√s), several times faster than Math.pow and as exact. */
    private static double negativePower(double s, double beta) {
        if (beta == 0.75) {
            double root = Math.sqrt(s);
            return 1.0 / (root * Math.sqrt(root));
        }
        return Math.pow(s, -beta);
    }

    private static double[] lrnScratch(int slot, int size) {
        double[][] slots = LRN_SCRATCH.get();
        if (slots[slot].length < size) {
            slots[slot] = new double[size];
        }
        return slots[slot];
    }

    // ---- batch normalisation -------------------------------------------------------------------

    void batchNormTraining(int n, int c, int plane, float[] x, float[] gamma, float[] beta, float[] y,
                           float[] runMean, float[] runVar, float[] saveMean, float[] saveInvStd,
                           double momentum, double eps) {
        long count = (long) n * plane;
        par.forWork((long) n * c * plane).forRange(c, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double sum = 0;
                double sumSq = 0;
                for (int img = 0; img < n; img++) {
                    int off = (img * c + ch) * plane;
                    for (int i = 0; i < plane; i++) {
                        sum += x[off + i];
                    }
                }
                double mean = sum / count;
                for (int img = 0; img < n; img++) {
                    int off = (img * c + ch) * plane;
                    for (int i = 0; i < plane; i++) {
                        double d = x[off + i] - mean;
                        sumSq += d * d;
                    }
                }
                double var = sumSq / count;
                double invStd = 1.0 / Math.sqrt(var + eps);
                normalize(n, c, plane, ch, x, y, mean, invStd, gamma[ch], beta[ch]);
                saveMean[ch] = (float) mean;
                saveInvStd[ch] = (float) invStd;
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                runMean[ch] = (float) ((1 - momentum) * runMean[ch] + momentum * mean);
                runVar[ch] = (float) ((1 - momentum) * runVar[ch] + momentum * unbiased);
            }
        });
    }

    void batchNormInference(int n, int c, int plane, float[] x, float[] gamma, float[] beta, float[] y,
                            float[] runMean, float[] runVar, double eps) {
        par.forWork((long) n * c * plane).forRange(c, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                normalize(n, c, plane, ch, x, y, runMean[ch], 1.0 / Math.sqrt(runVar[ch] + eps), gamma[ch], beta[ch]);
            }
        });
    }

    private static void normalize(int n, int c, int plane, int ch, float[] x, float[] y,
                                  double mean, double invStd, float gamma, float beta) {
        float scale = (float) (gamma * invStd);
        float shift = (float) (beta - mean * gamma * invStd);
        for (int img = 0; img < n; img++) {
            int off = (img * c + ch) * plane;
            for (int i = 0; i < plane; i++) {
                y[off + i] = x[off + i] * scale + shift;
            }
        }
    }

    /** dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy. */
    void batchNormBackward(int n, int c, int plane, float[] x, float[] dy, float[] gamma,
                           float[] saveMean, float[] saveInvStd, float[] dx, float[] dgamma, float[] dbeta) {
        long count = (long) n * plane;
        par.forWork((long) n * c * plane).forRange(c, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double mean = saveMean[ch];
                double invStd = saveInvStd[ch];
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int img = 0; img < n; img++) {
                    int off = (img * c + ch) * plane;
                    for (int i = 0; i < plane; i++) {
                        sumDy += dy[off + i];
                        sumDyXhat += dy[off + i] * (x[off + i] - mean) * invStd;
                    }
                }
                dbeta[ch] = (float) sumDy;
                dgamma[ch] = (float) sumDyXhat;
                double k = gamma[ch] * invStd / count;
                for (int img = 0; img < n; img++) {
                    int off = (img * c + ch) * plane;
                    for (int i = 0; i < plane; i++) {
                        double xhat = (x[off + i] - mean) * invStd;
                        dx[off + i] = (float) (k * (count * dy[off + i] - sumDy - xhat * sumDyXhat));
                    }
                }
            }
        });
    }
}
