package io.github.convnet4j.data;

import java.io.IOException;

/** A data file that is not what it claims: names the file and what is wrong. */
public final class DataFormatException extends IOException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
