package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Both SGEMM kernels against the double-precision definition, on sizes that hit every edge of
 * their blocking: fewer rows than a register block, the small-row path's limit and one past it,
 * widths around the vector length and the strip width, depths around the packed block, more
 * columns than one block of C, deeper than one packed panel of B, all four transposes, sub-matrices with leading dimensions.
 */
class SgemmTest {
    private static final Parallel THREE = new Parallel(3);
    private static final int VL = VectorGemmKernel.VL;

    @AfterAll
    static void closePool() {
        THREE.close();
    }

    private record Case(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        @Override
        public String toString() {
            return (transA ? "Aᵀ" : "A") + (transB ? "Bᵀ" : "B") + " " + m + "x" + n + "x" + k
                    + " alpha " + alpha + " beta " + beta;
        }
    }

    private static List<Case> cases() {
        int[][] shapes = {
                {1, 1, 1}, {1, 37, 5}, {3, 10, 1}, {4, 2 * VL, VL}, {5, 2 * VL + 3, VL - 1}, {7, 33, 2 * VL + 1},
                {16, 65, 300}, {17, 65, 300}, {6, 2 * VL, 256}, {18, 4 * VL, 257}, {13, 1, 40}, {1, 3000, 3},
                {25, 33, 513}, {121, 67, 31}, {250, 40, 30}, {17, 2100, 3}, {40, 17, 600}, {33, 130, 1},
                {20, 40, 1300}, {130, 1030, 20}, {300, 70, 16}, {40, 2 * VL + 5, 9},
                // large enough to be shared out between threads on every path
                {5, 1000, 300}, {3, 2001, 301}, {300, 500, 9}, {600, 40, 100}, {130, 2100, 40},
        };
        List<Case> cases = new ArrayList<>();
        float[][] scales = {{1f, 0f}, {-0.75f, 1f}, {2f, 0.5f}, {-0.75f, 0f}, {2f, 0f}};
        int s = 0;
        for (int[] shape : shapes) {
            for (int t = 0; t < 4; t++) {
                float[] ab = scales[s++ % scales.length];
                cases.add(new Case((t & 1) != 0, (t & 2) != 0, shape[0], shape[1], shape[2], ab[0], ab[1]));
            }
        }
        return cases;
    }

    private static float[] random(Random rng, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    /** Runs one case on a padded sub-matrix layout and returns C after the call. */
    private static float[] run(GemmKernel kernel, Case cs, Parallel par, long seed) {
        return run(kernel, cs, par, seed, false);
    }

    /**
     * Runs one case and returns C after the call. Padded: operands at offsets, leading dimensions
     * wider than their rows, C's block inside a bigger array. Tight: each operand fills its array
     * exactly (offset 0, leading dimension = row length, the last element is the array's last), so
     * any read past an operand's last element throws.
     */
    private static float[] run(GemmKernel kernel, Case cs, Parallel par, long seed, boolean tight) {
        Random rng = new Random(seed);
        int aRows = cs.transA ? cs.k : cs.m;
        int aCols = cs.transA ? cs.m : cs.k;
        int bRows = cs.transB ? cs.n : cs.k;
        int bCols = cs.transB ? cs.k : cs.n;
        int lda = tight ? aCols : aCols + 3;
        int ldb = tight ? bCols : bCols + 5;
        int ldc = tight ? cs.n : cs.n + 2;
        int aOff = tight ? 0 : 7;
        int bOff = tight ? 0 : 11;
        int cOff = tight ? 0 : 13;
        float[] a = random(rng, aOff + aRows * lda);
        float[] b = random(rng, bOff + bRows * ldb);
        float[] c = random(rng, cOff + cs.m * ldc);
        if (cs.beta == 0f) {
            // beta = 0 means C's old contents are not read: NaN in the block must not survive.
            for (int i = 0; i < cs.m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + cs.n, Float.NaN);
            }
        }
        float[] c0 = c.clone();
        Sgemm.sgemm(kernel, cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, a, aOff, lda, b, bOff, ldb,
                cs.beta, c, cOff, ldc, par);
        String fault = GemmReference.mismatch(cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, a, aOff, lda,
                b, bOff, ldb, cs.beta, c0, c, cOff, ldc);
        assertNull(fault, () -> kernel.describe() + ", " + cs + ": " + fault);
        return c;
    }

    private static List<GemmKernel> kernels() {
        List<GemmKernel> kernels = new ArrayList<>(List.of(ScalarGemmKernel.INSTANCE));
        if (GemmKernels.vectorIfAvailable() != null) {
            kernels.add(GemmKernels.vectorIfAvailable());
        }
        return kernels;
    }

    /** The Vector API kernel, or the test is skipped on a CPU whose vectors are too narrow for it. */
    private static GemmKernel vectorKernel() {
        GemmKernel vector = GemmKernels.vectorIfAvailable();
        Assumptions.assumeTrue(vector != null, () -> "skipped: " + GemmKernels.describe());
        return vector;
    }

    @Test
    void testJvmEnablesTheVectorApiSoBothKernelsAreTested() {
        // surefire's argLine adds jdk.incubator.vector; without it this suite would test one kernel only.
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "surefire's argLine adds the module");
        vectorKernel();
        assertSame(VectorGemmKernel.INSTANCE, GemmKernels.selected());
        assertTrue(GemmKernels.describe().contains("Vector API"), GemmKernels.describe());
    }

    @Test
    void tightOperandsAreNeverReadPastTheirEnd() {
        long seed = 900;
        for (GemmKernel kernel : kernels()) {
            for (Case cs : cases()) {
                run(kernel, cs, THREE, seed++, true);
            }
        }
    }

    @Test
    void emptyProductsOnlyScaleC() {
        for (GemmKernel kernel : kernels()) {
            float[] c = {1, 2, 3, 4, 5};
            Sgemm.sgemm(kernel, false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2,
                    Parallel.SEQUENTIAL);
            assertArrayEquals(new float[]{0.5f, 1, 1.5f, 2, 5}, c, "k = 0: C = beta·C, " + kernel.describe());
            float[] nan = {Float.NaN, 7};
            Sgemm.sgemm(kernel, false, false, 1, 1, 3, 0f, new float[3], 0, 3, new float[3], 0, 1, 0f, nan, 0, 1,
                    Parallel.SEQUENTIAL);
            assertArrayEquals(new float[]{0, 7}, nan, "alpha = 0, beta = 0: C = 0, " + kernel.describe());
            float[] untouched = {9};
            Sgemm.sgemm(kernel, false, false, 0, 1, 3, 1f, new float[0], 0, 3, new float[3], 0, 1, 0f, untouched, 0, 1,
                    Parallel.SEQUENTIAL);
            Sgemm.sgemm(kernel, false, false, 1, 0, 3, 1f, new float[3], 0, 3, new float[0], 0, 0, 0f, untouched, 0, 0,
                    Parallel.SEQUENTIAL);
            assertArrayEquals(new float[]{9}, untouched, "m = 0 or n = 0 writes nothing, " + kernel.describe());
        }
    }

    @Test
    void everyKernelMatchesTheDefinitionOnEdgeShapes() {
        long seed = 1;
        for (GemmKernel kernel : kernels()) {
            for (Case cs : cases()) {
                run(kernel, cs, Parallel.SEQUENTIAL, seed++);
            }
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        for (GemmKernel kernel : kernels()) {
            long seed = 100;
            for (Case cs : cases()) {
                float[] one = run(kernel, cs, Parallel.SEQUENTIAL, seed);
                float[] three = run(kernel, cs, THREE, seed);
                assertArrayEquals(one, three, 0f, () -> kernel.describe() + ", " + cs);
                seed++;
            }
        }
    }

    @Test
    void bothKernelsAgreeWithEachOther() {
        GemmKernel vector = vectorKernel();
        long seed = 500;
        for (Case cs : cases()) {
            float[] v = run(vector, cs, THREE, seed);
            float[] s = run(ScalarGemmKernel.INSTANCE, cs, THREE, seed);
            for (int i = 0; i < v.length; i++) {
                // each is within (k + 4) float roundings of the exact value, so of each other too
                assertEquals(s[i], v[i], 1e-5 * Math.max(1, Math.abs(s[i])) * (cs.k + 4), cs.toString());
            }
            seed++;
        }
    }

    @Test
    void betaZeroOverwritesNanInC() {
        for (GemmKernel kernel : kernels()) {
            float[] a = {1, 2, 3, 4};
            float[] b = {1, 0, 0, 1};
            float[] c = {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, Float.NaN};
            Sgemm.sgemm(kernel, false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2, Parallel.SEQUENTIAL);
            assertArrayEquals(new float[]{1, 2, 3, 4}, c, kernel.describe());
        }
    }

    @Test
    void theReferenceCheckCatchesAPlantedError() {
        Random rng = new Random(3);
        int m = 9, n = 40, k = 70;
        float[] a = random(rng, m * k);
        float[] b = random(rng, k * n);
        float[] c0 = new float[m * n + 1];
        float[] c = c0.clone();
        Sgemm.sgemm(ScalarGemmKernel.INSTANCE, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, Parallel.SEQUENTIAL);
        assertNull(GemmReference.mismatch(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, c, 0, n));
        float[] wrong = c.clone();
        wrong[5 * n + 7] *= 1.0001f;                      // one element off in its fifth digit
        assertNotNull(GemmReference.mismatch(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, wrong, 0, n));
        float[] dropped = c.clone();
        dropped[n - 1] -= (float) (a[k - 1] * b[(k - 1) * n + n - 1]);   // the last term of one sum lost
        assertNotNull(GemmReference.mismatch(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, dropped, 0, n));
        float[] spilled = c.clone();
        spilled[m * n] = 1f;                               // a write past C's block
        assertNotNull(GemmReference.mismatch(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, spilled, 0, n));
    }

    @Test
    void theKernelSettingIsValidated() {
        assertSame(ScalarGemmKernel.INSTANCE, GemmKernels.choose("java").kernel());
        assertSame(ScalarGemmKernel.INSTANCE, GemmKernels.choose(" Java ").kernel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmKernels.choose("fast"));
        assertTrue(e.getMessage().contains("convnet4j.gemm") && e.getMessage().contains("'fast'"), e.getMessage());
        vectorKernel();
        assertSame(VectorGemmKernel.INSTANCE, GemmKernels.choose("vector").kernel());
    }
}
