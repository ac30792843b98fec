package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoaderAndDownloadTest {
    @TempDir
    Path dir;

    @Test
    void epochsAreShuffledReproduciblyAndCoverEveryItem() throws IOException {
        Dataset d = DataSources.bundledSample().test(); // 500 items
        Normalization n = Normalization.of(d);
        float[] firstEpoch0;
        try (BatchLoader l = new BatchLoader(d, 64, true, 7, n, Augmentation.NONE)) {
            l.startEpoch(0);
            firstEpoch0 = l.next().labels().clone();
            Set<Float> seen = new HashSet<>();
            int items = 64;
            BatchLoader.Batch b;
            while ((b = l.next()) != null) {
                items += b.size();
                for (int i = 0; i < b.size(); i++) {
                    seen.add(b.labels()[i]);
                }
            }
            assertEquals(500, items);
            assertEquals(10, seen.size());
            l.startEpoch(1);
            assertFalse(Arrays.equals(firstEpoch0, l.next().labels()), "epoch 1 has another order");
        }
        try (BatchLoader again = new BatchLoader(d, 64, true, 7, n, Augmentation.NONE)) {
            again.startEpoch(0);
            assertArrayEquals(firstEpoch0, again.next().labels(), "same seed and epoch, same order");
        }
    }

    /** A batch size larger than the data set (here 3,000,000, whose buffers once overflowed an int) is one batch of all. */
    @Test
    void aBatchLargerThanTheDataSetIsOneBatchOfAll() throws IOException {
        Dataset d = DataSources.bundledSample().test();
        try (BatchLoader l = new BatchLoader(d, 3_000_000, false, 1, Normalization.of(d), Augmentation.NONE)) {
            assertEquals(1, l.batchesPerEpoch());
            l.startEpoch(0);
            BatchLoader.Batch b = l.next();
            assertEquals(500, b.size());
            assertEquals(500 * 784, b.images().length);
            assertEquals(null, l.next());
        }
        try (BatchLoader l = new BatchLoader(d, Integer.MAX_VALUE, false, 1, Normalization.of(d), Augmentation.NONE)) {
            assertEquals(1, l.batchesPerEpoch(), "no overflow in the batch count");
        }
        assertThrows(IllegalArgumentException.class, () -> d.head(0));
        assertThrows(IllegalArgumentException.class, () -> d.head(-5));
        assertThrows(IllegalArgumentException.class, () -> d.slice(10, 5));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(d.slice(0, 0)));
        assertTrue(empty.getMessage().contains("no images"), empty.getMessage());
    }

    @Test
    void normalisationGivesZeroMeanUnitVariance() throws IOException {
        Dataset d = DataSources.bundledSample().train();
        Normalization n = Normalization.of(d);
        double sum = 0;
        double sq = 0;
        float[] out = new float[784];
        for (int i = 0; i < d.size(); i++) {
            n.apply(d.pixels(), i * 784, 1, 784, out, 0);
            for (float v : out) {
                sum += v;
                sq += v * v;
            }
        }
        double count = d.size() * 784.0;
        assertEquals(0, sum / count, 1e-4);
        assertEquals(1, sq / count, 1e-3);
        Normalization decoded = Normalization.decode(n.encode());
        assertArrayEquals(n.mean(), decoded.mean(), "encode/decode round trip");
        assertArrayEquals(n.std(), decoded.std());
    }

    @Test
    void augmentationCropsAndFlipsWithinBounds() {
        float[] img = new float[3 * 8 * 8];
        for (int i = 0; i < img.length; i++) {
            img[i] = i;
        }
        float[] flipped = img.clone();
        Augmentation flipOnly = new Augmentation(0, true, 0f);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        boolean sawFlip = false;
        for (int t = 0; t < 10; t++) {
            float[] a = img.clone();
            flipOnly.apply(a, 0, 3, 8, 8, rng, new float[img.length]);
            if (a[0] == img[7]) {
                sawFlip = true;
                assertEquals(img[0], a[7]);
            } else {
                assertArrayEquals(img, a);
            }
        }
        assertTrue(sawFlip);
        float[] cropped = flipped.clone();
        new Augmentation(2, false, 0f).apply(cropped, 0, 3, 8, 8, new java.util.SplittableRandom(1), new float[img.length]);
        for (float v : cropped) {
            assertTrue(v == 0 || (v >= 0 && v < img.length));
        }
        float[] jitter = img.clone();
        new Augmentation(0, false, 0.1f).apply(jitter, 0, 3, 8, 8, new java.util.SplittableRandom(1), new float[img.length]);
        assertNotEquals(img[0], jitter[0]);
        assertEquals(jitter[1] - jitter[0], 1f, 1e-4, "lighting shifts whole channels");
    }

    @Test
    void downloadVerifiesChecksumAgainstALocalServer() throws Exception {
        byte[] body = "pretend IDX bytes".getBytes();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(ex.getRequestURI().getPath().endsWith("good.gz") ? 200 : 404, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/";
            Path fake = dir.resolve("expected");
            Files.write(fake, body);
            String sha = Downloader.sha256(fake);
            Downloader d = new Downloader();
            Path killed = Files.createDirectories(dir.resolve("cache")).resolve(".good.gz.8675309.tmp");
            Files.write(killed, new byte[3]); // what a download killed with -9 leaves
            Path got = d.fetch(base, "good.gz", sha, dir.resolve("cache"));
            assertArrayEquals(body, Files.readAllBytes(got));
            assertFalse(Files.exists(killed), "the next download of the file removes it");
            IOException wrong = assertThrows(IOException.class,
                    () -> d.fetch(base, "good.gz", "00".repeat(32), dir.resolve("cache2")));
            assertTrue(wrong.getMessage().contains("does not match"), wrong.getMessage());
            assertFalse(Files.exists(dir.resolve("cache2").resolve("good.gz")), "a bad download is not kept");
            IOException missing = assertThrows(IOException.class, () -> d.fetch(base, "nothere.gz", sha, dir.resolve("c3")));
            assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void sourcesFallBackToTheBundledSampleOffline() throws IOException {
        DataSources.Options offline = new DataSources.Options(null, false, "http://127.0.0.1:1/", dir, dir.resolve("none"));
        DataSources.Split s = DataSources.load("fashion-mnist", offline);
        assertEquals("bundled Fashion-MNIST sample", s.source());
        assertThrows(IllegalArgumentException.class, () -> DataSources.load("imagenet", offline));
    }
}
