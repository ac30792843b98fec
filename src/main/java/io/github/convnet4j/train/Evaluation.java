package io.github.convnet4j.train;

import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;

/** A confusion matrix (rows: true class, columns: predicted) with accuracy, precision and recall. */
public record Evaluation(int[][] confusion, List<String> classes) {

    /** Runs the network in inference mode over a data set. */
    public static Evaluation of(Network net, Dataset data, Normalization norm, int batchSize) {
        int k = data.classes();
        int[][] confusion = new int[k][k];
        try (BatchLoader loader = new BatchLoader(data, batchSize, false, 0, norm, Augmentation.NONE)) {
            loader.startEpoch(0);
            BatchLoader.Batch b;
            while ((b = loader.next()) != null) {
                Shape shape = Batches.shape(data, b.size());
                try (Tensor x = net.backend().tensor(Batches.images(b, data), shape)) {
                    float[] scores = net.predict(x).toArray();
                    int classes = scores.length / b.size();
                    for (int i = 0; i < b.size(); i++) {
                        int best = 0;
                        for (int j = 1; j < classes; j++) {
                            if (scores[i * classes + j] > scores[i * classes + best]) {
                                best = j;
                            }
                        }
                        confusion[(int) b.labels()[i]][best]++;
                    }
                }
            }
        }
        return new Evaluation(confusion, data.classNames());
    }

    public int total() {
        int n = 0;
        for (int[] row : confusion) {
            for (int v : row) {
                n += v;
            }
        }
        return n;
    }

    public double accuracy() {
        int correct = 0;
        for (int i = 0; i < confusion.length; i++) {
            correct += confusion[i][i];
        }
        return total() == 0 ? 0 : correct / (double) total();
    }

    /** Of the items predicted as c, the fraction that are c (0 when none are predicted as c). */
    public double precision(int c) {
        int predicted = 0;
        for (int[] row : confusion) {
            predicted += row[c];
        }
        return predicted == 0 ? 0 : confusion[c][c] / (double) predicted;
    }

    /** Of the items of class c, the fraction predicted as c. */
    public double recall(int c) {
        int actual = 0;
        for (int v : confusion[c]) {
            actual += v;
        }
        return actual == 0 ? 0 : confusion[c][c] / (double) actual;
    }

    /**
     * Accuracy, a per-class precision/recall table and the confusion matrix, as text. The matrix's rows
     * are headed by class number and name, its columns by class number (full names would not fit).
     */
    public String report() {
        StringBuilder sb = new StringBuilder(String.format("accuracy: %.4f (%d items)%n", accuracy(), total()));
        sb.append(String.format("%-14s %9s %9s%n", "class", "precision", "recall"));
        for (int c = 0; c < confusion.length; c++) {
            sb.append(String.format("%-14s %9.4f %9.4f%n", classes.get(c), precision(c), recall(c)));
        }
        sb.append("confusion matrix (rows: true class, columns: predicted):\n");
        return sb.append(confusionTable()).toString();
    }

    private String confusionTable() {
        StringBuilder sb = new StringBuilder();
        int nameWidth = "true \\ predicted".length();
        int widest = 1;
        for (int c = 0; c < confusion.length; c++) {
            nameWidth = Math.max(nameWidth, String.format("%d %s", c, classes.get(c)).length());
            for (int v : confusion[c]) {
                widest = Math.max(widest, Integer.toString(v).length());
            }
        }
        String cell = "%" + (Math.max(widest, Integer.toString(confusion.length - 1).length()) + 2) + "s";
        String head = "%-" + nameWidth + "s";
        sb.append(String.format(head, "true \\ predicted"));
        for (int c = 0; c < confusion.length; c++) {
            sb.append(String.format(cell, c));
        }
        sb.append('\n');
        for (int r = 0; r < confusion.length; r++) {
            sb.append(String.format(head, r + " " + classes.get(r)));
            for (int v : confusion[r]) {
                sb.append(String.format(cell, v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
