package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ONNX 1.12's own node tests (Debian's libonnx-testdata) through {@link OnnxCheck}: no folder may
 * FAIL (an op we translate must compute what ONNX's reference computed, or be refused as
 * UNSUPPORTED with its reason), and at least the measured number pass. Skipped with a message when
 * the package is absent, unless ONNX_TESTS=required (CI).
 */
class OnnxNodeSuiteTest {
    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");
    /** Measured with this importer (see README, "Importing ONNX"); fewer is a regression. */
    static final int PASSING = 67;

    @Test
    void everyFolderPassesOrIsRefusedAsUnsupported() throws IOException {
        if (!Files.isDirectory(NODE_TESTS)) {
            String why = NODE_TESTS + " is absent: apt-get install libonnx-testdata";
            if ("required".equals(System.getenv("ONNX_TESTS"))) {
                fail(why + " (ONNX_TESTS=required)");
            }
            assumeTrue(false, why);
        }
        List<Path> folders;
        try (Stream<Path> s = Files.list(NODE_TESTS)) {
            folders = s.filter(Files::isDirectory).sorted().toList();
        }
        List<String> failures = new ArrayList<>();
        Map<String, Integer> unsupported = new TreeMap<>();
        Map<String, Integer> refusedOfSupportedOps = new TreeMap<>();
        int passed = 0;
        int allOpsSupported = 0;
        for (Path f : folders) {
            OnnxCheck.FolderResult r = OnnxCheck.check(f);
            boolean supportedOps = OnnxReader.model(f.resolve("model.onnx")).getGraph().getNodeList().stream()
                    .allMatch(n -> OnnxImport.SUPPORTED_OPS.contains(n.getOpType()));
            allOpsSupported += supportedOps ? 1 : 0;
            switch (r.status()) {
                case PASS -> passed++;
                case FAIL -> failures.add(r.line());
                case UNSUPPORTED -> r.unsupported().forEach(op -> {
                    unsupported.merge(op, 1, Integer::sum);
                    if (supportedOps) {
                        refusedOfSupportedOps.merge(op, 1, Integer::sum);
                    }
                });
            }
        }
        System.out.println("ONNX node tests: " + folders.size() + " folders, " + passed + " passed, " + failures.size()
                + " failed, " + (folders.size() - passed - failures.size()) + " unsupported: " + unsupported);
        System.out.println("of the " + allOpsSupported + " folders whose ops are all supported, " + passed
                + " passed; refused: " + refusedOfSupportedOps);
        assertEquals(List.of(), failures, "folders that failed");
        assertTrue(passed >= PASSING, passed + " folders passed, fewer than the " + PASSING + " measured");
    }
}
