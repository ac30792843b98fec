package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tensors of every type and memory format on the CPU backend: the bytes their storage counts, what
 * host round trips, fill, copy and convert keep (each value rounded once to nearest even, in
 * logical NCHW order), and the order the elements actually lie in memory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TensorKindsStorageTest {
    /** H ≠ W and every dimension distinct, so that a swapped index lands elsewhere. */
    private static final int[] DIMS = {2, 3, 4, 5};

    private final CpuBackend backend = new CpuBackend(2);

    @AfterAll
    void close() {
        backend.close();
    }

    static Stream<Arguments> kinds() {
        List<Arguments> kinds = new ArrayList<>();
        for (DType type : DType.values()) {
            for (MemoryFormat format : MemoryFormat.values()) {
                kinds.add(Arguments.of(type, format));
            }
        }
        return kinds.stream();
    }

    static Stream<Arguments> pairsOfKinds() {
        return kinds().flatMap(src -> kinds().map(dst -> Arguments.of(src.get()[0], src.get()[1], dst.get()[0],
                dst.get()[1])));
    }

    private Tensor allocate(DType type, MemoryFormat format) {
        return backend.allocate(Shape.of(DIMS), type, format);
    }

    /**
     * Values that need rounding in BF16 or F16 (ties either way, just above a tie), F16's overflow
     * and largest value, subnormals of both types, signed zeros, infinities and NaN, then random
     * values at several scales: 120 in all, one for each element of {@link #DIMS}.
     */
    private static float[] testValues() {
        float[] special = {
            1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-20f, -(1 + 0x1p-8f), // BF16 ties and just above
            1 + 0x1p-11f, 1 + 3 * 0x1p-11f, -(1 + 3 * 0x1p-11f), 1 + 0x1p-11f + 0x1p-22f, // F16 ties and just above
            65504f, 65519f, 65520f, -65520f, 1e6f, Float.MAX_VALUE, -Float.MAX_VALUE, // F16 max, overflow; BF16 overflow
            0x1p-24f, 0x1p-25f, 3 * 0x1p-25f, 1.25f * 0x1p-24f, 0x1p-14f, 0x1p-14f - 0x1p-25f, // F16 subnormals
            Float.MIN_VALUE, Float.intBitsToFloat(0x00018000), Float.MIN_NORMAL, // FP32 subnormals (BF16's too)
            0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -Float.NaN
        };
        float[] values = new float[120];
        System.arraycopy(special, 0, values, 0, special.length);
        Random rng = new Random(17);
        for (int i = special.length; i < values.length; i++) {
            double scale = switch (i % 4) {
                case 0 -> 1;
                case 1 -> 1000;
                case 2 -> 1e-3;
                default -> 1e-6; // F16 subnormal territory
            };
            values[i] = (float) (rng.nextGaussian() * scale);
        }
        return values;
    }

    private static float[] rounded(float[] values, DType type) {
        float[] r = values.clone();
        HalfFloats.roundInPlace(r, type);
        return r;
    }

    /** Equal as values, bit for bit, except that any NaN matches any NaN (the 16-bit types have one NaN). */
    private static void assertSameValues(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i])) {
                assertTrue(Float.isNaN(actual[i]), what + ": element " + i + " should be NaN, got " + actual[i]);
            } else {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        what + ": element " + i + " should be " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    // ---- storage -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void storageCountsTheTypesBytes(DType type, MemoryFormat format) {
        int perElement = type == DType.F32 ? 4 : 2;
        try (Tensor t = allocate(type, format)) {
            assertEquals(120L * perElement, t.storage().bytes());
            assertEquals(type, t.dtype());
            assertEquals(format, t.format());
            assertEquals(Shape.of(DIMS), t.shape(), "the shape stays logical (N, C, H, W) in every format");
        }
        try (Tensor matrix = backend.allocate(Shape.of(6, 7), type, MemoryFormat.NCHW)) {
            assertEquals(42L * perElement, matrix.storage().bytes());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void allocatedTensorsAreZero(DType type, MemoryFormat format) {
        try (Tensor t = allocate(type, format)) {
            assertSameValues("fresh tensor", new float[120], t.toArray());
        }
    }

    // ---- host round trips ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void uploadThenDownloadRoundsEachValueInLogicalOrder(DType type, MemoryFormat format) {
        float[] values = testValues();
        try (Tensor t = allocate(type, format)) {
            t.copyFrom(values);
            assertSameValues(type + " " + format + " round trip", rounded(values, type), t.toArray());
        }
    }

    /** Roundings worked out by hand from the formats' definitions (not through HalfFloats). */
    static Stream<Arguments> handRoundedValues() {
        return Stream.of(
                // BF16: 8 significant bits, ulp 2^-7 at 1.
                Arguments.of(DType.BF16, 1 + 0x1p-8f, 1f), // tie: to the even 1
                Arguments.of(DType.BF16, 1 + 3 * 0x1p-8f, 1 + 0x1p-6f), // tie between 1 + 2^-7 (odd) and 1 + 2^-6
                Arguments.of(DType.BF16, 1 + 0x1p-8f + 0x1p-20f, 1 + 0x1p-7f), // just above the tie: up
                Arguments.of(DType.BF16, -(1 + 0x1p-8f + 0x1p-20f), -(1 + 0x1p-7f)),
                Arguments.of(DType.BF16, Float.MAX_VALUE, Float.POSITIVE_INFINITY), // past BF16's largest, 0x7f7f
                Arguments.of(DType.BF16, Float.intBitsToFloat(0x00018000), Float.intBitsToFloat(0x00020000)), // subnormal tie
                Arguments.of(DType.BF16, Float.MIN_VALUE, 0f),
                Arguments.of(DType.BF16, 65520f, 65536f), // finite in BF16: its range is FP32's
                // F16: 11 significant bits, ulp 2^-10 at 1, largest 65504 (ulp 32 there), subnormals k·2^-24.
                Arguments.of(DType.F16, 1 + 0x1p-11f, 1f),
                Arguments.of(DType.F16, 1 + 3 * 0x1p-11f, 1 + 0x1p-9f),
                Arguments.of(DType.F16, 65519f, 65504f), // below the tie at 65520: down to the largest
                Arguments.of(DType.F16, 65520f, Float.POSITIVE_INFINITY), // the tie: to "even" infinity
                Arguments.of(DType.F16, -65520f, Float.NEGATIVE_INFINITY),
                Arguments.of(DType.F16, 1e6f, Float.POSITIVE_INFINITY),
                Arguments.of(DType.F16, 0x1p-25f, 0f), // half the smallest subnormal: tie to even 0
                Arguments.of(DType.F16, 3 * 0x1p-25f, 0x1p-23f), // 1.5 subnormal steps: tie to the even 2
                Arguments.of(DType.F16, 1.25f * 0x1p-24f, 0x1p-24f),
                Arguments.of(DType.F16, 0x1p-14f - 0x1p-25f, 0x1p-14f), // the largest subnormal's tie: up to normal
                Arguments.of(DType.F16, Float.NaN, Float.NaN),
                Arguments.of(DType.F32, 1 + 0x1p-23f, 1 + 0x1p-23f));
    }

    @ParameterizedTest(name = "{0}: {1} stores as {2}")
    @MethodSource("handRoundedValues")
    void uploadRoundsToNearestEven(DType type, float value, float expected) {
        for (MemoryFormat format : MemoryFormat.values()) {
            try (Tensor t = backend.allocate(Shape.of(1, 1, 1, 2), type, format)) {
                t.copyFrom(new float[] {value, -0f});
                assertSameValues(type + " " + format + " upload of " + value, new float[] {expected, -0f}, t.toArray());
                backend.fill(t, value);
                assertSameValues(type + " " + format + " fill with " + value, new float[] {expected, expected},
                        t.toArray());
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void memoryHoldsTheTypesBitsInTheFormatsOrder(DType type, MemoryFormat format) {
        float[] values = testValues();
        try (Tensor t = allocate(type, format)) {
            t.copyFrom(values);
            MemoryOrder.assertLaidOut("upload", values, DIMS, type, MemoryOrder.bits(t), MemoryOrder.of(format));
        }
    }

    @Test
    void layoutCheckFailsOnASwappedIndex() {
        // The checker against a planted error: H and W swapped in the channels-last index.
        MemoryOrder.Index swapped = (n, c, h, w, channels, height, width) -> ((n * width + w) * height + h) * channels + c;
        float[] values = testValues();
        try (Tensor t = allocate(DType.BF16, MemoryFormat.NHWC)) {
            t.copyFrom(values);
            int[] memory = MemoryOrder.bits(t);
            assertThrows(AssertionError.class,
                    () -> MemoryOrder.assertLaidOut("planted", values, DIMS, DType.BF16, memory, swapped));
            assertThrows(AssertionError.class,
                    () -> MemoryOrder.assertLaidOut("planted", values, DIMS, DType.BF16, memory, MemoryOrder.NCHW));
            // And a truncating store on one element: 1 + 2^-8 + 2^-20 must round up.
            memory[MemoryOrder.NHWC.of(0, 0, 0, 2, 3, 4, 5)] = Float.floatToRawIntBits(values[2]) >>> 16;
            assertThrows(AssertionError.class,
                    () -> MemoryOrder.assertLaidOut("planted", values, DIMS, DType.BF16, memory, MemoryOrder.NHWC));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void fillRoundsAndFillsEveryElement(DType type, MemoryFormat format) {
        try (Tensor t = allocate(type, format)) {
            for (float value : new float[] {1 + 3 * 0x1p-8f, 1 + 0x1p-11f + 0x1p-22f, -70000f, 3 * 0x1p-25f, Float.NaN}) {
                backend.fill(t, value);
                float[] expected = new float[120];
                java.util.Arrays.fill(expected, HalfFloats.round(value, type));
                assertSameValues("fill " + value, expected, t.toArray());
                int[] memory = MemoryOrder.bits(t);
                for (int bits : memory) {
                    assertEquals(MemoryOrder.encode(value, type), bits, "fill " + value + " in memory");
                }
            }
        }
    }

    // ---- copy and convert ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kinds")
    void copyBetweenTensorsOfOneKindIsBitExact(DType type, MemoryFormat format) {
        float[] values = testValues();
        values[5] = Float.intBitsToFloat(0x7fa00001); // an F32 NaN with a payload: a copy keeps it
        try (Tensor src = allocate(type, format); Tensor dst = allocate(type, format)) {
            src.copyFrom(values);
            backend.fill(dst, 7f);
            backend.copy(src, dst);
            assertArrayEquals(MemoryOrder.bits(src), MemoryOrder.bits(dst));
        }
        if (format == MemoryFormat.NCHW) { // NCHW copies may change the shape (same size)
            try (Tensor src = allocate(type, format); Tensor dst = backend.allocate(Shape.of(12, 10), type, format)) {
                src.copyFrom(values);
                backend.copy(src, dst);
                assertArrayEquals(MemoryOrder.bits(src), MemoryOrder.bits(dst));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} to {2} {3}")
    @MethodSource("pairsOfKinds")
    void convertRoundsTheLogicalValuesOnceToTheTarget(DType srcType, MemoryFormat srcFormat, DType dstType,
                                                      MemoryFormat dstFormat) {
        float[] values = testValues();
        try (Tensor src = allocate(srcType, srcFormat); Tensor dst = allocate(dstType, dstFormat)) {
            src.copyFrom(values);
            backend.fill(dst, 7f);
            float[] held = rounded(values, srcType); // what src holds
            backend.convert(src, dst);
            assertSameValues("convert", rounded(held, dstType), dst.toArray());
            MemoryOrder.assertLaidOut("convert", held, DIMS, dstType, MemoryOrder.bits(dst), MemoryOrder.of(dstFormat));
            assertSameValues("convert leaves its source", held, src.toArray());
        }
    }

    @Test
    void convertBetweenTheHalvesRoundsOnce() {
        // Values exact in the source whose conversion rounds, worked out by hand.
        float[][] f16ToBf16 = {{1 + 0x1p-10f, 1f}, {1 + 5 * 0x1p-10f, 1f + 0x1p-7f}, {0x1p-24f, 0x1p-24f}, {65504f, 65536f}};
        float[][] bf16ToF16 = {{65536f, Float.POSITIVE_INFINITY}, {0x1p-26f, 0f}, {1 + 0x1p-7f, 1 + 0x1p-7f},
            {3 * 0x1p-26f, 0x1p-24f}, {0x1p100f, Float.POSITIVE_INFINITY}};
        assertConverts(DType.F16, DType.BF16, f16ToBf16);
        assertConverts(DType.BF16, DType.F16, bf16ToF16);
    }

    private void assertConverts(DType from, DType to, float[][] cases) {
        for (float[] c : cases) {
            assertEquals(c[0], HalfFloats.round(c[0], from), c[0] + " must be exact in " + from);
            for (MemoryFormat format : MemoryFormat.values()) {
                try (Tensor src = backend.allocate(Shape.of(1, 1, 1, 1), from, MemoryFormat.NCHW);
                     Tensor dst = backend.allocate(Shape.of(1, 1, 1, 1), to, format)) {
                    src.copyFrom(new float[] {c[0]});
                    backend.convert(src, dst);
                    assertSameValues(from + " " + c[0] + " to " + to + " " + format, new float[] {c[1]}, dst.toArray());
                }
            }
        }
    }

    // ---- what NHWC cannot do -------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void nhwcTensorsReshapeOnlyToTheirOwnShape(DType type) {
        try (Tensor t = allocate(type, MemoryFormat.NHWC)) {
            Tensor same = t.reshape(DIMS);
            assertSame(t.storage(), same.storage());
            assertEquals(MemoryFormat.NHWC, same.format());
            for (int[] other : new int[][] {{2, 60}, {2, 3, 20, 1}, {120}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(other));
                assertTrue(e.getMessage().contains("NHWC"), e.getMessage());
            }
            IllegalArgumentException flat = assertThrows(IllegalArgumentException.class, t::flattenToMatrix);
            assertTrue(flat.getMessage().contains("NHWC"), flat.getMessage());
        }
    }

    static Stream<DType> types() {
        return Stream.of(DType.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void nhwcNeedsRankFour(DType type) {
        for (int[] dims : new int[][] {{6, 7}, {42}, {2, 3, 7}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.allocate(Shape.of(dims), type, MemoryFormat.NHWC));
            assertTrue(e.getMessage().contains("NHWC"), e.getMessage());
        }
    }
}
