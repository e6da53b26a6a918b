package dev.kokoro.model.decoder;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.Resample;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/**
 * istftnet's SineGen (flag_for_pulse off): harmonics h·f0 (h = 1..harmonicNum+1) of an F0 curve at the
 * audio rate, each a sine whose phase is the running sum of h·f0/sr, integrated at the frame rate
 * (linear downsampling by upsampleScale, cumsum, linear upsampling back) as the original does; voiced
 * where f0 > voicedThreshold, with Gaussian noise added. No parameters.
 *
 * <p>Randomness: with an rng, the harmonics above the fundamental get a U(0,1) initial phase (in
 * cycles) and the noise is rng-drawn; {@link #deterministic} (rng null) makes both zero, as the
 * reference fixtures were made. Only differentiable engine ops are used, so gradients can flow to f0
 * when the caller records them (the original runs this under torch.no_grad).
 */
public final class SineGen {
    public final double samplingRate, sineAmp, noiseStd, voicedThreshold;
    public final int harmonicNum, upsampleScale;
    private SplittableRandom rng;

    public SineGen(double samplingRate, int upsampleScale, int harmonicNum, double sineAmp, double noiseStd,
                   double voicedThreshold) {
        this.samplingRate = samplingRate;
        this.upsampleScale = upsampleScale;
        this.harmonicNum = harmonicNum;
        this.sineAmp = sineAmp;
        this.noiseStd = noiseStd;
        this.voicedThreshold = voicedThreshold;
        this.rng = null;
    }

    public int dim() { return harmonicNum + 1; }

    /** Random initial phases and noise from {@code rng}; null = deterministic (both zero). */
    public void random(SplittableRandom rng) { this.rng = rng; }

    public boolean deterministic() { return rng == null; }

    /** f0 [B, L, 1] at the audio rate → sine waves [B, L, harmonicNum+1]. */
    public Tensor forward(Tensor f0) {
        Tensor f0t = f0.transpose(1, 2);                        // [B, 1, L]
        Tensor fn = f0t.mul(harmonics(f0.dtype).to(f0.device()));                // [B, H, L]
        Tensor sines = f02sine(fn).mul(sineAmp);
        Tensor uv = f02uv(f0t);                                  // [B, 1, L], constant
        Tensor out = sines.mul(uv);
        if (rng != null) {
            // noise_amp = uv·noise_std + (1 − uv)·sine_amp/3
            Tensor amp = uv.mul(noiseStd).add(uv.neg().add(1).mul(sineAmp / 3));
            int[] shape = sines.shape();
            out = out.add(amp.mul(Tensor.of(gaussians(rng, Tensor.numel(shape)), shape).to(f0.dtype).to(f0.device())));
        }
        return out.transpose(1, 2);
    }

    /**
     * SourceModuleHnNSF's output without autograd, for float64 f0 [B, L, 1]: tanh(Σₕ wₕ · sineₕ + bias)
     * → [B, L, 1], the same arithmetic as {@link #forward} followed by linear and tanh, in three passes
     * over [B, H, L] instead of about fifteen: the phases (the same Resample and cumsum ops), then one
     * parallel pass of sin, voicing, noise, the H → 1 merge and tanh. Draws the same random numbers in
     * the same order ({@link #gaussians}).
     */
    public Tensor mergedNoGrad(Tensor f0, double[] w, double bias) {
        if (f0.dtype != DType.F64 || f0.dim() != 3 || f0.size(2) != 1 || w.length != dim())
            throw new IllegalArgumentException(String.format("SineGen.mergedNoGrad: f0 %s %s (want float64 [B, L, 1]), %d weights for %d harmonics",
                    f0.dtype, java.util.Arrays.toString(f0.shape()), w.length, dim()));
        return Autograd.noGrad(() -> {
            int b = f0.size(0), len = f0.size(1), h = dim();
            double[] f = f0.contiguous().f64();
            Tensor rad = Tensor.zeros(DType.F64, b, h, len);
            double[] rd = rad.f64();
            Parallel.forRange(b * h, 4L * len, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int bi = r / h, o = r * len, fo = bi * len;
                    double harm = r % h + 1;
                    for (int t = 0; t < len; t++) {
                        double v = f[fo + t] * harm / samplingRate;
                        rd[o + t] = v - Math.floor(v);
                    }
                }
            });
            if (rng != null)
                for (int i = 0; i < b; i++)
                    for (int j = 1; j < h; j++) rd[(i * h + j) * len] += rng.nextDouble();
            Tensor down = Resample.linear1dScale(rad, 1.0 / upsampleScale);
            Tensor phase = Indexing.cumsum(down, 2).mul(2).mul(Math.PI);
            double[] up = Resample.linear1dScale(phase.mul(upsampleScale), upsampleScale).contiguous().f64();
            double[] noise = rng == null ? null : gaussians(rng, b * h * len);
            Tensor out = Tensor.zeros(DType.F64, b, len, 1);
            double[] od = out.f64();
            int chunk = 4096, chunks = (len + chunk - 1) / chunk;
            Parallel.forRange(b * chunks, 40L * h * chunk, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    int bi = q / chunks, t0 = (q % chunks) * chunk, t1 = Math.min(len, t0 + chunk);
                    for (int t = t0; t < t1; t++) {
                        double uv = f[bi * len + t] > voicedThreshold ? 1 : 0;
                        double amp = uv * noiseStd + (1 - uv) * sineAmp / 3, s = 0;
                        for (int j = 0; j < h; j++) {
                            int i = (bi * h + j) * len + t;
                            double v = Math.sin(up[i]) * sineAmp * uv;
                            if (noise != null) v = v + amp * noise[i];
                            s += v * w[j];
                        }
                        od[bi * len + t] = Math.tanh(s + bias);
                    }
                }
            });
            return out;
        });
    }

    /** Chunks of {@link #gaussians}, each drawn from its own split of the caller's generator. */
    private static final int NOISE_CHUNK = 1 << 15;

    /**
     * n standard normal values for the additive noise: Box-Muller, √(−2 ln u₁)·cos(2π u₂), in float32
     * vector math (the noise is 0.003–0.03 in amplitude), in parallel. The uniforms come from
     * {@code rng.split()} once per chunk of 2^15 values, in order, so the values depend on the seed
     * only, not on the thread count; both SineGen paths draw through here.
     */
    static double[] gaussians(SplittableRandom rng, int n) {
        int chunks = (n + NOISE_CHUNK - 1) / NOISE_CHUNK;
        SplittableRandom[] parts = new SplittableRandom[chunks];
        for (int q = 0; q < chunks; q++) parts[q] = rng.split();
        double[] out = new double[n];
        var sp = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        Parallel.forEachItem(chunks, 60L * NOISE_CHUNK, (lo, hi) -> {
            float[] u1 = new float[NOISE_CHUNK], u2 = new float[NOISE_CHUNK], g = new float[NOISE_CHUNK];
            for (int q = lo; q < hi; q++) {
                int o = q * NOISE_CHUNK, m = Math.min(NOISE_CHUNK, n - o);
                SplittableRandom r = parts[q];
                for (int i = 0; i < m; i++) {
                    u1[i] = (float) (1 - r.nextDouble());   // in (0, 1]: the log stays finite
                    u2[i] = (float) r.nextDouble();
                }
                int i = 0;
                for (int up = sp.loopBound(m); i < up; i += sp.length()) {
                    var a = jdk.incubator.vector.FloatVector.fromArray(sp, u1, i).lanewise(jdk.incubator.vector.VectorOperators.LOG).mul(-2f)
                            .lanewise(jdk.incubator.vector.VectorOperators.SQRT);
                    var c = jdk.incubator.vector.FloatVector.fromArray(sp, u2, i).mul((float) (2 * Math.PI))
                            .lanewise(jdk.incubator.vector.VectorOperators.COS);
                    a.mul(c).intoArray(g, i);
                }
                for (; i < m; i++) g[i] = (float) (Math.sqrt(-2 * Math.log(u1[i])) * Math.cos((float) (2 * Math.PI) * u2[i]));
                for (int j = 0; j < m; j++) out[o + j] = g[j];
            }
        });
        return out;
    }

    /** (f0 > threshold) as 0/1, not differentiable. */
    Tensor f02uv(Tensor f0) {
        return MathOps.step(f0, voicedThreshold);
    }

    /** fn [B, H, L] → sin of the accumulated phase, [B, H, L]. */
    Tensor f02sine(Tensor fn) {
        Tensor rad = fn.div(Tensor.full(fn.dtype, samplingRate, 1));
        rad = rad.sub(MathOps.floor(rad));   // Python's % 1 (gradient 1)
        if (rng != null) rad = rad.add(initialPhase(fn.dtype, fn.size(0), fn.size(1), fn.size(2)).to(fn.device()));
        Tensor down = Resample.linear1dScale(rad, 1.0 / upsampleScale);
        Tensor phase = Indexing.cumsum(down, 2).mul(2).mul(Math.PI);
        Tensor up = Resample.linear1dScale(phase.mul(upsampleScale), upsampleScale);
        return MathOps.sin(up);
    }

    /** rand_ini added at t = 0: U(0,1) per (batch, harmonic), zero for the fundamental. */
    private Tensor initialPhase(DType dtype, int b, int h, int len) {
        Tensor ini = Tensor.zeros(dtype, b, h, len);
        for (int i = 0; i < b; i++)
            for (int j = 1; j < h; j++) ini.setFlat((i * h + j) * len, rng.nextDouble());
        return ini;
    }

    private Tensor harmonics(DType dtype) {
        Tensor h = Tensor.zeros(dtype, 1, dim(), 1);
        for (int i = 0; i < dim(); i++) h.setFlat(i, i + 1);
        return h;
    }
}
