// test_cpp.cpp - linear.h in a C++ translation unit: it compiles with
// -std=c++11 -Wall -Wextra -Wpedantic -Werror and every call works.
#include "linear.h"

#include <cstdio>
#include <cstring>
#include <vector>

static int failures = 0;

static void check(bool ok, const char *what)
{
    if (!ok) {
        std::printf("FAIL: %s\n", what);
        ++failures;
    }
}

int main()
{
    float W[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, b[2] = {0, 1}, y[2] = {0, 0};
    check(lin_linear_f32(x, W, b, y, 1, 3, 2) == LIN_OK && y[0] == 14.0f && y[1] == 33.0f,
          "lin_linear_f32");

    lin_tensor xv = lin_vector(x, 3), wv = lin_matrix(W, 2, 3), bv = lin_vector(b, 2);
    lin_tensor yv = lin_vector(y, 2), wt = lin_transpose(&wv);
    check(lin_linear(&xv, &wv, &bv, &yv) == LIN_OK && y[1] == 33.0f, "lin_linear");
    check(lin_matmul(&xv, &wt, &yv) == LIN_OK && y[1] == 32.0f, "lin_matmul x @ W.T");

    int ndim = 0;
    size_t shape[LIN_MAX_DIMS];
    check(lin_matmul_shape(&wv, &xv, &ndim, shape) == LIN_OK && ndim == 1 && shape[0] == 2,
          "lin_matmul_shape");
    check(lin_numel(&wv) == 6, "lin_numel");

    std::vector<float> xb(12, 1.0f), yb(8);
    lin_tensor xbv = lin_matrix(xb.data(), 4, 3), ybv = lin_matrix(yb.data(), 4, 2);
    char msg[128];
    check(lin_matmul_explain(&wv, &xbv, NULL, msg, sizeof msg) == LIN_ERR_SHAPE &&
              std::strcmp(msg, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x3)") == 0,
          "lin_matmul_explain");
    check(lin_linear_explain(&xbv, &wv, &bv, &ybv, msg, sizeof msg) == LIN_OK, "lin_linear_explain");

    // an empty std::vector's data() may be NULL: legal for zero elements
    std::vector<float> none;
    check(lin_linear_f32(none.data(), W, b, none.data(), 0, 3, 2) == LIN_OK, "empty batch");

    std::vector<float> w(6), bias(2);
    lin_layer layer = {0, 0, NULL, NULL};
    lin_rng rng;
    lin_rng_seed(&rng, 42);
    check(lin_layer_init(&layer, 3, 2, w.data(), bias.data()) == LIN_OK, "lin_layer_init");
    check(lin_layer_reset_parameters(&layer, &rng) == LIN_OK, "reset_parameters");
    for (float v : w) check(v >= -0.57736f && v < 0.57736f, "init bound");
    lin_tensor lw = lin_layer_weight(&layer), lb = lin_layer_bias(&layer);
    check(lw.shape[0] == 2 && lb.shape[0] == 2, "layer views");
    check(lin_layer_forward(&layer, &xv, &yv) == LIN_OK, "lin_layer_forward");
    check(lin_rng_uniform(&rng, -1.0f, 1.0f) < 1.0f, "lin_rng_uniform");
    float n = lin_rng_normal(&rng);
    check(n == n, "lin_rng_normal");
    (void)lin_rng_next_u32(&rng);
    // PyTorch's generator: torch.manual_seed(0); torch.randn(1); torch.rand(1)
    lin_torch_rng tg;
    float tv[2];
    uint32_t tb[2];
    lin_torch_rng_seed(&tg, 0);
    check(lin_torch_randn_f32(&tg, tv, 1) == LIN_OK && lin_torch_rand_f32(&tg, tv + 1, 1) == LIN_OK, "lin_torch_*");
    std::memcpy(tb, tv, sizeof tb);
    check(tb[0] == 0x3fc53f5cu && tb[1] == 0x3e9d6686u, "PyTorch's draws");
    check(lin_torch_reset_parameters(&layer, &tg) == LIN_OK, "lin_torch_reset_parameters");
    check(std::strcmp(lin_status_str(LIN_ERR_ALIAS), "an output overlaps an input, another output or itself") == 0,
          "lin_status_str");
    lin_tensor t = lin_tensor_view(x, 1, shape);
    (void)t;

    std::printf("C++ (%s): %s\n", LIN_VERSION_STRING, failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
