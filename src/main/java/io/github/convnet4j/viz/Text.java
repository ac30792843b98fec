package io.github.convnet4j.viz;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;

/** Labels on the pictures. A headless JVM without fonts still gets the picture, just without its words. */
final class Text {
    static final Font PLAIN = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font BOLD = new Font(Font.SANS_SERIF, Font.BOLD, 13);

    private Text() {
    }

    static void prepare(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(PLAIN);
    }

    /** Draws {@code s} with its baseline at y; does nothing where no font can be loaded. */
    static void draw(Graphics2D g, String s, int x, int y) {
        try {
            g.drawString(s, x, y);
        } catch (RuntimeException | Error e) {
            // No fonts on this machine: keep the picture without the label.
        }
    }

    /** The width of {@code s} in the current font, or an estimate where no font can be loaded. */
    static int width(Graphics2D g, String s) {
        try {
            return g.getFontMetrics().stringWidth(s);
        } catch (RuntimeException | Error e) {
            return 7 * s.length();
        }
    }
}
