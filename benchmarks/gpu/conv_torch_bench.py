"""PyTorch (cuDNN, TF32 allowed as by default for convolutions) timings of the same convolution shapes as
dev.kokoro.cuda.ConvCudaBench, on the same machine: forward, input gradient, weight gradient, each through
aten.convolution_backward with one output mask. CUDA events, warm-up, median of repeats."""
import sys
import torch

torch.backends.cudnn.allow_tf32 = True
torch.backends.cudnn.benchmark = True
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
# name, B, Cin, Cout, T, K, stride, padding, dilation, groups, transposed, output_padding (as ConvCudaBench.SHAPES)
SHAPES = [
    ("resblock 256 K3 d1", 1, 256, 256, 7200, 3, 1, 1, 1, 1, 0, 0),
    ("resblock 256 K7 d3", 1, 256, 256, 7200, 7, 1, 9, 3, 1, 0, 0),
    ("resblock 256 K11 d5", 1, 256, 256, 7200, 11, 1, 25, 5, 1, 0, 0),
    ("resblock 128 K3 d1", 1, 128, 128, 43200, 3, 1, 1, 1, 1, 0, 0),
    ("resblock 128 K7 d3", 1, 128, 128, 43200, 7, 1, 9, 3, 1, 0, 0),
    ("resblock 128 K11 d5", 1, 128, 128, 43200, 11, 1, 25, 5, 1, 0, 0),
    ("decoder 1090->1024 K3", 1, 1090, 1024, 360, 3, 1, 1, 1, 1, 0, 0),
    ("noise_conv 22->256 K12 s6", 1, 22, 256, 43201, 12, 6, 3, 1, 1, 0, 0),
    ("conv_post 128->22 K7", 1, 128, 22, 43200, 7, 1, 3, 1, 1, 0, 0),
    ("text encoder 512 K5", 1, 512, 512, 512, 5, 1, 2, 1, 1, 0, 0),
    ("ups0 convT 512->256 K20 s10", 1, 512, 256, 720, 20, 10, 5, 1, 1, 1, 0),
    ("ups1 convT 256->128 K12 s6", 1, 256, 128, 7200, 12, 6, 3, 1, 1, 1, 0),
    ("upsample dw convT 512 K3 s2", 1, 512, 512, 360, 3, 2, 1, 1, 512, 1, 1),
    ("resblock 256 K7 d3 B4", 4, 256, 256, 7200, 7, 1, 9, 3, 1, 0, 0),
    ("PEFT decoder 1090->1024 K3 B8", 8, 1090, 1024, 256, 3, 1, 1, 1, 1, 0, 0),
    ("PEFT decode 1090->512 K3 B8", 8, 1090, 512, 512, 3, 1, 1, 1, 1, 0, 0),
    ("PEFT F0 512->512 K3 B8", 8, 512, 512, 512, 3, 1, 1, 1, 1, 0, 0),
    ("PEFT resblock 256 K7 d3 B8", 8, 256, 256, 5120, 7, 1, 9, 3, 1, 0, 0),
    ("PEFT resblock 128 K11 d5 B8", 8, 128, 128, 30720, 11, 1, 25, 5, 1, 0, 0),
    ("PEFT ups1 convT 256->128 K12 s6 B8", 8, 256, 128, 5120, 12, 6, 3, 1, 1, 1, 0),
    ("PEFT noise_conv 22->256 K12 s6 B8", 8, 22, 256, 30721, 12, 6, 3, 1, 1, 0, 0),
]


def timeit(f):
    for _ in range(5):
        f()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        f()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[len(ts) // 2], ts[0]


print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, cudnn {torch.backends.cudnn.version()}, TF32 {torch.backends.cudnn.allow_tf32}")
print("| conv (PyTorch) | shape (x) | pass | median ms | min ms | TFLOP/s (median) |")
print("|---|---|---|---|---|---|")
for name, B, cin, cout, T, K, s, p, d, g, tr, op in SHAPES:
    x = torch.randn(B, cin, T, device="cuda")
    w = torch.randn(*((cin, cout // g, K) if tr else (cout, cin // g, K)), device="cuda") * 0.05
    bias = torch.randn(cout, device="cuda") * 0.1
    if tr:
        fwd = lambda: torch.nn.functional.conv_transpose1d(x, w, bias, s, p, op, g, d)
    else:
        fwd = lambda: torch.nn.functional.conv1d(x, w, bias, s, p, d, g)
    y = fwd()
    gy = torch.randn_like(y)
    tout = y.shape[2]
    flops = 2.0 * B * cout * (cin // g) * K * (T if tr else tout)
    shape = f"B{B} {cin}x{T} -> {cout}x{tout}"

    def bwd(mask):
        return lambda: torch.ops.aten.convolution_backward(gy, x, w, [cout], [s], [p], [d], bool(tr), [op], g, mask)

    for pass_name, f in (("forward", fwd), ("grad input", bwd([True, False, False])), ("grad weight", bwd([False, True, False]))):
        med, mn = timeit(f)
        print(f"| {name} | {shape} | {pass_name} | {med:.4f} | {mn:.4f} | {flops / (med * 1e-3) / 1e12:.1f} |")
