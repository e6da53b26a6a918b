package dev.kokoro.cuda;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * Matrix products on TF32 tensor cores with FP32 accumulation (relative error about 1e-4..1e-3, like
 * PyTorch with allow_tf32). Row-major; {@code transA} means A is stored [K, M] (Aᵀ·B), {@code transB}
 * means B is stored [N, K] (A·Bᵀ). Rank-3 operands are batched over dim 0 (a rank-2 operand broadcasts).
 *
 * <p>Kernels (matmul.cu): {@code mm2_*} (mma.sync m16n8k8, 128×128 or 64×64 block tiles, 3-stage cp.async
 * pipeline) is the default; the first version, {@code matmul_tf32} (wmma, 64×64×16, no pipelining), stays
 * selectable for comparison with {@code -Dkokoro.matmul.kernel=wmma} (or {@link #kernel} at run time).
 */
public final class MatmulCuda {
    private MatmulCuda() {}

    /** "auto" (mm2, configuration by problem size), a {@link #CONFIGS} name (that mm2) or "wmma" (the first kernel). */
    static volatile String kernel = System.getProperty("kokoro.matmul.kernel", "auto");

    private static final int BK = 32;
    private static final Set<String> SMEM_SET = new HashSet<>();

    public static CudaTensor matmul(CudaTensor a, CudaTensor b, boolean transA, boolean transB) {
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
        gemm(a, b, c, m, n, ka, transA, transB, batch,
                a.rank() == 3 ? (long) m * ka : 0, b.rank() == 3 ? (long) ka * n : 0, (long) m * n, 1f, 0f);
        return c;
    }

    /** C = alpha op(A) op(B) + beta C over {@code batch} matrices at element strides sA, sB, sC. */
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
        Config cfg = switch (which) {
            case "auto" -> choose(m, n, batch, ctx.multiprocessorCount());
            default -> config(which);
        };
        // 16-byte cp.async needs every row start and batch stride of A and B at a multiple of 4 floats
        long lda = transA ? m : k, ldb = transB ? k : n;
        boolean vec = lda % 4 == 0 && ldb % 4 == 0 && sA % 4 == 0 && sB % 4 == 0;
        String fn = "mm2_" + cfg.name + "_" + (transA ? "t" : "n") + (transB ? "t" : "n") + (vec ? "_v" : "_s");
        int smem = cfg.smemBytes();
        allowSmem(ctx, fn, smem);
        ctx.launch("matmul", fn, (n + cfg.bn - 1) / cfg.bn, (m + cfg.bm - 1) / cfg.bm, batch, cfg.threads, 1, 1, smem,
                KernelArgs.of().ptr(a).ptr(b).ptr(c).i(m).i(n).i(k).l(sA).l(sB).l(sC).f(alpha).f(beta));
    }

    /** One mm2 instantiation of matmul.cu (the V2_ENTRIES lines there): block tile bm × bn × 32, warps, pipeline stages. */
    record Config(String name, int bm, int bn, int threads, int stages) {
        /** stages × (A tile + B tile), each the larger of its two shared-memory layouts (see matmul.cu). */
        int smemBytes() { return stages * (tileFloats(bm) + tileFloats(bn)) * 4; }

        private static int tileFloats(int bmn) { return Math.max(bmn * (BK + 4), BK * (bmn + 8)); }
    }

    static final Config[] CONFIGS = {new Config("128", 128, 128, 128, 3), new Config("128lds", 128, 128, 128, 3), new Config("128w8", 128, 128, 256, 3),
            new Config("256", 128, 256, 256, 3), new Config("64", 64, 64, 128, 4)};

    static Config config(String name) {
        for (Config c : CONFIGS) if (c.name.equals(name)) return c;
        throw new IllegalArgumentException("kokoro.matmul.kernel: unknown kernel '" + name + "' (auto, wmma, 128, 128lds, 128w8, 256, 64)");
    }

    /** 128×128 tiles once they give at least one block per multiprocessor, else 64×64 (more blocks in flight). */
    static Config choose(int m, int n, int batch, int sms) {
        long blocks128 = (long) ((m + 127) / 128) * ((n + 127) / 128) * batch;
        return config(blocks128 >= sms ? "128" : "64");
    }

    private static void allowSmem(CudaContext ctx, String fn, int bytes) {
        synchronized (SMEM_SET) {
            if (SMEM_SET.contains(fn)) return;
            CUfunction f = ctx.function("matmul", fn);
            CudaContext.check("cuFuncSetAttribute(matmul/" + fn + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")",
                    () -> JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
            SMEM_SET.add(fn);
        }
    }
}
