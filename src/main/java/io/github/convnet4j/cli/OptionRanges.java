package io.github.convnet4j.cli;

import java.util.Locale;

/**
 * Range checks for numeric options, run before any data is loaded, each failing with one line that
 * names the option, the allowed range and the value given (an IllegalArgumentException: exit code 2).
 */
final class OptionRanges {
    /**
     * The largest --batch: 65,536 items. Far above useful mini-batches (the book trains with 100),
     * and small enough that a batch of the largest bundled item shape (3×32×32 = 3,072 values) is
     * 201 million floats, within one Java array; larger items are checked against the array limit
     * once the data set is known.
     */
    static final int MAX_BATCH = 1 << 16;
    /** The largest --scale of a picture: 64 pixels per value already makes a 28×28 map 1,792 pixels wide. */
    static final int MAX_SCALE = 64;
    /** The largest --threads: more than any machine's cores, fewer than the threads a JVM can start. */
    static final int MAX_THREADS = 4096;

    private OptionRanges() {
    }

    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
        }
    }

    static void positiveFinite(String option, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(option + " must be a finite number > 0, got " + format(value));
        }
    }

    static void nonNegativeFinite(String option, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + format(value));
        }
    }

    /** For fractions such as --validation: in [0, 1). */
    static void fraction(String option, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(option + " must be in [0, 1), got " + format(value));
        }
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
