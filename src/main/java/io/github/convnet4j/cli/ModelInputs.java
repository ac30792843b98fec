package io.github.convnet4j.cli;

import io.github.convnet4j.models.Models;
import io.github.convnet4j.tensor.Shape;
import java.util.Locale;
import java.util.Set;

/**
 * The inputs each ready-made model takes, checked before any data is read, so that a model that
 * cannot take the data set's images says so in one line instead of a layer's geometry error after
 * loading 70,000 images. {@code ModelInputsTest} checks the minimums against the real builders.
 */
final class ModelInputs {
    /**
     * SimpleConvNet: conv 5×5 without padding, then pool 2×2/2, needs 6 pixels on each side.
     */
    static final int SIMPLECONVNET_MIN_SIDE = 6;
    /**
     * AlexNet: conv1 11×11/4 (pad 2), three 3×3/2 max-pools, floor rounding: pool5 needs 3, so
     * pool2 needs 7, pool1 15 and conv1 (H + 4 − 11)/4 + 1 ≥ 15, H ≥ 63.
     */
    static final int ALEXNET_MIN_SIDE = 63;
    /**
     * The models designed for ImageNet: 3×224×224 and 1000 classes unless told otherwise (info, bench,
     * --dataset folder).
     */
    static final Set<String> IMAGENET_SHAPED = Set.of("alexnet", "vgg11", "vgg16", "vgg16-bn", "googlenet", "resnet18",
            "resnet34", "resnet50");
    /**
     * How far {@link #minSide} searches: above every minimum of today's graph models (VGG's 32 is the
     * largest), far below the sizes where the plan's activation bounds start to refuse.
     */
    static final int MIN_SIDE_SEARCH_LIMIT = 256;

    private ModelInputs() {
    }

    static void requireKnown(String model) {
        if (!Models.NAMES.contains(model.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--model '" + model + "' is unknown: expected one of " + Models.NAMES);
        }
    }

    /** The item shape for images of one's own (--dataset folder) when --input-shape is not given. */
    static Shape folderDefault(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        if (IMAGENET_SHAPED.contains(m)) {
            return Shape.of(3, 224, 224);
        }
        return m.equals("simpleconvnet") ? Shape.of(3, 32, 32) : Shape.of(1, 28, 28);
    }

    /** The classes of {@code info} and {@code bench steps} without --classes: ImageNet's 1000, or 10. */
    static int defaultClasses(String model) {
        return IMAGENET_SHAPED.contains(model.toLowerCase(Locale.ROOT)) ? 1000 : 10;
    }

    /**
     * The smallest square side a graph model takes with {@code channels} channels: the first side
     * whose plan succeeds (the plan allocates nothing, so the search costs a few milliseconds).
     * Only for models with a spec; the others have their minimums above.
     */
    static int minSide(String model, int channels) {
        for (int side = 1; side <= MIN_SIDE_SEARCH_LIMIT; side++) {
            if (plans(model, Shape.of(channels, side, side))) {
                return side;
            }
        }
        throw new IllegalStateException(model + " takes no square input up to " + MIN_SIDE_SEARCH_LIMIT + " pixels");
    }

    /** Whether a graph model's plan accepts items of {@code item} (the class count does not change the shapes). */
    static boolean plans(String model, Shape item) {
        try {
            return Models.spec(model, item, 10).isPresent();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isGraph(String model) {
        return Models.spec(model, folderDefault(model), 10).isPresent();
    }

    /** Fails unless {@code model} takes items of {@code item}; {@code data} names where they come from. */
    static void requireFits(String model, Shape item, String data) {
        String m = model.toLowerCase(Locale.ROOT);
        int side = Math.min(item.dim(1), item.dim(2));
        String shape = describe(item);
        if (m.startsWith("lenet") && !item.equals(Shape.of(1, 28, 28))) {
            throw new IllegalArgumentException("--model " + model + " takes 1x28x28 images, but " + data + " has " + shape
                    + "; use simpleconvnet or alexnet, or --input-shape 1x28x28 with --dataset folder");
        }
        if (isGraph(m)) {
            requireGraphFits(model, item, data);
            return;
        }
        int min = m.equals("alexnet") ? ALEXNET_MIN_SIDE : m.equals("simpleconvnet") ? SIMPLECONVNET_MIN_SIDE : 1;
        if (side < min) {
            throw tooSmall(model, item, data, min);
        }
    }

    /** The plan decides; the message says the minimum where the images are too small, else the plan's reason. */
    private static void requireGraphFits(String model, Shape item, String data) {
        try {
            Models.spec(model, item, 10);
        } catch (IllegalArgumentException e) {
            int min = minSide(model, item.dim(0));
            if (Math.min(item.dim(1), item.dim(2)) < min) {
                throw tooSmall(model, item, data, min);
            }
            throw new IllegalArgumentException("--model " + model + " cannot take the " + describe(item) + " images of "
                    + data + ": " + e.getMessage(), e);
        }
    }

    static String describe(Shape item) {
        return item.dim(0) + "x" + item.dim(1) + "x" + item.dim(2);
    }

    private static IllegalArgumentException tooSmall(String model, Shape item, String data, int min) {
        // A data set of fixed shape (data is "--dataset NAME") grows by zero-padding; other images are resized.
        String bigger = data.startsWith("--dataset ") ? "--pad-to " + min + " (zero-padding, centred)"
                : "--dataset folder with --input-shape " + item.dim(0) + "x" + folderDefault(model).dim(1) + "x"
                + folderDefault(model).dim(2);
        return new IllegalArgumentException("--model " + model + " needs images of at least " + min + "x" + min
                    + " pixels, but " + data + " has " + describe(item) + "; use a model for small images (lenet,"
                    + " simpleconvnet, resnet20), or " + bigger);
    }

    /** "CxHxW", e.g. 3x64x64: 1 or 3 channels, sides from 1 to 4096. */
    static Shape parse(String option, String text) {
        String[] f = text.toLowerCase(Locale.ROOT).split("x");
        try {
            if (f.length == 3) {
                int c = Integer.parseInt(f[0]);
                int h = Integer.parseInt(f[1]);
                int w = Integer.parseInt(f[2]);
                if ((c == 1 || c == 3) && h >= 1 && w >= 1 && h <= 4096 && w <= 4096) {
                    return Shape.of(c, h, w);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be CHANNELSxHEIGHTxWIDTH with 1 or 3 channels and sides of"
                + " 1 to 4096, e.g. 3x64x64; got '" + text + "'");
    }
}
