package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** A build that fails on any path closes every tensor it allocated; so does a failed Parameter or Backend.tensor. */
class BuildFailureLeakTest {

    private static NetworkBuilder threeLayers(CountingBackend c) {
        return new NetworkBuilder(c.backend, Shape.of(1, 8, 8), 1).conv("conv1", 2, 3, 1, 1).batchNorm("bn1")
                .affine("fc", 3);
    }

    @Test
    void theCountingBackendSeesWhatANetworkHolds() {
        CountingBackend c = new CountingBackend();
        Network net = threeLayers(c).softmaxWithLoss();
        assertTrue(c.live > 10, "live tensors: " + c.live);
        net.close();
        assertEquals(0, c.live);
        net.close(); // idempotent
        assertEquals(0, c.live);
    }

    @Test
    void aLayerWhoseConstructorThrowsClosesTheLayersBuiltBefore() {
        CountingBackend c = new CountingBackend();
        NetworkBuilder b = threeLayers(c);
        assertThrows(IllegalArgumentException.class, () -> b.dropout("drop", 1.5f));
        assertEquals(0, c.live);
    }

    /**
     * A failed allocation at the start of each layer and the loss, and within each layer's first
     * parameter. (Within a layer's constructor, after its first parameter, the layer itself must clean
     * up: that is the layers' concern, not the builder's.)
     */
    @Test
    void aFailedAllocationInAnyLayerLeavesNothingAllocated() {
        CountingBackend probe = new CountingBackend();
        NetworkBuilder b = new NetworkBuilder(probe.backend, Shape.of(1, 8, 8), 1).conv("conv1", 2, 3, 1, 1);
        int afterConv = probe.allocations;
        b.batchNorm("bn1");
        int afterBn = probe.allocations;
        b.affine("fc", 3);
        int afterFc = probe.allocations;
        b.softmaxWithLoss().close();
        for (int n : new int[]{0, 1, afterConv, afterConv + 1, afterBn, afterBn + 1, afterFc}) {
            CountingBackend c = new CountingBackend();
            c.failAllocation = n;
            assertThrows(OutOfMemoryError.class, () -> threeLayers(c).softmaxWithLoss());
            assertEquals(0, c.live, "allocation " + n + " failed");
        }
    }

    @Test
    void duplicateLayerNamesCloseEverything() {
        CountingBackend c = new CountingBackend();
        assertThrows(IllegalArgumentException.class, () -> threeLayers(c).affine("fc", 2).softmaxWithLoss());
        assertEquals(0, c.live);
    }

    @Test
    void aParameterWhoseGradientCannotBeAllocatedFreesItsValue() {
        CountingBackend c = new CountingBackend();
        c.failAllocation = 1;
        assertThrows(OutOfMemoryError.class, () -> new Parameter(c.backend, "w", Shape.of(4), true));
        assertEquals(0, c.live);
    }

    @Test
    void backendTensorFreesTheTensorWhenTheCopyFails() {
        CountingBackend c = new CountingBackend();
        assertThrows(IllegalArgumentException.class, () -> c.backend.tensor(new float[3], Shape.of(4)));
        assertEquals(0, c.live);
        c.failUploads = true;
        assertThrows(IllegalStateException.class, () -> c.backend.tensor(new float[4], Shape.of(4)));
        assertEquals(0, c.live);
    }
}
