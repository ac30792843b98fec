package io.github.convnet4j.distributed;

/**
 * A collective could not complete: another rank failed or aborted, the ranks called different
 * collectives or passed different sizes, or a rank waited longer than the group's timeout. The
 * message names the ranks involved.
 */
public final class CommunicatorException extends RuntimeException {
    public CommunicatorException(String message) {
        super(message);
    }

    public CommunicatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
