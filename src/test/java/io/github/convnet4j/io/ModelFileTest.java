package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void savedModelsReloadWithTheirArchitectureWeightsAndMetadata() throws IOException {
        Path file = dir.resolve("m.safetensors");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = new NetworkBuilder(cpu, Shape.of(3, 12, 10), 9).conv("conv1", 4, 3, 1, 1).batchNorm("bn1")
                     .prelu("act").lrn("lrn", io.github.convnet4j.backend.LrnParams.ALEXNET).maxPool("pool", 2, 2)
                     .dropout("drop", 0.2f).affine("fc", 5).softmaxWithLoss()) {
            ModelFile.save(net, file, Map.of("classes", "a\nb\nc\nd\ne"));
            ModelFile.Loaded loaded = ModelFile.load(cpu, file);
            try (Network back = loaded.network()) {
                assertEquals(net.spec(), back.spec());
                for (Parameter p : net.parameters()) {
                    assertArrayEquals(p.value().toArray(), back.parameter(p.name()).value().toArray(), p.name());
                }
                assertEquals(net.buffers().keySet(), back.buffers().keySet());
                assertEquals("a\nb\nc\nd\ne", loaded.metadata().get("classes"));
            }
        }
    }

    @Test
    void pytorchNamesAndLayouts() {
        try (CpuBackend cpu = new CpuBackend(1); Network net = AlexNet.build(cpu, Shape.of(3, 224, 224), 1000, 1)) {
            Map<String, SafeTensors.Entry> t = ModelFile.tensors(net);
            assertEquals(Shape.of(64, 3, 11, 11), t.get("conv1.weight").shape());
            assertEquals(Shape.of(4096, 9216), t.get("fc6.weight").shape());
            assertEquals(Shape.of(1000), t.get("fc8.bias").shape());
        }
    }

    @Test
    void plainSafetensorsLoadByNameAndMismatchesAreNamed() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        try (CpuBackend cpu = new CpuBackend(1); Network src = LeNet.modern(cpu, 10, 1); Network dst = LeNet.modern(cpu, 10, 2)) {
            Map<String, SafeTensors.Entry> t = new LinkedHashMap<>(ModelFile.tensors(src));
            t.put("extra.tensor", new SafeTensors.Entry(Shape.of(1), new float[]{1}));
            SafeTensors.write(plain, t, Map.of("format", "pt"));
            ModelFile.loadWeights(dst, plain);
            assertArrayEquals(src.parameter("fc3.weight").value().toArray(), dst.parameter("fc3.weight").value().toArray());
            t.remove("conv2.bias");
            SafeTensors.write(plain, t, Map.of());
            ModelFormatException missing = assertThrows(ModelFormatException.class, () -> ModelFile.loadWeights(dst, plain));
            assertTrue(missing.getMessage().contains("'conv2.bias' is missing"), missing.getMessage());
            t.put("conv2.bias", new SafeTensors.Entry(Shape.of(15), new float[15]));
            SafeTensors.write(plain, t, Map.of());
            ModelFormatException shape = assertThrows(ModelFormatException.class, () -> ModelFile.loadWeights(dst, plain));
            assertTrue(shape.getMessage().contains("[15]") && shape.getMessage().contains("[16]"), shape.getMessage());
        }
    }
}
