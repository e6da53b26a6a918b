package dev.kokoro.cuda;

import jcuda.driver.CUdeviceptr;

/** A block of device memory from the {@link DeviceAllocator}; close() hands it back to the cache. */
public final class DeviceBuffer implements AutoCloseable {
    private final DeviceAllocator owner;
    private final CUdeviceptr ptr;
    private final long bytes, capacity;
    private boolean closed;

    DeviceBuffer(DeviceAllocator owner, CUdeviceptr ptr, long bytes, long capacity) {
        this.owner = owner;
        this.ptr = ptr;
        this.bytes = bytes;
        this.capacity = capacity;
    }

    public CUdeviceptr pointer() {
        if (closed) throw new IllegalStateException("device buffer used after close");
        return ptr;
    }

    /** The pointer regardless of state, for the allocator's free list. */
    CUdeviceptr rawPointer() { return ptr; }

    public long bytes() { return bytes; }
    long capacity() { return capacity; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        owner.release(this);
    }
}
