/* compile_check.c - one translation unit that calls every function of
   linear.h, compiled by `make test-std` as C89 (with LIN_NO_SIMD), C99, C11,
   C17, C++98, C++11 and C++17 under gcc and clang with warnings as errors.
   C89 rules apply here too: block-start declarations, no // comments. */
#include "linear.h"

int compile_check(void);

int compile_check(void)
{
    float w[6] = {0}, b[2] = {0}, x[3] = {0}, y[2] = {0};
    size_t shape[LIN_MAX_DIMS];
    char msg[64];
    int ndim = 0, bad = 0;
    lin_layer layer;
    lin_rng rng;
    lin_tensor xv, wv, wt, bv, yv, view;

    memset(&layer, 0, sizeof layer);
    xv = lin_vector(x, 3);
    wv = lin_matrix(w, 2, 3);
    wt = lin_transpose(&wv);
    bv = lin_vector(b, 2);
    yv = lin_vector(y, 2);
    shape[0] = 3;
    view = lin_tensor_view(x, 1, shape);
    lin_rng_seed(&rng, 1);
    bad |= lin_layer_init(&layer, 3, 2, w, b) != LIN_OK;
    bad |= lin_layer_reset_parameters(&layer, &rng) != LIN_OK;
    x[0] = lin_rng_uniform(&rng, -1.0f, 1.0f);
    x[1] = lin_rng_normal(&rng);
    x[2] = (float)(lin_rng_next_u32(&rng) >> 8);
    bad |= lin_linear_f32(x, w, b, y, 1, 3, 2) != LIN_OK;
    bad |= lin_linear(&view, &wv, &bv, &yv) != LIN_OK;
    bad |= lin_matmul(&xv, &wt, &yv) != LIN_OK;
    bad |= lin_matmul_shape(&xv, &wt, &ndim, shape) != LIN_OK;
    bad |= lin_layer_forward(&layer, &xv, &yv) != LIN_OK;
    bad |= lin_matmul_explain(&wv, &xv, NULL, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear_explain(&xv, &wv, NULL, &yv, msg, sizeof msg) != LIN_OK;
    wv = lin_layer_weight(&layer);
    bv = lin_layer_bias(&layer);
    bad |= lin_numel(&wv) + lin_numel(&bv) != 8;
    bad |= lin_status_str(LIN_OK)[0] == '\0';
    bad |= LIN_VERSION_MAJOR != 0 || LIN_VERSION_STRING[0] == '\0';
    return bad;
}
