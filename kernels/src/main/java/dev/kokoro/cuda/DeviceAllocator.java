package dev.kokoro.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * Caching device allocator: sizes round up to a size class (powers of two from 512 bytes, then steps
 * of a quarter of the power of two above 1 MiB), and freed blocks wait on their class's free list for
 * the next request of that class instead of going back to cuMemFree. {@link #driverAllocations()} counts
 * real cuMemAlloc calls, so tests can check that a steady loop allocates nothing new.
 */
public final class DeviceAllocator {
    private final CudaContext ctx;
    private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
    private long reservedBytes, inUseBytes, driverAllocations, peakInUseBytes, peakReservedBytes;
    private boolean poison;

    DeviceAllocator(CudaContext ctx) { this.ctx = ctx; }

    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 512);
        long p = Long.highestOneBit(b);
        if (p == b) return b;
        if (p < (1 << 20)) return p << 1;
        long step = p >> 2;
        return (b + step - 1) / step * step;
    }

    public synchronized DeviceBuffer allocate(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<CUdeviceptr> list = free.get(cls);
        CUdeviceptr p = list == null ? null : list.poll();
        if (p == null) {
            try {
                p = ctx.rawAlloc(cls);
            } catch (CudaException oom) {  // give the cache back and try once more
                releaseCached();
                p = ctx.rawAlloc(cls);
            }
            driverAllocations++;
            reservedBytes += cls;
        }
        inUseBytes += cls;
        peakInUseBytes = Math.max(peakInUseBytes, inUseBytes);
        peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        if (poison) ctx.memsetFloat(p, Float.NaN, cls / 4);
        return new DeviceBuffer(this, p, bytes, cls);
    }

    synchronized void release(DeviceBuffer b) {
        inUseBytes -= b.capacity();
        free.computeIfAbsent(b.capacity(), k -> new ArrayDeque<>()).push(b.rawPointer());
    }

    /** Returns every cached (free) block to the driver. */
    public synchronized void releaseCached() {
        for (var e : free.entrySet()) {
            for (CUdeviceptr p : e.getValue()) {
                ctx.rawFree(p);
                reservedBytes -= e.getKey();
            }
            e.getValue().clear();
        }
    }

    /** Tests: fill every handed-out block with NaN, so an output element a kernel forgets to write shows. */
    public synchronized void setPoison(boolean on) { poison = on; }

    public synchronized long driverAllocations() { return driverAllocations; }
    public synchronized long reservedBytes() { return reservedBytes; }
    public synchronized long inUseBytes() { return inUseBytes; }

    /** The most bytes handed out at once (size classes; like torch.cuda.max_memory_allocated) since {@link #resetPeak}. */
    public synchronized long peakInUseBytes() { return peakInUseBytes; }

    /** The most bytes held from the driver at once (like torch.cuda.max_memory_reserved) since {@link #resetPeak}. */
    public synchronized long peakReservedBytes() { return peakReservedBytes; }

    /** Starts the peaks from the current use. */
    public synchronized void resetPeak() {
        peakInUseBytes = inUseBytes;
        peakReservedBytes = reservedBytes;
    }
}
