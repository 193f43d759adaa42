/* classify.c: run a ghostrt weight pack from C and print the top-5 classes of each image.
 *
 *   classify MODEL.grt [INPUT.npy [LOGITS.npy]]
 *
 * INPUT.npy holds float32 images, N x C x H x W (or C x H x W for one image), C order, as
 * numpy.save writes them; without it, one image of the model's default size is generated.
 * LOGITS.npy, if given, receives the N x classes logits.
 *
 * Build, from the repository root, after `cargo build --release --lib`:
 *   cc examples/c/classify.c -Iinclude target/release/libghostrt.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o classify
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ghostrt.h"

/* An N x C x H x W float32 array. */
struct images {
    size_t n, c, h, w;
    float *data;
};

static int is_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Read a whole file; returns NULL (with a message) on failure. */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    if (!f) {
        perror(path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        fclose(f);
        return NULL;
    }
    buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Parse the shape tuple "(a, b, ...)" after 'shape': in an npy header dict. */
static int npy_shape(const char *hdr, size_t *dims, int max_dims) {
    const char *p = strstr(hdr, "'shape':");
    int n = 0;
    if (!p || !(p = strchr(p, '('))) return -1;
    p++;
    for (;;) {
        char *end;
        unsigned long long v;
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') return n;
        v = strtoull(p, &end, 10);
        if (end == p || n == max_dims) return -1;
        dims[n++] = (size_t)v;
        p = end;
    }
}

/* Read a little-endian float32 C-order .npy (numpy format 1.0, 2.0 or 3.0) of 3 or 4
 * dimensions. Returns 0 on success. */
static int read_npy(const char *path, struct images *out) {
    size_t len = 0, hdr_len, start, dims[4], count, i;
    unsigned char *buf = read_file(path, &len);
    char *hdr;
    int nd;
    if (!buf) return -1;
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) goto bad;
    if (buf[6] == 1) {
        hdr_len = (size_t)buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if ((buf[6] == 2 || buf[6] == 3) && len >= 12) {
        hdr_len = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        start = 12;
    } else {
        goto bad;
    }
    if (hdr_len > len - start) goto bad;
    hdr = malloc(hdr_len + 1);
    if (!hdr) goto bad;
    memcpy(hdr, buf + start, hdr_len);
    hdr[hdr_len] = '\0';
    nd = npy_shape(hdr, dims, 4);
    if (!strstr(hdr, "'descr': '<f4'") || !strstr(hdr, "'fortran_order': False") || nd < 3) {
        fprintf(stderr, "%s: need a float32 ('<f4') C-order array of 3 or 4 dimensions: %s\n", path, hdr);
        free(hdr);
        free(buf);
        return -1;
    }
    free(hdr);
    if (nd == 3) {
        dims[3] = dims[2], dims[2] = dims[1], dims[1] = dims[0], dims[0] = 1;
    }
    count = 1;
    for (i = 0; i < 4; i++) {
        if (dims[i] != 0 && count > SIZE_MAX / sizeof(float) / dims[i]) goto bad;
        count *= dims[i];
    }
    start += hdr_len;
    if (len - start != count * sizeof(float)) {
        fprintf(stderr, "%s: %zu data bytes for %zu floats\n", path, len - start, count);
        free(buf);
        return -1;
    }
    out->n = dims[0], out->c = dims[1], out->h = dims[2], out->w = dims[3];
    out->data = malloc(count ? count * sizeof(float) : 1);
    if (!out->data) goto bad;
    memcpy(out->data, buf + start, count * sizeof(float));
    free(buf);
    return 0;
bad:
    fprintf(stderr, "%s: not a readable .npy file\n", path);
    free(buf);
    return -1;
}

/* Write rows x cols float32 as a version 1.0 .npy. Returns 0 on success. */
static int write_npy(const char *path, const float *data, size_t rows, size_t cols) {
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, cols);
    size_t total, len;
    unsigned char pre[10];
    FILE *f;
    if (n < 0 || (size_t)n >= sizeof hdr - 1) return -1;
    /* Pad with spaces and a newline so the data starts on a 64-byte boundary. */
    total = (10 + (size_t)n + 1 + 63) / 64 * 64;
    len = total - 10;
    memset(hdr + n, ' ', sizeof hdr - (size_t)n);
    if (len > sizeof hdr) return -1;
    hdr[len - 1] = '\n';
    memcpy(pre, "\x93NUMPY\x01\x00", 8);
    pre[8] = (unsigned char)(len & 0xff);
    pre[9] = (unsigned char)(len >> 8);
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    if (fwrite(pre, 1, 10, f) != 10 || fwrite(hdr, 1, len, f) != len || fwrite(data, sizeof(float), rows * cols, f) != rows * cols) {
        perror(path);
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Print the five largest logits of one image with their softmax probabilities. */
static void print_top5(size_t image, const float *logits, size_t classes) {
    size_t best[5], k, i, j, shown = classes < 5 ? classes : 5;
    double max = logits[0], sum = 0.0;
    for (i = 0; i < classes; i++) {
        if (logits[i] > max) max = logits[i];
    }
    for (i = 0; i < classes; i++) sum += exp(logits[i] - max);
    for (k = 0; k < shown; k++) {
        size_t pick = classes;
        for (i = 0; i < classes; i++) {
            int taken = 0;
            for (j = 0; j < k; j++) taken |= best[j] == i;
            if (!taken && (pick == classes || logits[i] > logits[pick])) pick = i;
        }
        best[k] = pick;
    }
    printf("image %zu:\n", image);
    for (k = 0; k < shown; k++) {
        printf("  #%zu class %4zu  logit %10.5f  p %.4f\n", k + 1, best[k], logits[best[k]], exp(logits[best[k]] - max) / sum);
    }
}

static int fail(const char *what, ghostrt_status st) {
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)st, ghostrt_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    ghostrt_model *model = NULL;
    ghostrt_session *session = NULL;
    ghostrt_session_options opts = ghostrt_session_options_default();
    ghostrt_status st;
    struct images x = {0, 0, 0, 0, NULL};
    size_t ic, ih, iw, oc, oh, ow, per_image, i;
    float *logits = NULL;
    int rc = 1;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s MODEL.grt [INPUT.npy [LOGITS.npy]]\n", argv[0]);
        return 2;
    }
    if (!is_little_endian()) {
        fprintf(stderr, "this example reads little-endian .npy data only\n");
        return 1;
    }
    printf("ghostrt %s\n", ghostrt_version());
    st = ghostrt_model_load(argv[1], &model);
    if (st != GHOSTRT_OK) return fail("ghostrt_model_load", st);
    if (argc >= 3) {
        if (read_npy(argv[2], &x) != 0) goto done;
        if (x.h > UINT32_MAX || x.w > UINT32_MAX) {
            fprintf(stderr, "%s: image too large\n", argv[2]);
            goto done;
        }
        opts.input_height = (uint32_t)x.h;
        opts.input_width = (uint32_t)x.w;
    }
    st = ghostrt_session_new(model, &opts, &session);
    if (st != GHOSTRT_OK) {
        rc = fail("ghostrt_session_new", st);
        goto done;
    }
    ghostrt_session_input_shape(session, 0, &ic, &ih, &iw);
    ghostrt_session_output_shape(session, 0, &oc, &oh, &ow);
    per_image = oc * oh * ow;
    if (x.data && x.c != ic) {
        fprintf(stderr, "%s: %zu channels, the model takes %zu\n", argv[2], x.c, ic);
        goto done;
    }
    if (!x.data) {
        /* No input file: one deterministic pseudo-image in [-1, 1). */
        x.n = 1, x.c = ic, x.h = ih, x.w = iw;
        x.data = malloc(ic * ih * iw * sizeof(float));
        if (!x.data) goto done;
        for (i = 0; i < ic * ih * iw; i++) x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    }
    printf("input %zux%zux%zux%zu, output %zu x %zu\n", x.n, x.c, x.h, x.w, x.n, per_image);
    logits = malloc(x.n * per_image * sizeof(float));
    if (!logits) goto done;
    st = ghostrt_session_run(session, x.data, x.n * x.c * x.h * x.w, logits, x.n * per_image);
    if (st != GHOSTRT_OK) {
        rc = fail("ghostrt_session_run", st);
        goto done;
    }
    for (i = 0; i < x.n; i++) print_top5(i, logits + i * per_image, per_image);
    if (argc == 4 && write_npy(argv[3], logits, x.n, per_image) != 0) goto done;
    rc = 0;
done:
    free(logits);
    free(x.data);
    ghostrt_session_free(session);
    ghostrt_model_free(model);
    return rc;
}
