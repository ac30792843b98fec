package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * AlexNet's PCA lighting, checked from its definition: the colour shift s (in [0, 1] pixel units)
 * is Σ_k α_k·λ_k·p_k with α_k ~ N(0, σ²), so the coordinate p_kᵀs / λ_k of the shift along each
 * principal component has standard deviation σ, however the image was normalised.
 */
class ColorJitterTest {
    /** ImageNet's RGB eigenvalues and eigenvectors (columns) for pixels in [0, 1] (Krizhevsky et al., fb.resnet.torch). */
    private static final double[] LAMBDA = {0.2175, 0.0188, 0.0045};
    private static final double[][] P = {
            {-0.5675, 0.7192, 0.4009},
            {-0.5808, -0.0045, -0.8140},
            {-0.5836, -0.6948, 0.4203}};
    private static final double SIGMA = 0.1;
    private static final int DRAWS = 4000;

    /** The std of each component's α, recovered from the shifts of jittered 3×1×2 images. */
    private static double[] jitteredAlphaStd(Normalization norm) {
        Augmentation jitter = new Augmentation(0, false, (float) SIGMA);
        SplittableRandom rng = new SplittableRandom(42);
        float[] base = {0.3f, -0.2f, 0.1f, 0.5f, -0.4f, 0.0f};
        double[][] shifts = new double[DRAWS][3];
        for (int d = 0; d < DRAWS; d++) {
            float[] img = base.clone();
            jitter.apply(img, 0, 3, 1, 2, norm, rng, new float[img.length]);
            for (int c = 0; c < 3; c++) {
                double shifted = img[2 * c] - base[2 * c];
                shifts[d][c] = norm == null ? shifted : shifted * norm.std()[c];
            }
        }
        return alphaStd(shifts);
    }

    /** The std of each component's α from colour shifts in pixel units: α_k = p_kᵀs / λ_k. */
    private static double[] alphaStd(double[][] pixelShifts) {
        double[] sumSq = new double[3];
        for (double[] pixelShift : pixelShifts) {
            for (int k = 0; k < 3; k++) {
                double along = 0;
                for (int c = 0; c < 3; c++) {
                    along += P[c][k] * pixelShift[c];
                }
                double alpha = along / LAMBDA[k];
                sumSq[k] += alpha * alpha;
            }
        }
        double[] std = new double[3];
        for (int k = 0; k < 3; k++) {
            std[k] = Math.sqrt(sumSq[k] / pixelShifts.length);
        }
        return std;
    }

    @Test
    void jitterOnPixelsHasTheIntendedStrength() {
        double[] std = jitteredAlphaStd(null);
        for (int k = 0; k < 3; k++) {
            // The sample std of 4,000 normal draws is within 5 % of σ with overwhelming probability.
            assertEquals(SIGMA, std[k], 0.05 * SIGMA, "component " + k);
        }
    }

    /** With CIFAR-like stds (~0.25) a shift left in normalised units would be four times too weak. */
    @Test
    void jitterOnNormalisedImagesIsInPixelUnits() {
        Normalization norm = new Normalization(new float[]{0.49f, 0.48f, 0.45f}, new float[]{0.25f, 0.24f, 0.26f});
        double[] std = jitteredAlphaStd(norm);
        for (int k = 0; k < 3; k++) {
            assertEquals(SIGMA, std[k], 0.05 * SIGMA, "component " + k);
        }
    }

    /** The training loader jitters the images it has normalised, so it must pass the normalisation on. */
    @Test
    void batchLoaderJittersInPixelUnits() {
        SplittableRandom rng = new SplittableRandom(3);
        byte[] pixels = new byte[DRAWS * 6];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) rng.nextInt(256);
        }
        Dataset data = new Dataset("rgb", io.github.convnet4j.tensor.Shape.of(3, 1, 2), pixels, new int[DRAWS],
                java.util.List.of("only"));
        Normalization norm = Normalization.of(data);
        float[] plain;
        float[] jittered;
        try (BatchLoader l = new BatchLoader(data, DRAWS, false, 7, norm, Augmentation.NONE)) {
            l.startEpoch(0);
            plain = l.next().images().clone();
        }
        try (BatchLoader l = new BatchLoader(data, DRAWS, false, 7, norm, new Augmentation(0, false, (float) SIGMA))) {
            l.startEpoch(0);
            jittered = l.next().images().clone();
        }
        double[][] shifts = new double[DRAWS][3];
        for (int d = 0; d < DRAWS; d++) {
            for (int c = 0; c < 3; c++) {
                shifts[d][c] = (jittered[d * 6 + 2 * c] - plain[d * 6 + 2 * c]) * norm.std()[c];
            }
        }
        double[] std = alphaStd(shifts);
        for (int k = 0; k < 3; k++) {
            assertEquals(SIGMA, std[k], 0.05 * SIGMA, "component " + k);
        }
    }
}
