package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.onnx.OnnxExport;
import io.github.convnet4j.onnx.OnnxTestFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model file as ONNX (opset " + OnnxExport.OPSET + "): input 'input' (batch, C, H, W),"
                + " normalised as the model's metadata says; output the logits (no softmax). Class names and"
                + " normalisation go into the model's metadata_props.",
                "--check-data DIR also writes an ONNX backend-test folder (DIR/model.onnx, DIR/test_data_set_0/"
                        + "input_0.pb and output_0.pb: a fixed random batch and our CPU outputs for it), to check any"
                        + " ONNX runtime against us, e.g. with 'convnet4j onnx-check DIR'."})
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the model file (safetensors)")
    Path model;
    @Option(names = {"-o", "--output"}, required = true, description = "the ONNX file to write")
    Path output;
    @Option(names = "--check-data", paramLabel = "DIR", description = "also write a backend-test folder here")
    Path checkData;
    @Option(names = "--check-batch", defaultValue = "2", description = "items in the --check-data batch (default: ${DEFAULT-VALUE})")
    int checkBatch;
    @Option(names = "--force", description = "replace an existing --output (and --check-data folder's files)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        InputFiles.requireModelFile(model);
        InputFiles.requireNotTheInput("-o", output, model);
        InputFiles.requireWritableTarget("-o", output, force, "model.onnx");
        if (checkData != null) {
            OptionRanges.between("--check-batch", checkBatch, 1, OnnxTestFolder.MAX_BATCH);
            requireCheckFolder();
        }
        try (CpuBackend cpu = new CpuBackend()) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, model);
            try (Network net = loaded.network()) {
                Map<String, String> metadata = userMetadata(loaded.metadata());
                long start = System.nanoTime();
                OnnxExport.write(net, output, metadata);
                System.out.printf("wrote %s (ONNX opset %d, %,d bytes, %.2f s)%n", output, OnnxExport.OPSET,
                        Files.size(output), (System.nanoTime() - start) / 1e9);
                if (checkData != null) {
                    OnnxTestFolder.Written w = OnnxTestFolder.write(net, checkData, metadata, checkBatch, 1);
                    System.out.println("wrote " + checkData + " (model.onnx, " + OnnxTestFolder.DATA_SET + ": input "
                            + w.input() + ", output " + w.output() + ")");
                }
            }
        }
        return 0;
    }

    /** A folder that is absent, empty, or (with --force) a previous backend-test folder. */
    private void requireCheckFolder() throws java.io.IOException {
        if (Files.exists(checkData) && !Files.isDirectory(checkData)) {
            throw new IllegalArgumentException("--check-data " + checkData + " is a file; expected a folder");
        }
        if (Files.isDirectory(checkData)) {
            boolean empty;
            try (Stream<Path> s = Files.list(checkData)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !force) {
                throw new IllegalArgumentException("--check-data " + checkData + " is not empty; add --force to"
                        + " replace its model.onnx and " + OnnxTestFolder.DATA_SET + ", or name another folder");
            }
        }
        InputFiles.requireWritableFolder("--check-data", checkData);
    }

    /** The model's own metadata (class names, normalisation...), without the file format's keys. */
    static Map<String, String> userMetadata(Map<String, String> all) {
        Map<String, String> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if (!k.equals(ModelFile.FORMAT_KEY) && !k.equals(ModelFile.VERSION_KEY) && !k.equals(ModelFile.ARCHITECTURE_KEY)
                    && !k.equals(SafeTensors.CHECKSUM_KEY) && !k.equals(SafeTensors.CRC_KEY)
                    && !k.startsWith("checkpoint.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
