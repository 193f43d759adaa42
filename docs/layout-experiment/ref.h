/* Shared by both drivers of the layout experiment: deterministic test data, naive NCHW
 * references (depthwise 3x3 s1 p1 and 1x1 conv, both bias + ReLU), argv parsing.
 * Everything here runs the same number of times in the N = 1 and N = 6 runs, so it cancels
 * out of the per-call instruction count. */
#ifndef LAYOUT_REF_H
#define LAYOUT_REF_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned ref_seed = 12345u;
static float ref_rand(void) { /* uniform in [-1, 1) */
    ref_seed = ref_seed * 1664525u + 1013904223u;
    return (float)(ref_seed >> 8) / 8388608.0f - 1.0f;
}
static float *ref_alloc(size_t n) {
    /* 64-byte aligned, 64 spare bytes after the end (never freed: one-shot driver) */
    char *raw = malloc(n * sizeof(float) + 128);
    if (!raw) { fprintf(stderr, "out of memory\n"); exit(2); }
    float *p = (float *)(raw + (64 - (size_t)raw % 64));
    memset(p, 0, n * sizeof(float) + 64);
    return p;
}
static float *ref_random(size_t n, float scale) {
    float *p = ref_alloc(n);
    for (size_t i = 0; i < n; i++) p[i] = ref_rand() * scale;
    return p;
}

/* out[c][y][x] = relu(bias[c] + sum_{ky,kx} wt[c][ky][kx] * in[c][y+ky-1][x+kx-1]). */
static void ref_dw3x3(const float *in, size_t c, size_t h, size_t w, const float *wt,
                      const float *bias, float *out) {
    for (size_t ch = 0; ch < c; ch++)
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                float s = bias[ch];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        long iy = (long)y + ky - 1, ix = (long)x + kx - 1;
                        if (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)w) continue;
                        s += wt[(ch * 3 + ky) * 3 + kx] * in[(ch * h + iy) * w + ix];
                    }
                out[(ch * h + y) * w + x] = s > 0.0f ? s : 0.0f;
            }
}

/* out[co][p] = relu(bias[co] + sum_ci wt[co][ci] * in[ci][p]). */
static void ref_pw(const float *in, size_t cin, size_t hw, const float *wt, const float *bias,
                   float *out, size_t cout) {
    for (size_t co = 0; co < cout; co++)
        for (size_t p = 0; p < hw; p++) {
            float s = bias[co];
            for (size_t ci = 0; ci < cin; ci++) s += wt[co * cin + ci] * in[ci * hw + p];
            out[co * hw + p] = s > 0.0f ? s : 0.0f;
        }
}

static float ref_maxerr(const float *a, const float *b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates */
    }
    return m;
}

struct ref_args { const char *kernel; size_t cin, cout, h, w, n; };
static struct ref_args ref_parse(int argc, char **argv) {
    struct ref_args a;
    if (argc != 7) {
        fprintf(stderr, "usage: %s KERNEL C_IN C_OUT H W N\n", argv[0]);
        exit(2);
    }
    a.kernel = argv[1];
    a.cin = strtoul(argv[2], 0, 10);
    a.cout = strtoul(argv[3], 0, 10);
    a.h = strtoul(argv[4], 0, 10);
    a.w = strtoul(argv[5], 0, 10);
    a.n = strtoul(argv[6], 0, 10);
    return a;
}
#endif
