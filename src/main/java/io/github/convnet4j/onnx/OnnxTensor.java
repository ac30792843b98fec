package io.github.convnet4j.onnx;

import java.util.Arrays;

/**
 * A constant decoded from an ONNX TensorProto: its dimensions and either float values (FLOAT or
 * DOUBLE tensors) or integer values (INT64, INT32, BOOL: shapes, flags). Row-major, as ONNX stores them.
 */
record OnnxTensor(String name, int[] dims, float[] floats, long[] ints) {
    int size() {
        return floats != null ? floats.length : ints.length;
    }

    boolean isFloat() {
        return floats != null;
    }

    int rank() {
        return dims.length;
    }

    String describe() {
        return "'" + name + "' " + Arrays.toString(dims) + (isFloat() ? " float" : " integer");
    }

    /** The same values, transposed by {@code perm} (ONNX Transpose; reversed dimensions when perm is empty). */
    OnnxTensor transpose(int[] perm, String newName) {
        int r = dims.length;
        int[] p = perm.length == 0 ? reversed(r) : perm;
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            out[i] = dims[p[i]];
        }
        int[] inStride = strides(dims);
        int[] outStride = strides(out);
        int n = size();
        float[] f = isFloat() ? new float[n] : null;
        long[] l = isFloat() ? null : new long[n];
        for (int o = 0; o < n; o++) {
            int rest = o;
            int src = 0;
            for (int i = 0; i < r; i++) {
                int idx = rest / outStride[i];
                rest %= outStride[i];
                src += idx * inStride[p[i]];
            }
            if (f != null) {
                f[o] = floats[src];
            } else {
                l[o] = ints[src];
            }
        }
        return new OnnxTensor(newName, out, f, l);
    }

    private static int[] reversed(int r) {
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            p[i] = r - 1 - i;
        }
        return p;
    }

    private static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }
}
