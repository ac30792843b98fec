package io.github.convnet4j.reference;

/**
 * Independent textbook implementations in double precision, written from the definitions with
 * direct loops (no im2col, no blocking). Every backend op is tested against these.
 * Arrays are row-major NCHW; filters (K, C, FH, FW).
 */
public final class Reference {
    private Reference() {
    }

    public static double[] gemm(boolean ta, boolean tb, int m, int n, int k, double alpha,
                                float[] a, float[] b, double beta, float[] c) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
        }
        return out;
    }

    /** Input value with zero padding. */
    private static double at(float[] x, int n, int c, int h, int w, int C, int H, int W) {
        if (h < 0 || h >= H || w < 0 || w >= W) {
            return 0;
        }
        return x[((n * C + c) * H + h) * W + w];
    }

    public static int outSize(int in, int window, int stride, int pad) {
        return (in + 2 * pad - window) / stride + 1;
    }

    public static double[] convForward(float[] x, int N, int C, int H, int W, float[] w, int K, int FH, int FW,
                                       float[] bias, int sh, int sw, int ph, int pw) {
        int OH = outSize(H, FH, sh, ph);
        int OW = outSize(W, FW, sw, pw);
        double[] y = new double[N * K * OH * OW];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox++) {
                        double s = bias == null ? 0 : bias[k];
                        for (int c = 0; c < C; c++) {
                            for (int ky = 0; ky < FH; ky++) {
                                for (int kx = 0; kx < FW; kx++) {
                                    s += at(x, n, c, oy * sh - ph + ky, ox * sw - pw + kx, C, H, W)
                                            * w[((k * C + c) * FH + ky) * FW + kx];
                                }
                            }
                        }
                        y[((n * K + k) * OH + oy) * OW + ox] = s;
                    }
                }
            }
        }
        return y;
    }

    /** dx[n,c,iy,ix] = Σ over (k, oy, ox, ky, kx) with iy = oy·s − p + ky of dy·w. */
    public static double[] convBackwardData(float[] dy, int N, int C, int H, int W, float[] w, int K, int FH, int FW,
                                            int sh, int sw, int ph, int pw) {
        int OH = outSize(H, FH, sh, ph);
        int OW = outSize(W, FW, sw, pw);
        double[] dx = new double[N * C * H * W];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox++) {
                        double d = dy[((n * K + k) * OH + oy) * OW + ox];
                        for (int c = 0; c < C; c++) {
                            for (int ky = 0; ky < FH; ky++) {
                                for (int kx = 0; kx < FW; kx++) {
                                    int iy = oy * sh - ph + ky;
                                    int ix = ox * sw - pw + kx;
                                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                                        dx[((n * C + c) * H + iy) * W + ix] += d * w[((k * C + c) * FH + ky) * FW + kx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    public static double[] convBackwardFilter(float[] x, int N, int C, int H, int W, float[] dy, int K, int FH, int FW,
                                              int sh, int sw, int ph, int pw) {
        int OH = outSize(H, FH, sh, ph);
        int OW = outSize(W, FW, sw, pw);
        double[] dw = new double[K * C * FH * FW];
        for (int k = 0; k < K; k++) {
            for (int c = 0; c < C; c++) {
                for (int ky = 0; ky < FH; ky++) {
                    for (int kx = 0; kx < FW; kx++) {
                        double s = 0;
                        for (int n = 0; n < N; n++) {
                            for (int oy = 0; oy < OH; oy++) {
                                for (int ox = 0; ox < OW; ox++) {
                                    s += dy[((n * K + k) * OH + oy) * OW + ox]
                                            * at(x, n, c, oy * sh - ph + ky, ox * sw - pw + kx, C, H, W);
                                }
                            }
                        }
                        dw[((k * C + c) * FH + ky) * FW + kx] = s;
                    }
                }
            }
        }
        return dw;
    }

    public static double[] convBackwardBias(float[] dy, int N, int K, int plane) {
        double[] db = new double[K];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                for (int i = 0; i < plane; i++) {
                    db[k] += dy[(n * K + k) * plane + i];
                }
            }
        }
        return db;
    }

    /** Max pooling; also returns, per output, the flat input index of the first maximum. */
    public static double[] maxPool(float[] x, int N, int C, int H, int W, int win, int stride, int pad, int[] argmaxOut) {
        int OH = outSize(H, win, stride, pad);
        int OW = outSize(W, win, stride, pad);
        double[] y = new double[N * C * OH * OW];
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int bestIdx = -1;
                        for (int ky = 0; ky < win; ky++) {
                            for (int kx = 0; kx < win; kx++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
                                    continue;
                                }
                                int idx = ((n * C + c) * H + iy) * W + ix;
                                if (x[idx] > best) {
                                    best = x[idx];
                                    bestIdx = idx;
                                }
                            }
                        }
                        int o = ((n * C + c) * OH + oy) * OW + ox;
                        y[o] = best;
                        if (argmaxOut != null) {
                            argmaxOut[o] = bestIdx;
                        }
                    }
                }
            }
        }
        return y;
    }

    public static double[] maxPoolBackward(float[] x, float[] dy, int N, int C, int H, int W, int win, int stride, int pad) {
        int[] arg = new int[dy.length];
        maxPool(x, N, C, H, W, win, stride, pad, arg);
        double[] dx = new double[x.length];
        for (int o = 0; o < dy.length; o++) {
            dx[arg[o]] += dy[o];
        }
        return dx;
    }

    /** Average pooling counting padded positions in the divisor. */
    public static double[] avgPool(float[] x, int N, int C, int H, int W, int win, int stride, int pad) {
        int OH = outSize(H, win, stride, pad);
        int OW = outSize(W, win, stride, pad);
        double[] y = new double[N * C * OH * OW];
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox++) {
                        double s = 0;
                        for (int ky = 0; ky < win; ky++) {
                            for (int kx = 0; kx < win; kx++) {
                                s += at(x, n, c, oy * stride - pad + ky, ox * stride - pad + kx, C, H, W);
                            }
                        }
                        y[((n * C + c) * OH + oy) * OW + ox] = s / (win * win);
                    }
                }
            }
        }
        return y;
    }

    public static double[] avgPoolBackward(float[] dy, int N, int C, int H, int W, int win, int stride, int pad) {
        int OH = outSize(H, win, stride, pad);
        int OW = outSize(W, win, stride, pad);
        double[] dx = new double[N * C * H * W];
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox++) {
                        double d = dy[((n * C + c) * OH + oy) * OW + ox] / (win * win);
                        for (int ky = 0; ky < win; ky++) {
                            for (int kx = 0; kx < win; kx++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                                    dx[((n * C + c) * H + iy) * W + ix] += d;
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /**
     * PyTorch's pooling output size (aten pooling_shape.h): floor or ceil of
     * (in + 2·pad − window)/stride, plus 1, where in ceil mode a last window starting beyond the
     * input and its left padding is dropped.
     */
    public static int torchPoolOutSize(int in, int window, int stride, int pad, boolean ceil) {
        int numerator = in + 2 * pad - window + (ceil ? stride - 1 : 0);
        int out = Math.floorDiv(numerator, stride) + 1;
        if (ceil && (out - 1) * stride >= in + pad) {
            out--;
        }
        return out;
    }

    /**
     * PyTorch's max_pool2d and avg_pool2d (count_include_pad=True) with ceil_mode as given, written
     * from aten's loops: the average divides by the window clipped to the padded input
     * (hend = min(hstart + k, H + pad)) before clipping to the input. Returns {y, argmax as doubles}.
     */
    public static double[][] torchPool(boolean max, float[] x, int N, int C, int H, int W, int k, int stride, int pad,
                                       boolean ceil) {
        int OH = torchPoolOutSize(H, k, stride, pad, ceil);
        int OW = torchPoolOutSize(W, k, stride, pad, ceil);
        double[] y = new double[N * C * OH * OW];
        double[] arg = new double[y.length];
        for (int plane = 0; plane < N * C; plane++) {
            for (int oy = 0; oy < OH; oy++) {
                for (int ox = 0; ox < OW; ox++) {
                    int hstart = oy * stride - pad;
                    int wstart = ox * stride - pad;
                    int hend = Math.min(hstart + k, H + pad);
                    int wend = Math.min(wstart + k, W + pad);
                    int poolSize = (hend - hstart) * (wend - wstart);
                    hstart = Math.max(hstart, 0);
                    wstart = Math.max(wstart, 0);
                    hend = Math.min(hend, H);
                    wend = Math.min(wend, W);
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int best = -1;
                    for (int iy = hstart; iy < hend; iy++) {
                        for (int ix = wstart; ix < wend; ix++) {
                            int idx = (plane * H + iy) * W + ix;
                            if (max && x[idx] > acc) {
                                acc = x[idx];
                                best = idx;
                            } else if (!max) {
                                acc += x[idx];
                            }
                        }
                    }
                    int o = (plane * OH + oy) * OW + ox;
                    y[o] = max ? acc : acc / poolSize;
                    arg[o] = max ? best : poolSize;
                }
            }
        }
        return new double[][] {y, arg};
    }

    /** The gradient of {@link #torchPool}: max routes dy to the argmax, average spreads dy/poolSize over the clipped window. */
    public static double[] torchPoolBackward(boolean max, float[] x, float[] dy, int N, int C, int H, int W, int k,
                                             int stride, int pad, boolean ceil) {
        double[][] fwd = torchPool(max, x, N, C, H, W, k, stride, pad, ceil);
        int OH = torchPoolOutSize(H, k, stride, pad, ceil);
        int OW = torchPoolOutSize(W, k, stride, pad, ceil);
        double[] dx = new double[x.length];
        for (int plane = 0; plane < N * C; plane++) {
            for (int oy = 0; oy < OH; oy++) {
                for (int ox = 0; ox < OW; ox++) {
                    int o = (plane * OH + oy) * OW + ox;
                    if (max) {
                        dx[(int) fwd[1][o]] += dy[o];
                        continue;
                    }
                    for (int iy = Math.max(0, oy * stride - pad); iy < Math.min(H, oy * stride - pad + k); iy++) {
                        for (int ix = Math.max(0, ox * stride - pad); ix < Math.min(W, ox * stride - pad + k); ix++) {
                            dx[(plane * H + iy) * W + ix] += dy[o] / fwd[1][o];
                        }
                    }
                }
            }
        }
        return dx;
    }

    /**
     * PyTorch's adaptive_avg_pool2d as its documentation defines the bins: output cell (i, j)
     * averages rows floor(i·H/OH) .. ceil((i+1)·H/OH) − 1 and the columns alike.
     */
    public static double[] adaptiveAvgPool(float[] x, int N, int C, int H, int W, int OH, int OW) {
        double[] y = new double[N * C * OH * OW];
        for (int plane = 0; plane < N * C; plane++) {
            for (int i = 0; i < OH; i++) {
                int r0 = (int) Math.floor((double) i * H / OH);
                int r1 = (int) Math.ceil((double) (i + 1) * H / OH);
                for (int j = 0; j < OW; j++) {
                    int c0 = (int) Math.floor((double) j * W / OW);
                    int c1 = (int) Math.ceil((double) (j + 1) * W / OW);
                    double sum = 0;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            sum += x[(plane * H + r) * W + c];
                        }
                    }
                    y[(plane * OH + i) * OW + j] = sum / ((r1 - r0) * (c1 - c0));
                }
            }
        }
        return y;
    }

    /** The gradient of {@link #adaptiveAvgPool}, as the transpose of its averaging matrix applied to dy. */
    public static double[] adaptiveAvgPoolBackward(float[] dy, int N, int C, int H, int W, int OH, int OW) {
        double[] dx = new double[N * C * H * W];
        float[] unit = new float[N * C * H * W];
        // Column by column of the linear map: dx[q] = Σ_o dy[o] · ∂y[o]/∂x[q].
        for (int q = 0; q < unit.length; q++) {
            unit[q] = 1;
            double[] column = adaptiveAvgPool(unit, N, C, H, W, OH, OW);
            unit[q] = 0;
            for (int o = 0; o < column.length; o++) {
                dx[q] += column[o] * dy[o];
            }
        }
        return dx;
    }

    /** Channel concatenation of NCHW arrays with channels[i] channels each, by the index definition. */
    public static double[] concatChannels(float[][] parts, int[] channels, int N, int H, int W) {
        int total = java.util.Arrays.stream(channels).sum();
        double[] y = new double[N * total * H * W];
        for (int n = 0; n < N; n++) {
            int base = 0;
            for (int p = 0; p < parts.length; p++) {
                for (int c = 0; c < channels[p]; c++) {
                    for (int i = 0; i < H * W; i++) {
                        y[((n * total) + base + c) * H * W + i] = parts[p][((n * channels[p]) + c) * H * W + i];
                    }
                }
                base += channels[p];
            }
        }
        return y;
    }

    /** Activation value by name: relu, leaky (slope), sigmoid, tanh, softplus. */
    public static double activation(String f, double x, double slope) {
        return switch (f) {
            case "relu" -> Math.max(0, x);
            case "leaky" -> x > 0 ? x : slope * x;
            case "sigmoid" -> 1 / (1 + Math.exp(-x));
            case "tanh" -> Math.tanh(x);
            case "softplus" -> Math.log(1 + Math.exp(x));
            default -> throw new IllegalArgumentException(f);
        };
    }

    /** The derivative, written from the definitions (not from the output). */
    public static double activationDerivative(String f, double x, double slope) {
        return switch (f) {
            case "relu" -> x > 0 ? 1 : 0;
            case "leaky" -> x > 0 ? 1 : slope;
            case "sigmoid" -> Math.exp(-x) / Math.pow(1 + Math.exp(-x), 2);
            case "tanh" -> 1 / Math.pow(Math.cosh(x), 2);
            case "softplus" -> Math.exp(x) / (1 + Math.exp(x));
            default -> throw new IllegalArgumentException(f);
        };
    }

    /** Mean cross-entropy of softmax(logits) against labels; fills probs. */
    public static double softmaxCrossEntropy(float[] logits, int n, int classes, int[] labels, double[] probs) {
        double loss = 0;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[r * classes + j]);
            }
            for (int j = 0; j < classes; j++) {
                probs[r * classes + j] = Math.exp(logits[r * classes + j]) / sum;
            }
            loss -= Math.log(probs[r * classes + labels[r]]);
        }
        return loss / n;
    }

    /**
     * LRN forward as {@code torch.nn.functional.local_response_norm} defines it: square the input,
     * pad the channel axis with ⌊size/2⌋ zeros in front and ⌊(size−1)/2⌋ behind, average each run of
     * {@code size} padded channels (the divisor is always size), and b = a / (k + α·average)^β.
     */
    public static double[] lrn(float[] x, int N, int C, int plane, int size, double alpha, double beta, double k) {
        return lrnOfDoubles(x, -1, 0, N, C, plane, size, alpha, beta, k);
    }

    /**
     * LRN's input gradient dL/dx = Jᵀ·dy, with each Jacobian column taken by central differences of
     * {@link #lrn} in double (step 1e-5, error ~1e-10), so it shares no formula with any backward pass.
     */
    public static double[] lrnBackward(float[] x, float[] dy, int N, int C, int plane, int size,
                                       double alpha, double beta, double k) {
        double[] dx = new double[x.length];
        double h = 1e-5;
        for (int j = 0; j < x.length; j++) {
            double[] plus = lrnOfDoubles(x, j, h, N, C, plane, size, alpha, beta, k);
            double[] minus = lrnOfDoubles(x, j, -h, N, C, plane, size, alpha, beta, k);
            double sum = 0;
            for (int o = 0; o < x.length; o++) {
                sum += dy[o] * (plus[o] - minus[o]) / (2 * h);
            }
            dx[j] = sum;
        }
        return dx;
    }

    /** {@link #lrn} of x with element j moved by delta, in double; padded positions outside 0..C−1 are zero. */
    private static double[] lrnOfDoubles(float[] x, int j, double delta, int N, int C, int plane, int size,
                                         double alpha, double beta, double k) {
        int front = size / 2;
        double[] y = new double[x.length];
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < C; c++) {
                    // Output channel c averages padded positions c .. c + size − 1.
                    double sum = 0;
                    for (int p = c; p < c + size; p++) {
                        int ch = p - front;
                        if (ch >= 0 && ch < C) {
                            int at = (n * C + ch) * plane + i;
                            double v = x[at] + (at == j ? delta : 0);
                            sum += v * v;
                        }
                    }
                    int at = (n * C + c) * plane + i;
                    double a = x[at] + (at == j ? delta : 0);
                    y[at] = a / Math.pow(k + alpha * (sum / size), beta);
                }
            }
        }
        return y;
    }

    /** Batch-norm training forward per channel; returns y and fills mean/var (biased). */
    public static double[] batchNorm(float[] x, int N, int C, int plane, float[] gamma, float[] beta, double eps,
                                     double[] meanOut, double[] varOut) {
        double[] y = new double[x.length];
        int m = N * plane;
        for (int c = 0; c < C; c++) {
            double mean = 0;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++) {
                    mean += x[(n * C + c) * plane + i];
                }
            }
            mean /= m;
            double var = 0;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++) {
                    double d = x[(n * C + c) * plane + i] - mean;
                    var += d * d;
                }
            }
            var /= m;
            meanOut[c] = mean;
            varOut[c] = var;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++) {
                    int at = (n * C + c) * plane + i;
                    y[at] = gamma[c] * (x[at] - mean) / Math.sqrt(var + eps) + beta[c];
                }
            }
        }
        return y;
    }

    /**
     * Batch-norm backward staged as in the book's BatchNormalization.__backward (through the
     * centred input, the standard deviation and the mean), not the closed form backends use.
     * Fills dgamma and dbeta.
     */
    public static double[] batchNormBackward(float[] x, float[] dy, int N, int C, int plane, float[] gamma, double eps,
                                             double[] dgamma, double[] dbeta) {
        double[] dx = new double[x.length];
        int m = N * plane;
        double[] mean = new double[C];
        double[] var = new double[C];
        batchNorm(x, N, C, plane, gamma, new float[C], eps, mean, var);
        for (int c = 0; c < C; c++) {
            double std = Math.sqrt(var[c] + eps);
            double dstd = 0;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++) {
                    int at = (n * C + c) * plane + i;
                    double xc = x[at] - mean[c];
                    dbeta[c] += dy[at];
                    dgamma[c] += xc / std * dy[at];
                    dstd -= gamma[c] * dy[at] * xc / (std * std);
                }
            }
            double dvar = 0.5 * dstd / std;
            double dmu = 0;
            double[] dxc = new double[m];
            int j = 0;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++, j++) {
                    int at = (n * C + c) * plane + i;
                    double xc = x[at] - mean[c];
                    dxc[j] = gamma[c] * dy[at] / std + 2.0 / m * xc * dvar;
                    dmu += dxc[j];
                }
            }
            j = 0;
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < plane; i++, j++) {
                    dx[(n * C + c) * plane + i] = dxc[j] - dmu / m;
                }
            }
        }
        return dx;
    }
}
