package io.github.convnet4j.distributed.spark;

/**
 * A {@link DistributedTrainer} job failed for good: Spark gave up retrying the barrier stage. The
 * message is the tasks' failure in one line; the cause is Spark's exception with the whole story.
 */
public final class DistributedTrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DistributedTrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
