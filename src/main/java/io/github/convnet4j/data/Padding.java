package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.util.Locale;

/**
 * Zero-padding a data set's images to a larger size, centred: how 28×28 Fashion-MNIST or MNIST
 * reaches models whose pools need 32×32 (VGG) or 31×31 (GoogLeNet). Padding, not resizing, so
 * every pixel keeps its value and the background (0 in the MNIST family) simply grows. Where the
 * difference is odd, the extra row or column goes to the bottom or right, as torchvision's
 * {@code CenterCrop} pads an image smaller than its crop.
 */
public final class Padding {
    private Padding() {
    }

    /** {@code d}'s images zero-padded, centred, to {@code height}×{@code width} (channels unchanged). */
    public static Dataset centred(Dataset d, int height, int width) {
        Shape from = d.itemShape();
        int c = from.dim(0);
        int h = from.dim(1);
        int w = from.dim(2);
        if (height < h || width < w) {
            throw new IllegalArgumentException(d.name() + ": cannot pad " + c + "x" + h + "x" + w + " images to " + c + "x"
                    + height + "x" + width + "; padding only enlarges");
        }
        long bytes = (long) d.size() * c * height * width;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(d.name() + ": " + String.format(Locale.ROOT, "%,d", d.size()) + " images of "
                    + c + "x" + height + "x" + width + " would be " + DataLimits.mb(bytes) + ", more than one Java array"
                    + " holds (2,147 MB)");
        }
        requireHeap(d, bytes);
        int top = (height - h) / 2;
        int left = (width - w) / 2;
        byte[] src = d.pixels();
        byte[] out = new byte[(int) bytes];
        for (int item = 0; item < d.size(); item++) {
            for (int ch = 0; ch < c; ch++) {
                int srcPlane = (item * c + ch) * h * w;
                int outPlane = (item * c + ch) * height * width;
                for (int y = 0; y < h; y++) {
                    System.arraycopy(src, srcPlane + y * w, out, outPlane + (y + top) * width + left, w);
                }
            }
        }
        return new Dataset(d.name(), Shape.of(c, height, width), out, d.labels(), d.classNames());
    }

    private static void requireHeap(Dataset d, long bytes) {
        try {
            DataLimits.requireHeap(d.name(), "the padded images", bytes);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
