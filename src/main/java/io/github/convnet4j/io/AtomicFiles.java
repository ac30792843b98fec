package io.github.convnet4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a file so that readers see either the old content or the complete new one: write to a
 * temporary file {@code .<name>.<digits>.tmp} beside it, fsync, rename over the target, fsync the
 * directory. A crash (kill -9, power loss) in between leaves a stray temporary; those are removed
 * by {@link #removeStaleTemporaries}, which every write runs for its target first and the CLI runs
 * when training starts.
 *
 * <p>A writer holds an exclusive file lock on its temporary until the rename, and the operating
 * system drops that lock when the writer's process dies, however it dies. So a temporary whose lock
 * can be taken belongs to nobody and is removed; one that is locked is being written by another
 * process and is left alone. Temporaries of this JVM's own writes are skipped without opening them
 * (closing any channel of a file would drop this process's POSIX lock on it).
 */
public final class AtomicFiles {
    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Temporaries this JVM is writing; guarded by itself, which also orders their creation with the cleaner. */
    private static final Set<Path> WRITING = new HashSet<>();

    private AtomicFiles() {
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        removeStaleTemporaries(target);
        try (Temporary tmp = Temporary.create(dir, prefix(target))) {
            setMode(tmp.path, modeFor(target));
            OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(tmp.channel), 1 << 16);
            writer.write(out);
            out.flush();
            tmp.channel.force(true);
            // Renamed while still locked: between unlock and rename a cleaner would see an orphan.
            try {
                Files.move(tmp.path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp.path, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        }
    }

    /**
     * The mode a written file gets: that of the file it replaces, else rw-r--r-- (0644), as any tool
     * writes files. Temporaries are created 0600, and the rename would carry that over, so models and
     * pictures in a shared folder (Docker's /runs volume) would be unreadable to other users.
     */
    static Set<PosixFilePermission> modeFor(Path target) {
        try {
            return Files.getPosixFilePermissions(target);
        } catch (IOException | UnsupportedOperationException e) {
            return PosixFilePermissions.fromString("rw-r--r--");
        }
    }

    /** File systems without POSIX modes (Windows) keep their own defaults. */
    private static void setMode(Path file, Set<PosixFilePermission> mode) throws IOException {
        try {
            Files.setPosixFilePermissions(file, mode);
        } catch (UnsupportedOperationException e) {
            // no POSIX modes here
        }
    }

    /** A locked temporary file of this JVM; closing it unlocks it and deletes it if it was not renamed. */
    private static final class Temporary implements AutoCloseable {
        final Path path;
        final FileChannel channel;
        private boolean closed;

        private Temporary(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        /**
         * Creates and locks a temporary. Between creating and locking it, a cleaner in another
         * process may have taken it for an orphan and deleted it; then it is gone once locked, and
         * another is made.
         */
        static Temporary create(Path dir, String prefix) throws IOException {
            for (int attempt = 1; ; attempt++) {
                Temporary t = open(dir, prefix);
                boolean kept = false;
                try {
                    lockIfPossible(t.channel);
                    kept = Files.exists(t.path, LinkOption.NOFOLLOW_LINKS);
                } finally {
                    if (!kept) {
                        t.close();
                    }
                }
                if (kept) {
                    return t;
                }
                if (attempt == 3) {
                    throw new IOException(dir + ": temporary files keep being removed by another process");
                }
            }
        }

        private static Temporary open(Path dir, String prefix) throws IOException {
            Path path;
            synchronized (WRITING) {
                path = Files.createTempFile(dir, prefix, ".tmp");
                WRITING.add(path);
            }
            try {
                return new Temporary(path, FileChannel.open(path, StandardOpenOption.WRITE));
            } catch (IOException | RuntimeException e) {
                forget(path);
                Files.deleteIfExists(path);
                throw e;
            }
        }

        /** A file system without locks cannot lock for the cleaner either, which then leaves the file alone. */
        private static void lockIfPossible(FileChannel channel) {
            try {
                channel.lock();
            } catch (IOException e) {
                // unlocked, as before
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                Files.deleteIfExists(path); // still there only when the write failed
            } finally {
                try {
                    channel.close(); // releases the lock
                } finally {
                    forget(path);
                }
            }
        }

        private static void forget(Path path) {
            synchronized (WRITING) {
                WRITING.remove(path);
            }
        }
    }

    /**
     * Removes the temporaries that writes of {@code target} left behind when their process died:
     * files named exactly {@code .<target name>.<digits>.tmp} beside it that no live process holds
     * locked. Other files, and temporaries of other targets, are never touched. Returns how many were
     * removed.
     */
    public static int removeStaleTemporaries(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Pattern ours = Pattern.compile(Pattern.quote(prefix(target)) + "\\d+\\.tmp");
        int removed = 0;
        synchronized (WRITING) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir,
                    p -> ours.matcher(p.getFileName().toString()).matches())) {
                for (Path p : files) {
                    if (!WRITING.contains(p) && removeIfOrphaned(p)) {
                        removed++;
                    }
                }
            }
        }
        return removed;
    }

    private static String prefix(Path target) {
        return "." + Objects.requireNonNull(target.getFileName(), "target needs a file name") + ".";
    }

    /** Deletes a temporary while holding its lock, so a writer that locks it later finds it gone. */
    private static boolean removeIfOrphaned(Path tmp) {
        if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return false; // another process is writing it
            }
            try (lock) {
                Files.delete(tmp);
                return true;
            }
        } catch (NoSuchFileException | OverlappingFileLockException e) {
            return false;
        } catch (IOException e) {
            return false; // cannot tell (a file system without locks): leave it
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open directories; the rename itself is still atomic there.
        }
    }
}
