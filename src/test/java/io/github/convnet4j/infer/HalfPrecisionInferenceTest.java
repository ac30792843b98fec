package io.github.convnet4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ForwardingBackend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Classifier serving in BF16/F16 and channels-last gives the FP32 answers within what 16 bits keep (issue 12). */
class HalfPrecisionInferenceTest {
    @TempDir
    static Path dir;
    static Path model;
    static Dataset test;

    @BeforeAll
    static void trainAndSave() throws Exception {
        DataSources.Split s = DataSources.bundledSample();
        test = s.test().head(500);
        model = dir.resolve("lenet.safetensors");
        Normalization norm = Normalization.of(s.train());
        try (CpuBackend cpu = new CpuBackend(2); Network net = LeNet.modern(cpu, 10, 5); Adam adam = new Adam(1e-3f)) {
            Trainer.Config one = new Trainer.Config(1, 100, LearningRateSchedule.constant(1e-3), 5, Augmentation.NONE, 0,
                    0, null, 1, false);
            new Trainer(net, adam, one, Map.of(), line -> { }).fit(s.train(), test, norm, null);
            ModelFile.save(net, model, Trainer.modelMetadata(s.train(), norm, "lenet"));
        }
    }

    private static List<List<Prediction>> predictions(DType type, MemoryFormat format) throws Exception {
        try (Classifier c = Classifier.load(model)) {
            c.setActivationKind(type, format);
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < test.size(); i++) {
                images.add(test.item(i));
            }
            return c.predictBatch(images, 10);
        }
    }

    /**
     * BF16 keeps 8 significant bits, F16 11: the probabilities may move by a few times 2^-8
     * (BF16) or 2^-11 (F16), and the top class changes only where two classes are that close.
     */
    @Test
    void halfPrecisionServingAgreesWithFp32() throws Exception {
        List<List<Prediction>> f32 = predictions(DType.F32, MemoryFormat.NCHW);
        check(f32, predictions(DType.BF16, MemoryFormat.NHWC), 0.03, 0.97, "BF16 channels-last");
        check(f32, predictions(DType.F16, MemoryFormat.NCHW), 0.005, 0.99, "F16");
        check(f32, predictions(DType.F32, MemoryFormat.NHWC), 1e-6, 1.0, "F32 channels-last");
    }

    private static void check(List<List<Prediction>> reference, List<List<Prediction>> other, double probability,
                              double agreement, String what) {
        int same = 0;
        double worst = 0;
        for (int i = 0; i < reference.size(); i++) {
            same += reference.get(i).get(0).classIndex() == other.get(i).get(0).classIndex() ? 1 : 0;
            for (Prediction p : reference.get(i)) {
                Prediction q = other.get(i).stream().filter(o -> o.classIndex() == p.classIndex()).findFirst().orElseThrow();
                worst = Math.max(worst, Math.abs(p.probability() - q.probability()));
            }
        }
        assertTrue(worst <= probability, what + ": a probability moved by " + worst);
        assertTrue(same >= agreement * reference.size(), what + ": top class agrees on " + same + " of " + reference.size());
    }

    @Test
    void changingKindsWhileServingNeitherDeadlocksNorMixesReplicas() throws Exception {
        List<List<Prediction>> f32 = predictions(DType.F32, MemoryFormat.NCHW);
        CpuBackend cpu = new CpuBackend(2);
        Classifier c = Classifier.load(model, cpu, 3);
        try {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            List<java.util.concurrent.Future<?>> work = new ArrayList<>();
            for (int w = 0; w < 2; w++) { // two threads switching kinds back and forth at once
                int which = w;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        c.setActivationKind((i + which) % 2 == 0 ? DType.BF16 : DType.F32, MemoryFormat.NCHW);
                    }
                }));
            }
            for (int w = 0; w < 2; w++) { // and two serving meanwhile: every answer is FP32's or BF16's
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        int top = c.predict(test.item(i), 1).get(0).classIndex();
                        assertTrue(top >= 0 && top < 10);
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : work) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS); // a deadlock would time out here
            }
            pool.shutdown();
            c.setActivationKind(DType.F32, MemoryFormat.NCHW);
            assertEquals(f32.get(0).get(0).classIndex(), c.predict(test.item(0), 1).get(0).classIndex());
        } finally {
            c.close();
            cpu.close();
        }
        assertThrows(IllegalStateException.class, () -> c.setActivationKind(DType.BF16, MemoryFormat.NCHW));
    }

    @Test
    void aBackendWithoutHalfTensorsRefusesInOneLine() throws Exception {
        try (ForwardingBackend fb = new ForwardingBackend(true); Classifier c = Classifier.load(model, fb, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.setActivationKind(DType.F16, MemoryFormat.NCHW));
            assertEquals("the forwarding backend does not hold F16 NCHW tensors", e.getMessage());
            assertEquals(10, c.predict(test.item(0), 10).size(), "still serving in FP32");
        }
    }
}
