package dev.kokoro.cuda;

import java.util.Random;

/**
 * GPU timings of {@link MatmulCuda} at Kokoro's real shapes: TF32 (the first kernel, wmma, beside mm2: automatic
 * choice, timed twice to show the spread, and each configuration forced) and FP32-accurate products (variants
 * "f32:X": {@link MatmulCuda#sgemm} with {@link MatmulCuda#f32Kernel} = X, i.e. 3xTF32 mm3 or "simt", the first
 * plain FP32 kernel). CUDA events around each call after 5 warm-ups; median and min of the repeats;
 * TFLOP/s from the median (2·batch·M·N·K). Inputs are random (never zeros). The same shapes, in the same order,
 * are timed for torch.matmul by benchmarks/gpu/torch_matmul_bench.py.
 * Columns: TFLOP/s of each variant (a {@link MatmulCuda#kernel} value, or f32:{@link MatmulCuda#f32Kernel} value).
 * Run:
 * java -cp ... dev.kokoro.cuda.MatmulBench [repeats [shape-substring|all [variant,variant,...|f32]]]  (f32: the FP32 set)
 */
public final class MatmulBench {
    /** name, batch, M, N, K, transA, transB (1 = transposed). */
    static final Object[][] SHAPES = {
        {"proj x·Wᵀ BT512", 1, 512, 1280, 640, 0, 1},
        {"proj x·Wᵀ BT2048", 1, 2048, 1280, 640, 0, 1},
        {"proj x·Wᵀ BT8192", 1, 8192, 1280, 640, 0, 1},
        {"proj x·Wᵀ N2560 K1280", 1, 8192, 2560, 1280, 0, 1},
        {"proj x·Wᵀ N768", 1, 4096, 768, 640, 0, 1},
        {"proj dX = dY·W", 1, 8192, 640, 1280, 0, 0},
        {"proj dW = dYᵀ·X", 1, 1280, 640, 8192, 1, 0},
        {"ALBERT FFN x·Wᵀ", 1, 512, 3072, 768, 0, 1},
        {"ALBERT dW = dYᵀ·X", 1, 3072, 768, 512, 1, 0},
        {"ALBERT attn QKᵀ 12 heads", 12, 512, 512, 64, 0, 1},
        {"conv W·cols Cout512 T43200", 1, 512, 43200, 1536, 0, 0},
        {"conv W·cols Cout256 B8·T43200", 1, 256, 345600, 768, 0, 0},
        {"conv W·cols K=1090·3 (unaligned)", 1, 1024, 8192, 3270, 0, 0},
        {"conv dCols = Wᵀ·dY", 1, 1536, 43200, 512, 1, 0},
        {"conv dW = dY·colsᵀ", 1, 512, 1536, 43200, 0, 1},
        {"mamba in_proj x·Wᵀ", 1, 8192, 2560, 640, 0, 1},
        {"mamba in_proj dW = dYᵀ·X", 1, 2560, 640, 8192, 1, 0},
        {"mamba x_proj x·Wᵀ N72", 1, 8192, 72, 1280, 0, 1},
        {"mamba x_proj dW N72", 1, 72, 1280, 8192, 1, 0},
        {"mamba dt_proj x·Wᵀ K40", 1, 8192, 1280, 40, 0, 1},
        {"linear M1", 1, 1, 1280, 640, 0, 1},
        {"linear M16", 1, 16, 1280, 640, 0, 1},
        {"linear M64", 1, 64, 2560, 640, 0, 1},
        {"linear M64 K1280", 1, 64, 640, 1280, 0, 1},
        {"batched 16×64×64×64", 16, 64, 64, 64, 0, 0},
    };

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        String only = args.length > 1 ? args[1] : null;  // a shape name substring: time only those shapes
        String[] variants = args.length > 2 ? args[2].split(",") : new String[] {"wmma", "auto", "auto", "128", "128w8", "256", "256s4", "256t", "64"};
        if (args.length > 2 && args[2].equals("f32"))
            variants = new String[] {"auto", "f32:auto", "f32:auto", "f32:simt", "f32:auto:128", "f32:auto:128w8", "f32:auto:128x64", "f32:64", "f32:32"};
        if (!Cuda.isAvailable()) {
            System.out.println("no GPU: " + Cuda.unavailableReason());
            return;
        }
        CudaContext c = Cuda.context();
        System.out.println("device: " + c);
        System.out.println("| shape | batch×M×N×K tA tB | auto plan | f32 auto plan | " + String.join(" | ", variants) + " | [1] median ms | [1] min ms |");
        System.out.println("|---|---|---|---|" + "---|".repeat(variants.length) + "---|---|");
        Random r = new Random(1);
        for (Object[] s : SHAPES) {
            if (only != null && !only.equals("all") && !((String) s[0]).contains(only)) continue;
            int batch = (int) s[1], m = (int) s[2], n = (int) s[3], k = (int) s[4];
            boolean ta = (int) s[5] == 1, tb = (int) s[6] == 1;
            double flop = 2.0 * batch * m * n * k;
            try (CudaTensor a = random(r, batch == 1 ? new int[] {ta ? k : m, ta ? m : k} : new int[] {batch, ta ? k : m, ta ? m : k});
                 CudaTensor b = random(r, batch == 1 ? new int[] {tb ? n : k, tb ? k : n} : new int[] {batch, tb ? n : k, tb ? k : n});
                 CudaTensor out = batch == 1 ? CudaTensor.empty(m, n) : CudaTensor.empty(batch, m, n)) {
                double[] tf = new double[variants.length];
                float[] auto = null;
                for (int v = 0; v < variants.length; v++) {
                    String old = MatmulCuda.kernel, oldF32 = MatmulCuda.f32Kernel;
                    boolean f32 = variants[v].startsWith("f32:");
                    if (f32) MatmulCuda.f32Kernel = variants[v].substring(4);
                    else MatmulCuda.kernel = variants[v];
                    long sA = batch == 1 ? 0 : (long) m * k, sB = batch == 1 ? 0 : (long) k * n;
                    try {
                        float[] t = ScanBench.time(c, reps, f32
                                ? () -> MatmulCuda.sgemm(a.buffer(), b.buffer(), out.buffer(), m, n, k, ta, tb, batch, sA, sB, (long) m * n, 1f, 0f)
                                : () -> MatmulCuda.gemm(a, b, out, m, n, k, ta, tb, batch, sA, sB, (long) m * n, 1f, 0f));
                        tf[v] = flop / (t[0] * 1e-3) / 1e12;
                        if (v == Math.min(1, variants.length - 1)) auto = t;
                    } finally {
                        MatmulCuda.kernel = old;
                        MatmulCuda.f32Kernel = oldF32;
                    }
                }
                MatmulCuda.Plan p = MatmulCuda.choose(m, n, k, batch, c.multiprocessorCount());
                MatmulCuda.Plan pf = MatmulCuda.chooseF32(m, n, k, batch, c.multiprocessorCount());
                StringBuilder row = new StringBuilder(String.format("| %s | %d×%d×%d×%d %s %s | %s/%d | %s/%d |", s[0], batch, m, n, k, ta ? "T" : "N", tb ? "T" : "N",
                        p.cfg().name(), p.splits(), pf.cfg().name(), pf.splits()));
                for (double x : tf) row.append(String.format(" %.1f |", x));
                System.out.println(row + String.format(" %.3f | %.3f |", auto[0], auto[1]));
            }
        }
    }

    /** A random tensor; large ones repeat one random 4M-float block (device-to-device copies) to keep host time short. */
    static CudaTensor random(Random r, int... shape) {
        int n = CudaTensor.numel(shape), chunk = Math.min(n, 1 << 22);
        float[] h = new float[chunk];
        for (int i = 0; i < chunk; i++) h[i] = (float) r.nextGaussian();
        if (chunk == n) return CudaTensor.upload(h, shape);
        CudaTensor t = CudaTensor.empty(shape);
        try (CudaTensor blk = CudaTensor.upload(h, chunk)) {
            for (long o = 0; o < n; o += chunk)
                Cuda.context().copyDeviceToDevice(t.buffer().pointer().withByteOffset(4 * o), blk.buffer().pointer(), 4L * Math.min(chunk, n - o));
            Cuda.context().synchronize();
        }
        return t;
    }
}
