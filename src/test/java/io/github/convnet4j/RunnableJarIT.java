package io.github.convnet4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jars `mvn package` builds, checked in `verify` (failsafe): target/convnet4j.jar runs the CLI
 * when copied alone into an empty folder; the library jar has a module name and no CLI classes; the
 * sources and javadoc jars are there.
 */
class RunnableJarIT {
    private static final Path TARGET = Path.of(System.getProperty("user.dir"), "target");

    @TempDir
    Path dir;

    @Test
    void theRunnableJarWorksWithNothingBesideIt() throws Exception {
        Path jar = dir.resolve("convnet4j.jar");
        Files.copy(TARGET.resolve("convnet4j.jar"), jar);
        String help = run("--help");
        assertTrue(help.contains("visualize") && help.contains("train"), help);
        // Fashion-MNIST from the machine when installed, else the sample bundled in the jar.
        String train = run("train", "--model", "lenet", "--device", "cpu", "--epochs", "1", "--limit", "300",
                "--output", "m.safetensors", "--no-progress");
        assertTrue(train.contains("epoch: 1 loss:"), train);
        String info = run("info", "m.safetensors");
        assertTrue(info.contains("parameters: 61706"), info);
        String confusion = run("visualize", "confusion", "m.safetensors", "-o", "c.png");
        assertTrue(confusion.contains("wrote"), confusion);
        assertNotNull(ImageIO.read(dir.resolve("c.png").toFile()), "a PNG");
        for (String out : List.of(help, train, info, confusion)) {
            assertFalse(out.contains("NoClassDefFoundError") || out.contains("multiple SLF4J providers")
                    || out.contains("No SLF4J providers"), out);
        }
    }

    @Test
    void theLibraryJarHasAModuleNameAndNoCommandLineInside() throws IOException {
        Path library = only("convnet4j-*-SNAPSHOT.jar");
        try (JarFile jar = new JarFile(library.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.github.convnet4j", main.getValue("Automatic-Module-Name"));
            assertNull(main.getValue("Class-Path"), "dependencies come from the POM, not from a lib/ folder");
            assertNull(main.getValue("Main-Class"), "java -jar on the library would miss picocli");
            assertNull(jar.getEntry("picocli/CommandLine.class"));
            assertNotNull(jar.getEntry("io/github/convnet4j/nn/Network.class"));
        }
        try (JarFile sources = new JarFile(only("convnet4j-*-sources.jar").toFile());
             JarFile javadoc = new JarFile(only("convnet4j-*-javadoc.jar").toFile())) {
            assertNotNull(sources.getEntry("io/github/convnet4j/nn/Network.java"));
            assertTrue(javadoc.stream().anyMatch(e -> e.getName().endsWith("io/github/convnet4j/nn/Network.html")),
                    "the javadoc jar documents Network");
        }
    }

    private static Path only(String glob) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var files = Files.newDirectoryStream(TARGET, glob)) {
            files.forEach(found::add);
        }
        assertEquals(1, found.size(), glob + " in " + TARGET + ": " + found);
        return found.get(0);
    }

    /** java -jar convnet4j.jar ARGS in the temporary folder; returns stdout + stderr after checking the exit code. */
    private String run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", "convnet4j.jar"));
        command.addAll(List.of(args));
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, String.join(" ", args) + " did not finish in 180 s: " + out);
        assertEquals(0, p.exitValue(), String.join(" ", args) + ": " + out);
        return out;
    }
}
