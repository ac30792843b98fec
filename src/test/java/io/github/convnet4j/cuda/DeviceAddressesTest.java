package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jcuda.Pointer;
import org.junit.jupiter.api.Test;

/** JCuda's protected native value is read for NCCL; this runs without a GPU and fails if JCuda changes. */
class DeviceAddressesTest {
    @Test
    void aPointersAddressIsItsNativeValuePlusItsByteOffset() {
        Pointer p = new Pointer();
        assertEquals(0L, DeviceAddresses.of(p));
        assertEquals(24L, DeviceAddresses.of(p.withByteOffset(24)));
        assertEquals(24L, DeviceAddresses.of(p.withByteOffset(16).withByteOffset(8)));
        assertEquals(40L, DeviceAddresses.pointer(p.withByteOffset(40)).address());
    }
}
