package io.github.convnet4j.tensor;

/**
 * FP32 to and from the 16-bit floats, rounding as the GPU stores them ({@code __float2half_rn},
 * {@code __float2bfloat16_rn}): to the nearest representable value, ties to the even one;
 * overflow becomes infinity, every NaN the canonical 0x7fff. The way back is exact. The CPU backend
 * stores BF16/F16 through these, so mixed-precision code computes the same values on both.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** The IEEE binary16 bits nearest to {@code f} (ties to even). */
    public static short toF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) { // infinity; every NaN becomes 0x7fff, as CUDA's __float2half_rn makes it
            return (short) (mantissa != 0 ? 0x7fff : sign | 0x7c00);
        }
        int e = exponent - 127 + 15; // the binary16 exponent field, if the value is normal there
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            return (short) (sign | subnormalMantissa(mantissa | 0x800000, 14 - e));
        }
        int half = sign | (e << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        return (short) (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0) ? half + 1 : half);
    }

    /** The subnormal binary16 mantissa of significand × 2^(−shift−10), rounded to nearest even (may round up to the smallest normal). */
    private static int subnormalMantissa(int significand, int shift) {
        if (shift > 24) {
            return 0; // below half the smallest subnormal
        }
        int kept = significand >>> shift;
        int rest = significand & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        return rest > halfway || (rest == halfway && (kept & 1) != 0) ? kept + 1 : kept;
    }

    /** The value of IEEE binary16 bits, exactly. */
    public static float fromF16(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa × 2^−24, exact in float
            float magnitude = Math.scalb((float) mantissa, -24);
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /** The bfloat16 bits nearest to {@code f} (ties to even): FP32's upper half, rounded. */
    public static short toBF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) 0x7fff; // every NaN, as CUDA's __float2bfloat16_rn makes it (never rounded into infinity)
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The value of bfloat16 bits, exactly. */
    public static float fromBF16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** {@code f} rounded to {@code type} and back: what storing it in that type keeps. */
    public static float round(float f, DType type) {
        return switch (type) {
            case F32 -> f;
            case BF16 -> fromBF16(toBF16(f));
            case F16 -> fromF16(toF16(f));
        };
    }

    /** Rounds every element of {@code a} in place to what {@code type} can hold. */
    public static void roundInPlace(float[] a, DType type) {
        if (type == DType.F32) {
            return;
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = round(a[i], type);
        }
    }
}
