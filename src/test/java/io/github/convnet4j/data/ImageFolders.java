package io.github.convnet4j.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small image folders for tests: class "h" (horizontal stripes) and "v" (vertical), in several sizes and formats. */
public final class ImageFolders {
    private ImageFolders() {
    }

    /** {@code perClass} images per class, PNG and JPEG, RGB and gray, 24 to 60 pixels on a side. */
    public static Path stripes(Path root, int perClass) throws IOException {
        for (String cls : new String[]{"h", "v"}) {
            Path folder = Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < perClass; i++) {
                int w = 24 + (i * 7) % 37;
                int h = 24 + (i * 11) % 29;
                BufferedImage img = new BufferedImage(w, h, i % 2 == 0 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
                Graphics2D g = img.createGraphics();
                g.setColor(Color.WHITE);
                int period = 4 + i % 3;
                for (int k = i % period; k < Math.max(w, h); k += period * 2) {
                    if (cls.equals("h")) {
                        g.fillRect(0, k, w, period);
                    } else {
                        g.fillRect(k, 0, period, h);
                    }
                }
                g.dispose();
                String format = i % 3 == 0 ? "jpg" : "png";
                ImageIO.write(img, format.equals("jpg") ? "jpeg" : "png", folder.resolve(cls + i + "." + format).toFile());
            }
        }
        return root;
    }
}
