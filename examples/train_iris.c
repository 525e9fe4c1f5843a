/* train_iris.c - train a small network in C, as one would in PyTorch.

   model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
   loss  = F.cross_entropy(model(x), y)        # Iris: 150 flowers, 3 species
   optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

   Every step: forward, cross-entropy, backward (lin_linear_backward_f32 and
   lin_relu_backward_f32), one Adam step per parameter, zero the gradients.
   tests/test_train.c runs this file's mlp_step from PyTorch's initial
   weights and batch order and checks the loss curve against PyTorch's.

   Run from the repository root: it reads examples/data/iris.csv (the data
   set as scikit-learn ships it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "linear.h"

enum { IN = 4, HIDDEN = 16, CLASSES = 3, ROWS = 150, BATCH = 30 };

/* The parameters, their gradients and Adam's state, each laid out the same
   way: W1 (16, 4), b1 (16), W2 (3, 16), b2 (3). */
typedef struct mlp_params { float W1[HIDDEN * IN], b1[HIDDEN], W2[CLASSES * HIDDEN], b2[CLASSES]; } mlp_params;

typedef struct mlp {
    mlp_params p, grad, exp_avg, exp_avg_sq;
    uint64_t step[4];
    /* activations of one batch, kept for the backward pass */
    float h_pre[BATCH * HIDDEN], h[BATCH * HIDDEN], logits[BATCH * CLASSES];
    float g_logits[BATCH * CLASSES], g_h[BATCH * HIDDEN];
} mlp;

/* One training step on n <= BATCH rows; returns the batch's mean loss. */
static float mlp_step(mlp *net, const lin_adam *opt, const float *x, const int32_t *y, size_t n)
{
    mlp_params *p = &net->p, *g = &net->grad, *m = &net->exp_avg, *v = &net->exp_avg_sq;
    float loss = NAN;
    int ok = 1;
    /* forward: h = relu(x*W1^T + b1), logits = h*W2^T + b2 */
    ok &= lin_linear_f32(x, p->W1, p->b1, net->h_pre, n, IN, HIDDEN) == LIN_OK;
    ok &= lin_relu_f32(net->h_pre, net->h, n * HIDDEN) == LIN_OK;
    ok &= lin_linear_f32(net->h, p->W2, p->b2, net->logits, n, HIDDEN, CLASSES) == LIN_OK;
    ok &= lin_cross_entropy_f32(net->logits, y, n, CLASSES, &loss, net->g_logits) == LIN_OK;
    /* backward, layer 2 then the ReLU then layer 1 (no grad_x for the data) */
    ok &= lin_linear_backward_f32(net->h, p->W2, net->g_logits, net->g_h, g->W2, g->b2, n, HIDDEN,
                                  CLASSES) == LIN_OK;
    ok &= lin_relu_backward_f32(net->h_pre, net->g_h, net->g_h, n * HIDDEN) == LIN_OK;
    ok &= lin_linear_backward_f32(x, p->W1, net->g_h, NULL, g->W1, g->b1, n, IN, HIDDEN) == LIN_OK;
    /* optimizer.step(), then optimizer.zero_grad() */
    ok &= lin_adam_step(opt, p->W1, g->W1, m->W1, v->W1, NULL, &net->step[0], HIDDEN * IN) == LIN_OK;
    ok &= lin_adam_step(opt, p->b1, g->b1, m->b1, v->b1, NULL, &net->step[1], HIDDEN) == LIN_OK;
    ok &= lin_adam_step(opt, p->W2, g->W2, m->W2, v->W2, NULL, &net->step[2], CLASSES * HIDDEN) == LIN_OK;
    ok &= lin_adam_step(opt, p->b2, g->b2, m->b2, v->b2, NULL, &net->step[3], CLASSES) == LIN_OK;
    ok &= lin_zero_f32((float *)g, sizeof *g / sizeof(float)) == LIN_OK;
    return ok ? loss : NAN;
}

#ifndef TRAIN_IRIS_NO_MAIN

static int load_iris(const char *path, float x[ROWS * IN], int32_t y[ROWS])
{
    FILE *fp = fopen(path, "r");
    char header[128];
    int i;
    if (!fp || !fgets(header, sizeof header, fp)) return 0;
    for (i = 0; i < ROWS; ++i)
        if (fscanf(fp, "%f,%f,%f,%f,%d", &x[i * IN], &x[i * IN + 1], &x[i * IN + 2], &x[i * IN + 3],
                   &y[i]) != 5)
            break;
    fclose(fp);
    return i == ROWS;
}

int main(void)
{
    static float x[ROWS * IN], batch_x[BATCH * IN];
    static int32_t y[ROWS], batch_y[BATCH];
    static mlp net;
    size_t order[ROWS], i, j, step, correct = 0;
    lin_adam opt = lin_adam_defaults();
    lin_layer l1, l2;
    lin_rng rng;
    float h[ROWS * HIDDEN], logits[ROWS * CLASSES];

    if (!load_iris("examples/data/iris.csv", x, y)) {
        fprintf(stderr, "cannot read examples/data/iris.csv (run from the repository root)\n");
        return 1;
    }
    for (j = 0; j < IN; ++j) {          /* standardise each feature */
        double mean = 0.0, var = 0.0;
        for (i = 0; i < ROWS; ++i) mean += x[i * IN + j] / (double)ROWS;
        for (i = 0; i < ROWS; ++i) var += (x[i * IN + j] - mean) * (x[i * IN + j] - mean) / (double)ROWS;
        for (i = 0; i < ROWS; ++i) x[i * IN + j] = (float)((x[i * IN + j] - mean) / sqrt(var));
    }

    lin_rng_seed(&rng, 2024);           /* nn.Linear's default initialisation */
    lin_layer_init(&l1, IN, HIDDEN, net.p.W1, net.p.b1);
    lin_layer_init(&l2, HIDDEN, CLASSES, net.p.W2, net.p.b2);
    lin_layer_reset_parameters(&l1, &rng);
    lin_layer_reset_parameters(&l2, &rng);
    opt.lr = 0.01f;
    for (i = 0; i < ROWS; ++i) order[i] = i;
    for (i = ROWS - 1; i > 0; --i) {    /* one fixed shuffle */
        size_t k = lin_rng_next_u32(&rng) % (i + 1), t = order[i];
        order[i] = order[k];
        order[k] = t;
    }

    printf("Iris, 4 -> 16 -> ReLU -> 3, cross-entropy, Adam(lr=0.01), batches of %d\n", BATCH);
    for (step = 0; step < 400; ++step) {
        size_t start = (step * BATCH) % ROWS;
        float loss;
        for (i = 0; i < BATCH; ++i) {
            for (j = 0; j < IN; ++j) batch_x[i * IN + j] = x[order[start + i] * IN + j];
            batch_y[i] = y[order[start + i]];
        }
        loss = mlp_step(&net, &opt, batch_x, batch_y, BATCH);
        if (loss != loss) return 1;
        if (step % 50 == 0 || step == 399) printf("  step %3zu  loss %.4f\n", step, loss);
    }

    /* accuracy on all 150 rows */
    lin_linear_f32(x, net.p.W1, net.p.b1, h, ROWS, IN, HIDDEN);
    lin_relu_f32(h, h, ROWS * HIDDEN);
    lin_linear_f32(h, net.p.W2, net.p.b2, logits, ROWS, HIDDEN, CLASSES);
    for (i = 0; i < ROWS; ++i) {
        size_t best = 0;
        for (j = 1; j < CLASSES; ++j)
            if (logits[i * CLASSES + j] > logits[i * CLASSES + best]) best = j;
        correct += (int32_t)best == y[i];
    }
    printf("training accuracy: %zu / %d = %.1f%%\n", correct, ROWS, 100.0 * (double)correct / ROWS);
    return correct * 100 >= 95 * ROWS ? 0 : 1;
}

#endif
