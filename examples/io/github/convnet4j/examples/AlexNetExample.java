package io.github.convnet4j.examples;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.PrintStream;
import java.util.Random;

/**
 * AlexNet (single tower, with LRN and dropout) at a chosen input size: prints the layer summary, then
 * trains a few SGD-with-momentum steps on one fixed batch of random images and labels, printing each
 * step's loss and time (the loss falls as the network memorises the batch). On a GPU try
 * {@code 224 128}; on a CPU the default {@code 67 8} finishes in seconds, {@code 224 8} in about a
 * second a step on 2 cores.
 *
 * <p>The learning rate is a tenth of the paper's 0.01: the paper starts from weights drawn from
 * N(0, 0.01²), AlexNet here from He's initialisation, whose initial logits are large (loss about 14 at
 * 224², against ln 1000 = 6.9), and at 0.01 the loss then jumps around or diverges (7.9 to 2355 on the
 * GPU at 224² and batch 128, in PyTorch as well). At 0.001 it falls from step to step.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp "target/convnet4j.jar:target/test-classes" io.github.convnet4j.examples.AlexNetExample [size] [batch] [steps]</pre>
 */
public final class AlexNetExample {
    static final float LEARNING_RATE = 1e-3f;
    static final float MOMENTUM = 0.9f;
    static final float WEIGHT_DECAY = 5e-4f;
    private static final int CLASSES = 1000;

    private AlexNetExample() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 67;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        try (Backend backend = Backends.open("auto");
             Optimizer opt = new Momentum(LEARNING_RATE, MOMENTUM, WEIGHT_DECAY)) {
            float[] losses = train(backend, size, batch, steps, opt, System.out);
            System.out.printf("loss %.4f after step 1, %.4f after step %d%n", losses[0], losses[steps - 1], steps);
        }
    }

    /** Builds AlexNet for size² RGB input and trains steps steps on one seeded random batch; returns each step's loss. */
    static float[] train(Backend backend, int size, int batch, int steps, Optimizer opt, PrintStream out) {
        Random rng = new Random(1);
        float[] images = new float[batch * 3 * size * size];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rng.nextGaussian();
        }
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(CLASSES);
        }
        float[] losses = new float[steps];
        try (Network net = AlexNet.build(backend, Shape.of(3, size, size), CLASSES, 42);
             Tensor x = backend.tensor(images, Shape.of(batch, 3, size, size));
             Tensor t = backend.tensor(labels, Shape.of(batch))) {
            out.print(net.summary());
            for (int step = 0; step < steps; step++) {
                long start = System.nanoTime();
                losses[step] = net.gradient(x, t).toArray()[0];
                opt.step(net.parameters());
                out.printf("step %d on %s: loss %.4f, %.1f ms%n", step + 1, backend.name(), losses[step],
                        (System.nanoTime() - start) / 1e6);
            }
        }
        return losses;
    }
}
