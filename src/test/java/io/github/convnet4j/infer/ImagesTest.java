package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.convnet4j.tensor.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Images.toPixels against Java2D's own rendering (drawImage onto an RGB image, bilinear), an
 * independent implementation of "display values, transparency over black, resampled".
 */
class ImagesTest {
    private static final int[] TYPES = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY,
        BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_USHORT_GRAY};

    @Test
    void matchesJava2dForTheStandardTypesAtTheModelsSize() {
        for (int type : TYPES) {
            BufferedImage img = noise(new BufferedImage(28, 28, type), 1);
            // Java2D rounds a colour composited with alpha to 8 bits; without alpha it copies the values exactly.
            float tolerance = img.getColorModel().hasAlpha() ? 0.5f / 255 + 1e-6f : 1e-6f;
            assertClose(java2d(img, 3, 28, 28), Images.toPixels(img, Shape.of(3, 28, 28)), tolerance, "type " + type);
            assertClose(java2d(img, 1, 28, 28), Images.toPixels(img, Shape.of(1, 28, 28)), tolerance, "gray of type " + type);
        }
    }

    @Test
    void downscalesByTwoLikeJava2dBilinear() {
        BufferedImage img = noise(new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB), 2);
        // Java2D rounds each interpolated channel to 8 bits: half a step of tolerance.
        assertClose(java2d(img, 3, 28, 28), Images.toPixels(img, Shape.of(3, 28, 28)), 0.5f / 255 + 1e-6f, "56 -> 28");
    }

    @Test
    void sixteenBitRgbIsReadWithoutConversionLikeItsEightBitTwin() {
        int w = 30;
        int h = 20;
        BufferedImage eight = noise(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), 3);
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE,
                DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = eight.getRGB(x, y);
                raster.setPixel(x, y, new int[]{((rgb >> 16) & 0xFF) * 257, ((rgb >> 8) & 0xFF) * 257, (rgb & 0xFF) * 257});
            }
        }
        BufferedImage sixteen = new BufferedImage(cm, raster, false, null);
        assertClose(Images.toPixels(eight, Shape.of(3, 28, 28)), Images.toPixels(sixteen, Shape.of(3, 28, 28)), 1e-6f, "16-bit");
    }

    @Test
    void refusesChannelCountsThatAreNotImages() {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.toPixels(img, Shape.of(2, 4, 4)));
        assertEquals("models with 2 channels do not take images", e.getMessage());
    }

    private static BufferedImage noise(BufferedImage img, long seed) {
        Random r = new Random(seed);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        if (img.getType() == BufferedImage.TYPE_USHORT_GRAY || img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // setRGB converts to linear gray; write the samples themselves instead.
            int max = img.getType() == BufferedImage.TYPE_USHORT_GRAY ? 65535 : 255;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.getRaster().setSample(x, y, 0, r.nextInt(256) * (max / 255));
                }
            }
        }
        return img;
    }

    /** The reference: Java2D draws the image onto a black RGB canvas of the model's size; gray is the ITU-R 601 luma. */
    private static float[] java2d(BufferedImage img, int channels, int h, int w) {
        BufferedImage canvas = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        float[] out = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = canvas.getRGB(x, y);
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

    private static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tolerance) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i] + " ± " + tolerance);
            }
        }
    }
}
