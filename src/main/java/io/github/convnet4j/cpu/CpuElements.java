package io.github.convnet4j.cpu;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Tensor;

/**
 * Reading and writing a CPU tensor of any type and memory format as logical NCHW float values:
 * the host transfers, {@code convert}, and the staging that lets every F32 kernel serve BF16, F16
 * and NHWC tensors. Writes round to nearest even through {@link HalfFloats}, as a GPU stores.
 */
final class CpuElements {
    private CpuElements() {
    }

    /** out[0, size) = t's values in logical NCHW order, exactly (widening is exact). */
    static void read(Tensor t, float[] out) {
        float[] f = floats(t);
        short[] h = halves(t);
        boolean bf16 = t.dtype() == DType.BF16;
        if (t.format() == MemoryFormat.NCHW) {
            if (f != null) {
                System.arraycopy(f, 0, out, 0, t.size());
                return;
            }
            for (int i = 0; i < t.size(); i++) {
                out[i] = bf16 ? HalfFloats.fromBF16(h[i]) : HalfFloats.fromF16(h[i]);
            }
            return;
        }
        int channels = t.dim(1);
        int plane = t.dim(2) * t.dim(3);
        int m = 0; // walks memory, which is (n, h, w, c)
        for (int n = 0; n < t.dim(0); n++) {
            int image = n * channels * plane;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++, m++) {
                    out[image + c * plane + p] = f != null ? f[m] : bf16 ? HalfFloats.fromBF16(h[m]) : HalfFloats.fromF16(h[m]);
                }
            }
        }
    }

    /** t = in[0, size) (logical NCHW order), each value rounded to t's type. */
    static void write(float[] in, Tensor t) {
        float[] f = floats(t);
        short[] h = halves(t);
        boolean bf16 = t.dtype() == DType.BF16;
        if (t.format() == MemoryFormat.NCHW) {
            if (f != null) {
                System.arraycopy(in, 0, f, 0, t.size());
                return;
            }
            for (int i = 0; i < t.size(); i++) {
                h[i] = bf16 ? HalfFloats.toBF16(in[i]) : HalfFloats.toF16(in[i]);
            }
            return;
        }
        int channels = t.dim(1);
        int plane = t.dim(2) * t.dim(3);
        int m = 0;
        for (int n = 0; n < t.dim(0); n++) {
            int image = n * channels * plane;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++, m++) {
                    float v = in[image + c * plane + p];
                    if (f != null) {
                        f[m] = v;
                    } else {
                        h[m] = bf16 ? HalfFloats.toBF16(v) : HalfFloats.toF16(v);
                    }
                }
            }
        }
    }

    /** Every element of t = value rounded to t's type (the order does not matter). */
    static void fill(Tensor t, float value) {
        float[] f = floats(t);
        if (f != null) {
            java.util.Arrays.fill(f, 0, t.size(), value);
        } else {
            short bits = t.dtype() == DType.BF16 ? HalfFloats.toBF16(value) : HalfFloats.toF16(value);
            java.util.Arrays.fill(halves(t), 0, t.size(), bits);
        }
    }

    /** dst = src, bit for bit; both of one type and format, checked by CheckedBackend. */
    static void copy(Tensor src, Tensor dst) {
        float[] f = floats(src);
        if (f != null) {
            System.arraycopy(f, 0, floats(dst), 0, src.size());
        } else {
            System.arraycopy(halves(src), 0, halves(dst), 0, src.size());
        }
    }

    /**
     * dst's channels [dstChannel, +channels) = src's [srcChannel, +channels), for every image and
     * pixel; both of one type and format, so the stored bits move unchanged.
     */
    static void copyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels) {
        Object from = floats(src) != null ? floats(src) : halves(src);
        Object to = floats(dst) != null ? floats(dst) : halves(dst);
        int plane = src.dim(2) * src.dim(3);
        int srcC = src.dim(1);
        int dstC = dst.dim(1);
        for (int n = 0; n < src.dim(0); n++) {
            if (src.format() == MemoryFormat.NCHW) {
                System.arraycopy(from, (n * srcC + srcChannel) * plane, to, (n * dstC + dstChannel) * plane,
                        channels * plane);
                continue;
            }
            for (int p = 0; p < plane; p++) {
                int pixel = n * plane + p;
                System.arraycopy(from, pixel * srcC + srcChannel, to, pixel * dstC + dstChannel, channels);
            }
        }
    }

    private static float[] floats(Tensor t) {
        return t.storage() instanceof HeapStorage heap ? heap.data : null;
    }

    private static short[] halves(Tensor t) {
        return t.storage() instanceof HalfStorage half ? half.bits : null;
    }
}
