"""Times mamba-ssm's own selective-scan CUDA kernel (selective_scan_cuda.fwd / .bwd, called directly,
no autograd) at the shapes of dev.kokoro.cuda.ScanBench, with the same method: CUDA events, 5 warm-ups,
median of 30 calls. Builds the extension from mamba-ssm's csrc/selective_scan (fetched, carried, never
committed) for sm_90, float32 only: the dispatch macros of selective_scan.cpp are narrowed to float
in a temporary copy so that only selective_scan_fwd_fp32.cu and selective_scan_bwd_fp32_real.cu compile.

usage: python3 mamba_ssm_bench.py CSRC_SELECTIVE_SCAN_DIR BUILD_DIR   (build only with --build-only)
"""
import os, re, shutil, sys, time

src, build = sys.argv[1], sys.argv[2]
build_only = "--build-only" in sys.argv
os.makedirs(build, exist_ok=True)
os.environ.setdefault("TORCH_CUDA_ARCH_LIST", "9.0")
os.environ.setdefault("MAX_JOBS", "16")
import torch
from torch.utils.cpp_extension import load

work = os.path.join(build, "src")
if not os.path.isdir(work):
    shutil.copytree(src, work)
    cpp = os.path.join(work, "selective_scan.cpp")
    text = open(cpp).read()
    narrowed = '''
#undef DISPATCH_ITYPE_FLOAT_AND_HALF_AND_BF16
#define DISPATCH_ITYPE_FLOAT_AND_HALF_AND_BF16(ITYPE, NAME, ...) \\
    if (ITYPE == at::ScalarType::Float) { using input_t = float; __VA_ARGS__(); } \\
    else { AT_ERROR(#NAME, " built for float32 only"); }
#undef DISPATCH_WTYPE_FLOAT_AND_COMPLEX
#define DISPATCH_WTYPE_FLOAT_AND_COMPLEX(WTYPE, NAME, ...) \\
    if (WTYPE == at::ScalarType::Float) { using weight_t = float; __VA_ARGS__(); } \\
    else { AT_ERROR(#NAME, " built for real float32 weights only"); }
'''
    anchor = "template<typename input_t, typename weight_t>\nvoid selective_scan_fwd_cuda"
    assert anchor in text, "selective_scan.cpp layout changed"
    open(cpp, "w").write(text.replace(anchor, narrowed + anchor, 1))

t0 = time.time()
ext = load(name="selective_scan_cuda", build_directory=build, verbose=False,
           sources=[os.path.join(work, f) for f in ("selective_scan.cpp", "selective_scan_fwd_fp32.cu", "selective_scan_bwd_fp32_real.cu")],
           extra_cflags=["-O3", "-std=c++17"],
           extra_cuda_cflags=["-O3", "-std=c++17", "--expt-relaxed-constexpr", "--expt-extended-lambda", "--use_fast_math",
                              "-lineinfo", "-gencode=arch=compute_90,code=sm_90"])
print(f"mamba-ssm selective_scan_cuda built in {time.time() - t0:.0f} s", flush=True)
if build_only:
    sys.exit(0)

def median_ms(fn, reps=30):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[reps // 2], ts[0]

dev = "cuda"
print(f"device: {torch.cuda.get_device_name()} torch {torch.__version__}")
print("| what | shape | median ms | min ms |")
print("|---|---|---|---|")
for bt in (16, 64):
    d, n, l = 1280, 16, 512
    g = torch.Generator(device=dev).manual_seed(bt)
    r = lambda *s, scale=1.0: torch.randn(*s, device=dev, generator=g) * scale
    u, delta, z, dout = r(bt, d, l), r(bt, d, l, scale=0.5), r(bt, d, l), r(bt, d, l)
    A = -torch.arange(1, n + 1, device=dev, dtype=torch.float32).repeat(d, 1).contiguous()
    B, C = r(bt, 1, n, l), r(bt, 1, n, l)
    D, bias = r(d), r(d, scale=0.3)
    shape = f"B{bt} D{d} N{n} L{l}"
    fwd = lambda: ext.fwd(u, delta, A, B, C, D, z, bias, True)
    m = median_ms(fwd)
    print(f"| mamba-ssm fwd | {shape} | {m[0]:.4f} | {m[1]:.4f} |", flush=True)
    def fb():
        out, x, *rest = ext.fwd(u, delta, A, B, C, D, z, bias, True)
        ext.bwd(u, delta, A, B, C, D, z, bias, dout, x, out, None, True, False)
    m = median_ms(fb)
    print(f"| mamba-ssm fwd+bwd | {shape} | {m[0]:.4f} | {m[1]:.4f} |", flush=True)
