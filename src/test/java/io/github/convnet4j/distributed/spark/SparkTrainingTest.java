package io.github.convnet4j.distributed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit main class refuses bad settings in one line, before it asks Spark for a context. */
class SparkTrainingTest {
    @TempDir
    Path dir;

    private static String[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkTraining.run(args);
        } finally {
            System.setErr(old);
        }
        return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void badSettingsAreOneLineWithExitCodeTwo() {
        String run = dir.resolve("r").toString();
        String[][] cases = {
            {"--workers 0", "convnet4j: --workers must be >= 1, got 0"},
            {"--workers 2 --model lenet5", "convnet4j: --model 'lenet5' is unknown: expected one of "},
            {"--workers 2 --optimizer adamw", "convnet4j: --optimizer 'adamw' is unknown: expected sgd, momentum"},
            {"--workers 2 --schedule step:0:0.5", "convnet4j: --schedule: "},
            {"--workers 2 --batch 1", "convnet4j: --batch 1 is less than --workers 2: every worker needs"},
            {"--workers 2 --dataset imagenet", "convnet4j: --dataset 'imagenet' is unknown: expected one of [sample,"},
        };
        for (String[] c : cases) {
            String[] out = run((c[0] + " --run-dir " + run).split(" "));
            assertEquals("2", out[0], c[0] + ": " + out[1]);
            assertTrue(out[1].startsWith(c[1]), c[0] + ": " + out[1]);
            assertEquals(1, out[1].strip().lines().count(), "one line: " + out[1]);
            assertFalse(out[1].contains("\tat "), out[1]);
        }
        String[] missing = run("--model", "lenet");
        assertEquals("2", missing[0]);
        assertTrue(missing[1].startsWith("convnet4j: Missing required options"), missing[1]);
    }
}
