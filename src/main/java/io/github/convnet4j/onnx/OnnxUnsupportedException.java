package io.github.convnet4j.onnx;

import io.github.convnet4j.io.ModelFormatException;

/**
 * A well-formed ONNX model that uses something this importer does not translate: an op, an attribute
 * value, a data type. Names the node and what it would need; {@link #feature()} is the short name
 * (the op type, or "Op(detail)") that {@code onnx-check} counts.
 */
public final class OnnxUnsupportedException extends ModelFormatException {
    private final String feature;

    public OnnxUnsupportedException(String message, String feature) {
        super(message);
        this.feature = feature;
    }

    /** What is unsupported, in a few words: the op type, or the op with the attribute. */
    public String feature() {
        return feature;
    }
}
