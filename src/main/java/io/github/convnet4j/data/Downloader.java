package io.github.convnet4j.data;

import java.io.IOException;
import io.github.convnet4j.io.AtomicFiles;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Fetches a data file over HTTP(S) into a cache folder, verifying its SHA-256 before it is moved
 * into place (by {@link AtomicFiles}): a wrong, truncated or killed download never becomes a cached file.
 */
public final class Downloader {
    /** Fashion-MNIST files are 26 MB at most; anything much larger is not the file we want. */
    private static final long MAX_BYTES = 256L << 20;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    /** Returns {@code dir/name}, downloading {@code base + name} first unless a verified copy is there. */
    public Path fetch(String base, String name, String sha256, Path dir) throws IOException {
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target) && sha256(target).equals(sha256)) {
            return target;
        }
        URI uri = URI.create(base.endsWith("/") ? base + name : base + "/" + name);
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + uri, e);
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("downloading " + uri + ": HTTP " + response.statusCode());
            }
            // Through AtomicFiles: a failed, wrong or killed download never becomes the cached file, and the
            // temporary a killed one leaves is removed by the next download of that file.
            AtomicFiles.write(target, out -> copyVerified(uri, in, out, sha256));
        }
        return target;
    }

    /** Copies the body, failing (so nothing is kept) if it is too large or its SHA-256 is not the expected one. */
    private static void copyVerified(URI uri, InputStream in, OutputStream out, String sha256) throws IOException {
        MessageDigest md = sha256Digest();
        long copied = 0;
        byte[] buf = new byte[1 << 16];
        int r;
        while ((r = in.read(buf)) >= 0) {
            copied += r;
            if (copied > MAX_BYTES) {
                throw new IOException("downloading " + uri + ": larger than " + MAX_BYTES + " bytes");
            }
            md.update(buf, 0, r);
            out.write(buf, 0, r);
        }
        String actual = HexFormat.of().formatHex(md.digest());
        if (!actual.equals(sha256)) {
            throw new IOException("downloading " + uri + ": SHA-256 " + actual + " does not match the expected "
                    + sha256 + "; the file was not kept");
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = sha256Digest();
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) >= 0) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }
}
