package io.github.convnet4j.cpu;

/** Softmax cross-entropy, mean squared error and accuracy on row-major (N × classes) arrays. */
final class CpuLosses {
    private CpuLosses() {
    }

    static float softmaxCrossEntropy(int n, int classes, float[] logits, float[] labels, float[] probs) {
        double total = 0;
        for (int r = 0; r < n; r++) {
            int off = r * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits[off + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[off + j] - max);
            }
            double logSum = Math.log(sum);
            for (int j = 0; j < classes; j++) {
                probs[off + j] = (float) Math.exp(logits[off + j] - max - logSum);
            }
            int label = label(labels, r, classes);
            total += logSum - (logits[off + label] - max);
        }
        return (float) (total / n);
    }

    static void softmaxCrossEntropyBackward(int n, int classes, float[] probs, float[] labels, float[] dx) {
        float inv = 1f / n;
        for (int r = 0; r < n; r++) {
            int off = r * classes;
            for (int j = 0; j < classes; j++) {
                dx[off + j] = probs[off + j] * inv;
            }
            dx[off + label(labels, r, classes)] -= inv;
        }
    }

    static float meanSquaredError(int n, int size, float[] y, float[] t) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double d = y[i] - t[i];
            sum += d * d;
        }
        return (float) (0.5 * sum / n);
    }

    static void meanSquaredErrorBackward(int n, int size, float[] y, float[] t, float[] dx) {
        float inv = 1f / n;
        for (int i = 0; i < size; i++) {
            dx[i] = (y[i] - t[i]) * inv;
        }
    }

    static int countCorrect(int n, int classes, float[] scores, float[] labels) {
        int correct = 0;
        for (int r = 0; r < n; r++) {
            int off = r * classes;
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (scores[off + j] > scores[off + best]) {
                    best = j;
                }
            }
            if (best == label(labels, r, classes)) {
                correct++;
            }
        }
        return correct;
    }

    private static int label(float[] labels, int row, int classes) {
        float v = labels[row];
        int label = (int) v;
        if (label != v || label < 0 || label >= classes) {
            throw new IllegalArgumentException("label " + v + " of row " + row + " is not a class index in [0, "
                    + classes + ")");
        }
        return label;
    }
}
