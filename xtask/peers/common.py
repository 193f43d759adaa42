"""Shared by the bench_<engine>.py scripts: arguments, the timing loop and the JSON line.

Every bench script runs one engine in its own process with one session kept alive: it loads
the model, runs the fixed input once to check the output against PyTorch's, warms up, then
times `runs` single inferences (input in, output out, as a user would call the engine) and
prints one JSON line on stdout, last: {"median_ms", "min_ms", "runs", "rel_err"}, or
{"error"}. Timing stops early after --max-seconds (and at least 10 runs).
rel_err is max|y - y_torch| / max|y_torch| on that first run.
"""
import argparse
import json
import sys
import time

import numpy as np


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("model", help="model file (the engine's own format)")
    p.add_argument("--input", required=True, help="float32 NCHW .npy")
    p.add_argument("--reference", required=True, help="PyTorch output .npy for --input")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--max-seconds", type=float, default=30.0,
                   help="stop timing after this much (at least 10 runs): bounds a run on a loaded machine")
    return p.parse_args()


def run(args, infer):
    """`infer(x) -> y` is one inference on a float32 NCHW array; prints the JSON line."""
    x = np.load(args.input).astype(np.float32)
    ref = np.load(args.reference).astype(np.float32)
    y = np.asarray(infer(x), dtype=np.float32).reshape(ref.shape)
    rel_err = float(np.abs(y - ref).max() / np.abs(ref).max())
    for _ in range(args.warmup):
        infer(x)
    times = []
    for _ in range(max(args.runs, 1)):
        t = time.perf_counter()
        infer(x)
        times.append((time.perf_counter() - t) * 1e3)
        if sum(times) > args.max_seconds * 1e3 and len(times) >= 10:
            break
    times.sort()
    emit({"median_ms": times[len(times) // 2], "min_ms": times[0], "runs": len(times), "rel_err": rel_err})


def emit(obj):
    sys.stdout.flush()
    print(json.dumps(obj), flush=True)


def unavailable(reason):
    """The engine cannot run here: say why, in the same one-line JSON protocol."""
    emit({"error": reason})
    sys.exit(0)
