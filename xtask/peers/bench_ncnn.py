"""ncnn from the pnnx-converted model (blobs in0 -> out0), fp32 end to end: every fp16,
bf16 and int8 path is switched off so the numbers compare like with like."""
from common import parse_args, run, unavailable

args = parse_args(__doc__)
try:
    import ncnn
except ImportError as e:
    unavailable(f"import ncnn: {e}")

net = ncnn.Net()
opt = net.opt
opt.num_threads = args.threads
for flag in (
    "use_fp16_packed",
    "use_fp16_storage",
    "use_fp16_arithmetic",
    "use_bf16_storage",
    "use_bf16_packed",
    "use_int8_inference",
    "use_int8_packed",
    "use_int8_storage",
    "use_int8_arithmetic",
    "use_vulkan_compute",
):
    if hasattr(opt, flag):
        setattr(opt, flag, False)
base = args.model[: -len(".param")] if args.model.endswith(".param") else args.model
if net.load_param(base + ".param") != 0 or net.load_model(base + ".bin") != 0:
    unavailable(f"ncnn could not load {base}.param/.bin")


def infer(x):
    ex = net.create_extractor()
    ex.input("in0", ncnn.Mat(x[0]))
    ret, out = ex.extract("out0")
    if ret != 0:
        raise RuntimeError(f"ncnn extract returned {ret}")
    return out.numpy()


run(args, infer)
