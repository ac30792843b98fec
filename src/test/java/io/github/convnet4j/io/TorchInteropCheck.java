package io.github.convnet4j.io;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The PyTorch → convnet4j direction of src/test/python/torch_interop.py (run where PyTorch is, e.g.
 * the GPU machine): loads LeNet weights that PyTorch saved with safetensors, computes the logits of
 * the first test images and compares them with the logits PyTorch wrote. Exits 1 on a mismatch.
 *
 * <pre>java ... io.github.convnet4j.io.TorchInteropCheck torch.safetensors torch-logits.txt ours.safetensors DATA_DIR</pre>
 */
public final class TorchInteropCheck {
    public static void main(String[] args) throws Exception {
        Path torchWeights = Path.of(args[0]);
        List<String> expected = Files.readAllLines(Path.of(args[1]));
        Path ours = Path.of(args[2]);
        Dataset test = DataSources.load("fashion-mnist", DataSources.Options.defaults().withDataDir(Path.of(args[3]))).test();
        try (CpuBackend cpu = new CpuBackend(); Network net = LeNet.modern(cpu, 10, 0)) {
            ModelFile.loadWeights(net, torchWeights);
            Normalization norm;
            try (CpuBackend other = new CpuBackend(1)) {
                ModelFile.Loaded loaded = ModelFile.load(other, ours);
                norm = Normalization.decode(loaded.metadata().get("normalization"));
                loaded.network().close();
            }
            int n = expected.size();
            float[] x = new float[n * 784];
            for (int i = 0; i < n; i++) {
                norm.apply(test.pixels(), i * 784, 1, 784, x, i * 784);
            }
            try (Tensor t = cpu.tensor(x, Shape.of(n, 1, 28, 28))) {
                float[] logits = net.predict(t).toArray();
                double worst = 0;
                for (int i = 0; i < n; i++) {
                    String[] parts = expected.get(i).trim().split("\\s+");
                    for (int c = 0; c < 10; c++) {
                        worst = Math.max(worst, Math.abs(Double.parseDouble(parts[c]) - logits[i * 10 + c]));
                    }
                }
                System.out.printf("torch -> convnet4j: %d images, max |logit difference| %.3g%n", n, worst);
                System.exit(worst < 1e-3 ? 0 : 1);
            }
        }
    }
}
