package io.github.convnet4j.cpu;

/**
 * One way to compute C = alpha·op(A)·op(B) (overwrite: C's old contents, NaN included, are
 * ignored) or C += alpha·op(A)·op(B) (beta has already been applied to C), on row-major arrays. Implementations must sum each C element in an order that depends only on the problem
 * (its sizes and transposes), never on the thread count, so results are bit-reproducible.
 */
interface GemmKernel {
    /** A short description for the log line that says which kernel runs. */
    String describe();

    void multiplyAdd(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     boolean overwrite, float[] c, int cOff, int ldc, Parallel par);
}
