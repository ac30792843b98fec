package io.github.convnet4j.data;

import java.util.Arrays;

/**
 * Per-channel standardisation applied after scaling pixels to [0, 1]: (x − mean[c]) / std[c].
 * Computed from the training set and stored with the model, so inference prepares inputs the same way.
 */
public record Normalization(float[] mean, float[] std) {

    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normalisation std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Mean and standard deviation of each channel over a whole data set. */
    public static Normalization of(Dataset data) {
        if (data.size() == 0) {
            throw new IllegalArgumentException(data.name() + ": no images to compute the normalisation from");
        }
        int channels = data.itemShape().dim(0);
        int plane = data.itemShape().size() / channels;
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        byte[] px = data.pixels();
        for (int i = 0; i < px.length; i++) {
            int c = (i / plane) % channels;
            double v = (px[i] & 0xFF) / 255.0;
            sum[c] += v;
            sumSq[c] += v * v;
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        double count = (double) px.length / channels;
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / count;
            mean[c] = (float) m;
            std[c] = (float) Math.max(1e-6, Math.sqrt(Math.max(0, sumSq[c] / count - m * m)));
        }
        return new Normalization(mean, std);
    }

    /** Scales item pixels (CHW bytes) into dst at offset, normalised. */
    public void apply(byte[] pixels, int from, int channels, int plane, float[] dst, int offset) {
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            int base = from + c * plane;
            int out = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                dst[out + i] = ((pixels[base + i] & 0xFF) / 255f - m) * inv;
            }
        }
    }

    /** The same for values already scaled to [0, 1]. */
    public void apply(float[] values, int channels, int plane, float[] dst, int offset) {
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            for (int i = 0; i < plane; i++) {
                dst[offset + c * plane + i] = (values[c * plane + i] - m) * inv;
            }
        }
    }

    public String encode() {
        return Arrays.toString(mean) + ";" + Arrays.toString(std);
    }

    public static Normalization decode(String text) {
        String[] parts = text.split(";");
        if (parts.length != 2) {
            throw new IllegalArgumentException("bad normalisation '" + text + "'");
        }
        return new Normalization(floats(parts[0]), floats(parts[1]));
    }

    private static float[] floats(String list) {
        String inner = list.trim().replace("[", "").replace("]", "");
        String[] items = inner.split(",");
        float[] out = new float[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = Float.parseFloat(items[i].trim());
        }
        return out;
    }
}
