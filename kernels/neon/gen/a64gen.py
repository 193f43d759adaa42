def ldst(ins, ptr, regs, n, load):
    rl = ", ".join(f"v{r}.s" for r in regs)
    return [f'"{ins} {{{rl}}}[{l}], [%[{ptr}{l}]], #{4*n}\\n\\t"' for l in range(4)]
out=[]
out.append('''/* 5x5 stride 1: as 5x5 stride 2 with 8 pixel vectors per kernel row (2 LD1 of 4). */
#define A64_DW5S1_KROW(OP) \\
    "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[tp]], #64\\n\\t" "ldr q4, [%[tp]], #16\\n\\t" \\
    "ld1 {v20.4s, v21.4s, v22.4s, v23.4s}, [x16], #64\\n\\t" "ld1 {v24.4s, v25.4s, v26.4s, v27.4s}, [x16], %[rs64]\\n\\t" \\''')
rows=[]
for kx in range(5):
    ops=[]
    for j in range(4):
        op = '" OP "' if kx==0 else 'fmla'
        ops.append(f'{op} v{16+j}.4s, v{20+j+kx}.4s, v{kx}.4s\\n\\t')
    if kx==0:
        rows.append('    OP " v16.4s, v20.4s, v0.4s\\n\\t" OP " v17.4s, v21.4s, v0.4s\\n\\t" OP " v18.4s, v22.4s, v0.4s\\n\\t" OP " v19.4s, v23.4s, v0.4s\\n\\t"')
    else:
        rows.append('    "' + "".join(ops) + '"')
out.append(" \\\n".join(rows))
out.append('''#define A64_DW5S1_TILE \\
    A64_DW5S1_KROW("fmul") A64_DW5S1_KROW("fmla") A64_DW5S1_KROW("fmla") \\
    A64_DW5S1_KROW("fmla") A64_DW5S1_KROW("fmla")''')
out.append('''/* The last n (1..3) pixels of a row (the tail tile, which starts 4 - n pixels early): the
 * residual of those pixels into v(24 - n)..v23, added to the last n accumulators, and their
 * store; every pointer steps by 4 n bytes. */''')
for n in (1,2,3):
    accs=[20-n+m for m in range(n)]
    resr=[24-n+m for m in range(n)]
    r=ldst(f"ld{n}","r",resr,n,True)
    adds="".join(f"fadd v{a}.4s, v{a}.4s, v{b}.4s\\n\\t" for a,b in zip(accs,resr))
    out.append(f"#define A64_EP_RES{n} \\\n" + " \\\n".join("    "+x for x in r) + f' \\\n    "{adds}"')
    st=ldst(f"st{n}","o",accs,n,False)
    out.append(f"#define A64_EP_STORE{n} \\\n" + " \\\n".join("    "+x for x in st))
print("\n".join(out))
