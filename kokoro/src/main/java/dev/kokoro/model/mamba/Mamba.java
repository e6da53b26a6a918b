package dev.kokoro.model.mamba;

import dev.kokoro.engine.CausalConv1d;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.SelectiveScan;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.Param;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * mamba-ssm's Mamba block (modules/mamba_simple.py, the non-fused path), with its parameter names:
 * in_proj (no bias) → x, z; x = silu(causal depthwise conv1d(x)); x_proj(x) → dt, B, C;
 * dt = dt_proj.weight · dt; y = selective_scan(x, dt, −exp(A_log), B, C, D, z, dt_proj.bias, softplus);
 * out_proj(y) (no bias). The conv's SiLU and the gate y·silu(z) are fused into CausalConv1d and SelectiveScan.
 */
public final class Mamba extends Module {
    public final int dModel, dState, dConv, expand, dInner, dtRank;
    public final Linear inProj, xProj, dtProj, outProj;
    public final Conv1d conv1d;
    public final Param aLog, d;

    /** d_state 16, d_conv 4, expand 2, dt_rank ceil(d_model / 16): the defaults of mamba-ssm. */
    public Mamba(int dModel) {
        this(dModel, 16, 4, 2);
    }

    public Mamba(int dModel, int dState, int dConv, int expand) {
        this.dModel = dModel;
        this.dState = dState;
        this.dConv = dConv;
        this.expand = expand;
        this.dInner = expand * dModel;
        this.dtRank = (dModel + 15) / 16;
        inProj = child("in_proj", new Linear(dModel, 2 * dInner, false));
        conv1d = child("conv1d", new Conv1d(dInner, dInner, dConv, 1, dConv - 1, 1, dInner, true, false));
        xProj = child("x_proj", new Linear(dInner, dtRank + 2 * dState, false));
        dtProj = child("dt_proj", new Linear(dtRank, dInner, true));
        aLog = param("A_log", dInner, dState);
        d = param("D", dInner);
        outProj = child("out_proj", new Linear(dInner, dModel, false));
    }

    /** hidden [B, L, d_model] → [B, L, d_model]. */
    public Tensor forward(Tensor hidden) {
        check(hidden.dim() == 3 && hidden.size(2) == dModel, "Mamba(d_model=%d): input must be [B, L, %d], got %s",
                dModel, dModel, Arrays.toString(hidden.shape()));
        return forwardProjected(Matmul.linear(hidden, inProj.weight.get(), null));
    }

    /** The block after in_proj: xz [B, L, 2·d_inner] = in_proj(hidden) → [B, L, d_model]. */
    Tensor forwardProjected(Tensor xz) {
        check(xz.dim() == 3 && xz.size(2) == 2 * dInner, "Mamba: in_proj output must be [B, L, %d], got %s", 2 * dInner, Arrays.toString(xz.shape()));
        int L = xz.size(1);
        Tensor x = channelsFirst(xz, 0, dInner), z = channelsFirst(xz, dInner, 2 * dInner);            // [B, d_inner, L]
        x = CausalConv1d.apply(x, conv1d.weight.get().reshape(dInner, dConv), conv1d.bias.get(), true);
        Tensor xDbl = Matmul.linear(x.transpose(1, 2), xProj.weight.get(), null);                      // [B, L, R + 2N]
        Tensor dt = Matmul.linear(xDbl.slice(2, 0, dtRank), dtProj.weight.get(), null);              // [B, L, d_inner]
        dt = dt.transpose(1, 2);
        Tensor bm = channelsFirst(xDbl, dtRank, dtRank + dState), cm = channelsFirst(xDbl, dtRank + dState, dtRank + 2 * dState);
        Tensor a = MathOps.exp(aLog.get()).neg();                                                    // A = −exp(A_log)
        Tensor y = SelectiveScan.scan(x, dt, a, bm, cm, d.get(), z, dtProj.bias.get(), true);          // [B, d_inner, L]
        return Matmul.linear(y.transpose(1, 2), outProj.weight.get(), null);
    }

    /** t[:, :, c0:c1] of a [B, L, C] tensor as a [B, c1−c0, L] view (CausalConv1d and SelectiveScan read views directly). */
    private static Tensor channelsFirst(Tensor t, int c0, int c1) {
        return t.slice(2, c0, c1).transpose(1, 2);
    }

    static void check(boolean ok, String fmt, Object... args) {
        if (!ok) throw new IllegalArgumentException(String.format(fmt, args));
    }

    /** After the children's nn defaults: mamba-ssm's dt_proj, A_log and D initialisation. */
    @Override
    protected void reset(SplittableRandom rng) {
        reset(rng, 1e-3, 1e-1, 1e-4, 1.0);
    }

    /** dt_init "random": dt_proj.weight ~ U(±dt_rank^-0.5·dtScale); softplus(dt_proj.bias) log-uniform in [dtMin, dtMax], floored. */
    public void reset(SplittableRandom rng, double dtMin, double dtMax, double dtFloor, double dtScale) {
        uniform(dtProj.weight, rng, Math.pow(dtRank, -0.5) * dtScale);
        Tensor bias = dtProj.bias.get();
        for (int i = 0; i < dInner; i++) {
            double dt = Math.exp(rng.nextDouble() * (Math.log(dtMax) - Math.log(dtMin)) + Math.log(dtMin));
            dt = Math.max(dt, dtFloor);
            bias.setFlat(i, dt + Math.log(-Math.expm1(-dt)));   // inverse softplus
        }
        Tensor al = aLog.get();
        for (int c = 0; c < dInner; c++)
            for (int n = 0; n < dState; n++) al.setFlat(c * dState + n, Math.log(n + 1));
        d.get().fill(1.0);
    }
}
