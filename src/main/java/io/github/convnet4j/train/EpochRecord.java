package io.github.convnet4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One epoch's figures; validation accuracy is NaN when no validation split is used. {@code seconds}
 * is the training pass alone, {@code evalSeconds} the evaluation after it.
 */
public record EpochRecord(int epoch, double loss, double trainAccuracy, double testAccuracy, double validationAccuracy,
                          double learningRate, double seconds, double evalSeconds) {

    public static final String CSV_HEADER =
            "epoch,loss,train_accuracy,test_accuracy,validation_accuracy,learning_rate,seconds,eval_seconds";

    /** The book-style line: "epoch: 1 loss:0.412 acc:0.85 test:0.87 time:21.3s". */
    public String line() {
        String val = Double.isNaN(validationAccuracy) ? "" : String.format(Locale.ROOT, " val:%.4f", validationAccuracy);
        return String.format(Locale.ROOT, "epoch: %d loss:%.4f acc:%.4f test:%.4f%s lr:%.3g time:%.1fs eval:%.1fs", epoch,
                loss, trainAccuracy, testAccuracy, val, learningRate, seconds, evalSeconds);
    }

    public String csv() {
        return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.3f", epoch, loss, trainAccuracy,
                testAccuracy, validationAccuracy, learningRate, seconds, evalSeconds);
    }

    public static String toCsv(List<EpochRecord> records) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        records.forEach(r -> sb.append(r.csv()).append('\n'));
        return sb.toString();
    }

    public static List<EpochRecord> fromCsv(String text) {
        List<EpochRecord> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("epoch")) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 8) {
                throw new IllegalArgumentException("bad training-log line '" + line + "': expected 8 fields");
            }
            out.add(new EpochRecord(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Double.parseDouble(f[7])));
        }
        return out;
    }
}
