#!/usr/bin/env python3
"""PyTorch side of the CPU synthesis comparison: the real-size Kokoro (random weights) built and timed
exactly as ../shared/anchors/pytorch_anchor.py does (120 tokens, ~360 frames), at the given thread counts.

PYTHONPATH=<dir with kokoro/ (hexgrad/kokoro), loguru/ stub> REF_DIR=<dir with config.json> \
    python3 pytorch_cpu_synth.py 2 16
WARMUP (default 1) untimed runs, then REPS (default 3) timed ones per thread count, the median reported: keep
them equal to SynthBench's --warmup / --reps (benchmarks/device/side_by_side.sh passes the same to both).
Prints one line per thread count and a JSON line at the end.
"""
import json, os, sys, time
import torch
import torch.nn as nn
import kokoro.istftnet as istftnet
import kokoro.modules as kmodules
import kokoro.model as kmodel

cfg = json.load(open(os.path.join(os.environ.get("REF_DIR", "."), "config.json"), encoding="utf-8"))


class KM(nn.Module):
    @property
    def device(self):
        return next(self.parameters()).device


def build():
    torch.manual_seed(0)
    m = KM()
    m.bert = kmodules.CustomAlbert(kmodel.AlbertConfig(vocab_size=cfg["n_token"], **cfg["plbert"]))
    m.bert_encoder = nn.Linear(cfg["plbert"]["hidden_size"], cfg["hidden_dim"])
    m.predictor = kmodules.ProsodyPredictor(style_dim=cfg["style_dim"], d_hid=cfg["hidden_dim"], nlayers=cfg["n_layer"],
                                            max_dur=cfg["max_dur"], dropout=cfg["dropout"])
    m.text_encoder = kmodules.TextEncoder(channels=cfg["hidden_dim"], kernel_size=cfg["text_encoder_kernel_size"],
                                          depth=cfg["n_layer"], n_symbols=cfg["n_token"])
    m.decoder = istftnet.Decoder(dim_in=cfg["hidden_dim"], style_dim=cfg["style_dim"], dim_out=cfg["n_mels"], **cfg["istftnet"])
    with torch.no_grad():
        m.predictor.duration_proj.linear_layer.weight.mul_(0.05)
        m.predictor.duration_proj.linear_layer.bias.fill_(-2.6)
    return m.eval()


m = build()
g = torch.Generator().manual_seed(1)
T = 120
ids = torch.randint(1, 178, (1, T), generator=g); ids[0, 0] = 0; ids[0, -1] = 0
ref_s = torch.randn(1, 256, generator=g) * 0.1
WARMUP, REPS = int(os.environ.get("WARMUP", "1")), int(os.environ.get("REPS", "3"))
res = {"torch": torch.__version__, "warmup": WARMUP, "reps": REPS}
for threads in [int(a) for a in sys.argv[1:]] or [2, 16]:
    torch.set_num_threads(threads)
    with torch.no_grad():
        for _ in range(max(1, WARMUP)):
            audio, dur = kmodel.KModel.forward_with_tokens(m, ids, ref_s, 1.0)
        ts = []
        for _ in range(REPS):
            t = time.perf_counter()
            kmodel.KModel.forward_with_tokens(m, ids, ref_s, 1.0)
            ts.append(time.perf_counter() - t)
    t = sorted(ts)[REPS // 2]
    res[f"cpu_{threads}t_runs_s"] = ts
    secs = audio.numel() / 24000
    res[f"cpu_{threads}t_s"] = t
    print(f"pytorch synth cpu {threads} threads: runs " + " ".join(f"{x:.3f}" for x in ts) + " s", flush=True)
    print(f"pytorch synth cpu {threads} threads: {t*1000:.0f} ms (median of {REPS} after {WARMUP} warm-up) for {secs:.2f} s audio ({T} tokens, {int(dur.sum())} frames), RTF {t/secs:.4f}", flush=True)
print("JSON", json.dumps(res))
