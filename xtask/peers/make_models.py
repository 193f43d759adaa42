#!/usr/bin/env python3
"""Build the models that `cargo xtask peers` benchmarks, one folder per model under OUT:

  state_dict.pth      train-form timm state_dict (ghostrt packs it: its offline planner fuses)
  model.onnx          deploy form (RepGhostNet after timm's convert_to_deploy), opset 17,
                      batch 1, 3x224x224, for ONNX Runtime, tract and MNN
  model.ncnn.param/.bin  the same deploy model through pnnx, fp32 weights, for ncnn
  model.mnn           model.onnx through MNNConvert, fp32 weights
  input.npy, reference.npy  one random input and PyTorch's fp32 output (train form, eval)
  input.npz           the same input for tract's CLI (array named after the ONNX input)
  status.json         which artifacts exist, and why any could not be made

Weights are random with non-trivial BatchNorm statistics (`randomize` from
tests/fixtures/make_fixtures.py), 1000 classes: the point is speed, and a random network has
the same cost as a trained one.

Usage: make_models.py --out DIR --models repghostnet_050,ghostnet_100
"""
import argparse
import contextlib
import copy
import json
import os
import sys
import traceback

import numpy as np
import timm
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from make_fixtures import randomize  # noqa: E402

H = W = 224
OPSET = 17


def export_onnx(model, x, path):
    torch.onnx.export(model, (x,), path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], dynamo=False)


def export_ncnn(model, x, d):
    import pnnx

    # pnnx writes model.ncnn.param/.bin and several side files next to model.pt; fp16=False
    # keeps fp32 weights in the .bin.
    with contextlib.redirect_stdout(sys.stderr):
        pnnx.export(model, os.path.join(d, "model.pt"), (x,), fp16=False)
    for side in ("model.pt", "model.pnnx.bin", "model.pnnx.param", "model.pnnx.onnx",
                 "model_pnnx.py", "model_ncnn.py"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(d, side))
    if not os.path.exists(os.path.join(d, "model.ncnn.param")):
        raise RuntimeError("pnnx wrote no model.ncnn.param")


def export_mnn(onnx_path, mnn_path):
    # The converter itself, not the `mnnconvert` console script: that wrapper sends telemetry
    # and pip-installs a logging SDK into whatever `pip` is on PATH.
    import _tools

    _tools.mnnconvert(["mnnconvert", "-f", "ONNX", "--modelFile", onnx_path,
                       "--MNNModel", mnn_path, "--bizCode", "ghostrt-peers"])
    if not os.path.exists(mnn_path):
        raise RuntimeError("MNNConvert wrote no model")


def build(name, out, seed):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    model = timm.create_model(name, pretrained=False, num_classes=1000)
    randomize(model, gen)
    model.eval()
    torch.save(model.state_dict(), os.path.join(d, "state_dict.pth"))
    x = torch.randn(1, 3, H, W, generator=gen)
    with torch.no_grad():
        ref = model(x)
    np.save(os.path.join(d, "input.npy"), x.numpy())
    np.savez(os.path.join(d, "input.npz"), input=x.numpy())
    np.save(os.path.join(d, "reference.npy"), ref.numpy())

    deploy = copy.deepcopy(model)
    if hasattr(deploy, "convert_to_deploy"):
        deploy.convert_to_deploy()
    deploy.eval()
    status = {"model": name, "deploy_form": hasattr(model, "convert_to_deploy"), "errors": {}}
    with torch.no_grad():
        status["deploy_vs_train_rel_err"] = float((deploy(x) - ref).abs().max() / ref.abs().max())
    steps = [
        ("onnx", lambda: export_onnx(deploy, x, os.path.join(d, "model.onnx"))),
        ("ncnn", lambda: export_ncnn(deploy, x, d)),
        ("mnn", lambda: export_mnn(os.path.join(d, "model.onnx"), os.path.join(d, "model.mnn"))),
    ]
    for what, step in steps:
        if what == "mnn" and "onnx" in status["errors"]:
            status["errors"]["mnn"] = "no ONNX model to convert"
            continue
        try:
            with torch.no_grad():
                step()
        except Exception as e:  # one failed export takes out one engine, not the run
            traceback.print_exc()
            status["errors"][what] = f"{type(e).__name__}: {e}".splitlines()[0][:200]
    with open(os.path.join(d, "status.json"), "w") as f:
        json.dump(status, f, indent=1)
    print(f"{name}: built in {d}; deploy vs train rel err {status['deploy_vs_train_rel_err']:.2e};"
          f" export errors: {status['errors'] or 'none'}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--models", required=True, help="comma-separated timm names")
    a = p.parse_args()
    torch.manual_seed(0)
    for name in a.models.split(","):
        build(name, a.out, 2000 + sum(map(ord, name)))


if __name__ == "__main__":
    main()
