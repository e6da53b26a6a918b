package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/**
 * torch.nn.utils.weight_norm with dim=0: w = g · v / ‖v‖, the norm over every dim but 0. Kokoro's
 * ConvTranspose1d weights [Cin, Cout/groups, K] use dim 0 too, so there g is [Cin, 1, 1].
 */
public final class WeightNorm {
    private WeightNorm() {}

    /** v [O, ...], g [O, 1, ...] (PyTorch's shape; any shape of O values is accepted) → w of v's shape. */
    public static Tensor apply(Tensor v, Tensor g) {
        if (Dispatch.onDevice(v, g)) return Dispatch.run("weight_norm", in -> apply(in[0], in[1]), Dispatch.args(), v, g);
        Tensor.check(v.dim() >= 1 && v.dtype == g.dtype && v.dtype != DType.I64, "weightNorm: v %s %s, g %s %s",
                v.dtype, Arrays.toString(v.shape), g.dtype, Arrays.toString(g.shape));
        int o = v.shape[0], len = o == 0 ? 0 : v.numel() / o;
        Tensor.check(g.numel() == o, "weightNorm: g %s needs %d values for v %s", Arrays.toString(g.shape), o, Arrays.toString(v.shape));
        Tensor cv = Autograd.noGrad(v::contiguous), cg = Autograd.noGrad(g::contiguous);
        double[] norm = new double[o];
        Tensor w = Tensor.zeros(v.dtype, v.shape);
        Parallel.forRange(o, 3L * len, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int off = r * len;
                double s = 0;
                if (v.dtype == DType.F32) { float[] a = cv.f; for (int i = off; i < off + len; i++) { double x = a[i]; s += x * x; } }
                else { double[] a = cv.d; for (int i = off; i < off + len; i++) s += a[i] * a[i]; }
                norm[r] = Math.sqrt(s);
                double k = Norms.at(cg, r) / norm[r];
                if (v.dtype == DType.F32) for (int i = off; i < off + len; i++) w.f[i] = (float) (cv.f[i] * k);
                else for (int i = off; i < off + len; i++) w.d[i] = cv.d[i] * k;
            }
        });
        return Autograd.record(w, gw -> {
            Tensor cgw = gw.contiguous();
            boolean nv = v.requiresGrad(), ng = g.requiresGrad();
            Tensor gv = nv ? Tensor.zeros(v.dtype, v.shape) : null;
            double[] gg = new double[o];
            Parallel.forRange(o, 4L * len, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int off = r * len;
                    double dot = 0;
                    for (int i = off; i < off + len; i++) dot += (cgw.f != null ? cgw.f[i] : cgw.d[i]) * (cv.f != null ? cv.f[i] : cv.d[i]);
                    double n = norm[r], gr = Norms.at(cg, r);
                    gg[r] = dot / n;
                    if (nv) {
                        double k = gr / n, k2 = gr * dot / (n * n * n);
                        if (gv.f != null) for (int i = off; i < off + len; i++) gv.f[i] = (float) (k * cgw.f[i] - k2 * cv.f[i]);
                        else for (int i = off; i < off + len; i++) gv.d[i] = k * cgw.d[i] - k2 * cv.d[i];
                    }
                }
            });
            if (nv) Autograd.accumulate(v, gv);
            if (ng) {
                Tensor t = Tensor.of(gg, g.shape);
                Autograd.accumulate(g, g.dtype == DType.F64 ? t : t.to(g.dtype));
            }
        }, v, g);
    }
}
