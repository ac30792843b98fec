package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.convnet4j.tensor.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Zero-padding, centred, against independent definitions: torchvision's CenterCrop and AWT's raster copy. */
class PaddingTest {
    private static final List<String> TWO = List.of("a", "b");

    /**
     * torchvision 0.14's {@code transforms.CenterCrop((6, 8))} of a 2×3×5 uint8 tensor holding 1..30
     * (printed by /usr/bin/python3 on this machine): one row on top, two below, one column left, two right.
     */
    private static final int[][] TORCHVISION_CENTER_CROP_6X8 = {
        {0, 0, 0, 0, 0, 0, 0, 0}, {0, 1, 2, 3, 4, 5, 0, 0}, {0, 6, 7, 8, 9, 10, 0, 0}, {0, 11, 12, 13, 14, 15, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0}, {0, 16, 17, 18, 19, 20, 0, 0}, {0, 21, 22, 23, 24, 25, 0, 0}, {0, 26, 27, 28, 29, 30, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}};

    @Test
    void oddDifferencesPadAsTorchvisionsCenterCrop() {
        byte[] px = new byte[30];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i + 1);
        }
        Dataset d = new Dataset("t", Shape.of(2, 3, 5), px, new int[]{1}, TWO);
        Dataset p = Padding.centred(d, 6, 8);
        assertEquals(Shape.of(2, 6, 8), p.itemShape());
        byte[] expected = new byte[2 * 6 * 8];
        for (int row = 0; row < 12; row++) {
            for (int x = 0; x < 8; x++) {
                expected[row * 8 + x] = (byte) TORCHVISION_CENTER_CROP_6X8[row][x];
            }
        }
        assertArrayEquals(expected, p.pixels());
        assertArrayEquals(new int[]{1}, p.labels());
    }

    @Test
    void theBundledSamplePaddedTo32EqualsAwtsRasterCopyPixelForPixel() throws Exception {
        Dataset test = DataSources.bundledSample().test().head(50);
        Dataset padded = Padding.centred(test, 32, 32);
        assertEquals(Shape.of(1, 32, 32), padded.itemShape());
        assertArrayEquals(test.labels(), padded.labels());
        assertEquals(test.classNames(), padded.classNames());
        for (int i = 0; i < test.size(); i++) {
            byte[] item = Arrays.copyOfRange(padded.pixels(), i * 1024, (i + 1) * 1024);
            assertArrayEquals(rasterPadded(test, i, 2), item, "item " + i);
        }
    }

    /** The reference can fail: the same image placed one pixel off is told apart. */
    @Test
    void theReferenceTellsAnOffByOnePlacementApart() throws Exception {
        Dataset test = DataSources.bundledSample().test().head(1);
        byte[] item = Padding.centred(test, 32, 32).pixels();
        assertFalse(Arrays.equals(rasterPadded(test, 0, 1), item));
        assertFalse(Arrays.equals(rasterPadded(test, 0, 3), item));
    }

    /** Item {@code i} (1×28×28) copied by AWT into a black 32×32 gray image at ({@code offset}, {@code offset}). */
    private static byte[] rasterPadded(Dataset d, int i, int offset) {
        BufferedImage small = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        small.getRaster().setDataElements(0, 0, 28, 28, Arrays.copyOfRange(d.pixels(), i * 784, (i + 1) * 784));
        BufferedImage big = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = big.getRaster();
        r.setRect(offset, offset, small.getRaster());
        return (byte[]) r.getDataElements(0, 0, 32, 32, null);
    }

    @Test
    void theSameSizeIsACopyAndSmallerOrHugeSizesAreRefusedBeforeAllocating() {
        Dataset d = new Dataset("t", Shape.of(1, 2, 2), new byte[]{1, 2, 3, 4}, new int[]{0}, TWO);
        assertArrayEquals(d.pixels(), Padding.centred(d, 2, 2).pixels());
        var e = assertThrows(IllegalArgumentException.class, () -> Padding.centred(d, 1, 4));
        assertEquals("t: cannot pad 1x2x2 images to 1x1x4; padding only enlarges", e.getMessage());
        Dataset many = new Dataset("many", Shape.of(1, 1, 1), new byte[60_000], new int[60_000], TWO);
        e = assertThrows(IllegalArgumentException.class, () -> Padding.centred(many, 4096, 4096));
        assertEquals("many: 60,000 images of 1x4096x4096 would be 1006633.0 MB, more than one Java array holds"
                + " (2,147 MB)", e.getMessage());
        assertSame(IllegalArgumentException.class, e.getClass());
    }
}
