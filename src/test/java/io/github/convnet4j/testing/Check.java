package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Test helpers: random data and closeness assertions that report where and by how much they fail. */
public final class Check {
    private Check() {
    }

    public static float[] randomFloats(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    /** Asserts |expected − actual| <= atol + rtol·|expected| element-wise. */
    public static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, expected, toDouble(actual), atol, rtol);
    }

    /** As above, for results already widened to double. */
    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        int worst = -1;
        double worstExcess = 0;
        int bad = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            maxAbs = Math.max(maxAbs, err);
            double allowed = atol + rtol * Math.abs(expected[i]);
            if (!(err <= allowed)) {
                bad++;
                if (worst < 0 || err - allowed > worstExcess) {
                    worst = i;
                    worstExcess = err - allowed;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d values off (atol %.1e, rtol %.1e); worst at [%d]: expected %.8g, got %.8g;"
                            + " max abs error %.3e", what, bad, expected.length, atol, rtol, worst, expected[worst],
                    actual[worst], maxAbs));
        }
    }

    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, toDouble(expected), actual, atol, rtol);
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
