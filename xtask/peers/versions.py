"""Print one JSON line: the version of each Python package the peers benchmark uses, or
"not available: <import error>" for one that does not import."""
import importlib
import json
import os
import sys

PACKAGES = {"torch": "torch", "timm": "timm", "numpy": "numpy", "onnx": "onnx",
            "onnxruntime": "onnxruntime", "ncnn": "ncnn", "pnnx": "pnnx", "MNN": "MNN"}

out = {}
for name, module in PACKAGES.items():
    try:
        # MNN prints a CPU feature line on import; keep stdout for the JSON.
        saved = os.dup(1)
        os.dup2(2, 1)
        try:
            m = importlib.import_module(module)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        v = m.version() if name == "MNN" else getattr(m, "__version__", "unknown")
        out[name] = str(v)
    except Exception as e:
        out[name] = f"not available: {type(e).__name__}: {e}".splitlines()[0]
print(json.dumps(out))
