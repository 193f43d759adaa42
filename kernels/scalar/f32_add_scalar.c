/* grt_f32_add_scalar: elementwise add with a fused activation, portable C99.
 *
 * Layout: a, b, out [n] (any shape, flattened). out[i] = act(a[i] + b[i]).
 * Preconditions: out equals a, equals b, or overlaps neither. Each element is read before it
 * is written, so in-place use is safe. Only elements inside the documented buffers are read.
 */
#include "epilogue.h"

void grt_f32_add_scalar(const float *a, const float *b, float *out, size_t n, int act) {
    for (size_t i = 0; i < n; i++) {
        out[i] = grt_act(a[i] + b[i], act);
    }
}
