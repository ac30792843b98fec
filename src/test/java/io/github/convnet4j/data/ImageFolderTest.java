package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.tensor.Shape;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    private Dataset read(Path root, Shape shape, ImageFolder.BadImages bad) throws Exception {
        return ImageFolder.read("mine", root, shape, null, bad, warnings::add);
    }

    @Test
    void classesAreTheSubFoldersInNameOrderAndImagesTakeTheModelsShape() throws Exception {
        Path root = ImageFolders.stripes(dir.resolve("img"), 6);
        Files.writeString(root.resolve("h").resolve("notes.txt"), "not an image");
        Files.writeString(root.resolve("v").resolve(".DS_Store"), "hidden");
        Dataset gray = read(root, Shape.of(1, 28, 28), ImageFolder.BadImages.FAIL);
        assertEquals(List.of("h", "v"), gray.classNames());
        assertEquals(12, gray.size());
        assertEquals(Shape.of(1, 28, 28), gray.itemShape());
        assertEquals(6, java.util.Arrays.stream(gray.labels()).filter(l -> l == 1).count());
        assertEquals(List.of(root + ": ignored 1 file(s) that are not images by their name, e.g. "
                + root.resolve("h").resolve("notes.txt")), warnings);
        Dataset rgb = read(root, Shape.of(3, 16, 20), ImageFolder.BadImages.FAIL);
        assertEquals(12 * 3 * 16 * 20, rgb.pixels().length);
    }

    /** A wide image is centre-cropped to the model's aspect ratio, not squeezed: its black sides are cut off. */
    @Test
    void wideImagesAreCentreCropped() throws Exception {
        Path root = dir.resolve("crop");
        for (String cls : new String[]{"a", "b"}) {
            BufferedImage img = new BufferedImage(90, 30, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(30, 0, 30, 30); // the centre square is white, the sides black
            g.dispose();
            ImageIO.write(img, "png", Files.createDirectories(root.resolve(cls)).resolve("1.png").toFile());
        }
        Dataset d = read(root, Shape.of(1, 10, 10), ImageFolder.BadImages.FAIL);
        for (int i = 0; i < 100; i++) {
            assertEquals(1f, d.item(0)[i], 0.02f, "pixel " + i);
        }
    }

    @Test
    void aBadImageIsNamedAndFatalOrSkippedAsChosen() throws Exception {
        Path root = ImageFolders.stripes(dir.resolve("img"), 4);
        Path bad = Files.write(root.resolve("v").resolve("broken.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        DataFormatException e = assertThrows(DataFormatException.class, () -> read(root, Shape.of(1, 28, 28),
                ImageFolder.BadImages.FAIL));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().endsWith("; use --bad-images skip to skip"
                + " such files"), e.getMessage());
        Dataset d = read(root, Shape.of(1, 28, 28), ImageFolder.BadImages.SKIP);
        assertEquals(8, d.size());
        assertTrue(warnings.size() == 1 && warnings.get(0).startsWith("skipped " + bad + ": "), warnings.toString());
    }

    @Test
    void aFolderThatIsNoImageFolderSaysWhatIsExpected() throws Exception {
        Path one = Files.createDirectories(dir.resolve("one").resolve("cats"));
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", one.resolve("1.png").toFile());
        DataFormatException e = assertThrows(DataFormatException.class, () -> read(dir.resolve("one"), Shape.of(1, 8, 8),
                ImageFolder.BadImages.FAIL));
        assertTrue(e.getMessage().startsWith(dir.resolve("one") + ": 1 class folder(s); an image folder needs one sub-folder"
                + " per class, at least 2"), e.getMessage());
        Files.createDirectories(dir.resolve("one").resolve("dogs"));
        e = assertThrows(DataFormatException.class, () -> read(dir.resolve("one"), Shape.of(1, 8, 8),
                ImageFolder.BadImages.FAIL));
        assertEquals(dir.resolve("one").resolve("dogs") + ": class folder without images (expected png, jpg, jpeg, gif, bmp"
                + " files)", e.getMessage());
        e = assertThrows(DataFormatException.class, () -> ImageFolder.read("t", dir.resolve("one"), Shape.of(1, 8, 8),
                List.of("birds", "dogs"), ImageFolder.BadImages.FAIL, warnings::add));
        assertEquals(one + ": not one of the model's classes [birds, dogs]", e.getMessage());
    }

    @Test
    void withoutATestFolder20PercentIsHeldOutTheSameWayEveryTime() throws Exception {
        Path root = ImageFolders.stripes(dir.resolve("img"), 10);
        DataSources.Split a = DataSources.folder(root, null, Shape.of(1, 28, 28), null, ImageFolder.BadImages.FAIL, warnings::add);
        DataSources.Split b = DataSources.folder(root, null, Shape.of(1, 28, 28), List.of("h", "v"),
                ImageFolder.BadImages.FAIL, warnings::add);
        assertEquals(16, a.train().size());
        assertEquals(4, a.test().size());
        assertTrue(java.util.Arrays.equals(a.test().pixels(), b.test().pixels()), "eval sees training's held-out images");
        assertTrue(a.source().endsWith("(image folder, 2 classes, 4 of 20 images held out for test)"), a.source());
        DataSources.Split t = DataSources.folder(root, root, Shape.of(1, 28, 28), null, ImageFolder.BadImages.FAIL,
                warnings::add);
        assertEquals(20, t.train().size());
        assertEquals(20, t.test().size());
    }
}
