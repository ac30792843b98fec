package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.infer.Images;
import io.github.convnet4j.tensor.Shape;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A photo of a dark object on white is inverted for a model trained on dark backgrounds, says so, and shows its input. */
class PredictPhotoTest {
    private static final String INVERTED = " (light background: inverted, as the model was trained on dark ones;"
            + " --no-auto-invert to turn this off)";

    @TempDir
    Path dir;

    private static Path photo(Path file, Color background, Color object) throws Exception {
        BufferedImage img = new BufferedImage(120, 100, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 120, 100);
        g.setColor(object);
        g.fillRect(40, 20, 40, 60);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** The predictions of a line, without the image's name. */
    private static String predictions(String out) {
        return out.strip().replaceAll("^.*?:  ", "");
    }

    @Test
    void aLightBackgroundIsInvertedAndTheInputCanBeSaved() throws Exception {
        Path model = CliRun.lenetModel(dir.resolve("lenet.safetensors"));
        Path boot = photo(dir.resolve("boot.png"), Color.WHITE, Color.BLACK);
        Path seen = dir.resolve("seen.png");
        CliRun.Result r = CliRun.run("predict", model.toString(), boot.toString(), "--save-input", seen.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(boot + INVERTED + " (the model's input written to " + seen + "):"), r.out());
        BufferedImage in = ImageIO.read(seen.toFile());
        assertEquals(28, in.getWidth());
        assertEquals(28, in.getHeight());
        assertEquals(0, in.getRaster().getSample(0, 0, 0), "the white border became black");
        assertEquals(255, in.getRaster().getSample(14, 14, 0), "the black object became white");

        // The same as giving the model the inverted photo with inversion off.
        Path negative = photo(dir.resolve("negative.png"), Color.BLACK, Color.WHITE);
        CliRun.Result manual = CliRun.run("predict", model.toString(), negative.toString(), "--no-auto-invert");
        assertEquals(predictions(manual.out()), predictions(r.out()));

        r = CliRun.run("predict", model.toString(), boot.toString(), "--no-auto-invert", "--save-input", seen.toString());
        assertFalse(r.out().contains("inverted"), r.out());
        assertEquals(255, ImageIO.read(seen.toFile()).getRaster().getSample(0, 0, 0), "left as it was");

        r = CliRun.run("predict", model.toString(), negative.toString());
        assertFalse(r.out().contains("inverted"), "a dark background is what the model knows: " + r.out());
    }

    /** The detector itself, on planted borders. */
    @Test
    void theBorderDecidesWhetherTheBackgroundIsLight() {
        Shape s = Shape.of(1, 4, 4);
        float[] lightBorder = new float[16];
        java.util.Arrays.fill(lightBorder, 0.9f);
        lightBorder[5] = lightBorder[6] = lightBorder[9] = lightBorder[10] = 0f; // a dark centre
        assertTrue(Images.hasLightBackground(lightBorder, s));
        assertFalse(Images.hasLightBackground(Images.invert(lightBorder.clone()), s));
        float[] darkBorderLightCentre = new float[16];
        darkBorderLightCentre[5] = darkBorderLightCentre[6] = darkBorderLightCentre[9] = darkBorderLightCentre[10] = 1f;
        assertFalse(Images.hasLightBackground(darkBorderLightCentre, s), "a light object alone does not count");
    }
}
