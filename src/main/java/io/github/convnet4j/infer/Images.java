package io.github.convnet4j.infer;

import io.github.convnet4j.tensor.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Converts images to a model's input: its channel count (gray or RGB) and size, pixels in [0, 1], CHW. */
public final class Images {
    private Images() {
    }

    public static float[] toPixels(BufferedImage image, Shape itemShape) {
        int channels = itemShape.dim(0);
        int h = itemShape.dim(1);
        int w = itemShape.dim(2);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("models with " + channels + " channels do not take images");
        }
        BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, w, h, null);
        g.dispose();
        float[] out = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = scaled.getRGB(x, y);
                float r = ((rgb >> 16) & 0xFF) / 255f;
                float gr = ((rgb >> 8) & 0xFF) / 255f;
                float b = (rgb & 0xFF) / 255f;
                if (channels == 1) {
                    out[y * w + x] = 0.299f * r + 0.587f * gr + 0.114f * b;
                } else {
                    out[y * w + x] = r;
                    out[h * w + y * w + x] = gr;
                    out[2 * h * w + y * w + x] = b;
                }
            }
        }
        return out;
    }
}
