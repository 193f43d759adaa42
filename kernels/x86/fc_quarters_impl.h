/* fc_quarters_impl.h: the row order of the x86 FC kernels (grt_f32_fc_sse41, _avx2 and
 * _avx512). Include it after defining ROWS (4) and
 *   rows_dot(in, cin, w, q, bias, out, rows, act): `rows` (a constant) weight rows q rows
 *   apart from w dotted with in, stored with the epilogue to out[0], out[q], ...
 * fc_quarters takes row o of each quarter of the matrix together (o, o + q, o + 2q, o + 3q
 * with q = cout / 4), so the weights are read as four streams, each a quarter of them long
 * (measurements in kernels/avx2/f32_fc_avx2.c); the cout mod 4 rows left, at the end, go one
 * at a time. */
#ifndef GHOSTRT_FC_QUARTERS_IMPL_H
#define GHOSTRT_FC_QUARTERS_IMPL_H

static inline void fc_quarters(const float *in, size_t cin, const float *weight,
                               const float *bias, float *out, size_t cout, int act) {
    const size_t q = cout / ROWS;
    for (size_t o = 0; o < q; o++) {
        rows_dot(in, cin, weight + o * cin, q, bias != NULL ? bias + o : NULL, out + o, ROWS,
                 act);
    }
    for (size_t o = q * ROWS; o < cout; o++) {
        rows_dot(in, cin, weight + o * cin, 1, bias != NULL ? bias + o : NULL, out + o, 1, act);
    }
}

#endif
