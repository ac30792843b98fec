package io.github.convnet4j.cli;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Summary of a model file: layers, output shapes, parameter counts, metadata.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the model file")
    Path model;

    @Override
    public Integer call() throws Exception {
        InputFiles.requireModelFile(model);
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFile.Loaded loaded = ModelFile.load(cpu, model);
            try (var net = loaded.network()) {
                System.out.println(model + ":");
                System.out.print(net.summary());
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
}
