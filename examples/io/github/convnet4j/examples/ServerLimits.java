package io.github.convnet4j.examples;

import io.github.convnet4j.infer.ImageDecoder;
import java.time.Duration;

/**
 * What one {@link InferenceServer} accepts before it answers 413, 408 or 503.
 *
 * @param maxBodyBytes       longest request body; longer ones get 413 (a declared Content-Length before reading)
 * @param maxPixels          most pixels an image's header may declare; more get 413 before decoding
 * @param readTimeout        a connection that sends nothing for this long is closed (stalled headers or body)
 * @param headerTimeout      a request's line and headers must arrive within this from the connection's opening (or the
 *                           previous response), however slowly they trickle; else the connection is closed
 * @param bodyTimeout        the whole body must arrive within this, however slowly it trickles; else 408
 * @param maxConnections     open connections at most; further ones wait in the kernel's accept queue
 * @param maxPending         {@code /predict} requests being received, queued or computed at most; more get 503
 * @param httpThreads        the HTTP server's threads; they never block on a client, so a few suffice
 * @param predictThreads     images decoded and classified at once
 * @param predictQueue       received images waiting for a predict thread at most; more get 503
 */
public record ServerLimits(int maxBodyBytes, long maxPixels, Duration readTimeout, Duration headerTimeout, Duration bodyTimeout, int maxConnections,
                           int maxPending, int httpThreads, int predictThreads, int predictQueue) {
    public ServerLimits {
        if (maxBodyBytes <= 0 || maxPixels <= 0 || maxConnections <= 0 || maxPending <= 0 || predictThreads <= 0 || predictQueue < 0) {
            throw new IllegalArgumentException("server limits must be positive: " + this);
        }
        if (httpThreads < 4) {
            // The HTTP pool also runs the acceptor and the selector.
            throw new IllegalArgumentException("httpThreads must be at least 4, not " + httpThreads);
        }
        if (readTimeout.isNegative() || readTimeout.isZero() || headerTimeout.isNegative() || headerTimeout.isZero()
                || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("server timeouts must be positive: " + this);
        }
    }

    public static ServerLimits defaults() {
        int cpus = Runtime.getRuntime().availableProcessors();
        return new ServerLimits(1 << 20, ImageDecoder.DEFAULT_MAX_PIXELS, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(30), 1024,
                64, 16, cpus, 2 * cpus);
    }

    public ServerLimits withTimeouts(Duration read, Duration body) {
        return new ServerLimits(maxBodyBytes, maxPixels, read, headerTimeout, body, maxConnections, maxPending, httpThreads, predictThreads,
                predictQueue);
    }

    public ServerLimits withHeaderTimeout(Duration header) {
        return new ServerLimits(maxBodyBytes, maxPixels, readTimeout, header, bodyTimeout, maxConnections, maxPending, httpThreads,
                predictThreads, predictQueue);
    }

    public ServerLimits withMaxConnections(int connections) {
        return new ServerLimits(maxBodyBytes, maxPixels, readTimeout, headerTimeout, bodyTimeout, connections, maxPending, httpThreads,
                predictThreads, predictQueue);
    }

    public ServerLimits withThreads(int http, int predict, int queue) {
        return new ServerLimits(maxBodyBytes, maxPixels, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxPending, http, predict,
                queue);
    }

    public ServerLimits withMaxPending(int pending) {
        return new ServerLimits(maxBodyBytes, maxPixels, readTimeout, headerTimeout, bodyTimeout, maxConnections, pending, httpThreads,
                predictThreads, predictQueue);
    }
}
