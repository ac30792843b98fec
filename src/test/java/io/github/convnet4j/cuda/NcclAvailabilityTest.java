package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Without libnccl.so.2 (this CI machine) NCCL is refused in one line, every time, and nothing crashes. */
class NcclAvailabilityTest {
    @Test
    void aMachineWithoutNcclGetsTheSameOneLineReasonEveryTime() {
        Optional<String> why = NcclGroup.unavailableReason();
        Assumptions.assumeTrue(why.isPresent(), "NCCL loads on this machine: NcclGroupTest covers it");
        assertTrue(why.get().contains("libnccl.so.2") || why.get().contains("class path"), why.get());
        assertEquals(why, NcclGroup.unavailableReason());
        assertTrue(why.get().lines().count() == 1, why.get());
        IllegalStateException e = assertThrows(IllegalStateException.class, NcclGroup::newUniqueId);
        assertEquals(why.get(), e.getMessage());
        try (CpuBackend cpu = new CpuBackend(1)) {
            assertThrows(IllegalStateException.class, () -> NcclGroup.local(List.of(cpu)));
        }
    }
}
