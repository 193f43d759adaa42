"""MNN (Interpreter/Session API) on the CPU backend, fp32 ("normal" precision), `threads`
threads, from the model converted with MNNConvert."""
import numpy as np

from common import parse_args, run, unavailable

args = parse_args(__doc__)
try:
    import MNN
except ImportError as e:
    unavailable(f"import MNN: {e}")

interp = MNN.Interpreter(args.model)
session = interp.createSession({"backend": "CPU", "numThread": args.threads, "precision": "normal"})
inp = interp.getSessionInput(session)
out = interp.getSessionOutput(session)


def infer(x):
    host_in = MNN.Tensor(x.shape, MNN.Halide_Type_Float, x, MNN.Tensor_DimensionType_Caffe)
    inp.copyFrom(host_in)
    interp.runSession(session)
    shape = out.getShape()
    host_out = MNN.Tensor(shape, MNN.Halide_Type_Float, np.zeros(shape, np.float32), MNN.Tensor_DimensionType_Caffe)
    out.copyToHostTensor(host_out)
    return host_out.getNumpyData()


run(args, infer)
