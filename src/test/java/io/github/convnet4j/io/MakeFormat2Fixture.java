package io.github.convnet4j.io;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Made the fixture {@code chain-format2.safetensors} (and the scores it gives for
 * {@link #fixtureInput}) with the chain-only code of commit ff9c644, before networks became graphs,
 * so that {@code Format2FixtureTest} proves files of that release keep loading. Kept to document how
 * the fixture was made; rerunning it with later code makes a different file, not the fixture.
 */
public final class MakeFormat2Fixture {
    static final Shape ITEM = Shape.of(2, 8, 8);

    static Network network(CpuBackend cpu) {
        return new NetworkBuilder(cpu, ITEM, 7).conv("conv1", 3, 3, 1, 1).batchNorm("bn1").relu("relu1")
                .maxPool("pool1", 2, 2).conv("conv2", 4, 3, 1, 0).tanh("act2").avgPool("pool2", 2, 2)
                .dropout("drop", 0.25f).flatten("flat").affine("fc", 3).softmaxWithLoss();
    }

    /** A fixed input batch of two items, (2, 2, 8, 8). */
    static float[] fixtureInput() {
        float[] x = new float[2 * ITEM.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(0.37 * i) * 1.5f;
        }
        return x;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (CpuBackend cpu = new CpuBackend(1); Network net = network(cpu)) {
            // Non-trivial running statistics: a few training forwards move them away from 0 and 1.
            try (var x = cpu.tensor(fixtureInput(), Shape.of(2, 2, 8, 8));
                 var labels = cpu.tensor(new float[] {0, 2}, Shape.of(2))) {
                for (int i = 0; i < 3; i++) {
                    net.gradient(x, labels);
                }
                ModelFile.save(net, dir.resolve("chain-format2.safetensors"), Map.of("classes", "a\nb\nc"));
                float[] scores = net.predict(x).toArray();
                StringBuilder sb = new StringBuilder();
                for (float s : scores) {
                    sb.append(Float.floatToRawIntBits(s)).append('\n');
                }
                Files.writeString(dir.resolve("chain-format2.scores.txt"), sb.toString(), StandardCharsets.US_ASCII);
            }
        }
    }
}
