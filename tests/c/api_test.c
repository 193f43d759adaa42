/* api_test.c: every function of include/ghostrt.h from C, with its error paths (NULL
 * pointers, wrong buffer sizes, corrupt pack bytes, a missing file, the last error
 * message). Run by tests/c_api.rs under AddressSanitizer and UBSan (or qemu on ARM).
 *
 *   api_test PACK.grt EXPECTED_VERSION
 *
 * Prints "api_test: all N checks passed" and exits 0, or lists the failed checks and
 * exits 1. */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ghostrt.h"

static int checks, failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* `call` returns `status` and the last error message contains `needle`. */
#define CHECK_FAILS(call, status, needle)                                                    \
    do {                                                                                     \
        ghostrt_status st_ = (call);                                                         \
        checks++;                                                                            \
        if (st_ != (status) || !strstr(ghostrt_last_error_message(), (needle))) {            \
            failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s: status %d, expected %d; message \"%s\", expected \"%s\"\n", \
                    __FILE__, __LINE__, #call, (int)st_, (int)(status), ghostrt_last_error_message(), \
                    (needle));                                                               \
        }                                                                                    \
    } while (0)

#define CHECK_OK(call) CHECK_FAILS(call, GHOSTRT_OK, "")

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long size;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* A pointer that is not NULL and must be overwritten with NULL on failure. */
#define POISON ((void *)&checks)

static void test_version_and_first_message(const char *expected_version) {
    CHECK(ghostrt_version() != NULL);
    CHECK(strcmp(ghostrt_version(), expected_version) == 0);
    /* Nothing has failed on this thread yet. */
    CHECK(ghostrt_last_error_message() != NULL);
    CHECK(strcmp(ghostrt_last_error_message(), "") == 0);
}

static void test_load_errors(const char *pack, const unsigned char *bytes, size_t len) {
    ghostrt_model *m = POISON;
    unsigned char *bad = malloc(len);
    char tmp[] = "/tmp/ghostrt_api_test_XXXXXX";
    int fd;
    FILE *f;

    CHECK_FAILS(ghostrt_model_load(NULL, &m), GHOSTRT_NULL_ARGUMENT, "`path` is NULL");
    CHECK(m == NULL);
    CHECK_FAILS(ghostrt_model_load(pack, NULL), GHOSTRT_NULL_ARGUMENT, "`model_out` is NULL");
    m = POISON;
    CHECK_FAILS(ghostrt_model_load("/nonexistent/ghostrt/model.grt", &m), GHOSTRT_IO, "/nonexistent/ghostrt/model.grt");
    CHECK(m == NULL);
    CHECK(strstr(ghostrt_last_error_message(), "ghostrt_model_load: ") == ghostrt_last_error_message());
    /* A directory is not a pack either. */
    CHECK(ghostrt_model_load("/", &m) != GHOSTRT_OK);
    CHECK(m == NULL);

    m = POISON;
    CHECK_FAILS(ghostrt_model_load_from_memory(NULL, len, &m), GHOSTRT_NULL_ARGUMENT, "`data` is NULL");
    CHECK(m == NULL);
    CHECK_FAILS(ghostrt_model_load_from_memory(bytes, len, NULL), GHOSTRT_NULL_ARGUMENT, "`model_out` is NULL");
    CHECK_FAILS(ghostrt_model_load_from_memory(bytes, 0, &m), GHOSTRT_CORRUPT_PACK, "truncated");
    CHECK_FAILS(ghostrt_model_load_from_memory(bytes, len - 1, &m), GHOSTRT_CORRUPT_PACK, "truncated");
    CHECK_FAILS(ghostrt_model_load_from_memory(bytes, (size_t)-1, &m), GHOSTRT_INVALID_ARGUMENT, "larger than any buffer");

    memcpy(bad, bytes, len);
    bad[0] = 'X';
    CHECK_FAILS(ghostrt_model_load_from_memory(bad, len, &m), GHOSTRT_CORRUPT_PACK, "bad magic");
    memcpy(bad, bytes, len);
    bad[8] = 99; /* format version */
    CHECK_FAILS(ghostrt_model_load_from_memory(bad, len, &m), GHOSTRT_CORRUPT_PACK, "version 99");
    memcpy(bad, bytes, len);
    bad[len / 2] ^= 0x40;
    m = POISON;
    CHECK_FAILS(ghostrt_model_load_from_memory(bad, len, &m), GHOSTRT_CORRUPT_PACK, "checksum mismatch");
    CHECK(m == NULL);
    CHECK(strstr(ghostrt_last_error_message(), "<memory>") != NULL);

    /* The same corrupt bytes through a file. */
    fd = mkstemp(tmp);
    CHECK(fd >= 0);
    f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(bad, 1, len, f) == len);
        fclose(f);
        CHECK_FAILS(ghostrt_model_load(tmp, &m), GHOSTRT_CORRUPT_PACK, "checksum mismatch");
        CHECK(strstr(ghostrt_last_error_message(), tmp) != NULL);
        unlink(tmp);
    }
    free(bad);
}

static void test_model_queries(const ghostrt_model *m) {
    size_t n = 0;
    uint32_t h = 0, w = 0;
    CHECK_OK(ghostrt_model_num_inputs(m, &n));
    CHECK(n == 1);
    CHECK_OK(ghostrt_model_num_outputs(m, &n));
    CHECK(n == 1);
    CHECK_OK(ghostrt_model_input_channels(m, 0, &n));
    CHECK(n == 3);
    CHECK_OK(ghostrt_model_default_input_size(m, &h, &w));
    CHECK(h == 224 && w == 224);

    CHECK_FAILS(ghostrt_model_num_inputs(NULL, &n), GHOSTRT_NULL_ARGUMENT, "`model` is NULL");
    CHECK_FAILS(ghostrt_model_num_inputs(m, NULL), GHOSTRT_NULL_ARGUMENT, "`count_out` is NULL");
    CHECK_FAILS(ghostrt_model_num_outputs(NULL, &n), GHOSTRT_NULL_ARGUMENT, "`model` is NULL");
    CHECK_FAILS(ghostrt_model_num_outputs(m, NULL), GHOSTRT_NULL_ARGUMENT, "`count_out` is NULL");
    CHECK_FAILS(ghostrt_model_input_channels(NULL, 0, &n), GHOSTRT_NULL_ARGUMENT, "`model` is NULL");
    CHECK_FAILS(ghostrt_model_input_channels(m, 0, NULL), GHOSTRT_NULL_ARGUMENT, "`channels_out` is NULL");
    n = 77;
    CHECK_FAILS(ghostrt_model_input_channels(m, 1, &n), GHOSTRT_INVALID_ARGUMENT, "input index 1: the model has 1 input(s)");
    CHECK(n == 77);
    CHECK_FAILS(ghostrt_model_default_input_size(NULL, &h, &w), GHOSTRT_NULL_ARGUMENT, "`model` is NULL");
    CHECK_FAILS(ghostrt_model_default_input_size(m, NULL, &w), GHOSTRT_NULL_ARGUMENT, "`height_out` is NULL");
    CHECK_FAILS(ghostrt_model_default_input_size(m, &h, NULL), GHOSTRT_NULL_ARGUMENT, "`width_out` is NULL");
    /* A success leaves the last message alone. */
    CHECK_OK(ghostrt_model_num_inputs(m, &n));
    CHECK(strstr(ghostrt_last_error_message(), "`width_out` is NULL") != NULL);
}

static void test_session_new_errors(const ghostrt_model *m) {
    ghostrt_session_options o = ghostrt_session_options_default();
    ghostrt_session *s = POISON;

    CHECK(sizeof(ghostrt_session_options) == 4 * sizeof(uint32_t));
    CHECK(o.num_threads == 1 && o.input_height == 0 && o.input_width == 0 && o.tlsc_window == 0);

    CHECK_FAILS(ghostrt_session_new(NULL, &o, &s), GHOSTRT_NULL_ARGUMENT, "`model` is NULL");
    CHECK(s == NULL);
    CHECK_FAILS(ghostrt_session_new(m, NULL, &s), GHOSTRT_NULL_ARGUMENT, "`options` is NULL");
    CHECK_FAILS(ghostrt_session_new(m, &o, NULL), GHOSTRT_NULL_ARGUMENT, "`session_out` is NULL");

    o.num_threads = 1000;
    s = POISON;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_INVALID_ARGUMENT, "num_threads 1000");
    CHECK(s == NULL);
    o.num_threads = 0;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_INVALID_ARGUMENT, "num_threads 0");
    o = ghostrt_session_options_default();
    o.tlsc_window = 8;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_UNSUPPORTED, "tlsc_window 8");
    o = ghostrt_session_options_default();
    o.input_height = 64;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_INVALID_ARGUMENT, "input size 64x0");
    o.input_height = 0;
    o.input_width = 64;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_INVALID_ARGUMENT, "input size 0x64");
    o.input_height = 60000;
    o.input_width = 60000;
    CHECK_FAILS(ghostrt_session_new(m, &o, &s), GHOSTRT_INVALID_ARGUMENT, "unusable size 3x60000x60000");
    CHECK(s == NULL);
}

static void test_shapes(ghostrt_session *s, size_t h, size_t w) {
    size_t c = 0, hh = 0, ww = 0;
    CHECK_OK(ghostrt_session_input_shape(s, 0, &c, &hh, &ww));
    CHECK(c == 3 && hh == h && ww == w);
    CHECK_OK(ghostrt_session_output_shape(s, 0, &c, &hh, &ww));
    CHECK(c == 10 && hh == 1 && ww == 1);

    CHECK_FAILS(ghostrt_session_input_shape(NULL, 0, &c, &hh, &ww), GHOSTRT_NULL_ARGUMENT, "`session` is NULL");
    CHECK_FAILS(ghostrt_session_input_shape(s, 0, NULL, &hh, &ww), GHOSTRT_NULL_ARGUMENT, "`channels_out` is NULL");
    CHECK_FAILS(ghostrt_session_input_shape(s, 0, &c, NULL, &ww), GHOSTRT_NULL_ARGUMENT, "`height_out` is NULL");
    CHECK_FAILS(ghostrt_session_input_shape(s, 0, &c, &hh, NULL), GHOSTRT_NULL_ARGUMENT, "`width_out` is NULL");
    CHECK_FAILS(ghostrt_session_input_shape(s, 1, &c, &hh, &ww), GHOSTRT_INVALID_ARGUMENT, "input index 1");
    CHECK_FAILS(ghostrt_session_output_shape(NULL, 0, &c, &hh, &ww), GHOSTRT_NULL_ARGUMENT, "`session` is NULL");
    CHECK_FAILS(ghostrt_session_output_shape(s, 0, NULL, &hh, &ww), GHOSTRT_NULL_ARGUMENT, "`channels_out` is NULL");
    CHECK_FAILS(ghostrt_session_output_shape(s, 0, &c, NULL, &ww), GHOSTRT_NULL_ARGUMENT, "`height_out` is NULL");
    CHECK_FAILS(ghostrt_session_output_shape(s, 0, &c, &hh, NULL), GHOSTRT_NULL_ARGUMENT, "`width_out` is NULL");
    CHECK_FAILS(ghostrt_session_output_shape(s, 2, &c, &hh, &ww), GHOSTRT_INVALID_ARGUMENT, "output index 2");
}

static void fill(float *x, size_t n, unsigned seed) {
    size_t i;
    for (i = 0; i < n; i++) x[i] = (float)(((i + seed) * 7919) % 1000) / 500.0f - 1.0f;
}

/* Runs a 64x80 session through every error of ghostrt_session_run and checks batching;
 * leaves the logits of image `fill(.., 0)` in `ref` (10 floats). */
static void test_run(const ghostrt_model *m, float *ref) {
    enum { C = 3, H = 64, W = 80, PER = C * H * W, K = 10 };
    ghostrt_session_options o = ghostrt_session_options_default();
    ghostrt_session *s = NULL;
    float *x = malloc(3 * PER * sizeof(float));
    float y[3 * K + 1], y2[K];
    size_t i;

    o.input_height = H;
    o.input_width = W;
    CHECK_OK(ghostrt_session_new(m, &o, &s));
    if (!s || !x) {
        free(x);
        return;
    }
    test_shapes(s, H, W);
    fill(x, PER, 0);
    fill(x + PER, PER, 0);
    fill(x + 2 * PER, PER, 1);

    CHECK_FAILS(ghostrt_session_run(NULL, x, PER, y, K), GHOSTRT_NULL_ARGUMENT, "`session` is NULL");
    CHECK_FAILS(ghostrt_session_run(s, NULL, PER, y, K), GHOSTRT_NULL_ARGUMENT, "`input` is NULL");
    CHECK_FAILS(ghostrt_session_run(s, x, PER, NULL, K), GHOSTRT_NULL_ARGUMENT, "`output` is NULL");
    for (i = 0; i < 3 * K + 1; i++) y[i] = 12345.0f;
    CHECK_FAILS(ghostrt_session_run(s, x, 0, y, K), GHOSTRT_SHAPE_MISMATCH, "input_len 0 is not a whole batch");
    CHECK_FAILS(ghostrt_session_run(s, x, PER - 1, y, K), GHOSTRT_SHAPE_MISMATCH, "3x64x80 (15360 floats each)");
    CHECK_FAILS(ghostrt_session_run(s, x, PER + 1, y, K), GHOSTRT_SHAPE_MISMATCH, "input_len 15361");
    CHECK_FAILS(ghostrt_session_run(s, x, PER, y, K - 1), GHOSTRT_SHAPE_MISMATCH, "output_len 9: a batch of 1 needs 1 x 10");
    CHECK_FAILS(ghostrt_session_run(s, x, PER, y, K + 1), GHOSTRT_SHAPE_MISMATCH, "output_len 11");
    CHECK_FAILS(ghostrt_session_run(s, x, 2 * PER, y, K), GHOSTRT_SHAPE_MISMATCH, "a batch of 2 needs 2 x 10");
    CHECK_FAILS(ghostrt_session_run(s, x, (size_t)-1, y, K), GHOSTRT_INVALID_ARGUMENT, "larger than any buffer");
    CHECK_FAILS(ghostrt_session_run(s, x, PER, (float *)(void *)x, K), GHOSTRT_INVALID_ARGUMENT, "overlap");
    CHECK_FAILS(ghostrt_session_run(s, x, PER, (float *)(void *)((char *)y + 1), K), GHOSTRT_INVALID_ARGUMENT,
                "not aligned");
    /* Failed runs leave the output alone. */
    for (i = 0; i < 3 * K + 1; i++) CHECK(y[i] == 12345.0f);

    CHECK_OK(ghostrt_session_run(s, x, PER, y, K));
    for (i = 0; i < K; i++) CHECK(isfinite(y[i]));
    CHECK(y[K] == 12345.0f);
    memcpy(ref, y, sizeof y2);
    /* Same input, same output; a batch of 3 is three single runs. */
    CHECK_OK(ghostrt_session_run(s, x, PER, y2, K));
    CHECK(memcmp(y2, ref, sizeof y2) == 0);
    CHECK_OK(ghostrt_session_run(s, x, 3 * PER, y, 3 * K));
    CHECK(memcmp(y, ref, sizeof y2) == 0);
    CHECK(memcmp(y + K, ref, sizeof y2) == 0);
    CHECK(memcmp(y + 2 * K, ref, sizeof y2) != 0);
    CHECK(y[3 * K] == 12345.0f);
    ghostrt_session_free(s);
    free(x);
}

/* A session made with default options plans the model's default size. */
static void test_default_session(const ghostrt_model *m) {
    ghostrt_session_options o = ghostrt_session_options_default();
    ghostrt_session *s = NULL;
    size_t c = 0, h = 0, w = 0;
    CHECK_OK(ghostrt_session_new(m, &o, &s));
    CHECK_OK(ghostrt_session_input_shape(s, 0, &c, &h, &w));
    CHECK(c == 3 && h == 224 && w == 224);
    ghostrt_session_free(s);
}

/* A model loaded from memory matches the one from the file, works after the caller's
 * buffer is freed, and its sessions outlive it. */
static void test_from_memory(unsigned char *bytes, size_t len, const float *ref) {
    enum { PER = 3 * 64 * 80, K = 10 };
    ghostrt_model *m = NULL;
    ghostrt_session *s = NULL;
    ghostrt_session_options o = ghostrt_session_options_default();
    float *x = malloc(PER * sizeof(float));
    float y[K];
    CHECK_OK(ghostrt_model_load_from_memory(bytes, len, &m));
    free(bytes); /* the model holds a copy */
    o.input_height = 64;
    o.input_width = 80;
    CHECK_OK(ghostrt_session_new(m, &o, &s));
    ghostrt_model_free(m); /* the session holds the weights */
    if (!s || !x) {
        free(x);
        return;
    }
    fill(x, PER, 0);
    CHECK_OK(ghostrt_session_run(s, x, PER, y, K));
    CHECK(memcmp(y, ref, sizeof y) == 0);
    ghostrt_session_free(s);
    free(x);
}

int main(int argc, char **argv) {
    ghostrt_model *m = NULL;
    unsigned char *bytes;
    size_t len;
    float ref[10];

    if (argc != 3) {
        fprintf(stderr, "usage: %s PACK.grt EXPECTED_VERSION\n", argv[0]);
        return 2;
    }
    test_version_and_first_message(argv[2]);
    bytes = read_file(argv[1], &len);
    test_load_errors(argv[1], bytes, len);

    CHECK_OK(ghostrt_model_load(argv[1], &m));
    if (!m) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], ghostrt_last_error_message());
        return 1;
    }
    test_model_queries(m);
    test_session_new_errors(m);
    test_default_session(m);
    test_run(m, ref);
    ghostrt_model_free(m);
    test_from_memory(bytes, len, ref);

    /* Freeing NULL is a no-op. */
    ghostrt_model_free(NULL);
    ghostrt_session_free(NULL);

    if (failures) {
        fprintf(stderr, "api_test: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("api_test: all %d checks passed\n", checks);
    return 0;
}
