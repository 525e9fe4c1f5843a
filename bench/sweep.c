/* Small and odd layer shapes against the same peers as bench.c: linear.h's
   lin_linear_f32, the naive loop and OpenBLAS sgemm (CblasTrans on the
   weight), single thread, medians of 9 interleaved samples. The shapes
   that set the kernel path choice; `make bench-sweep`.

   usage: sweep */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "linear.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void naive(const float *x, const float *w, const float *b, float *y, size_t batch, size_t in,
                  size_t out)
{
    size_t i, j, p;
    for (i = 0; i < batch; ++i)
        for (j = 0; j < out; ++j) {
            float s = b[j];
            for (p = 0; p < in; ++p) s += x[i * in + p] * w[j * in + p];
            y[i * out + j] = s;
        }
}

static float *random_floats(size_t n)
{
    float *p = (float *)malloc(n * sizeof(float) + 64);
    size_t i;
    if (!p) exit(1);
    for (i = 0; i < n; ++i) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(int c, const float *x, const float *w, const float *b, float *y, size_t batch, size_t in,
                size_t out)
{
    size_t i;
    if (c == 0) {
        lin_linear_f32(x, w, b, y, batch, in, out);
    } else if (c == 1) {
        naive(x, w, b, y, batch, in, out);
    } else {
        for (i = 0; i < batch; ++i) memcpy(y + i * out, b, out * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)out, (int)in, 1.0f, x,
                    (int)in, w, (int)in, 1.0f, y, (int)out);
    }
}

int main(void)
{
    static const size_t shapes[][3] = {
        {1, 10, 10}, {2, 8, 8}, {3, 5, 7}, {1, 32, 32}, {2, 32, 32}, {4, 32, 32}, {5, 32, 32},
        {8, 8, 8}, {8, 16, 16}, {16, 16, 16}, {16, 32, 32}, {32, 10, 10}, {64, 16, 8}, {8, 64, 12},
        {100, 20, 15}, {1, 100, 100}, {3, 100, 100}, {7, 100, 50}, {10, 784, 10}, {1, 2048, 8},
        {1, 8, 2048}, {128, 8, 8}, {1000, 8, 8}, {1000, 4, 4}, {256, 3, 2}, {2, 500, 3},
        {64, 1, 64}, {64, 64, 1}, {33, 65, 17}, {64, 128, 10}, {64, 784, 10}, {64, 784, 16},
        {10, 512, 16}, {32, 1024, 16}, {256, 256, 8}, {1, 512, 1000}, {100, 100, 100},
        {5, 300, 300}};
    const size_t count = sizeof shapes / sizeof shapes[0];
    size_t s;
    openblas_set_num_threads(1);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    printf("%-14s %11s %11s %11s %8s %8s\n", "batch x in x out", "linear.h", "naive", "sgemm", "/naive",
           "/sgemm");
    for (s = 0; s < count; ++s) {
        const size_t batch = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        float *x = random_floats(batch * in), *w = random_floats(out * in), *b = random_floats(out);
        float *y = random_floats(batch * out);
        double t[3][9];
        long calls = 1, k;
        int c, r;
        char label[32];
        for (;;) {                      /* about 5 ms per sample */
            double t0 = now();
            for (k = 0; k < calls; ++k) naive(x, w, b, y, batch, in, out);
            if (now() - t0 > 0.005) break;
            calls *= 2;
        }
        for (r = 0; r < 9; ++r)
            for (c = 0; c < 3; ++c) {
                double t0 = now();
                for (k = 0; k < calls; ++k) run(c, x, w, b, y, batch, in, out);
                t[c][r] = (now() - t0) / (double)calls * 1e9;
            }
        for (c = 0; c < 3; ++c) qsort(t[c], 9, sizeof(double), cmp_double);
        snprintf(label, sizeof label, "%zux%zux%zu", batch, in, out);
        printf("%-16s %9.1fns %9.1fns %9.1fns %8.2f %8.2f\n", label, t[0][4], t[1][4], t[2][4],
               t[1][4] / t[0][4], t[2][4] / t[0][4]);
        free(x);
        free(w);
        free(b);
        free(y);
    }
    return 0;
}
