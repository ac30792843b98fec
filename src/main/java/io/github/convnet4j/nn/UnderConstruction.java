package io.github.convnet4j.nn;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a layer's constructor has allocated so far. A constructor that makes several tensors adds
 * each one here as it is made; if a later allocation (or the initialiser) throws, the constructor
 * never returns, nobody else holds those tensors, and {@link #abandon} closes them, newest first,
 * before the failure goes on.
 */
final class UnderConstruction {
    private final Deque<AutoCloseable> made = new ArrayDeque<>();

    /** Records a resource just made and returns it. */
    <T extends AutoCloseable> T add(T resource) {
        made.push(resource);
        return resource;
    }

    /** Closes everything recorded; a failure while closing is attached to {@code cause} (rethrow it after). */
    void abandon(Throwable cause) {
        while (!made.isEmpty()) {
            try {
                made.pop().close();
            } catch (Exception closing) {
                cause.addSuppressed(closing);
            }
        }
    }
}
