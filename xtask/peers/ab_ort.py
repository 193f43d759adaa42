"""ghostrt (through its C API, with ctypes) and ONNX Runtime in one process, alternating run
by run, so both see the same machine state; on a shared VM whose speed changes within
seconds this is closer than rounds in separate processes (`cargo xtask peers`).

usage: ab_ort.py LIB MODEL_DIR [RUNS] [THREADS]
  LIB        a shared ghostrt: cargo build --release --lib, then
             gcc -shared -o libghostrt.so -Wl,--whole-archive target/release/libghostrt.a \
                 -Wl,--no-whole-archive -lpthread -ldl -lm
  MODEL_DIR  a model folder of `cargo xtask peers` (target/peers/<model>: model.grt,
             model.onnx, input.npy, reference.npy)
One thread only: ONNX Runtime's spinning pool takes the second core from ghostrt's worker,
so a 2-thread comparison in one process measures that, not the engines."""
import ctypes, sys, time
import numpy as np, onnxruntime as ort
lib_path, d = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 200
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
lib = ctypes.CDLL(lib_path)
class Opts(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_uint32), ("input_height", ctypes.c_uint32),
                ("input_width", ctypes.c_uint32), ("tlsc_window", ctypes.c_uint32)]
lib.ghostrt_session_options_default.restype = Opts
model = ctypes.c_void_p(); sess = ctypes.c_void_p()
assert lib.ghostrt_model_load((d + "/model.grt").encode(), ctypes.byref(model)) == 0
o = lib.ghostrt_session_options_default(); o.num_threads = threads
assert lib.ghostrt_session_new(model, ctypes.byref(o), ctypes.byref(sess)) == 0
x = np.ascontiguousarray(np.load(d + "/input.npy").astype(np.float32))
ref = np.load(d + "/reference.npy")
y = np.zeros(ref.size, np.float32)
fp = ctypes.POINTER(ctypes.c_float)
def g():
    st = lib.ghostrt_session_run(sess, x.ctypes.data_as(fp), ctypes.c_size_t(x.size), y.ctypes.data_as(fp), ctypes.c_size_t(y.size))
    assert st == 0
so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
s = ort.InferenceSession(d + "/model.onnx", so, providers=["CPUExecutionProvider"])
name = s.get_inputs()[0].name
def r(): return s.run(None, {name: x})[0]
g(); print("ghostrt err", np.abs(y - ref.ravel()).max() / np.abs(ref).max())
print("ort err", np.abs(r().ravel() - ref.ravel()).max() / np.abs(ref).max())
for _ in range(5): g(); r()
tg, to = [], []
for i in range(runs):
    for f, t in ((g, tg), (r, to)) if i % 2 == 0 else ((r, to), (g, tg)):
        t0 = time.perf_counter(); f(); t.append((time.perf_counter() - t0) * 1e3)
tg, to = np.array(tg), np.array(to)
ratio = tg / to
q = np.argsort(to); lo, hi = q[:len(q)//3], q[-len(q)//3:]
print(f"fast third of ORT runs: ghostrt/ort {np.median(ratio[lo]):.3f} (ort {np.median(to[lo]):.2f}); slow third: {np.median(ratio[hi]):.3f} (ort {np.median(to[hi]):.2f})")
np.save("/tmp/ab/last.npy", np.stack([tg, to]))
print(f"{d.split('/')[-1]} threads {threads}: ghostrt median {np.median(tg):.3f} min {tg.min():.3f} | ort median {np.median(to):.3f} min {to.min():.3f} | ratio of medians {np.median(tg)/np.median(to):.3f}, median of pair ratios {np.median(ratio):.3f}")
