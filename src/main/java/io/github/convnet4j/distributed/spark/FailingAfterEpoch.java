package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;

/**
 * {@link FaultInjection#failOnceAfterEpoch}: a communicator that throws at its first all-reduce once
 * {@link #epochLogged} has seen the epoch's line. The Trainer logs an epoch's line, then writes its
 * checkpoint, then all-reduces the next step's gradients, so the failure comes after the checkpoint.
 */
final class FailingAfterEpoch implements Communicator {
    private final Communicator inner;
    private final int epoch;
    private boolean armed;

    FailingAfterEpoch(Communicator inner, int epoch) {
        this.inner = inner;
        this.epoch = epoch;
    }

    /** Called with every line rank 0's Trainer logs. */
    void epochLogged(String line) {
        if (line.startsWith("epoch: " + epoch + " ")) {
            armed = true;
        }
    }

    @Override
    public void allReduce(List<Tensor> tensors, ReduceOp op) {
        if (armed) {
            throw new IllegalStateException("planted failure of rank " + rank() + " after epoch " + epoch
                    + " (FaultInjection, first stage attempt only)");
        }
        inner.allReduce(tensors, op);
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        inner.broadcast(tensors, root);
    }

    @Override
    public byte[][] allGather(byte[] message) {
        return inner.allGather(message);
    }

    @Override
    public void barrier() {
        inner.barrier();
    }

    @Override
    public void abort(Throwable cause) {
        inner.abort(cause);
    }

    @Override
    public void close() {
        inner.close();
    }
}
