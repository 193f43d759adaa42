"""Regenerate the real-PyTorch fixtures that tests/import.rs checks.

Run from the repository root with a Python that has torch (and optionally safetensors):
    python tests/data/import/make_import_data.py
Every value is a simple formula of its index so the Rust test can recompute it exactly.
The outputs are committed; rerunning must reproduce the same tensors (zip bytes may differ
between torch versions).
"""
import collections
import os

import torch

OUT = os.path.dirname(os.path.abspath(__file__))


def ramp(n, scale=0.25, bias=-1.0, dtype=torch.float32):
    """value[i] = i * scale + bias, exact in every float type used here."""
    return (torch.arange(n, dtype=torch.float64) * scale + bias).to(dtype)


def save(obj, name):
    torch.save(obj, os.path.join(OUT, name))


def main():
    torch.manual_seed(0)

    # A real nn.Module state_dict: OrderedDict with _metadata, BatchNorm buffers including the
    # int64 num_batches_tracked, and a float64 tensor.
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 2), torch.nn.BatchNorm2d(2))
    with torch.no_grad():
        m[0].weight.copy_(ramp(24).reshape(2, 3, 2, 2))
        m[0].bias.copy_(torch.tensor([0.5, -1.25]))
        m[1].weight.copy_(torch.tensor([1.0, 2.0]))
        m[1].bias.copy_(torch.tensor([0.0, -0.5]))
        m[1].running_mean.copy_(torch.tensor([0.125, 0.25]))
        m[1].running_var.copy_(torch.tensor([4.0, 9.0]))
        m[1].num_batches_tracked.fill_(7)
    sd = m.state_dict()
    sd["extra.double"] = ramp(5, 0.5, 0.0, torch.float64)
    save(sd, "fp32.pt")

    # Half and bfloat16, including values that need care: a subnormal half, max half, -0.
    half = torch.tensor([1.0, -2.5, 65504.0, 2.0**-24, -0.0, 0.099975586], dtype=torch.float16)
    bf = torch.tensor([1.0, -2.5, 3.0e38, 2.0**-130, -0.0, 0.099609375], dtype=torch.bfloat16)
    save(collections.OrderedDict([("half", half), ("bf16", bf)]), "halves.pt")

    # Views: a transpose (strides (1, 4)), a slice with a storage offset, and a column with
    # a non-unit stride; all share one 12-element storage that torch.save writes once.
    base = ramp(12, 1.0, 0.0)
    grid = base.reshape(3, 4)
    save(
        {"t": grid.t(), "slice": base[3:7], "col": grid[:, 1], "base": base},
        "strided.pt",
    )

    # A training checkpoint with the weights nested under "state_dict" and a DataParallel
    # "module." prefix, next to an optimizer state and plain Python values.
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(ramp(6, 0.5, -1.0).reshape(2, 3))
        lin.bias.copy_(torch.tensor([0.25, -0.75]))
    opt = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    lin(torch.ones(1, 3)).sum().backward()
    opt.step()
    with torch.no_grad():
        lin.weight.copy_(ramp(6, 0.5, -1.0).reshape(2, 3))
        lin.bias.copy_(torch.tensor([0.25, -0.75]))
    state = {"module." + k: v for k, v in lin.state_dict().items()}
    save(
        {"epoch": 5, "best_acc": 71.25, "arch": "linear", "state_dict": state,
         "optimizer": opt.state_dict()},
        "nested.pt",
    )

    # Pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE) and an
    # nn.Parameter, which pickles through torch._utils._rebuild_parameter.
    torch.save(
        {"p": torch.nn.Parameter(ramp(4, 2.0, 1.0)), "buf": ramp(3, -1.0, 0.0)},
        os.path.join(OUT, "proto4.pt"),
        pickle_protocol=4,
    )

    # The pre-1.6 format (a bare pickle stream), which the reader refuses with a hint.
    torch.save({"w": ramp(2)}, os.path.join(OUT, "legacy.pt"),
               _use_new_zipfile_serialization=False)

    try:
        from safetensors.torch import save_file
    except ImportError:
        print("safetensors not installed; skipping model.safetensors")
    else:
        save_file(
            {
                "a.f32": ramp(6, 0.25, -1.0).reshape(2, 3),
                "b.f16": ramp(4, 0.5, -1.0, torch.float16),
                "c.bf16": ramp(4, 0.5, -1.0, torch.bfloat16),
                "d.i64": torch.arange(3, dtype=torch.int64),
            },
            os.path.join(OUT, "model.safetensors"),
            metadata={"format": "pt"},
        )


if __name__ == "__main__":
    main()
