package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporary() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        AtomicFiles.write(target, out -> out.write("old".getBytes()));
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("old", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        AtomicFiles.write(target, out -> out.write("new".getBytes()));
        assertEquals("new", Files.readString(target));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<Path> temporaries(String target) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("\\." + target.replace(".", "\\.") + "\\.\\d+\\.tmp"))
                    .toList();
        }
    }

    @Test
    void staleTemporariesOfTheTargetAreRemovedAndNothingElse() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        List<String> unrelated = List.of(".checkpoint.safetensors.abc.tmp", "checkpoint.safetensors.123.tmp",
                ".checkpoint.safetensors.123.tmp.keep", ".history.csv.123.tmp", ".checkpoint.safetensors.1.part",
                "notes.txt");
        for (String name : unrelated) {
            Files.writeString(dir.resolve(name), name);
        }
        Files.writeString(dir.resolve(".checkpoint.safetensors.123.tmp"), "left by kill -9");
        Files.writeString(dir.resolve(".checkpoint.safetensors.9876543210.tmp"), "and another");
        assertEquals(2, AtomicFiles.removeStaleTemporaries(target));
        assertEquals(unrelated.stream().sorted().toList(), names());
        for (String name : unrelated) {
            assertEquals(name, Files.readString(dir.resolve(name)), "untouched");
        }
        Files.writeString(dir.resolve(".checkpoint.safetensors.55.tmp"), "stale");
        AtomicFiles.write(target, out -> out.write(1));
        assertFalse(Files.exists(dir.resolve(".checkpoint.safetensors.55.tmp")), "a write removes its target's stale temporaries");
        assertEquals(0, AtomicFiles.removeStaleTemporaries(dir.resolve("absent").resolve("x")), "no folder, nothing to do");
    }

    private Process fork(String mode, Path target) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ForkedWriter.class.getName(), mode, target.toString()).redirectErrorStream(true).start();
    }

    private static void awaitLine(Process p, String line) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String got = r.readLine();
        assertEquals(line, got, "the forked writer started");
    }

    /** A temporary another live process is writing is left alone; once that process is killed, it is removed. */
    @Test
    void aTemporaryInUseByAnotherProcessIsKeptUntilItDies() throws Exception {
        Path target = dir.resolve("checkpoint.safetensors");
        Process p = fork("hold", target);
        try {
            awaitLine(p, "writing");
            assertEquals(1, temporaries(target.getFileName().toString()).size());
            assertEquals(0, AtomicFiles.removeStaleTemporaries(target), "locked by a live writer");
            assertEquals(1, temporaries(target.getFileName().toString()).size());
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        assertEquals(1, temporaries(target.getFileName().toString()).size(), "kill -9 leaves the temporary");
        assertEquals(1, AtomicFiles.removeStaleTemporaries(target));
        assertEquals(List.of(), names());
    }

    /** The experiment, bounded: kill -9 a process rewriting a file; the target stays whole, leftovers go. */
    @Test
    void killingAWriterLeavesAWholeTargetAndRemovableTemporaries() throws Exception {
        Path target = dir.resolve("model.safetensors");
        for (int trial = 0; trial < 3; trial++) {
            Process p = fork("loop", target);
            try {
                awaitLine(p, "writing");
                Thread.sleep(150 + 100 * trial);
            } finally {
                p.destroyForcibly();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            }
            if (Files.exists(target)) {
                assertEquals(4 << 20, Files.size(target), "never a half-written target");
            }
        }
        AtomicFiles.removeStaleTemporaries(target);
        assertEquals(List.of(), temporaries("model.safetensors"));
        assertTrue(names().stream().allMatch(n -> n.equals("model.safetensors")), names().toString());
    }
}
