package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.LrnParams;

/** LRN across channels and batch normalisation per channel. Statistics are summed in double. */
final class CpuNormalization {
    private final Parallel par;

    CpuNormalization(Parallel par) {
        this.par = par;
    }

    // ---- LRN ---------------------------------------------------------------------------------

    void lrnForward(LrnParams p, int n, int c, int plane, float[] x, float[] y) {
        par.forRange(n, (from, to) -> {
            for (int img = from; img < to; img++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < plane; i++) {
                        int at = (img * c + ch) * plane + i;
                        y[at] = (float) (x[at] * Math.pow(lrnScale(p, x, img, c, plane, ch, i), -p.beta()));
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
        par.forRange(n, (from, to) -> {
            double[] ratio = new double[c];
            double[] scale = new double[c];
            for (int img = from; img < to; img++) {
                for (int i = 0; i < plane; i++) {
                    for (int ch = 0; ch < c; ch++) {
                        int at = (img * c + ch) * plane + i;
                        scale[ch] = lrnScale(p, x, img, c, plane, ch, i);
                        ratio[ch] = (double) dy[at] * y[at] / scale[ch];
                    }
                    for (int ch = 0; ch < c; ch++) {
                        int at = (img * c + ch) * plane + i;
                        double sum = 0;
                        // j's window holds i when j - before <= i <= j + after.
                        for (int j = Math.max(0, ch - p.after()); j <= Math.min(c - 1, ch + p.before()); j++) {
                            sum += ratio[j];
                        }
                        dx[at] = (float) (dy[at] * Math.pow(scale[ch], -p.beta()) - coeff * x[at] * sum);
                    }
                }
            }
        });
    }

    private static double lrnScale(LrnParams p, float[] x, int img, int c, int plane, int ch, int i) {
        double sum = 0;
        for (int j = Math.max(0, ch - p.before()); j <= Math.min(c - 1, ch + p.after()); j++) {
            double v = x[(img * c + j) * plane + i];
            sum += v * v;
        }
        return p.k() + p.alpha() / p.size() * sum;
    }

    // ---- batch normalisation -------------------------------------------------------------------

    void batchNormTraining(int n, int c, int plane, float[] x, float[] gamma, float[] beta, float[] y,
                           float[] runMean, float[] runVar, float[] saveMean, float[] saveInvStd,
                           double momentum, double eps) {
        long count = (long) n * plane;
        par.forRange(c, (from, to) -> {
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
        par.forRange(c, (from, to) -> {
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
        par.forRange(c, (from, to) -> {
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
