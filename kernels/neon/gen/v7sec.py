import subprocess
tiles = subprocess.run(['python3','v7gen.py'],capture_output=True,text=True).stdout
def lanes(regs_lo, n):  # regs: list of d-register numbers (low halves)
    lo = ", ".join(f"d{r}[0]" for r in regs_lo[:n]); lo1 = ", ".join(f"d{r}[1]" for r in regs_lo[:n])
    hi = ", ".join(f"d{r+1}[0]" for r in regs_lo[:n]); hi1 = ", ".join(f"d{r+1}[1]" for r in regs_lo[:n])
    return [lo, lo1, hi, hi1]
def ldst(ins, ptr, regs, n):
    L = lanes(regs, n)
    s = []
    for i, l in enumerate(L):
        step = "%[ps]" if i < 3 else "%[psb]"
        s.append(f'"{ins}.32 {{{l}}}, [%[{ptr}]], {step}\\n\\t"')
    return s
out = []
out.append('''#ifndef __aarch64__
/* armv7: 16 q registers. The tile keeps the K taps of one kernel row in q0..q(K-1) (one
 * VLDM per kernel row, tp stepping through the taps), the accumulators in q5..q8 (the VST4
 * tuple d10..d17) and streams the (4 - 1) S + K pixel vectors of a kernel row through
 * q9..q15: one VLDM of 7 (3x3 s1: 4) vectors, then the rest with VLD1 after the vectors they
 * replace are used (each input's FMAs follow its load, so an accumulator still sums its taps
 * in (ky, kx) order). The last load of a kernel row steps x to the next buffer row (rsm) or,
 * in the last kernel row, back to the next tile (rsl). Per tile and kernel row: 1 tap load,
 * 2 (3x3: 2, 5x5 s1: 2, 5x5 s2: 3) input loads, 4 K VFMA.
 * Generated: each input i (in q9 + i, i >= 7 in q9 + i - 7) feeds the accumulators j with
 * 0 <= i - S j < K, tap kx = i - S j (VMUL for the first tap of the tile). */''')
out.append(tiles.rstrip())
out.append('''
/* Epilogue on q5..q8: the bias, 0 and 6 after the taps (tp is then at them; it steps back
 * by TT = 16 K K bytes), residual (4 planes transposed by VLD4 into q9..q12), ReLU / ReLU6,
 * the VST4 store to the 4 output planes. Residual and output pointers step by the plane
 * stride ps and, at the 4th plane, by psb = 16 - 3 ps back to plane 0, 4 pixels on. */
#define V7_EP_BIAS(TT)                                                                         \\
    "vldmia %[tp], {d0-d5}\\n\\t"                                                               \\
    "sub %[tp], %[tp], #" TT "\\n\\t"                                                            \\
    "vadd.f32 q5, q5, q0\\n\\tvadd.f32 q6, q6, q0\\n\\tvadd.f32 q7, q7, q0\\n\\tvadd.f32 q8, q8, q0\\n\\t"
#define V7_EP_RELU                                                                             \\
    "vmax.f32 q5, q5, q1\\n\\tvmax.f32 q6, q6, q1\\n\\tvmax.f32 q7, q7, q1\\n\\tvmax.f32 q8, q8, q1\\n\\t"
#define V7_EP_MIN6                                                                             \\
    "vmin.f32 q5, q5, q2\\n\\tvmin.f32 q6, q6, q2\\n\\tvmin.f32 q7, q7, q2\\n\\tvmin.f32 q8, q8, q2\\n\\t"''')
# full residual and store
res4 = ldst("vld4", "r", [18,20,22,24], 4)
out.append("#define V7_EP_RES \\\n" + " \\\n".join("    " + s for s in res4) + ' \\\n    "vadd.f32 q5, q5, q9\\n\\tvadd.f32 q6, q6, q10\\n\\tvadd.f32 q7, q7, q11\\n\\tvadd.f32 q8, q8, q12\\n\\t"')
st4 = ldst("vst4", "o", [10,12,14,16], 4)
out.append("#define V7_EP_STORE \\\n" + " \\\n".join("    " + s for s in st4))
out.append('''/* The last n (1..3) pixels of a row (the tail tile, which starts 4 - n pixels early):
 * residual into q9.., added to the last n accumulators, and the store of those. The
 * pointers step by 16 at the 4th plane and back by 16 - 4 n. */''')
for n in (1,2,3):
    accs = [9-n+m for m in range(n)]
    r = ldst(f"vld{n}" if n>1 else "vld1", "r", [18+2*m for m in range(n)], n)
    adds = "".join(f"vadd.f32 q{a}, q{a}, q{9+m}\\n\\t" for m,a in enumerate(accs))
    out.append(f"#define V7_EP_RES{n} \\\n" + " \\\n".join("    " + s for s in r) + f' \\\n    "sub %[r], %[r], #{16-4*n}\\n\\t" \\\n    "{adds}"')
    s = ldst(f"vst{n}" if n>1 else "vst1", "o", [2*a for a in accs], n)
    out.append(f"#define V7_EP_STORE{n} \\\n" + " \\\n".join("    " + x for x in s) + f' \\\n    "sub %[o], %[o], #{16-4*n}\\n\\t"')
print("\n".join(out))
