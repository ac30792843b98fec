package io.github.convnet4j.infer;

import io.github.convnet4j.tensor.Shape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.PackedColorModel;
import java.awt.image.Raster;

/**
 * Converts images to a model's input: its channel count (gray or RGB) and size, pixels in [0, 1], CHW.
 *
 * <p>The image is resampled bilinearly (pixel centres aligned, edges clamped) straight from its own
 * raster into the model's H×W: only the output-sized array is allocated, never a full-size RGB copy
 * (Java2D's {@code drawImage} converts a 16-bit or other custom image to a full-size intermediate
 * first). Gray and colour samples are taken as display values, and transparency is composited over
 * black, as {@code drawImage} onto an RGB image did for the 8-bit types.
 */
public final class Images {
    private Images() {
    }

    /**
     * The model input for {@code image}: a new array of C·H·W floats in [0, 1], channel planes in CHW order, resampled
     * to {@code itemShape} (C, H, W) with C 1 (gray, by Rec. 601 luma) or 3 (RGB); throws
     * {@link IllegalArgumentException} for any other channel count.
     */
    public static float[] toPixels(BufferedImage image, Shape itemShape) {
        checkChannels(itemShape);
        int channels = itemShape.dim(0);
        int h = itemShape.dim(1);
        int w = itemShape.dim(2);
        ColorReader source = colorReader(image);
        Axis[] xs = axis(w, image.getWidth());
        Axis[] ys = axis(h, image.getHeight());
        float[] c00 = new float[3];
        float[] c01 = new float[3];
        float[] c10 = new float[3];
        float[] c11 = new float[3];
        float[] out = new float[channels * h * w];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            Axis ay = ys[y];
            for (int x = 0; x < w; x++) {
                Axis ax = xs[x];
                source.rgb(ax.lo, ay.lo, c00);
                source.rgb(ax.hi, ay.lo, c01);
                source.rgb(ax.lo, ay.hi, c10);
                source.rgb(ax.hi, ay.hi, c11);
                float r = bilinear(c00[0], c01[0], c10[0], c11[0], ax.weight, ay.weight);
                float g = bilinear(c00[1], c01[1], c10[1], c11[1], ax.weight, ay.weight);
                float b = bilinear(c00[2], c01[2], c10[2], c11[2], ax.weight, ay.weight);
                if (channels == 1) {
                    out[y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    out[y * w + x] = r;
                    out[plane + y * w + x] = g;
                    out[2 * plane + y * w + x] = b;
                }
            }
        }
        return out;
    }

    /** The largest centred part of {@code image} with the aspect ratio of {@code itemShape}'s H×W (a view, no copy). */
    public static BufferedImage centreCrop(BufferedImage image, Shape itemShape) {
        int h = itemShape.dim(1);
        int w = itemShape.dim(2);
        int iw = image.getWidth();
        int ih = image.getHeight();
        int cw = (int) Math.min(iw, Math.max(1, Math.round((double) ih * w / h)));
        int ch = (int) Math.min(ih, Math.max(1, Math.round((double) iw * h / w)));
        return image.getSubimage((iw - cw) / 2, (ih - ch) / 2, cw, ch);
    }

    /**
     * Whether an image's border is light: the mean of its outermost pixels (all channels) above 0.5.
     * Fashion-MNIST and MNIST show a light object on black; a photo of a dark object on white paper
     * is the opposite and needs {@link #invert} before such a model sees it.
     */
    public static boolean hasLightBackground(float[] pixels, Shape itemShape) {
        int channels = itemShape.dim(0);
        int h = itemShape.dim(1);
        int w = itemShape.dim(2);
        double sum = 0;
        int n = 0;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
                        sum += pixels[(c * h + y) * w + x];
                        n++;
                    }
                }
            }
        }
        return n > 0 && sum / n > 0.5;
    }

    /** 1 − v for every value in [0, 1], in place; returns {@code pixels}. */
    public static float[] invert(float[] pixels) {
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 1f - pixels[i];
        }
        return pixels;
    }

    /** Pixels in [0, 1], CHW with 1 or 3 channels, as an 8-bit gray or RGB image of the same size. */
    public static BufferedImage toImage(float[] pixels, Shape itemShape) {
        checkChannels(itemShape);
        int channels = itemShape.dim(0);
        int h = itemShape.dim(1);
        int w = itemShape.dim(2);
        BufferedImage img = new BufferedImage(w, h, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (channels == 1) {
                    img.getRaster().setSample(x, y, 0, toByte(pixels[i]));
                } else {
                    img.setRGB(x, y, toByte(pixels[i]) << 16 | toByte(pixels[plane + i]) << 8 | toByte(pixels[2 * plane + i]));
                }
            }
        }
        return img;
    }

    private static int toByte(float v) {
        return Math.round(Math.min(Math.max(v, 0f), 1f) * 255f);
    }

    static void checkChannels(Shape itemShape) {
        int channels = itemShape.dim(0);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("models with " + channels + " channels do not take images");
        }
    }

    /** For one output coordinate: the two source coordinates around its centre and the weight of the upper one. */
    private record Axis(int lo, int hi, float weight) {
    }

    private static Axis[] axis(int outSize, int inSize) {
        Axis[] axes = new Axis[outSize];
        double scale = (double) inSize / outSize;
        for (int i = 0; i < outSize; i++) {
            double at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
            int lo = (int) Math.floor(at);
            axes[i] = new Axis(lo, Math.min(lo + 1, inSize - 1), (float) (at - lo));
        }
        return axes;
    }

    private static float bilinear(float v00, float v01, float v10, float v11, float wx, float wy) {
        float top = v00 + (v01 - v00) * wx;
        float bottom = v10 + (v11 - v10) * wx;
        return top + (bottom - top) * wy;
    }

    /** Reads one pixel as display RGB in [0, 1], composited over black. */
    private interface ColorReader {
        void rgb(int x, int y, float[] out);
    }

    private static ColorReader colorReader(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel palette) {
            return (x, y, out) -> argb(palette.getRGB(raster.getSample(x, y, 0)), out);
        }
        int colorType = cm.getColorSpace().getType();
        boolean plainComponents = cm instanceof ComponentColorModel || cm instanceof PackedColorModel;
        if (plainComponents && colorType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            return samples(cm, raster, 0, 0, 0);
        }
        if (plainComponents && colorType == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
            return samples(cm, raster, 0, 1, 2);
        }
        // Other colour spaces (CMYK, ICC profiles...): the colour model converts one pixel at a time.
        return (x, y, out) -> argb(cm.getRGB(raster.getDataElements(x, y, null)), out);
    }

    /** Samples straight from the raster's bands, scaled by their bit depth (floating-point rasters are already in [0, 1]). */
    private static ColorReader samples(ColorModel cm, Raster raster, int red, int green, int blue) {
        boolean floating = raster.getTransferType() == DataBuffer.TYPE_FLOAT || raster.getTransferType() == DataBuffer.TYPE_DOUBLE;
        int bands = cm.getNumComponents();
        float[] scale = new float[bands];
        for (int b = 0; b < bands; b++) {
            scale[b] = floating ? 1f : 1f / ((1L << cm.getComponentSize(b)) - 1);
        }
        int alpha = cm.hasAlpha() && !cm.isAlphaPremultiplied() ? cm.getNumColorComponents() : -1;
        return (x, y, out) -> {
            float a = alpha < 0 ? 1f : raster.getSampleFloat(x, y, alpha) * scale[alpha];
            out[0] = raster.getSampleFloat(x, y, red) * scale[red] * a;
            out[1] = raster.getSampleFloat(x, y, green) * scale[green] * a;
            out[2] = raster.getSampleFloat(x, y, blue) * scale[blue] * a;
        };
    }

    private static void argb(int argb, float[] out) {
        float a = ((argb >>> 24) & 0xFF) / 255f;
        out[0] = ((argb >> 16) & 0xFF) / 255f * a;
        out[1] = ((argb >> 8) & 0xFF) / 255f * a;
        out[2] = (argb & 0xFF) / 255f * a;
    }
}
