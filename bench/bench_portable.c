/* bench_portable.c - the same header built with LIN_NO_SIMD, in its own
   translation unit, so one bench process times both paths. */
#define LIN_NO_SIMD
#include "linear.h"

lin_status portable_linear_f32(const float *x, const float *w, const float *b, float *y,
                               size_t batch, size_t in, size_t out);

lin_status portable_linear_f32(const float *x, const float *w, const float *b, float *y,
                               size_t batch, size_t in, size_t out)
{
    return lin_linear_f32(x, w, b, y, batch, in, out);
}
