package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ForwardingBackend;
import io.github.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** A build that fails on any path closes every tensor it allocated; so does a failed Parameter or Backend.tensor. */
class BuildFailureLeakTest {

    private static NetworkBuilder threeLayers(ForwardingBackend c) {
        return new NetworkBuilder(c, Shape.of(1, 8, 8), 1).conv("conv1", 2, 3, 1, 1).batchNorm("bn1")
                .affine("fc", 3);
    }

    @Test
    void theForwardingBackendSeesWhatANetworkHolds() {
        ForwardingBackend c = new ForwardingBackend(true);
        Network net = threeLayers(c).softmaxWithLoss();
        assertTrue(c.openTensors() > 10, "live tensors: " + c.openTensors());
        net.close();
        assertEquals(0, c.openTensors());
        net.close(); // idempotent
        assertEquals(0, c.openTensors());
    }

    @Test
    void aLayerWhoseConstructorThrowsClosesTheLayersBuiltBefore() {
        ForwardingBackend c = new ForwardingBackend(true);
        NetworkBuilder b = threeLayers(c);
        assertThrows(IllegalArgumentException.class, () -> b.dropout("drop", 1.5f));
        assertEquals(0, c.openTensors());
    }

    /**
     * A failed allocation at the start of each layer and the loss, and within each layer's first
     * parameter. (Within a layer's constructor, after its first parameter, the layer itself must clean
     * up: that is the layers' concern, not the builder's.)
     */
    @Test
    void aFailedAllocationInAnyLayerLeavesNothingAllocated() {
        ForwardingBackend probe = new ForwardingBackend(true);
        NetworkBuilder b = new NetworkBuilder(probe, Shape.of(1, 8, 8), 1).conv("conv1", 2, 3, 1, 1);
        int afterConv = probe.allocations();
        b.batchNorm("bn1");
        int afterBn = probe.allocations();
        b.affine("fc", 3);
        int afterFc = probe.allocations();
        b.softmaxWithLoss().close();
        for (int n : new int[]{0, 1, afterConv, afterConv + 1, afterBn, afterBn + 1, afterFc}) {
            ForwardingBackend c = new ForwardingBackend(true);
            c.failAllocation(n);
            assertThrows(OutOfMemoryError.class, () -> threeLayers(c).softmaxWithLoss());
            assertEquals(0, c.openTensors(), "allocation " + n + " failed");
        }
    }

    /**
     * Every allocation a network of every parameterised layer type makes, failed in turn, inside
     * layer constructors too (the second parameter of a convolution, BatchNorm's running buffers):
     * nothing is left allocated.
     */
    @Test
    void failingEachAllocationInTurnLeavesNothingAllocated() {
        ForwardingBackend probe = new ForwardingBackend(true);
        everyLayerType(probe).close();
        int total = probe.allocations();
        assertTrue(total > 15, "allocations: " + total);
        for (int n = 0; n < total; n++) {
            ForwardingBackend c = new ForwardingBackend(true);
            c.failAllocation(n);
            assertThrows(OutOfMemoryError.class, () -> everyLayerType(c));
            assertEquals(0, c.openTensors(), "allocation " + n + " of " + total + " failed");
        }
    }

    private static Network everyLayerType(ForwardingBackend c) {
        return new NetworkBuilder(c, Shape.of(1, 8, 8), 1).conv("conv1", 2, 3, 1, 1).batchNorm("bn1").prelu("act1")
                .maxPool("pool1", 2, 2, 0).flatten("flat").affine("fc1", 5).batchNorm("bn2").dropout("drop", 0.5f)
                .affine("fc2", 3).softmaxWithLoss();
    }

    @Test
    void duplicateLayerNamesCloseEverything() {
        ForwardingBackend c = new ForwardingBackend(true);
        assertThrows(IllegalArgumentException.class, () -> threeLayers(c).affine("fc", 2).softmaxWithLoss());
        assertEquals(0, c.openTensors());
    }

    @Test
    void aParameterWhoseGradientCannotBeAllocatedFreesItsValue() {
        ForwardingBackend c = new ForwardingBackend(true);
        c.failAllocation(1);
        assertThrows(OutOfMemoryError.class, () -> new Parameter(c, "w", Shape.of(4), true));
        assertEquals(0, c.openTensors());
    }

    @Test
    void backendTensorFreesTheTensorWhenTheCopyFails() {
        ForwardingBackend c = new ForwardingBackend(true);
        assertThrows(IllegalArgumentException.class, () -> c.tensor(new float[3], Shape.of(4)));
        assertEquals(0, c.openTensors());
        c.failAfterUploads(0);
        assertThrows(IllegalStateException.class, () -> c.tensor(new float[4], Shape.of(4)));
        assertEquals(0, c.openTensors());
    }
}
