package io.github.convnet4j.data;

import java.util.SplittableRandom;

/**
 * Training-time augmentation on normalised CHW floats: a random crop of the image padded by
 * {@code cropPadding} zeros on each side, a horizontal flip with probability ½, and for RGB
 * AlexNet's colour jitter (the "PCA lighting" of Krizhevsky et al.: Σ_k α_k·λ_k·p_k added to every
 * pixel, α_k ~ N(0, colorJitter²), with ImageNet's eigenvalues λ_k and eigenvectors p_k of the RGB
 * covariance of pixels scaled to [0, 1]). That shift is in pixel units; on an image standardised
 * with a {@link Normalization} it is divided by the channel's std, so the jitter has the intended
 * strength whatever the normalisation.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip, float colorJitter) {
    public static final Augmentation NONE = new Augmentation(0, false, 0f);

    private static final float[] EIGVAL = {0.2175f, 0.0188f, 0.0045f};
    private static final float[][] EIGVEC = {
            {-0.5675f, 0.7192f, 0.4009f},
            {-0.5808f, -0.0045f, -0.8140f},
            {-0.5836f, -0.6948f, 0.4203f}};

    public boolean isNone() {
        return cropPadding == 0 && !horizontalFlip && colorJitter == 0f;
    }

    /** Augments one item whose values are pixels scaled to [0, 1] (not standardised) in place. */
    public void apply(float[] item, int offset, int channels, int height, int width, SplittableRandom rng, float[] scratch) {
        apply(item, offset, channels, height, width, null, rng, scratch);
    }

    /**
     * Augments one item in place; {@code scratch} holds at least one item.
     *
     * @param normalization how the item was standardised (the colour shift is divided by its std),
     *                      or null for pixels scaled to [0, 1]
     */
    public void apply(float[] item, int offset, int channels, int height, int width, Normalization normalization,
                      SplittableRandom rng, float[] scratch) {
        int plane = height * width;
        if (cropPadding > 0) {
            int dy = rng.nextInt(2 * cropPadding + 1) - cropPadding;
            int dx = rng.nextInt(2 * cropPadding + 1) - cropPadding;
            System.arraycopy(item, offset, scratch, 0, channels * plane);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < height; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < width; x++) {
                        int sx = x + dx;
                        item[offset + c * plane + y * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width
                                ? scratch[c * plane + sy * width + sx] : 0f;
                    }
                }
            }
        }
        if (horizontalFlip && rng.nextBoolean()) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < height; y++) {
                    int row = offset + c * plane + y * width;
                    for (int x = 0; x < width / 2; x++) {
                        float t = item[row + x];
                        item[row + x] = item[row + width - 1 - x];
                        item[row + width - 1 - x] = t;
                    }
                }
            }
        }
        if (colorJitter > 0 && channels == 3) {
            float[] alpha = {(float) (gaussian(rng) * colorJitter), (float) (gaussian(rng) * colorJitter),
                    (float) (gaussian(rng) * colorJitter)};
            for (int c = 0; c < 3; c++) {
                float shift = 0;
                for (int k = 0; k < 3; k++) {
                    shift += EIGVEC[c][k] * alpha[k] * EIGVAL[k];
                }
                if (normalization != null) {
                    shift /= normalization.std()[c];
                }
                for (int i = 0; i < plane; i++) {
                    item[offset + c * plane + i] += shift;
                }
            }
        }
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u = 1.0 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
