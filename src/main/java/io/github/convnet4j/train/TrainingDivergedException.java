package io.github.convnet4j.train;

/** The loss became NaN or infinite; training stopped and the last good checkpoint is untouched. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
