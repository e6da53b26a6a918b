package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * nn.LSTM (batch_first, gates i, f, g, o as PyTorch orders them) over variable-length sequences with
 * pack_padded_sequence semantics: each item runs over its own length, the reverse direction starts at
 * its last valid step, and padded output steps are zero.
 *
 * <p>Per direction: one GEMM projects every step's input ({@code x · W_ihᵀ + b_ih + b_hh}), then the
 * recurrence adds {@code h · W_hhᵀ} step by step for the items still running. Backward through time
 * collects the gate pre-activation gradients of all steps, so the weight and input gradients are again
 * single GEMMs after the loop.
 */
public final class Lstm {
    private Lstm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    /** Weights of one direction: wIh [4H, I], wHh [4H, H], bIh [4H], bHh [4H]. */
    public record Direction(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {}

    /**
     * x [B, T, I]; lengths per item (null = all T); backward may be null (unidirectional).
     * Returns [B, T, H] or [B, T, 2H] (forward ‖ backward).
     */
    public static Tensor lstm(Tensor x, int[] lengths, Direction forward, Direction backward) {
        if (Dispatch.onDevice(x) || Dispatch.onDevice(forward.wIh())) return Dispatch.run("lstm", in -> lstm(in[0], lengths, new Direction(in[1], in[2], in[3], in[4]), backward == null ? null : new Direction(in[5], in[6], in[7], in[8])), Dispatch.args(lengths), x, forward.wIh(), forward.wHh(), forward.bIh(), forward.bHh(), backward == null ? null : backward.wIh(), backward == null ? null : backward.wHh(), backward == null ? null : backward.bIh(), backward == null ? null : backward.bHh());
        Tensor.check(x.dim() == 3, "lstm: input %s, want [B, T, I]", Arrays.toString(x.shape));
        int b = x.shape[0], t = x.shape[1];
        int[] lens = lengths == null ? filled(b, t) : lengths.clone();
        Tensor.check(lens.length == b, "lstm: %d lengths for input %s", lens.length, Arrays.toString(x.shape));
        for (int len : lens) Tensor.check(len >= 0 && len <= t, "lstm: length %d outside [0, %d] for input %s", len, t, Arrays.toString(x.shape));
        Direction[] dirs = backward == null ? new Direction[]{forward} : new Direction[]{forward, backward};
        int h = forward.wHh.size(-1);
        Tensor cx = x.contiguous();
        Tensor y = Tensor.zeros(x.dtype, b, t, dirs.length * h);
        Run[] runs = new Run[dirs.length];
        for (int d = 0; d < dirs.length; d++) runs[d] = new Run(cx, lens, dirs[d], d == 1, h, dirs.length > 1);
        // the directions are independent: one per core (their GEMMs still split further when a core is idle)
        Parallel.forRange(dirs.length, Long.MAX_VALUE / 4, (d0, d1) -> {
            for (int d = d0; d < d1; d++) runs[d].forward(y, d * h, dirs.length * h);
        });
        Tensor[] inputs = new Tensor[1 + 4 * dirs.length];
        inputs[0] = x;
        for (int d = 0; d < dirs.length; d++) {
            inputs[1 + 4 * d] = dirs[d].wIh;
            inputs[2 + 4 * d] = dirs[d].wHh;
            inputs[3 + 4 * d] = dirs[d].bIh;
            inputs[4 + 4 * d] = dirs[d].bHh;
        }
        return Autograd.record(y, g -> {
            Tensor gy = g.contiguous();
            Tensor[][] grads = new Tensor[dirs.length][];
            Parallel.forRange(dirs.length, Long.MAX_VALUE / 4, (d0, d1) -> {
                for (int d = d0; d < d1; d++) grads[d] = runs[d].backward(gy, d * h, dirs.length * h, x.requiresGrad);
            });
            for (int d = 0; d < dirs.length; d++) { // gradients of x, wIh, wHh, bIh, bHh (null where not required)
                Autograd.accumulate(x, grads[d][0]);
                Autograd.accumulate(dirs[d].wIh, grads[d][1]);
                Autograd.accumulate(dirs[d].wHh, grads[d][2]);
                Autograd.accumulate(dirs[d].bIh, grads[d][3]);
                Autograd.accumulate(dirs[d].bHh, grads[d][4]);
            }
        }, inputs);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** One direction's forward state, kept for backward through time. */
    private static final class Run {
        final Tensor x, wIh, wHh;
        final Direction dir;
        final int[] lens;
        final boolean reverse;
        /** The other direction runs on the other core: per-step products stay on this thread (no fork/join per step). */
        final boolean serialSteps;
        final int batch, steps, in, h, g4, maxLen;
        Tensor gates, cell, tanhCell, hid; // activated gates [B·T, 4H]; c, tanh(c), h [B·T, H] at each valid (b, t)

        Run(Tensor x, int[] lens, Direction dir, boolean reverse, int h, boolean serialSteps) {
            this.serialSteps = serialSteps;
            this.batch = x.shape[0];
            this.steps = x.shape[1];
            this.in = x.shape[2];
            this.h = h;
            this.g4 = 4 * h;
            String name = reverse ? "reverse" : "forward";
            check(dir.wIh, name + " weight_ih", g4, in);
            check(dir.wHh, name + " weight_hh", g4, h);
            if (dir.bIh != null) check(dir.bIh, name + " bias_ih", g4);
            if (dir.bHh != null) check(dir.bHh, name + " bias_hh", g4);
            for (Tensor p : new Tensor[]{dir.wIh, dir.wHh, dir.bIh, dir.bHh})
                Tensor.check(p == null || p.dtype == x.dtype, "lstm: %s parameter with %s input", p == null ? null : p.dtype, x.dtype);
            this.x = x;
            this.dir = dir;
            this.wIh = dir.wIh.contiguous();
            this.wHh = dir.wHh.contiguous();
            this.lens = lens;
            this.reverse = reverse;
            this.maxLen = Arrays.stream(lens).max().orElse(0);
        }

        private static void check(Tensor p, String what, int... shape) {
            Tensor.check(Arrays.equals(p.shape, shape), "lstm: %s has shape %s, want %s", what, Arrays.toString(p.shape), Arrays.toString(shape));
        }

        /** Time index of item b's s-th processed step. */
        int time(int b, int s) { return reverse ? lens[b] - 1 - s : s; }

        void forward(Tensor y, int yOff, int yWidth) {
            DType dt = x.dtype;
            int rows = batch * steps;
            Tensor xg = Tensor.zeros(dt, rows, g4);
            Gemm.run(false, true, rows, g4, in, x, 0, in, wIh, 0, in, xg, 0, g4, false);
            addBias(xg, dir.bIh);
            addBias(xg, dir.bHh);
            boolean rowsDot = serialSteps && dt == DType.F32 && batch < Gemm.MR;
            Tensor whhT = rowsDot ? null : dir.wHh.detach().transpose(0, 1).contiguous(); // [H, 4H]
            gates = Tensor.zeros(dt, rows, g4);
            cell = Tensor.zeros(dt, rows, h);
            tanhCell = dt == DType.F32 ? Tensor.zeros(dt, rows, h) : null; // float64 recomputes it
            hid = Tensor.zeros(dt, rows, h);
            Tensor hIn = Tensor.zeros(dt, batch, h), pre = Tensor.zeros(dt, batch, g4);
            int[] act = new int[batch];
            for (int s = 0; s < maxLen; s++) {
                int nb = active(s, act);
                if (s > 0) { // at s = 0, h0 = 0 and pre stays zero
                    for (int r = 0; r < nb; r++) {
                        int b = act[r];
                        System.arraycopy(data(hid), (b * steps + time(b, s - 1)) * h, data(hIn), r * h, h);
                    }
                    if (rowsDot) {
                        for (int r = 0; r < nb; r++) gemv(wHh.f, g4, h, hIn.f, r * h, pre.f, r * g4);
                    } else {
                        stepProduct(nb, h, g4, hIn, whhT, pre);
                    }
                }
                for (int r = 0; r < nb; r++) {
                    int b = act[r], row = b * steps + time(b, s), prev = s > 0 ? b * steps + time(b, s - 1) : -1;
                    if (dt == DType.F32) cell32(r, row, prev, xg.f, pre.f, y.f, (b * steps + time(b, s)) * yWidth + yOff);
                    else cell64(r, row, prev, xg.d, pre.d, y.d, (b * steps + time(b, s)) * yWidth + yOff);
                }
            }
        }

        /** c[nb, n] = a[nb, k] · b[k, n], all row-major. */
        void stepProduct(int nb, int k, int n, Tensor a, Tensor b, Tensor c) {
            if (serialSteps && a.dtype == DType.F32 && nb < Gemm.MR) {
                for (int r = 0; r < nb; r++) Gemm.rowTimesB(a.f, r * k, k, b.f, 0, n, c.f, r * n, 0, n, false);
            } else {
                Gemm.run(false, false, nb, n, k, a, 0, k, b, 0, n, c, 0, n, false);
            }
        }

        /**
         * y[yo + j] = Σ_p w[j·k + p] · x[xo + p] for j < n (w row-major [n, k], contiguous): the per-step
         * h · W_hhᵀ of one item as dot products over W_hh's contiguous rows, which stream through the cache
         * in order (the transposed row-times-B form strides 4H floats between loads).
         */
        static void gemv(float[] w, int n, int k, float[] x, int xo, float[] y, int yo) {
            int kb = S.loopBound(k), j = 0;
            for (; j + 4 <= n; j += 4) {
                int w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0; p < kb; p += S.length()) {
                    FloatVector xv = FloatVector.fromArray(S, x, xo + p);
                    s0 = FloatVector.fromArray(S, w, w0 + p).fma(xv, s0);
                    s1 = FloatVector.fromArray(S, w, w1 + p).fma(xv, s1);
                    s2 = FloatVector.fromArray(S, w, w2 + p).fma(xv, s2);
                    s3 = FloatVector.fromArray(S, w, w3 + p).fma(xv, s3);
                }
                float a0 = s0.reduceLanes(VectorOperators.ADD), a1 = s1.reduceLanes(VectorOperators.ADD);
                float a2 = s2.reduceLanes(VectorOperators.ADD), a3 = s3.reduceLanes(VectorOperators.ADD);
                for (int p = kb; p < k; p++) {
                    float xp = x[xo + p];
                    a0 += w[w0 + p] * xp; a1 += w[w1 + p] * xp; a2 += w[w2 + p] * xp; a3 += w[w3 + p] * xp;
                }
                y[yo + j] = a0; y[yo + j + 1] = a1; y[yo + j + 2] = a2; y[yo + j + 3] = a3;
            }
            for (; j < n; j++) {
                FloatVector s0 = FloatVector.zero(S);
                for (int p = 0; p < kb; p += S.length()) s0 = FloatVector.fromArray(S, w, j * k + p).fma(FloatVector.fromArray(S, x, xo + p), s0);
                float a = s0.reduceLanes(VectorOperators.ADD);
                for (int p = kb; p < k; p++) a += w[j * k + p] * x[xo + p];
                y[yo + j] = a;
            }
        }

        int active(int s, int[] act) {
            int nb = 0;
            for (int b = 0; b < batch; b++) if (s < lens[b]) act[nb++] = b;
            return nb;
        }

        void addBias(Tensor xg, Tensor bias) {
            if (bias == null) return;
            Tensor cb = bias.contiguous();
            for (int r = 0, rows = batch * steps; r < rows; r++)
                for (int j = 0; j < g4; j++) {
                    if (xg.dtype == DType.F32) xg.f[r * g4 + j] += cb.f[j];
                    else xg.d[r * g4 + j] += cb.d[j];
                }
        }

        /** Cell at (row): pre-activations xg[row] + pre[r]; c_prev from row prev (-1: zero). */
        void cell32(int r, int row, int prev, float[] xg, float[] pre, float[] y, int yAt) {
            float[] gt = gates.f, c = cell.f, tcs = tanhCell.f, hh = hid.f;
            int p = r * g4, q = row * g4, o = row * h;
            int j = 0;
            for (int bound = S.loopBound(h); j < bound; j += S.length()) {
                FloatVector ai = FloatVector.fromArray(S, pre, p + j).add(FloatVector.fromArray(S, xg, q + j));
                FloatVector af = FloatVector.fromArray(S, pre, p + h + j).add(FloatVector.fromArray(S, xg, q + h + j));
                FloatVector ag = FloatVector.fromArray(S, pre, p + 2 * h + j).add(FloatVector.fromArray(S, xg, q + 2 * h + j));
                FloatVector ao = FloatVector.fromArray(S, pre, p + 3 * h + j).add(FloatVector.fromArray(S, xg, q + 3 * h + j));
                FloatVector vi = sigmoid(ai), vf = sigmoid(af), vg = ag.lanewise(VectorOperators.TANH), vo = sigmoid(ao);
                FloatVector cp = prev < 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, prev * h + j);
                FloatVector cn = vf.fma(cp, vi.mul(vg));
                FloatVector tc = cn.lanewise(VectorOperators.TANH), hn = vo.mul(tc);
                vi.intoArray(gt, q + j);
                vf.intoArray(gt, q + h + j);
                vg.intoArray(gt, q + 2 * h + j);
                vo.intoArray(gt, q + 3 * h + j);
                cn.intoArray(c, o + j);
                tc.intoArray(tcs, o + j);
                hn.intoArray(hh, o + j);
                hn.intoArray(y, yAt + j);
            }
            for (; j < h; j++) {
                float vi = sigmoid(pre[p + j] + xg[q + j]), vf = sigmoid(pre[p + h + j] + xg[q + h + j]);
                float vg = (float) Math.tanh(pre[p + 2 * h + j] + xg[q + 2 * h + j]), vo = sigmoid(pre[p + 3 * h + j] + xg[q + 3 * h + j]);
                float cp = prev < 0 ? 0f : c[prev * h + j];
                float cn = vf * cp + vi * vg, tc = (float) Math.tanh(cn), hn = vo * tc;
                gt[q + j] = vi; gt[q + h + j] = vf; gt[q + 2 * h + j] = vg; gt[q + 3 * h + j] = vo;
                c[o + j] = cn; tcs[o + j] = tc; hh[o + j] = hn; y[yAt + j] = hn;
            }
        }

        void cell64(int r, int row, int prev, double[] xg, double[] pre, double[] y, int yAt) {
            double[] gt = gates.d, c = cell.d, hh = hid.d;
            int p = r * g4, q = row * g4, o = row * h;
            for (int j = 0; j < h; j++) {
                double vi = sigmoid(pre[p + j] + xg[q + j]), vf = sigmoid(pre[p + h + j] + xg[q + h + j]);
                double vg = Math.tanh(pre[p + 2 * h + j] + xg[q + 2 * h + j]), vo = sigmoid(pre[p + 3 * h + j] + xg[q + 3 * h + j]);
                double cp = prev < 0 ? 0 : c[prev * h + j];
                double cn = vf * cp + vi * vg, hn = vo * Math.tanh(cn);
                gt[q + j] = vi; gt[q + h + j] = vf; gt[q + 2 * h + j] = vg; gt[q + 3 * h + j] = vo;
                c[o + j] = cn; hh[o + j] = hn; y[yAt + j] = hn;
            }
        }

        /** This direction's gradients of x (when wanted), wIh, wHh, bIh, bHh; null for those not required. */
        Tensor[] backward(Tensor gy, int yOff, int yWidth, boolean wantX) {
            Direction d = dir;
            Tensor[] out = new Tensor[5];
            if (!wantX && !req(d.wIh) && !req(d.wHh) && !req(d.bIh) && !req(d.bHh)) return out;
            DType dt = x.dtype;
            int rows = batch * steps;
            Tensor da = Tensor.zeros(dt, rows, g4); // gate pre-activation gradients at every valid (b, t)
            Tensor dh = Tensor.zeros(dt, batch, h), dc = Tensor.zeros(dt, batch, h);
            Tensor dIn = Tensor.zeros(dt, batch, g4), dhRec = Tensor.zeros(dt, batch, h);
            int[] act = new int[batch];
            for (int s = maxLen - 1; s >= 0; s--) {
                int nb = active(s, act);
                for (int r = 0; r < nb; r++) {
                    int b = act[r], row = b * steps + time(b, s), prev = s > 0 ? b * steps + time(b, s - 1) : -1;
                    int gyAt = row * yWidth + yOff;
                    if (dt == DType.F32) cellBack32(b, row, prev, gy.f, gyAt, dh.f, dc.f, da.f);
                    else cellBack64(b, row, prev, gy.d, gyAt, dh.d, dc.d, da.d);
                    System.arraycopy(data(da), row * g4, data(dIn), r * g4, g4);
                }
                if (s == 0) break; // h_prev of the first step is the constant h0 = 0
                stepProduct(nb, g4, h, dIn, wHh, dhRec);
                for (int r = 0; r < nb; r++) System.arraycopy(data(dhRec), r * h, data(dh), act[r] * h, h);
            }
            if (wantX) {
                out[0] = Tensor.zeros(dt, batch, steps, in);
                Gemm.run(false, false, rows, in, g4, da, 0, g4, wIh, 0, in, out[0], 0, in, false);
            }
            if (req(d.wIh)) {
                out[1] = Tensor.zeros(dt, g4, in);
                Gemm.run(true, false, g4, in, rows, da, 0, g4, x, 0, in, out[1], 0, in, false);
            }
            if (req(d.wHh)) {
                Tensor hPrev = Tensor.zeros(dt, rows, h);
                for (int b = 0; b < batch; b++)
                    for (int s = 1; s < lens[b]; s++)
                        System.arraycopy(data(hid), (b * steps + time(b, s - 1)) * h, data(hPrev), (b * steps + time(b, s)) * h, h);
                out[2] = Tensor.zeros(dt, g4, h);
                Gemm.run(true, false, g4, h, rows, da, 0, g4, hPrev, 0, h, out[2], 0, h, false);
            }
            if (req(d.bIh) || req(d.bHh)) {
                Tensor gb = Tensor.zeros(dt, g4); // column sums of da
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < g4; j++) {
                        if (dt == DType.F32) gb.f[j] += da.f[r * g4 + j];
                        else gb.d[j] += da.d[r * g4 + j];
                    }
                out[3] = req(d.bIh) ? gb : null;
                out[4] = req(d.bHh) ? (req(d.bIh) ? gb.copy() : gb) : null;
            }
            return out;
        }

        void cellBack32(int b, int row, int prev, float[] gy, int gyAt, float[] dh, float[] dc, float[] da) {
            float[] gt = gates.f, c = cell.f, tcs = tanhCell.f;
            int q = row * g4, o = row * h, bh = b * h;
            for (int j = 0; j < h; j++) {
                float vi = gt[q + j], vf = gt[q + h + j], vg = gt[q + 2 * h + j], vo = gt[q + 3 * h + j];
                float tc = tcs[o + j];
                float dhj = gy[gyAt + j] + dh[bh + j];
                float dcj = dhj * vo * (1 - tc * tc) + dc[bh + j];
                float cp = prev < 0 ? 0f : c[prev * h + j];
                da[q + j] = dcj * vg * vi * (1 - vi);
                da[q + h + j] = dcj * cp * vf * (1 - vf);
                da[q + 2 * h + j] = dcj * vi * (1 - vg * vg);
                da[q + 3 * h + j] = dhj * tc * vo * (1 - vo);
                dc[bh + j] = dcj * vf;
            }
        }

        void cellBack64(int b, int row, int prev, double[] gy, int gyAt, double[] dh, double[] dc, double[] da) {
            double[] gt = gates.d, c = cell.d;
            int q = row * g4, o = row * h, bh = b * h;
            for (int j = 0; j < h; j++) {
                double vi = gt[q + j], vf = gt[q + h + j], vg = gt[q + 2 * h + j], vo = gt[q + 3 * h + j];
                double tc = Math.tanh(c[o + j]);
                double dhj = gy[gyAt + j] + dh[bh + j];
                double dcj = dhj * vo * (1 - tc * tc) + dc[bh + j];
                double cp = prev < 0 ? 0 : c[prev * h + j];
                da[q + j] = dcj * vg * vi * (1 - vi);
                da[q + h + j] = dcj * cp * vf * (1 - vf);
                da[q + 2 * h + j] = dcj * vi * (1 - vg * vg);
                da[q + 3 * h + j] = dhj * tc * vo * (1 - vo);
                dc[bh + j] = dcj * vf;
            }
        }
    }

    private static boolean req(Tensor t) { return t != null && t.requiresGrad; }

    private static Object data(Tensor t) { return t.dtype == DType.F32 ? t.f : t.d; }

    private static FloatVector sigmoid(FloatVector v) {
        return ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    private static float sigmoid(float v) { return (float) (1 / (1 + Math.exp(-v))); }

    private static double sigmoid(double v) { return 1 / (1 + Math.exp(-v)); }
}
