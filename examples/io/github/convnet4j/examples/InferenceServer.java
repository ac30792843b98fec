package io.github.convnet4j.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.ImageDecoder;
import io.github.convnet4j.infer.ImageTooLargeException;
import io.github.convnet4j.infer.InvalidImageException;
import io.github.convnet4j.infer.Prediction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image-classification service on embedded Jetty. {@code POST /predict} with an image (PNG,
 * JPEG, GIF, BMP) as the body answers the top 3 classes as JSON; {@code GET /health} answers "ok".
 * Every request gets an answer: 400 for a body that is not a decodable image, 413 for a body or an
 * image over the {@link ServerLimits}, 408 for a body that does not arrive in time, 503 when busy,
 * 500 (logged) for a fault of our own; errors are JSON {@code {"error": "..."}}.
 *
 * <p>Why Jetty and not the JDK's {@code com.sun.net.httpserver}: the JDK server reads each request's
 * line and headers with blocking reads on a handler-pool thread, so N clients trickling a byte a
 * second pin N threads (and with them {@code /health}) for as long as they like; its only timeouts
 * are JVM-global system properties read once ({@code sun.net.httpserver.maxReqTime}...), which an
 * embedded server cannot own. Jetty parses headers without holding a thread, the body is read here
 * asynchronously too, and every limit belongs to this server: the connection's read (idle) timeout,
 * a deadline for the request line and headers ({@link RequestHeaderDeadline}: the idle timeout alone lets a client
 * that trickles a header byte every few seconds hold its connection for ever, and enough of them fill the cap),
 * a deadline for the whole body, a connection cap, bounded thread pools and queues. So slow clients
 * cost a connection each for a bounded time, never a thread, and the CPU work is capped by its own bounded pool.
 * There is no per-address connection limit: the server listens on loopback only, where every client has the same
 * address, so such a limit would be the global cap again; a server exposed beyond loopback belongs behind a proxy
 * that limits per client.
 * Jetty is a test-scoped dependency: only this example uses it, the library does not.
 *
 * <pre>mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt
 * java --add-modules jdk.incubator.vector -cp "target/classes:target/test-classes:$(cat cp.txt)" io.github.convnet4j.examples.InferenceServer model.safetensors 8080</pre>
 */
public final class InferenceServer implements AutoCloseable {
    static final int TOP_K = 3;
    /** The response header naming a 500's request id, also in the server's log line for it. */
    public static final String REQUEST_ID = "X-Request-Id";
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Classifier classifier;
    private final ServerLimits limits;
    private final Server server;
    private final ServerConnector connector;
    private final ThreadPoolExecutor predictPool;
    private final RequestHeaderDeadline headerDeadline;
    private final AtomicInteger pending = new AtomicInteger();
    /** Bodies up to this many times the limit are read before their 413 (see refuseTooLong). */
    private static final int DRAIN_FACTOR = 4;

    public InferenceServer(Classifier classifier, int port) throws IOException {
        this(classifier, port, ServerLimits.defaults());
    }

    public InferenceServer(Classifier classifier, int port, ServerLimits limits) throws IOException {
        this.classifier = classifier;
        this.limits = limits;
        this.predictPool = new ThreadPoolExecutor(limits.predictThreads(), limits.predictThreads(), 0, TimeUnit.SECONDS,
                limits.predictQueue() == 0 ? new java.util.concurrent.SynchronousQueue<>() : new ArrayBlockingQueue<>(limits.predictQueue()),
                namedThreads("inference-predict-"), new ThreadPoolExecutor.AbortPolicy());
        // Jetty's own job queue stays unbounded as Jetty requires (its internal jobs must not be refused); what bounds it
        // is the connection cap, and the CPU work goes to predictPool, whose queue is bounded.
        QueuedThreadPool httpPool = new QueuedThreadPool(limits.httpThreads(), Math.min(4, limits.httpThreads()));
        httpPool.setName("inference-http");
        httpPool.setReservedThreads(0);
        this.server = new Server(httpPool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setIdleTimeout(limits.readTimeout().toMillis());
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(limits.readTimeout().toMillis());
        this.headerDeadline = new RequestHeaderDeadline(connector.getScheduler(), limits.headerTimeout());
        connector.addEventListener(headerDeadline);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        server.setHandler(new Routes());
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw e instanceof IOException io ? io : new IOException("the inference server did not start on port " + port, e);
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** {@code /predict} requests being received, queued or computed now (tests watch it drain). */
    public int pending() {
        return pending.get();
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback completed) {
            // Called once the headers are parsed: their deadline stops here and starts again for the next request.
            Connection connection = request.getConnectionMetaData().getConnection();
            headerDeadline.headersArrived(connection);
            // Armed before Jetty is told the response is done, so never after it has begun parsing the next request.
            Callback callback = Callback.from(() -> headerDeadline.responseDone(connection), completed);
            String path = Request.getPathInContext(request);
            switch (path) {
                case "/health" -> reply(response, callback, 200, "text/plain; charset=utf-8", "ok".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                case "/predict" -> predict(request, response, callback);
                default -> error(response, callback, 404, "no such path " + path + "; use POST /predict or GET /health");
            }
            return true;
        }
    }

    private void predict(Request request, Response response, Callback callback) {
        if (!"POST".equals(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            error(response, callback, 405, "use POST with an image as the body");
            return;
        }
        if (request.getLength() > limits.maxBodyBytes()) {
            refuseTooLong(request, response, callback);
            return;
        }
        if (pending.incrementAndGet() > limits.maxPending()) {
            pending.decrementAndGet();
            busy(response, callback, "too many requests in progress");
            return;
        }
        Callback done = Callback.from(pending::decrementAndGet, callback);
        // One byte over the limit tells a body that is too long from one that is exactly the limit.
        Content.Source.asByteArrayAsync(request, limits.maxBodyBytes() + 1)
                .orTimeout(limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((body, failure) -> {
                    if (failure != null) {
                        bodyFailed(request, response, done, unwrap(failure));
                    } else if (body.length > limits.maxBodyBytes()) {
                        closeAfter(response);
                        error(response, done, 413, tooLongBody());
                    } else {
                        schedule(body, response, done);
                    }
                });
    }

    /**
     * A 413 sent while the client is still sending its body, followed by a close, can reach the
     * client as a connection reset instead (the unread bytes make the close abortive), so a client
     * that did not ask {@code Expect: 100-continue} first sees no answer. A body up to
     * {@link #DRAIN_FACTOR} times the limit is therefore read and discarded, under the same read
     * timeout and deadline as any body, before the 413; a larger one is answered at once.
     */
    private void refuseTooLong(Request request, Response response, Callback callback) {
        closeAfter(response);
        boolean expectsContinue = request.getHeaders().contains(HttpHeader.EXPECT, "100-continue");
        if (expectsContinue || request.getLength() > DRAIN_FACTOR * (long) limits.maxBodyBytes()) {
            error(response, callback, 413, tooLongBody());
            return;
        }
        java.util.concurrent.CompletableFuture<Void> drained = new java.util.concurrent.CompletableFuture<>();
        Content.Source.consumeAll(request, Callback.from(() -> drained.complete(null), drained::completeExceptionally));
        drained.orTimeout(limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((ignored, failure) -> {
            if (unwrap(failure) instanceof TimeoutException t) {
                request.fail(t);
            }
            error(response, callback, 413, tooLongBody());
        });
    }

    private void bodyFailed(Request request, Response response, Callback done, Throwable failure) {
        closeAfter(response);
        if (failure instanceof TimeoutException) {
            // Stop Jetty waiting for the rest; the connection closes after this answer.
            request.fail(failure);
            error(response, done, 408, "the request body did not arrive within the read timeout of " + limits.readTimeout().toMillis()
                    + " ms or the body deadline of " + limits.bodyTimeout().toMillis() + " ms");
        } else if (failure instanceof IllegalArgumentException) {
            // asByteArrayAsync's answer to a chunked body over its size limit.
            error(response, done, 413, tooLongBody());
        } else {
            LOG.debug("reading a request body failed", failure);
            error(response, done, 400, "the request body could not be read: " + failure.getMessage());
        }
    }

    private void schedule(byte[] body, Response response, Callback done) {
        try {
            predictPool.execute(() -> classify(body, response, done));
        } catch (RejectedExecutionException e) {
            busy(response, done, "all predict threads are busy and the queue is full");
        }
    }

    private void classify(byte[] body, Response response, Callback done) {
        try {
            float[] pixels = ImageDecoder.toPixels(body, "the request body", classifier.itemShape(), limits.maxPixels());
            reply(response, done, 200, "application/json; charset=utf-8", json(classifier.predict(pixels, TOP_K)));
        } catch (ImageTooLargeException e) {
            error(response, done, 413, e.getMessage());
        } catch (InvalidImageException e) {
            error(response, done, 400, e.getMessage());
        } catch (Throwable e) {
            // Anything else is our fault; the client still gets an answer (the catch-all is what guarantees that), but not our
            // internals: the id ties the answer to the log line that has them.
            String id = UUID.randomUUID().toString();
            LOG.error("request {}: prediction failed", id, e);
            response.getHeaders().put(REQUEST_ID, id);
            error(response, done, 500, "internal error; request id " + id);
        }
    }

    /** The response body for predictions: {"predictions":[{"class":i,"name":"...","probability":p}, ...]}, escaped by Jackson. */
    public static byte[] json(List<Prediction> predictions) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("predictions");
        for (Prediction p : predictions) {
            list.addObject().put("class", p.classIndex()).put("name", p.className()).put("probability", p.probability());
        }
        return toJson(root);
    }

    private static byte[] toJson(ObjectNode value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    private String tooLongBody() {
        return "the body is larger than " + limits.maxBodyBytes() + " bytes";
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static void closeAfter(Response response) {
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    private static void busy(Response response, Callback callback, String why) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        error(response, callback, 503, "the server is busy (" + why + "); retry later");
    }

    private static void error(Response response, Callback callback, int status, String message) {
        reply(response, callback, status, "application/json; charset=utf-8", toJson(JSON.createObjectNode().put("error", message)));
    }

    private static void reply(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static java.util.concurrent.ThreadFactory namedThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            return t;
        };
    }

    /** Stops accepting, closes the connections and the thread pools; the classifier stays the caller's. Idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server failed", e);
        } finally {
            predictPool.shutdownNow();
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: InferenceServer MODEL.safetensors [PORT]");
            System.exit(2);
        }
        Classifier classifier = Classifier.load(Path.of(args[0]));
        InferenceServer s = new InferenceServer(classifier, args.length > 1 ? Integer.parseInt(args[1]) : 8080);
        // Jetty's threads are not daemons: the JVM serves until it is stopped.
        System.out.println("listening on http://127.0.0.1:" + s.port() + "/predict");
    }
}
