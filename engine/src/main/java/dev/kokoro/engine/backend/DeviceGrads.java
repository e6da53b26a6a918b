package dev.kokoro.engine.backend;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Node;
import dev.kokoro.engine.Reductions;
import dev.kokoro.engine.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Backward rules for ops that run as device kernels, written with the same public (dispatched) ops as
 * the CPU backward, so gradients of device tensors stay on the device. An op without a rule falls back
 * to the CPU op when an input requires grad (see {@link Dispatch}).
 */
final class DeviceGrads {
    private DeviceGrads() {}

    interface Rule {
        Node.Backward backward(Tensor out, Tensor[] in, Object[] args);
    }

    private static final Map<String, Rule> RULES = new HashMap<>();

    static Rule rule(String op) { return RULES.get(op); }

    private static void acc(Tensor t, Tensor g) {
        if (t != null && t.requiresGrad()) Autograd.accumulate(t, Reductions.sumToShape(g, t.shape()));
    }

    private static void unary(String op, UnaryGrad f) {
        RULES.put(op, (y, in, a) -> g -> acc(in[0], f.apply(g, in[0], y, a)));
    }

    private interface UnaryGrad {
        Tensor apply(Tensor g, Tensor x, Tensor y, Object[] args);
    }

    private static double d(Object o) { return ((Number) o).doubleValue(); }

    static {
        RULES.put("add", (y, in, a) -> g -> { acc(in[0], g); acc(in[1], g); });
        RULES.put("sub", (y, in, a) -> g -> { acc(in[0], g); if (in[1].requiresGrad()) acc(in[1], g.neg()); });
        RULES.put("mul", (y, in, a) -> g -> {
            if (in[0].requiresGrad()) acc(in[0], g.mul(in[1]));
            if (in[1].requiresGrad()) acc(in[1], g.mul(in[0]));
        });
        RULES.put("div", (y, in, a) -> g -> {
            if (in[0].requiresGrad()) acc(in[0], g.div(in[1]));
            if (in[1].requiresGrad()) acc(in[1], g.mul(in[0]).div(in[1].mul(in[1])).neg());
        });
        unary("add_scalar", (g, x, y, a) -> g);
        unary("mul_scalar", (g, x, y, a) -> g.mul(d(a[0])));
        unary("pow", (g, x, y, a) -> g.mul(Dispatchable.powScalar(x, d(a[0]) - 1).mul(d(a[0]))));
        unary("exp", (g, x, y, a) -> g.mul(y));
        unary("sin", (g, x, y, a) -> g.mul(MathOps.cos(x)));
        unary("cos", (g, x, y, a) -> g.mul(MathOps.sin(x)).neg());
        unary("square", (g, x, y, a) -> g.mul(x).mul(2));
        unary("sqrt", (g, x, y, a) -> g.div(y).mul(0.5));
        unary("log", (g, x, y, a) -> g.div(x));
        unary("tanh", (g, x, y, a) -> g.mul(y.mul(y).neg().add(1)));
        unary("sigmoid", (g, x, y, a) -> g.mul(y).mul(y.neg().add(1)));
        unary("silu", (g, x, y, a) -> {   // s + x·s·(1 − s)
            Tensor s = Activations.sigmoid(x);
            return g.mul(s.add(x.mul(s).mul(s.neg().add(1))));
        });
        unary("softplus", (g, x, y, a) -> g.mul(Activations.sigmoid(x)));
        unary("abs", (g, x, y, a) -> g.mul(x.div(nonZero(y))));                 // sign(x), 0 at 0
        unary("relu", (g, x, y, a) -> g.mul(step(x)));
        unary("leaky_relu", (g, x, y, a) -> {                                      // slope + (1 − slope)·[x > 0]
            double slope = d(a[0]);
            return g.mul(step(x).mul(1 - slope).add(slope));
        });
        RULES.put("power", (y, in, a) -> g -> {                                   // re² + im²
            if (in[0].requiresGrad()) acc(in[0], g.mul(in[0]).mul(2));
            if (in[1].requiresGrad()) acc(in[1], g.mul(in[1]).mul(2));
        });
        RULES.put("magnitude", (y, in, a) -> g -> {                               // |re + i·im|, gradient 0 at 0
            Tensor gr = g.div(nonZero(y));
            if (in[0].requiresGrad()) acc(in[0], gr.mul(in[0]));
            if (in[1].requiresGrad()) acc(in[1], gr.mul(in[1]));
        });
        RULES.put("polar_re", (y, in, a) -> g -> {                                // m·cos p
            if (in[0].requiresGrad()) acc(in[0], g.mul(MathOps.cos(in[1])));
            if (in[1].requiresGrad()) acc(in[1], g.mul(in[0]).mul(MathOps.sin(in[1])).neg());
        });
        RULES.put("polar_im", (y, in, a) -> g -> {                                // m·sin p
            if (in[0].requiresGrad()) acc(in[0], g.mul(MathOps.sin(in[1])));
            if (in[1].requiresGrad()) acc(in[1], g.mul(in[0]).mul(MathOps.cos(in[1])));
        });
        RULES.put("sum", (y, in, a) -> g -> acc(in[0], g.reshape(ones(in[0].dim())).expand(in[0].shape())));
        RULES.put("sum_dim", (y, in, a) -> g -> {
            int k = in[0].normDim((Integer) a[0]);
            Tensor gk = (Boolean) a[1] ? g : g.unsqueeze(k);
            acc(in[0], gk.expand(in[0].shape()));
        });
        RULES.put("softmax", (y, in, a) -> g -> {
            int k = (Integer) a[0];
            acc(in[0], y.mul(g.sub(g.mul(y).sum(k, true))));
        });
        RULES.put("matmul", (y, in, a) -> g -> {
            if (in[0].requiresGrad()) acc(in[0], g.matmul(in[1].transpose(-1, -2)));
            if (in[1].requiresGrad()) acc(in[1], in[0].transpose(-1, -2).matmul(g));
        });
        RULES.put("bmm", RULES.get("matmul"));
        RULES.put("linear", (y, in, a) -> g -> {
            Tensor x = in[0], w = in[1], b = in[2];
            if (x.requiresGrad()) acc(x, g.matmul(w));
            if (w.requiresGrad()) acc(w, g.reshape(-1, w.size(0)).transpose(0, 1).matmul(x.reshape(-1, w.size(1))));
            if (b != null && b.requiresGrad()) acc(b, g.reshape(-1, w.size(0)).sum(0, false));
        });
        RULES.put("cat", (y, in, a) -> g -> {
            int k = y.normDim((Integer) a[0]), at = 0;
            for (Tensor t : in) {
                int n = t.size(k);
                if (t.requiresGrad()) Autograd.accumulate(t, g.slice(k, at, at + n).contiguous());
                at += n;
            }
        });
    }

    /** |x| with zeros raised to the smallest normal float (x / nonZero(|x|) is sign(x), 0 at 0). */
    private static Tensor nonZero(Tensor absX) { return MathOps.clamp(absX, Float.MIN_NORMAL, Double.POSITIVE_INFINITY); }

    /** [x > 0] as 0/1, with dispatched ops. */
    private static Tensor step(Tensor x) { return Activations.relu(x).div(nonZero(MathOps.abs(x))); }

    static int[] ones(int n) {
        int[] s = new int[n];
        java.util.Arrays.fill(s, 1);
        return s;
    }

    /** Small helpers that must dispatch like the public ops. */
    private static final class Dispatchable {
        static Tensor powScalar(Tensor x, double p) { return dev.kokoro.engine.Elementwise.pow(x, p); }
    }
}
