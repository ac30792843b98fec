package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The full Fashion-MNIST from Debian's dataset-fashion-mnist (which .ci/run installs): the files
 * match the SHA-256 sums the downloader checks, and read as 60,000 + 10,000 balanced images.
 * Skipped where the package is absent, except in CI (CI=true) or with REAL_DATA=required.
 */
class FashionMnistFullSetTest {

    @Test
    void debianFilesMatchTheChecksumsAndReadCompletely() throws IOException {
        if (!Files.isRegularFile(DataSources.DEBIAN_FASHION_MNIST.resolve(DataSources.TRAIN_IMAGES))) {
            if ("true".equals(System.getenv("CI")) || "required".equals(System.getenv("REAL_DATA"))) {
                fail("dataset-fashion-mnist is not installed at " + DataSources.DEBIAN_FASHION_MNIST);
            }
            Assumptions.abort("dataset-fashion-mnist not installed");
        }
        for (Map.Entry<String, String> f : DataSources.FASHION_SHA256.entrySet()) {
            assertEquals(f.getValue(), Downloader.sha256(DataSources.DEBIAN_FASHION_MNIST.resolve(f.getKey())), f.getKey());
        }
        DataSources.Split s = DataSources.load("fashion-mnist", DataSources.Options.defaults());
        assertEquals(60_000, s.train().size());
        assertEquals(10_000, s.test().size());
        int[] counts = new int[10];
        for (int l : s.train().labels()) {
            counts[l]++;
        }
        for (int c : counts) {
            assertEquals(6000, c);
        }
    }
}
