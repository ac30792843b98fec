package io.github.convnet4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of the files and folders a command is given, run before any data is loaded or any model
 * built, each failing with one line that names the option or file and says what was expected (an
 * IllegalArgumentException: exit code 2).
 */
final class InputFiles {
    private InputFiles() {
    }

    /** An existing, readable regular file; {@code what} says what it should be, e.g. "a model file". */
    static void requireFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": no such file (expected " + what + ")");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a folder; expected " + what);
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(file + ": permission denied (expected " + what + " this user can read)");
        }
    }

    /** An existing folder, named by {@code option}. */
    static void requireFolder(String option, Path dir, String what) {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": no such folder (expected " + what + ")");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + " is a file; expected a folder (" + what + ")");
        }
    }

    /** A file's first 16 bytes and its size: enough for {@link FileSignatures} to say what it is. */
    private record Head(byte[] bytes, long size) {
    }

    private static Head head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new Head(in.readNBytes(16), Files.size(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A convnet4j model file: safetensors, whose first 8 bytes are the little-endian length of a JSON
     * header that starts with '{' and fits in the file. Anything else is named by what it looks like,
     * from its first bytes, before the model reader reports an impossible header length.
     */
    static void requireModelFile(Path file) {
        requireFile(file, "a convnet4j model file (safetensors)");
        Head h = head(file);
        byte[] head = h.bytes();
        long size = h.size();
        if (FileSignatures.safetensorsHeaderFits(head, size)) {
            return; // the model reader checks the rest
        }
        String looks = FileSignatures.describe(head);
        if (looks == null) {
            looks = size == 0 ? "an empty file" : "no format convnet4j knows (its first 8 bytes are no header length that fits)";
        }
        throw new IllegalArgumentException(file + " is not a convnet4j model file (safetensors); it looks like " + looks);
    }

    /**
     * A file that the ONNX reader should see: a safetensors model (convnet4j's own format), an image,
     * an archive or a pickle is named as such rather than left to fail as a corrupt protobuf.
     */
    static void requireOnnxFile(Path file) {
        requireFile(file, "an ONNX model (.onnx)");
        Head h = head(file);
        byte[] head = h.bytes();
        long size = h.size();
        if (FileSignatures.safetensorsHeaderFits(head, size)) {
            throw new IllegalArgumentException(file + " is a convnet4j model file (safetensors), not an ONNX model;"
                    + " it needs no import (convnet4j export writes ONNX from it)");
        }
        String looks = FileSignatures.describe(head);
        // a protobuf's first bytes can look like text or like ONNX; only formats that are surely not ONNX are refused
        if (looks != null && !looks.startsWith("an ONNX") && !looks.equals("a text file")) {
            throw new IllegalArgumentException(file + " is not an ONNX model; it looks like " + looks);
        }
    }

    /** The output must not be the input itself: writing it would destroy what is being read. */
    static void requireNotTheInput(String option, Path output, Path input) {
        try {
            if (Files.exists(output) && Files.isSameFile(output, input)) {
                throw new IllegalArgumentException(option + " " + output + " is the input file " + input
                        + " itself; name another file");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + output + ": cannot be compared with " + input + " ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * A file that {@code --output}/{@code -o} may write: not a folder, and, unless {@code replace},
     * not an existing file.
     */
    static void requireWritableTarget(String option, Path file, boolean replace, String exampleName) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder; expected a file name, such as "
                    + file.resolve(exampleName));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": " + parent + " is a file, not a folder");
        }
        if (!replace && Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + " exists; add --force to replace it, or name"
                    + " another file");
        }
        requireWritableFolder(option, parent);
    }

    /**
     * The nearest existing folder of {@code folder} (the folder itself, or the one it will be
     * created in) must be writable, so a read-only target fails before the work, not after it.
     */
    static void requireWritableFolder(String option, Path folder) {
        Path existing = folder == null ? Path.of("").toAbsolutePath() : folder.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && (!Files.isDirectory(existing) || !Files.isWritable(existing))) {
            throw new IllegalArgumentException(option + ": cannot write into " + existing
                    + (Files.isDirectory(existing) ? " (not writable)" : " (a file, not a folder)"));
        }
    }
}
