package io.github.convnet4j.infer;

import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * What a {@link Classifier} needs from a model file beyond its weights, checked when the file is
 * read rather than at the first prediction: images of shape (C, H, W), one score per class, class
 * names (if any) one per score, and a normalisation (if any) with one finite mean and one std in
 * [{@value #MIN_STD}, {@value #MAX_MAGNITUDE}] per channel, so that no input can come out as NaN or
 * infinity because of the file.
 */
record ModelContract(Shape itemShape, List<String> classes, Normalization normalization) {
    static final String CLASSES_KEY = "classes";
    static final String NORMALIZATION_KEY = "normalization";
    /** The floor {@link Normalization#of} applies to a standard deviation. */
    static final float MIN_STD = 1e-6f;
    /** Largest mean or std magnitude accepted (pixels are in [0, 1]). */
    static final float MAX_MAGNITUDE = 1e6f;

    static ModelContract of(String source, SafeTensors.Contents contents) throws ModelFormatException {
        NetworkSpec spec = ModelFile.architecture(source, contents);
        Shape item = spec.shape();
        if (item.rank() != 3) {
            throw new ModelFormatException(source + ": metadata 'architecture': itemShape " + item
                    + " is not an image (C, H, W), which a Classifier needs");
        }
        Shape out;
        try {
            out = spec.plan().outputShape();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": the architecture is not accepted: " + e.getMessage(), e);
        }
        if (out.rank() != 2) {
            throw new ModelFormatException(source + ": the network's output " + out
                    + " is not one score per class (N, classes)");
        }
        return of(source, item, out.dim(1), contents.metadata());
    }

    /** The contract of an image model with {@code scores} outputs, from its metadata (a model file's, or an ONNX model's metadata_props). */
    static ModelContract of(String source, Shape item, int scores, java.util.Map<String, String> metadata)
            throws ModelFormatException {
        return new ModelContract(item, classes(source, metadata.get(CLASSES_KEY), scores),
                normalization(source, metadata.get(NORMALIZATION_KEY), item.dim(0)));
    }

    private static List<String> classes(String source, String names, int scores) throws ModelFormatException {
        if (names == null) {
            return List.of();
        }
        List<String> classes = List.of(names.split("\n", -1));
        if (classes.size() != scores || classes.stream().anyMatch(String::isEmpty)) {
            throw new ModelFormatException(source + ": metadata '" + CLASSES_KEY + "' must name each of the " + scores
                    + " classes once per line, got " + classes.size() + " lines" + (classes.contains("") ? " (some empty)" : ""));
        }
        return classes;
    }

    private static Normalization normalization(String source, String text, int channels) throws ModelFormatException {
        if (text == null) {
            return null;
        }
        String where = source + ": metadata '" + NORMALIZATION_KEY + "'";
        Normalization n;
        try {
            n = Normalization.decode(text);
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new ModelFormatException(where + " is unreadable: " + e.getMessage(), e);
        }
        if (n.mean().length != channels) {
            throw new ModelFormatException(where + " has " + n.mean().length + " channels, the model's input has "
                    + channels);
        }
        for (int c = 0; c < channels; c++) {
            float m = n.mean()[c];
            float s = n.std()[c];
            if (!(Math.abs(m) <= MAX_MAGNITUDE) || !(s >= MIN_STD && s <= MAX_MAGNITUDE)) {
                throw new ModelFormatException(where + ": channel " + c + " needs a finite mean within +-" + MAX_MAGNITUDE
                        + " and a std in [" + MIN_STD + ", " + MAX_MAGNITUDE + "], got mean " + m + " std " + s
                        + " (" + Arrays.toString(n.mean()) + "; " + Arrays.toString(n.std()) + ")");
            }
        }
        return n;
    }
}
