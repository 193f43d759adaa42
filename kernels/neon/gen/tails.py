# tail-tile macros: same loads as the full tile, FMAs only for accumulators j >= 4 - n
import sys
def a64_tile(K, S, n):
    lo = 4 - n
    rows = []
    for ky in range(K):
        if K == 3 and S == 1:
            loads = '"ldp q24, q25, [x16, #64]\\n\\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], %[rs]\\n\\t"'
        elif K == 3:
            loads = '"ldr q28, [x16, #128]\\n\\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\\n\\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\\n\\t"'
        elif S == 1:
            loads = '"ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\\n\\t" "ldr q4, [%[tp]], #16\\n\\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\\n\\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\\n\\t"'
        else:
            loads = '"ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\\n\\t" "ldr q4, [%[tp]], #16\\n\\t" "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\\n\\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], #64\\n\\t" "ld1 {v28.4s, v29.4s, v30.4s}, [x16], %[rsm]\\n\\t"'
        rows.append(loads)
        for kx in range(K):
            t = 3 * ky + kx if K == 3 else kx
            ops = []
            for j in range(lo, 4):
                op = "fmul" if ky == 0 and kx == 0 else "fmla"
                ops.append(f"{op} v{16+j}.4s, v{20+S*j+kx}.4s, v{t}.4s\\n\\t")
            rows.append('"' + "".join(ops) + '"')
    return rows
def a64_ep(n):
    lo = 4 - n
    d = {}
    d["BIAS"] = "".join(f"fadd v{16+j}.4s, v{16+j}.4s, v9.4s\\n\\t" for j in range(lo, 4))
    d["RELU"] = "".join(f"fmax v{16+j}.4s, v{16+j}.4s, v10.4s\\n\\t" for j in range(lo, 4))
    d["MIN6"] = "".join(f"fmin v{16+j}.4s, v{16+j}.4s, v11.4s\\n\\t" for j in range(lo, 4))
    return d
out = []
out.append("/* Tail tiles: the loads of the full tile, the FMAs of its last n accumulators only. */")
for K, S in [(3,1),(3,2),(5,1),(5,2)]:
    for n in (1,2,3):
        rows = a64_tile(K, S, n)
        out.append(f"#define A64_DW{K}S{S}_TAIL{n} \\\n" + " \\\n".join("    " + r for r in rows))
for n in (1,2,3):
    for k, v in a64_ep(n).items():
        out.append(f'#define A64_EP_{k}{n} "{v}"')
open('a64tails.txt','w').write("\n".join(out) + "\n")

def v7_tile(K, S, n):
    lo = 4 - n
    NI = 3*S + K
    out = []
    for ky in range(K):
        first = ky == 0; last = ky == K-1
        step = "%[rsl]" if last else "%[rsm]"
        out.append(f'"vldmia %[tp]!, {{d0-d{2*K-1}}}\\n\\t"')
        late = {}
        if NI == 6:
            out.append('"vldmia %[x]!, {d18-d25}\\n\\t" "vld1.32 {d26-d29}, [%[x]], ' + step + '\\n\\t"')
        else:
            out.append('"vldmia %[x]!, {d18-d31}\\n\\t"')
            if NI == 8: late[7] = f'"vld1.32 {{d18-d19}}, [%[x]], {step}\\n\\t"'
            if NI == 9: late[7] = f'"vld1.32 {{d18-d21}}, [%[x]], {step}\\n\\t"'
            if NI == 11:
                late[7] = '"vld1.32 {d18-d21}, [%[x]]!\\n\\t"'
                late[9] = f'"vld1.32 {{d22-d25}}, [%[x]], {step}\\n\\t"'
        for i in range(NI):
            if i in late: out.append(late[i])
            reg = 9 + (i if i < 7 else i - 7)
            ops = []
            for j in range(lo, 4):
                kx = i - S*j
                if 0 <= kx < K:
                    op = "vmul.f32" if (first and kx == 0) else "vfma.f32"
                    ops.append(f'"{op} q{5+j}, q{reg}, q{kx}\\n\\t"')
            if ops: out.append(" ".join(ops))
    return out
out = ["/* Tail tiles: the loads of the full tile, the FMAs of its last n accumulators only. */"]
for K, S in [(3,1),(3,2),(5,1),(5,2)]:
    for n in (1,2,3):
        out.append(f"#define V7_DW{K}S{S}_TAIL{n} \\\n" + " \\\n".join("    " + r for r in v7_tile(K, S, n)))
for n in (1,2,3):
    lo = 4 - n
    out.append(f'#define V7_EP_BIAS{n}(TT) "vldmia %[tp], {{d0-d5}}\\n\\tsub %[tp], %[tp], #" TT "\\n\\t" "' + "".join(f"vadd.f32 q{5+j}, q{5+j}, q0\\n\\t" for j in range(lo,4)) + '"')
    out.append(f'#define V7_EP_RELU{n} "' + "".join(f"vmax.f32 q{5+j}, q{5+j}, q1\\n\\t" for j in range(lo,4)) + '"')
    out.append(f'#define V7_EP_MIN6{n} "' + "".join(f"vmin.f32 q{5+j}, q{5+j}, q2\\n\\t" for j in range(lo,4)) + '"')
open('v7tails.txt','w').write("\n".join(out) + "\n")
