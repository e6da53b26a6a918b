package dev.kokoro.cuda;

import java.util.Arrays;
import java.util.Random;

/**
 * GPU timings of {@link LstmCuda} at Kokoro's shapes (bidirectional, H 256, In 640 and 512, all items
 * full length): forward, and forward + backward (dx and every weight gradient), CUDA events around each
 * call after 5 warm-ups, median and min of the repeats. Same shapes and method as
 * benchmarks/gpu/lstm_cudnn_bench.py. Run: java -cp ... dev.kokoro.cuda.LstmBench [repeats]
 */
public final class LstmBench {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        if (!Cuda.isAvailable()) {
            System.out.println("no GPU: " + Cuda.unavailableReason());
            return;
        }
        CudaContext c = Cuda.context();
        System.out.println("device: " + c);
        System.out.println("| what | shape | fwd median ms | fwd min ms | fwd+bwd median ms | fwd+bwd min ms |");
        System.out.println("|---|---|---|---|---|---|");
        int h = LstmCuda.HIDDEN, g4 = 4 * h;
        int[][] shapes = {{640, 1, 128}, {640, 4, 128}, {640, 16, 128}, {640, 1, 256}, {640, 16, 256},
                          {640, 1, 512}, {640, 4, 512}, {640, 16, 512}, {512, 16, 512}};
        gemmBreakdown(c, reps);
        for (int[] s : shapes) {
            int in = s[0], b = s[1], t = s[2];
            Random r = new Random(in + b + t);
            float k = (float) (1 / Math.sqrt(h));  // PyTorch's LSTM init: U(-1/sqrt(H), 1/sqrt(H))
            try (CudaTensor x = rand(r, 1, b, t, in); CudaTensor dy = rand(r, 1, b, t, 2 * h);
                 CudaTensor wi0 = uni(r, k, g4, in); CudaTensor wh0 = uni(r, k, g4, h); CudaTensor bi0 = uni(r, k, g4); CudaTensor bh0 = uni(r, k, g4);
                 CudaTensor wi1 = uni(r, k, g4, in); CudaTensor wh1 = uni(r, k, g4, h); CudaTensor bi1 = uni(r, k, g4); CudaTensor bh1 = uni(r, k, g4)) {
                LstmCuda.Direction f = new LstmCuda.Direction(wi0, wh0, bi0, bh0), rv = new LstmCuda.Direction(wi1, wh1, bi1, bh1);
                for (int v : new int[] {2, 1}) {
                    LstmCuda.variant = v;
                    float[] tf = ScanBench.time(c, reps, () -> LstmCuda.forward(x, null, f, rv).close());
                    float[] tfb = ScanBench.time(c, reps, () -> {
                        try (LstmCuda.Result res = LstmCuda.forward(x, null, f, rv)) {
                            LstmCuda.backward(x, f, rv, res, dy, true, true).close();
                        }
                    });
                    System.out.printf("| ours LstmCuda v%d | In%d H%d bi B%d T%d | %.3f | %.3f | %.3f | %.3f |%n", v, in, h, b, t, tf[0], tf[1], tfb[0], tfb[1]);
                }
                LstmCuda.variant = 2;
            }
        }
    }

    /** The FP32 GEMMs of one B16 T512 In640 forward + backward, each alone (both directions: twice each). */
    static void gemmBreakdown(CudaContext c, int reps) {
        int bt = 16 * 512, in = 640, g4 = 4 * LstmCuda.HIDDEN, h = LstmCuda.HIDDEN;
        Random r = new Random(1);
        try (CudaTensor x = rand(r, 1, bt, in); CudaTensor w = rand(r, 1, g4, in); CudaTensor da = rand(r, 1, bt, g4); CudaTensor hp = rand(r, 1, bt, h);
             CudaTensor xg = CudaTensor.empty(bt, g4); CudaTensor dx = CudaTensor.empty(bt, in); CudaTensor dwi = CudaTensor.zeros(g4, in); CudaTensor dwh = CudaTensor.zeros(g4, h)) {
            Object[][] cases = {
                {"x·W_ihᵀ", (Runnable) () -> LstmCuda.sgemm(x, 0, w, 0, xg, 0, bt, g4, in, false, true, 0f, false), 2.0 * bt * g4 * in},
                {"da·W_ih", (Runnable) () -> LstmCuda.sgemm(da, 0, w, 0, dx, 0, bt, in, g4, false, false, 0f, false), 2.0 * bt * g4 * in},
                {"daᵀ·x (split K)", (Runnable) () -> LstmCuda.sgemm(da, 0, x, 0, dwi, 0, g4, in, bt, true, false, 0f, true), 2.0 * bt * g4 * in},
                {"daᵀ·h_prev (split K)", (Runnable) () -> LstmCuda.sgemm(da, 0, hp, 0, dwh, 0, g4, h, bt, true, false, 0f, true), 2.0 * bt * g4 * h}};
            for (Object[] k : cases) {
                float[] t = ScanBench.time(c, reps, (Runnable) k[1]);
                System.out.printf("| sgemm %s (one direction) | B16 T512 In640 | %.3f | %.3f | %.1f TFLOP/s | |%n", k[0], t[0], t[1], (double) k[2] / (t[0] * 1e-3) / 1e12);
            }
        }
    }

    static CudaTensor rand(Random r, float scale, int... shape) { return ScanBench.rand(r, scale, shape); }

    static CudaTensor uni(Random r, float k, int... shape) {
        float[] a = new float[CudaTensor.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = (r.nextFloat() * 2 - 1) * k;
        return CudaTensor.upload(a, shape);
    }
}
