package io.github.convnet4j.infer;

import java.io.IOException;

/** Image data that cannot be decoded: not an image format ImageIO reads, or corrupt or truncated; names the source and the fault. */
public class InvalidImageException extends IOException {
    /** An exception whose message names the source and what is wrong with it. */
    public InvalidImageException(String message) {
        super(message);
    }

    /** As {@link #InvalidImageException(String)}, keeping the decoder's exception as the cause. */
    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
