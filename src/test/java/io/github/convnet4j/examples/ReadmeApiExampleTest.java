package io.github.convnet4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The README's "API in ten lines", as it is printed there (between the markers), so it keeps compiling and working. */
class ReadmeApiExampleTest {
    @Test
    void theReadmeExampleTrains() throws Exception {
        double accuracy;
        // README-BEGIN
        DataSources.Split data = DataSources.load("fashion-mnist", DataSources.Options.defaults()); // Debian's, else bundled
        int n = 100;
        float[] images = new float[n * 28 * 28];                            // NCHW, pixels in [0, 1]
        float[] labels = new float[n];                                      // class indices as floats
        for (int i = 0; i < n; i++) {
            System.arraycopy(data.train().item(i), 0, images, i * 28 * 28, 28 * 28);
            labels[i] = data.train().labels()[i];
        }
        try (Backend backend = Backends.open("auto");                       // CUDA if usable, else CPU
             Network net = LeNet.modern(backend, 10, 42);                   // 61,706 parameters, seed 42
             Optimizer opt = new Adam(1e-3f);
             Tensor x = backend.tensor(images, Shape.of(n, 1, 28, 28));
             Tensor t = backend.tensor(labels, Shape.of(n))) {
            for (int step = 0; step < 100; step++) {
                net.gradient(x, t);                                         // forward + backward, on the device
                opt.step(net.parameters());                                 // update, on the device
            }
            System.out.println(net.accuracy(x, t) + "\n" + net.summary());
            // README-END
            accuracy = net.accuracy(x, t);
        }
        assertTrue(accuracy > 0.9, "100 steps on 100 images fit them: " + accuracy);
    }
}
