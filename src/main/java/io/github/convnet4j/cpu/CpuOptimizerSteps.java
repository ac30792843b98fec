package io.github.convnet4j.cpu;

/** Element-wise parameter updates over [from, to); see the Backend methods for the formulas. */
final class CpuOptimizerSteps {
    private CpuOptimizerSteps() {
    }

    static void sgd(float[] w, float[] g, float lr, float wd, int from, int to) {
        for (int i = from; i < to; i++) {
            w[i] -= lr * (g[i] + wd * w[i]);
        }
    }

    static void momentum(float[] w, float[] g, float[] v, float lr, float mu, float wd, int from, int to) {
        for (int i = from; i < to; i++) {
            v[i] = mu * v[i] - lr * (g[i] + wd * w[i]);
            w[i] += v[i];
        }
    }

    static void nesterov(float[] w, float[] g, float[] v, float lr, float mu, float wd, int from, int to) {
        for (int i = from; i < to; i++) {
            float grad = g[i] + wd * w[i];
            v[i] = mu * v[i] - lr * grad;
            w[i] += mu * mu * v[i] - (1f + mu) * lr * grad;
        }
    }

    static void adaGrad(float[] w, float[] g, float[] h, float lr, float wd, float eps, int from, int to) {
        for (int i = from; i < to; i++) {
            float grad = g[i] + wd * w[i];
            h[i] += grad * grad;
            w[i] -= lr * grad / ((float) Math.sqrt(h[i]) + eps);
        }
    }

    static void rmsProp(float[] w, float[] g, float[] h, float lr, float rho, float wd, float eps, int from, int to) {
        for (int i = from; i < to; i++) {
            float grad = g[i] + wd * w[i];
            h[i] = rho * h[i] + (1f - rho) * grad * grad;
            w[i] -= lr * grad / ((float) Math.sqrt(h[i]) + eps);
        }
    }

    static void adam(float[] w, float[] g, float[] m, float[] v, float lrT, float b1, float b2, float wd, float eps,
                     int from, int to) {
        for (int i = from; i < to; i++) {
            float grad = g[i] + wd * w[i];
            m[i] += (1f - b1) * (grad - m[i]);
            v[i] += (1f - b2) * (grad * grad - v[i]);
            w[i] -= lrT * m[i] / ((float) Math.sqrt(v[i]) + eps);
        }
    }
}
