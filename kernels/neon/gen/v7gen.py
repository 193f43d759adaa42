# armv7 4-channel tile bodies: taps q0..q(K-1) (vldmia per kernel row), acc q5..q8, inputs q9..q15
def q(i): return f"q{i}"
def dpair(i): return f"d{2*i}-d{2*i+1}"
def tile(K, S):
    NI = 3*S + K
    lines = []
    def krow(first, last):
        out = []
        step = "%[rsl]" if last else "%[rsm]"
        out.append(f'"vldmia %[tp]!, {{d0-d{2*K-1}}}\\n\\t"')
        # loads: initial
        if NI == 6:
            out.append('"vldmia %[x]!, {d18-d25}\\n\\t" "vld1.32 {d26-d29}, [%[x]], ' + step + '\\n\\t"')
            late = {}
        else:
            out.append('"vldmia %[x]!, {d18-d31}\\n\\t"')
            late = {}
            if NI == 8: late[7] = f'"vld1.32 {{d18-d19}}, [%[x]], {step}\\n\\t"'
            if NI == 9: late[7] = f'"vld1.32 {{d18-d21}}, [%[x]], {step}\\n\\t"'
            if NI == 11:
                late[7] = '"vld1.32 {d18-d21}, [%[x]]!\\n\\t"'
                late[9] = f'"vld1.32 {{d22-d25}}, [%[x]], {step}\\n\\t"'
        for i in range(NI):
            if i in late: out.append(late[i])
            reg = 9 + (i if i < 7 else i - 7)
            ops = []
            for j in range(4):
                kx = i - S*j
                if 0 <= kx < K:
                    op = "vmul.f32" if (first and kx == 0) else "vfma.f32"
                    if op == "vmul.f32":
                        ops.append(f'"{op} q{5+j}, q{reg}, q{kx}\\n\\t"')
                    else:
                        ops.append(f'"{op} q{5+j}, q{reg}, q{kx}\\n\\t"')
            out.append(" ".join(ops))
        return out
    for ky in range(K):
        lines += krow(ky == 0, ky == K-1)
    return lines
for K, S in [(3,1),(3,2),(5,1),(5,2)]:
    print(f"#define V7_DW{K}S{S}_TILE \\")
    print(" \\\n".join("    " + l for l in tile(K, S)))
    print()
