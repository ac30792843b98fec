package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.examples.InferenceServer;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP example from examples/, on loopback: good image 200, garbage 400, oversize 413. */
class InferenceServerTest {
    @TempDir
    Path dir;

    @Test
    void servesPredictionsAndRejectsBadRequests() throws Exception {
        Path model = dir.resolve("m.safetensors");
        DataSources.Split s = DataSources.bundledSample();
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 1)) {
            ModelFile.save(net, model, Trainer.modelMetadata(s.train(), Normalization.of(s.train()), "lenet"));
        }
        try (Classifier c = Classifier.load(model); InferenceServer server = new InferenceServer(c, 0)) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/predict");
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png);
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().startsWith("{\"predictions\":[{\"class\":"), ok.body());
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString("not an image")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("not an image"));
            HttpResponse<String> big = http.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[(1 << 20) + 10])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, big.statusCode());
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
        }
    }
}
