package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Written files are readable by others (0644), as any tool's, not the 0600 of a temporary file. */
class AtomicFilesModeTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aNewFileIs0644() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path target = dir.resolve("model.safetensors");
        AtomicFiles.write(target, out -> out.write(1));
        assertEquals("rw-r--r--", mode(target));
    }

    @Test
    void aReplacedFileKeepsItsMode() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path target = dir.resolve("curves.png");
        Files.write(target, new byte[]{0});
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-r--"));
        AtomicFiles.write(target, out -> out.write(2));
        assertEquals("rw-rw-r--", mode(target));
        assertEquals(2, Files.readAllBytes(target)[0]);
    }
}
