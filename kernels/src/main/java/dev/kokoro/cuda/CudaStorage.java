package dev.kokoro.cuda;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.DeviceStorage;
import java.lang.ref.Cleaner;

/**
 * The engine's view of a device buffer: a flat float32 array owned by {@link CudaBackend}. Registered
 * with the current {@link DeviceScope} (freed when it closes unless kept) and with a Cleaner (freed when
 * unreachable, the safety net). Freeing returns the block to the caching allocator (no driver call), so
 * the Cleaner thread may do it; blocks are reused in stream order, so a queued kernel never sees a
 * block change under it.
 */
final class CudaStorage implements DeviceStorage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaTensor flat;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean freed;

    private CudaStorage(CudaTensor flat) {
        this.flat = flat;
        DeviceBuffer b = flat.buffer();
        this.cleanable = CLEANER.register(this, b::close);
        DeviceScope.register(this);
    }

    /** Takes ownership of {@code t}'s buffer. */
    static CudaStorage own(CudaTensor t) { return new CudaStorage(CudaTensor.view(t.buffer(), t.numel())); }

    @Override public Device device() { return Device.CUDA; }
    @Override public int length() { return flat.numel(); }
    @Override public boolean isFreed() { return freed; }

    @Override public void free() {
        freed = true;
        cleanable.clean();
    }

    DeviceBuffer buffer() {
        if (freed) throw new IllegalStateException("CUDA tensor used after its storage was freed (its DeviceScope closed; keep() what must escape)");
        return flat.buffer();
    }
}
