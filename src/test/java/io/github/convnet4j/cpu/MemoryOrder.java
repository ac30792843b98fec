package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Tensor;

/**
 * What a CPU tensor holds in memory, read from inside the package, and the check that it is the
 * logical values' encodings in the format's order. The orders are written here from their
 * definitions, not taken from {@link MemoryFormat#offset}.
 */
final class MemoryOrder {
    private MemoryOrder() {
    }

    /** Where element (n, c, h, w) of an (N, C, H, W) tensor lies in memory. */
    interface Index {
        int of(int n, int c, int h, int w, int channels, int height, int width);
    }

    /** Row-major (N, C, H, W): w fastest, then h, then c. */
    static final Index NCHW = (n, c, h, w, channels, height, width) -> ((n * channels + c) * height + h) * width + w;

    /** Channels last, row-major (N, H, W, C): c fastest, then w, then h. */
    static final Index NHWC = (n, c, h, w, channels, height, width) -> ((n * height + h) * width + w) * channels + c;

    static Index of(MemoryFormat format) {
        return format == MemoryFormat.NHWC ? NHWC : NCHW;
    }

    /** The raw memory of a CPU tensor, one int per element: the float's 32 bits, or the 16-bit pattern. */
    static int[] bits(Tensor t) {
        int[] out = new int[t.size()];
        if (t.storage() instanceof HalfStorage half) {
            for (int i = 0; i < out.length; i++) {
                out[i] = half.bits[i] & 0xffff;
            }
        } else {
            float[] data = ((HeapStorage) t.storage()).data;
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.floatToRawIntBits(data[i]);
            }
        }
        return out;
    }

    /** The bits {@code type} stores for {@code value}: rounded to nearest even (HalfFloats, verified in HalfFloatsTest). */
    static int encode(float value, DType type) {
        return switch (type) {
            case F32 -> Float.floatToRawIntBits(value);
            case BF16 -> HalfFloats.toBF16(value) & 0xffff;
            case F16 -> HalfFloats.toF16(value) & 0xffff;
        };
    }

    /**
     * Asserts that memory holds, at {@code index} of each element of the logical (N, C, H, W)
     * array {@code logical}, that element's encoding in {@code type}.
     */
    static void assertLaidOut(String what, float[] logical, int[] dims, DType type, int[] memory, Index index) {
        int channels = dims[1];
        int height = dims[2];
        int width = dims[3];
        int logicalAt = 0;
        for (int n = 0; n < dims[0]; n++) {
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++, logicalAt++) {
                        int at = index.of(n, c, h, w, channels, height, width);
                        int expected = encode(logical[logicalAt], type);
                        if (memory[at] != expected) {
                            fail(String.format("%s: element (%d, %d, %d, %d) = %s should be 0x%x at memory [%d],"
                                    + " found 0x%x", what, n, c, h, w, logical[logicalAt], expected, at, memory[at]));
                        }
                    }
                }
            }
        }
    }
}
