package io.github.convnet4j.infer;

import io.github.convnet4j.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Run by {@link ImageDecoderTest} in a JVM with a small heap (-Xmx48m): decodes compressed bombs that
 * would need 96 MB and more at full size. Prints "decoded WxH ..." per image, or dies of OutOfMemoryError.
 * Mode "bounded" goes through {@link ImageDecoder}; mode "imageio" through plain ImageIO.read, to show
 * that the heap limit does bite.
 */
public final class SmallHeapDecode {
    private SmallHeapDecode() {
    }

    public static void main(String[] args) throws Exception {
        // 10000×10000 8-bit gray (95 MB decoded) under a raised pixel limit, and 4000×4000 16-bit RGB (92 MB decoded,
        // 183 MB as the RGB copy the old path made) under the default one.
        byte[] gray = HostileImages.blackPng(10_000, 10_000, 8, HostileImages.GRAY);
        byte[] deep = HostileImages.blackPng(4_000, 4_000, 16, HostileImages.RGB);
        if (args[0].equals("imageio")) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(deep));
            System.out.println("decoded " + img.getWidth() + "x" + img.getHeight() + " with plain ImageIO");
            return;
        }
        refuse("30000x30000 header", HostileImages.pngHeaderBomb(30_000, 30_000));
        refuse("RLE BMP claiming 2 GB", HostileImages.bmpRleClaiming(Integer.MAX_VALUE - 16));
        decode("gray " + gray.length + " bytes", gray, 100_000_000L);
        decode("16-bit " + deep.length + " bytes", deep, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    private static void refuse(String what, byte[] image) {
        try {
            ImageDecoder.toPixels(image, what, Shape.of(1, 28, 28), ImageDecoder.DEFAULT_MAX_PIXELS);
            System.out.println("accepted " + what);
        } catch (InvalidImageException e) {
            System.out.println("refused " + e.getMessage());
        }
    }

    private static void decode(String what, byte[] png, long maxPixels) throws Exception {
        BufferedImage img = ImageDecoder.readSubsampled(new MemoryCacheImageInputStream(new ByteArrayInputStream(png)), what, 28, 28,
                maxPixels);
        float[] pixels = ImageDecoder.toPixels(png, what, Shape.of(3, 28, 28), maxPixels);
        float max = 0;
        for (float p : pixels) {
            max = Math.max(max, p);
        }
        System.out.println("decoded " + img.getWidth() + "x" + img.getHeight() + " from " + what + ", " + pixels.length
                + " values, max " + max);
    }
}
