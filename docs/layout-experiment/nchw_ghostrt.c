/* Layout experiment: driver for ghostrt's own NCHW NEON kernels (kernels/neon/*.c, linked
 * directly, unmodified), at the same layer shapes and with the same data as nc4hw4_dw.c.
 *
 *   nchw_ghostrt KERNEL C_IN C_OUT H W N     KERNEL: dw (3x3 s1 p1) or pw (1x1), both
 *                                            bias + ReLU; runs it N times, then checks it
 *                                            against the naive reference of ref.h.
 */
#include <stddef.h>
#include "ghostrt_kernels.h"
#include "ref.h"

void grt_f32_conv1x1_neon(const float *in, size_t cin, size_t hw, size_t ld, const float *weight,
                          const float *bias, const float *residual, float *out, size_t cout,
                          int act);
void grt_f32_dwconv_neon(const float *in, size_t c, size_t h, size_t w, const float *weight,
                         const float *bias, const float *residual, float *out, size_t oh,
                         size_t ow, size_t k, size_t stride, size_t pad, size_t y0, size_t y1,
                         int act);

int main(int argc, char **argv) {
    struct ref_args a = ref_parse(argc, argv);
    size_t hw = a.h * a.w;
    float err;
    if (!strcmp(a.kernel, "dw")) {
        size_t c = a.cin;
        float *x = ref_random(c * hw, 1.0f), *wt = ref_random(c * 9, 0.33f),
              *bias = ref_random(c, 0.1f);
        float *y = ref_alloc(c * hw), *r = ref_alloc(c * hw);
        for (size_t i = 0; i < a.n; i++)
            grt_f32_dwconv_neon(x, c, a.h, a.w, wt, bias, NULL, y, a.h, a.w, 3, 1, 1, 0, a.h,
                                GRT_ACT_RELU);
        ref_dw3x3(x, c, a.h, a.w, wt, bias, r);
        err = ref_maxerr(y, r, c * hw);
    } else if (!strcmp(a.kernel, "pw")) {
        float *x = ref_random(a.cin * hw, 1.0f),
              *wt = ref_random(a.cout * a.cin, 1.0f / sqrtf((float)a.cin)),
              *bias = ref_random(a.cout, 0.1f);
        /* pack_conv1x1 (src/kernels/mod.rs) with mr = 4: tile t = [cin][4]. */
        size_t tiles = (a.cout + 3) / 4;
        float *wk = ref_alloc(tiles * a.cin * 4);
        for (size_t co = 0; co < a.cout; co++)
            for (size_t ci = 0; ci < a.cin; ci++)
                wk[((co / 4) * a.cin + ci) * 4 + co % 4] = wt[co * a.cin + ci];
        float *y = ref_alloc(a.cout * hw), *r = ref_alloc(a.cout * hw);
        for (size_t i = 0; i < a.n; i++)
            grt_f32_conv1x1_neon(x, a.cin, hw, hw, wk, bias, NULL, y, a.cout, GRT_ACT_RELU);
        ref_pw(x, a.cin, hw, wt, bias, r, a.cout);
        err = ref_maxerr(y, r, a.cout * hw);
    } else {
        fprintf(stderr, "unknown kernel %s (dw, pw)\n", a.kernel);
        return 2;
    }
    printf("%s cin=%zu cout=%zu %zux%zu n=%zu max_abs_err=%.3g\n", a.kernel, a.cin, a.cout, a.h,
           a.w, a.n, err);
    return err < 1e-4f ? 0 : 1;
}
