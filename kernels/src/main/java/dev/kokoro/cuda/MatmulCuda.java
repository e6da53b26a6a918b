package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Matrix products on tensor cores with FP32 accumulation. Row-major; {@code transA} means A is stored [K, M]
 * (Aᵀ·B), {@code transB} means B is stored [N, K] (A·Bᵀ). Rank-3 operands are batched over dim 0 (a rank-2
 * operand broadcasts).
 *
 * <p>Two precisions. {@link #gemm}/{@link #matmul}: TF32 operands (relative error about 1e-4..1e-3, like
 * PyTorch with allow_tf32). {@link #sgemm}/{@link #matmul(CudaTensor, CudaTensor, boolean, boolean, boolean)}
 * with fp32: FP32-accurate "3xTF32" (each operand split into a TF32 big part and a TF32 small part, three
 * tensor-core products per step; relative error like an FP32 FFMA loop, ~1e-7..1e-6), PyTorch's default
 * (allow_tf32 = False) numerics; {@code TensorOpsCuda.sgemm}, hence every FP32 matmul of CudaBackend, runs it.
 *
 * <p>Kernels (matmul.cu): {@code mm2_*} (TF32) and {@code mm3_*} (3xTF32) are one template (mma.sync m16n8k8,
 * 128×128 / 128×256 / 128×64 / 64×64 / 32×64 block tiles, 3–4 stage cp.async pipeline, split K for small M×N with long
 * K). The first TF32 version, {@code matmul_tf32} (wmma, 64×64×16, no pipelining), stays selectable with
 * {@code -Dkokoro.matmul.kernel=wmma} ({@link #kernel}); the first FP32 kernel, tensor_ops.cu's
 * {@code sgemm_f32} (16×16 tiles, one output per thread), with {@code -Dkokoro.sgemm.kernel=simt}
 * ({@link #f32Kernel}).
 */
public final class MatmulCuda {
    private MatmulCuda() {}

    /** "auto" (mm2, configuration by problem size), a {@link #CONFIGS} name with optional "/SPLITS" (that mm2, K split
     *  into that many parts) or "wmma" (the first kernel). */
    static volatile String kernel = System.getProperty("kokoro.matmul.kernel", "auto");
    /** FP32 products: "auto" (3xTF32 mm3, configuration by problem size), "auto:NAME" (the same with NAME as the large
     *  tile), an {@link #F32_CONFIGS} name with optional "/SPLITS", or "simt" (tensor_ops.cu's sgemm_f32). */
    static volatile String f32Kernel = System.getProperty("kokoro.sgemm.kernel", "auto");

    private static final int BK = 32;

    /** op(A)·op(B) with TF32 operands. */
    public static CudaTensor matmul(CudaTensor a, CudaTensor b, boolean transA, boolean transB) {
        return matmul(a, b, transA, transB, false);
    }

    /** op(A)·op(B); {@code fp32}: FP32-accurate (3xTF32, {@link #sgemm}), else TF32 operands ({@link #gemm}). */
    public static CudaTensor matmul(CudaTensor a, CudaTensor b, boolean transA, boolean transB, boolean fp32) {
        boolean batched = a.rank() == 3 || b.rank() == 3;
        int batch = a.rank() == 3 ? a.dim(0) : b.rank() == 3 ? b.dim(0) : 1;
        if (a.rank() < 2 || a.rank() > 3 || b.rank() < 2 || b.rank() > 3
                || (a.rank() == 3 && a.dim(0) != batch) || (b.rank() == 3 && b.dim(0) != batch))
            throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()) + " are not [M,K]/[B,M,K] with [K,N]/[B,K,N]");
        int m = transA ? a.dim(-1) : a.dim(-2), ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) throw new IllegalArgumentException("matmul: inner dims differ: " + Arrays.toString(a.shape()) + (transA ? "ᵀ" : "")
                + " · " + Arrays.toString(b.shape()) + (transB ? "ᵀ" : ""));
        CudaTensor c = batched ? CudaTensor.empty(batch, m, n) : CudaTensor.empty(m, n);
        long sA = a.rank() == 3 ? (long) m * ka : 0, sB = b.rank() == 3 ? (long) ka * n : 0;
        if (fp32) sgemm(a.buffer(), b.buffer(), c.buffer(), m, n, ka, transA, transB, batch, sA, sB, (long) m * n, 1f, 0f);
        else gemm(a, b, c, m, n, ka, transA, transB, batch, sA, sB, (long) m * n, 1f, 0f);
        return c;
    }

    /** C = alpha op(A) op(B) + beta C over {@code batch} matrices at element strides sA, sB, sC; TF32 operands. */
    public static void gemm(CudaTensor a, CudaTensor b, CudaTensor c, int m, int n, int k, boolean transA, boolean transB,
                            int batch, long sA, long sB, long sC, float alpha, float beta) {
        if (batch > 65535) throw new IllegalArgumentException("matmul: batch " + batch + " > 65535");
        if (m == 0 || n == 0 || batch == 0) return;
        CudaContext ctx = Cuda.context();
        String which = kernel;
        if (which.equals("wmma")) {
            ctx.launch("matmul", "matmul_tf32", (n + 63) / 64, (m + 63) / 64, batch, 128, 1, 1, 0,
                    KernelArgs.of().ptr(a).ptr(b).ptr(c).i(m).i(n).i(k).i(transA ? 1 : 0).i(transB ? 1 : 0)
                            .l(sA).l(sB).l(sC).f(alpha).f(beta));
            return;
        }
        Plan plan = which.equals("auto") ? choose(m, n, k, batch, ctx.multiprocessorCount()) : plan(which);
        run("mm2", plan, a.buffer(), b.buffer(), c.buffer(), m, n, k, transA, transB, batch, sA, sB, sC, alpha, beta);
    }

    /**
     * C = alpha op(A) op(B) + beta C over {@code batch} matrices at element strides sA, sB, sC (0 broadcasts an
     * operand), FP32-accurate: 3xTF32 (see the class comment), or the plain FP32 kernel where {@link #f32Kernel}
     * says "simt". beta = 0 never reads C. Unlike an FFMA loop, an infinite operand (or one within half a TF32 step
     * of ±FLT_MAX) gives NaN rather than ±inf, as in the TF32 kernels.
     */
    public static void sgemm(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int n, int k, boolean transA, boolean transB,
                             int batch, long sA, long sB, long sC, float alpha, float beta) {
        if (batch > 65535) throw new IllegalArgumentException("matmul: batch " + batch + " > 65535");
        if (m == 0 || n == 0 || batch == 0) return;
        String which = f32Kernel;
        int sms = Cuda.context().multiprocessorCount();
        Plan plan = which.equals("auto") ? chooseF32(m, n, k, batch, sms) : which.equals("simt") ? null : planF32(which, m, n, k, batch, sms);
        if (plan == null) TensorOpsCuda.sgemmSimt(a, b, c, m, n, k, transA, transB, batch, sA, sB, sC, alpha, beta);
        else run("mm3", plan, a, b, c, m, n, k, transA, transB, batch, sA, sB, sC, alpha, beta);
    }

    /** One mm2 / mm3 launch (with the split-K reduction when the plan splits K). */
    private static void run(String prefix, Plan plan, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int n, int k,
                            boolean transA, boolean transB, int batch, long sA, long sB, long sC, float alpha, float beta) {
        CudaContext ctx = Cuda.context();
        Config cfg = plan.cfg;
        // split K into parts of a whole number of 32-wide K steps; the real part count follows from that
        int kChunk = k, splits = 1;
        if (plan.splits > 1 && k > 0) {
            int kTiles = (k + BK - 1) / BK;
            kChunk = (kTiles + plan.splits - 1) / plan.splits * BK;
            splits = (k + kChunk - 1) / kChunk;
            if (splits == 1) kChunk = k;
        }
        if ((long) batch * splits > 65535) { splits = 1; kChunk = k; }
        // 16-byte cp.async needs every row start and batch stride of A and B at a multiple of 4 floats
        long lda = transA ? m : k, ldb = transB ? k : n;
        boolean vec = lda % 4 == 0 && ldb % 4 == 0 && sA % 4 == 0 && sB % 4 == 0;
        String fn = prefix + "_" + cfg.name + "_" + (transA ? "t" : "n") + (transB ? "t" : "n") + (vec ? "_v" : "_s");
        int smem = cfg.smemBytes();
        allowSmem(ctx, fn, smem);
        int gx = (n + cfg.bn - 1) / cfg.bn, gy = (m + cfg.bm - 1) / cfg.bm;
        if (gy > 65535) throw new IllegalArgumentException("matmul: M " + m + " needs " + gy + " row blocks (> 65535)");
        if (splits == 1) {
            ctx.launch("matmul", fn, gx, gy, batch, cfg.threads, 1, 1, smem,
                    KernelArgs.of().ptr(a).ptr(b).ptr(c).i(m).i(n).i(k).l(sA).l(sB).l(sC).f(alpha).f(beta).i(1).i(kChunk));
            return;
        }
        long mn = (long) m * n;
        try (CudaTensor w = CudaTensor.empty(batch * splits, m, n)) {  // partial sums, alpha applied
            ctx.launch("matmul", fn, gx, gy, batch * splits, cfg.threads, 1, 1, smem,
                    KernelArgs.of().ptr(a).ptr(b).ptr(w).i(m).i(n).i(k).l(sA).l(sB).l(mn).f(alpha).f(0f).i(splits).i(kChunk));
            ctx.launch1d("matmul", "mm2_splitk_reduce", mn * batch,
                    KernelArgs.of().ptr(w).ptr(c).l(mn).i(batch).i(splits).l(sC).f(beta));
        }
    }

    /** A configuration and how many parts K is split into (partial products summed by a second kernel). */
    record Plan(Config cfg, int splits) {}

    /** "NAME" or "NAME/SPLITS" (a {@link #CONFIGS} name). */
    static Plan plan(String spec) { return plan(spec, MatmulCuda::config); }

    /** "NAME" or "NAME/SPLITS" with NAME looked up by {@code config}. */
    private static Plan plan(String spec, java.util.function.Function<String, Config> config) {
        int slash = spec.indexOf('/');
        return slash < 0 ? new Plan(config.apply(spec), 1) : new Plan(config.apply(spec.substring(0, slash)), Integer.parseInt(spec.substring(slash + 1)));
    }

    /** One mm2 instantiation of matmul.cu (the V2_ENTRIES lines there): block tile bm × bn × 32, warps, pipeline stages. */
    record Config(String name, int bm, int bn, int threads, int stages) {
        /** stages × (A tile + B tile), each the larger of its two shared-memory layouts (see matmul.cu). */
        int smemBytes() { return stages * (tileFloats(bm) + tileFloats(bn)) * 4; }

        private static int tileFloats(int bmn) { return Math.max(bmn * (BK + 4), BK * (bmn + 8)); }
    }

    static final Config[] CONFIGS = {new Config("128", 128, 128, 128, 3), new Config("128lds", 128, 128, 128, 3), new Config("128w8", 128, 128, 256, 3),
            new Config("256", 128, 256, 256, 3), new Config("64", 64, 64, 128, 4),
            new Config("256s4", 128, 256, 256, 4), new Config("256t", 256, 128, 256, 4)};

    static Config config(String name) {
        for (Config c : CONFIGS) if (c.name.equals(name)) return c;
        throw new IllegalArgumentException("kokoro.matmul.kernel: unknown kernel '" + name + "' (auto, wmma, 128, 128lds, 128w8, 256, 64, 256s4, 256t; NAME/SPLITS)");
    }

    /** The mm3 (3xTF32) instantiations of matmul.cu (the V3_ENTRIES lines there). */
    static final Config[] F32_CONFIGS = {new Config("128", 128, 128, 128, 3), new Config("128w8", 128, 128, 256, 3),
            new Config("128x64", 128, 64, 128, 3), new Config("64", 64, 64, 128, 4), new Config("32", 32, 64, 64, 4)};

    static Config configF32(String name) {
        for (Config c : F32_CONFIGS) if (c.name.equals(name)) return c;
        throw new IllegalArgumentException("kokoro.sgemm.kernel: unknown kernel '" + name + "' (auto, auto:NAME, simt, 128, 128w8, 128x64, 64, 32; NAME/SPLITS)");
    }

    /** "NAME", "NAME/SPLITS" (an {@link #F32_CONFIGS} name) or "auto:NAME" (the automatic choice with NAME as its large tile). */
    static Plan planF32(String spec, int m, int n, int k, int batch, int sms) {
        if (spec.startsWith("auto:")) return chooseF32(m, n, k, batch, sms, configF32(spec.substring(5)));
        return plan(spec, MatmulCuda::configF32);
    }

    /**
     * FP32 (3xTF32) plan, from the H100 timings of every configuration at the MatmulBench shapes
     * (benchmarks/gpu/logs/2026-11-25-h100-sgemm-run2-bench-ours.log): up to 32 rows, 32×64 tiles with K split
     * into parts of at least 128 towards four blocks per multiprocessor; 128×128 tiles (4 warps of 64×64, two
     * blocks per multiprocessor) from three blocks per multiprocessor on; below one block per multiprocessor and
     * over 64 rows, K split (parts of at least 512) over 128×128 tiles for about two (weight gradients: small M×N,
     * long K); 128×64 tiles from three of those per multiprocessor; else 64×64 (more, smaller blocks for mid-sized
     * products).
     */
    static Plan chooseF32(int m, int n, int k, int batch, int sms) {
        int kTiles = (k + BK - 1) / BK;
        if (m <= 32) {
            long blocks = (long) ((n + 63) / 64) * batch;
            long splits = Math.min((4L * sms + blocks - 1) / blocks, kTiles / 4);
            return new Plan(configF32("32"), (int) Math.max(1, Math.min(splits, 32)));
        }
        long blocks128 = (long) ((m + 127) / 128) * ((n + 127) / 128) * batch;
        if (blocks128 >= 3L * sms) return new Plan(configF32("128"), 1);
        long splits = Math.min((2L * sms + blocks128 - 1) / blocks128, kTiles / 16);
        if (m > 64 && blocks128 < sms && splits >= 2) return new Plan(configF32("128"), (int) Math.min(splits, 32));
        if ((long) ((m + 127) / 128) * ((n + 63) / 64) * batch >= 3L * sms) return new Plan(configF32("128x64"), 1);
        return new Plan(configF32("64"), 1);
    }

    /**
     * The simpler rule with one large tile {@code big} ("auto:NAME", for comparisons): big once it gives at least one
     * block per multiprocessor; below that K split (parts of at least 512) for about two; else 64×64 tiles; up to 32
     * rows as {@link #chooseF32(int, int, int, int, int)}.
     */
    static Plan chooseF32(int m, int n, int k, int batch, int sms, Config big) {
        if (m <= 32) return chooseF32(m, n, k, batch, sms);
        int kTiles = (k + BK - 1) / BK;
        long blocks = (long) ((m + big.bm - 1) / big.bm) * ((n + big.bn - 1) / big.bn) * batch;
        if (blocks >= sms) return new Plan(big, 1);
        long splits = Math.min((2L * sms + blocks - 1) / blocks, kTiles / 16);
        if (splits >= 2) return new Plan(big, (int) Math.min(splits, 32));
        return new Plan(configF32("64"), 1);
    }

    /**
     * 128×128 tiles once they give at least one block per multiprocessor; below that, K split into parts of at
     * least 512 so that about two blocks per multiprocessor run (weight gradients: small M×N, long K), and
     * where K is too short for that, 64×64 tiles (more blocks in flight). Measured on an H100: the configurations
     * lie within ~10% of each other on large products (benchmarks/gpu/logs/2026-11-25-h100-matmul-run1-bench-ours.log).
     */
    static Plan choose(int m, int n, int k, int batch, int sms) {
        long blocks128 = (long) ((m + 127) / 128) * ((n + 127) / 128) * batch;
        if (blocks128 >= sms) return new Plan(config("128"), 1);
        long splits = Math.min((2L * sms + blocks128 - 1) / blocks128, ((k + BK - 1) / BK) / 16);
        if (splits >= 2) return new Plan(config("128"), (int) Math.min(splits, 32));
        return new Plan(config("64"), 1);
    }

    private static void allowSmem(CudaContext ctx, String fn, int bytes) { ctx.allowDynamicSmem("matmul", fn, bytes); }
}
