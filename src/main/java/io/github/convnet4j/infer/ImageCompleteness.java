package io.github.convnet4j.infer;

import java.io.IOException;
import java.util.Locale;
import javax.imageio.stream.ImageInputStream;

/**
 * Whether image data runs to its format's end, checked before decoding. The JDK's readers decode a
 * truncated file without a word when its missing part is pixels: the BMP reader leaves the missing
 * rows black, the PNG reader stops once the pixels it needs are inflated (a lost IEND is never seen),
 * the GIF reader does not look for the trailer. So the structure is walked here: PNG chunk by chunk to
 * IEND, GIF block by block to its trailer, BMP to the end of the pixel array its header declares.
 * JPEG is not walked: its decoder reports a premature end itself, as a warning that
 * {@link ImageDecoder} turns into a refusal. Only seeks and small reads: nothing is allocated from a
 * declared size.
 */
final class ImageCompleteness {
    private static final int PNG_SIGNATURE = 8;
    private static final int BMP_FILE_HEADER = 14;

    private ImageCompleteness() {
    }

    /** Refuses {@code in} (the image starting at its current position) when its {@code format} structure ends early; leaves the stream where it was. */
    static void requireComplete(ImageInputStream in, String source, String format) throws InvalidImageException {
        String why;
        try {
            long base = in.getStreamPosition();
            in.mark();
            try {
                why = switch (format.toUpperCase(Locale.ROOT)) {
                    case "PNG" -> pngShortfall(in, base);
                    case "GIF" -> gifShortfall(in, base);
                    case "BMP" -> bmpShortfall(in, base);
                    default -> null;
                };
            } finally {
                in.reset();
            }
        } catch (IOException e) {
            throw new InvalidImageException(source + ": the " + format + " data could not be read to its end", e);
        }
        if (why != null) {
            throw new InvalidImageException(source + ": truncated " + format + " data: " + why);
        }
    }

    /** Null when the chunks run to IEND, else what is missing. */
    private static String pngShortfall(ImageInputStream in, long base) throws IOException {
        long at = PNG_SIGNATURE;
        while (true) {
            in.seek(base + at);
            int length = readIntBE(in);
            int type = readIntBE(in);
            if (type == -1) {
                return "the data ends at byte " + at + " before the IEND chunk";
            }
            if (length < 0) {
                return "a chunk at byte " + at + " declares a negative length";
            }
            long end = at + 12 + Integer.toUnsignedLong(length);
            if (!hasByteAt(in, base + end - 1)) {
                return "the chunk at byte " + at + " declares " + length + " bytes of data, more than remain";
            }
            if (type == 0x49454E44) { // "IEND"
                return null;
            }
            at = end;
        }
    }

    /** Null when the blocks run to the trailer (0x3B), else what is missing. */
    private static String gifShortfall(ImageInputStream in, long base) throws IOException {
        in.seek(base + 10);
        int packed = in.read();
        if (packed < 0) {
            return "the data ends inside the header";
        }
        long at = 13 + colorTableBytes(packed);
        while (true) {
            in.seek(base + at);
            int block = in.read();
            switch (block) {
                case 0x3B -> {
                    return null;
                }
                case 0x21 -> { // extension: label, then sub-blocks
                    if (in.read() < 0) {
                        return "the data ends inside an extension at byte " + at;
                    }
                    at = skipSubBlocks(in, base, at + 2);
                }
                case 0x2C -> { // image descriptor, optional local color table, LZW code size, sub-blocks
                    in.seek(base + at + 9);
                    int imagePacked = in.read();
                    if (imagePacked < 0) {
                        return "the data ends inside an image descriptor at byte " + at;
                    }
                    at = skipSubBlocks(in, base, at + 10 + colorTableBytes(imagePacked) + 1);
                }
                case -1 -> {
                    return "the data ends at byte " + at + " before the trailer";
                }
                default -> {
                    return "byte " + at + " is 0x" + Integer.toHexString(block) + ", not a block or the trailer";
                }
            }
            if (at < 0) {
                return "the data ends inside the image data";
            }
        }
    }

    /** The position after a run of sub-blocks ending with a zero length, or -1 when the data ends first. */
    private static long skipSubBlocks(ImageInputStream in, long base, long at) throws IOException {
        while (true) {
            in.seek(base + at);
            int size = in.read();
            if (size < 0) {
                return -1;
            }
            if (size == 0) {
                return at + 1;
            }
            at += 1 + size;
        }
    }

    private static int colorTableBytes(int packed) {
        return (packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0;
    }

    /** Null when the pixel array the header declares is all there, else what is missing. */
    private static String bmpShortfall(ImageInputStream in, long base) throws IOException {
        in.seek(base + 10);
        long pixelOffset = Integer.toUnsignedLong(readIntLE(in));
        int infoSize = readIntLE(in);
        // Through the image size field of the info header (or the bit count of the OS/2 core header).
        if (infoSize == -1 || !hasByteAt(in, base + BMP_FILE_HEADER + (infoSize == 12 ? 12 : 24) - 1)) {
            return "the data ends inside the header";
        }
        long width;
        long height;
        int bitsPerPixel;
        int compression = 0;
        long imageSize = 0;
        if (infoSize == 12) { // OS/2 core header: 16-bit sizes, never compressed
            width = readShortLE(in);
            height = readShortLE(in);
            readShortLE(in);
            bitsPerPixel = readShortLE(in);
        } else {
            width = readIntLE(in);
            height = readIntLE(in);
            readShortLE(in);
            bitsPerPixel = readShortLE(in);
            compression = readIntLE(in);
            imageSize = Integer.toUnsignedLong(readIntLE(in));
        }
        // Uncompressed (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS): rows padded to 4 bytes; compressed: the declared size.
        boolean uncompressed = compression == 0 || compression == 3 || compression == 6;
        long pixelBytes = uncompressed ? (Math.abs(width) * bitsPerPixel + 31) / 32 * 4 * Math.abs(height) : imageSize;
        if (pixelBytes > 0 && !hasByteAt(in, base + pixelOffset + pixelBytes - 1)) {
            return "the header declares " + pixelBytes + " bytes of pixels from byte " + pixelOffset + ", more than the data holds";
        }
        return null;
    }

    /** Whether the data reaches {@code position}; the stream stays where it was. */
    private static boolean hasByteAt(ImageInputStream in, long position) throws IOException {
        long length = in.length();
        if (length >= 0) {
            return position < length;
        }
        long back = in.getStreamPosition();
        in.seek(position);
        boolean there = in.read() >= 0;
        in.seek(back);
        return there;
    }

    /** A big-endian int, or -1 when the data ends first (a length of -1 is refused by the caller either way). */
    private static int readIntBE(ImageInputStream in) throws IOException {
        int a = in.read();
        int b = in.read();
        int c = in.read();
        int d = in.read();
        return (a | b | c | d) < 0 ? -1 : a << 24 | b << 16 | c << 8 | d;
    }

    /** A little-endian int; the data ending first reads as -1 bytes, which the callers see as an impossible size. */
    private static int readIntLE(ImageInputStream in) throws IOException {
        int a = in.read();
        int b = in.read();
        int c = in.read();
        int d = in.read();
        return (a | b | c | d) < 0 ? -1 : d << 24 | c << 16 | b << 8 | a;
    }

    private static int readShortLE(ImageInputStream in) throws IOException {
        int a = in.read();
        int b = in.read();
        return (a | b) < 0 ? -1 : b << 8 | a;
    }
}
