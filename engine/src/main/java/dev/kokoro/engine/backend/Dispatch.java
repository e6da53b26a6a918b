package dev.kokoro.engine.backend;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Node;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Device dispatch at the op entry points. Each public op starts with one line:
 * <pre>{@code if (Dispatch.onDevice(x, w)) return Dispatch.run("conv1d", in -> conv1d(in[0], in[1], stride), Dispatch.args(stride), x, w);}</pre>
 * {@code onDevice} is a null/field check, so the CPU path pays nothing. {@code run} checks that the inputs
 * share one device, then either runs the backend's kernel for the op name or falls back. When an input
 * requires grad the kernel must come with a backward: the backend's own ({@link Backend#gradKernel}, device
 * kernels for the input gradients) or, for a plain {@link Backend#kernel}, a {@link DeviceGrads} rule
 * written with dispatched ops. The fallback moves the inputs to the host with
 * {@code to(Device.CPU)}, the CPU op runs on them (the lambda: the same entry point, now on host tensors)
 * and the result moves back. Both moves are differentiable, so autograd works through a fallback too.
 *
 * <p>Mixing rules: inputs on different devices are an error naming the op and every input's device,
 * dtype and shape. Two kinds of host inputs may join device inputs: int64 tensors (ids, masks, repeats,
 * which always stay on the host) and one-element tensors (scalars, as PyTorch allows 0-d CPU tensors).
 */
public final class Dispatch {
    private Dispatch() {}

    public static boolean onDevice(Tensor a) { return a != null && a.storage() != null; }

    public static boolean onDevice(Tensor a, Tensor b) { return onDevice(a) || onDevice(b); }

    public static boolean onDevice(Tensor a, Tensor b, Tensor c) { return onDevice(a) || onDevice(b) || onDevice(c); }

    public static boolean onDevice(Tensor... ts) {
        for (Tensor t : ts) if (onDevice(t)) return true;
        return false;
    }

    public static Object[] args(Object... a) { return a; }

    /** Runs op {@code name} on device inputs: the backend's kernel, or the CPU op {@code cpu} on host copies. */
    public static Tensor run(String name, Function<Tensor[], Tensor> cpu, Object[] args, Tensor... inputs) {
        if (!OpProfile.ON) return dispatch(name, name, cpu, args, inputs);
        long t = OpProfile.begin();
        String key = OpProfile.SHAPES && inputs.length > 0 && inputs[0] != null ? name + " " + java.util.Arrays.toString(inputs[0].shape()) : name;
        try {
            return dispatch(name, key, cpu, args, inputs);
        } finally {
            OpProfile.end(key, t);
        }
    }

    /** {@code key}: the op's name in the profile (with its input shape under -Dkokoro.profile.shapes). */
    private static Tensor dispatch(String name, String key, Function<Tensor[], Tensor> cpu, Object[] args, Tensor... inputs) {
        Device dev = device(name, inputs);
        Backend be = Backends.require(dev);
        boolean grad = Autograd.needsGrad(inputs);
        Backend.GradKernel gk = grad ? be.gradKernel(name) : null;
        if (gk != null) {
            Tensor[] in = uploadScalars(inputs, dev);
            Backend.Recorded r;
            try (Autograd.Scope s = Autograd.disable()) {
                r = gk.apply(in, args);
            }
            if (r != null) return Autograd.record(r.out(), OpProfile.ON ? timed(key + ".backward", r.backward()) : r.backward(), in);
        }
        Backend.Kernel k = be.kernel(name);
        DeviceGrads.Rule rule = grad ? DeviceGrads.rule(name) : null;
        if (k != null && (!grad || rule != null)) {
            Tensor[] in = uploadScalars(inputs, dev);
            Tensor out;
            try (Autograd.Scope s = Autograd.disable()) {
                out = k.apply(in, args);
            }
            if (out != null) {
                if (!grad) return out;
                Node.Backward bw = rule.backward(out, in, args);
                return Autograd.record(out, bw, in);
            }
        }
        String dv = dev.toString().toUpperCase();
        Fallbacks.record(name, dev.toString(), gk != null ? "its " + dv + " kernel does not take these inputs"
                : k == null ? "no " + dv + " kernel yet"
                : grad && rule == null ? "its " + dv + " kernel records no gradient yet" : "its " + dv + " kernel does not take these inputs");
        Tensor[] host = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) host[i] = inputs[i] == null ? null : inputs[i].to(Device.CPU);
        Tensor out = cpu.apply(host);
        return out == null ? null : out.to(dev);
    }

    private static Node.Backward timed(String name, Node.Backward b) {
        return g -> {
            long t = OpProfile.begin();
            try {
                b.apply(g);
            } finally {
                OpProfile.end(name, t);
            }
        };
    }

    /** The one device of the inputs; an error naming the op and every input when they disagree. */
    public static Device device(String name, Tensor... inputs) {
        Device dev = null;
        for (Tensor t : inputs) if (onDevice(t)) { dev = t.device(); break; }
        if (dev == null) return Device.CPU;
        for (Tensor t : inputs) {
            if (t == null || t.device() == dev) continue;
            boolean hostOk = t.device() == Device.CPU && (t.dtype == DType.I64 || (t.numel() == 1 && !t.requiresGrad()));
            if (!hostOk) throw new IllegalArgumentException(name + ": inputs on different devices (" + describe(inputs)
                    + "); move them with .to(Device." + dev.name() + ") or .to(Device.CPU) first");
        }
        return dev;
    }

    static String describe(Tensor... inputs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            if (i > 0) sb.append(", ");
            Tensor t = inputs[i];
            sb.append("input ").append(i).append(": ");
            if (t == null) sb.append("null");
            else sb.append(t.device()).append(' ').append(t.dtype).append(Arrays.toString(t.shape()));
        }
        return sb.toString();
    }

    private static Tensor[] uploadScalars(Tensor[] inputs, Device dev) {
        Tensor[] in = inputs;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t != null && t.device() != dev && t.dtype != DType.I64) {
                if (in == inputs) in = inputs.clone();
                in[i] = t.to(DType.F32).to(dev);
            }
        }
        return in;
    }
}
