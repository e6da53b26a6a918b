"""torch.matmul at the shapes of dev.kokoro.cuda.MatmulBench (same order), with TF32 allowed and not.

Operands stored as MatmulBench stores them (a transposed operand is a .t()/.transpose view, as cuBLAS
takes it without a copy); random normal inputs; CUDA events around each call after 5 warm-ups; median of
the repeats; TFLOP/s = 2*batch*M*N*K / median. Usage: python3 torch_matmul_bench.py [repeats]
"""
import sys
import torch

# name, batch, M, N, K, transA, transB -- keep in step with MatmulBench.SHAPES
SHAPES = [
    ("proj x·Wᵀ BT512", 1, 512, 1280, 640, 0, 1),
    ("proj x·Wᵀ BT2048", 1, 2048, 1280, 640, 0, 1),
    ("proj x·Wᵀ BT8192", 1, 8192, 1280, 640, 0, 1),
    ("proj x·Wᵀ N2560 K1280", 1, 8192, 2560, 1280, 0, 1),
    ("proj x·Wᵀ N768", 1, 4096, 768, 640, 0, 1),
    ("proj dX = dY·W", 1, 8192, 640, 1280, 0, 0),
    ("proj dW = dYᵀ·X", 1, 1280, 640, 8192, 1, 0),
    ("ALBERT FFN x·Wᵀ", 1, 512, 3072, 768, 0, 1),
    ("ALBERT dW = dYᵀ·X", 1, 3072, 768, 512, 1, 0),
    ("ALBERT attn QKᵀ 12 heads", 12, 512, 512, 64, 0, 1),
    ("conv W·cols Cout512 T43200", 1, 512, 43200, 1536, 0, 0),
    ("conv W·cols Cout256 B8·T43200", 1, 256, 345600, 768, 0, 0),
    ("conv W·cols K=1090·3 (unaligned)", 1, 1024, 8192, 3270, 0, 0),
    ("conv dCols = Wᵀ·dY", 1, 1536, 43200, 512, 1, 0),
    ("conv dW = dY·colsᵀ", 1, 512, 1536, 43200, 0, 1),
    ("mamba in_proj x·Wᵀ", 1, 8192, 2560, 640, 0, 1),
    ("mamba in_proj dW = dYᵀ·X", 1, 2560, 640, 8192, 1, 0),
    ("mamba x_proj x·Wᵀ N72", 1, 8192, 72, 1280, 0, 1),
    ("mamba x_proj dW N72", 1, 72, 1280, 8192, 1, 0),
    ("mamba dt_proj x·Wᵀ K40", 1, 8192, 1280, 40, 0, 1),
    ("linear M1", 1, 1, 1280, 640, 0, 1),
    ("linear M16", 1, 16, 1280, 640, 0, 1),
    ("linear M64", 1, 64, 2560, 640, 0, 1),
    ("linear M64 K1280", 1, 64, 640, 1280, 0, 1),
    ("batched 16×64×64×64", 16, 64, 64, 64, 0, 0),
]


def operand(batch, rows, cols, trans):
    """op(X) of shape [.., rows, cols]; stored [.., cols, rows] when trans."""
    shape = (cols, rows) if trans else (rows, cols)
    if batch > 1:
        shape = (batch,) + shape
    x = torch.randn(shape, device="cuda", dtype=torch.float32)
    return x.transpose(-1, -2) if trans else x


def time_ms(fn, reps):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    print("| shape | batch×M×N×K tA tB | torch TF32 TFLOP/s | torch FP32 TFLOP/s | TF32 median ms | FP32 median ms |")
    print("|---|---|---|---|---|---|")
    torch.manual_seed(1)
    for name, batch, m, n, k, ta, tb in SHAPES:
        a, b = operand(batch, m, k, ta), operand(batch, k, n, tb)
        out = torch.empty((batch, m, n) if batch > 1 else (m, n), device="cuda")
        flop = 2.0 * batch * m * n * k
        res = []
        for tf32 in (True, False):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            med, _ = time_ms(lambda: torch.matmul(a, b, out=out), reps)
            res.append(med)
        print(f"| {name} | {batch}×{m}×{n}×{k} {'T' if ta else 'N'} {'T' if tb else 'N'} | "
              f"{flop / (res[0] * 1e-3) / 1e12:.1f} | {flop / (res[1] * 1e-3) / 1e12:.1f} | {res[0]:.3f} | {res[1]:.3f} |")
        del a, b, out
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
