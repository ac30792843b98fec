package io.github.convnet4j.viz;

import io.github.convnet4j.nn.Convolution;
import io.github.convnet4j.nn.Layer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.EpochRecord;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The pictures of the book's chapter: first-layer filters as a grid of gray tiles, the feature
 * maps of one input after each layer, and training curves (with XChart).
 */
public final class Pictures {
    private static final int GAP = 2;

    private Pictures() {
    }

    /** The first convolution's filters, each scaled to its own min..max (dark low, light high), one tile per filter and input channel. */
    public static BufferedImage filters(Network net, int scale) {
        Convolution conv = (Convolution) net.layers().stream().filter(l -> l instanceof Convolution).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the network has no convolution"));
        Shape s = conv.weight().shape();
        float[] w = conv.weight().value().toArray();
        int k = s.dim(0);
        int c = s.dim(1);
        int fh = s.dim(2);
        int fw = s.dim(3);
        int cols = Math.min(k, 10);
        int rows = (k + cols - 1) / cols;
        int tileW = fw * scale;
        int tileH = fh * scale;
        BufferedImage img = new BufferedImage(cols * (tileW + GAP) + GAP, rows * c * (tileH + GAP) + GAP,
                BufferedImage.TYPE_INT_RGB);
        fill(img, Color.WHITE);
        for (int f = 0; f < k; f++) {
            for (int ch = 0; ch < c; ch++) {
                int off = (f * c + ch) * fh * fw;
                int x0 = GAP + (f % cols) * (tileW + GAP);
                int y0 = GAP + ((f / cols) * c + ch) * (tileH + GAP);
                drawPlane(img, w, off, fh, fw, x0, y0, scale);
            }
        }
        return img;
    }

    /** For one input (C, H, W), every layer's output as rows of channel tiles. */
    public static BufferedImage featureMaps(Network net, Tensor input, int scale, int maxChannels) {
        List<float[]> planes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<int[]> dims = new ArrayList<>();
        Tensor t = input;
        addPlanes("input", t, maxChannels, planes, names, dims);
        for (Layer layer : net.layers()) {
            t = layer.forward(t, false);
            if (t.rank() == 4) {
                addPlanes(layer.name(), t, maxChannels, planes, names, dims);
            }
        }
        int width = 0;
        int height = 0;
        int labelW = 80;
        List<int[]> rowsMeta = new ArrayList<>();
        for (int r = 0; r < names.size(); r++) {
            int[] d = dims.get(r);
            int rowW = labelW + d[0] * (d[2] * scale + GAP);
            width = Math.max(width, rowW);
            rowsMeta.add(new int[]{height});
            height += d[1] * scale + 3 * GAP;
        }
        BufferedImage img = new BufferedImage(width + GAP, height + GAP, BufferedImage.TYPE_INT_RGB);
        fill(img, Color.WHITE);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int r = 0; r < names.size(); r++) {
            int[] d = dims.get(r);
            int y0 = rowsMeta.get(r)[0] + GAP;
            try {
                g.drawString(names.get(r), 4, y0 + d[1] * scale / 2 + 4);
            } catch (RuntimeException | Error e) {
                // Headless machines without fonts still get the tiles.
            }
            float[] data = planes.get(r);
            for (int ch = 0; ch < d[0]; ch++) {
                drawPlane(img, data, ch * d[1] * d[2], d[1], d[2], labelW + ch * (d[2] * scale + GAP), y0, scale);
            }
        }
        g.dispose();
        return img;
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

    /** Training curves: loss, and train/test/validation accuracy per epoch. */
    public static BufferedImage curves(List<EpochRecord> history) {
        double[] epochs = history.stream().mapToDouble(EpochRecord::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(640).height(300).title("loss").xAxisTitle("epoch").yAxisTitle("loss").build();
        loss.addSeries("training loss", epochs, history.stream().mapToDouble(EpochRecord::loss).toArray());
        XYChart acc = new XYChartBuilder().width(640).height(300).title("accuracy").xAxisTitle("epoch")
                .yAxisTitle("accuracy").build();
        acc.addSeries("train", epochs, history.stream().mapToDouble(EpochRecord::trainAccuracy).toArray());
        acc.addSeries("test", epochs, history.stream().mapToDouble(EpochRecord::testAccuracy).toArray());
        if (history.stream().noneMatch(r -> Double.isNaN(r.validationAccuracy()))) {
            acc.addSeries("validation", epochs, history.stream().mapToDouble(EpochRecord::validationAccuracy).toArray());
        }
        BufferedImage top = BitmapEncoder.getBufferedImage(loss);
        BufferedImage bottom = BitmapEncoder.getBufferedImage(acc);
        BufferedImage img = new BufferedImage(640, 600, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.drawImage(top, 0, 0, null);
        g.drawImage(bottom, 0, 300, null);
        g.dispose();
        return img;
    }

    public static void writePng(BufferedImage img, Path file) throws IOException {
        io.github.convnet4j.io.AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private static void drawPlane(BufferedImage img, float[] data, int off, int h, int w, int x0, int y0, int scale) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < h * w; i++) {
            min = Math.min(min, data[off + i]);
            max = Math.max(max, data[off + i]);
        }
        float range = max - min > 1e-12f ? max - min : 1f;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.round(255 * (data[off + y * w + x] - min) / range);
                int rgb = (v << 16) | (v << 8) | v;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                    }
                }
            }
        }
    }

    private static void fill(BufferedImage img, Color c) {
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
    }
}
