package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
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
                + " whose output is not (N, classes) gets the mean squared error.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the .onnx file")
    Path onnx;
    @Option(names = {"-o", "--output"}, required = true, description = "the model file to write (.safetensors)")
    Path output;
    @Option(names = "--classes", split = ",", description = "class names, one per output score, comma-separated"
            + " (default: none stored, predictions say 0..N-1)")
    List<String> classes;
    @Option(names = "--force", description = "replace an existing --output")
    boolean force;

    @Override
    public Integer call() throws Exception {
        InputFiles.requireFile(onnx, "the ONNX model");
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
        if (classes != null) {
            meta.put("classes", String.join("\n", classes));
        }
        try (CpuBackend cpu = new CpuBackend(); Network net = OnnxImport.build(cpu, onnx.toString(), r)) {
            ModelFile.save(net, output, meta);
        }
        System.out.println("wrote " + output + ": " + r.spec().layers().size() + " layers, "
                + r.spec().plan().parameters().values().stream().mapToLong(s -> s.size()).sum() + " parameters, loss "
                + r.spec().loss());
        return 0;
    }
}
