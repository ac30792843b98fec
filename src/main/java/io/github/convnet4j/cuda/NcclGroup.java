package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.CommunicatorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * NCCL communicators for CUDA backends: {@link #local} for one GPU per replica thread in this JVM
 * ({@code train --replicas N} on CUDA), {@link #newUniqueId} + {@link #join} for one process per
 * machine (rank 0 makes the id and shares it, e.g. through Spark's {@code allGather}). NCCL is an
 * optional dependency: {@link #unavailableReason} says why it cannot be used, before anything
 * else is attempted.
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
     * One communicator per backend (rank i on backends.get(i)), initialised together, one thread per
     * rank, as NCCL requires when each rank is driven by its own thread.
     */
    public static List<Communicator> local(List<? extends Backend> backends) {
        requireAvailable();
        byte[] id = NcclCommunicator.newUniqueId();
        ExecutorService threads = Executors.newFixedThreadPool(backends.size());
        List<Communicator> made = new ArrayList<>();
        try {
            List<Future<Communicator>> joins = new ArrayList<>();
            for (int r = 0; r < backends.size(); r++) {
                CudaBackend b = cuda(backends.get(r));
                int rank = r;
                joins.add(threads.submit(() -> NcclCommunicator.join(b, rank, backends.size(), id)));
            }
            for (Future<Communicator> f : joins) {
                made.add(f.get());
            }
            return List.copyOf(made);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            made.forEach(Communicator::close);
            throw new CommunicatorException("interrupted while the NCCL ranks joined", e);
        } catch (ExecutionException e) {
            made.forEach(Communicator::close);
            throw new CommunicatorException("an NCCL rank could not join: " + e.getCause().getMessage(), e.getCause());
        } finally {
            threads.shutdownNow();
        }
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
