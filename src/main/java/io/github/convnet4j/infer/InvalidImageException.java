package io.github.convnet4j.infer;

import java.io.IOException;

/** Image data that cannot be decoded: not an image format ImageIO reads, or corrupt or truncated; names the source and the fault. */
public class InvalidImageException extends IOException {
    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
