/* lora_finetune.c - adapt a frozen layer to a shifted task with LoRA.

   A deployed nn.Linear(16, 8) stays frozen. The task has shifted: the
   targets now come from W + dW, with dW of rank 2. A rank-4 LoRA adapter
   (loralib's Linear: y = x . W^T + b + (alpha/r)*(x*A^T)*B^T) learns the shift
   with Adam on A and B only; then lin_lora_merge folds scaling*B*A into W
   and the plain layer gives the adapted outputs. */
#include <math.h>
#include <stdio.h>

#include "linear.h"

enum { IN = 16, OUT = 8, RANK = 4, N = 64 };

int main(void)
{
    static float W[OUT * IN], b[OUT], A[RANK * IN], B[OUT * RANK];
    static float x[N * IN], target[N * OUT], y[N * OUT], y_merged[N * OUT], g_y[N * OUT];
    static float g_A[RANK * IN], g_B[OUT * RANK], mA[RANK * IN], vA[RANK * IN], mB[OUT * RANK],
        vB[OUT * RANK];
    static float scratch[2 * N * RANK], u[OUT * 2], v[2 * IN];
    uint64_t stepA = 0, stepB = 0;
    lin_layer layer;
    lin_lora lora;
    lin_rng rng;
    lin_adam opt = lin_adam_defaults();
    float loss = 0.0f, first = 0.0f, worst = 0.0f;
    size_t i, j, q, step;

    /* the deployed layer, and a task shifted by dW = u*v (rank 2) */
    lin_rng_seed(&rng, 11);
    if (lin_layer_init(&layer, IN, OUT, W, b) != LIN_OK || lin_layer_reset_parameters(&layer, &rng) != LIN_OK)
        return 1;
    for (i = 0; i < OUT * 2; ++i) u[i] = 0.5f * lin_rng_normal(&rng);
    for (i = 0; i < 2 * IN; ++i) v[i] = 0.5f * lin_rng_normal(&rng);
    for (i = 0; i < N * IN; ++i) x[i] = lin_rng_normal(&rng);
    if (lin_linear_f32(x, W, b, target, N, IN, OUT) != LIN_OK) return 1;
    for (i = 0; i < N; ++i)
        for (j = 0; j < OUT; ++j) {
            float shift = 0.0f;
            size_t p;
            for (p = 0; p < IN; ++p)
                for (q = 0; q < 2; ++q) shift += x[i * IN + p] * u[j * 2 + q] * v[q * IN + p];
            target[i * OUT + j] += shift;
        }

    /* a rank-4 adapter, alpha 8: scaling 2; B starts at 0, so y starts as the base's */
    if (lin_lora_init(&lora, &layer, RANK, 8.0f, A, B) != LIN_OK || lin_lora_reset_parameters(&lora, &rng) != LIN_OK)
        return 1;
    opt.lr = 0.01f;
    printf("LoRA rank %d on a frozen Linear(%d, %d), MSE to a shifted task, Adam(lr=0.01)\n", RANK, IN, OUT);
    for (step = 0; step <= 600; ++step) {
        if (lin_lora_forward_f32(&lora, x, y, N, scratch, N * RANK) != LIN_OK ||
            lin_mse_loss_f32(y, target, N * OUT, &loss, g_y) != LIN_OK ||
            lin_lora_backward_f32(&lora, x, g_y, NULL, g_A, g_B, N, scratch, 2 * N * RANK) != LIN_OK ||
            lin_adam_step(&opt, A, g_A, mA, vA, NULL, &stepA, RANK * IN) != LIN_OK ||
            lin_adam_step(&opt, B, g_B, mB, vB, NULL, &stepB, OUT * RANK) != LIN_OK ||
            lin_zero_f32(g_A, RANK * IN) != LIN_OK || lin_zero_f32(g_B, OUT * RANK) != LIN_OK)
            return 1;
        if (step == 0) first = loss;
        if (step % 100 == 0) printf("  step %3zu  loss %.6f\n", step, loss);
    }

    /* deploy: fold scaling*B*A into W; the plain layer now gives the same y */
    if (lin_lora_forward_f32(&lora, x, y, N, scratch, N * RANK) != LIN_OK || lin_lora_merge(&lora) != LIN_OK ||
        lin_linear_f32(x, W, b, y_merged, N, IN, OUT) != LIN_OK)
        return 1;
    for (i = 0; i < N * OUT; ++i) worst = fmaxf(worst, fabsf(y_merged[i] - y[i]));
    printf("merged into W: largest |merged - adapter| over the batch = %.2g\n", worst);
    printf("loss %.6f -> %.6f\n", first, loss);
    return loss < 0.01f * first && worst < 1e-4f ? 0 : 1;
}
