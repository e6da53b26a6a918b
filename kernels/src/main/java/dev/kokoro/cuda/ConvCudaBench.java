package dev.kokoro.cuda;

import java.util.Random;

/**
 * GPU timings (CUDA events around each call after warm-up; median and min of the repeats) of the Kokoro
 * generator's hot convolutions — forward, input gradient and weight gradient — in TFLOP/s
 * (2·Cout·Cin/groups·K·Tout·B flops per pass), plus the decoder's memory-bound kernels in GB/s.
 * Run: java -cp ... dev.kokoro.cuda.ConvCudaBench [repeats]
 */
public final class ConvCudaBench {
    private ConvCudaBench() {}

    /** name, B, Cin, Cout, T (input), K, stride, padding, dilation, groups, transposed (0/1), outputPadding */
    static final Object[][] SHAPES = {
            {"resblock 256 K3 d1", 1, 256, 256, 7200, 3, 1, 1, 1, 1, 0, 0},
            {"resblock 256 K7 d3", 1, 256, 256, 7200, 7, 1, 9, 3, 1, 0, 0},
            {"resblock 256 K11 d5", 1, 256, 256, 7200, 11, 1, 25, 5, 1, 0, 0},
            {"resblock 128 K3 d1", 1, 128, 128, 43200, 3, 1, 1, 1, 1, 0, 0},
            {"resblock 128 K7 d3", 1, 128, 128, 43200, 7, 1, 9, 3, 1, 0, 0},
            {"resblock 128 K11 d5", 1, 128, 128, 43200, 11, 1, 25, 5, 1, 0, 0},
            {"decoder 1090->1024 K3", 1, 1090, 1024, 360, 3, 1, 1, 1, 1, 0, 0},
            {"noise_conv 22->256 K12 s6", 1, 22, 256, 43201, 12, 6, 3, 1, 1, 0, 0},
            {"conv_post 128->22 K7", 1, 128, 22, 43200, 7, 1, 3, 1, 1, 0, 0},
            {"text encoder 512 K5", 1, 512, 512, 512, 5, 1, 2, 1, 1, 0, 0},
            {"ups0 convT 512->256 K20 s10", 1, 512, 256, 720, 20, 10, 5, 1, 1, 1, 0},
            {"ups1 convT 256->128 K12 s6", 1, 256, 128, 7200, 12, 6, 3, 1, 1, 1, 0},
            {"upsample dw convT 512 K3 s2", 1, 512, 512, 360, 3, 2, 1, 1, 512, 1, 1},
            {"resblock 256 K7 d3 B4", 4, 256, 256, 7200, 7, 1, 9, 3, 1, 0, 0},
            // the PEFT step's shapes (B8, 256 decoder frames: F0 at 512, generator at 5120 and 30720 samples)
            {"PEFT decoder 1090->1024 K3 B8", 8, 1090, 1024, 256, 3, 1, 1, 1, 1, 0, 0},
            {"PEFT decode 1090->512 K3 B8", 8, 1090, 512, 512, 3, 1, 1, 1, 1, 0, 0},
            {"PEFT F0 512->512 K3 B8", 8, 512, 512, 512, 3, 1, 1, 1, 1, 0, 0},
            {"PEFT resblock 256 K7 d3 B8", 8, 256, 256, 5120, 7, 1, 9, 3, 1, 0, 0},
            {"PEFT resblock 128 K11 d5 B8", 8, 128, 128, 30720, 11, 1, 25, 5, 1, 0, 0},
            {"PEFT ups1 convT 256->128 K12 s6 B8", 8, 256, 128, 5120, 12, 6, 3, 1, 1, 1, 0},
            {"PEFT noise_conv 22->256 K12 s6 B8", 8, 22, 256, 30721, 12, 6, 3, 1, 1, 0, 0},
    };

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        if (!Cuda.isAvailable()) {
            System.out.println("no GPU: " + Cuda.unavailableReason());
            return;
        }
        // -Dkokoro.bench.convVersions=2,4,6: which tensor-core kernel versions to time (Conv1dCuda.kernelVersion; 4 = conv_mma
        // (8 warps) where the output has >= 64 channels, 5 = conv_mma for every gather/scatter, 6 = 5 with 4 warps)
        int[] versions = java.util.Arrays.stream(System.getProperty("kokoro.bench.convVersions", "2,4,6").split(","))
                .mapToInt(v -> Integer.parseInt(v.trim())).sorted().toArray();
        CudaContext c = Cuda.context();
        System.out.println("device: " + c + ", " + java.time.LocalDate.now() + ", repeats " + reps + ", TF32 " + Conv1dCuda.allowTf32);
        System.out.println("| conv | shape (x) | pass | median ms | min ms | TFLOP/s (median) |");
        System.out.println("|---|---|---|---|---|---|");
        for (Object[] s : SHAPES) {
            String name = (String) s[0];
            int b = (int) s[1], cin = (int) s[2], cout = (int) s[3], t = (int) s[4], k = (int) s[5], st = (int) s[6], p = (int) s[7], d = (int) s[8], g = (int) s[9];
            boolean tr = (int) s[10] == 1;
            int op = (int) s[11];
            Random r = new Random(1);
            int tOut = tr ? ConvTranspose1dCuda.outLen(t, k, st, p, op, d) : Conv1dCuda.outLen(t, k, st, p, d);
            int[] wShape = tr ? new int[] {cin, cout / g, k} : new int[] {cout, cin / g, k};
            // flops: every (short-side sample, tap, in-channel, out-channel) pair once; short side = output for conv, input for convT
            double flops = 2.0 * b * (long) cout * (cin / g) * k * (tr ? t : tOut);
            try (CudaTensor x = ScanBench.rand(r, 1, b, cin, t); CudaTensor w = ScanBench.rand(r, 0.05f, wShape); CudaTensor bias = ScanBench.rand(r, 0.1f, cout);
                 CudaTensor gy = ScanBench.rand(r, 1, b, cout, tOut)) {
                String shape = "B" + b + " " + cin + "x" + t + " -> " + cout + "x" + tOut;
                boolean tc = new Conv1dCuda.Geo(b, g, tr ? cin / g : cout / g, tr ? cout / g : cin / g, k, 1, 1, st, p, d).tensorCores();
                for (int version : tc ? versions : new int[] {Conv1dCuda.DEFAULT_VERSION}) {
                    Conv1dCuda.kernelVersion = version;
                    String v = tc ? " (v" + version + ")" : " (fp32)";
                    float[] f = ScanBench.time(c, reps, () -> (tr ? ConvTranspose1dCuda.convTranspose1d(x, w, bias, st, p, op, g, d)
                            : Conv1dCuda.conv1d(x, w, bias, st, p, d, g)).close());
                    row(name, shape, "forward" + v, f, flops);
                    float[] bi = ScanBench.time(c, reps, () -> (tr ? ConvTranspose1dCuda.backwardInput(gy, w, t, st, p, op, g, d)
                            : Conv1dCuda.backwardInput(gy, w, t, st, p, d, g)).close());
                    row(name, shape, "grad input" + v, bi, flops);
                    float[] bw = ScanBench.time(c, reps, () -> (tr ? ConvTranspose1dCuda.backwardWeight(gy, x, k, st, p, op, g, d)
                            : Conv1dCuda.backwardWeight(gy, x, k, st, p, d, g)).close());
                    row(name, shape, "grad weight" + v, bw, flops);
                }
                if (tc && !tr && g == 1) row(name, shape, "v4 weight arrange only (in forward)", ConvMmaCuda.timeArrange(
                        new Conv1dCuda.Geo(b, g, cout, cin, k, tOut, t, st, p, d), w, reps), 0);
                Conv1dCuda.kernelVersion = Conv1dCuda.DEFAULT_VERSION;
            }
        }
        System.out.println();
        System.out.println("| kernel | shape | median ms | min ms | GB/s (median, bytes read + written once) |");
        System.out.println("|---|---|---|---|---|");
        Random r = new Random(2);
        int b = 1, ch = 128, t = 43200;
        try (CudaTensor x = ScanBench.rand(r, 1, b, ch, t); CudaTensor gy = ScanBench.rand(r, 1, b, ch, t); CudaTensor alpha = ScanBench.rand(r, 0.3f, 1, ch, 1);
             CudaTensor gamma = ScanBench.rand(r, 0.3f, b, ch); CudaTensor beta = ScanBench.rand(r, 0.3f, b, ch); CudaTensor pre = CudaTensor.empty(b, ch, t)) {
            double n = (double) b * ch * t;
            grow("snake fwd", "B1 128x43200", ScanBench.time(c, reps, () -> ActivationsCuda.snake(x, alpha).close()), 8 * n);
            grow("snake bwd (dx, dalpha)", "B1 128x43200", ScanBench.time(c, reps, () -> ActivationsCuda.snakeBackward(x, alpha, gy, true, true).close()), 12 * n);
            grow("adaIN1d fwd", "B1 128x43200", ScanBench.time(c, reps, () -> InstanceNormCuda.adaIN1d(x, gamma, beta, null, null, 1e-5f).close()), 8 * n);
            grow("adaIN1d + snake fused fwd", "B1 128x43200", ScanBench.time(c, reps, () -> InstanceNormCuda.adaIN1dSnake(x, gamma, beta, null, null, alpha, pre, 1e-5f).close()), 12 * n);
            try (InstanceNormCuda.Result res = InstanceNormCuda.adaIN1d(x, gamma, beta, null, null, 1e-5f)) {
                grow("adaIN1d bwd", "B1 128x43200", ScanBench.time(c, reps, () -> InstanceNormCuda.adaIN1dBackward(x, gamma, beta, null, null, res, gy, true, true, false).close()), 12 * n);
            }
        }
        try (CudaTensor audio = ScanBench.rand(r, 0.3f, 1, 216000); CudaTensor win = CudaTensor.upload(hann(20), 20);
             CudaTensor spec = ScanBench.rand(r, 1, 1, 11, 43201); CudaTensor spec2 = ScanBench.rand(r, 1, 1, 11, 43201);
             CudaTensor mwin = CudaTensor.upload(hann(1200), 1200); CudaTensor clip = ScanBench.rand(r, 0.3f, 4, 72000)) {
            grow("stft n_fft 20 hop 5", "9 s audio", ScanBench.time(c, reps, () -> SpectralCuda.stft(audio, 20, 5, win, true).close()), 4.0 * (216000 + 22 * 43201));
            grow("istft n_fft 20 hop 5", "11x43201 frames", ScanBench.time(c, reps, () -> SpectralCuda.istft(spec, spec2, 20, 5, win, true, -1).close()), 4.0 * (216000 + 22 * 43201));
            int fr = SpectralCuda.frames(72000, 2048, 300, true);
            grow("stft mel n_fft 2048 win 1200 hop 300", "B4 3 s audio", ScanBench.time(c, reps, () -> SpectralCuda.stft(clip, 2048, 300, mwin, true).close()), 4.0 * (4 * 72000 + 4 * 2050 * fr));
        }
    }

    static float[] hann(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        return w;
    }

    static void row(String name, String shape, String pass, float[] t, double flops) {
        System.out.printf("| %s | %s | %s | %.4f | %.4f | %.1f |%n", name, shape, pass, t[0], t[1], flops / (t[0] * 1e-3) / 1e12);
    }

    static void grow(String name, String shape, float[] t, double bytes) {
        System.out.printf("| %s | %s | %.4f | %.4f | %.0f |%n", name, shape, t[0], t[1], bytes / (t[0] * 1e-3) / 1e9);
    }
}
