package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ForwardingBackend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.train.Trainer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {
    @TempDir
    static Path dir;
    static Path model;
    static Dataset test;

    @BeforeAll
    static void saveAModel() throws Exception {
        DataSources.Split s = DataSources.bundledSample();
        test = s.test();
        model = dir.resolve("lenet.safetensors");
        try (CpuBackend cpu = new CpuBackend(2); Network net = LeNet.modern(cpu, 10, 5)) {
            ModelFile.save(net, model, Trainer.modelMetadata(s.train(), Normalization.of(s.train()), "lenet"));
        }
    }

    @Test
    void loadsFromPathStreamAndMatchesTheSavedNetwork() throws Exception {
        float[] img = test.item(0);
        try (Classifier a = Classifier.load(model);
             var in = Files.newInputStream(model); Classifier b = Classifier.load(in, "stream");
             CpuBackend cpu = new CpuBackend(1)) {
            List<Prediction> pa = a.predict(img, 3);
            assertEquals(pa, b.predict(img, 3));
            assertEquals(3, pa.size());
            assertTrue(pa.get(0).probability() >= pa.get(1).probability());
            assertEquals(DataSources.FASHION_CLASSES, a.classes());
            // Same scores as the network itself with the stored normalisation.
            ModelFile.Loaded loaded = ModelFile.load(cpu, model);
            try (Network net = loaded.network()) {
                float[] x = new float[784];
                Normalization.decode(loaded.metadata().get("normalization")).apply(img, 1, 784, x, 0);
                try (Tensor t = cpu.tensor(x, Shape.of(1, 1, 28, 28))) {
                    float[] scores = net.predict(t).toArray();
                    int best = 0;
                    for (int c = 1; c < 10; c++) {
                        best = scores[c] > scores[best] ? c : best;
                    }
                    assertEquals(best, pa.get(0).classIndex());
                }
            }
        }
    }

    @Test
    void sixteenThreadsGetTheSingleThreadedAnswers() throws Exception {
        try (Classifier c = Classifier.load(model)) {
            List<List<Prediction>> expected = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                expected.add(c.predict(test.item(i), 5));
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int offset = t;
                    results.add(pool.submit(() -> {
                        for (int r = 0; r < 20; r++) {
                            int i = (offset * 7 + r * 13) % 64;
                            if (!c.predict(test.item(i), 5).equals(expected.get(i))) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get(), "a concurrent prediction differed from the single-threaded one");
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    /** 16 threads, 10 predictions each, of items (t·7 + r·13) mod 64; true if each equals {@code expected}. */
    private static boolean sixteenThreadsAgree(Classifier c, IntFunction<List<Prediction>> expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    boolean same = true;
                    for (int r = 0; r < 10; r++) {
                        int i = (offset * 7 + r * 13) % 64;
                        same &= c.predict(test.item(i), 5).equals(expected.apply(i));
                    }
                    return same;
                }));
            }
            boolean all = true;
            for (Future<Boolean> f : results) {
                all &= f.get();
            }
            return all;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aBackendThatIsNotThreadSafeServesOneThreadAtATime() throws Exception {
        try (ForwardingBackend b = new ForwardingBackend(false); Classifier c = Classifier.load(model, b, 16);
             Classifier reference = Classifier.load(model)) {
            assertTrue(sixteenThreadsAgree(c, i -> reference.predict(test.item(i), 5)), "same answers as one thread");
            assertEquals(0, b.overlappingCalls(), "calls into a backend that is not thread-safe overlapped");
        }
    }

    /** The planted error for the test above: without the lock (a backend claiming thread safety) calls do overlap. */
    @Test
    void theOverlapDetectorSeesUnserialisedCalls() throws Exception {
        try (ForwardingBackend b = new ForwardingBackend(true); Classifier c = Classifier.load(model, b, 16);
             Classifier reference = Classifier.load(model)) {
            assertTrue(sixteenThreadsAgree(c, i -> reference.predict(test.item(i), 5)));
            assertTrue(b.overlappingCalls() > 0, "16 unserialised threads never overlapped: the detector cannot fail");
        }
    }

    @Test
    void aFailedLoadClosesTheReplicasItMade() throws Exception {
        int uploadsPerReplica;
        try (ForwardingBackend b = new ForwardingBackend(true); Classifier c = Classifier.load(model, b, 1)) {
            uploadsPerReplica = b.uploads();
        }
        assertTrue(uploadsPerReplica > 2, "a replica's weights are uploaded: " + uploadsPerReplica);
        try (ForwardingBackend b = new ForwardingBackend(true)) {
            b.failAfterUploads(uploadsPerReplica + uploadsPerReplica / 2); // half-way through the second replica
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Classifier.load(model, b, 3));
            assertEquals("planted upload failure", e.getMessage());
            assertEquals(0, b.openTensors(), "tensors of the replica made before the failure are closed");
        }
    }

    @Test
    void aMissingClassPathResourceIsNamed() {
        var e = assertThrows(io.github.convnet4j.io.ModelFormatException.class,
                () -> Classifier.loadResource("/models/none.safetensors"));
        assertTrue(e.getMessage().contains("/models/none.safetensors"), e.getMessage());
    }

    @Test
    void imagesOfAnySizeAndBadInput() throws Exception {
        try (Classifier c = Classifier.load(model)) {
            BufferedImage img = new BufferedImage(100, 60, BufferedImage.TYPE_INT_RGB);
            assertEquals(2, c.predict(img, 2).size());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.predict(new float[10], 1));
            assertTrue(e.getMessage().contains("784"), e.getMessage());
            assertEquals(List.of(c.predict(test.item(1), 3), c.predict(test.item(2), 3)),
                    c.predictBatch(List.of(test.item(1), test.item(2)), 3));
        }
    }
}
