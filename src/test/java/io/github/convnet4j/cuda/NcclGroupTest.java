package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.GradientBucket;
import io.github.convnet4j.distributed.InProcessGroup;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.RandomBatch;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The NCCL path on one GPU (one rank: NCCL refuses two ranks on one device, so scaling across GPUs
 * cannot be measured on a one-GPU machine): it initialises, and its collectives on a real gradient
 * bucket give what the in-process communicator gives.
 */
@Tag("gpu")
class NcclGroupTest {
    private static CudaBackend openWithNccl() {
        CudaBackend cuda = CudaTests.openOrSkip(CudaOptions.defaults());
        NcclGroup.unavailableReason().ifPresent(why -> {
            cuda.close();
            if (CudaTests.required()) {
                fail("GPU_TESTS=required but " + why);
            }
            Assumptions.abort(why);
        });
        return cuda;
    }

    @Test
    void oneRankAllReducesBroadcastsAndGathersLikeTheInProcessReference() {
        try (CudaBackend cuda = openWithNccl(); CpuBackend cpu = new CpuBackend(1);
             Network gpuNet = LeNet.modern(cuda, 10, 3); Network cpuNet = LeNet.modern(cpu, 10, 3)) {
            try (Tensor x = RandomBatch.images(cuda, 16, 1, 28, 28, 5); Tensor t = RandomBatch.labels(cuda, 16, 10, 6);
                 Tensor xc = RandomBatch.images(cpu, 16, 1, 28, 28, 5); Tensor tc = RandomBatch.labels(cpu, 16, 10, 6);
                 GradientBucket gpuBucket = new GradientBucket(gpuNet.parameters());
                 GradientBucket cpuBucket = new GradientBucket(cpuNet.parameters())) {
                gpuNet.gradient(x, t);
                cpuNet.gradient(xc, tc);
                gpuBucket.gather(0.5f);
                float[] before = gpuBucket.flat().toArray();
                List<Communicator> nccl = NcclGroup.local(List.of(cuda));
                List<Communicator> ref = InProcessGroup.create(1);
                try {
                    for (ReduceOp op : ReduceOp.values()) {
                        nccl.get(0).allReduce(List.of(gpuBucket.flat()), op);
                        assertArrayEquals(before, gpuBucket.flat().toArray(), "one rank's " + op + " is the identity");
                    }
                    Tensor[] pair = {cuda.tensor(new float[] {1, 2, 3}, Shape.of(3)), cuda.tensor(new float[] {4}, Shape.of(1))};
                    try (Tensor a = pair[0]; Tensor b = pair[1]) {
                        nccl.get(0).broadcast(List.of(a, b), 0);
                        assertArrayEquals(new float[] {1, 2, 3}, a.toArray());
                    }
                    byte[][] gathered = nccl.get(0).allGather(new byte[] {7, 8, 9});
                    assertArrayEquals(ref.get(0).allGather(new byte[] {7, 8, 9}), gathered);
                    nccl.get(0).barrier();
                    gpuBucket.scatter();
                    float[] gpuGrads = gpuBucket.flat().toArray();
                    cpuBucket.gather(0.5f);
                    ref.get(0).allReduce(List.of(cpuBucket.flat()), ReduceOp.SUM);
                    float[] cpuGrads = cpuBucket.flat().toArray();
                    assertEquals(cpuGrads.length, gpuGrads.length);
                    double worst = 0;
                    double scale = 0;
                    for (int i = 0; i < cpuGrads.length; i++) {
                        worst = Math.max(worst, Math.abs(cpuGrads[i] - gpuGrads[i]));
                        scale = Math.max(scale, Math.abs(cpuGrads[i]));
                    }
                    if (worst > 1e-3 * scale) {
                        fail("NCCL-reduced CUDA gradients differ from the in-process CPU ones by " + worst + " (scale "
                                + scale + ")");
                    }
                } finally {
                    nccl.forEach(Communicator::close);
                    nccl.forEach(Communicator::close); // idempotent
                }
                assertThrows(IllegalStateException.class, () -> nccl.get(0).barrier());
            }
        }
    }

    @Test
    void anAbortedRankRefusesCollectivesAndClosesWithoutWaiting() {
        try (CudaBackend cuda = openWithNccl(); Tensor t = cuda.tensor(new float[] {1, 2}, Shape.of(2))) {
            List<Communicator> nccl = NcclGroup.local(List.of(cuda));
            nccl.get(0).abort(new IllegalStateException("planted failure"));
            io.github.convnet4j.distributed.CommunicatorException e = assertThrows(
                    io.github.convnet4j.distributed.CommunicatorException.class,
                    () -> nccl.get(0).allReduce(List.of(t), ReduceOp.SUM));
            assertTrue(e.getMessage().contains("planted failure"), e.getMessage());
            nccl.get(0).close();
            nccl.get(0).close();
        }
    }

    @Test
    void aUniqueIdOfTheWrongSizeIsRefused() {
        try (CudaBackend cuda = openWithNccl()) {
            assertThrows(IllegalArgumentException.class, () -> NcclGroup.join(cuda, 0, 1, new byte[5]));
        }
    }

}
