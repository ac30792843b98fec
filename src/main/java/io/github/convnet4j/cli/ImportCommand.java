package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.onnx.OnnxImport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import an ONNX model (a PyTorch export, say) as a model file that eval, predict, info and further"
                + " training read. The ONNX initializer names are kept in the metadata ('" + OnnxImport.NAME_MAP_KEY
                + "'). A final Softmax/LogSoftmax over the classes is dropped: the model file outputs scores and ends"
                + " with the softmax cross-entropy loss (which applies the softmax), as models trained here do; a model"
                + " whose output is not (N, classes) gets the mean squared error. Class names and normalisation in the"
                + " model's metadata_props (as convnet4j export writes them) are kept.")
final class ImportCommand implements Callable<Integer> {
    private static final String CLASSES = "classes";
    private static final String NORMALIZATION = "normalization";

    @Parameters(index = "0", description = "the .onnx file")
    Path onnx;
    @Option(names = {"-o", "--output"}, required = true, description = "the model file to write (.safetensors)")
    Path output;
    @Option(names = "--classes", split = ",", description = "class names, one per output score, comma-separated"
            + " (default: the names in the model's metadata_props, where convnet4j export puts them; else none,"
            + " predictions say 0..N-1)")
    List<String> classes;
    @Option(names = "--force", description = "replace an existing --output")
    boolean force;

    @Override
    public Integer call() throws Exception {
        InputFiles.requireOnnxFile(onnx);
        InputFiles.requireNotTheInput("-o", output, onnx);
        InputFiles.requireWritableTarget("-o", output, force, "model.safetensors");
        OnnxImport.Result r = OnnxImport.forTraining(OnnxImport.read(onnx));
        int scores = r.spec().plan().outputShape().perItem();
        if (classes != null && (classes.size() != scores || classes.stream().anyMatch(String::isBlank))) {
            throw new IllegalArgumentException("--classes names " + classes.size() + " classes, but the model has "
                    + scores + " output scores");
        }
        Map<String, String> meta = new TreeMap<>();
        meta.put(OnnxImport.NAME_MAP_KEY, OnnxImport.nameMapJson(r.nameMap()));
        meta.put("onnx_source", String.valueOf(onnx.getFileName()));
        meta.putAll(exportedContract(r, scores));
        if (classes != null) {
            meta.put(CLASSES, String.join("\n", classes));
        }
        try (CpuBackend cpu = new CpuBackend(); Network net = OnnxImport.build(cpu, onnx.toString(), r)) {
            ModelFile.save(net, output, meta);
        }
        System.out.println("wrote " + output + ": " + r.spec().layers().size() + " layers, "
                + r.spec().plan().parameters().values().stream().mapToLong(s -> s.size()).sum() + " parameters, loss "
                + r.spec().loss());
        return 0;
    }

    /**
     * The class names and normalisation that {@code convnet4j export} put into {@code metadata_props}, so that a
     * model exported and imported back classifies the same pixels the same way; checked here against the model
     * (one name per score, one mean and std per input channel) so that no unusable model file is written.
     */
    private Map<String, String> exportedContract(OnnxImport.Result r, int scores) {
        Map<String, String> out = new TreeMap<>();
        String names = r.metadata().get(CLASSES);
        if (names != null) {
            int count = names.split("\n", -1).length;
            if (count != scores) {
                throw new IllegalArgumentException(onnx + ": metadata_props '" + CLASSES + "' names " + count
                        + " classes, but the model has " + scores + " output scores");
            }
            out.put(CLASSES, names);
        }
        String normalization = r.metadata().get(NORMALIZATION);
        if (normalization != null) {
            int channels = r.spec().shape().dim(0);
            Normalization n;
            try {
                n = Normalization.decode(normalization);
            } catch (IllegalArgumentException e) { // NumberFormatException included
                throw new IllegalArgumentException(onnx + ": metadata_props '" + NORMALIZATION + "' is unreadable: "
                        + e.getMessage(), e);
            }
            if (n.mean().length != channels || n.std().length != channels) {
                throw new IllegalArgumentException(onnx + ": metadata_props '" + NORMALIZATION + "' has "
                        + n.mean().length + " means and " + n.std().length + " stds, the model's input has " + channels
                        + " channels");
            }
            out.put(NORMALIZATION, normalization);
        }
        return out;
    }
}
