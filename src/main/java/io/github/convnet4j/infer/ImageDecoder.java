package io.github.convnet4j.infer;

import io.github.convnet4j.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes untrusted image bytes (PNG, JPEG, GIF, BMP) into a model's input with bounded memory.
 *
 * <p>{@code ImageIO.read} trusts the header: a 69-byte PNG declaring 30000×30000 makes it allocate
 * 858 MB, and a decoded 16-bit image is several times its compressed size. Here the dimensions are
 * read from the header first and refused above {@code maxPixels} (or {@link #MAX_SIDE} on either
 * side, which bounds the decoders' row buffers), and the decode itself is subsampled so that the
 * image held in memory is at most about twice the model's input on each side; {@link Images} then
 * resamples it to the exact size without a full-size copy. The readers decode row by row, so memory
 * stays proportional to the image's width plus that small result (progressive JPEG is the exception:
 * its decoder buffers coefficients for the whole image, which the pixel limit bounds).
 *
 * <p>Every failure of the data is an {@link InvalidImageException} naming the source: the JDK's
 * readers throw {@code IIOException} and, on some corrupt inputs, runtime exceptions such as
 * {@code ArrayIndexOutOfBoundsException}; both are the data's fault, not the caller's. The message
 * says what is wrong in words (the exception stays chained as the cause, for the log). Truncated data
 * is refused too, not decoded with its missing part black or grey: see {@link ImageCompleteness}, and
 * the reader's warnings (the JPEG reader's only sign of a premature end) are refusals.
 */
public final class ImageDecoder {
    /** 25 megapixels: a 6000×4000 photograph passes. */
    public static final long DEFAULT_MAX_PIXELS = 25_000_000L;
    /** Longest side accepted, whatever the pixel limit. */
    public static final int MAX_SIDE = 1 << 14;

    private ImageDecoder() {
    }

    /** The image in {@code data} as a model input of {@code itemShape} (C, H, W): pixels in [0, 1], CHW. */
    public static float[] toPixels(byte[] data, String source, Shape itemShape, long maxPixels) throws InvalidImageException {
        Images.checkChannels(itemShape);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            return Images.toPixels(readSubsampled(in, source, itemShape.dim(2), itemShape.dim(1), maxPixels), itemShape);
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidImageException(source + ": the image data could not be read", e);
        }
    }

    /** The image file as a model input of {@code itemShape}; an unreadable file is an IOException, bad content an InvalidImageException. */
    public static float[] toPixels(Path file, Shape itemShape, long maxPixels) throws IOException {
        Images.checkChannels(itemShape);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            return Images.toPixels(readSubsampled(in, file.toString(), itemShape.dim(2), itemShape.dim(1), maxPixels), itemShape);
        }
    }

    /**
     * Reads the first image of {@code in}, refusing it before decoding when its header declares more
     * than {@code maxPixels} pixels or a side over {@link #MAX_SIDE}, and subsampled by the largest
     * integer factors that keep it at least {@code minWidth}×{@code minHeight} (where it is that large).
     */
    public static BufferedImage readSubsampled(ImageInputStream in, String source, int minWidth, int minHeight, long maxPixels)
            throws InvalidImageException {
        return read(in, source, minWidth, minHeight, maxPixels, false);
    }

    /**
     * As {@link #readSubsampled}, but by one factor on both axes, the largest that keeps the image at
     * least {@code minWidth} wide or {@code minHeight} high, whichever binds first: the aspect ratio
     * stays, so that a centre crop to the model's shape shows the object undistorted.
     */
    public static BufferedImage readSubsampledKeepingAspect(ImageInputStream in, String source, int minWidth, int minHeight,
                                                            long maxPixels) throws InvalidImageException {
        return read(in, source, minWidth, minHeight, maxPixels, true);
    }

    private static BufferedImage read(ImageInputStream in, String source, int minWidth, int minHeight, long maxPixels,
                                      boolean sameFactor) throws InvalidImageException {
        Iterator<ImageReader> readers;
        try {
            readers = ImageIO.getImageReaders(in);
        } catch (RuntimeException e) {
            throw new InvalidImageException(source + ": cannot tell the image format; the first bytes match no reader's", e);
        }
        if (!readers.hasNext()) {
            throw new InvalidImageException(source + ": not an image in a format ImageIO reads (PNG, JPEG, GIF, BMP)");
        }
        ImageReader reader = readers.next();
        String format = formatName(reader);
        ImageCompleteness.requireComplete(in, source, format);
        // The JPEG reader reports a file cut short ("Premature end of JPEG file") as a warning and fills the rest grey.
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        try {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkSize(source, format, width, height, maxPixels);
            ImageReadParam param = reader.getDefaultReadParam();
            int fx = Math.max(1, width / Math.max(1, minWidth));
            int fy = Math.max(1, height / Math.max(1, minHeight));
            if (sameFactor) {
                fx = fy = Math.min(fx, fy);
            }
            param.setSourceSubsampling(fx, fy, 0, 0);
            BufferedImage image = reader.read(0, param);
            if (!warnings.isEmpty()) {
                // Collected, not thrown from the listener: the JPEG reader calls it from native code mid-decode.
                throw new InvalidImageException(source + ": corrupt or truncated " + format + " data: the decoder warned "
                        + String.join("; ", warnings));
            }
            return image;
        } catch (InvalidImageException e) {
            throw e;
        } catch (IIOException e) {
            // The readers' own messages are words ("Unsupported marker type 0x.."); the class name stays in the cause.
            throw new InvalidImageException(source + ": corrupt or truncated " + format + " data: " + inWords(e), e);
        } catch (IOException | RuntimeException e) {
            // Runtime exceptions (an index out of bounds deep in a reader) say nothing a client can act on.
            throw new InvalidImageException(source + ": corrupt or truncated " + format + " data: the decoder failed on it", e);
        } finally {
            reader.dispose();
        }
    }

    private static void checkSize(String source, String format, int width, int height, long maxPixels) throws InvalidImageException {
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(source + ": the " + format + " header declares " + width + "×" + height + " pixels");
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels || width > MAX_SIDE || height > MAX_SIDE) {
            throw new ImageTooLargeException(source + ": the " + format + " image is " + width + "×" + height + " = " + pixels
                    + " pixels; at most " + maxPixels + " pixels and " + MAX_SIDE + " on a side are accepted");
        }
    }

    private static String inWords(IIOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? "the decoder failed on it" : message;
    }

    private static String formatName(ImageReader reader) {
        try {
            String[] names = reader.getOriginatingProvider().getFormatNames();
            return names.length > 0 ? names[0].toUpperCase(java.util.Locale.ROOT) : "image";
        } catch (RuntimeException e) {
            return "image";
        }
    }
}
