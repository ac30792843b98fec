package io.github.convnet4j.onnx;

/**
 * The agreement {@code onnx-check} asks of an output: each element within 1e-4 of the expected value
 * relative to it, or within 1e-5 absolute where the expected value is near zero (below 0.1 in
 * magnitude), i.e. |actual − expected| ≤ max(1e-4·|expected|, 1e-5). The error reported is that
 * difference divided by max(|expected|, 0.1), so an output passes exactly when it is at most 1e-4.
 * NaN matches only NaN, and an infinity only the same infinity.
 */
public final class Tolerance {
    public static final double RELATIVE = 1e-4;
    public static final double ABSOLUTE = 1e-5;

    private Tolerance() {
    }

    /** The largest scaled error over all elements; infinite when lengths, NaNs or infinities disagree. */
    public static double maxRelativeError(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, relativeError(expected[i], actual[i]));
        }
        return worst;
    }

    static double relativeError(float expected, float actual) {
        if (Float.isNaN(expected) || Float.isNaN(actual)) {
            return Float.isNaN(expected) && Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(expected) || Float.isInfinite(actual)) {
            return expected == actual ? 0 : Double.POSITIVE_INFINITY;
        }
        double diff = Math.abs((double) actual - expected);
        return diff / Math.max(Math.abs((double) expected), ABSOLUTE / RELATIVE);
    }

    /** Whether {@code actual} agrees with {@code expected} element by element. */
    public static boolean agrees(float[] expected, float[] actual) {
        return maxRelativeError(expected, actual) <= RELATIVE;
    }
}
