"""ONNX Runtime on the CPU execution provider: `threads` intra-op threads, one inter-op
thread, sequential execution, all graph optimizations (what a tuned deployment uses)."""
from common import parse_args, run, unavailable

args = parse_args(__doc__)
try:
    import onnxruntime as ort
except ImportError as e:
    unavailable(f"import onnxruntime: {e}")

so = ort.SessionOptions()
so.intra_op_num_threads = args.threads
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
name = sess.get_inputs()[0].name

run(args, lambda x: sess.run(None, {name: x})[0])
