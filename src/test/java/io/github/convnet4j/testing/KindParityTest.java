package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.convnet4j.tensor.DType;
import org.junit.jupiter.api.Test;

/** The parity checkers must fail on a planted error: a checker that always passes proves nothing. */
class KindParityTest {
    /** 1 + 0.75 ulp of BF16 at 1 (2^-7): nearest even is 1 + 2^-7, truncation gives 1. */
    private static final float NEEDS_ROUNDING_UP_BF16 = 1f + 0.75f * 0x1p-7f;
    /** 1 + 0.75 ulp of F16 at 1 (2^-10). */
    private static final float NEEDS_ROUNDING_UP_F16 = 1f + 0.75f * 0x1p-10f;

    @Test
    void roundedOnceAcceptsNearestEven() {
        KindParity.assertRoundedOnce("control", DType.BF16, new double[] {0.5, NEEDS_ROUNDING_UP_BF16},
                new double[] {0.5, 1 + 0x1p-7});
        KindParity.assertRoundedOnce("control", DType.F16, new double[] {0.5, NEEDS_ROUNDING_UP_F16},
                new double[] {0.5, 1 + 0x1p-10});
    }

    @Test
    void roundedOnceFailsOnTruncation() {
        // A kernel that truncates (drops the low bits) instead of rounding to nearest even, on one element.
        float truncatedBf16 = Float.intBitsToFloat(Float.floatToRawIntBits(NEEDS_ROUNDING_UP_BF16) & 0xffff0000);
        assertThrows(AssertionError.class, () -> KindParity.assertRoundedOnce("planted", DType.BF16,
                new double[] {0.5, NEEDS_ROUNDING_UP_BF16}, new double[] {0.5, truncatedBf16}));
        assertThrows(AssertionError.class, () -> KindParity.assertRoundedOnce("planted", DType.F16,
                new double[] {0.5, NEEDS_ROUNDING_UP_F16}, new double[] {0.5, 1}));
    }

    @Test
    void roundedOnceFailsOnAnUnroundedValue() {
        // Storing the F32 value unrounded (a half tensor that kept F32 precision) is not the contract either.
        assertThrows(AssertionError.class, () -> KindParity.assertRoundedOnce("planted", DType.BF16,
                new double[] {NEEDS_ROUNDING_UP_BF16}, new double[] {NEEDS_ROUNDING_UP_BF16}));
    }

    @Test
    void roundedOnceFailsOnNaNForANumberAndOnAChangedF32Scalar() {
        assertThrows(AssertionError.class, () -> KindParity.assertRoundedOnce("planted", DType.F16,
                new double[] {1}, new double[] {Double.NaN}));
        assertThrows(AssertionError.class, () -> KindParity.assertRoundedOnce("planted", DType.F32,
                new double[] {1.0 / 3}, new double[] {(float) (1.0 / 3)}));
    }

    @Test
    void nearReferenceAcceptsOneRounding() {
        KindParity.assertNearReference("control", DType.BF16, new double[] {NEEDS_ROUNDING_UP_BF16, 2},
                new double[] {1 + 0x1p-7, 2}, 0);
    }

    @Test
    void nearReferenceFailsBeyondTheTypesPrecision() {
        // Four units of roundoff off on one element, and no slack for the F32 kernel: beyond one rounding.
        assertThrows(AssertionError.class, () -> KindParity.assertNearReference("planted", DType.BF16,
                new double[] {1, 2}, new double[] {1, 2 * (1 + 4 * 0x1p-8)}, 0));
        assertThrows(AssertionError.class, () -> KindParity.assertNearReference("planted", DType.F16,
                new double[] {1, 2}, new double[] {1, 2 * (1 + 4 * 0x1p-11)}, 0));
        // A BF16-sized error where F16 precision was promised.
        assertThrows(AssertionError.class, () -> KindParity.assertNearReference("planted", DType.F16,
                new double[] {1, 2}, new double[] {1 + 0x1p-8, 2}, 1e-5));
    }

    @Test
    void nearReferenceFailsOnNaNAndOnLengths() {
        assertThrows(AssertionError.class, () -> KindParity.assertNearReference("planted", DType.F32,
                new double[] {1, 2}, new double[] {1, Double.NaN}, 1e-5));
        assertThrows(AssertionError.class, () -> KindParity.assertNearReference("planted", DType.F32,
                new double[] {1, 2}, new double[] {1}, 1e-5));
    }
}
