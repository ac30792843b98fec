package io.github.convnet4j.train;

/**
 * The progress of one training epoch, one step per mini-batch. Drawn on the terminal by
 * {@link TerminalProgressBar} when the optional {@code me.tongfei:progressbar} library is on the class
 * path (it is in the runnable CLI jar); an application that embeds the engine without it gets no bar
 * rather than a {@link NoClassDefFoundError}.
 */
interface EpochProgress extends AutoCloseable {
    /** Draws nothing. */
    EpochProgress NONE = new EpochProgress() {
        @Override
        public void step() {
        }

        @Override
        public void close() {
        }
    };

    void step();

    @Override
    void close();

    /** A terminal bar when {@code wanted} and the library is present, else {@link #NONE}. */
    static EpochProgress open(boolean wanted, String task, int steps) {
        return wanted && TerminalProgressBar.available() ? new TerminalProgressBar(task, steps) : NONE;
    }
}
