package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.distributed.Communicator;
import org.apache.spark.TaskContext;

/**
 * Aborts a task's NCCL communicator when Spark kills the task. Spark kills the tasks of a failed
 * barrier stage by flagging them, which a task notices only inside Spark's own calls; a task waiting
 * in an NCCL collective for a rank that died would wait for ever and hold its GPU, so the retried
 * stage could never start. This daemon thread checks the flag once a second and aborts the
 * communicator, which makes the pending collective fail. Nothing is watched when the gradients go
 * through Spark itself.
 */
final class KillWatch implements AutoCloseable {
    private final Thread thread;

    KillWatch(TaskContext ctx, Communicator gradients, Communicator spark) {
        if (gradients == spark) {
            thread = null;
            return;
        }
        thread = new Thread(() -> watch(ctx, gradients), "convnet4j-kill-watch-" + ctx.partitionId());
        thread.setDaemon(true);
        thread.start();
    }

    private static void watch(TaskContext ctx, Communicator gradients) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (ctx.isInterrupted()) {
                    gradients.abort(new IllegalStateException("Spark killed this task (" + ctx.getKillReason()
                            .getOrElse(() -> "no reason given") + ")"));
                    return;
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            // closed: the task is over
        }
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
