package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untrusted image bytes: corrupt data is an InvalidImageException, oversized headers are refused before decoding, bombs decode subsampled. */
class ImageDecoderTest {
    private static final Shape GRAY28 = Shape.of(1, 28, 28);

    @TempDir
    Path dir;

    @Test
    void everyCorruptImageIsAnInvalidImageExceptionNamingTheSource() {
        List<HostileImages.Case> cases = HostileImages.corrupt(7);
        int refused = 0;
        for (HostileImages.Case c : cases) {
            try {
                assertEquals(784, ImageDecoder.toPixels(c.bytes(), c.name(), GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS).length, c.name());
            } catch (InvalidImageException e) {
                assertTrue(e.getMessage().startsWith(c.name() + ": "), e.getMessage());
                refused++;
            } catch (RuntimeException | Error e) {
                fail(c + " escaped as " + e, e);
            }
        }
        assertTrue(refused > cases.size() / 2, refused + " of " + cases.size() + " refused");
        InvalidImageException text = assertThrows(InvalidImageException.class,
                () -> ImageDecoder.toPixels("not an image".getBytes(StandardCharsets.US_ASCII), "body", GRAY28, 100));
        assertTrue(text.getMessage().contains("body: not an image"), text.getMessage());
    }

    /** A truncated file is refused, never classified from its first rows (the JPEG reader only warns, the BMP reader is silent). */
    @Test
    void everyTruncationOfEveryFormatIsRefused() {
        List<String> accepted = new ArrayList<>();
        List<String> classNames = new ArrayList<>();
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            for (HostileImages.Case c : HostileImages.truncations(format, 64, 48, 3)) {
                try {
                    ImageDecoder.toPixels(c.bytes(), c.name(), GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS);
                    accepted.add(c.name());
                } catch (InvalidImageException e) {
                    assertTrue(e.getMessage().startsWith(c.name() + ": "), e.getMessage());
                    if (e.getMessage().contains("Exception") || e.getMessage().contains("javax.")) {
                        classNames.add(e.getMessage());
                    }
                }
            }
        }
        assertEquals(List.of(), accepted, "classified although truncated");
        assertEquals(List.of(), classNames, "Java class names in the messages");
    }

    /** The completeness check must not refuse what is whole, and holds for files too (where the stream knows its length). */
    @Test
    void wholeImagesPassTheTruncationCheckAndTruncatedFilesAreRefused() throws Exception {
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            byte[] whole = HostileImages.encoded(format, 64, 48, 3);
            assertEquals(784, assertDecodes(whole, ImageDecoder.DEFAULT_MAX_PIXELS).length, format);
            Path file = dir.resolve("whole." + format);
            Files.write(file, whole);
            assertEquals(784, ImageDecoder.toPixels(file, GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS).length, format);
            Path cut = dir.resolve("cut." + format);
            Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 1));
            InvalidImageException e = assertThrows(InvalidImageException.class,
                    () -> ImageDecoder.toPixels(cut, GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS), format);
            assertTrue(e.getMessage().startsWith(cut + ": ") && e.getMessage().contains("truncated"), e.getMessage());
        }
        // The reviewer's case: the first 2000 bytes of a larger BMP, whose header is whole and whose pixels are not.
        InvalidImageException bmp = assertThrows(InvalidImageException.class, () -> ImageDecoder.toPixels(
                java.util.Arrays.copyOf(HostileImages.encoded("bmp", 200, 200, 1), 2000), "head.bmp", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertEquals("head.bmp: truncated BMP data: the header declares 120000 bytes of pixels from byte 54, more than the data holds",
                bmp.getMessage());
        InvalidImageException jpeg = assertThrows(InvalidImageException.class, () -> ImageDecoder.toPixels(
                java.util.Arrays.copyOf(HostileImages.encoded("jpeg", 200, 200, 1), 2000), "head.jpg", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertTrue(jpeg.getMessage().startsWith("head.jpg: corrupt or truncated JPEG data: the decoder warned"), jpeg.getMessage());
    }

    @Test
    void headersDeclaringTooManyPixelsAreRefusedBeforeDecoding() {
        byte[] png = HostileImages.pngHeaderBomb(30_000, 30_000);
        assertTrue(png.length < 80, png.length + " bytes");
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                () -> ImageDecoder.toPixels(png, "bomb.png", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertTrue(e.getMessage().contains("bomb.png: the PNG image is 30000×30000 = 900000000 pixels"), e.getMessage());
        assertThrows(ImageTooLargeException.class,
                () -> ImageDecoder.toPixels(HostileImages.jpegDeclaring(60_000, 60_000), "j", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        // The JDK's BMP reader already refuses a header whose size disagrees with its data; either way it is refused.
        assertThrows(InvalidImageException.class,
                () -> ImageDecoder.toPixels(HostileImages.bmpDeclaring(20_000, 20_000), "b", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        // One side over MAX_SIDE is refused even under the pixel limit: the decoders' row buffers grow with the width.
        assertThrows(ImageTooLargeException.class,
                () -> ImageDecoder.toPixels(HostileImages.pngHeaderBomb(1_000_000, 1), "wide", GRAY28, ImageDecoder.DEFAULT_MAX_PIXELS));
        // The limit is the caller's: a 40×30 image passes 1200 pixels and not 1199.
        byte[] small = HostileImages.encoded("png", 40, 30, 3);
        assertEquals(784, assertDecodes(small, 1200).length);
        assertThrows(ImageTooLargeException.class, () -> ImageDecoder.toPixels(small, "s", GRAY28, 1199));
    }

    @Test
    void bmpClaimingAHugeCompressedSizeIsRefusedWithoutAllocatingIt() {
        InvalidImageException e = assertThrows(InvalidImageException.class,
                () -> ImageDecoder.toPixels(HostileImages.bmpRleClaiming(Integer.MAX_VALUE - 16), "rle.bmp", GRAY28,
                        ImageDecoder.DEFAULT_MAX_PIXELS));
        assertTrue(e.getMessage().startsWith("rle.bmp: "), e.getMessage());
    }

    @Test
    void decodesSubsampledToAboutTheModelsSize() throws Exception {
        byte[] png = HostileImages.encoded("png", 1000, 800, 5);
        BufferedImage img = ImageDecoder.readSubsampled(new MemoryCacheImageInputStream(new ByteArrayInputStream(png)), "p", 28, 28,
                ImageDecoder.DEFAULT_MAX_PIXELS);
        assertTrue(img.getWidth() >= 28 && img.getWidth() < 56 && img.getHeight() >= 28 && img.getHeight() < 56,
                img.getWidth() + "x" + img.getHeight());
        // Smaller than the model: no subsampling at all.
        BufferedImage tiny = ImageDecoder.readSubsampled(new MemoryCacheImageInputStream(new ByteArrayInputStream(
                HostileImages.encoded("gif", 10, 7, 5))), "g", 28, 28, ImageDecoder.DEFAULT_MAX_PIXELS);
        assertEquals(10, tiny.getWidth());
        assertEquals(7, tiny.getHeight());
        Path file = dir.resolve("photo.jpg");
        Files.write(file, HostileImages.encoded("jpeg", 300, 200, 5));
        assertEquals(3 * 32 * 32, ImageDecoder.toPixels(file, Shape.of(3, 32, 32), ImageDecoder.DEFAULT_MAX_PIXELS).length);
        assertThrows(IOException.class, () -> ImageDecoder.toPixels(dir.resolve("missing.png"), GRAY28, 100));
        assertThrows(IllegalArgumentException.class, () -> ImageDecoder.toPixels(png, "p", Shape.of(2, 28, 28), 100));
    }

    /** 96 MB-at-full-size bombs decode in a 48 MB heap; plain ImageIO.read dies there, which shows the limit bites. */
    @Test
    void compressedBombsDecodeInASmallHeap() throws Exception {
        String bounded = runSmallHeap("bounded");
        assertTrue(bounded.contains("decoded 29x29 from gray") && bounded.contains("decoded 29x29 from 16-bit"), bounded);
        assertTrue(bounded.contains("max 0.0"), bounded);
        assertTrue(bounded.contains("refused 30000x30000 header: ") && bounded.contains("refused RLE BMP claiming 2 GB: "), bounded);
        System.out.println(bounded);
        String plain = runSmallHeap("imageio");
        assertTrue(plain.contains("OutOfMemoryError"), plain);
        assertFalse(plain.contains("decoded"), plain);
    }

    private static float[] assertDecodes(byte[] image, long maxPixels) {
        try {
            return ImageDecoder.toPixels(image, "image", GRAY28, maxPixels);
        } catch (InvalidImageException e) {
            throw new AssertionError(e);
        }
    }

    private static String runSmallHeap(String mode) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-cp", System.getProperty("java.class.path"), SmallHeapDecode.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail("the small-heap decode did not finish within 60 s");
            }
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }
}
