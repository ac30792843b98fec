package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.Prediction;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent inference on one CUDA backend: 16 threads on 16 replicas share one stream and one
 * cuDNN/cuBLAS handle, so the Classifier must serialise them; every answer must equal the
 * single-threaded one on the same backend, and the top class the CPU's.
 */
@Tag("gpu")
class CudaClassifierTest {
    @TempDir
    Path dir;

    @Test
    void sixteenThreadsOnOneCudaBackendGetTheSingleThreadedAnswers() throws Exception {
        DataSources.Split s = DataSources.bundledSample();
        Dataset test = s.test();
        Path model = dir.resolve("lenet.safetensors");
        try (CpuBackend cpu = new CpuBackend(2); Network net = LeNet.modern(cpu, 10, 5)) {
            ModelFile.save(net, model, Trainer.modelMetadata(s.train(), Normalization.of(s.train()), "lenet"));
        }
        try (CudaBackend cuda = CudaTests.openOrSkip(CudaOptions.strictFp32());
             Classifier gpu = Classifier.load(model, cuda, 16);
             Classifier cpu = Classifier.load(model)) {
            List<List<Prediction>> expected = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                List<Prediction> p = gpu.predict(test.item(i), 5);
                assertEquals(cpu.predict(test.item(i), 5).get(0).classIndex(), p.get(0).classIndex(), "top class of " + i);
                expected.add(p);
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int offset = t;
                    results.add(pool.submit(() -> {
                        int differing = 0;
                        for (int r = 0; r < 40; r++) {
                            int i = (offset * 7 + r * 13) % 64;
                            differing += gpu.predict(test.item(i), 5).equals(expected.get(i)) ? 0 : 1;
                        }
                        return differing;
                    }));
                }
                int differing = 0;
                for (Future<Integer> f : results) {
                    differing += f.get();
                }
                assertEquals(0, differing, "concurrent CUDA predictions that differ from the single-threaded ones");
            } finally {
                pool.shutdown();
            }
            assertTrue(cuda.bytesInUse() > 0);
        }
    }
}
