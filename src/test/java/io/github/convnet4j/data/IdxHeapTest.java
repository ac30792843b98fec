package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data set that passes the heap check is read within that heap: a raw IDX body whose length the
 * file proves is read into one array, not a doubling one (whose last step holds 1.5 times the body).
 */
class IdxHeapTest {
    @TempDir
    Path dir;

    /** Run in a small forked JVM: reads the data set and prints its size, or the one-line error. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            try {
                Dataset d = IdxReader.read("probe", Path.of(args[0]), Path.of(args[1]), List.of("a", "b"));
                System.out.println("read " + d.size());
            } catch (DataFormatException e) {
                System.out.println("refused: " + e.getMessage());
            } catch (OutOfMemoryError e) {
                System.out.println("out of memory");
            }
        }
    }

    @Test
    void aRawBodyThatFitsTheHeapIsReadInOneArray() throws Exception {
        int count = 700; // 700 × 256 × 256 = 45.9 MB of pixels: fits a 64 MB heap once, not 1.5 times
        Path labels = dir.resolve("labels-idx1-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(labels))) {
            out.writeInt(0x801);
            out.writeInt(count);
            out.write(new byte[count]);
        }
        Path images = dir.resolve("images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(256);
            out.writeInt(256);
        }
        try (RandomAccessFile f = new RandomAccessFile(images.toFile(), "rw")) {
            f.setLength(16 + (long) count * 256 * 256); // sparse: no real disk use
        }
        assertEquals("read " + count, fork("64m", images, labels));
    }

    private static String fork(String heap, Path images, Path labels) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), images.toString(), labels.toString()).redirectErrorStream(true);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish in 60 s");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
