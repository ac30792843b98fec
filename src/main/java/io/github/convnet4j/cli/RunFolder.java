package io.github.convnet4j.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A training run's own folder, {@code runs/<model>-<yyyyMMdd-HHmmss>}, so that a second run never
 * overwrites the first one's model, history or checkpoint. Two runs started in the same second get
 * {@code -2}, {@code -3}... (the folder is created atomically, so concurrent runs cannot share one).
 */
final class RunFolder {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunFolder() {
    }

    static Path createNew(Path parent, String model, LocalDateTime now) throws IOException {
        Files.createDirectories(parent);
        String base = model + "-" + STAMP.format(now);
        for (int n = 1; ; n++) {
            Path dir = parent.resolve(n == 1 ? base : base + "-" + n);
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                if (n == 1000) {
                    throw e;
                }
            }
        }
    }
}
