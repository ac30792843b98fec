package io.github.convnet4j.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.Prediction;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;

/**
 * A minimal image-classification service on the JDK's built-in HTTP server.
 * {@code POST /predict} with an image (PNG, JPEG, ...) as the body answers the top 3 classes as
 * JSON; bodies over {@value #MAX_BYTES} bytes get 413, bodies that are not images 400, other paths
 * 404. {@code GET /health} answers "ok".
 *
 * <pre>java -cp "target/convnet4j.jar:target/lib/*:target/test-classes" io.github.convnet4j.examples.InferenceServer model.safetensors 8080</pre>
 */
public final class InferenceServer implements AutoCloseable {
    static final int MAX_BYTES = 1 << 20;
    private final HttpServer server;
    private final Classifier classifier;

    public InferenceServer(Classifier classifier, int port) throws IOException {
        this.classifier = classifier;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/predict", this::predict);
        server.createContext("/health", ex -> respond(ex, 200, "text/plain", "ok"));
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void predict(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                respond(ex, 405, "text/plain", "use POST with an image as the body");
                return;
            }
            byte[] body = readLimited(ex.getRequestBody());
            if (body == null) {
                respond(ex, 413, "text/plain", "image larger than " + MAX_BYTES + " bytes");
                return;
            }
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(body));
            if (img == null) {
                respond(ex, 400, "text/plain", "the body is not an image ImageIO can read (PNG, JPEG, GIF, BMP)");
                return;
            }
            respond(ex, 200, "application/json", json(classifier.predict(img, 3)));
        } catch (RuntimeException e) {
            respond(ex, 500, "text/plain", "prediction failed: " + e.getMessage());
        }
    }

    /** The body, or null when it is longer than MAX_BYTES (reading stops there). */
    private static byte[] readLimited(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BYTES + 1);
        return body.length > MAX_BYTES ? null : body;
    }

    static String json(List<Prediction> predictions) {
        StringBuilder sb = new StringBuilder("{\"predictions\":[");
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"class\":%d,\"name\":\"%s\",\"probability\":%.6f}",
                    p.classIndex(), p.className().replace("\\", "\\\\").replace("\"", "\\\""), p.probability()));
        }
        return sb.append("]}").toString();
    }

    private static void respond(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: InferenceServer MODEL.safetensors [PORT]");
            System.exit(2);
        }
        Classifier classifier = Classifier.load(Path.of(args[0]));
        InferenceServer s = new InferenceServer(classifier, args.length > 1 ? Integer.parseInt(args[1]) : 8080);
        System.out.println("listening on http://127.0.0.1:" + s.port() + "/predict");
    }
}
