package io.github.convnet4j.io;

import java.io.IOException;

/** A model or checkpoint file that is malformed, truncated or hostile; names the file and the fault. */
public class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
