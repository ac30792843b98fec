package io.github.convnet4j.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One IDX file to read: the name errors give it, how to open its stored bytes, whether they are
 * gzipped, and their length ({@code -1} when unknown, as for a class-path resource), which bounds
 * what its header may honestly promise.
 */
record IdxFile(String name, IdxFile.Source source, boolean gzip, long storedBytes) {

    /** Opens the stored (possibly gzipped) bytes. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /** A file on disk, gzipped when it starts with the gzip magic. */
    static IdxFile of(Path file) throws IOException {
        boolean gzip;
        try (InputStream in = Files.newInputStream(file)) {
            gzip = in.read() == 0x1f && in.read() == 0x8b;
        }
        return new IdxFile(file.toString(), () -> Files.newInputStream(file), gzip, Files.size(file));
    }

    /** The file's content, inflated when it is gzipped. */
    InputStream open() throws IOException {
        InputStream raw = new BufferedInputStream(source.open(), 1 << 16);
        if (!gzip) {
            return raw;
        }
        try {
            return new BufferedInputStream(new StrictGzipInputStream(raw, name), 1 << 16);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
