package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code src/test/python/onnx_check_model.py} with {@code $ONNX_PYTHON}, else {@code /usr/bin/python3}
 * (Debian's, which has python3-onnx and python3-torch), else python3 on the PATH. Where either is missing the calling test is skipped with a message,
 * unless {@code ONNX_PYTHON_TESTS=required}, where it fails instead (CI does not install them: {@code ONNX_TESTS=required}
 * there makes only the node suite, whose data CI installs, a requirement).
 */
final class OnnxPython {
    static final Path SCRIPT = Path.of("src/test/python/onnx_check_model.py");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String python;
    private static String unavailable;

    private OnnxPython() {
    }

    static boolean required() {
        return "required".equalsIgnoreCase(System.getenv("ONNX_PYTHON_TESTS"));
    }

    /** Skips (or, when required, fails) the test unless python3 can import onnx and torch. */
    static synchronized void assumeAvailable() {
        if (python == null && unavailable == null) {
            probe();
        }
        if (unavailable != null) {
            if (required()) {
                fail("ONNX_PYTHON_TESTS=required but " + unavailable);
            }
            Assumptions.abort("skipped: " + unavailable + " (set ONNX_PYTHON_TESTS=required to make this a failure)");
        }
    }

    private static void probe() {
        String candidate = System.getenv("ONNX_PYTHON") != null ? System.getenv("ONNX_PYTHON")
                : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        try {
            Result r = exec(List.of(candidate, "-c", "import onnx, torch; print(onnx.__version__)"));
            if (r.code != 0) {
                unavailable = candidate + " cannot import onnx and torch: " + r.out.strip();
            } else {
                python = candidate;
            }
        } catch (IOException e) {
            unavailable = "no python3 (" + e.getMessage() + ")";
        }
    }

    record Result(int code, String out) {
    }

    private static Result exec(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * The script's verdict on {@code path} ({@code check} a model file, {@code eval} a backend-test
     * folder): its last output line as JSON, with {@code ok} true or false.
     */
    static JsonNode run(String what, Path path) throws IOException {
        assumeAvailable();
        Result r = exec(List.of(python, SCRIPT.toString(), what, path.toString()));
        String[] lines = r.out.strip().split("\n");
        JsonNode verdict;
        try {
            verdict = JSON.readTree(lines[lines.length - 1]);
        } catch (IOException e) {
            throw new AssertionError("onnx_check_model.py " + what + " printed no verdict:\n" + r.out, e);
        }
        if (verdict.path("ok").asBoolean() != (r.code == 0)) {
            throw new AssertionError("exit code " + r.code + " disagrees with the verdict " + verdict);
        }
        return verdict;
    }
}
