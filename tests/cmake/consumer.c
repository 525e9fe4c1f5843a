/* consumer.c - a program that uses an installed linear.h as a user would,
   built by `make test-packaging` through pkg-config and through CMake with
   no flags of its own: the training functions call sqrtf, logf and expf,
   so it links only if the package carries the math library.

   Trains nn.Linear(3, 2) for a few Adam steps on one sample (PyTorch's
   default initialisation, cross-entropy), checks that the loss fell, then
   runs the article's worked example; the last line is y = [14, 33]. */
#include <stdio.h>

#include "linear.h"

int main(void)
{
    float W[2 * 3], b[2], gW[2 * 3], gb[2], mW[2 * 3] = {0}, vW[2 * 3] = {0}, mb[2] = {0}, vb[2] = {0};
    float x[3] = {1, 2, 3}, logits[2], g_logits[2], first = 0, loss = 0;
    float W2[2 * 3] = {1, 2, 3, 4, 5, 6}, b2[2] = {0, 1}, y[2];
    int32_t target[1] = {1};
    uint64_t stepW = 0, stepb = 0;
    lin_layer layer;
    lin_rng rng;
    lin_adam adam = lin_adam_defaults();
    int i, ok = 1;

    adam.lr = 0.1f;
    lin_rng_seed(&rng, 7);
    ok &= lin_layer_init(&layer, 3, 2, W, b) == LIN_OK;
    ok &= lin_layer_reset_parameters(&layer, &rng) == LIN_OK;        /* sqrtf */
    for (i = 0; i < 5 && ok; ++i) {
        ok &= lin_linear_f32(x, W, b, logits, 1, 3, 2) == LIN_OK;
        ok &= lin_cross_entropy_f32(logits, target, 1, 2, &loss, g_logits) == LIN_OK; /* expf, logf */
        if (i == 0)
            first = loss;
        ok &= lin_zero_f32(gW, 6) == LIN_OK && lin_zero_f32(gb, 2) == LIN_OK;
        ok &= lin_linear_backward_f32(x, W, g_logits, NULL, gW, gb, 1, 3, 2) == LIN_OK;
        ok &= lin_adam_step(&adam, W, gW, mW, vW, NULL, &stepW, 6) == LIN_OK;  /* sqrtf */
        ok &= lin_adam_step(&adam, b, gb, mb, vb, NULL, &stepb, 2) == LIN_OK;
    }
    printf("cross-entropy over 5 Adam steps: %g -> %g\n", first, loss);
    if (!ok || !(loss < first)) {
        printf("training through the installed package FAILED\n");
        return 1;
    }
    if (lin_linear_f32(x, W2, b2, y, 1, 3, 2) != LIN_OK)
        return 1;
    printf("y = [%g, %g]\n", y[0], y[1]);
    return y[0] == 14.0f && y[1] == 33.0f ? 0 : 1;
}
