package io.github.convnet4j.distributed;

/**
 * Data-parallel replicas that should hold identical weights do not: a replica-specific setting, a
 * nondeterministic op, or corrupted memory on one worker. Training stops on every rank, since
 * averaging gradients of different models trains none of them.
 */
public final class ReplicasDivergedException extends RuntimeException {
    public ReplicasDivergedException(String message) {
        super(message);
    }
}
