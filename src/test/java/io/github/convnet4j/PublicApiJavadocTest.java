package io.github.convnet4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public type and member of the library's core packages has a javadoc comment (issue 8). The JDK's
 * javadoc tool runs in-process with {@code -Xdoclint:missing} and every "no comment" diagnostic it reports
 * is an offender; the pom is left alone so that the check lives in one file. Only "no comment" counts:
 * the team documents with prose, not with an {@code @param} per argument.
 */
class PublicApiJavadocTest {
    /** The packages whose public API must be documented. */
    private static final List<String> DOCUMENTED_PACKAGES = List.of(
            "io.github.convnet4j.tensor",
            "io.github.convnet4j.nn",
            "io.github.convnet4j.backend",
            "io.github.convnet4j.infer");

    private static final Path MAIN_SOURCES = Path.of(System.getProperty("user.dir"), "src", "main", "java");

    @Test
    void everyPublicTypeAndMemberOfTheCorePackagesIsDocumented(@TempDir Path out) throws IOException {
        List<String> offenders = undocumented(MAIN_SOURCES, DOCUMENTED_PACKAGES, out);
        assertTrue(offenders.isEmpty(), offenders.size() + " public elements of " + DOCUMENTED_PACKAGES
                + " have no javadoc comment:\n" + String.join("\n", offenders));
    }

    /** The check can fail: an undocumented public method and constructor are reported, documented ones are not. */
    @Test
    void reportsAnUndocumentedPublicMember(@TempDir Path dir) throws IOException {
        Path sources = dir.resolve("src");
        Path pkg = Files.createDirectories(sources.resolve("planted"));
        Files.writeString(pkg.resolve("package-info.java"), "/** A package with one planted omission. */\npackage planted;\n");
        Files.writeString(pkg.resolve("Sample.java"), String.join("\n",
                "package planted;",
                "",
                "/** A documented class. */",
                "public class Sample {",
                "    /** A documented constructor. */",
                "    public Sample() {",
                "    }",
                "",
                "    /** A documented method. */",
                "    public int documented() {",
                "        return 1;",
                "    }",
                "",
                "    public int undocumented() {",
                "        return 2;",
                "    }",
                "",
                "    int packagePrivateNeedsNoComment() {",
                "        return 3;",
                "    }",
                "}",
                ""));

        List<String> offenders = undocumented(sources, List.of("planted"), Files.createDirectories(dir.resolve("out")));

        assertEquals(1, offenders.size(), "exactly the planted omission: " + offenders);
        assertTrue(offenders.get(0).contains("planted/Sample.java:14"), "names the file and line: " + offenders.get(0));
    }

    /**
     * Runs javadoc with doclint's "missing" group on {@code packages} under {@code sourcePath} (the test class path
     * resolves their imports) and returns every "no comment" diagnostic as "file:line: source line", the file relative to {@code sourcePath}. Fails the test,
     * with javadoc's output, if the tool itself fails for another reason (an unresolved import, a broken tag).
     */
    private static List<String> undocumented(Path sourcePath, List<String> packages, Path outDir) {
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = new ArrayList<>(List.of(
                "-Xdoclint:missing", "-Xmaxwarns", "100000", "-Xmaxerrs", "100000", "-quiet",
                "-sourcepath", sourcePath.toString(),
                "-classpath", System.getProperty("java.class.path"),
                "-d", outDir.toString()));
        options.addAll(packages);
        Writer toolOutput = new StringWriter();
        boolean ok = javadoc.getTask(toolOutput, null, diagnostics, null, options, null).call();
        List<String> offenders = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getMessage(Locale.ROOT).contains("no comment")) {
                String file = d.getSource() == null ? "?"
                        : sourcePath.toAbsolutePath().relativize(Path.of(d.getSource().toUri())).toString();
                offenders.add(file + ":" + d.getLineNumber() + ": " + sourceLine(d));
            }
        }
        assertTrue(ok, "javadoc failed:\n" + toolOutput + "\n" + errors(diagnostics));
        return offenders;
    }

    private static String sourceLine(Diagnostic<? extends JavaFileObject> d) {
        try {
            String[] lines = d.getSource().getCharContent(true).toString().split("\n", -1);
            long line = d.getLineNumber();
            return line >= 1 && line <= lines.length ? lines[(int) line - 1].strip() : "";
        } catch (IOException | RuntimeException e) {
            return "(source unreadable: " + e + ")";
        }
    }

    private static String errors(DiagnosticCollector<JavaFileObject> diagnostics) {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                sb.append(d).append('\n');
            }
        }
        return sb.toString();
    }
}
