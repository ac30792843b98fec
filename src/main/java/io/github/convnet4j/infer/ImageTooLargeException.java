package io.github.convnet4j.infer;

/** An image whose header declares more pixels than the decoder accepts; refused before any pixel is decoded. */
public final class ImageTooLargeException extends InvalidImageException {
    /** An exception whose message names the source, its declared size and the limit. */
    public ImageTooLargeException(String message) {
        super(message);
    }
}
