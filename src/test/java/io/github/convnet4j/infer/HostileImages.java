package io.github.convnet4j.infer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/**
 * Hostile image bytes for the decoder and the HTTP example: PNGs written chunk by chunk (so a header can
 * declare any size), compressed bombs streamed without ever holding the decoded size, and corrupt
 * PNG/JPEG/GIF/BMP variants of real images (truncations, garbage behind a valid magic number, flipped bytes).
 */
public final class HostileImages {
    private HostileImages() {
    }

    /** One hostile input and what it is, for assertion messages. */
    public record Case(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    public static final int GRAY = 0;
    public static final int RGB = 2;

    /** A PNG whose IHDR declares width×height and whose image data is a few zero bytes: the header alone is the bomb. */
    public static byte[] pngHeaderBomb(int width, int height) {
        return png(width, height, 8, GRAY, deflate(new byte[16]));
    }

    /** A valid, all-black PNG of width×height, compressed about 1000:1; rows are streamed, never held whole. */
    public static byte[] blackPng(int width, int height, int bitDepth, int colorType) {
        int channels = colorType == RGB ? 3 : 1;
        byte[] row = new byte[1 + width * channels * bitDepth / 8];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (OutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
        return png(width, height, bitDepth, colorType, idat.toByteArray());
    }

    /** A PNG from its parts: signature, IHDR, one IDAT, IEND, each with its CRC. */
    public static byte[] png(int width, int height, int bitDepth, int colorType, byte[] idat) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(width);
            d.writeInt(height);
            d.writeByte(bitDepth);
            d.writeByte(colorType);
            d.writeByte(0);
            d.writeByte(0);
            d.writeByte(0);
            chunk(out, "IHDR", ihdr.toByteArray());
            chunk(out, "IDAT", idat);
            chunk(out, "IEND", new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    private static byte[] deflate(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new DeflaterOutputStream(out)) {
            z.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A small noisy RGB image encoded as the given ImageIO format ("png", "jpeg", "gif", "bmp"). */
    public static byte[] encoded(String format, int width, int height, long seed) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Length of each format's magic number: what makes ImageIO pick the format's reader. */
    private static final Map<String, Integer> MAGIC = Map.of("png", 8, "jpeg", 3, "gif", 6, "bmp", 2);

    /** Corrupt variants of a real image of each format: truncations, garbage behind the magic, garbage behind the header, flipped bytes. */
    public static List<Case> corrupt(long seed) {
        List<Case> cases = new ArrayList<>();
        Random r = new Random(seed);
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            byte[] good = encoded(format, 40, 30, seed);
            int n = good.length;
            for (int len : new int[]{1, 2, 4, 8, 16, 26, 33, 60, 100, n / 4, n / 2, 3 * n / 4, n - 12, n - 1}) {
                if (len > 0 && len < n) {
                    cases.add(new Case(format + " truncated to " + len, Arrays.copyOf(good, len)));
                }
            }
            int magic = MAGIC.get(format);
            for (int len : new int[]{16, 512, 4096}) {
                cases.add(new Case(format + " magic + " + len + " random bytes", garbageAfter(good, magic, magic + len, r)));
            }
            for (int keep : new int[]{20, 64, 200}) {
                cases.add(new Case(format + " first " + keep + " bytes kept, rest random", garbageAfter(good, Math.min(keep, n), n, r)));
            }
            for (int k = 0; k < 6; k++) {
                byte[] flipped = good.clone();
                for (int i = 0; i < 8; i++) {
                    int at = magic + r.nextInt(n - magic);
                    flipped[at] = (byte) r.nextInt(256);
                }
                cases.add(new Case(format + " 8 bytes flipped #" + k, flipped));
            }
        }
        return cases;
    }

    /**
     * A real image of the format cut at many lengths: every 1/64 of it, every one of its last 32 bytes and its first
     * 64 (the headers). A decoder must refuse each one; none of them is the whole image.
     */
    public static List<Case> truncations(String format, int width, int height, long seed) {
        byte[] good = encoded(format, width, height, seed);
        int n = good.length;
        java.util.TreeSet<Integer> lengths = new java.util.TreeSet<>();
        for (int i = 1; i < 64; i++) {
            lengths.add((int) ((long) n * i / 64));
            lengths.add(i);
        }
        for (int i = 1; i <= 32; i++) {
            lengths.add(n - i);
        }
        List<Case> cases = new ArrayList<>();
        for (int len : lengths) {
            if (len > 0 && len < n) {
                cases.add(new Case(format + " of " + n + " bytes truncated to " + len, Arrays.copyOf(good, len)));
            }
        }
        return cases;
    }

    private static byte[] garbageAfter(byte[] good, int keep, int length, Random r) {
        byte[] out = new byte[length];
        System.arraycopy(good, 0, out, 0, Math.min(keep, good.length));
        for (int i = keep; i < length; i++) {
            out[i] = (byte) r.nextInt(256);
        }
        return out;
    }

    /** A valid JPEG whose SOF header is patched to declare width×height. */
    public static byte[] jpegDeclaring(int width, int height) {
        byte[] jpeg = encoded("jpeg", 16, 16, 1);
        for (int i = 2; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) (height >> 8);
                jpeg[i + 6] = (byte) height;
                jpeg[i + 7] = (byte) (width >> 8);
                jpeg[i + 8] = (byte) width;
                return jpeg;
            }
        }
        throw new IllegalStateException("the encoded JPEG has no SOF0 marker");
    }

    /** A valid BMP whose info header is patched to declare width×height. */
    public static byte[] bmpDeclaring(int width, int height) {
        byte[] bmp = encoded("bmp", 16, 16, 1);
        putIntLE(bmp, 18, width);
        putIntLE(bmp, 22, height);
        return bmp;
    }

    /** An 8-bit RLE BMP of 16×16 whose header claims a 2 GB compressed image size. */
    public static byte[] bmpRleClaiming(int imageSize) {
        int offset = 14 + 40 + 256 * 4;
        byte[] pixels = {0, 1}; // end of bitmap
        byte[] bmp = new byte[offset + pixels.length];
        bmp[0] = 'B';
        bmp[1] = 'M';
        putIntLE(bmp, 2, bmp.length);
        putIntLE(bmp, 10, offset);
        putIntLE(bmp, 14, 40);
        putIntLE(bmp, 18, 16);
        putIntLE(bmp, 22, 16);
        bmp[26] = 1; // planes
        bmp[28] = 8; // bits per pixel
        putIntLE(bmp, 30, 1); // BI_RLE8
        putIntLE(bmp, 34, imageSize);
        putIntLE(bmp, 46, 256);
        System.arraycopy(pixels, 0, bmp, offset, pixels.length);
        return bmp;
    }

    private static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
        b[at + 2] = (byte) (v >> 16);
        b[at + 3] = (byte) (v >> 24);
    }
}
