package io.github.convnet4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.Evaluation;
import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pictures' geometry and colours: nearest-neighbour blocks, light grid lines, captions, the heat map's cells. */
class PicturesTest {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @Test
    void leNetFiltersAreEightfoldBlocksBetweenLightGridLines() {
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 42)) {
            BufferedImage img = Pictures.filters(net, 8);
            // 6 filters of 5×5 at 8×: six 40-pixel tiles and seven 2-pixel lines across, one row under the caption.
            assertEquals(6 * 40 + 7 * 2, img.getWidth());
            assertEquals(Pictures.CAPTION + 40 + 2 * 2, img.getHeight());
            int top = Pictures.CAPTION;
            for (int y = top; y < img.getHeight(); y++) {
                for (int line = 0; line <= 6; line++) {
                    for (int dx = 0; dx < 2; dx++) {
                        assertLight(img.getRGB(line * 42 + dx, y), "vertical grid line " + line + " at y " + y);
                    }
                }
            }
            for (int x = 0; x < img.getWidth(); x++) {
                assertLight(img.getRGB(x, top), "top grid line at x " + x);
                assertLight(img.getRGB(x, img.getHeight() - 1), "bottom grid line at x " + x);
            }
            float[] w = net.parameter("conv1.weight").value().toArray();
            int minAt = 0;
            int maxAt = 0;
            for (int i = 1; i < 25; i++) {
                minAt = w[i] < w[minAt] ? i : minAt;
                maxAt = w[i] > w[maxAt] ? i : maxAt;
            }
            for (int i = 0; i < 25; i++) {
                int x0 = 2 + (i % 5) * 8;
                int y0 = top + 2 + (i / 5) * 8;
                int rgb = img.getRGB(x0, y0);
                for (int d = 0; d < 64; d++) {
                    assertEquals(rgb, img.getRGB(x0 + d % 8, y0 + d / 8), "filter 0, value " + i + " is one flat 8×8 block");
                }
                for (int j = 0; j < 25; j++) {
                    if (w[j] < w[i]) {
                        assertTrue(gray(img.getRGB(2 + (j % 5) * 8, top + 2 + (j / 5) * 8)) <= gray(rgb), "lower is darker");
                    }
                }
            }
            assertEquals(0, gray(img.getRGB(2 + (minAt % 5) * 8, top + 2 + (minAt / 5) * 8)), "the lowest weight is black");
            assertEquals(255, gray(img.getRGB(2 + (maxAt % 5) * 8, top + 2 + (maxAt / 5) * 8)), "the highest is white");
            assertEquals(16, Pictures.filterScale(net), "a 5×5 filter is drawn 80 pixels wide by default");
            assertThrows(IllegalArgumentException.class, () -> Pictures.filters(net, 0));
        }
    }

    @Test
    void featureMapsAreCaptionedWithTheTrueClassAndThePrediction() {
        // softmax(0, ln 3, 0) = (1/5, 3/5, 1/5)
        float[] scores = {0f, (float) Math.log(3), 0f};
        assertEquals("true: cat, predicted: dog (60.0 %)", Pictures.caption("cat", List.of("cat", "dog", "eel"), scores));
        assertEquals("predicted: class 1 (60.0 %)", Pictures.caption(null, List.of(), scores));
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 42);
             Tensor x = cpu.tensor(new float[28 * 28], Shape.of(1, 1, 28, 28))) {
            BufferedImage img = Pictures.featureMaps(net, x, "7", DIGITS, 3, 16);
            assertTrue(img.getHeight() > Pictures.CAPTION + 28 * 3, "caption band above the input row");
            if (GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0) {
                assertTrue(hasColour(img, 0, Pictures.CAPTION), "the caption is written (red or green) above the maps");
            }
        }
    }

    /** A graph network: every node's map is drawn while it is live (liveness reuses the memory after). */
    @Test
    void featureMapsOfAResidualNetworkShowEveryNode() {
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = io.github.convnet4j.models.CifarResNet.resnet20(cpu, Shape.of(1, 28, 28), 10, 1);
             Tensor x = cpu.tensor(new float[28 * 28], Shape.of(1, 1, 28, 28))) {
            java.util.List<String> seen = new java.util.ArrayList<>();
            net.forwardObserved(x, (name, t) -> seen.add(name));
            assertEquals(net.graph().nodes().size(), seen.size());
            BufferedImage many = Pictures.featureMaps(net, x, null, DIGITS, 1, 1);
            BufferedImage plain = Pictures.featureMaps(net, x, null, DIGITS, 1, 1);
            assertEquals(many.getHeight(), plain.getHeight(), "the same rows each time");
            assertTrue(many.getHeight() > 50 * 28, "a row per 4-D node (over 50 of them): " + many.getHeight());
        }
    }

    @Test
    void confusionHeatMapShadesEachCellByItsShareOfTheRow() {
        int[][] m = {{8, 2, 0}, {0, 10, 0}, {0, 0, 0}};
        BufferedImage img = Pictures.confusion(new Evaluation(m, List.of("cat", "dog", "eel")));
        int cell = ConfusionHeatMap.CELL;
        int x0 = img.getWidth() - 10 - 3 * cell;
        int y0 = img.getHeight() - 10 - 3 * cell;
        assertEquals(new Color(8, 48, 107).getRGB(), img.getRGB(x0 + cell + 3, y0 + cell + 3), "10 of 10: darkest");
        assertEquals(Color.WHITE.getRGB(), img.getRGB(x0 + 2 * cell + 3, y0 + 3), "0 of 10: white");
        assertEquals(Color.WHITE.getRGB(), img.getRGB(x0 + 2 * cell + 3, y0 + 2 * cell + 3), "an empty row stays white");
        Color share = new Color(img.getRGB(x0 + cell + 3, y0 + 3));
        // 2 of 10 = 0.2 of the way from white (255) to (8, 48, 107)
        assertEquals(Math.round(255 - 0.2 * (255 - 8)), share.getRed(), 1);
        assertEquals(Math.round(255 - 0.2 * (255 - 107)), share.getBlue(), 1);
    }

    private static void assertLight(int rgb, String where) {
        Color c = new Color(rgb);
        assertTrue(c.getRed() >= 200 && c.getGreen() >= 200 && c.getBlue() >= 200, where + " is light: " + c);
    }

    private static int gray(int rgb) {
        return rgb & 0xff;
    }

    private static boolean hasColour(BufferedImage img, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                Color c = new Color(img.getRGB(x, y));
                if (Math.abs(c.getRed() - c.getGreen()) > 60) {
                    return true;
                }
            }
        }
        return false;
    }
}
