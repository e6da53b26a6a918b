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
        for (int[] s : shapes) {
            int in = s[0], b = s[1], t = s[2];
            Random r = new Random(in + b + t);
            float k = (float) (1 / Math.sqrt(h));  // PyTorch's LSTM init: U(-1/sqrt(H), 1/sqrt(H))
            try (CudaTensor x = rand(r, 1, b, t, in); CudaTensor dy = rand(r, 1, b, t, 2 * h);
                 CudaTensor wi0 = uni(r, k, g4, in); CudaTensor wh0 = uni(r, k, g4, h); CudaTensor bi0 = uni(r, k, g4); CudaTensor bh0 = uni(r, k, g4);
                 CudaTensor wi1 = uni(r, k, g4, in); CudaTensor wh1 = uni(r, k, g4, h); CudaTensor bi1 = uni(r, k, g4); CudaTensor bh1 = uni(r, k, g4)) {
                LstmCuda.Direction f = new LstmCuda.Direction(wi0, wh0, bi0, bh0), rv = new LstmCuda.Direction(wi1, wh1, bi1, bh1);
                float[] tf = ScanBench.time(c, reps, () -> LstmCuda.forward(x, null, f, rv).close());
                float[] tfb = ScanBench.time(c, reps, () -> {
                    try (LstmCuda.Result res = LstmCuda.forward(x, null, f, rv)) {
                        LstmCuda.backward(x, f, rv, res, dy, true, true).close();
                    }
                });
                System.out.printf("| ours LstmCuda | In%d H%d bi B%d T%d | %.3f | %.3f | %.3f | %.3f |%n", in, h, b, t, tf[0], tf[1], tfb[0], tfb[1]);
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
