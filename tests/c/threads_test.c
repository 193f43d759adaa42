/* threads_test.c: one model shared by four pthreads, each with its own session, all
 * created and run at the same time; every thread must get exactly the logits the main
 * thread computed, and see only its own last error message. Run by tests/c_api.rs under
 * AddressSanitizer and UBSan (or qemu on ARM).
 *
 *   threads_test PACK.grt
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ghostrt.h"

enum { THREADS = 4, RUNS = 3, H = 96, W = 112, PER = 3 * H * W, K = 10 };

static const ghostrt_model *model;
static const float *input;
static float reference[K];
static pthread_barrier_t start;

struct worker {
    int index;
    int ok;
    char error[256];
};

static ghostrt_session *new_session(void) {
    ghostrt_session_options o = ghostrt_session_options_default();
    ghostrt_session *s = NULL;
    o.input_height = H;
    o.input_width = W;
    if (ghostrt_session_new(model, &o, &s) != GHOSTRT_OK) return NULL;
    return s;
}

/* Plan a session and run it RUNS times, comparing with the reference; on failure,
 * describe it in w->error. */
static void run_session(struct worker *w) {
    ghostrt_session *s = new_session();
    float y[K];
    int r;
    if (!s) {
        snprintf(w->error, sizeof w->error, "session: %s", ghostrt_last_error_message());
        return;
    }
    for (r = 0; r < RUNS && !w->error[0]; r++) {
        if (ghostrt_session_run(s, input, PER, y, K) != GHOSTRT_OK) {
            snprintf(w->error, sizeof w->error, "run %d: %s", r, ghostrt_last_error_message());
        } else if (memcmp(y, reference, sizeof y) != 0) {
            snprintf(w->error, sizeof w->error, "run %d: logits differ from the main thread's", r);
        }
    }
    ghostrt_session_free(s);
}

static void *work(void *arg) {
    struct worker *w = arg;
    char expected[64];
    size_t channels = 0;

    /* Everyone plans and runs at once. */
    pthread_barrier_wait(&start);
    run_session(w);
    if (!w->error[0] && strcmp(ghostrt_last_error_message(), "") != 0) {
        snprintf(w->error, sizeof w->error, "fresh thread has message \"%s\"", ghostrt_last_error_message());
    }
    /* Each thread fails differently, all before any checks its message: it must be its own. */
    ghostrt_model_input_channels(model, (size_t)(100 + w->index), &channels);
    pthread_barrier_wait(&start);
    snprintf(expected, sizeof expected, "input index %d:", 100 + w->index);
    if (!w->error[0] && !strstr(ghostrt_last_error_message(), expected)) {
        snprintf(w->error, sizeof w->error, "message \"%s\", expected \"%s\"", ghostrt_last_error_message(), expected);
    }
    w->ok = !w->error[0];
    return NULL;
}

int main(int argc, char **argv) {
    ghostrt_model *m = NULL;
    ghostrt_session *s;
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    float *x = malloc(PER * sizeof(float));
    int i, failed = 0;

    if (argc != 2 || !x) {
        fprintf(stderr, "usage: %s PACK.grt\n", argv[0]);
        return 2;
    }
    if (ghostrt_model_load(argv[1], &m) != GHOSTRT_OK) {
        fprintf(stderr, "load: %s\n", ghostrt_last_error_message());
        return 1;
    }
    for (i = 0; i < PER; i++) x[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    model = m;
    input = x;
    s = new_session();
    if (!s || ghostrt_session_run(s, x, PER, reference, K) != GHOSTRT_OK) {
        fprintf(stderr, "reference: %s\n", ghostrt_last_error_message());
        return 1;
    }
    ghostrt_session_free(s);

    pthread_barrier_init(&start, NULL, THREADS);
    for (i = 0; i < THREADS; i++) {
        workers[i].index = i;
        workers[i].ok = 0;
        workers[i].error[0] = '\0';
        if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    for (i = 0; i < THREADS; i++) {
        if (!workers[i].ok) {
            fprintf(stderr, "thread %d: %s\n", i, workers[i].error);
            failed = 1;
        }
    }
    ghostrt_model_free(m);
    free(x);
    if (failed) return 1;
    printf("threads_test: %d threads x %d runs match\n", THREADS, RUNS);
    return 0;
}
