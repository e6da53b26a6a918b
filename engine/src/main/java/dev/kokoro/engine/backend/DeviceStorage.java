package dev.kokoro.engine.backend;

import dev.kokoro.engine.Device;

/**
 * Flat float32 storage owned by a {@link Backend}; the engine never looks inside. A device tensor is a
 * view of one (shape, strides and offset in elements, like a host tensor over its array).
 *
 * <p>Freeing: {@link #free()} returns the memory at once (idempotent); a storage created inside a
 * {@link DeviceScope} is freed when the scope closes unless it was kept; whatever is left is freed by a
 * Cleaner when the storage becomes unreachable (the backend registers that).
 */
public interface DeviceStorage {
    Device device();

    /** Number of float32 elements. */
    int length();

    void free();

    boolean isFreed();
}
