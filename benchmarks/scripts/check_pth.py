#!/usr/bin/env python3
"""Loads a checkpoint written by dev.kokoro.engine.io.Pth.write with torch.load(weights_only=True)
and prints every tensor's name, shape, dtype and sum (float64), so the Java side can be compared.

usage: check_pth.py FILE.pth [REFERENCE.pth]
With a REFERENCE (e.g. the torch-written original), also checks that both hold the same names,
shapes, dtypes and bitwise-equal values, and exits 1 if not.
"""
import sys

import torch


def walk(obj, prefix=""):
    if isinstance(obj, torch.Tensor):
        yield prefix, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        raise TypeError(f"{prefix}: unexpected {type(obj).__name__}")


def load(path):
    return dict(walk(torch.load(path, map_location="cpu", weights_only=True)))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    tensors = load(sys.argv[1])
    for name, t in tensors.items():
        print(f"{name}\t{list(t.shape)}\t{t.dtype}\t{t.double().sum().item():.17g}")
    print(f"# {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} elements")
    if len(sys.argv) == 3:
        ref = load(sys.argv[2])
        bad = [n for n in ref if n not in tensors] + [n for n in tensors if n not in ref]
        for n, r in ref.items():
            t = tensors.get(n)
            if t is not None and (t.shape != r.shape or t.dtype != r.dtype or not torch.equal(t, r)):
                bad.append(n)
        print(f"# compared with {sys.argv[2]}: {'identical' if not bad else 'DIFFERENT: ' + ', '.join(bad[:20])}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
