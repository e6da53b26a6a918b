package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * torch.stft / torch.istft on the device, as the engine's {@code Spectral.stftStacked} / {@code Spectral.istft}
 * (onesided, normalized=False, center with reflect padding, window of length ≤ nFft centred in nFft, null
 * meaning ones): the DFT of every frame is an FP32 product with a cos/−sin basis holding the window.
 * The STFT is stacked [B, 2K, frames] (K = nFft/2 + 1; rows 0..K−1 real, K..2K−1 imaginary); 1-d x gives
 * [2K, frames]. istft divides by the window-sum-square envelope; unlike the CPU op it does not check NOLA
 * (a zero envelope gives inf/NaN).
 */
public final class SpectralCuda {
    private SpectralCuda() {}

    public record IstftGrads(CudaTensor dre, CudaTensor dim) implements AutoCloseable {
        @Override public void close() { dre.close(); dim.close(); }
    }

    /** Frames of a (centred) STFT of {@code len} samples. */
    public static int frames(int len, int nFft, int hop, boolean center) {
        return 1 + (len + 2 * (center ? nFft / 2 : 0) - nFft) / hop;
    }

    public static CudaTensor stft(CudaTensor x, int nFft, int hop, CudaTensor window, boolean center) {
        Plan p = Plan.stft(x.shape(), nFft, hop, window, center);
        CudaTensor out = CudaTensor.empty(p.rank1 ? new int[] {2 * p.k, p.frames} : new int[] {p.batch, 2 * p.k, p.frames});
        try (Win w = Win.of(window, nFft); CudaTensor basis = basis("stft_basis", w, p)) {
            Cuda.context().launch("spectral", "stft_fwd", (p.frames + 63) / 64, (2 * p.k + 63) / 64, p.batch, 256, 1, 1, 0,
                    KernelArgs.of().ptr(x).ptr(basis).ptr(out).i(p.len).i(p.wl).i(2 * p.k).i(p.frames).i(hop).i(p.left).i(p.pad));
        }
        return out;
    }

    /** dL/dx ([B, len] or [len]) of {@link #stft} given the gradient of its stacked output. */
    public static CudaTensor stftBackward(CudaTensor gout, int len, int nFft, int hop, CudaTensor window, boolean center) {
        boolean rank1 = gout.rank() == 2;
        Plan p = Plan.stft(rank1 ? new int[] {len} : new int[] {gout.dim(0), len}, nFft, hop, window, center);
        int[] want = rank1 ? new int[] {2 * p.k, p.frames} : new int[] {p.batch, 2 * p.k, p.frames};
        if (!Arrays.equals(gout.shape(), want))
            throw new IllegalArgumentException("stft backward: gradient " + Arrays.toString(gout.shape()) + ", want " + Arrays.toString(want));
        CudaTensor gx = CudaTensor.empty(rank1 ? new int[] {len} : new int[] {p.batch, len});
        CudaContext c = Cuda.context();
        try (Win w = Win.of(window, nFft); CudaTensor basis = basis("stft_basis", w, p); CudaTensor gfr = CudaTensor.empty(p.batch, p.frames, p.wl)) {
            c.launch("spectral", "stft_bwd_frames", (p.wl + 63) / 64, (p.frames + 63) / 64, p.batch, 256, 1, 1, 0,
                    KernelArgs.of().ptr(gout).ptr(basis).ptr(gfr).i(p.wl).i(2 * p.k).i(p.frames));
            c.launch1d("spectral", "stft_bwd_fold", (long) p.batch * len,
                    KernelArgs.of().ptr(gfr).ptr(gx).i(p.batch).i(len).i(p.wl).i(p.frames).i(hop).i(p.left).i(p.pad));
        }
        return gx;
    }

    /** torch.istft(re + i·im, ...) for re, im [B, K, frames] or [K, frames]; length &lt; 0 means None. */
    public static CudaTensor istft(CudaTensor re, CudaTensor im, int nFft, int hop, CudaTensor window, boolean center, int length) {
        if (!Arrays.equals(re.shape(), im.shape()))
            throw new IllegalArgumentException("istft: real part " + Arrays.toString(re.shape()) + " and imaginary part " + Arrays.toString(im.shape()) + " differ in shape");
        Plan p = Plan.istft(re.shape(), nFft, hop, window, center, length);
        CudaTensor out = CudaTensor.empty(p.rank1 ? new int[] {p.outLen} : new int[] {p.batch, p.outLen});
        CudaContext c = Cuda.context();
        try (Win w = Win.of(window, nFft); CudaTensor ib = basis("istft_basis", w, p); CudaTensor env = envelope(w, p);
             CudaTensor y = CudaTensor.empty(p.batch, p.wl, p.frames)) {
            c.launch("spectral", "istft_frames", (p.frames + 63) / 64, (p.wl + 63) / 64, p.batch, 256, 1, 1, 0,
                    KernelArgs.of().ptr(re).ptr(im).ptr(ib).ptr(y).i(p.wl).i(p.k).i(p.frames));
            if (out.numel() > 0)
                c.launch1d("spectral", "istft_ola", out.numel(), KernelArgs.of().ptr(y).ptr(env).ptr(out).i(p.batch).i(p.outLen).i(p.valid)
                        .i(p.start).i(p.wl).i(p.frames).i(hop).i(p.left));
        }
        return out;
    }

    /** dL/dre, dL/dim of {@link #istft} given the output gradient ([B, outLen] or [outLen]) and the frame count. */
    public static IstftGrads istftBackward(CudaTensor gout, int frames, int nFft, int hop, CudaTensor window, boolean center, int length) {
        boolean rank1 = gout.rank() == 1;
        int k = nFft / 2 + 1;
        int[] specShape = rank1 ? new int[] {k, frames} : new int[] {gout.dim(0), k, frames};
        Plan p = Plan.istft(specShape, nFft, hop, window, center, length);
        if (gout.dim(-1) != p.outLen || (!rank1 && gout.rank() != 2))
            throw new IllegalArgumentException("istft backward: gradient " + Arrays.toString(gout.shape()) + ", want last dim " + p.outLen);
        CudaTensor dre = CudaTensor.empty(specShape), dim = CudaTensor.empty(specShape);
        try (Win w = Win.of(window, nFft); CudaTensor ib = basis("istft_basis", w, p); CudaTensor env = envelope(w, p)) {
            Cuda.context().launch("spectral", "istft_bwd", (p.frames + 63) / 64, (2 * p.k + 63) / 64, p.batch, 256, 1, 1, 0,
                    KernelArgs.of().ptr(gout).ptr(env).ptr(ib).ptr(dre).ptr(dim).i(p.outLen).i(p.valid).i(p.start).i(p.wl).i(p.k)
                            .i(p.frames).i(hop).i(p.left));
        }
        return new IstftGrads(dre, dim);
    }

    // ------------------------------------------------------------------ plumbing

    /** The window on the device (ones of nFft when null; then owned and closed here). */
    private record Win(CudaTensor t, boolean owned) implements AutoCloseable {
        static Win of(CudaTensor window, int nFft) {
            return window != null ? new Win(window, false) : new Win(CudaTensor.full(1f, nFft), true);
        }

        @Override public void close() { if (owned) t.close(); }
    }

    private static CudaTensor basis(String fn, Win w, Plan p) {
        CudaTensor b = CudaTensor.empty(2 * p.k * p.wl);
        Cuda.context().launch("spectral", fn, (2 * p.k * p.wl + 255) / 256, 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(w.t).ptr(b).i(p.nFft).i(p.wl).i(p.left).i(p.k));
        return b;
    }

    private static CudaTensor envelope(Win w, Plan p) {
        CudaTensor env = CudaTensor.empty(p.expLen);
        Cuda.context().launch("spectral", "istft_env", (p.expLen + 255) / 256, 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(w.t).ptr(env).i(p.expLen).i(p.frames).i(p.hop).i(p.left).i(p.wl));
        return env;
    }

    private record Plan(boolean rank1, int batch, int len, int nFft, int hop, int k, int wl, int left, int pad, int frames,
                        int start, int outLen, int valid, int expLen) {
        static int windowLength(CudaTensor window, int nFft, String op) {
            if (window == null) return nFft;
            if (window.rank() != 1 || window.dim(0) < 1 || window.dim(0) > nFft)
                throw new IllegalArgumentException(op + ": window must be 1-d with 1.." + nFft + " values (nFft), got shape " + Arrays.toString(window.shape()));
            return window.dim(0);
        }

        static Plan stft(int[] xs, int nFft, int hop, CudaTensor window, boolean center) {
            if (xs.length != 1 && xs.length != 2) throw new IllegalArgumentException("stft: input must be [L] or [B, L], got " + Arrays.toString(xs));
            if (nFft <= 0 || hop <= 0) throw new IllegalArgumentException("stft: nFft " + nFft + " and hop " + hop + " must be positive");
            int wl = windowLength(window, nFft, "stft");
            int batch = xs.length == 1 ? 1 : xs[0], len = xs[xs.length - 1], pad = center ? nFft / 2 : 0;
            if (center && pad >= len) throw new IllegalArgumentException("stft: reflect padding " + pad + " needs input length > " + pad + ", got shape " + Arrays.toString(xs));
            int lp = len + 2 * pad;
            if (lp < nFft) throw new IllegalArgumentException("stft: nFft " + nFft + " is longer than the (padded) input " + lp + ", shape " + Arrays.toString(xs));
            if (batch > 65535) throw new IllegalArgumentException("stft: batch " + batch + " > 65535");
            int frames = 1 + (lp - nFft) / hop;
            return new Plan(xs.length == 1, batch, len, nFft, hop, nFft / 2 + 1, wl, (nFft - wl) / 2, pad, frames, 0, 0, 0, 0);
        }

        static Plan istft(int[] s, int nFft, int hop, CudaTensor window, boolean center, int length) {
            if (s.length != 2 && s.length != 3) throw new IllegalArgumentException("istft: spectrum must be [K, frames] or [B, K, frames], got " + Arrays.toString(s));
            int k = nFft / 2 + 1;
            if (nFft <= 0 || s[s.length - 2] != k) throw new IllegalArgumentException("istft: nFft " + nFft + " needs " + k + " frequency bins, got shape " + Arrays.toString(s));
            if (hop <= 0) throw new IllegalArgumentException("istft: hop " + hop + " must be positive");
            int wl = windowLength(window, nFft, "istft");
            int batch = s.length == 2 ? 1 : s[0], frames = s[s.length - 1];
            if (frames <= 0) throw new IllegalArgumentException("istft of zero frames, shape " + Arrays.toString(s));
            if (batch > 65535) throw new IllegalArgumentException("istft: batch " + batch + " > 65535");
            int expLen = nFft + hop * (frames - 1), start = center ? nFft / 2 : 0;
            int end = length >= 0 ? start + length : (center ? expLen - nFft / 2 : expLen);
            int outLen = Math.max(0, end - start), valid = Math.max(0, Math.min(end, expLen) - start);
            return new Plan(s.length == 2, batch, 0, nFft, hop, k, wl, (nFft - wl) / 2, 0, frames, start, outLen, valid, expLen);
        }
    }
}
