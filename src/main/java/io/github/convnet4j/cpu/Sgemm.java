package io.github.convnet4j.cpu;

/**
 * Single-precision GEMM on row-major arrays, in pure Java:
 * C = alpha·op(A)·op(B) + beta·C with op(A) M×K, op(B) K×N, C M×N.
 *
 * <p>This class applies beta and hands the product to the kernel {@link GemmKernels} chose for
 * this JVM: the Vector API kernel when {@code jdk.incubator.vector} is enabled, else plain Java
 * loops. Either kernel sums each C element in an order fixed by the problem alone, so results
 * are bit-reproducible whatever the thread count (but differ in the last bits between kernels).
 */
public final class Sgemm {
    private Sgemm() {
    }

    /**
     * The general entry point; offsets and leading dimensions address sub-matrices of larger
     * arrays (one image of a batch, say).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, Parallel par) {
        sgemm(GemmKernels.selected(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, par);
    }

    /** The same with a given kernel (tests compare the kernels). */
    static void sgemm(GemmKernel kernel, boolean transA, boolean transB, int m, int n, int k,
                      float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc, Parallel par) {
        if (m == 0 || n == 0) {
            return;
        }
        if (alpha == 0f || k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        // beta = 0: the kernel writes C without reading it (a pass over C saved, and NaN/Inf
        // garbage in C does not survive).
        boolean overwrite = beta == 0f;
        if (!overwrite) {
            scaleC(m, n, beta, c, cOff, ldc);
        }
        kernel.multiplyAdd(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, overwrite, c, cOff, ldc, par);
    }

    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                // Overwrite rather than multiply, so NaN/Inf garbage in C does not survive.
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }
}
