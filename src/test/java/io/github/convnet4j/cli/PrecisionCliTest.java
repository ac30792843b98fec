package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --precision and --channels-last from the command line (issue 12). */
class PrecisionCliTest {
    @TempDir
    Path dir;

    @Test
    void fp16ChannelsLastTrainsAndLogsItsLossScale() {
        CliRun.Result r = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "400",
                "--precision", "fp16", "--channels-last", "--run-dir", dir.resolve("f16").toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("backend cpu, FP16 activations, channels-last"), r.out());
        assertTrue(r.out().matches("(?s).*epoch: 1 loss:\\d+\\.\\d+ .*F16 loss scale \\d+, \\d+ steps skipped.*"), r.out());
    }

    @Test
    void bf16NeedsNoLossScale() {
        CliRun.Result r = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "200",
                "--precision", "BF16", "--run-dir", dir.resolve("bf16").toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("backend cpu, BF16 activations") && !r.out().contains("loss scale"), r.out());
    }

    @Test
    void evalRunsInHalfPrecision() {
        Path run = dir.resolve("lenet");
        CliRun.Result r = CliRun.run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "300",
                "--run-dir", run.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        String model = run.resolve("model.safetensors").toString();
        CliRun.Result f32 = CliRun.run("eval", "--device", "cpu", "--limit", "300", model);
        CliRun.Result f16 = CliRun.run("eval", "--device", "cpu", "--limit", "300", "--precision", "fp16",
                "--channels-last", model);
        assertEquals(0, f16.code(), f16.out() + f16.err());
        assertTrue(f16.out().contains("F16 activations, channels-last"), f16.out());
        assertEquals(accuracy(f32.out()), accuracy(f16.out()), 0.01, f32.out() + f16.out());
        CliRun.Result predicted = CliRun.run("predict", model, "--index", "0,1", "--precision", "bf16", "--channels-last");
        CliRun.Result predicted32 = CliRun.run("predict", model, "--index", "0,1");
        assertEquals(0, predicted.code(), predicted.out() + predicted.err());
        assertEquals(2, firstClasses(predicted.out()).size(), predicted.out());
        assertEquals(firstClasses(predicted32.out()), firstClasses(predicted.out()), predicted32.out() + predicted.out());
        CliRun.Result bad = CliRun.run("eval", "--device", "cpu", "--precision", "int8", model);
        assertEquals("convnet4j: --precision 'int8': expected fp32, tf32, bf16 or fp16", bad.errLine());
    }

    /** What predict ranked first for each entry ("test[0] (true: Bag):  Bag 0.998  ..." gives "Bag"). */
    private static java.util.List<String> firstClasses(String out) {
        return out.lines().filter(l -> l.startsWith("test[")).map(l -> l.replaceAll("^.*?\\):\\s+", "")
                .replaceAll("\\s+\\d\\.\\d+.*$", "")).toList();
    }

    private static double accuracy(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("accuracy: (0\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void badPrecisionOptionsAreOneLineErrors() {
        String[][] cases = {
            {"convnet4j: --precision 'fp8': expected fp32, tf32, bf16 or fp16", "--precision", "fp8"},
            {"convnet4j: --precision tf32 asks for TF32 tensor cores and --no-tf32 forbids them: give one of the two",
                "--precision", "tf32", "--no-tf32"},
        };
        CliRun.assertTrainRefuses(dir, cases);
    }
}
