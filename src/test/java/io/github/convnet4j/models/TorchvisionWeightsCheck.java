package io.github.convnet4j.models;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * A manual check that torchvision weights load as they are (the files are hundreds of MB, so not a
 * test): loads a state_dict written by src/test/python/torchvision_weights.py with
 * {@link ModelFile#loadWeights}, compares our logits with torchvision's, and saves our network as a
 * model file for the script to load back into torchvision with strict=True.
 * Usage: TorchvisionWeightsCheck resnet18|resnet34|resnet50|googlenet|vgg11|vgg16|vgg16_bn|alexnet STATE_DICT OUT
 */
public final class TorchvisionWeightsCheck {
    static NetworkSpec spec(String model, Shape item) {
        return switch (model) {
            case "resnet18" -> ResNet.spec(18, item, 1000);
            case "resnet34" -> ResNet.spec(34, item, 1000);
            case "resnet50" -> ResNet.spec(50, item, 1000);
            case "googlenet" -> GoogLeNet.spec(item, 1000);
            case "vgg11" -> Vgg.spec(11, false, item, 1000);
            case "vgg16" -> Vgg.spec(16, false, item, 1000);
            case "vgg16_bn" -> Vgg.spec(16, true, item, 1000);
            case "alexnet" -> AlexNet.torchvisionSpec(item, 1000);
            default -> throw new IllegalArgumentException(model);
        };
    }

    public static void main(String[] args) throws Exception {
        Path stateDict = Path.of(args[1]);
        Map<String, SafeTensors.Entry> io = SafeTensors.read(Path.of(args[1] + ".io")).tensors();
        try (CpuBackend cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
             Network net = spec(args[0], Shape.of(3, 64, 64)).build(cpu, 1);
             Tensor x = cpu.tensor(io.get("x").values(), io.get("x").shape())) {
            ModelFile.loadWeights(net, stateDict);
            float[] ours = net.predict(x).toArray();
            float[] theirs = io.get("y").values();
            double max = 0;
            double scale = 0;
            for (int i = 0; i < ours.length; i++) {
                max = Math.max(max, Math.abs(ours[i] - theirs[i]));
                scale = Math.max(scale, Math.abs(theirs[i]));
            }
            System.out.printf("%s: torchvision state_dict loaded unchanged; logits max |ours - torchvision| = %.3g"
                    + " (largest logit %.3g)%n", args[0], max, scale);
            ModelFile.save(net, Path.of(args[2]), Map.of());
        }
    }
}
