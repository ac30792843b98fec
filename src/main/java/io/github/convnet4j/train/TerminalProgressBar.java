package io.github.convnet4j.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * An ASCII progress bar (me.tongfei:progressbar, an optional dependency). Only this class names the
 * library, and it is loaded only after {@link #available()} found the library, so the rest of the
 * engine links without it.
 */
final class TerminalProgressBar implements EpochProgress {
    private static final String LIBRARY_CLASS = "me.tongfei.progressbar.ProgressBar";

    private final ProgressBar bar;

    TerminalProgressBar(String task, int steps) {
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate().build();
    }

    /** Whether the progressbar library can be loaded (without initialising it). */
    static boolean available() {
        try {
            Class.forName(LIBRARY_CLASS, false, TerminalProgressBar.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public void step() {
        bar.step();
    }

    @Override
    public void close() {
        bar.close();
    }
}
