package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.distributed.Communicator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NCCL communicators for CUDA backends: {@link #local} for one GPU per replica thread in this JVM
 * ({@code train --replicas N} on CUDA), {@link #newUniqueId} + {@link #join} for one process per
 * machine (rank 0 makes the id and shares it, e.g. through Spark's {@code allGather}). NCCL is an
 * optional dependency: {@link #unavailableReason} says why it cannot be used, before anything
 * else is attempted. NCCL has no timeout of its own: within one JVM a failing rank aborts the
 * others; across processes each rank must be aborted by its own process: Spark's kill of a failed barrier
 * stage's tasks takes effect only inside Spark calls, so a Spark task watches for it and aborts
 * its rank ({@code BarrierTrainingTask}).
 */
public final class NcclGroup {
    private NcclGroup() {
    }

    /** Loading is tried once: a class whose static initialiser failed cannot be loaded again, only refused. */
    private static final Optional<String> UNAVAILABLE = tryLoad();

    /** Empty when NCCL's binding and {@code libnccl.so.2} load here; otherwise why not, in one line. */
    public static Optional<String> unavailableReason() {
        return UNAVAILABLE;
    }

    private static Optional<String> tryLoad() {
        try {
            Class.forName("org.bytedeco.cuda.global.nccl", true, NcclGroup.class.getClassLoader());
            return Optional.empty();
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return Optional.of("NCCL's Java binding (org.bytedeco:cuda) is not on the class path");
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | SecurityException e) {
            return Optional.of("NCCL could not be loaded (needs libnccl.so.2 and CUDA 12's libcudart.so.12): "
                    + CudaEnvironment.reason(e));
        }
    }

    /** A new unique id for {@link #join}; rank 0 makes it. */
    public static byte[] newUniqueId() {
        requireAvailable();
        return NcclCommunicator.newUniqueId();
    }

    /** Joins the {@code size}-rank communicator named by {@code uniqueId} as {@code rank}; blocks until all have joined. */
    public static Communicator join(Backend backend, int rank, int size, byte[] uniqueId) {
        requireAvailable();
        return NcclCommunicator.join(cuda(backend), rank, size, uniqueId);
    }

    /**
     * One communicator per backend (rank i on backends.get(i)), initialised together from this
     * thread in one NCCL group call (a rank that cannot start is one error, not a hang). Each rank
     * may then be driven by its own thread; an abort on one aborts all.
     */
    public static List<Communicator> local(List<? extends Backend> backends) {
        requireAvailable();
        List<CudaBackend> cuda = new ArrayList<>();
        for (Backend b : backends) {
            cuda.add(cuda(b));
        }
        return List.copyOf(NcclCommunicator.initAll(cuda));
    }

    private static void requireAvailable() {
        unavailableReason().ifPresent(why -> {
            throw new IllegalStateException(why);
        });
    }

    private static CudaBackend cuda(Backend b) {
        if (b instanceof CudaBackend c) {
            return c;
        }
        throw new IllegalArgumentException("NCCL needs CUDA backends, got " + b.name());
    }
}
