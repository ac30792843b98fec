package io.github.convnet4j.examples;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;

/**
 * AlexNet (single tower, with LRN and dropout) at a chosen input size: prints the layer summary and
 * times a few SGD-with-momentum steps on random data. On a GPU try {@code 224 128}; on a CPU the
 * default {@code 67 8} finishes in seconds.
 *
 * <pre>java -cp "target/convnet4j.jar:target/lib/*:target/test-classes" io.github.convnet4j.examples.AlexNetExample [size] [batch]</pre>
 */
public final class AlexNetExample {
    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 67;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Random rng = new Random(1);
        try (Backend backend = Backends.open("auto");
             Network net = AlexNet.build(backend, Shape.of(3, size, size), 1000, 42);
             Optimizer opt = new Momentum(0.01f, 0.9f, 5e-4f)) {
            System.out.print(net.summary());
            float[] images = new float[batch * 3 * size * size];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) rng.nextGaussian();
            }
            float[] labels = new float[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rng.nextInt(1000);
            }
            try (Tensor x = backend.tensor(images, Shape.of(batch, 3, size, size));
                 Tensor t = backend.tensor(labels, Shape.of(batch))) {
                for (int step = 1; step <= 3; step++) {
                    long start = System.nanoTime();
                    float loss = net.gradient(x, t).toArray()[0];
                    opt.step(net.parameters());
                    System.out.printf("step %d on %s: loss %.4f, %.1f ms%n", step, backend.name(), loss,
                            (System.nanoTime() - start) / 1e6);
                }
            }
        }
    }
}
