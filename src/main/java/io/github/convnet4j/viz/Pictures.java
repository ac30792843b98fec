package io.github.convnet4j.viz;

import io.github.convnet4j.nn.Convolution;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.EpochRecord;
import io.github.convnet4j.train.Evaluation;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The pictures of the book's chapter: first-layer filters as a grid of tiles, the feature maps of one
 * input after each layer, training curves (with XChart), and the confusion matrix as a heat map.
 * Values are drawn nearest-neighbour (one block of scale × scale pixels each, no smoothing) between
 * light grid lines, as in the book's figure.
 */
public final class Pictures {
    /** Width of the light lines between and around the tiles. */
    public static final int GRID = 2;
    /** The colour of those lines: light, so that they part the tiles without being mistaken for a value. */
    public static final Color GRID_COLOR = new Color(215, 215, 215);
    /** Height of the caption band above the tiles. */
    public static final int CAPTION = 20;
    private static final int FILTER_COLUMNS = 8;
    private static final int TARGET_TILE = 80;
    private static final int LABEL_WIDTH = 80;
    private static final Color WRONG = new Color(180, 0, 0);
    private static final Color RIGHT = new Color(0, 110, 0);

    private Pictures() {
    }

    /** The scale that draws a filter of this size about 80 pixels wide (16× for 5×5, 7× for 11×11). */
    public static int filterScale(Network net) {
        Shape s = firstConvolution(net).weight().shape();
        return Math.max(1, TARGET_TILE / Math.max(s.dim(2), s.dim(3)));
    }

    /**
     * The first convolution's filters, {@value #FILTER_COLUMNS} to a row under a caption: one colour tile
     * per filter when it reads RGB input (scaled over the whole filter), else one gray tile per filter and
     * input channel (each scaled to its own min..max: dark low, light high).
     */
    public static BufferedImage filters(Network net, int scale) {
        requirePositive(scale);
        Convolution conv = firstConvolution(net);
        Shape s = conv.weight().shape();
        float[] w = conv.weight().value().toArray();
        int k = s.dim(0);
        int c = s.dim(1);
        int fh = s.dim(2);
        int fw = s.dim(3);
        boolean rgb = c == 3;
        int tilesPerFilter = rgb ? 1 : c;
        int cols = Math.min(k, FILTER_COLUMNS);
        int rows = (k + cols - 1) / cols * tilesPerFilter;
        int tileW = fw * scale;
        int tileH = fh * scale;
        int gridW = cols * (tileW + GRID) + GRID;
        BufferedImage img = new BufferedImage(gridW, CAPTION + rows * (tileH + GRID) + GRID, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        Text.prepare(g);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), CAPTION);
        g.setColor(GRID_COLOR);
        g.fillRect(0, CAPTION, img.getWidth(), img.getHeight() - CAPTION);
        g.setColor(Color.BLACK);
        Text.draw(g, String.format(Locale.ROOT, "%s: %d filters %d×%d×%d", conv.name(), k, c, fh, fw), 4, CAPTION - 6);
        g.dispose();
        for (int f = 0; f < k; f++) {
            for (int tile = 0; tile < tilesPerFilter; tile++) {
                int x0 = GRID + (f % cols) * (tileW + GRID);
                int y0 = CAPTION + GRID + ((f / cols) * tilesPerFilter + tile) * (tileH + GRID);
                if (rgb) {
                    drawRgbPlane(img, w, f * 3 * fh * fw, fh, fw, x0, y0, scale);
                } else {
                    drawPlane(img, w, (f * c + tile) * fh * fw, fh, fw, x0, y0, scale);
                }
            }
        }
        return img;
    }

    /**
     * For one input (1, C, H, W), every layer's output as a row of channel tiles (at most maxChannels),
     * under a caption naming the input's true class and the model's prediction.
     *
     * @param trueClass the input's class name, or null when unknown
     * @param classes   the model's class names, to name the prediction (an index where they are missing)
     */
    public static BufferedImage featureMaps(Network net, Tensor input, String trueClass, List<String> classes, int scale,
                                            int maxChannels) {
        requirePositive(scale);
        List<float[]> planes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<int[]> dims = new ArrayList<>();
        addPlanes("input", input, maxChannels, planes, names, dims);
        float[] scores = net.forwardObserved(input, (name, t) -> {
            if (t.rank() == 4) {
                addPlanes(name, t, maxChannels, planes, names, dims);
            }
        }).toArray();
        int width = 0;
        int height = CAPTION;
        int[] rowTop = new int[names.size()];
        for (int r = 0; r < names.size(); r++) {
            int[] d = dims.get(r);
            width = Math.max(width, LABEL_WIDTH + d[0] * (d[2] * scale + GRID) + GRID);
            rowTop[r] = height;
            height += d[1] * scale + 2 * GRID;
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        Text.prepare(g);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int predicted = argmax(scores);
        String predictedName = predicted < classes.size() ? classes.get(predicted) : "class " + predicted;
        g.setColor(trueClass == null ? Color.BLACK : trueClass.equals(predictedName) ? RIGHT : WRONG);
        g.setFont(Text.BOLD);
        Text.draw(g, caption(trueClass, classes, scores), 4, CAPTION - 6);
        g.setFont(Text.PLAIN);
        for (int r = 0; r < names.size(); r++) {
            int[] d = dims.get(r);
            int y0 = rowTop[r] + GRID;
            g.setColor(GRID_COLOR);
            g.fillRect(LABEL_WIDTH, rowTop[r], d[0] * (d[2] * scale + GRID) + GRID, d[1] * scale + 2 * GRID);
            g.setColor(Color.BLACK);
            Text.draw(g, names.get(r), 4, y0 + d[1] * scale / 2 + 4);
            float[] data = planes.get(r);
            for (int ch = 0; ch < d[0]; ch++) {
                drawPlane(img, data, ch * d[1] * d[2], d[1], d[2], LABEL_WIDTH + GRID + ch * (d[2] * scale + GRID), y0,
                        scale);
            }
        }
        g.dispose();
        return img;
    }

    /** "true: Sneaker, predicted: Sandal (71.2 %)", from the scores (logits) of one input. */
    static String caption(String trueClass, List<String> classes, float[] scores) {
        int best = argmax(scores);
        double sum = 0;
        for (float s : scores) {
            sum += Math.exp(s - scores[best]);
        }
        String name = best < classes.size() ? classes.get(best) : "class " + best;
        String prediction = String.format(Locale.ROOT, "predicted: %s (%.1f %%)", name, 100 / sum);
        return trueClass == null ? prediction : "true: " + trueClass + ", " + prediction;
    }

    /** Training curves: loss, and train/test/validation accuracy per epoch (needs XChart on the class path). */
    public static BufferedImage curves(List<EpochRecord> history) {
        try {
            Class.forName(TrainingCurves.LIBRARY_CLASS, false, Pictures.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("drawing training curves needs XChart (org.knowm.xchart:xchart:3.8.8) on"
                    + " the class path; the runnable convnet4j.jar has it", e);
        }
        return TrainingCurves.draw(history);
    }

    /** The confusion matrix as a heat map with the class names on both axes. */
    public static BufferedImage confusion(Evaluation evaluation) {
        return ConfusionHeatMap.draw(evaluation);
    }

    public static void writePng(BufferedImage img, Path file) throws IOException {
        io.github.convnet4j.io.AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private static Convolution firstConvolution(Network net) {
        return (Convolution) net.layers().stream().filter(l -> l instanceof Convolution).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the network has no convolution"));
    }

    private static void requirePositive(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be >= 1 pixel per value, got " + scale);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void addPlanes(String name, Tensor t, int maxChannels, List<float[]> planes, List<String> names,
                                  List<int[]> dims) {
        float[] all = t.toArray();
        int c = Math.min(maxChannels, t.dim(1));
        int h = t.dim(2);
        int w = t.dim(3);
        float[] first = new float[c * h * w];
        System.arraycopy(all, 0, first, 0, first.length); // item 0
        planes.add(first);
        names.add(name);
        dims.add(new int[]{c, h, w});
    }

    /** One h × w plane in gray, scaled to its own min..max, each value a scale × scale block. */
    private static void drawPlane(BufferedImage img, float[] data, int off, int h, int w, int x0, int y0, int scale) {
        float[] range = range(data, off, h * w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = level(data[off + y * w + x], range);
                fillBlock(img, x0 + x * scale, y0 + y * scale, scale, (v << 16) | (v << 8) | v);
            }
        }
    }

    /** Three h × w planes (R, G, B) as one colour tile, scaled together over the filter's min..max. */
    private static void drawRgbPlane(BufferedImage img, float[] data, int off, int h, int w, int x0, int y0, int scale) {
        float[] range = range(data, off, 3 * h * w);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = off + y * w + x;
                int rgb = (level(data[i], range) << 16) | (level(data[i + plane], range) << 8)
                        | level(data[i + 2 * plane], range);
                fillBlock(img, x0 + x * scale, y0 + y * scale, scale, rgb);
            }
        }
    }

    private static float[] range(float[] data, int off, int n) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, data[off + i]);
            max = Math.max(max, data[off + i]);
        }
        return new float[]{min, max - min > 1e-12f ? max - min : 1f};
    }

    private static int level(float value, float[] range) {
        return Math.round(255 * (value - range[0]) / range[1]);
    }

    private static void fillBlock(BufferedImage img, int x0, int y0, int scale, int rgb) {
        for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) {
                img.setRGB(x0 + dx, y0 + dy, rgb);
            }
        }
    }
}
