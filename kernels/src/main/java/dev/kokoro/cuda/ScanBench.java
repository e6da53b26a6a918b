package dev.kokoro.cuda;

import java.util.Arrays;
import java.util.Random;

/**
 * GPU timings with CUDA events (warm-up, then the median of repeats): the selective scan at Mamba(640)
 * sizes (D 1280, N 16, L 512, with z, D skip, delta bias and softplus): the default sequential kernels
 * (fwd+bwd = forwardForBackward + backward with the saved states, as mamba-ssm's fwd + bwd with its x), the
 * v1 kernels for reference (K column: chunk or segment length), and the TF32 matmul.
 * Run: java -cp ... dev.kokoro.cuda.ScanBench [repeats] [all]   (all: also the v2 backward variants)
 */
public final class ScanBench {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        boolean all = args.length > 1 && args[1].equals("all");  // also the v2 backward variants
        if (!Cuda.isAvailable()) {
            System.out.println("no GPU: " + Cuda.unavailableReason());
            return;
        }
        CudaContext c = Cuda.context();
        String defaultVariant = SelectiveScanCuda.seqVariant;
        System.out.println("device: " + c);
        System.out.println("| what | shape | K | median ms | min ms | bandwidth floor ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (int bt : new int[] {16, 64}) {
            int d = 1280, n = 16, l = 512;
            Random r = new Random(bt);
            try (CudaTensor u = rand(r, 1, bt, d, l); CudaTensor delta = rand(r, 0.5f, bt, d, l); CudaTensor z = rand(r, 1, bt, d, l);
                 CudaTensor A = CudaTensor.upload(negA(d, n), d, n); CudaTensor B = rand(r, 1, bt, n, l); CudaTensor C = rand(r, 1, bt, n, l);
                 CudaTensor D = rand(r, 1, d); CudaTensor bias = rand(r, 0.3f, d); CudaTensor dout = rand(r, 1, bt, d, l)) {
                double mb = 4.0 * bt * l * (4.0 * d + 2 * n);  // u, delta, z, out + B, C
                double fwdFloor = mb / 3.0e9, bwdFloor = 4.0 * bt * l * (7.0 * d + 6 * n) / 3.0e9;  // reads u, delta, z, dout, B, C; writes du, ddelta, dz; dB, dC read+write
                String shape = "B" + bt + " D" + d + " N" + n + " L" + l;
                // selective_scan_seq.cu, every variant: what a training step runs is forwardForBackward + backward(states)
                for (String variant : SelectiveScanCuda.SEQ_VARIANTS) {
                    SelectiveScanCuda.seqVariant = variant;
                    float[] t = time(c, reps, () -> SelectiveScanCuda.forwardSeq(u, delta, A, B, C, D, z, bias, true, null).close());
                    row("scan fwd (seq " + variant + ", inference)", shape, SelectiveScanCuda.CHUNK, t, fwdFloor);
                    t = time(c, reps, () -> SelectiveScanCuda.forwardForBackward(u, delta, A, B, C, D, z, bias, true).close());
                    row("scan fwd (seq " + variant + ", saving states)", shape, SelectiveScanCuda.CHUNK, t, fwdFloor);
                    try (SelectiveScanCuda.Saved saved = SelectiveScanCuda.forwardForBackward(u, delta, A, B, C, D, z, bias, true)) {
                        t = time(c, reps, () -> SelectiveScanCuda.backward(u, delta, A, B, C, D, z, bias, true, dout, saved.states()).close());
                        row("scan bwd only (seq " + variant + ", saved states)", shape, SelectiveScanCuda.CHUNK, t, bwdFloor);
                    }
                    t = time(c, reps, () -> {
                        try (SelectiveScanCuda.Saved saved = SelectiveScanCuda.forwardForBackward(u, delta, A, B, C, D, z, bias, true)) {
                            SelectiveScanCuda.backward(u, delta, A, B, C, D, z, bias, true, dout, saved.states()).close();
                        }
                    });
                    row("scan fwd+bwd (seq " + variant + ")", shape, SelectiveScanCuda.CHUNK, t, fwdFloor + bwdFloor);
                }
                SelectiveScanCuda.seqVariant = defaultVariant;
                float[] t;
                // the previous kernels (selective_scan.cu v1, segmented warp scans) at their defaults, for reference
                t = time(c, reps, () -> SelectiveScanCuda.forward(u, delta, A, B, C, D, z, bias, true, null, 4, false).close());
                row("scan fwd (v1 shared carry)", shape, 4, t, fwdFloor);
                t = time(c, reps, () -> {
                    SelectiveScanCuda.forward(u, delta, A, B, C, D, z, bias, true, null, 4, false).close();
                    SelectiveScanCuda.backward(u, delta, A, B, C, D, z, bias, true, dout, 4, false).close();
                });
                row("scan fwd+bwd (v1 shared carry + shared atomics)", shape, 4, t, fwdFloor + bwdFloor);
                if (!all) continue;
                for (SelectiveScanBwdV2.Variant v : SelectiveScanBwdV2.VARIANTS) {
                    float[] tb = time(c, reps, () -> SelectiveScanBwdV2.backward(u, delta, A, B, C, D, z, bias, true, dout, v).close());
                    row("scan bwd only (v2 " + v.name() + ")", shape, v.chunk(), tb, bwdFloor);
                }
            }
        }
        int[][] mm = {{4096, 4096, 4096}, {8192, 1280, 640}, {8192, 640, 1280}};
        for (int[] s : mm) {
            Random r = new Random(3);
            try (CudaTensor a = rand(r, 1, s[0], s[2]); CudaTensor b = rand(r, 1, s[2], s[1])) {
                float[] t = time(c, reps, () -> MatmulCuda.matmul(a, b, false, false).close());
                double tflops = 2.0 * s[0] * s[1] * s[2] / (t[0] * 1e-3) / 1e12;
                System.out.printf("| matmul TF32 | M%d N%d K%d | - | %.4f | %.4f | %.1f TFLOP/s |%n", s[0], s[1], s[2], t[0], t[1], tflops);
            }
        }
    }

    static float[] negA(int d, int n) {
        float[] a = new float[d * n];
        for (int i = 0; i < d; i++) for (int j = 0; j < n; j++) a[i * n + j] = -(j + 1);  // Mamba's S4D-real init
        return a;
    }

    static CudaTensor rand(Random r, float scale, int... shape) {
        float[] a = new float[CudaTensor.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian() * scale;
        return CudaTensor.upload(a, shape);
    }

    /** {median, min} of per-call times in ms, after 5 warm-up calls. */
    static float[] time(CudaContext c, int reps, Runnable f) {
        for (int i = 0; i < 5; i++) f.run();
        c.synchronize();
        float[] t = new float[reps];
        for (int i = 0; i < reps; i++) t[i] = c.time(f);
        Arrays.sort(t);
        return new float[] {t[reps / 2], t[0]};
    }

    static void row(String what, String shape, int k, float[] t, double floorMs) {
        System.out.printf("| %s | %s | %d | %.4f | %.4f | %.3f |%n", what, shape, k, t[0], t[1], floorMs);
    }
}
