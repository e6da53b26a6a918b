package dev.kokoro.cuda;

import dev.kokoro.engine.Attention;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Node;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's CUDA backend (registered in META-INF/services/dev.kokoro.engine.backend.Backend). A
 * device tensor is an engine {@link Tensor} view (shape, strides, offset) over a {@link CudaStorage}.
 *
 * <p>Wiring a kernel is one entry in {@link #KERNELS}: unwrap inputs with {@link #dense} (a contiguous
 * {@link CudaTensor} over the storage, copied by the strided-copy kernel only when the view is not
 * contiguous), call the kernel, and {@link #wrap} its result:
 * <pre>{@code
 * put("conv1d", (in, a) -> wrap(Conv1dCuda.conv1d(dense(in[0]), dense(in[1]), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]))));
 * }</pre>
 * Op names and argument orders are those of the engine's dispatch lines (e.g. Conv.conv1d). An op
 * without an entry runs on the CPU (engine Dispatch fallback).
 *
 * <p>Gradients: an op in the engine's DeviceGrads runs its backward with dispatched ops; an op with a
 * backward kernel registers it with {@link #putGrad} (used when an input requires grad; see
 * {@link TrainingKernels} and {@link DecoderGrads}): keep the engine tensors the backward reads in the
 * closure, and give each kernel-made gradient to {@link #grad}, which frees those of inputs that do not
 * require grad. Ask only for what {@link #wants} says is needed:
 * <pre>{@code
 * putGrad("conv1d", (in, a) -> {
 *     Tensor x = in[0].contiguous(), w = in[1].contiguous();
 *     Tensor out = wrap(Conv1dCuda.conv1d(dense(x), dense(w), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3])));
 *     return new Recorded(out, g -> {
 *         Conv1dCuda.Grads r = Conv1dCuda.backward(dense(x), dense(w), dense(g), wants(in[0]), wants(in[1]), wants(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]));
 *         grad(in[0], r.dx()); grad(in[1], r.dweight()); grad(in[2], r.dbias());
 *     });
 * });
 * }</pre>
 * Matmuls run in full FP32 like PyTorch's default; {@code -Dkokoro.cuda.tf32=true} switches them to the
 * TF32 tensor-core kernel.
 */
public final class CudaBackend implements Backend {
    static final boolean TF32 = Boolean.getBoolean("kokoro.cuda.tf32");
    private static final Map<String, Kernel> KERNELS = new HashMap<>();
    private static final Map<String, GradKernel> GRAD_KERNELS = new HashMap<>();
    private static final Map<String, InPlace> IN_PLACE = new HashMap<>();
    /** Tensors of the running kernel call, kept strongly reachable so no Cleaner frees their blocks mid-launch. */
    private static final ThreadLocal<List<Object>> PINNED = ThreadLocal.withInitial(ArrayList::new);

    @Override public Device device() { return Device.CUDA; }

    @Override public String unavailableReason() { return Cuda.isAvailable() ? null : Cuda.unavailableReason(); }

    /**
     * A host copy synchronises the stream (the Java array is pageable), which drains the queued kernels in
     * the middle of a forward; a constant array (a scalar operand, a filled tensor) is set by an
     * asynchronous memset instead.
     */
    @Override public CudaStorage upload(float[] data) {
        if (data.length > 0 && constant(data)) return full(data.length, data[0]);
        return CudaStorage.own(CudaTensor.upload(data, data.length));
    }

    /** True when every value has data[0]'s bits (so a memset writes them exactly: -0.0 and NaN payloads included). */
    static boolean constant(float[] data) {
        int bits = Float.floatToRawIntBits(data[0]);
        for (int i = 1; i < data.length; i++) if (Float.floatToRawIntBits(data[i]) != bits) return false;
        return true;
    }

    @Override public float[] download(Tensor t) {
        List<Object> pin = PINNED.get();
        int mark = pin.size();
        try {
            return dense(t).download();
        } finally {
            unpin(pin, mark);
            Reference.reachabilityFence(t);
        }
    }

    private static void unpin(List<Object> pin, int mark) {
        while (pin.size() > mark) pin.removeLast();
    }

    @Override public CudaStorage full(int n, float value) { return CudaStorage.own(CudaTensor.full(value, n)); }

    @Override public void copy(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape())) throw new IllegalArgumentException("copy: shape " + Arrays.toString(src.shape()) + " into " + Arrays.toString(dst.shape()));
        TensorOpsCuda.stridedCopy(storage(src).buffer(), src.offset(), src.strides(), storage(dst).buffer(), dst.offset(), dst.strides(), src.shape());
        Reference.reachabilityFence(src);
        Reference.reachabilityFence(dst);
    }

    @Override public Kernel kernel(String op) {
        Kernel k = KERNELS.get(op);
        if (k == null) return null;
        return (in, a) -> {
            List<Object> pin = PINNED.get();
            int mark = pin.size();
            pin.add(in);
            try {
                return k.apply(in, a);
            } finally {
                unpin(pin, mark);   // nested kernel calls (composed ops) keep their caller's pins
                Reference.reachabilityFence(in);
            }
        };
    }

    @Override public GradKernel gradKernel(String op) {
        GradKernel k = GRAD_KERNELS.get(op);
        if (k == null) return null;
        return (in, a) -> {
            Recorded r = pinned(in, () -> k.apply(in, a));
            if (r == null) return null;
            Node.Backward bw = r.backward();
            return new Recorded(r.out(), g -> pinned(new Object[] {in, g}, () -> { bw.apply(g); return null; }));
        };
    }

    @Override public InPlace inPlace(String op) {
        InPlace k = IN_PLACE.get(op);
        return k == null ? null : (in, a) -> pinned(in, () -> { k.apply(in, a); return null; });
    }

    @Override public Map<String, Long> memory() {
        DeviceAllocator al = Cuda.context().allocator();
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("in_use", al.inUseBytes());
        m.put("reserved", al.reservedBytes());
        m.put("peak_in_use", al.peakInUseBytes());
        m.put("peak_reserved", al.peakReservedBytes());
        return m;
    }

    @Override public void resetPeakMemory() { Cuda.context().allocator().resetPeak(); }

    @Override public Map<String, Long> counters() { return Cuda.context().counters(); }

    /** Runs {@code body} with {@code keep} strongly reachable and pops the pins its dense() calls add. */
    private static <T> T pinned(Object keep, java.util.function.Supplier<T> body) {
        List<Object> pin = PINNED.get();
        int mark = pin.size();
        pin.add(keep);
        try {
            return body.get();
        } finally {
            unpin(pin, mark);
            Reference.reachabilityFence(keep);
        }
    }

    /** Op names with a CUDA kernel (others fall back to the CPU). */
    public static List<String> kernelNames() { return KERNELS.keySet().stream().sorted().toList(); }

    // ---------------------------------------------------------------- wiring helpers

    static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("expected a CUDA tensor, got " + t.device() + " " + t.dtype + Arrays.toString(t.shape()));
        return s;
    }

    /** A contiguous CudaTensor (row-major, {@code t}'s shape) over t's storage, or over a strided copy. Do not close it. */
    public static CudaTensor dense(Tensor t) {
        PINNED.get().add(t);   // until the running kernel call returns (its launches are queued by then)
        if (t.isContiguous()) return CudaTensor.view(storage(t).buffer(), t.shape());
        Tensor c = empty(t.shape());
        TensorOpsCuda.stridedCopy(storage(t).buffer(), t.offset(), t.strides(), storage(c).buffer(), 0, TensorOpsCuda.contiguous(t.shape()), t.shape());
        PINNED.get().add(c);
        return CudaTensor.view(storage(c).buffer(), t.shape());
    }

    public static CudaTensor denseOrNull(Tensor t) { return t == null ? null : dense(t); }

    /** A device tensor owning {@code c}'s buffer (do not close c afterwards). */
    public static Tensor wrap(CudaTensor c) { return Tensor.onDevice(CudaStorage.own(c), c.shape()); }

    /** An uninitialised contiguous device tensor. */
    public static Tensor empty(int... shape) { return wrap(CudaTensor.empty(shape)); }

    static int i(Object o) { return ((Number) o).intValue(); }
    static float f(Object o) { return ((Number) o).floatValue(); }

    static void put(String op, Kernel k) { KERNELS.put(op, k); }

    /**
     * An op whose kernel records its own backward (used when an input requires grad; see
     * {@link TrainingKernels} for the pattern: keep the engine tensors the backward needs in the closure,
     * {@link #dense} them again there, and hand each gradient to {@link #grad}).
     */
    static void putGrad(String op, GradKernel k) { GRAD_KERNELS.put(op, k); }

    static void putInPlace(String op, InPlace k) { IN_PLACE.put(op, k); }

    /** Op names whose CUDA kernel carries its own backward. */
    public static List<String> gradKernelNames() { return GRAD_KERNELS.keySet().stream().sorted().toList(); }

    /**
     * Accumulates the kernel-made gradient {@code g} (shape of {@code input}, or reshaped to it) into
     * {@code input}, which takes over its buffer; frees it when the input does not require grad.
     */
    static void grad(Tensor input, CudaTensor g) {
        if (g == null) return;
        if (input == null || !input.requiresGrad()) {
            g.close();
            return;
        }
        Autograd.accumulate(input, wrap(g).reshape(input.shape()));
    }

    /** True when the backward must produce a gradient for {@code t}. */
    static boolean wants(Tensor t) { return t != null && t.requiresGrad(); }

    // ---------------------------------------------------------------- kernels

    static int[] bstrides(Tensor t, int[] shape) {
        int rank = shape.length, lead = rank - t.dim();
        int[] ts = t.shape(), st = t.strides(), out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int src = i - lead;
            out[i] = (src < 0 || ts[src] == 1) ? 0 : st[src];
        }
        return out;
    }

    static int[] broadcast(int[] a, int[] b, String op) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1, db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = Math.max(da, db);
        }
        return out;
    }

    static Tensor binary(String name, int op, Tensor a, Tensor b) {
        int[] shape = broadcast(a.shape(), b.shape(), name);
        Tensor out = empty(shape);
        TensorOpsCuda.binary(op, storage(a).buffer(), a.offset(), bstrides(a, shape), storage(b).buffer(), b.offset(), bstrides(b, shape),
                storage(out).buffer(), shape);
        return out;
    }

    static Tensor unary(int op, Tensor x, float p0, float p1) {
        Tensor out = empty(x.shape());
        TensorOpsCuda.unary(op, storage(x).buffer(), x.offset(), x.strides(), storage(out).buffer(), x.shape(), p0, p1);
        return out;
    }

    private static void unaryOp(String name, int code) { put(name, (in, a) -> unary(code, in[0], a.length > 0 ? f(a[0]) : 0f, 0f)); }

    /** Sum over dim k of x (keepDim shape). */
    static Tensor sumDim(Tensor x, int k) {
        int[] shape = x.shape();
        int outer = 1, inner = 1, n = shape[k];
        for (int i = 0; i < k; i++) outer *= shape[i];
        for (int i = k + 1; i < shape.length; i++) inner *= shape[i];
        int[] kept = shape.clone();
        kept[k] = 1;
        CudaTensor cx = dense(x);
        Tensor out = empty(kept);
        if (inner == 1) TensorOpsCuda.sumRows(cx.buffer(), storage(out).buffer(), outer, n);
        else TensorOpsCuda.sumMid(cx.buffer(), storage(out).buffer(), outer, n, inner);
        return out;
    }

    /** A 2-d operand as (dense matrix, transposed?) without copying a plain transpose. */
    private record Mat(CudaTensor t, boolean trans) {}

    private static Mat mat(Tensor t) {
        if (t.isContiguous()) return new Mat(dense(t), false);
        Tensor tt = t.transpose(0, 1);
        if (tt.isContiguous()) return new Mat(dense(tt), true);
        return new Mat(dense(t), false);
    }

    static void gemm(CudaTensor a, CudaTensor b, CudaTensor c, int m, int n, int k, boolean ta, boolean tb, int batch, long sA, long sB, long sC, float beta) {
        if (TF32) MatmulCuda.gemm(a, b, c, m, n, k, ta, tb, batch, sA, sB, sC, 1f, beta);
        else TensorOpsCuda.sgemm(a.buffer(), b.buffer(), c.buffer(), m, n, k, ta, tb, batch, sA, sB, sC, 1f, beta);
    }

    /** [M, K] · [K, N] with plain transposes read in place. */
    static Tensor mm(Tensor a, Tensor b) {
        int m = a.size(0), k = a.size(1), n = b.size(1);
        Mat ma = mat(a), mb = mat(b);
        Tensor out = empty(m, n);
        gemm(ma.t, mb.t, dense(out), m, n, k, ma.trans, mb.trans, 1, 0, 0, 0, 0f);
        return out;
    }

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() < 2 || b.dim() < 2) throw new IllegalArgumentException("matmul needs 2-d or more, got " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k) throw new IllegalArgumentException("matmul: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()) + ", inner sizes differ");
        if (b.dim() == 2) {
            int[] outShape = a.shape();
            outShape[outShape.length - 1] = n;
            return mm(a.reshape(-1, k), b).reshape(outShape);
        }
        int[] batch = broadcast(Arrays.copyOf(a.shape(), a.dim() - 2), Arrays.copyOf(b.shape(), b.dim() - 2), "matmul");
        int[] fa = concat(batch, m, k), fb = concat(batch, k, n);
        Tensor ea = Arrays.equals(a.shape(), fa) ? a : a.expand(fa), eb = Arrays.equals(b.shape(), fb) ? b : b.expand(fb);
        return bmm(ea.reshape(-1, m, k), eb.reshape(-1, k, n)).reshape(concat(batch, m, n));
    }

    static Tensor bmm(Tensor a, Tensor b) {
        int bs = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (b.size(0) != bs || b.size(1) != k) throw new IllegalArgumentException("bmm " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        Tensor out = empty(bs, m, n);
        gemm(dense(a), dense(b), dense(out), m, n, k, false, false, bs, (long) m * k, (long) k * n, (long) m * n, 0f);
        return out;
    }

    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int in = x.size(-1), outF = w.size(0);
        if (w.dim() != 2 || w.size(1) != in) throw new IllegalArgumentException("linear: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape()));
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outF;
        Tensor x2 = x.reshape(-1, in);
        int m = x2.size(0);
        Tensor out = empty(m, outF);
        if (bias != null) copyInto(bias.reshape(1, outF).expand(m, outF), out);
        Mat mw = mat(w);   // y = x · wᵀ: w stored [out, in] is B transposed
        gemm(dense(x2), mw.t, dense(out), m, outF, in, false, !mw.trans, 1, 0, 0, 0, bias != null ? 1f : 0f);
        return out.reshape(outShape);
    }

    static void copyInto(Tensor src, Tensor dst) {
        TensorOpsCuda.stridedCopy(storage(src).buffer(), src.offset(), src.strides(), storage(dst).buffer(), dst.offset(), dst.strides(), src.shape());
    }

    static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    static Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) {
        int c = x.size(-1);
        CudaTensor g = w == null ? null : CudaTensor.view(dense(w).buffer(), c), h = b == null ? null : CudaTensor.view(dense(b).buffer(), c);
        LayerNormCuda.Result r = LayerNormCuda.layerNorm(dense(x), g, h, eps);
        r.mean().close();
        r.rstd().close();
        return wrap(r.out());
    }

    static {
        put("add", (in, a) -> binary("add", TensorOpsCuda.ADD, in[0], in[1]));
        put("sub", (in, a) -> binary("sub", TensorOpsCuda.SUB, in[0], in[1]));
        put("mul", (in, a) -> binary("mul", TensorOpsCuda.MUL, in[0], in[1]));
        put("div", (in, a) -> binary("div", TensorOpsCuda.DIV, in[0], in[1]));
        unaryOp("add_scalar", 0);
        unaryOp("mul_scalar", 1);
        unaryOp("pow", 2);
        String[] math = {"exp", "log", "sin", "cos", "sqrt", "abs", "square", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "silu", "softplus"};
        for (int j = 0; j < math.length; j++) unaryOp(math[j], 3 + j);
        put("clamp", (in, a) -> unary(17, in[0], f(a[0]), f(a[1])));
        put("round", (in, a) -> unary(18, in[0], 0f, 0f));
        put("floor", (in, a) -> unary(19, in[0], 0f, 0f));
        put("step", (in, a) -> unary(20, in[0], f(a[0]), 0f));
        put("atan2", (in, a) -> binary("atan2", TensorOpsCuda.ATAN2, in[0], in[1]));
        put("angle", (in, a) -> binary("angle", TensorOpsCuda.ATAN2, in[1], in[0]));   // atan2(im, re)
        put("sum", (in, a) -> {
            Tensor x = in[0];
            Tensor out = empty();
            TensorOpsCuda.sumRows(dense(x).buffer(), storage(out).buffer(), 1, x.numel());
            return out;
        });
        put("sum_dim", (in, a) -> {
            int k = i(a[0]);
            Tensor out = sumDim(in[0], k);
            return (Boolean) a[1] ? out : out.squeeze(k);
        });
        put("softmax", (in, a) -> {
            Tensor x = in[0];
            int k = i(a[0]), last = x.dim() - 1;
            Tensor xt = k == last ? x : x.transpose(k, last);
            int n = xt.size(-1), rows = n == 0 ? 0 : xt.numel() / n;
            Tensor y = empty(xt.shape());
            TensorOpsCuda.softmaxRows(dense(xt).buffer(), storage(y).buffer(), rows, n);
            return k == last ? y : y.transpose(k, last).contiguous();
        });
        put("scaled_dot_product", (in, a) -> {   // the CPU op's formula on device ops
            Tensor q = in[0], k = in[1], v = in[2], mask = in[3];
            int b = q.size(0), tk = k.size(2), dh = q.size(3);
            Tensor scores = q.matmul(k.transpose(-1, -2)).mul(1.0 / Math.sqrt(dh));
            if (mask != null) {
                if (mask.dtype != DType.I64 || mask.dim() != 2 || mask.size(0) != b || mask.size(1) != tk)
                    throw new IllegalArgumentException("scaledDotProduct: keyMask " + mask.dtype + " " + Arrays.toString(mask.shape()) + ", want int64 [" + b + ", " + tk + "]");
                float[] bias = new float[b * tk];
                long[] m = mask.toLongArray();
                for (int j = 0; j < bias.length; j++) bias[j] = (1 - m[j]) * -Float.MAX_VALUE;
                scores = scores.add(Tensor.of(bias, b, 1, 1, tk).to(Device.CUDA));
            }
            return Attention.softmax(scores, -1).matmul(v);
        });
        put("matmul", (in, a) -> matmul(in[0], in[1]));
        put("bmm", (in, a) -> bmm(in[0], in[1]));
        put("linear", (in, a) -> linear(in[0], in[1], in[2]));
        put("embedding", (in, a) -> {
            Tensor w = in[0], ids = in[1];
            if (w.dim() != 2) throw new IllegalArgumentException("embedding: weight must be [V, D], got " + Arrays.toString(w.shape()));
            if (ids.dtype != DType.I64) throw new IllegalArgumentException("embedding: ids must be int64, got " + ids.dtype);
            int v = w.size(0), d = w.size(1);
            long[] id = ids.toLongArray();
            int[] ii = new int[id.length];
            for (int j = 0; j < id.length; j++) {
                if (id[j] < 0 || id[j] >= v) throw new IllegalArgumentException("embedding: id " + id[j] + " (position " + j + " of ids " + Arrays.toString(ids.shape()) + ") is out of range for vocab size " + v);
                ii[j] = (int) id[j];
            }
            int[] shape = Arrays.copyOf(ids.shape(), ids.dim() + 1);
            shape[ids.dim()] = d;
            Tensor out = empty(shape);
            TensorOpsCuda.gatherRows(dense(w).buffer(), ii, storage(out).buffer(), d);
            return out;
        });
        put("cat", (in, a) -> {
            int k = i(a[0]), total = 0;
            for (Tensor t : in) total += t.size(k);
            int[] shape = in[0].shape();
            shape[k] = total;
            Tensor out = empty(shape);
            int at = 0;
            for (Tensor t : in) {
                if (t.dim() != shape.length) throw new IllegalArgumentException("cat: shapes " + Arrays.toString(in[0].shape()) + " and " + Arrays.toString(t.shape()));
                copyInto(t, out.slice(k, at, at + t.size(k)));
                at += t.size(k);
            }
            return out;
        });
        put("layer_norm", (in, a) -> layerNorm(in[0], in[1], in[2], f(a[0])));
        put("ada_layer_norm", (in, a) -> {
            Tensor x = in[0];
            if (x.dim() != 3) throw new IllegalArgumentException("adaLayerNorm expects x [B, T, C], got " + Arrays.toString(x.shape()));
            int c = x.size(2);
            Tensor h = linear(in[1], in[2], in[3]);
            LayerNormCuda.Result r = LayerNormCuda.adaLayerNorm(dense(x), dense(h.slice(1, 0, c)), dense(h.slice(1, c, 2 * c)), f(a[0]));
            r.mean().close();
            r.rstd().close();
            return wrap(r.out());
        });
        DecoderOps.register(CudaBackend::put);
        TrainingKernels.register();
        DecoderGrads.register();
        put("weight_norm", (in, a) -> {   // g · v / ‖v‖ per output channel (dim 0)
            Tensor v = in[0], g = in[1];
            int o = v.size(0);
            Tensor norm = MathOps.sqrt(sumDim(MathOps.square(v).reshape(o, -1), 1));
            return v.reshape(o, -1).mul(g.reshape(o, 1).div(norm)).reshape(v.shape());
        });
    }
}
