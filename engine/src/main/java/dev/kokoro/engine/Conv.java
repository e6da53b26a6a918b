package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/**
 * conv1d and conv_transpose1d with PyTorch's argument semantics, lowered to GEMM.
 *
 * <p>Both are the same bilinear map read in two directions. Per group, a "short" signal S [CS, Ts]
 * and a "long" signal L [CL, Tl] are tied by the weight seen as a matrix W [CS, CL·K]:
 * {@code S[cs, t] = Σ_{cl,kk} W[cs, cl·K + kk] · L[cl, t·stride − padding + kk·dilation]}
 * (terms outside [0, Tl) are zero). conv1d computes S from L (x = L, y = S, w [Cout, Cin/g, K] is
 * already W); conv_transpose1d computes L from S (x = S, y = L, w [Cin, Cout/g, K] is also already W).
 * So three lowered operations serve both forwards and both backwards:
 * gather {@code S = W · im2col(L)}, scatter {@code L += col2im(Wᵀ · S)}, and the weight gradient
 * {@code gW += S · im2col(L)ᵀ}. float32 runs them as GEMMs over column chunks of S; float64 runs the
 * defining sum directly (the plain reference).
 */
public final class Conv {
    private Conv() {}

    /** At most this many floats of S per column block of the shifted-GEMM gather (tests lower it to get many blocks). */
    static int shiftedChunk = 1 << 20;

    /** F.conv1d: x [B, Cin, T], w [Cout, Cin/groups, K], bias [Cout] or null. */
    public static Tensor conv1d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) {
        if (Dispatch.onDevice(x, w, bias)) return Dispatch.run("conv1d", in -> conv1d(in[0], in[1], in[2], stride, padding, dilation, groups), Dispatch.args(stride, padding, dilation, groups), x, w, bias);
        Tensor.check(x.dim() == 3 && w.dim() == 3, "conv1d: input %s, weight %s (want [B, Cin, T] and [Cout, Cin/groups, K])",
                Arrays.toString(x.shape), Arrays.toString(w.shape));
        int b = x.shape[0], cin = x.shape[1], t = x.shape[2], cout = w.shape[0], k = w.shape[2];
        checkArgs("conv1d", x, w, bias, stride, padding, dilation, groups, cout);
        Tensor.check(cin % groups == 0 && cout % groups == 0 && w.shape[1] == cin / groups,
                "conv1d: input %s, weight %s, groups %d: channels do not match", Arrays.toString(x.shape), Arrays.toString(w.shape), groups);
        int tOut = (t + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        Tensor.check(t + 2 * padding - dilation * (k - 1) - 1 >= 0, "conv1d: input %s too short for kernel %d, dilation %d, padding %d",
                Arrays.toString(x.shape), k, dilation, padding);
        Geometry geo = new Geometry(b, groups, cout / groups, cin / groups, k, tOut, t, stride, padding, dilation);
        Tensor cx = x.contiguous(), cw = w.contiguous();
        Tensor y = Tensor.zeros(x.dtype, b, cout, tOut);
        Tensor cb = bias == null ? null : bias.contiguous();
        if (!geo.gather(y, cw, cx, cb) && cb != null) addBias(y, cb);
        return Autograd.record(y, g -> {
            Tensor gy = g.contiguous();
            if (x.requiresGrad) {
                Tensor gx = Tensor.zeros(x.dtype, b, cin, t);
                Geometry flip = x.dtype == DType.F32 ? geo.flipped() : null;
                if (flip != null) flip.gather(gx, geo.flipWeight(cw), gy);
                else geo.scatter(gx, cw, gy);
                Autograd.accumulate(x, gx);
            }
            if (w.requiresGrad) {
                Tensor gw = Tensor.zeros(w.dtype, w.shape);
                geo.weightGrad(gw, gy, cx);
                Autograd.accumulate(w, gw);
            }
            if (bias != null && bias.requiresGrad) Autograd.accumulate(bias, biasGrad(gy));
        }, x, w, bias);
    }

    /**
     * Inference: {@code out (+)= conv1d(x, w, bias, ...)} into a given contiguous output [B, Cout, Tout] of
     * x's dtype, recording nothing (no input may require grad while recording is on). The float32
     * stride-1 convolutions of 16+ channels write (or add) straight from the GEMM; others compute
     * conv1d and copy or add it in. out must not share storage with x.
     */
    public static void conv1dInto(Tensor out, boolean accumulate, Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) {
        Tensor.check(!Autograd.needsGrad(x, w, bias), "conv1dInto: an input requires grad (use conv1d)");
        Tensor.check(!Dispatch.onDevice(out, x, w, bias), "conv1dInto: host tensors only (use conv1d on a device)");
        int b = x.shape[0], cout = w.shape[0], k = w.shape[2], cin = x.shape[1], t = x.shape[2];
        int tOut = (t + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        Tensor.check(out.dim() == 3 && out.shape[0] == b && out.shape[1] == cout && out.shape[2] == tOut && out.dtype == x.dtype
                        && out.isContiguous() && out.offset == 0 && out.numel() == (out.dtype == DType.F32 ? out.f.length : out.d.length),
                "conv1dInto: output %s %s for input %s, weight %s (want a whole contiguous [%d, %d, %d])",
                out.dtype, Arrays.toString(out.shape), Arrays.toString(x.shape), Arrays.toString(w.shape), b, cout, tOut);
        Geometry geo = new Geometry(b, groups, cout / groups, cin / groups, k, tOut, t, stride, padding, dilation);
        if (x.dtype == DType.F32 && x.dim() == 3 && w.dim() == 3 && groups > 0 && cin % groups == 0 && cout % groups == 0
                && w.shape[1] == cin / groups && t + 2 * padding - dilation * (k - 1) - 1 >= 0 && geo.shifted() && !geo.direct()) {
            checkArgs("conv1dInto", x, w, bias, stride, padding, dilation, groups, cout);
            float[] xs = x.contiguous().f, ws = w.contiguous().f, bs = bias == null ? null : bias.contiguous().f;
            for (int g = 0; g < groups; g++) {
                float[] gb = bs == null ? null : Arrays.copyOfRange(bs, g * geo.cs(), (g + 1) * geo.cs());
                for (int i = 0; i < b; i++) geo.shifted32(out.f, ws, xs, g, i, gb, accumulate);
            }
            return;
        }
        Tensor y = conv1d(x, w, bias, stride, padding, dilation, groups);
        int n = y.numel();
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                if (out.dtype == DType.F32) out.f[i] = accumulate ? out.f[i] + y.f[i] : y.f[i];
                else out.d[i] = accumulate ? out.d[i] + y.d[i] : y.d[i];
            }
        });
    }

    /** F.conv_transpose1d: x [B, Cin, T], w [Cin, Cout/groups, K], bias [Cout] or null. */
    public static Tensor convTranspose1d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int outputPadding, int groups, int dilation) {
        if (Dispatch.onDevice(x, w, bias)) return Dispatch.run("conv_transpose1d", in -> convTranspose1d(in[0], in[1], in[2], stride, padding, outputPadding, groups, dilation), Dispatch.args(stride, padding, outputPadding, groups, dilation), x, w, bias);
        Tensor.check(x.dim() == 3 && w.dim() == 3, "conv_transpose1d: input %s, weight %s (want [B, Cin, T] and [Cin, Cout/groups, K])",
                Arrays.toString(x.shape), Arrays.toString(w.shape));
        int b = x.shape[0], cin = x.shape[1], t = x.shape[2], k = w.shape[2];
        Tensor.check(groups > 0 && w.shape[0] == cin && cin % groups == 0,
                "conv_transpose1d: input %s, weight %s, groups %d: channels do not match", Arrays.toString(x.shape), Arrays.toString(w.shape), groups);
        int cout = w.shape[1] * groups;
        checkArgs("conv_transpose1d", x, w, bias, stride, padding, dilation, groups, cout);
        Tensor.check(outputPadding >= 0 && (outputPadding < stride || outputPadding < dilation),
                "conv_transpose1d: output_padding %d must be smaller than stride %d or dilation %d", outputPadding, stride, dilation);
        int tOut = (t - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
        Tensor.check(tOut > 0, "conv_transpose1d: input %s, kernel %d, padding %d give an empty output", Arrays.toString(x.shape), k, padding);
        Geometry geo = new Geometry(b, groups, cin / groups, cout / groups, k, t, tOut, stride, padding, dilation);
        Tensor cx = x.contiguous(), cw = w.contiguous();
        Tensor y = Tensor.zeros(x.dtype, b, cout, tOut);
        geo.scatter(y, cw, cx);
        if (bias != null) addBias(y, bias.contiguous());
        return Autograd.record(y, g -> {
            Tensor gy = g.contiguous();
            if (x.requiresGrad) {
                Tensor gx = Tensor.zeros(x.dtype, b, cin, t);
                geo.gather(gx, cw, gy);
                Autograd.accumulate(x, gx);
            }
            if (w.requiresGrad) {
                Tensor gw = Tensor.zeros(w.dtype, w.shape);
                geo.weightGrad(gw, cx, gy);
                Autograd.accumulate(w, gw);
            }
            if (bias != null && bias.requiresGrad) Autograd.accumulate(bias, biasGrad(gy));
        }, x, w, bias);
    }

    private static void checkArgs(String op, Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups, int cout) {
        Tensor.check(x.dtype == w.dtype && (bias == null || bias.dtype == x.dtype), "%s: input %s, weight %s, bias %s dtypes differ",
                op, x.dtype, w.dtype, bias == null ? "none" : bias.dtype);
        Tensor.check(stride > 0 && padding >= 0 && dilation > 0 && groups > 0, "%s: stride %d, padding %d, dilation %d, groups %d",
                op, stride, padding, dilation, groups);
        Tensor.check(bias == null || (bias.dim() == 1 && bias.shape[0] == cout), "%s: bias %s for %d output channels",
                op, bias == null ? "" : Arrays.toString(bias.shape), cout);
    }

    private static void addBias(Tensor y, Tensor bias) {
        int c = y.shape[1], t = y.shape[2];
        Parallel.forRange(y.shape[0] * c, t, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * t, ch = r % c;
                if (y.dtype == DType.F32) {
                    float v = bias.f[ch];
                    for (int j = 0; j < t; j++) y.f[o + j] += v;
                } else {
                    double v = bias.d[ch];
                    for (int j = 0; j < t; j++) y.d[o + j] += v;
                }
            }
        });
    }

    private static Tensor biasGrad(Tensor gy) {
        int b = gy.shape[0], c = gy.shape[1], t = gy.shape[2];
        double[] s = new double[c];
        for (int i = 0; i < b; i++)
            for (int ch = 0; ch < c; ch++) {
                int o = (i * c + ch) * t;
                double acc = 0;
                if (gy.dtype == DType.F32) for (int j = 0; j < t; j++) acc += gy.f[o + j];
                else for (int j = 0; j < t; j++) acc += gy.d[o + j];
                s[ch] += acc;
            }
        Tensor g = Tensor.of(s, c);
        return gy.dtype == DType.F32 ? g.to(DType.F32) : g;
    }

    /**
     * One convolution's index map: batch, groups, short channels per group cs over ts steps, long
     * channels per group cl over tl steps, kernel k.
     */
    private record Geometry(int batch, int groups, int cs, int cl, int k, int ts, int tl, int stride, int padding, int dilation) {
        int rows() { return cl * k; }

        /** L is used as its own im2col matrix (1×1 kernel, stride 1, no padding). */
        boolean direct() { return k == 1 && stride == 1 && padding == 0 && ts == tl; }

        /**
         * Columns of S per im2col chunk: the column buffer stays near 16 MB, and few chunks mean W (the
         * GEMM's packed A) is packed few times.
         */
        int chunk() {
            int c = Math.max(512, (4 << 20) / Math.max(1, rows()));
            return Math.min(ts, (c + 31) / 32 * 32);
        }

        int sOff(int b, int g) { return (b * groups + g) * cs * ts; }
        int lOff(int b, int g) { return (b * groups + g) * cl * tl; }
        int wOff(int g) { return g * cs * rows(); }

        /** S = W · im2col(L) (S overwritten). */
        void gather(Tensor s, Tensor w, Tensor l) { gather(s, w, l, null); }

        /** As {@link #gather(Tensor, Tensor, Tensor)}; returns true when it also added bias (float32 shifted path). */
        boolean gather(Tensor s, Tensor w, Tensor l, Tensor bias) {
            if (s.dtype == DType.F64) { direct64(s.d, w.d, l.d, 0); return false; }
            if (depthwise()) { depthwise32(s.f, w.f, l.f, 0); return false; }
            if (shifted() && !direct()) {
                for (int g = 0; g < groups; g++) {
                    float[] gb = bias == null ? null : Arrays.copyOfRange(bias.f, g * cs, (g + 1) * cs);
                    for (int b = 0; b < batch; b++) shifted32(s.f, w.f, l.f, g, b, gb);
                }
                return bias != null;
            }
            Parallel.forRange(groups, 2L * batch * cs * rows() * ts, (g0, g1) -> {
                for (int g = g0; g < g1; g++)
                    for (int b = 0; b < batch; b++) {
                        if (direct()) {
                            Gemm.f32(false, false, cs, ts, cl, w.f, wOff(g), cl, l.f, lOff(b, g), tl, s.f, sOff(b, g), ts, false);
                            continue;
                        }
                        int chunk = chunk();
                        float[] col = new float[rows() * chunk];
                        for (int t0 = 0; t0 < ts; t0 += chunk) {
                            int tc = Math.min(chunk, ts - t0);
                            im2col(l.f, lOff(b, g), col, t0, tc);
                            Gemm.f32(false, false, cs, tc, rows(), w.f, wOff(g), rows(), col, 0, tc, s.f, sOff(b, g) + t0, ts, false);
                        }
                    }
            });
            return false;
        }

        /**
         * Stride 1, k ≥ 3 and channels enough for GEMMs of depth cl: K shifted products instead of im2col
         * (measured with ConvBench, 2 threads: ~10-15% faster at k 7-11; at k 3 ~25% faster for 128 ch over
         * T 43,200 once Gemm reads B in place, about even for 256 ch over T 7,200).
         */
        boolean shifted() { return stride == 1 && k >= 3 && cs >= 16 && cl >= 16; }

        /**
         * Stride-1 gather without im2col or a padded copy: S = W · B where row c·k + kk of B is L[c] shifted
         * by kk·dilation − padding (zero outside the signal); Gemm.f32Conv packs those rows per column block,
         * so the whole conv is one product of depth cl·k, parallel over blocks of S's columns. bias (this
         * group's cs values, or null) is added on the way.
         */
        void shifted32(float[] s, float[] w, float[] l, int g, int b, float[] bias) { shifted32(s, w, l, g, b, bias, false); }

        void shifted32(float[] s, float[] w, float[] l, int g, int b, float[] bias, boolean accumulate) {
            int lo = lOff(b, g);
            if (Gemm.stripsFit(cs, k, dilation)) {
                Gemm.f32ConvStrips(cs, ts, cl, k, dilation, padding, w, wOff(g), rows(), l, lo, tl, bias, s, sOff(b, g), ts,
                        Math.max(32, shiftedChunk / cs), accumulate);
                return;
            }
            int[] rowStart = new int[cl * k], shift = new int[cl * k];
            for (int c = 0; c < cl; c++)
                for (int kk = 0; kk < k; kk++) {
                    rowStart[c * k + kk] = lo + c * tl;
                    shift[c * k + kk] = kk * dilation - padding;
                }
            Gemm.f32Conv(cs, ts, cl * k, w, wOff(g), rows(), l, rowStart, shift, tl, bias, s, sOff(b, g), ts, Math.max(32, shiftedChunk / cs), accumulate);
        }

        /**
         * A stride-1 conv's input gradient is itself a stride-1 conv: gL[c, t] = Σ_{i,kk} W[i, c, kk] ·
         * gS[i, t + padding − kk·dilation], i.e. gS convolved with W's channels swapped and taps reversed
         * at padding dilation·(k−1) − padding. Returns that conv's geometry when the float32 shifted-GEMM
         * path would run it, else null.
         */
        Geometry flipped() {
            if (stride != 1 || padding > dilation * (k - 1) || !shifted()) return null;
            return new Geometry(batch, groups, cl, cs, k, tl, ts, 1, dilation * (k - 1) - padding, dilation);
        }

        /** W [groups·cs, cl, k] → W' [groups·cl, cs, k] with W'[g·cl + c, i, kk] = W[g·cs + i, c, k−1−kk] (float32). */
        Tensor flipWeight(Tensor w) {
            float[] src = w.f, dst = new float[src.length];
            for (int g = 0; g < groups; g++)
                for (int i = 0; i < cs; i++)
                    for (int c = 0; c < cl; c++) {
                        int from = ((g * cs + i) * cl + c) * k, to = ((g * cl + c) * cs + i) * k;
                        for (int kk = 0; kk < k; kk++) dst[to + kk] = src[from + k - 1 - kk];
                    }
            return Tensor.of(dst, groups * cl, cs, k);
        }

        /** L += col2im(Wᵀ · S). */
        void scatter(Tensor l, Tensor w, Tensor s) {
            if (s.dtype == DType.F64) { direct64(s.d, w.d, l.d, 1); return; }
            if (depthwise()) { depthwise32(s.f, w.f, l.f, 1); return; }
            Parallel.forRange(groups, 2L * batch * cs * rows() * ts, (g0, g1) -> {
                for (int g = g0; g < g1; g++)
                    for (int b = 0; b < batch; b++) {
                        if (direct()) {
                            Gemm.f32(true, false, cl, ts, cs, w.f, wOff(g), cl, s.f, sOff(b, g), ts, l.f, lOff(b, g), tl, true);
                            continue;
                        }
                        int chunk = chunk();
                        float[] col = new float[rows() * chunk];
                        for (int t0 = 0; t0 < ts; t0 += chunk) {
                            int tc = Math.min(chunk, ts - t0);
                            Gemm.f32(true, false, rows(), tc, cs, w.f, wOff(g), rows(), s.f, sOff(b, g) + t0, ts, col, 0, tc, false);
                            col2im(col, l.f, lOff(b, g), t0, tc);
                        }
                    }
            });
        }

        /** gW += S · im2col(L)ᵀ (gW zero on entry). */
        void weightGrad(Tensor gw, Tensor s, Tensor l) {
            if (s.dtype == DType.F64) { direct64(s.d, gw.d, l.d, 2); return; }
            if (depthwise()) { depthwise32(s.f, gw.f, l.f, 2); return; }
            Parallel.forRange(groups, 2L * batch * cs * rows() * ts, (g0, g1) -> {
                for (int g = g0; g < g1; g++)
                    for (int b = 0; b < batch; b++) {
                        if (direct()) {
                            Gemm.f32(false, true, cs, cl, ts, s.f, sOff(b, g), ts, l.f, lOff(b, g), tl, gw.f, wOff(g), cl, true);
                            continue;
                        }
                        int chunk = chunk();
                        float[] col = new float[rows() * chunk];
                        for (int t0 = 0; t0 < ts; t0 += chunk) {
                            int tc = Math.min(chunk, ts - t0);
                            im2col(l.f, lOff(b, g), col, t0, tc);
                            Gemm.f32(false, true, cs, rows(), tc, s.f, sOff(b, g) + t0, ts, col, 0, tc, gw.f, wOff(g), rows(), true);
                        }
                    }
            });
        }

        /** col[cl·K + kk][j] = L[cl][(t0 + j)·stride − padding + kk·dilation], zero outside. */
        void im2col(float[] l, int lo, float[] col, int t0, int tc) {
            Parallel.forRange(rows(), tc, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int c = r / k, kk = r % k, src = lo + c * tl, dst = r * tc;
                    int base = t0 * stride + kk * dilation - padding; // position of column j: base + j·stride
                    int j0 = Math.min(tc, firstValid(base)), j1 = Math.max(j0, lastValid(base, tc));
                    Arrays.fill(col, dst, dst + j0, 0f);
                    if (j1 == j0) { /* nothing in range; the source index may be negative here */ }
                    else if (stride == 1) System.arraycopy(l, src + base + j0, col, dst + j0, j1 - j0);
                    else for (int j = j0, pos = src + base + j0 * stride; j < j1; j++, pos += stride) col[dst + j] = l[pos];
                    Arrays.fill(col, dst + j1, dst + tc, 0f);
                }
            });
        }

        /** The adjoint of im2col: L[cl][pos] += col[cl·K + kk][j]. Rows of one channel stay on one thread. */
        void col2im(float[] col, float[] l, int lo, int t0, int tc) {
            Parallel.forRange(cl, (long) k * tc, (c0, c1) -> {
                for (int c = c0; c < c1; c++)
                    for (int kk = 0; kk < k; kk++) {
                        int src = (c * k + kk) * tc, dst = lo + c * tl;
                        int base = t0 * stride + kk * dilation - padding;
                        int j0 = firstValid(base), j1 = lastValid(base, tc);
                        if (j1 <= j0) continue;
                        if (stride == 1) Gemm.axpy(1f, col, src + j0, l, dst + base + j0, j1 - j0);
                        else for (int j = j0, pos = dst + base + j0 * stride; j < j1; j++, pos += stride) l[pos] += col[src + j];
                    }
            });
        }

        /** First column j with base + j·stride ≥ 0. */
        int firstValid(int base) { return base >= 0 ? 0 : (-base + stride - 1) / stride; }

        /** One past the last column j < tc with base + j·stride < tl. */
        int lastValid(int base, int tc) { return base >= tl ? 0 : Math.min(tc, (tl - base + stride - 1) / stride); }

        /** One input and one output channel per group: direct loops, groups spread over the cores. */
        boolean depthwise() { return cs == 1 && cl == 1; }

        /** Depthwise float32; modes as in {@link #direct64}. */
        void depthwise32(float[] s, float[] w, float[] l, int mode) {
            Parallel.forRange(groups, 2L * batch * k * ts, (g0, g1) -> {
                for (int g = g0; g < g1; g++)
                    for (int b = 0; b < batch; b++) {
                        int so = sOff(b, g), lo = lOff(b, g);
                        if (mode == 0) Arrays.fill(s, so, so + ts, 0f);
                        for (int kk = 0; kk < k; kk++) {
                            int base = kk * dilation - padding, t0 = Math.min(ts, firstValid(base)), t1 = lastValid(base, ts);
                            float wv = w[wOff(g) + kk], acc = 0f;
                            for (int t = t0, pos = lo + base + t0 * stride; t < t1; t++, pos += stride) {
                                switch (mode) {
                                    case 0 -> s[so + t] += wv * l[pos];
                                    case 1 -> l[pos] += wv * s[so + t];
                                    default -> acc += s[so + t] * l[pos];
                                }
                            }
                            if (mode == 2) w[wOff(g) + kk] += acc;
                        }
                    }
            });
        }

        /** float64 reference: the defining sum; mode 0 gather into s, 1 scatter into l, 2 weight grad into w. */
        void direct64(double[] s, double[] w, double[] l, int mode) {
            for (int b = 0; b < batch; b++)
                for (int g = 0; g < groups; g++)
                    for (int i = 0; i < cs; i++)
                        for (int t = 0; t < ts; t++) {
                            int si = sOff(b, g) + i * ts + t;
                            double acc = 0;
                            for (int c = 0; c < cl; c++)
                                for (int kk = 0; kk < k; kk++) {
                                    int pos = t * stride - padding + kk * dilation;
                                    if (pos < 0 || pos >= tl) continue;
                                    int wi = wOff(g) + i * rows() + c * k + kk, li = lOff(b, g) + c * tl + pos;
                                    switch (mode) {
                                        case 0 -> acc += w[wi] * l[li];
                                        case 1 -> l[li] += w[wi] * s[si];
                                        default -> w[wi] += s[si] * l[li];
                                    }
                                }
                            if (mode == 0) s[si] = acc;
                        }
        }
    }
}
