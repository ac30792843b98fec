package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Summary of a model file (layers, output shapes, what each layer reads, parameter counts,"
                + " metadata), or with --model NAME of a ready-made architecture, without a file.",
                "Defaults for --model: 3x224x224 and 1000 classes for alexnet, vgg11, vgg16, vgg16-bn, googlenet and"
                        + " resnet18/34/50; 3x32x32 and 10 classes for simpleconvnet; 1x28x28 and 10 classes for"
                        + " resnet20 and the LeNets."})
final class InfoCommand implements Callable<Integer> {
    /** More classes than any data set we know of (ImageNet-21k has 21,841); --classes is checked against it. */
    static final int MAX_CLASSES = 1 << 20;

    @Parameters(index = "0", arity = "0..1", description = "the model file")
    Path model;
    @Option(names = "--model", description = "a ready-made architecture instead of a file: one of ${COMPLETION-CANDIDATES}",
            completionCandidates = ModelNames.class)
    String name;
    @Option(names = "--classes", description = "with --model: the classes of the last layer (default: 1000 for the"
            + " ImageNet models, else 10)")
    Integer classes;
    @Option(names = "--input", description = "with --model: CxHxW of one image (default: the model's, see above)")
    String input;

    /** Models.NAMES for picocli's help. */
    static final class ModelNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Models.NAMES.iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (model != null && name != null) {
            throw new IllegalArgumentException("info takes a model file or --model NAME, not both (got " + model
                    + " and --model " + name + ")");
        }
        if (model == null && name == null) {
            throw new IllegalArgumentException("info needs a model file, or --model NAME for a ready-made architecture"
                    + " (one of " + Models.NAMES + ")");
        }
        if (model != null && (classes != null || input != null)) {
            throw new IllegalArgumentException((classes != null ? "--classes" : "--input") + " is for --model NAME; a model"
                    + " file " + model + " has its own");
        }
        return name != null ? architecture() : file();
    }

    /** The summary from the plan: nothing allocated for the graph models, a small CPU build for the others. */
    private int architecture() {
        ModelInputs.requireKnown(name);
        if (classes != null) {
            OptionRanges.between("--classes", classes, 1, MAX_CLASSES);
        }
        Shape item = input != null ? ModelInputs.parse("--input", input) : ModelInputs.folderDefault(name);
        int n = classes != null ? classes : ModelInputs.defaultClasses(name);
        ModelInputs.requireFits(name, item, "--input");
        System.out.printf("%s for %dx%dx%d images, %d classes:%n", name, item.dim(0), item.dim(1), item.dim(2), n);
        Optional<NetworkSpec> spec = Models.spec(name, item, n);
        if (spec.isPresent()) {
            System.out.print(spec.get().summary());
            return 0;
        }
        // LeNet, SimpleConvNet and AlexNet are made by their builders: build once (AlexNet's 61 M
        // parameters are the largest) and print the spec the builder recorded.
        try (CpuBackend cpu = new CpuBackend(1); Network net = Models.build(name, cpu, item, n, 1)) {
            System.out.print(summary(net));
        }
        return 0;
    }

    private int file() throws Exception {
        InputFiles.requireModelFile(model);
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, model);
            try (var net = loaded.network()) {
                System.out.println(model + ":");
                System.out.print(summary(net));
                loaded.metadata().forEach((k, v) -> {
                    if (!k.equals(ModelFile.ARCHITECTURE_KEY) && !k.startsWith("checkpoint.history")
                            && !k.equals(SafeTensors.CRC_KEY) && !k.equals(SafeTensors.CHECKSUM_KEY)) {
                        System.out.println(k + ": " + v.replace("\n", ", "));
                    }
                });
            }
        }
        return 0;
    }

    /** The spec's listing (wide names, each layer's inputs where it reads other than the layer before); the network's without one. */
    private static String summary(Network net) {
        return net.spec().map(NetworkSpec::summary).orElseGet(net::summary);
    }
}
