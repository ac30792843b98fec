package io.github.convnet4j.viz;

import io.github.convnet4j.train.Evaluation;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix as a heat map: rows are the true classes, columns the predictions, each named;
 * a cell's colour is its share of the row (white 0 to dark blue 1, so the diagonal is the recall) and
 * its number the count.
 */
final class ConfusionHeatMap {
    static final int CELL = 44;
    private static final int MARGIN = 10;
    private static final int TITLE = 28;
    private static final Color LOW = Color.WHITE;
    private static final Color HIGH = new Color(8, 48, 107);
    private static final Color LINE = new Color(220, 220, 220);

    private ConfusionHeatMap() {
    }

    static BufferedImage draw(Evaluation evaluation) {
        int[][] m = evaluation.confusion();
        int k = m.length;
        List<String> names = evaluation.classes();
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        Text.prepare(probe);
        int longest = 0;
        for (String name : names) {
            longest = Math.max(longest, Text.width(probe, name));
        }
        probe.dispose();
        int rowLabels = MARGIN + 18 + longest + 8;      // "true class" (turned) + the names
        int columnLabels = TITLE + 18 + longest + 8;    // "predicted class" + the names (turned)
        int width = rowLabels + k * CELL + MARGIN;
        int height = columnLabels + k * CELL + MARGIN;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        Text.prepare(g);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(Text.BOLD);
        Text.draw(g, String.format(Locale.ROOT, "confusion matrix: accuracy %.4f on %,d images", evaluation.accuracy(),
                evaluation.total()), MARGIN, 19);
        g.setFont(Text.PLAIN);
        Text.draw(g, "predicted class", rowLabels, TITLE + 12);
        drawTurned(g, "true class", MARGIN + 12, columnLabels + k * CELL / 2 + 40);
        for (int i = 0; i < k; i++) {
            g.setColor(Color.BLACK);
            Text.draw(g, names.get(i), rowLabels - 8 - Text.width(g, names.get(i)), columnLabels + i * CELL + CELL / 2 + 5);
            drawTurned(g, names.get(i), rowLabels + i * CELL + CELL / 2 + 5, columnLabels - 8);
            int rowTotal = 0;
            for (int v : m[i]) {
                rowTotal += v;
            }
            for (int j = 0; j < k; j++) {
                double share = rowTotal == 0 ? 0 : m[i][j] / (double) rowTotal;
                int x = rowLabels + j * CELL;
                int y = columnLabels + i * CELL;
                g.setColor(shade(share));
                g.fillRect(x, y, CELL, CELL);
                g.setColor(LINE);
                g.drawRect(x, y, CELL, CELL);
                String count = Integer.toString(m[i][j]);
                g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
                Text.draw(g, count, x + (CELL - Text.width(g, count)) / 2, y + CELL / 2 + 5);
            }
        }
        g.dispose();
        return img;
    }

    /** White for 0, {@link #HIGH} for 1, linear in between. */
    static Color shade(double share) {
        double s = Math.max(0, Math.min(1, share));
        return new Color(mix(LOW.getRed(), HIGH.getRed(), s), mix(LOW.getGreen(), HIGH.getGreen(), s),
                mix(LOW.getBlue(), HIGH.getBlue(), s));
    }

    private static int mix(int a, int b, double s) {
        return (int) Math.round(a + (b - a) * s);
    }

    /** Text read bottom to top, ending at (x, y). */
    private static void drawTurned(Graphics2D g, String s, int x, int y) {
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        g.rotate(-Math.PI / 2);
        Text.draw(g, s, 0, 0);
        g.setTransform(saved);
    }
}
