package io.github.convnet4j.io;

import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A small network using every kind of setting (ints, floats, doubles, rounding) saved with several
 * metadata entries; {@code main} saves it to the given path so that a test can compare the bytes
 * written by another JVM.
 */
public final class SaveSample {
    static Network network(CpuBackend cpu) {
        return new NetworkBuilder(cpu, Shape.of(3, 8, 8), 42).conv("conv1", 4, 3, 1, 1).batchNorm("bn1")
                .leakyRelu("act", 0.1f).lrn("lrn", LrnParams.ALEXNET).maxPool("pool", 2, 2).dropout("drop", 0.3f)
                .affine("fc", 4).softmaxWithLoss();
    }

    static void save(Network net, Path file) throws IOException {
        Map<String, String> meta = new HashMap<>();
        meta.put("classes", "a\nb\nc\nd");
        meta.put("normalization", "[0.5, 0.4, 0.3];[0.2, 0.25, 0.3]");
        meta.put("dataset", "sample");
        meta.put("model", "tiny");
        ModelFile.save(net, file, meta);
    }

    public static void main(String[] args) throws IOException {
        try (CpuBackend cpu = new CpuBackend(1); Network net = network(cpu)) {
            save(net, Path.of(args[0]));
        }
    }
}
