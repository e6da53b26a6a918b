package dev.kokoro.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backends;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void cpuIsAlwaysThereAndUnknownDevicesAreUsageErrors() {
        assertEquals(Device.CPU, Devices.inference("cpu"));
        Args.UsageException e = assertThrows(Args.UsageException.class, () -> Devices.inference("tpu"));
        assertTrue(e.getMessage().contains("cpu or cuda"), e.getMessage());
        assertEquals(Device.CPU, Devices.training("cpu"));
        e = assertThrows(Args.UsageException.class, () -> Devices.training("tpu"));
        assertTrue(e.getMessage().contains("cpu or cuda"), e.getMessage());
    }

    @Test
    void cudaWithoutAGpuSaysWhy() {
        String why = Backends.unavailableReason(Device.CUDA);
        assumeTrue(why != null, "a GPU is available here");
        Args.UsageException e = assertThrows(Args.UsageException.class, () -> Devices.training("cuda"));
        assertTrue(e.getMessage().startsWith("--device cuda: CUDA is not available: "), "training on CUDA is refused only when CUDA is missing: " + e.getMessage());
        e = assertThrows(Args.UsageException.class, () -> Devices.inference("cuda"));
        assertTrue(e.getMessage().startsWith("--device cuda: CUDA is not available: ") && e.getMessage().contains(why.lines().findFirst().orElseThrow().strip()), e.getMessage());
        System.out.println(e.getMessage());
    }
}
