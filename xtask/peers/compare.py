"""Print one JSON line {"rel_err": max|y - y_torch| / max|y_torch|} for an engine's output
(.npy, or the first array of an .npz) against PyTorch's reference .npy.

Usage: compare.py OUTPUT REFERENCE"""
import json
import sys

import numpy as np

out, ref = np.load(sys.argv[1]), np.load(sys.argv[2]).astype(np.float32)
if isinstance(out, np.lib.npyio.NpzFile):
    out = out[out.files[0]]
out = np.asarray(out, dtype=np.float32)
if out.size != ref.size:
    print(json.dumps({"error": f"output shape {out.shape}, expected {ref.shape}"}))
else:
    err = np.abs(out.reshape(ref.shape) - ref).max() / np.abs(ref).max()
    print(json.dumps({"rel_err": float(err)}))
