package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = "Rewrite a model file of the first release (format 1, whose checksum covered only the tensor"
                + " data) as a current one (format 2, the whole file checksummed). The data checksum and the"
                + " architecture are verified; the metadata (class names, normalisation) is taken as it is, so"
                + " upgrade only files you trust.")
final class UpgradeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the format-1 model file")
    Path model;
    @Option(names = {"-o", "--output"}, required = true, description = "the format-2 model file to write")
    Path output;
    @Option(names = "--force", description = "replace an existing --output")
    boolean force;

    @Override
    public Integer call() throws Exception {
        InputFiles.requireModelFile(model);
        InputFiles.requireWritableTarget("-o", output, force, "model.safetensors");
        try (CpuBackend cpu = new CpuBackend()) {
            ModelFile.upgrade(model, output, cpu);
        }
        System.out.println("wrote " + output + " (model format " + ModelFile.VERSION + ")");
        return 0;
    }
}
