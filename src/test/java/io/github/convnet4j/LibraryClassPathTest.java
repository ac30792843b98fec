package io.github.convnet4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library artifact depends only on what the engine needs: SLF4J's API, Jackson and JCuda. The
 * command line's libraries (picocli, progressbar + JLine, XChart) and slf4j-simple are optional in
 * pom.xml, so an embedding application does not get them, and the engine must work without them.
 */
class LibraryClassPathTest {
    /** Jar names (prefixes) of the engine's own dependencies: everything else is the CLI's. */
    private static final List<String> ENGINE_JARS = List.of("slf4j-api-", "jackson-", "jcuda-", "jcublas-", "jcudnn-",
            "onnx-protobuf_");
    private static final Set<String> ENGINE_ARTIFACTS = Set.of("slf4j-api", "jackson-databind", "jcuda", "jcuda-natives",
            "jcublas", "jcublas-natives", "jcudnn", "jcudnn-natives", "onnx-protobuf_2.12");

    @Test
    void everyNonEngineDependencyIsOptionalOrTestScoped() throws Exception {
        String pom = Files.readString(Path.of(System.getProperty("user.dir"), "pom.xml"));
        String deps = pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
        Matcher m = Pattern.compile("(?s)<dependency>(.*?)</dependency>").matcher(deps);
        Set<String> reachUsers = new TreeSet<>();
        while (m.find()) {
            String d = m.group(1);
            String artifact = tag(d, "artifactId");
            boolean optional = "true".equals(tag(d, "optional"));
            String scope = tag(d, "scope");
            boolean notInherited = "test".equals(scope) || "provided".equals(scope); // provided: Spark, the cluster's
            if (!optional && !notInherited) {
                reachUsers.add(artifact);
            }
        }
        assertEquals(new TreeSet<>(ENGINE_ARTIFACTS), reachUsers, "dependencies an embedding application inherits");
    }

    @TempDir
    Path dir;

    /** Spark is provided by the cluster: a class outside distributed.spark that used it would fail without Spark. */
    @Test
    void onlyTheSparkPackageUsesSparkOrScala() throws Exception {
        Path main = Path.of(System.getProperty("user.dir"), "src", "main", "java");
        List<String> users = sparkUsers(main);
        assertFalse(users.isEmpty(), "the Spark package itself should be found");
        for (String u : users) {
            assertTrue(u.startsWith("io/github/convnet4j/distributed/spark/"), "uses Spark or Scala: " + u);
        }
        Path planted = Files.createDirectories(dir.resolve("src/io/github/convnet4j/train"));
        Files.writeString(planted.resolve("Leak.java"), "package io.github.convnet4j.train;\n"
                + "import org.apache.spark.SparkContext;\nclass Leak {}\n");
        assertEquals(List.of("io/github/convnet4j/train/Leak.java"), sparkUsers(dir.resolve("src")), "a planted user");
    }

    /** Source files (relative, with /) that import or name Spark's or Scala's packages. */
    private static List<String> sparkUsers(Path root) throws java.io.IOException {
        Pattern use = Pattern.compile("\\b(org\\.apache\\.spark|scala)\\.[A-Za-z]");
        List<String> users = new ArrayList<>();
        try (var files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) {
                if (use.matcher(Files.readString(f)).find()) {
                    users.add(root.relativize(f).toString().replace(File.separatorChar, '/'));
                }
            }
        }
        return users;
    }

    @Test
    void theEngineTrainsPredictsAndDrawsWithoutTheCommandLinesLibraries() throws Exception {
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            boolean engine = Files.isDirectory(Path.of(entry)) || ENGINE_JARS.stream().anyMatch(name::startsWith);
            (engine ? kept : dropped).add(entry);
        }
        assertTrue(dropped.stream().anyMatch(e -> e.contains("picocli")), "the test class path had picocli: " + dropped);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(java.toString(), "-Xmx512m", "-cp", String.join(File.pathSeparator, kept),
                LibraryOnlyProbe.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, "the probe did not finish in 120 s: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(LibraryOnlyProbe.DONE), out);
        assertTrue(out.contains("epoch: 1 loss:"), out);
        assertFalse(out.contains("NoClassDefFoundError"), out);
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">\\s*([^<]*?)\\s*</" + name + ">").matcher(xml);
        return m.find() ? m.group(1) : null;
    }
}
