package io.github.convnet4j.distributed.spark;

import java.io.Serializable;

/**
 * Faults planted into a {@link TrainingJob} so the tests can see the failure handling work: a task
 * that fails once, and replicas that are not alike. Real jobs use {@link #NONE}.
 *
 * @param failOnceAfterEpoch  rank 0 throws on its first all-reduce after this epoch, in the stage's first attempt
 *                            only (0: never), after that epoch's checkpoint is written: the retried stage resumes
 * @param seedStepPerRank     rank r builds its network with seed + r * this (0: all alike); the replicas diverge
 */
public record FaultInjection(int failOnceAfterEpoch, long seedStepPerRank) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** No planted faults. */
    public static final FaultInjection NONE = new FaultInjection(0, 0);

    public FaultInjection {
        if (failOnceAfterEpoch < 0) {
            throw new IllegalArgumentException("the epoch to fail after must be >= 0, got " + failOnceAfterEpoch);
        }
    }
}
