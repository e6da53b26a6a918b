package dev.kokoro.engine;

import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceStorage;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An n-dimensional array of float32, float64 or int64 values with reverse-mode autograd.
 *
 * <p>Storage is a flat primitive array; a tensor is a view of it with a shape, strides and an
 * offset, so transpose, slice and reshape of contiguous data copy nothing. Kernels work on
 * contiguous data: they call {@link #contiguous()} first, which copies only when it must.
 *
 * <p>A tensor created by an op while gradients are enabled and some input requires grad records a
 * {@link Node}: its inputs and a closure that turns this tensor's gradient into theirs.
 *
 * <p>A device tensor ({@link #device()} not CPU) is a float32 view of a backend's opaque
 * {@link DeviceStorage} instead of an array: {@link #to(Device)} moves values (differentiably), ops
 * dispatch to the backend ({@link dev.kokoro.engine.backend.Dispatch}), value reads ({@link #getFlat},
 * {@link #item}, {@link #toFloatArray}) download, and {@link #f32()} is an error. Int64 tensors stay on the host.
 */
public final class Tensor {
    public final DType dtype;
    final int[] shape;
    final int[] strides;
    final int offset;
    final float[] f;
    final double[] d;
    final long[] l;
    final DeviceStorage ds;

    boolean requiresGrad;
    Node node;
    Tensor grad;
    private boolean gradShared;
    private String name;

    Tensor(DType dtype, int[] shape, int[] strides, int offset, float[] f, double[] d, long[] l) {
        this(dtype, shape, strides, offset, f, d, l, null);
    }

    Tensor(DType dtype, int[] shape, int[] strides, int offset, float[] f, double[] d, long[] l, DeviceStorage ds) {
        this.ds = ds;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.f = f;
        this.d = d;
        this.l = l;
    }

    // ---------------------------------------------------------------- construction

    public static Tensor of(float[] data, int... shape) {
        check(data.length == numel(shape), "float[%d] cannot have shape %s", data.length, shape);
        return new Tensor(DType.F32, shape.clone(), contiguousStrides(shape), 0, data, null, null);
    }

    public static Tensor of(double[] data, int... shape) {
        check(data.length == numel(shape), "double[%d] cannot have shape %s", data.length, shape);
        return new Tensor(DType.F64, shape.clone(), contiguousStrides(shape), 0, null, data, null);
    }

    public static Tensor of(long[] data, int... shape) {
        check(data.length == numel(shape), "long[%d] cannot have shape %s", data.length, shape);
        return new Tensor(DType.I64, shape.clone(), contiguousStrides(shape), 0, null, null, data);
    }

    /** A float32 view of device storage (for backends): shape, strides and offset in elements. */
    public static Tensor onDevice(DeviceStorage storage, int[] shape, int[] strides, int offset) {
        check(storage != null, "onDevice: null storage");
        return new Tensor(DType.F32, shape.clone(), strides.clone(), offset, null, null, null, storage);
    }

    /** A contiguous float32 tensor over all of {@code storage}. */
    public static Tensor onDevice(DeviceStorage storage, int... shape) {
        check(storage.length() == numel(shape), "onDevice: storage of %d elements cannot have shape %s", storage.length(), shape);
        return onDevice(storage, shape, contiguousStrides(shape), 0);
    }

    /** Zeros on {@code device} (float32 there; int64 stays on the CPU). */
    public static Tensor zeros(Device device, DType dtype, int... shape) {
        if (device == Device.CPU || dtype == DType.I64) return zeros(dtype, shape);
        check(dtype == DType.F32, "%s tensors cannot live on %s (float32 only)", dtype, device);
        return onDevice(Backends.require(device).full(numel(shape), 0f), shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        int n = numel(shape);
        return switch (dtype) {
            case F32 -> of(new float[n], shape);
            case F64 -> of(new double[n], shape);
            case I64 -> of(new long[n], shape);
        };
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = zeros(dtype, shape);
        t.fill(value);
        return t;
    }

    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** Standard normal values, from {@code rng}. */
    public static Tensor randn(SplittableRandom rng, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        int n = t.numel();
        switch (dtype) {
            case F32 -> { for (int i = 0; i < n; i++) t.f[i] = (float) gaussian(rng); }
            case F64 -> { for (int i = 0; i < n; i++) t.d[i] = gaussian(rng); }
            case I64 -> { for (int i = 0; i < n; i++) t.l[i] = (long) gaussian(rng); }
        }
        return t;
    }

    /** Uniform values in [lo, hi), from {@code rng}. */
    public static Tensor rand(SplittableRandom rng, DType dtype, double lo, double hi, int... shape) {
        Tensor t = zeros(dtype, shape);
        int n = t.numel();
        for (int i = 0; i < n; i++) {
            double v = lo + (hi - lo) * rng.nextDouble();
            switch (dtype) {
                case F32 -> t.f[i] = (float) v;
                case F64 -> t.d[i] = v;
                case I64 -> t.l[i] = (long) v;
            }
        }
        return t;
    }

    public static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    // ---------------------------------------------------------------- shape

    public int[] shape() { return shape.clone(); }
    public int dim() { return shape.length; }
    public int size(int dim) { return shape[normDim(dim)]; }
    public int numel() { return numel(shape); }
    public int[] strides() { return strides.clone(); }
    public int offset() { return offset; }

    /** CPU, or the device whose storage holds this tensor. */
    public Device device() { return ds == null ? Device.CPU : ds.device(); }

    /** The device storage (for backends), or null for a host tensor. */
    public DeviceStorage storage() { return ds; }

    /** A view of this tensor's storage (host or device) with another shape, strides and offset. */
    Tensor view(int[] shape, int[] strides, int offset) {
        return new Tensor(dtype, shape, strides, offset, f, d, l, ds);
    }

    /** A detached host copy of a device tensor (this tensor when it is on the host). */
    private Tensor host() {
        return ds == null ? this : Autograd.noGrad(() -> detach().to(Device.CPU));
    }

    private void checkHost(String what) {
        check(ds == null, "%s needs a host tensor, but this %s%s is on %s; call .to(Device.CPU) first", what, dtype, shape, device());
    }

    public int normDim(int dim) {
        int r = dim < 0 ? dim + shape.length : dim;
        check(r >= 0 && r < shape.length, "dim %d out of range for shape %s", dim, shape);
        return r;
    }

    public boolean isContiguous() {
        return offset == 0 && Arrays.equals(strides, contiguousStrides(shape)) && storageLength() == numel();
    }

    int storageLength() {
        return ds != null ? ds.length() : f != null ? f.length : d != null ? d.length : l.length;
    }

    // ---------------------------------------------------------------- raw data access

    /** The backing array of a contiguous float32 tensor (call {@link #contiguous()} first). */
    public float[] f32() {
        checkHost("f32()");
        check(dtype == DType.F32, "expected float32, got %s", dtype);
        check(isContiguous(), "f32() needs a contiguous tensor; call contiguous() first");
        return f;
    }

    public double[] f64() {
        checkHost("f64()");
        check(dtype == DType.F64, "expected float64, got %s", dtype);
        check(isContiguous(), "f64() needs a contiguous tensor; call contiguous() first");
        return d;
    }

    public long[] i64() {
        checkHost("i64()");
        check(dtype == DType.I64, "expected int64, got %s", dtype);
        check(isContiguous(), "i64() needs a contiguous tensor; call contiguous() first");
        return l;
    }

    /** Element at logical (row-major) position {@code i}, as a double. Slow; for tests and small work. */
    public double getFlat(int i) {
        if (ds != null) return host().getFlat(i);
        int p = physical(i);
        return switch (dtype) {
            case F32 -> f[p];
            case F64 -> d[p];
            case I64 -> l[p];
        };
    }

    public void setFlat(int i, double v) {
        checkHost("setFlat");
        int p = physical(i);
        switch (dtype) {
            case F32 -> f[p] = (float) v;
            case F64 -> d[p] = v;
            case I64 -> l[p] = (long) v;
        }
    }

    public double get(int... idx) {
        if (ds != null) {
            int p = 0;
            for (int k = 0; k < idx.length; k++) p = p * shape[k] + idx[k];
            return host().getFlat(p);
        }
        int p = offset;
        for (int k = 0; k < idx.length; k++) p += idx[k] * strides[k];
        return switch (dtype) {
            case F32 -> f[p];
            case F64 -> d[p];
            case I64 -> l[p];
        };
    }

    public double item() {
        check(numel() == 1, "item() of a tensor with %d elements", numel());
        return getFlat(0);
    }

    private int physical(int i) {
        if (isContiguousFast()) return offset + i;
        int p = offset;
        for (int k = shape.length - 1; k >= 0; k--) {
            int s = shape[k];
            p += (i % s) * strides[k];
            i /= s;
        }
        return p;
    }

    private boolean isContiguousFast() {
        int expect = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] != 1 && strides[k] != expect) return false;
            expect *= shape[k];
        }
        return true;
    }

    /** All values as a new double[] in row-major order. */
    public double[] toDoubleArray() {
        if (ds != null) return host().toDoubleArray();
        int n = numel();
        double[] out = new double[n];
        Tensor c = contiguous();
        switch (dtype) {
            case F32 -> { for (int i = 0; i < n; i++) out[i] = c.f[i]; }
            case F64 -> System.arraycopy(c.d, 0, out, 0, n);
            case I64 -> { for (int i = 0; i < n; i++) out[i] = c.l[i]; }
        }
        return out;
    }

    public float[] toFloatArray() {
        if (ds != null) return Backends.require(device()).download(this);
        int n = numel();
        float[] out = new float[n];
        Tensor c = contiguous();
        switch (dtype) {
            case F32 -> System.arraycopy(c.f, 0, out, 0, n);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) c.d[i]; }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = c.l[i]; }
        }
        return out;
    }

    public long[] toLongArray() {
        if (ds != null) return host().toLongArray();
        int n = numel();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = (long) getFlat(i);
        return out;
    }

    /** Fills in place (no autograd). */
    public Tensor fill(double v) {
        if (ds != null) {
            Backend be = Backends.require(device());
            be.copy(onDevice(be.full(numel(), (float) v), shape), this);
            return this;
        }
        if (isContiguous()) {
            switch (dtype) {
                case F32 -> Arrays.fill(f, (float) v);
                case F64 -> Arrays.fill(d, v);
                case I64 -> Arrays.fill(l, (long) v);
            }
        } else {
            for (int i = 0, n = numel(); i < n; i++) setFlat(i, v);
        }
        return this;
    }

    /** Copies {@code src}'s values into this tensor in place (no autograd); shapes must match. */
    public Tensor copyFrom(Tensor src) {
        check(Arrays.equals(shape, src.shape), "copyFrom: shape %s vs %s", shape, src.shape);
        if (ds != null || src.ds != null) {
            if (ds == null) return copyFrom(src.host());
            Tensor s = src.ds != null ? src : Autograd.noGrad(() -> src.detach().to(DType.F32).to(device()));
            check(s.device() == device(), "copyFrom: source on %s, destination on %s", s.device(), device());
            Backends.require(device()).copy(s, this);
            return this;
        }
        if (isContiguous() && src.isContiguous() && dtype == src.dtype) {
            switch (dtype) {
                case F32 -> System.arraycopy(src.f, 0, f, 0, f.length);
                case F64 -> System.arraycopy(src.d, 0, d, 0, d.length);
                case I64 -> System.arraycopy(src.l, 0, l, 0, l.length);
            }
        } else {
            // strided gather (with dtype conversion) row by row; destination may be a view too
            Strided it = new Strided(shape, this, src);
            int sd = it.innerStride[0], ss = it.innerStride[1];
            it.forEach(1, (o, oi, len) -> copyRun(src, o[1], ss, this, o[0], sd, len));
        }
        return this;
    }

    /** dst[di + j·sd] = src[si + j·ss] for j < len, converting dtypes. */
    private static void copyRun(Tensor src, int si, int ss, Tensor dst, int di, int sd, int len) {
        switch (dst.dtype) {
            case F32 -> {
                float[] o = dst.f;
                switch (src.dtype) {
                    case F32 -> {
                        if (ss == 1 && sd == 1) System.arraycopy(src.f, si, o, di, len);
                        else for (int j = 0; j < len; j++) o[di + j * sd] = src.f[si + j * ss];
                    }
                    case F64 -> { for (int j = 0; j < len; j++) o[di + j * sd] = (float) src.d[si + j * ss]; }
                    case I64 -> { for (int j = 0; j < len; j++) o[di + j * sd] = src.l[si + j * ss]; }
                }
            }
            case F64 -> {
                double[] o = dst.d;
                switch (src.dtype) {
                    case F32 -> { for (int j = 0; j < len; j++) o[di + j * sd] = src.f[si + j * ss]; }
                    case F64 -> {
                        if (ss == 1 && sd == 1) System.arraycopy(src.d, si, o, di, len);
                        else for (int j = 0; j < len; j++) o[di + j * sd] = src.d[si + j * ss];
                    }
                    case I64 -> { for (int j = 0; j < len; j++) o[di + j * sd] = src.l[si + j * ss]; }
                }
            }
            case I64 -> {
                long[] o = dst.l;
                switch (src.dtype) {
                    case F32 -> { for (int j = 0; j < len; j++) o[di + j * sd] = (long) src.f[si + j * ss]; }
                    case F64 -> { for (int j = 0; j < len; j++) o[di + j * sd] = (long) src.d[si + j * ss]; }
                    case I64 -> {
                        if (ss == 1 && sd == 1) System.arraycopy(src.l, si, o, di, len);
                        else for (int j = 0; j < len; j++) o[di + j * sd] = src.l[si + j * ss];
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- copies and conversion

    /** This tensor if it is contiguous from offset 0, else a contiguous copy (differentiable). */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor out = zeros(device(), dtype, shape);
        out.copyFrom(this);
        return Autograd.record(out, g -> g, this);
    }

    /** A detached contiguous copy. */
    public Tensor copy() {
        Tensor out = zeros(device(), dtype, shape);
        out.copyFrom(this);
        return out;
    }

    /** Same values in another dtype (differentiable between float types). */
    public Tensor to(DType target) {
        if (target == dtype) return this;
        check(ds == null, "to(%s): a tensor on %s is float32 only; move it to the CPU first", target, device());
        Tensor out = zeros(target, shape);
        out.copyFrom(this);
        if (target == DType.I64 || dtype == DType.I64) return out;
        DType src = dtype;
        return Autograd.record(out, g -> g.to(src), this);
    }

    /** Shares storage, drops the autograd history. */
    public Tensor detach() {
        return new Tensor(dtype, shape, strides, offset, f, d, l, ds);
    }

    /**
     * The same values on {@code target} (a copy; differentiable: the gradient moves back). Int64
     * tensors stay on the host (returned as they are); only float32 tensors go to a device.
     */
    public Tensor to(Device target) {
        Device src = device();
        if (target == src) return this;
        Tensor out;
        if (target == Device.CPU) {
            out = of(Backends.require(src).download(this), shape);
        } else {
            if (dtype == DType.I64) return this;
            check(src == Device.CPU, "to(%s) from %s: go through the CPU", target, src);
            check(dtype == DType.F32, "to(%s): %s tensors cannot live on the device (float32 only); call to(DType.F32) first", target, dtype);
            Backend be = Backends.require(target);
            Tensor c = isContiguous() ? this : copy();
            out = onDevice(be.upload(c.f), shape);
        }
        return Autograd.record(out, g -> g.to(src), this);
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    public Tensor requiresGrad(boolean on) {
        check(node == null || !on || requiresGrad, "only leaf tensors can be marked requiresGrad");
        check(!on || dtype != DType.I64, "an int64 tensor cannot require grad");
        requiresGrad = on;
        return this;
    }

    public Tensor grad() { return grad; }

    public void zeroGrad() { grad = null; gradShared = false; }

    public boolean isLeaf() { return node == null; }

    /** Back-propagates from this scalar (gradient 1). */
    public void backward() {
        check(numel() == 1, "backward() without an argument needs a scalar, got shape %s", shape);
        backward(full(dtype, 1.0, shape).to(device()));
    }

    public void backward(Tensor gradOutput) {
        Autograd.backward(this, gradOutput);
    }

    /** Adds {@code g} into this tensor's gradient (copy-on-write: {@code g} may be shared). */
    void accumulateGrad(Tensor gradient) {
        check(Arrays.equals(gradient.shape, shape), "gradient shape %s does not match tensor shape %s",
                Arrays.toString(gradient.shape), Arrays.toString(shape));
        Tensor g0 = gradient.dtype == dtype ? gradient : gradient.detach().to(dtype);
        Tensor g = g0.device() == device() ? g0 : Autograd.noGrad(() -> g0.detach().to(device()));
        if (grad == null) {
            grad = g.detach().contiguous();
            gradShared = true;
        } else if (gradShared || ds != null) {
            grad = Autograd.noGrad(() -> grad.add(g));
            gradShared = false;
        } else {
            Autograd.noGrad(() -> { Elementwise.addInPlace(grad, g); return null; });
        }
    }

    public String name() { return name; }
    public Tensor name(String n) { this.name = n; return this; }

    // ---------------------------------------------------------------- fluent ops

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }
    public Tensor add(double c) { return Elementwise.addScalar(this, c); }
    public Tensor mul(double c) { return Elementwise.mulScalar(this, c); }
    public Tensor neg() { return Elementwise.mulScalar(this, -1); }
    public Tensor matmul(Tensor o) { return Matmul.matmul(this, o); }
    public Tensor sum() { return Reductions.sum(this); }
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, dim, keepDim); }
    public Tensor mean() { return Reductions.mean(this); }
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, dim, keepDim); }
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }
    public Tensor transpose(int d0, int d1) { return Views.transpose(this, d0, d1); }
    public Tensor permute(int... dims) { return Views.permute(this, dims); }
    public Tensor slice(int dim, int start, int end) { return Views.slice(this, dim, start, end); }
    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }

    // ---------------------------------------------------------------- helpers

    public static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            check(s >= 0, "negative size in shape %s", shape);
            n *= s;
        }
        check(n <= Integer.MAX_VALUE, "tensor of %d elements is too large", n);
        return (int) n;
    }

    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            st[k] = s;
            s *= shape[k];
        }
        return st;
    }

    /** Throws with the message formatted only on failure; int[], long[] and double[] arguments print as their contents. */
    static void check(boolean ok, String fmt, Object... args) {
        if (ok) return;
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof int[] a) args[i] = Arrays.toString(a);
            else if (args[i] instanceof long[] a) args[i] = Arrays.toString(a);
            else if (args[i] instanceof double[] a) args[i] = Arrays.toString(a);
        }
        throw new IllegalArgumentException(String.format(fmt, args));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(Arrays.toString(shape));
        if (ds != null) sb.append(" on ").append(device());
        if (name != null) sb.append(' ').append(name);
        int n = Math.min(numel(), 8);
        sb.append(" [");
        Tensor h = ds == null ? this : (ds.isFreed() ? null : host());
        if (h == null) return sb.append("freed])").toString();
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append((float) h.getFlat(i));
        if (numel() > n) sb.append(", ...");
        return sb.append("])").toString();
    }
}
