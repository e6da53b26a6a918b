package dev.kokoro.engine;

import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import java.util.ArrayList;
import java.util.List;

/**
 * torch.optim.AdamW (decoupled weight decay, bias correction, amsgrad off), and clipping by global norm.
 * Parameters may live on a device: the moments are made beside them (construct the optimizer outside any
 * DeviceScope, so they outlive the steps) and the update runs as the backend's "adamw_step" kernel, or on
 * host copies written back when the backend has none.
 */
public final class AdamW {
    private final List<Tensor> params;
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    public double lr;
    private final double beta1, beta2, eps, weightDecay;
    private int step;

    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Tensor p : this.params) {
            Tensor.check(p.isContiguous() && p.dtype.isFloat(), "AdamW needs contiguous float parameters");
            m.add(Tensor.zeros(p.device(), p.dtype, p.shape));
            v.add(Tensor.zeros(p.device(), p.dtype, p.shape));
        }
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    /** One update from the parameters' current gradients; parameters without a gradient are skipped. */
    public void step() {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2), decay = 1 - lr * weightDecay;
        for (int k = 0; k < params.size(); k++) {
            Tensor p = params.get(k), g = p.grad;
            if (g == null) continue;
            if (p.storage() != null) {
                deviceStep(p, g, m.get(k), v.get(k));
                continue;
            }
            Tensor cg = g.contiguous(), m1 = m.get(k), m2 = v.get(k);
            for (int i = 0, n = p.numel(); i < n; i++) {
                double gi = p.dtype == DType.F32 ? cg.f[i] : cg.d[i];
                double mi = beta1 * (p.dtype == DType.F32 ? m1.f[i] : m1.d[i]) + (1 - beta1) * gi;
                double vi = beta2 * (p.dtype == DType.F32 ? m2.f[i] : m2.d[i]) + (1 - beta2) * gi * gi;
                double pi = (p.dtype == DType.F32 ? p.f[i] : p.d[i]) * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps);
                if (p.dtype == DType.F32) {
                    p.f[i] = (float) pi;
                    m1.f[i] = (float) mi;
                    m2.f[i] = (float) vi;
                } else {
                    p.d[i] = pi;
                    m1.d[i] = mi;
                    m2.d[i] = vi;
                }
            }
        }
    }

    private void deviceStep(Tensor p, Tensor g, Tensor m1, Tensor m2) {
        Backend.InPlace k = Backends.require(p.device()).inPlace("adamw_step");
        if (k != null) {
            k.apply(new Tensor[] {p, g.contiguous(), m1, m2}, new Object[] {step, lr, beta1, beta2, eps, weightDecay});
            return;
        }
        Tensor hp = p.to(Device.CPU).detach(), hm = m1.to(Device.CPU), hv = m2.to(Device.CPU);
        hp.grad = g.to(Device.CPU).detach();
        AdamW host = new AdamW(List.of(hp), lr, beta1, beta2, eps, weightDecay);
        host.restore(step - 1, List.of(hm), List.of(hv));
        host.step();
        p.copyFrom(hp);
        m1.copyFrom(host.m.get(0));
        m2.copyFrom(host.v.get(0));
    }

    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    public int stepCount() { return step; }
    public List<Tensor> params() { return params; }
    /** First and second moments, in parameter order (for checkpoints). */
    public List<Tensor> expAvg() { return m; }
    public List<Tensor> expAvgSq() { return v; }

    /** Restores the moments and step count saved from an optimizer over the same parameters. */
    public void restore(int stepCount, List<Tensor> expAvg, List<Tensor> expAvgSq) {
        Tensor.check(expAvg.size() == params.size() && expAvgSq.size() == params.size(),
                "optimizer state has %d/%d tensors for %d parameters", expAvg.size(), expAvgSq.size(), params.size());
        for (int k = 0; k < params.size(); k++) {
            m.get(k).copyFrom(expAvg.get(k));
            v.get(k).copyFrom(expAvgSq.get(k));
        }
        step = stepCount;
    }

    /** torch.nn.utils.clip_grad_norm_: scales all gradients so their global L2 norm is at most maxNorm; returns the norm before. */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        double total = 0;
        Tensor deviceSq = null;   // Σ g² of device gradients, summed on the device: one download
        for (Tensor p : params) {
            if (p.grad == null) continue;
            if (p.grad.storage() != null) {
                Tensor acc = deviceSq;
                deviceSq = Autograd.noGrad(() -> {
                    Tensor sq = MathOps.square(p.grad).sum();
                    return acc == null ? sq : acc.add(sq);
                });
                continue;
            }
            Tensor g = p.grad.contiguous();
            for (int i = 0, n = g.numel(); i < n; i++) {
                double x = g.dtype == DType.F32 ? g.f[i] : g.d[i];
                total += x * x;
            }
        }
        if (deviceSq != null) total += deviceSq.item();
        total = Math.sqrt(total);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) for (Tensor p : params) if (p.grad != null) p.grad = Autograd.noGrad(() -> p.grad.mul(coef));
        return total;
    }
}
