package io.github.convnet4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit conversions against their definitions, not against the bit tricks: a binary16 value
 * is (−1)^s · 2^(e−15) · (1 + m/1024) (subnormal: 2^−14 · m/1024), a bfloat16 value is an FP32
 * whose low 16 bits are zero; rounding picks the nearest finite value, ties to the one with an even
 * last mantissa bit, and anything at or beyond half an ulp past the largest becomes infinity (as if
 * infinity were the next value, 2^16 or 2^128, whose mantissa is even).
 */
class HalfFloatsTest {
    /** A format's non-negative finite values in increasing order, plus the "next" value standing for infinity. */
    private record Format(String name, double[] values, short[] bits, short infinity) {
    }

    private static Format f16() {
        return format("F16", 0x7c00, i -> {
            int e = (i >>> 10) & 0x1f;
            int m = i & 0x3ff;
            return e == 0 ? Math.pow(2, -14) * m / 1024.0 : Math.pow(2, e - 15) * (1 + m / 1024.0);
        }, Math.pow(2, 16));
    }

    private static Format bf16() {
        return format("BF16", 0x7f80, i -> Float.intBitsToFloat(i << 16), Math.pow(2, 128));
    }

    private static Format format(String name, int infinity, IntToDoubleFunction decode, double next) {
        double[] values = new double[infinity + 1];
        short[] bits = new short[infinity + 1];
        for (int i = 0; i < infinity; i++) { // positive patterns below infinity are the finite values, increasing
            values[i] = decode.applyAsDouble(i);
            bits[i] = (short) i;
        }
        values[infinity] = next;
        bits[infinity] = (short) infinity;
        return new Format(name, values, bits, (short) infinity);
    }

    /** The definition's result for a finite or infinite float (NaN is checked separately). */
    private static short reference(Format fmt, float f) {
        short sign = (short) (Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0);
        double x = Math.abs((double) f);
        double[] v = fmt.values();
        if (x >= v[v.length - 1]) {
            return (short) (sign | fmt.infinity());
        }
        int i = Arrays.binarySearch(v, x);
        if (i >= 0) {
            return (short) (sign | fmt.bits()[i]);
        }
        int above = -i - 1;
        int below = above - 1;
        double dBelow = x - v[below];
        double dAbove = v[above] - x;
        int pick = dBelow < dAbove ? below : dAbove < dBelow ? above : ((fmt.bits()[below] & 1) == 0 ? below : above);
        return (short) (sign | fmt.bits()[pick]);
    }

    /** Floats that matter: every value, every midpoint, one FP32 ulp either side of both; then random floats. */
    private static float[] probes(Format fmt, int randomCount) {
        double[] v = fmt.values();
        float[] out = new float[v.length * 6 + randomCount + 8];
        int n = 0;
        for (int i = 0; i < v.length; i++) {
            float value = (float) v[i];
            out[n++] = value;
            out[n++] = Math.nextUp(value);
            out[n++] = Math.nextDown(value);
            if (i + 1 < v.length) {
                float mid = (float) ((v[i] + v[i + 1]) / 2); // exact: a 16-bit format's midpoint has few bits
                out[n++] = mid;
                out[n++] = Math.nextUp(mid);
                out[n++] = Math.nextDown(mid);
            }
        }
        SplittableRandom rng = new SplittableRandom(16);
        for (int i = 0; i < randomCount; i++) {
            out[n++] = Float.intBitsToFloat(rng.nextInt());
        }
        out[n++] = Float.MAX_VALUE;
        out[n++] = Float.MIN_VALUE;
        out[n++] = Float.POSITIVE_INFINITY;
        out[n++] = 0f;
        return Arrays.copyOf(out, n);
    }

    /** null if {@code convert} agrees with the definition on every probe and its negation; else the first miss. */
    private static String mismatch(Format fmt, Function<Float, Short> convert, int randomCount) {
        for (float p : probes(fmt, randomCount)) {
            for (float f : new float[] {p, -p}) {
                if (Float.isNaN(f)) {
                    continue;
                }
                short want = reference(fmt, f);
                short got = convert.apply(f);
                if (want != got) {
                    return String.format("%s of %s (0x%08x): expected 0x%04x, got 0x%04x", fmt.name(), f,
                            Float.floatToRawIntBits(f), want & 0xffff, got & 0xffff);
                }
            }
        }
        return null;
    }

    @Test
    void f16RoundsToTheNearestValueTiesToEvenEverywhere() {
        assertNull(mismatch(f16(), HalfFloats::toF16, 2_000_000));
    }

    @Test
    void bf16RoundsToTheNearestValueTiesToEvenEverywhere() {
        assertNull(mismatch(bf16(), HalfFloats::toBF16, 2_000_000));
    }

    @Test
    void theComparisonCatchesTruncationAndTiesAwayFromZero() {
        // Truncating BF16 (a common shortcut) and rounding ties away from zero must both be caught.
        assertNotNull(mismatch(bf16(), f -> (short) (Float.floatToRawIntBits(f) >>> 16), 0));
        assertNotNull(mismatch(bf16(), f -> (short) ((Float.floatToRawIntBits(f) + 0x8000) >>> 16), 0));
        assertNotNull(mismatch(f16(), f -> {
            short h = HalfFloats.toF16(f);
            return (h & 0x7fff) == 0x0001 ? 0 : h; // the smallest subnormal lost
        }, 0));
    }

    @Test
    void everyF16AndBf16ValueComesBackExactly() {
        Format f16 = f16();
        Format bf16 = bf16();
        for (int i = 0; i < 0x10000; i++) {
            short h = (short) i;
            int magnitude = i & 0x7fff;
            double sign = (i & 0x8000) != 0 ? -1 : 1;
            if (magnitude < 0x7c00) {
                assertEquals(sign * f16.values()[magnitude], HalfFloats.fromF16(h), 0.0, "F16 0x" + Integer.toHexString(i));
                assertEquals(h, HalfFloats.toF16(HalfFloats.fromF16(h)));
            } else if (magnitude == 0x7c00) {
                assertEquals(sign * Double.POSITIVE_INFINITY, HalfFloats.fromF16(h), 0.0);
            } else {
                assertTrue(Float.isNaN(HalfFloats.fromF16(h)), "F16 NaN 0x" + Integer.toHexString(i));
                assertTrue(Float.isNaN(HalfFloats.fromF16(HalfFloats.toF16(HalfFloats.fromF16(h)))));
            }
            if (magnitude < 0x7f80) {
                assertEquals(sign * bf16.values()[magnitude], HalfFloats.fromBF16(h), 0.0);
                assertEquals(h, HalfFloats.toBF16(HalfFloats.fromBF16(h)));
            } else if (magnitude > 0x7f80) {
                assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(HalfFloats.fromBF16(h)))));
            }
        }
    }

    @Test
    void nanStaysNanAndKnownValuesMatchPyTorch() {
        // A NaN whose payload lies only in the bits BF16 drops must not become infinity.
        assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(Float.intBitsToFloat(0x7f800001)))));
        assertTrue(Float.isNaN(HalfFloats.fromF16(HalfFloats.toF16(Float.intBitsToFloat(0x7f800001)))));
        // CUDA's conversions make every NaN 0x7fff (sign and payload dropped); so do these.
        assertEquals((short) 0x7fff, HalfFloats.toF16(Float.intBitsToFloat(0xffc12345)));
        assertEquals((short) 0x7fff, HalfFloats.toBF16(Float.intBitsToFloat(0xffc12345)));
        // torch.tensor([x]).to(torch.float16 / torch.bfloat16).item() in PyTorch 1.13:
        assertEquals(0.0999755859375f, HalfFloats.round(0.1f, DType.F16));
        assertEquals(0.10009765625f, HalfFloats.round(0.1f, DType.BF16));
        assertEquals(65504f, HalfFloats.round(65519f, DType.F16));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.round(65520f, DType.F16));
        assertEquals(5.960464477539063e-08f, HalfFloats.round(4e-8f, DType.F16));
        assertEquals(3.140625f, HalfFloats.round(3.14159265f, DType.BF16));
        assertEquals(2f / 3, HalfFloats.round(2f / 3, DType.F32));
    }
}
