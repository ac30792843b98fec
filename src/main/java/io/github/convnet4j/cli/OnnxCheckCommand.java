package io.github.convnet4j.cli;

import io.github.convnet4j.onnx.OnnxCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "onnx-check", mixinStandardHelpOptions = true,
        description = "Run ONNX backend-test folders (model.onnx beside test_data_set_N/input_K.pb and output_K.pb) on the"
                + " CPU and compare with the stored outputs (1e-4 relative, 1e-5 absolute near zero). Prints one line per"
                + " folder, PASS|FAIL|UNSUPPORTED name max-relative-error, then the totals. A folder without model.onnx"
                + " stands for its sub-folders that have one (e.g. ONNX's whole node suite). Exit code 1 if any failed.")
final class OnnxCheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", description = "test folders")
    List<Path> folders;

    @Override
    public Integer call() throws IOException {
        int[] counts = new int[OnnxCheck.Status.values().length];
        for (Path f : expand()) {
            OnnxCheck.FolderResult r = OnnxCheck.check(f);
            counts[r.status().ordinal()]++;
            System.out.println(r.line());
        }
        System.out.println("passed " + counts[OnnxCheck.Status.PASS.ordinal()] + ", failed "
                + counts[OnnxCheck.Status.FAIL.ordinal()] + ", unsupported "
                + counts[OnnxCheck.Status.UNSUPPORTED.ordinal()]);
        return counts[OnnxCheck.Status.FAIL.ordinal()] == 0 ? 0 : 1;
    }

    private List<Path> expand() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path f : folders) {
            InputFiles.requireFolder("DIR", f, "an ONNX test folder");
            if (Files.isRegularFile(f.resolve("model.onnx"))) {
                out.add(f);
                continue;
            }
            try (Stream<Path> s = Files.list(f)) {
                List<Path> sub = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
                if (sub.isEmpty()) {
                    throw new IllegalArgumentException(f + ": no model.onnx in it or in its sub-folders");
                }
                out.addAll(sub);
            }
        }
        return out;
    }
}
