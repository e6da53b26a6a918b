package dev.kokoro.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * One device, its primary context, one stream, the PTX modules of this jar and a caching allocator.
 * Every driver call is checked (JCuda exceptions on, rethrown as {@link CudaException} naming the call).
 * All kernels run on {@link #stream()}; host copies synchronise with it.
 */
public final class CudaContext {
    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final String name;
    private final int ccMajor, ccMinor, smCount;
    private final String arch;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, String> images = new HashMap<>();
    /** module → kernel name → function (two levels: no key string built per launch) */
    private final Map<String, Map<String, CUfunction>> functions = new HashMap<>();
    private final DeviceAllocator allocator;
    private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);

    private CudaContext(int ordinal) {
        JCudaDriver.setExceptionsEnabled(true);
        check("cuInit", () -> cuInit(0));
        int[] count = new int[1];
        check("cuDeviceGetCount", () -> cuDeviceGetCount(count));
        if (count[0] <= ordinal) throw new CudaException("no CUDA device " + ordinal + " (" + count[0] + " found)");
        device = new CUdevice();
        check("cuDeviceGet", () -> cuDeviceGet(device, ordinal));
        context = new CUcontext();
        check("cuDevicePrimaryCtxRetain", () -> cuDevicePrimaryCtxRetain(context, device));
        check("cuCtxSetCurrent", () -> cuCtxSetCurrent(context));
        bound.set(true);
        byte[] nm = new byte[256];
        check("cuDeviceGetName", () -> cuDeviceGetName(nm, nm.length, device));
        int len = 0;
        while (len < nm.length && nm[len] != 0) len++;
        name = new String(nm, 0, len, StandardCharsets.US_ASCII);
        ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        smCount = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        arch = ccMajor >= 9 ? "sm_90" : "sm_80";
        if (ccMajor < 8) throw new CudaException("GPU " + name + " has compute capability " + ccMajor + "." + ccMinor + "; kernels need 8.0+");
        stream = new CUstream();
        check("cuStreamCreate", () -> cuStreamCreate(stream, 0));
        allocator = new DeviceAllocator(this);
    }

    static CudaContext open(int ordinal) { return new CudaContext(ordinal); }

    void bindToThread() {
        if (!bound.get()) {
            check("cuCtxSetCurrent", () -> cuCtxSetCurrent(context));
            bound.set(true);
        }
    }

    public String deviceName() { return name; }
    public int computeCapability() { return ccMajor * 10 + ccMinor; }
    public int multiprocessorCount() { return smCount; }
    public CUstream stream() { return stream; }
    public DeviceAllocator allocator() { return allocator; }

    private int attribute(int attr) {
        int[] v = new int[1];
        check("cuDeviceGetAttribute", () -> cuDeviceGetAttribute(v, attr, device));
        return v[0];
    }

    /** Runs a driver call; a failure (return code or JCuda exception) becomes a CudaException naming it. */
    static void check(String call, java.util.function.IntSupplier fn) { check(() -> call, fn); }

    /** As {@link #check(String, java.util.function.IntSupplier)}, the call's description built only on failure. */
    static void check(java.util.function.Supplier<String> call, java.util.function.IntSupplier fn) {
        int rc;
        try {
            rc = fn.getAsInt();
        } catch (jcuda.CudaException e) {
            throw new CudaException(call.get() + " failed: " + e.getMessage(), e);
        }
        if (rc != CUresult.CUDA_SUCCESS) throw new CudaException(call.get() + " failed: " + CUresult.stringFor(rc));
    }

    /** Kernel {@code fn} of module {@code module} (a .cu file name without extension). */
    public synchronized CUfunction function(String module, String fn) {
        Map<String, CUfunction> fns = functions.computeIfAbsent(module, k -> new HashMap<>());
        CUfunction f = fns.get(fn);
        if (f != null) return f;
        CUmodule m = modules.get(module);
        if (m == null) {
            CUmodule mm = new CUmodule();
            // on a 9.0 card the build's ready-made cubin (no driver JIT of the PTX: seconds per module on a first
            // run); otherwise, or if the driver refuses it, the PTX
            byte[] cubin = ccMajor == 9 && ccMinor == 0 ? resource("/kernels/sm_90/" + module + ".cubin") : null;
            String image = "cubin sm_90";
            if (cubin == null || !loads(mm, cubin)) {
                byte[] ptx = loadPtx(module);
                check("cuModuleLoadData(" + module + ".ptx, " + arch + ")", () -> cuModuleLoadData(mm, ptx));
                image = "PTX " + arch;
            }
            images.put(module, image);
            modules.put(module, mm);
            m = mm;
        }
        CUfunction ff = new CUfunction();
        CUmodule mod = m;
        check("cuModuleGetFunction(" + module + "/" + fn + ")", () -> cuModuleGetFunction(ff, mod, fn));
        fns.put(fn, ff);
        return ff;
    }

    private byte[] loadPtx(String module) {
        String path = "/kernels/" + arch + "/" + module + ".ptx";
        byte[] b = resource(path);
        if (b == null) throw new CudaException("CUDA kernels not built: resource " + path + " missing from the jar");
        return java.util.Arrays.copyOf(b, b.length + 1);  // NUL-terminated for the driver
    }

    private final Map<CUfunction, Integer> smemAllowed = new java.util.IdentityHashMap<>();

    /** Lets kernel {@code fn} of {@code module} use up to {@code bytes} of dynamic shared memory (above 48 KB needs this). */
    public synchronized void allowDynamicSmem(String module, String fn, int bytes) {
        CUfunction f = function(module, fn);
        if (smemAllowed.getOrDefault(f, -1) >= bytes) return;
        check(() -> "cuFuncSetAttribute(" + module + "/" + fn + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")",
                () -> cuFuncSetAttribute(f, jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
        smemAllowed.put(f, bytes);
    }

    /** What module {@code module} was loaded from ("cubin sm_90" or "PTX sm_xx"), or null before its first kernel. */
    public synchronized String imageOf(String module) { return images.get(module); }

    private static boolean loads(CUmodule m, byte[] image) {
        try {
            return cuModuleLoadData(m, image) == CUresult.CUDA_SUCCESS;
        } catch (jcuda.CudaException e) {   // exceptions are on: a refused image throws
            return false;
        }
    }

    /** A resource of the jar, or null when absent. */
    private static byte[] resource(String path) {
        try (InputStream in = CudaContext.class.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("reading " + path + ": " + e, e);
        }
    }

    /** Launches a kernel on the stream; {@code args} are built with {@link KernelArgs}. */
    public void launch(String module, String fn, int gx, int gy, int gz, int bx, int by, int bz, int shmem, KernelArgs args) {
        CUfunction f = function(module, fn);
        launches++;
        check(() -> "cuLaunchKernel(" + module + "/" + fn + " grid " + gx + "x" + gy + "x" + gz + " block " + bx + "x" + by + "x" + bz + ")",
                () -> cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, stream, args.pointer(), null));
        if (DEBUG_SYNC) synchronize(module + "/" + fn);
    }

    private long launches, syncs, uploads, downloads;

    /** Kernel launches, stream synchronisations, host-to-device and device-to-host copies, cuMemAlloc calls since the context opened. */
    public synchronized Map<String, Long> counters() {
        return Map.of("launches", launches, "syncs", syncs, "uploads", uploads, "downloads", downloads,
                "driver_allocs", allocator == null ? 0L : allocator.driverAllocations());
    }

    /** Set -Dkokoro.cuda.sync=true to synchronise after every launch (errors then name the kernel). */
    static final boolean DEBUG_SYNC = Boolean.getBoolean("kokoro.cuda.sync");

    /** 1-D grid-stride launch over n elements. */
    public void launch1d(String module, String fn, long n, KernelArgs args) {
        int block = 256;
        long blocks = Math.max(1, Math.min((n + block - 1) / block, (long) smCount * 16));
        launch(module, fn, (int) blocks, 1, 1, block, 1, 1, 0, args);
    }

    public void synchronize() { synchronize("stream"); }

    void synchronize(String what) {
        syncs++;
        check("cuStreamSynchronize after " + what, () -> cuStreamSynchronize(stream));
    }

    // ---- raw memory, used by DeviceAllocator and DeviceBuffer
    CUdeviceptr rawAlloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        check("cuMemAlloc(" + bytes + " bytes)", () -> cuMemAlloc(p, bytes));
        return p;
    }

    void rawFree(CUdeviceptr p) { check("cuMemFree", () -> cuMemFree(p)); }

    synchronized void copyToDevice(CUdeviceptr dst, float[] src, int off, int n) {
        upload(dst, 4L * n, n + " floats", b -> b.asFloatBuffer().put(src, off, n), Pointer.to(src).withByteOffset(4L * off));
    }

    /** int[] to the device (indices), like {@link #copyToDevice}. */
    synchronized void copyIntsToDevice(CUdeviceptr dst, int[] src) {
        upload(dst, 4L * src.length, src.length + " ints", b -> b.asIntBuffer().put(src), Pointer.to(src));
    }

    /** {@code bytes} from a Java array to dst: small ones through the staging ring (fill writes them there), others directly. */
    private void upload(CUdeviceptr dst, long bytes, String what, java.util.function.Consumer<java.nio.ByteBuffer> fill, Pointer array) {
        uploads++;
        if (bytes <= STAGING / 8) {   // small: through pinned memory, in stream order, no host wait
            long at = stage(bytes);
            fill.accept(stagingBuffer.slice((int) at, (int) bytes).order(java.nio.ByteOrder.nativeOrder()));
            check(() -> "cuMemcpyHtoDAsync(" + what + ", staged)", () -> cuMemcpyHtoDAsync(dst, staging.withByteOffset(at), bytes, stream));
            return;
        }
        check(() -> "cuMemcpyHtoD(" + what + ")", () -> cuMemcpyHtoDAsync(dst, array, bytes, stream));
        synchronize("cuMemcpyHtoD");   // the copy reads the Java array: it must end before the array may move
    }

    /**
     * Pinned host ring for small uploads. A copy from it is queued on the stream and the host goes on; the ring
     * is reused from its start only after a stream sync, so no queued copy can read a region being rewritten.
     */
    static final long STAGING = 8L << 20;
    private Pointer staging;
    private java.nio.ByteBuffer stagingBuffer;
    private long stagingOffset;

    private long stage(long bytes) {
        if (staging == null) {
            Pointer p = new Pointer();
            check("cuMemAllocHost(" + STAGING + " bytes)", () -> cuMemAllocHost(p, STAGING));
            staging = p;
            stagingBuffer = p.getByteBuffer(0, STAGING);
        }
        if (stagingOffset + bytes > STAGING) {
            synchronize("staging ring wrap");
            stagingOffset = 0;
        }
        long at = stagingOffset;
        stagingOffset = (at + bytes + 255) & ~255L;
        return at;
    }

    void copyToHost(float[] dst, CUdeviceptr src, int n) {
        downloads++;
        check("cuMemcpyDtoH(" + n + " floats)", () -> cuMemcpyDtoHAsync(Pointer.to(dst), src, 4L * n, stream));
        synchronize("cuMemcpyDtoH");
    }

    void copyDeviceToDevice(CUdeviceptr dst, CUdeviceptr src, long bytes) {
        check("cuMemcpyDtoDAsync", () -> cuMemcpyDtoDAsync(dst, src, bytes, stream));
    }

    void memsetFloat(CUdeviceptr dst, float value, long n) {
        int bits = Float.floatToRawIntBits(value);
        check("cuMemsetD32Async", () -> cuMemsetD32Async(dst, bits, n, stream));
    }

    // ---- timing with CUDA events
    /** Milliseconds of device time that {@code work} enqueues on the stream (events around it). */
    public float time(Runnable work) {
        CUevent a = new CUevent(), b = new CUevent();
        check("cuEventCreate", () -> cuEventCreate(a, 0));
        check("cuEventCreate", () -> cuEventCreate(b, 0));
        try {
            check("cuEventRecord", () -> cuEventRecord(a, stream));
            work.run();
            check("cuEventRecord", () -> cuEventRecord(b, stream));
            check("cuEventSynchronize", () -> cuEventSynchronize(b));
            float[] ms = new float[1];
            check("cuEventElapsedTime", () -> cuEventElapsedTime(ms, a, b));
            return ms[0];
        } finally {
            cuEventDestroy(a);
            cuEventDestroy(b);
        }
    }

    @Override public String toString() {
        return name + " (sm_" + ccMajor + ccMinor + ", " + smCount + " SMs, kernels " + (ccMajor == 9 && ccMinor == 0 ? "sm_90 cubin, PTX fallback" : "PTX " + arch) + ")";
    }
}
