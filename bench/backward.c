/* backward.c - the bias gradient alone (grad_x and grad_weight NULL)
   through lin_linear_backward on views against lin_linear_backward_f32 on
   buffers, for the same grad_y: medians of interleaved rounds, one thread.
   make bench-backward builds it at -O2 and at -O3 -march=native. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "linear.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    /* (batch, in, out): grad_y is (batch, out) */
    static const size_t shapes[][3] = {{1, 16, 16}, {8, 128, 1024}, {64, 256, 256}, {256, 1024, 1024}};
    size_t s;
    printf("bias gradient alone, batch x in x out: views / buffers (median of 15 rounds)\n");
    for (s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
        size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2], i, reps;
        float *x = (float *)calloc(m * k, 4), *w = (float *)calloc(n * k, 4);
        float *gy = (float *)malloc(m * n * 4), *gb = (float *)calloc(n, 4);
        lin_tensor xv = lin_matrix(x, m, k), wv = lin_matrix(w, n, k), gyv = lin_matrix(gy, m, n);
        lin_tensor gbv = lin_vector(gb, n);
        double tv[15], tf[15];
        int r;
        if (!x || !w || !gy || !gb) return 1;
        for (i = 0; i < m * n; ++i) gy[i] = (float)(i % 13) * 0.01f;
        reps = (size_t)(2e7 / (double)(m * n + 64)) + 3;
        for (r = 0; r < 15; ++r) {
            double t0 = now();
            for (i = 0; i < reps; ++i) lin_linear_backward(&xv, &wv, &gyv, NULL, NULL, &gbv);
            tv[r] = (now() - t0) / (double)reps;
            t0 = now();
            for (i = 0; i < reps; ++i) lin_linear_backward_f32(x, w, gy, NULL, NULL, gb, m, k, n);
            tf[r] = (now() - t0) / (double)reps;
        }
        qsort(tv, 15, sizeof tv[0], cmp);
        qsort(tf, 15, sizeof tf[0], cmp);
        printf("%4zux%zux%-5zu views %9.1f ns  buffers %9.1f ns  ratio %.2f\n", m, k, n, tv[7] * 1e9,
               tf[7] * 1e9, tv[7] / tf[7]);
        free(x); free(w); free(gy); free(gb);
    }
    return 0;
}
