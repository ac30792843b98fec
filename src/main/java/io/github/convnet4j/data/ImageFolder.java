package io.github.convnet4j.data;

import io.github.convnet4j.infer.ImageDecoder;
import io.github.convnet4j.infer.Images;
import io.github.convnet4j.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Images of one's own, laid out as torchvision's ImageFolder: one sub-folder per class (its name is
 * the class name; classes in name order), holding PNG, JPEG, GIF or BMP files of any size, also in
 * sub-folders of their own. Each image is decoded subsampled (header pixel limit first), centre-cropped
 * to the model's aspect ratio, resized to its H×W and converted to its channels (gray or RGB).
 * Hidden files and files of other types are ignored (with a count); an image that does not decode is
 * fatal or skipped, by {@link BadImages}, and named by its path either way.
 */
public final class ImageFolder {
    /** What to do with an image file that does not decode. */
    public enum BadImages { FAIL, SKIP }

    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "gif", "bmp");

    private ImageFolder() {
    }

    /**
     * Reads {@code root}. {@code classNames} null: the classes are its sub-folders; otherwise each
     * sub-folder must be one of them (a test set read with the training set's classes).
     */
    public static Dataset read(String name, Path root, Shape itemShape, List<String> classNames, BadImages bad,
                               Consumer<String> warn) throws IOException {
        List<Path> folders = classFolders(root);
        List<String> classes = classNames;
        if (classes == null) {
            classes = folders.stream().map(p -> p.getFileName().toString()).toList();
            if (classes.size() < 2) {
                throw new DataFormatException(root + ": " + classes.size() + " class folder(s); an image folder needs one"
                        + " sub-folder per class, at least 2 (e.g. " + root.resolve("cats") + "/1.jpg and "
                        + root.resolve("dogs") + "/1.jpg)");
            }
        }
        List<Path> files = new ArrayList<>();
        List<Integer> fileLabels = new ArrayList<>();
        int ignored = 0;
        Path example = null;
        for (Path folder : folders) {
            int label = classes.indexOf(folder.getFileName().toString());
            if (label < 0) {
                throw new DataFormatException(folder + ": not one of the model's classes " + classes);
            }
            List<Path> inFolder = filesUnder(folder);
            int images = 0;
            for (Path f : inFolder) {
                if (isImage(f)) {
                    files.add(f);
                    fileLabels.add(label);
                    images++;
                } else {
                    ignored++;
                    example = example == null ? f : example;
                }
            }
            if (images == 0) {
                throw new DataFormatException(folder + ": class folder without images (expected " + String.join(", ", EXTENSIONS)
                        + " files)");
            }
        }
        if (ignored > 0) {
            warn.accept(root + ": ignored " + ignored + " file(s) that are not images by their name, e.g. " + example);
        }
        DataLimits.requireHeap(root.toString(), files.size() + " images of " + itemShape, (long) files.size() * itemShape.size());
        return decode(name, files, fileLabels, itemShape, classes, bad, warn);
    }

    /** A class whose files were all skipped would train as a class that never occurs: refuse it, by name. */
    private static void requireEveryClassKeptAnImage(String name, List<Integer> fileLabels, int[] labels, int n,
                                                     List<String> classes) throws DataFormatException {
        boolean[] kept = new boolean[classes.size()];
        for (int i = 0; i < n; i++) {
            kept[labels[i]] = true;
        }
        for (int label : new java.util.TreeSet<>(fileLabels)) {
            if (!kept[label]) {
                throw new DataFormatException(name + ": class folder '" + classes.get(label) + "' has no image that"
                        + " could be read (all skipped)");
            }
        }
    }

    private static Dataset decode(String name, List<Path> files, List<Integer> fileLabels, Shape itemShape,
                                  List<String> classes, BadImages bad, Consumer<String> warn) throws IOException {
        int per = itemShape.size();
        byte[] pixels = new byte[files.size() * per];
        int[] labels = new int[files.size()];
        int n = 0;
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            float[] values;
            try {
                values = pixels(f, itemShape);
            } catch (IOException | RuntimeException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                if (bad == BadImages.FAIL) {
                    throw new DataFormatException(why + (why.contains(f.toString()) ? "" : " (" + f + ")")
                            + "; use --bad-images skip to skip such files", e);
                }
                warn.accept("skipped " + (why.contains(f.toString()) ? why : f + ": " + why));
                continue;
            }
            for (int k = 0; k < per; k++) {
                pixels[n * per + k] = (byte) Math.round(values[k] * 255f);
            }
            labels[n++] = fileLabels.get(i);
        }
        if (n == 0) {
            throw new DataFormatException(name + ": none of the " + files.size() + " image files could be read");
        }
        requireEveryClassKeptAnImage(name, fileLabels, labels, n, classes);
        return new Dataset(name, itemShape, n == files.size() ? pixels : java.util.Arrays.copyOf(pixels, n * per),
                java.util.Arrays.copyOf(labels, n), classes);
    }

    /** One file as the model's input: decoded subsampled with its aspect ratio, centre-cropped, resized. */
    static float[] pixels(Path file, Shape itemShape) throws IOException {
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            BufferedImage img = ImageDecoder.readSubsampledKeepingAspect(in, file.toString(), itemShape.dim(2),
                    itemShape.dim(1), ImageDecoder.DEFAULT_MAX_PIXELS);
            return Images.toPixels(Images.centreCrop(img, itemShape), itemShape);
        }
    }

    private static List<Path> classFolders(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DataFormatException(root + ": no such folder (expected one sub-folder of images per class)");
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
    }

    private static List<Path> filesUnder(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).filter(p -> !hidden(p)).sorted().toList();
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }
}
