package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;

/**
 * Comparing results of ops on BF16, F16 or NHWC tensors: against a double-precision reference
 * within what the type can hold, and against the F32 kernel's result rounded once, bit for bit
 * (the staging contract: compute in FP32, round what is stored, as a GPU does).
 */
public final class KindParity {
    /**
     * The F32 kernel's own error, relative to the largest output: sums of up to a few hundred
     * products of N(0, 1) values err by a few float epsilons (1.2e-7) of their terms each, far
     * below this.
     */
    public static final double F32_KERNEL_SLACK = 1e-5;

    private KindParity() {
    }

    /**
     * The unit roundoff of a type with p significand bits, 2^−p: rounding a normal value to nearest
     * errs by at most half an ulp, and an ulp is at most 2^(1−p) of the value. BF16 keeps 8 bits
     * (2^−8), F16 11 (2^−11), F32 24 (2^−24).
     */
    public static double unitRoundoff(DType type) {
        return switch (type) {
            case BF16 -> 0x1p-8;
            case F16 -> 0x1p-11;
            case F32 -> 0x1p-24;
        };
    }

    /** A copy of {@code values}, each rounded to nearest even in {@code type} (what storing it keeps). */
    public static float[] rounded(float[] values, DType type) {
        float[] r = values.clone();
        HalfFloats.roundInPlace(r, type);
        return r;
    }

    /**
     * Asserts |actual − reference| ≤ u(type)·|reference| + slack·scale element-wise, scale the
     * largest |reference|: the once-rounded output's error (u(type) relative, see {@link
     * #unitRoundoff}) plus the FP32 computation's, which is relative to the output's scale rather
     * than to each element (a sum near zero has the error of its terms). F16 subnormal outputs err
     * by at most 2^−25 absolute, which the slack covers for outputs of scale above 0.01.
     */
    public static void assertNearReference(String what, DType type, double[] reference, double[] actual, double slack) {
        requireSameLength(what, reference.length, actual.length);
        double scale = 0;
        for (double r : reference) {
            scale = Math.max(scale, Math.abs(r));
        }
        Check.assertClose(what + " (" + type + ", output scale " + scale + ")", reference, actual, slack * scale,
                unitRoundoff(type));
    }

    /**
     * Asserts actual[i] is exactly f32Result[i] rounded once to nearest even in {@code type}, bit for
     * bit (NaN matching any NaN): what staging an F32 kernel's output into that type must store.
     */
    public static void assertRoundedOnce(String what, DType type, double[] f32Result, double[] actual) {
        requireSameLength(what, f32Result.length, actual.length);
        for (int i = 0; i < f32Result.length; i++) {
            // F32 results stay as they are (a scalar such as sumOfSquares is a double); others are floats, rounded once.
            double expected = type == DType.F32 ? f32Result[i] : HalfFloats.round((float) f32Result[i], type);
            boolean same = Double.isNaN(expected) ? Double.isNaN(actual[i])
                    : Double.doubleToRawLongBits(expected) == Double.doubleToRawLongBits(actual[i]);
            if (!same) {
                fail(String.format("%s (%s): element [%d] is %s, but the F32 result %s rounded once is %s", what, type,
                        i, actual[i], f32Result[i], expected));
            }
        }
    }

    /** Doubles of floats, exactly. */
    public static double[] widen(float[] values) {
        return Check.toDouble(values);
    }

    private static void requireSameLength(String what, int expected, int actual) {
        if (expected != actual) {
            fail(what + ": expected " + expected + " values, got " + actual);
        }
    }
}
