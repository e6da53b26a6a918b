"""torch.nn.LSTM (cuDNN) at the shapes of dev.kokoro.cuda.LstmBench, same method: CUDA events around
each call, 5 warm-ups, median and min of the repeats. Forward runs with autograd on (a training forward);
fwd+bwd is forward plus backward of <y, dy> into x and every parameter. float32, TF32 off (PyTorch's
default for cuDNN RNNs is allow_tf32=True; both settings are printed when --tf32-too is given).

usage: python3 lstm_cudnn_bench.py [repeats] [--tf32-too]
"""
import sys
import torch

reps = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20
dev = "cuda"


def median_ms(fn):
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


print(f"device: {torch.cuda.get_device_name()} torch {torch.__version__} cudnn {torch.backends.cudnn.version()}")
print("| what | shape | fwd median ms | fwd min ms | fwd+bwd median ms | fwd+bwd min ms |")
print("|---|---|---|---|---|---|")
shapes = [(640, 1, 128), (640, 4, 128), (640, 16, 128), (640, 1, 256), (640, 16, 256),
          (640, 1, 512), (640, 4, 512), (640, 16, 512), (512, 16, 512)]
modes = [False, True] if "--tf32-too" in sys.argv else [False]
for tf32 in modes:
    torch.backends.cudnn.allow_tf32 = tf32
    for inp, b, t in shapes:
        torch.manual_seed(inp + b + t)
        lstm = torch.nn.LSTM(inp, 256, bidirectional=True, batch_first=True).to(dev)
        x = torch.randn(b, t, inp, device=dev, requires_grad=True)
        dy = torch.randn(b, t, 512, device=dev)

        def fwd():
            return lstm(x)[0]

        def fb():
            y = lstm(x)[0]
            y.backward(dy)

        mf = median_ms(fwd)
        mb = median_ms(fb)
        name = "cuDNN nn.LSTM" + (" (allow_tf32)" if tf32 else "")
        print(f"| {name} | In{inp} H256 bi B{b} T{t} | {mf[0]:.3f} | {mf[1]:.3f} | {mb[0]:.3f} | {mb[1]:.3f} |", flush=True)
