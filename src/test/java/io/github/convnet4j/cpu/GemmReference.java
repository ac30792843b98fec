package io.github.convnet4j.cpu;

/**
 * The definition of GEMM, in double precision, and a tolerance check against it: the test oracle
 * for every SGEMM kernel. C_ij = alpha · Σ_p op(A)_ip · op(B)_pj + beta · C_ij, where op(X) is X
 * or Xᵀ and matrices are row-major with leading dimensions.
 */
final class GemmReference {
    private GemmReference() {
    }

    static double opA(boolean trans, float[] a, int off, int ld, int i, int p) {
        return trans ? a[off + p * ld + i] : a[off + i * ld + p];
    }

    /**
     * Compares c (the kernel's result) with the definition applied to c0 (C before the call);
     * returns null when every element of the m × n block is within rounding of float arithmetic
     * and every element outside it is unchanged, else a description of the first fault.
     */
    static String mismatch(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c0, float[] c, int cOff, int ldc) {
        boolean[] inside = new boolean[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = cOff + i * ldc + j;
                inside[at] = true;
                double sum = 0;
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double term = opA(transA, a, aOff, lda, i, p) * opA(!transB, b, bOff, ldb, j, p);
                    sum += term;
                    magnitude += Math.abs(term);
                }
                double old = beta == 0f ? 0 : beta * (double) c0[at];
                double expected = alpha * sum + old;
                // float sums of k terms: each partial rounded once, plus the final alpha/beta steps
                double tolerance = (k + 4) * 0x1p-24 * (Math.abs(alpha) * magnitude + Math.abs(old)) + 1e-30;
                if (!(Math.abs(c[at] - expected) <= tolerance)) {
                    return "C[" + i + "][" + j + "] = " + c[at] + ", expected " + expected + " ± " + tolerance;
                }
            }
        }
        for (int x = 0; x < c.length; x++) {
            if (!inside[x] && Float.floatToRawIntBits(c[x]) != Float.floatToRawIntBits(c0[x])) {
                return "element " + x + " outside C's block changed from " + c0[x] + " to " + c[x];
            }
        }
        return null;
    }
}
