package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `upgrade` on the first release's model file (the fixture of Format1UpgradeTest), from the real command line. */
class UpgradeCliTest {
    @TempDir
    Path dir;

    @Test
    void upgradeThenUse() throws Exception {
        Path old = dir.resolve("old.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/io/github/convnet4j/io/lenet-format1.safetensors")) {
            Files.copy(in, old);
        }
        CliRun.Result refused = CliRun.run("info", old.toString());
        assertTrue(refused.code() != 0, refused.err());
        assertTrue(refused.errLine().contains("'convnet4j upgrade FILE -o NEW'"), refused.err());
        Path upgraded = dir.resolve("new.safetensors");
        CliRun.Result r = CliRun.run("upgrade", old.toString(), "-o", upgraded.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + upgraded + " (model format 2)"), r.out());
        CliRun.Result info = CliRun.run("info", upgraded.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("parameters: 61706"), info.out());
        CliRun.Result twice = CliRun.run("upgrade", old.toString(), "-o", upgraded.toString());
        assertEquals(2, twice.code());
        assertTrue(twice.errLine().contains("exists; add --force"), twice.err());
    }
}
