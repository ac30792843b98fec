package io.github.convnet4j.distributed.spark;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.cuda.CudaOptions;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.DataParallel;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.Optimizers;
import io.github.convnet4j.train.Checkpoint;
import io.github.convnet4j.train.LearningRateSchedule;
import io.github.convnet4j.train.Trainer;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.resource.ResourceInformation;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of one barrier task, one data-parallel replica: it loads the data, builds the network
 * with the job's seed, resumes from the run folder's checkpoint if there is one (after a stage
 * retry, or for {@link TrainingJob#resume}), trains with a {@link Trainer} joined to the other tasks
 * by a {@link SparkBarrierCommunicator} (or, when every task has a GPU and NCCL, by NCCL, whose id
 * the Spark communicator shares), and rank 0 writes the model file. It returns rank 0's log
 * lines (the other ranks return none) for the driver.
 */
final class BarrierTrainingTask extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The model file rank 0 writes into the run folder. */
    static final String MODEL_FILE = "model.safetensors";

    private final TrainingJob job;

    BarrierTrainingTask(TrainingJob job) {
        this.job = job;
    }

    @Override
    public Iterator<String> apply(Iterator<Integer> ignored) {
        return CollectionConverters.asScala(train(BarrierTaskContext.get()).iterator());
    }

    private List<String> train(BarrierTaskContext ctx) {
        List<String> lines = new ArrayList<>();
        FinalFailure.throwIfRecorded(Path.of(job.runDir()));
        Communicator comm = communicator(ctx);
        Consumer<String> log = line -> {
            lines.add(line);
            if (comm instanceof FailingAfterEpoch f) {
                f.epochLogged(line);
            }
        };
        try {
            trainReplica(ctx, comm, log);
        } catch (RuntimeException | Error e) {
            comm.abort(e); // Spark fails the stage and kills the other tasks
            FinalFailure.recordIfFinal(Path.of(job.runDir()), e);
            throw e;
        } catch (IOException e) {
            FinalFailure.recordIfFinal(Path.of(job.runDir()), e);
            comm.abort(e);
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            comm.close();
        }
        return comm.rank() == 0 ? lines : List.of();
    }

    private Communicator communicator(BarrierTaskContext ctx) {
        Communicator spark = new SparkBarrierCommunicator(ctx);
        int failAfter = job.faults().failOnceAfterEpoch();
        return failAfter > 0 && ctx.stageAttemptNumber() == 0 && spark.rank() == 0
                ? new FailingAfterEpoch(spark, failAfter) : spark;
    }

    private void trainReplica(BarrierTaskContext ctx, Communicator comm, Consumer<String> log) throws IOException {
        int rank = comm.rank();
        DataSources.Split split = loadData();
        Normalization norm = Normalization.of(split.train());
        Path run = Path.of(job.runDir());
        Path checkpoint = run.resolve(Trainer.CHECKPOINT_FILE);
        long seed = job.seed() + rank * job.faults().seedStepPerRank();
        try (Backend backend = openBackend(ctx);
             Communicator gradients = gradientCommunicator(comm, backend, log);
             KillWatch watch = new KillWatch(ctx, gradients, comm);
             Network net = Models.build(job.model(), backend, split.train().itemShape(), split.train().classes(), seed);
             Optimizer opt = Optimizers.byName(job.optimizer(), (float) job.lr(), job.weightDecay());
             DataParallel replica = new DataParallel(gradients, net, job.syncEvery(), job.checkEvery())) {
            if (rank == 0) {
                log.accept(String.format(Locale.ROOT, "model: %s, %,d parameters, %d barrier tasks (stage attempt %d),"
                        + " rank 0 on backend %s; data: %s", job.model(), net.parameterCount(), comm.size(),
                        ctx.stageAttemptNumber(), backend.name(), split.source()));
                AtomicFiles.removeStaleTemporaries(checkpoint);
                AtomicFiles.removeStaleTemporaries(run.resolve(Trainer.HISTORY_FILE));
            }
            Checkpoint.Progress from = Files.isRegularFile(checkpoint) ? Checkpoint.restore(checkpoint, net, opt) : null;
            requireSameStart(comm, from == null ? 0 : from.epochsDone());
            if (from != null) {
                log.accept("resuming after epoch " + from.epochsDone() + " from " + checkpoint + " (stage attempt "
                        + ctx.stageAttemptNumber() + ")");
            }
            Map<String, String> meta = Trainer.modelMetadata(split.train(), norm, job.model());
            Trainer.Config config = new Trainer.Config(job.epochs(), job.batch(),
                    LearningRateSchedule.parse(job.schedule(), job.lr(), job.epochs()), job.seed(), Augmentation.NONE,
                    0, 0, run, 1, false, true);
            try {
                new Trainer(net, opt, config, meta, log, replica).fit(split.train(), split.test(), norm, from);
            } catch (RuntimeException | Error e) {
                gradients.abort(e); // before it is closed: NCCL's destroy would wait for collectives that never end
                throw e;
            }
            if (rank == 0) {
                Path model = run.resolve(MODEL_FILE);
                ModelFile.save(net, model, meta);
                log.accept("model written to " + model);
            }
        }
    }

    /**
     * NCCL when every task has a GPU and NCCL loads there: rank 0 makes the NCCL unique id and
     * {@code allGather} hands it to the others, who join with it; otherwise the Spark communicator
     * itself (host copies through the driver). All ranks decide together, so they never split
     * between the two. The caller closes what this returns (closing the Spark one is harmless:
     * it is closed again, idempotently, after training).
     */
    private static Communicator gradientCommunicator(Communicator spark, Backend backend, Consumer<String> log) {
        boolean mine = backend instanceof io.github.convnet4j.cuda.CudaBackend
                && io.github.convnet4j.cuda.NcclGroup.unavailableReason().isEmpty();
        // Each task says whether it can use NCCL and which GPU it has: two tasks on one GPU (a fractional
        // spark.task.resource.gpu.amount) would make NCCL fail with "Duplicate GPU" on every retry.
        String where = mine ? host() + "/" + ((io.github.convnet4j.cuda.CudaBackend) backend).options().device() : "";
        byte[] claim = java.util.Arrays.copyOf(where.getBytes(java.nio.charset.StandardCharsets.UTF_8), 256);
        java.util.Set<String> gpus = new java.util.HashSet<>();
        boolean everyone = true;
        for (byte[] theirs : spark.allGather(claim)) {
            String gpu = new String(theirs, java.nio.charset.StandardCharsets.UTF_8).trim().replace("\0", "");
            everyone &= !gpu.isEmpty() && gpus.add(gpu);
        }
        if (!everyone) {
            if (spark.rank() == 0 && backend instanceof io.github.convnet4j.cuda.CudaBackend) {
                log.accept("NCCL is not available on every GPU task (or two tasks share a GPU): gradients go through"
                        + " allGather");
            }
            return spark;
        }
        byte[] id = spark.allGather(spark.rank() == 0 ? io.github.convnet4j.cuda.NcclGroup.newUniqueId()
                : new byte[128])[0]; // every rank sends 128 bytes; only rank 0's are the id
        if (spark.rank() == 0) {
            log.accept("gradients all-reduced with NCCL across " + spark.size() + " GPU tasks");
        }
        return io.github.convnet4j.cuda.NcclGroup.join(backend, spark.rank(), spark.size(), id);
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    /** Every task must start from the same epoch: a checkpoint seen by some executors only would split the group. */
    private static void requireSameStart(Communicator comm, int epochsDone) {
        byte[][] all = comm.allGather(ByteBuffer.allocate(Integer.BYTES).putInt(epochsDone).array());
        for (int r = 0; r < all.length; r++) {
            int theirs = ByteBuffer.wrap(all[r]).getInt();
            if (theirs != epochsDone) {
                throw new IllegalStateException("rank " + comm.rank() + " starts after epoch " + epochsDone + " but rank "
                        + r + " after epoch " + theirs + ": is the run folder on a file system every executor sees?");
            }
        }
    }

    private DataSources.Split loadData() throws IOException {
        String name = job.dataset().toLowerCase(Locale.ROOT);
        if (name.equals("sample")) {
            return DataSources.bundledSample();
        }
        DataSources.Options o = DataSources.Options.defaults();
        return DataSources.load(name, job.dataDir() == null ? o : o.withDataDir(Path.of(job.dataDir())));
    }

    /** The GPU Spark gave this task (spark.task.resource.gpu.amount=1), else a CPU backend with the task's cores. */
    private static Backend openBackend(BarrierTaskContext ctx) {
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        if (gpu != null && gpu.addresses().length > 0) {
            CudaOptions d = CudaOptions.defaults();
            int device = Integer.parseInt(gpu.addresses()[0].trim());
            return Backends.open("cuda", new CudaOptions(device, d.tf32Convolutions(), d.tf32Matmul(), d.deterministic(),
                    d.maxWorkspaceBytes()));
        }
        return new CpuBackend(Math.max(1, ctx.cpus()));
    }
}
