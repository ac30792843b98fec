package io.github.convnet4j.train;

import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.CommunicatorException;
import io.github.convnet4j.distributed.DataParallel;
import io.github.convnet4j.distributed.InProcessGroup;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Data-parallel training with N replicas in this JVM, one thread each, joined by an {@link
 * InProcessGroup}: {@code train --replicas N} on the CPU. Every replica must have been built alike
 * (same model, seed and optimizer settings; restored from the same checkpoint when resuming). The
 * caller owns the networks and optimizers; rank 0's network holds the result.
 */
public final class LocalReplicas {
    private LocalReplicas() {
    }

    /** One replica: its network and optimizer, on a backend of its own. */
    public record Replica(Network network, Optimizer optimizer) {
    }

    /**
     * Trains the replicas together and returns rank 0's history. If any replica fails, the others
     * stop at their next collective and the first failure is thrown (a {@link
     * CommunicatorException} only if nothing else went wrong first).
     *
     * @param syncEvery  1: gradients all-reduced every step; K > 1: weights averaged every K steps
     * @param checkEvery steps between weight-checksum comparisons (0: only at epoch ends)
     */
    public static List<EpochRecord> fit(List<Replica> replicas, Trainer.Config config, Map<String, String> metadata,
                                        Consumer<String> log, Dataset train, Dataset test, Normalization norm,
                                        Checkpoint.Progress resume, int syncEvery, int checkEvery) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("data-parallel training needs at least one replica");
        }
        return fit(replicas, InProcessGroup.create(replicas.size()), config, metadata, log, train, test, norm, resume,
                syncEvery, checkEvery);
    }

    /**
     * As above, with the replicas joined by {@code group} (rank i drives replica i; e.g. NCCL for CUDA
     * replicas); the group's communicators are closed at the end.
     */
    public static List<EpochRecord> fit(List<Replica> replicas, List<Communicator> group, Trainer.Config config,
                                        Map<String, String> metadata, Consumer<String> log, Dataset train, Dataset test,
                                        Normalization norm, Checkpoint.Progress resume, int syncEvery, int checkEvery) {
        if (replicas.isEmpty() || group.size() != replicas.size()) {
            throw new IllegalArgumentException(replicas.size() + " replicas need as many communicators, got "
                    + group.size());
        }
        ExecutorService threads = Executors.newFixedThreadPool(replicas.size(), r -> {
            Thread t = new Thread(r, "convnet4j-replica");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<EpochRecord>>> runs = new ArrayList<>();
            for (int rank = 0; rank < replicas.size(); rank++) {
                Replica replica = replicas.get(rank);
                Communicator comm = group.get(rank);
                runs.add(threads.submit(() -> runReplica(replica, comm, config, metadata, log, train, test, norm, resume,
                        syncEvery, checkEvery)));
            }
            return rankZeroResult(runs);
        } finally {
            threads.shutdownNow();
            group.forEach(Communicator::close);
        }
    }

    private static List<EpochRecord> runReplica(Replica replica, Communicator comm, Trainer.Config config,
                                                Map<String, String> metadata, Consumer<String> log, Dataset train,
                                                Dataset test, Normalization norm, Checkpoint.Progress resume,
                                                int syncEvery, int checkEvery) {
        try (DataParallel dp = new DataParallel(comm, replica.network(), syncEvery, checkEvery)) {
            return new Trainer(replica.network(), replica.optimizer(), config, metadata, log, dp)
                    .fit(train, test, norm, resume);
        } catch (RuntimeException | Error e) {
            comm.abort(e); // the others would wait for this rank at their next collective
            throw e;
        }
    }

    /** Waits for every replica; the first real failure wins over the group errors it caused in the others. */
    private static List<EpochRecord> rankZeroResult(List<Future<List<EpochRecord>>> runs) {
        List<EpochRecord> result = null;
        Throwable first = null;
        Throwable firstGroupError = null;
        for (int rank = 0; rank < runs.size(); rank++) {
            try {
                List<EpochRecord> h = runs.get(rank).get();
                if (rank == 0) {
                    result = h;
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CommunicatorException) {
                    firstGroupError = firstGroupError == null ? cause : firstGroupError;
                } else if (first == null) {
                    first = cause;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the replicas", e);
            }
        }
        Throwable failure = first != null ? first : firstGroupError;
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return result;
    }
}
