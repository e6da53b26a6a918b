package dev.kokoro.engine;

import java.util.ArrayList;
import java.util.List;

/** torch.optim.AdamW (decoupled weight decay, bias correction, amsgrad off), and clipping by global norm. */
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
            m.add(Tensor.zeros(p.dtype, p.shape));
            v.add(Tensor.zeros(p.dtype, p.shape));
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
            double[] pv = p.toDoubleArray(), gv = g.toDoubleArray(), mv = m.get(k).toDoubleArray(), vv = v.get(k).toDoubleArray();
            for (int i = 0; i < pv.length; i++) {
                pv[i] *= decay;
                mv[i] = beta1 * mv[i] + (1 - beta1) * gv[i];
                vv[i] = beta2 * vv[i] + (1 - beta2) * gv[i] * gv[i];
                pv[i] -= stepSize * mv[i] / (Math.sqrt(vv[i]) / sqrtBc2 + eps);
            }
            store(p, pv);
            store(m.get(k), mv);
            store(v.get(k), vv);
        }
    }

    private static void store(Tensor t, double[] values) {
        for (int i = 0; i < values.length; i++) t.setFlat(i, values[i]);
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
        for (Tensor p : params) {
            if (p.grad == null) continue;
            for (double x : p.grad.toDoubleArray()) total += x * x;
        }
        total = Math.sqrt(total);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) {
            for (Tensor p : params) {
                if (p.grad == null) continue;
                Tensor g = p.grad.contiguous().copy();
                for (int i = 0, n = g.numel(); i < n; i++) g.setFlat(i, g.getFlat(i) * coef);
                p.grad = g;
            }
        }
        return total;
    }
}
