package io.github.convnet4j.cuda;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The release actions of native objects, recorded as each object is made and run in reverse
 * order: what a constructor that builds several handles needs so that a failure half-way releases
 * what was already made, and so that close() releases everything exactly once.
 */
final class NativeResources implements AutoCloseable {
    private final Deque<Runnable> releases = new ArrayDeque<>();

    /** Records how to release something just made; it is released before anything recorded earlier. */
    void add(Runnable release) {
        releases.push(release);
    }

    /**
     * Runs every recorded release, newest first, once. A release that throws does not stop the
     * others; the first failure is rethrown with the later ones suppressed.
     */
    @Override
    public void close() {
        RuntimeException first = null;
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Releases everything after {@code failure} stopped a construction; release errors are added to it. */
    void closeAfter(Throwable failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
