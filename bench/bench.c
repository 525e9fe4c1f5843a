/* bench.c - lin_linear_f32 (also with caller scratch) and a prepared layer
   against their peers, in one process, one run: a naive loop, OpenBLAS
   (sgemm x * W^T, and sgemv at batch 1), oneDNN (inner product, weights
   reordered once), XNNPACK (fully connected operator, weights packed
   once), BLIS (bli_sgemm), and the
   portable path (LIN_NO_SIMD, from bench_portable.c); the machine's own FMA
   peak and read bandwidth, measured here too. The header names the CPU,
   the flags this file was built with and lin_cpu_isa(): `make bench`
   builds it twice, at plain -O2 and at -O3 -march=native.

   Contenders are interleaved and repeated; every figure is a median.

   usage: bench [reps] [csv path]   (single thread; with OpenMP, also 2)
          bench sweep [reps]        (small and odd shapes, one thread)
   Without a csv path the rows go to build/bench.csv, never to the
   committed bench/results.csv (make bench names that one itself). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <blis.h>
#include <oneapi/dnnl/dnnl.h>
#include <xnnpack.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <immintrin.h>

#include "linear.h"

void openblas_set_num_threads(int n);
char *openblas_get_corename(void);
lin_status portable_linear_f32(const float *x, const float *w, const float *b, float *y,
                               size_t batch, size_t in, size_t out);

typedef struct shape { size_t batch, in, out; } shape;

static const shape shapes[] = {
    {1, 3, 2}, {1, 16, 16}, {4, 16, 16}, {1, 64, 64}, {1, 256, 256}, {1, 784, 128},
    {1, 1024, 1024}, {1, 4096, 4096}, {4, 1024, 1024}, {8, 64, 64}, {8, 256, 256},
    {8, 1024, 1024}, {16, 512, 512}, {32, 256, 256}, {32, 1024, 1024}, {64, 128, 10}, {64, 784, 128},
    {64, 512, 512}, {64, 1024, 1024}, {128, 1024, 1024}, {256, 2048, 2048}, {512, 2048, 2048},
};

#ifndef BENCH_FLAGS
#define BENCH_FLAGS "?"
#endif

/* BENCH_SHAPES (e.g. "1x4096x4096,4x1024x1024"): only those of the
   float table's shapes; unset, every one */
static int wanted(const shape *s)
{
    const char *list = getenv("BENCH_SHAPES");
    char want[48];
    if (!list || !*list) return 1;
    snprintf(want, sizeof want, "%lux%lux%lu", (unsigned long)s->batch, (unsigned long)s->in,
             (unsigned long)s->out);
    while (*list) {
        const size_t n = strcspn(list, ",");
        if (n == strlen(want) && !strncmp(list, want, n)) return 1;
        list += n + (list[n] == ',');
    }
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- the contenders: y (batch, out) = x (batch, in) * W (out, in)^T + b ---- */

enum { C_LIN, C_PREP, C_SCRATCH, C_PORTABLE, C_NAIVE, C_SGEMM, C_SGEMV, C_DNNL, C_XNN, C_BLIS, C_COUNT };
static const char *names[C_COUNT] = {"linear.h", "prepared", "scratch", "portable", "naive", "sgemm", "sgemv",
                                     "oneDNN", "XNNPACK", "BLIS"};

/* the loop a user writes by hand */
static void naive(const float *x, const float *w, const float *b, float *y,
                  size_t batch, size_t in, size_t out)
{
    size_t i, j, p;
    for (i = 0; i < batch; ++i)
        for (j = 0; j < out; ++j) {
            float s = b[j];
            for (p = 0; p < in; ++p) s += x[i * in + p] * w[j * in + p];
            y[i * out + j] = s;
        }
}

/* What the peers that plan once hold for a shape, made before timing:
   linear.h's prepared layer, oneDNN's primitive with its weights
   reordered, XNNPACK's operator with its weights packed. */
typedef struct peers {
    lin_prepared prep;
    void *prep_buf;
    void *scratch;              /* lin_linear_f32_scratch's, NULL where it needs none */
    size_t scratch_bytes;
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t ip;
    dnnl_memory_t src, wei, bias, dst;
    int dnnl_ok;
    xnn_operator_t xnn;
    int xnn_ok;
} peers;

static void peers_make(peers *p, const float *x, const float *w, const float *b, float *y, const shape *s)
{
    dnnl_dims_t sd = {(dnnl_dim_t)s->batch, (dnnl_dim_t)s->in}, wd = {(dnnl_dim_t)s->out, (dnnl_dim_t)s->in};
    dnnl_dims_t bd = {(dnnl_dim_t)s->out}, dd = {(dnnl_dim_t)s->batch, (dnnl_dim_t)s->out};
    dnnl_memory_desc_t smd, wany, wuser, bmd, dmd;
    dnnl_inner_product_desc_t ipd;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t wsrc = NULL;
    size_t bytes = lin_prepared_size(s->in, s->out);
    memset(p, 0, sizeof *p);
    p->prep_buf = malloc(bytes);
    if (!p->prep_buf || lin_prepare_f32(&p->prep, w, b, s->in, s->out, p->prep_buf, bytes) != LIN_OK) {
        fprintf(stderr, "lin_prepare_f32 failed\n");
        exit(1);
    }
    p->scratch_bytes = lin_linear_scratch_size(s->batch, s->in, s->out);
    p->scratch = p->scratch_bytes ? malloc(p->scratch_bytes) : NULL;
    if (p->scratch_bytes && !p->scratch) exit(1);
    /* oneDNN: inner product for inference, weights in the layout it picks */
    p->dnnl_ok = dnnl_engine_create(&p->eng, dnnl_cpu, 0) == dnnl_success &&
                 dnnl_stream_create(&p->stream, p->eng, dnnl_stream_default_flags) == dnnl_success &&
                 dnnl_memory_desc_init_by_tag(&smd, 2, sd, dnnl_f32, dnnl_nc) == dnnl_success &&
                 dnnl_memory_desc_init_by_tag(&wany, 2, wd, dnnl_f32, dnnl_format_tag_any) == dnnl_success &&
                 dnnl_memory_desc_init_by_tag(&wuser, 2, wd, dnnl_f32, dnnl_oi) == dnnl_success &&
                 dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x) == dnnl_success &&
                 dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_nc) == dnnl_success &&
                 dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &smd, &wany, &bmd, &dmd) ==
                     dnnl_success &&
                 dnnl_primitive_desc_create(&pd, &ipd, NULL, p->eng, NULL) == dnnl_success &&
                 dnnl_primitive_create(&p->ip, pd) == dnnl_success &&
                 dnnl_memory_create(&p->src, &smd, p->eng, (void *)x) == dnnl_success &&
                 dnnl_memory_create(&p->bias, &bmd, p->eng, (void *)b) == dnnl_success &&
                 dnnl_memory_create(&p->dst, &dmd, p->eng, y) == dnnl_success &&
                 dnnl_memory_create(&wsrc, &wuser, p->eng, (void *)w) == dnnl_success &&
                 dnnl_memory_create(&p->wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), p->eng,
                                    DNNL_MEMORY_ALLOCATE) == dnnl_success &&
                 dnnl_reorder_primitive_desc_create(&rpd, &wuser, p->eng,
                                                    dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                                    p->eng, NULL) == dnnl_success &&
                 dnnl_primitive_create(&reorder, rpd) == dnnl_success;
    if (p->dnnl_ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, wsrc}, {DNNL_ARG_TO, p->wei}};
        p->dnnl_ok = dnnl_primitive_execute(reorder, p->stream, 2, args) == dnnl_success &&
                     dnnl_stream_wait(p->stream) == dnnl_success;
    }
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (wsrc) dnnl_memory_destroy(wsrc);
    /* XNNPACK: fully connected, no clamp, no thread pool (one thread) */
    p->xnn_ok = xnn_create_fully_connected_nc_f32(s->in, s->out, s->in, s->out, w, b, -INFINITY, INFINITY, 0,
                                                  &p->xnn) == xnn_status_success &&
                xnn_setup_fully_connected_nc_f32(p->xnn, s->batch, x, y, NULL) == xnn_status_success;
}

static void peers_free(peers *p)
{
    free(p->prep_buf);
    free(p->scratch);
    if (p->ip) dnnl_primitive_destroy(p->ip);
    if (p->src) dnnl_memory_destroy(p->src);
    if (p->wei) dnnl_memory_destroy(p->wei);
    if (p->bias) dnnl_memory_destroy(p->bias);
    if (p->dst) dnnl_memory_destroy(p->dst);
    if (p->stream) dnnl_stream_destroy(p->stream);
    if (p->eng) dnnl_engine_destroy(p->eng);
    if (p->xnn) xnn_delete_operator(p->xnn);
}

static peers *cur_peers;      /* the shape's planned peers, for run() */

static void run(int c, const float *x, const float *w, const float *b, float *y, const shape *s)
{
    size_t i;
    switch (c) {
    case C_LIN: lin_linear_f32(x, w, b, y, s->batch, s->in, s->out); break;
    case C_PREP: lin_linear_prepared_f32(&cur_peers->prep, x, y, s->batch); break;
    case C_SCRATCH:
        lin_linear_f32_scratch(x, w, b, y, s->batch, s->in, s->out, cur_peers->scratch, cur_peers->scratch_bytes);
        break;
    case C_PORTABLE: portable_linear_f32(x, w, b, y, s->batch, s->in, s->out); break;
    case C_NAIVE: naive(x, w, b, y, s->batch, s->in, s->out); break;
    case C_SGEMM:   /* y = b broadcast, then y += x * W^T */
        for (i = 0; i < s->batch; ++i) memcpy(y + i * s->out, b, s->out * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->batch, (int)s->out, (int)s->in,
                    1.0f, x, (int)s->in, w, (int)s->in, 1.0f, y, (int)s->out);
        break;
    case C_SGEMV:   /* batch 1: y = W * x + b */
        memcpy(y, b, s->out * sizeof(float));
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)s->out, (int)s->in, 1.0f, w, (int)s->in, x, 1,
                    1.0f, y, 1);
        break;
    case C_DNNL: {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, cur_peers->src}, {DNNL_ARG_WEIGHTS, cur_peers->wei},
                                   {DNNL_ARG_BIAS, cur_peers->bias}, {DNNL_ARG_DST, cur_peers->dst}};
        dnnl_primitive_execute(cur_peers->ip, cur_peers->stream, 4, args);
        dnnl_stream_wait(cur_peers->stream);
        break;
    }
    case C_XNN: xnn_run_operator(cur_peers->xnn, NULL); break;
    case C_BLIS: {  /* y = b broadcast, then y += x * W^T */
        float one = 1.0f;
        for (i = 0; i < s->batch; ++i) memcpy(y + i * s->out, b, s->out * sizeof(float));
        bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_TRANSPOSE, (dim_t)s->batch, (dim_t)s->out, (dim_t)s->in, &one,
                  (float *)x, (inc_t)s->in, 1, (float *)w, (inc_t)s->in, 1, &one, y, (inc_t)s->out, 1);
        break;
    }
    }
}

/* Seconds per call: enough calls to fill about 20 ms, at least one. */
static double time_calls(int c, const float *x, const float *w, const float *b, float *y,
                         const shape *s, long calls)
{
    double t0 = now();
    long i;
    for (i = 0; i < calls; ++i) run(c, x, w, b, y, s);
    return (now() - t0) / (double)calls;
}

static long calibrate(int c, const float *x, const float *w, const float *b, float *y, const shape *s)
{
    long calls = 1;
    double t;
    while ((t = time_calls(c, x, w, b, y, s, calls)) * (double)calls < 0.02 && calls < (1L << 26))
        calls *= 2;
    return calls;
}

/* ---- the machine ---- */

/* Single-core FMA peak, GFLOP/s: independent FMA chains, 2 flops per lane,
   with the widest FMA the CPU has, whatever this file's flags (each loop
   under its own target attribute), so both builds measure the same peak. */
static volatile float seeds[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* twelve chains from distinct starts (a compiler merges identical ones),
   enough to cover the FMA latency on every pipe; returns flops */
__attribute__((target("avx512f"))) static double fma_chains512(long n, float *sink)
{
    __m512 a0 = _mm512_set1_ps(seeds[0]), a1 = _mm512_set1_ps(seeds[1]), a2 = _mm512_set1_ps(seeds[2]),
           a3 = _mm512_set1_ps(seeds[3]), a4 = _mm512_set1_ps(seeds[4]), a5 = _mm512_set1_ps(seeds[5]),
           a6 = _mm512_set1_ps(seeds[6]), a7 = _mm512_set1_ps(seeds[7]), a8 = _mm512_set1_ps(seeds[8]),
           a9 = _mm512_set1_ps(seeds[9]), a10 = _mm512_set1_ps(seeds[10]), a11 = _mm512_set1_ps(seeds[11]);
    const __m512 m = _mm512_set1_ps(0.999999f), d = _mm512_set1_ps(1e-7f);
    long i;
    for (i = 0; i < n; ++i) {
        a0 = _mm512_fmadd_ps(a0, m, d); a1 = _mm512_fmadd_ps(a1, m, d);
        a2 = _mm512_fmadd_ps(a2, m, d); a3 = _mm512_fmadd_ps(a3, m, d);
        a4 = _mm512_fmadd_ps(a4, m, d); a5 = _mm512_fmadd_ps(a5, m, d);
        a6 = _mm512_fmadd_ps(a6, m, d); a7 = _mm512_fmadd_ps(a7, m, d);
        a8 = _mm512_fmadd_ps(a8, m, d); a9 = _mm512_fmadd_ps(a9, m, d);
        a10 = _mm512_fmadd_ps(a10, m, d); a11 = _mm512_fmadd_ps(a11, m, d);
    }
    a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                       _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    a0 = _mm512_add_ps(a0, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    *sink = _mm512_reduce_add_ps(a0);
    return 2.0 * 16 * 12 * (double)n;
}

__attribute__((target("avx2,fma"))) static double fma_chains256(long n, float *sink)
{
    __m256 a0 = _mm256_set1_ps(seeds[0]), a1 = _mm256_set1_ps(seeds[1]), a2 = _mm256_set1_ps(seeds[2]),
           a3 = _mm256_set1_ps(seeds[3]), a4 = _mm256_set1_ps(seeds[4]), a5 = _mm256_set1_ps(seeds[5]),
           a6 = _mm256_set1_ps(seeds[6]), a7 = _mm256_set1_ps(seeds[7]), a8 = _mm256_set1_ps(seeds[8]),
           a9 = _mm256_set1_ps(seeds[9]);
    const __m256 m = _mm256_set1_ps(0.999999f), d = _mm256_set1_ps(1e-7f);
    float lanes[8];
    long i;
    for (i = 0; i < n; ++i) {
        a0 = _mm256_fmadd_ps(a0, m, d); a1 = _mm256_fmadd_ps(a1, m, d);
        a2 = _mm256_fmadd_ps(a2, m, d); a3 = _mm256_fmadd_ps(a3, m, d);
        a4 = _mm256_fmadd_ps(a4, m, d); a5 = _mm256_fmadd_ps(a5, m, d);
        a6 = _mm256_fmadd_ps(a6, m, d); a7 = _mm256_fmadd_ps(a7, m, d);
        a8 = _mm256_fmadd_ps(a8, m, d); a9 = _mm256_fmadd_ps(a9, m, d);
    }
    a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                       _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    a0 = _mm256_add_ps(a0, _mm256_add_ps(a8, a9));
    _mm256_storeu_ps(lanes, a0);
    *sink = lanes[0];
    return 2.0 * 8 * 10 * (double)n;
}

static double fma_peak(void)
{
    const char *isa = lin_cpu_isa();
    double best = 0.0;
    int rep, wide;
    /* the widest FMA of the family linear.h runs (BENCH_ISA=avx2 on an
       AVX-512 machine: AVX2's); lin_cpu_isa() names only what the CPU has */
    wide = !strcmp(isa, "avx512") ? 512 : !strcmp(isa, "avx2") ? 256 : 0;
    for (rep = 0; rep < 5; ++rep) {
        const long n = 20000000;
        double t0 = now(), t, flops;
        float sink;
        if (wide == 512) {
            flops = fma_chains512(n, &sink);
        } else if (wide == 256) {
            flops = fma_chains256(n, &sink);
        } else {
            float a[16];
            long i;
            int k;
            for (k = 0; k < 16; ++k) a[k] = seeds[k % 12];
            for (i = 0; i < n; ++i)
                for (k = 0; k < 16; ++k) a[k] = a[k] * 0.999999f + 1e-7f;
            sink = a[0] + a[15];
            flops = 2.0 * 16 * (double)n;
        }
        t = now() - t0;
        if (sink == 12345.0f) puts("");
        if (flops / t / 1e9 > best) best = flops / t / 1e9;
    }
    return best;
}

/* Single-core read bandwidth, GB/s, over a buffer far larger than the
   caches, read front to back (one stream read faster than four or more here). */
static double read_bandwidth(void)
{
    const size_t n = (size_t)256 << 20;   /* 1 GiB of floats */
    float *buf = (float *)malloc(n * sizeof(float));
    double samples[5];
    int rep;
    size_t i;
    if (!buf) return 0.0;
    for (i = 0; i < n; ++i) buf[i] = (float)(i & 7);
    for (rep = 0; rep < 5; ++rep) {
        double t0 = now(), t;
        float sink;
#if defined(__AVX512F__)
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (i = 0; i < n; i += 64) {
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps(buf + i));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps(buf + i + 16));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps(buf + i + 32));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps(buf + i + 48));
        }
        sink = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
#else
        float s[16] = {0};
        int k;
        for (i = 0; i < n; i += 16)
            for (k = 0; k < 16; ++k) s[k] += buf[i + k];
        sink = s[0] + s[15];
#endif
        t = now() - t0;
        if (sink == 12345.0f) puts("");
        samples[rep] = (double)n * sizeof(float) / t / 1e9;
    }
    free(buf);
    return median(samples, 5);
}

static float *random_floats(size_t n, unsigned seed);
static void set_threads(int n);

/* ---- int8: lin_linear_s8 against the float path, one thread ---- */

static void bench_s8(int reps, double peak, FILE *csv)
{
    const size_t nshapes = sizeof shapes / sizeof shapes[0];
    size_t si, i;
    lin_quant q = {3, 0, -5, 1518500250, -9, -128, 127};
    (void)peak;
    set_threads(1);
    printf("== int8, 1 thread: lin_linear_s8 (TFLite requantization) against lin_linear_f32\n");
    printf("%-16s %12s %9s %12s %8s %12s %12s\n", "batch x in x out", "s8", "GOP/s", "f32", "f32/s8",
           "weights f32", "weights s8");
    for (si = 0; si < nshapes; ++si) {
        const shape *s = &shapes[si];
        double ops = 2.0 * (double)s->batch * (double)s->in * (double)s->out, ts[64], tf[64], ms, mf;
        float *x = random_floats(s->batch * s->in, 1), *w = random_floats(s->out * s->in, 2);
        float *b = random_floats(s->out, 3), *y = random_floats(s->batch * s->out, 4);
        int8_t *xq = (int8_t *)malloc(s->batch * s->in + 1), *wq = (int8_t *)malloc(s->out * s->in + 1);
        int8_t *yq = (int8_t *)malloc(s->batch * s->out + 1);
        int32_t *bq = (int32_t *)malloc(s->out * sizeof(int32_t) + 4);
        long calls_s = 1, calls_f;
        int r;
        char col_s[24], col_f[24];
        if (ops > 2e9) { free(x); free(w); free(b); free(y); free(xq); free(wq); free(yq); free(bq); continue; }
        for (i = 0; i < s->batch * s->in; ++i) xq[i] = (int8_t)(x[i] * 127.0f);
        for (i = 0; i < s->out * s->in; ++i) wq[i] = (int8_t)(w[i] * 127.0f);
        for (i = 0; i < s->out; ++i) bq[i] = (int32_t)(b[i] * 1000.0f);
        for (;;) {                      /* about 20 ms per sample */
            double t0 = now();
            long c;
            for (c = 0; c < calls_s; ++c) lin_linear_s8(xq, wq, bq, yq, s->batch, s->in, s->out, &q);
            if ((now() - t0) >= 0.02 || calls_s >= (1L << 26)) break;
            calls_s *= 2;
        }
        calls_f = calibrate(C_LIN, x, w, b, y, s);
        for (r = 0; r < reps && r < 64; ++r) {
            double t0 = now();
            long c;
            for (c = 0; c < calls_s; ++c) lin_linear_s8(xq, wq, bq, yq, s->batch, s->in, s->out, &q);
            ts[r] = (now() - t0) / (double)calls_s;
            tf[r] = time_calls(C_LIN, x, w, b, y, s, calls_f);
        }
        ms = median(ts, reps < 64 ? reps : 64);
        mf = median(tf, reps < 64 ? reps : 64);
        fprintf(csv, "1,%zu,%zu,%zu,linear.h s8,%.9g,%.4g\n", s->batch, s->in, s->out, ms, ops / ms / 1e9);
        snprintf(col_s, sizeof col_s, ops < 1e5 ? "%.1fns" : "%.1f", ops < 1e5 ? ms * 1e9 : ops / ms / 1e9);
        snprintf(col_f, sizeof col_f, ops < 1e5 ? "%.1fns" : "%.1f", ops < 1e5 ? mf * 1e9 : ops / mf / 1e9);
        {
            char label[32];
            snprintf(label, sizeof label, "%zux%zux%zu", s->batch, s->in, s->out);
            printf("%-16s %12s %9.2f %12s %8.2f %12zu %12zu\n", label, col_s, ops / ms / 1e9, col_f, mf / ms,
                   s->in * s->out * sizeof(float), s->in * s->out);
        }
        free(x); free(w); free(b); free(y); free(xq); free(wq); free(yq); free(bq);
    }
    printf("\n");
}

/* ---- compressed weights: f16, bf16, q8w, q4w against lin_linear_f32, one thread;
   and the int16x8 layer (int16 x and y, W as q8w's int8) ---- */

typedef struct wf_operands {
    const float *x, *w, *b, *s8, *s4;
    float *y;
    const uint16_t *h, *bf;
    const int8_t *q8;
    const uint8_t *q4;
    const int16_t *x16;
    const int64_t *b64;
    int16_t *y16;
    size_t batch, in, out;
} wf_operands;

static void wf_call(int form, const wf_operands *o)
{
    switch (form) {
    case 0: lin_linear_f32(o->x, o->w, o->b, o->y, o->batch, o->in, o->out); break;
    case 1: lin_linear_f16w(o->x, o->h, o->b, o->y, o->batch, o->in, o->out); break;
    case 2: lin_linear_bf16w(o->x, o->bf, o->b, o->y, o->batch, o->in, o->out); break;
    case 3: lin_linear_q8w(o->x, o->q8, o->s8, o->b, o->y, o->batch, o->in, o->out); break;
    case 4: lin_linear_q4w(o->x, o->q4, o->s4, o->b, o->y, o->batch, o->in, o->out); break;
    default: {
        static const lin_quant q16 = {0, 0, 0, 1518500250, -12, -32768, 32767};
        lin_linear_s16(o->x16, o->q8, o->b64, o->y16, o->batch, o->in, o->out, &q16);
        break;
    }
    }
}

static void bench_wf(int reps, FILE *csv)
{
    static const size_t wshapes[][3] = {{1, 1024, 1024}, {1, 4096, 4096}, {1, 4096, 11008}, {32, 1024, 1024},
                                        {32, 4096, 4096}};
    static const char *const names[6] = {"f32", "f16w", "bf16w", "q8w", "q4w", "s16"};
    size_t si, i;
    set_threads(1);
    printf("== weights in fewer bytes, 1 thread: lin_linear_f16w, _bf16w, _q8w, _q4w and the int16x8\n"
           "   lin_linear_s16 against lin_linear_f32\n");
    printf("%-16s %9s %9s %9s %9s %9s %9s %7s %7s %7s %7s %7s\n", "batch x in x out", "f32", "f16w", "bf16w",
           "q8w", "q4w", "s16", "f16/f", "bf16/f", "q8/f", "q4/f", "s16/f");
    for (si = 0; si < sizeof wshapes / sizeof wshapes[0]; ++si) {
        const size_t batch = wshapes[si][0], in = wshapes[si][1], out = wshapes[si][2], nw = in * out;
        const double ops = 2.0 * (double)batch * (double)in * (double)out;
        float *x = random_floats(batch * in, 1), *w = random_floats(nw, 2), *b = random_floats(out, 3);
        float *y = random_floats(batch * out, 4), *s8 = random_floats(out, 5), *s4 = random_floats(nw / 32, 6);
        uint16_t *h = (uint16_t *)malloc(nw * 2), *bf = (uint16_t *)malloc(nw * 2);
        int8_t *q8 = (int8_t *)malloc(nw);
        uint8_t *q4 = (uint8_t *)malloc(nw / 2);
        int16_t *x16 = (int16_t *)malloc(batch * in * 2), *y16 = (int16_t *)malloc(batch * out * 2);
        int64_t *b64 = (int64_t *)malloc(out * 8);
        wf_operands o;
        double t[6][64], med[6];
        long calls[6];
        int f, r;
        char label[32];
        if (!h || !bf || !q8 || !q4 || !x16 || !y16 || !b64) exit(1);
        for (i = 0; i < batch * in; ++i) x16[i] = (int16_t)(x[i] * 32767.0f);
        for (i = 0; i < out; ++i) b64[i] = (int64_t)(b[i] * 1e6f);
        for (i = 0; i < nw; ++i) {
            h[i] = lin_f32_to_f16(w[i]);
            bf[i] = lin_f32_to_bf16(w[i]);
        }
        lin_quantize_q8w(w, q8, s8, in, out);
        lin_quantize_q4w(w, q4, s4, in, out);
        o.x = x; o.w = w; o.b = b; o.s8 = s8; o.s4 = s4; o.y = y; o.h = h; o.bf = bf; o.q8 = q8; o.q4 = q4;
        o.x16 = x16; o.b64 = b64; o.y16 = y16;
        o.batch = batch; o.in = in; o.out = out;
        for (f = 0; f < 6; ++f)                 /* about 20 ms per sample */
            for (calls[f] = 1;; calls[f] *= 2) {
                double t0 = now();
                long c;
                for (c = 0; c < calls[f]; ++c) wf_call(f, &o);
                if (now() - t0 >= 0.02 || calls[f] >= (1L << 26)) break;
            }
        for (r = 0; r < reps && r < 64; ++r)    /* interleaved */
            for (f = 0; f < 6; ++f) {
                double t0 = now();
                long c;
                for (c = 0; c < calls[f]; ++c) wf_call(f, &o);
                t[f][r] = (now() - t0) / (double)calls[f];
            }
        for (f = 0; f < 6; ++f) {
            med[f] = median(t[f], reps < 64 ? reps : 64);
            fprintf(csv, "1,%zu,%zu,%zu,linear.h %s,%.9g,%.4g\n", batch, in, out, names[f], med[f],
                    ops / med[f] / 1e9);
        }
        snprintf(label, sizeof label, "%zux%zux%zu", batch, in, out);
        printf("%-16s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f %7.2f %7.2f %7.2f\n", label,
               ops / med[0] / 1e9, ops / med[1] / 1e9, ops / med[2] / 1e9, ops / med[3] / 1e9, ops / med[4] / 1e9,
               ops / med[5] / 1e9, med[0] / med[1], med[0] / med[2], med[0] / med[3], med[0] / med[4],
               med[0] / med[5]);
        fflush(stdout);
        free(x); free(w); free(b); free(y); free(s8); free(s4); free(h); free(bf); free(q8); free(q4);
        free(x16); free(y16); free(b64);
    }
    printf("(GFLOP/s, GOP/s for s16; x/f = lin_linear_f32's time over the form's: above 1 the form is faster)\n\n");
}

/* ---- main ---- */

static float *random_floats(size_t n, unsigned seed)
{
    float *p = (float *)malloc((n ? n : 1) * sizeof(float));
    size_t i;
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / 8388608.0f - 1.0f;
    }
    return p;
}

static void set_threads(int n)
{
    openblas_set_num_threads(n);
    bli_thread_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

/* ---- bench sweep: small and odd shapes, the ones that set the path choice ---- */

static const shape sweep_shapes[] = {
    {1, 10, 10}, {2, 8, 8}, {3, 5, 7}, {1, 32, 32}, {2, 32, 32}, {4, 32, 32}, {5, 32, 32},
    {8, 8, 8}, {8, 16, 16}, {16, 16, 16}, {16, 32, 32}, {32, 10, 10}, {64, 16, 8}, {8, 64, 12},
    {100, 20, 15}, {1, 100, 100}, {3, 100, 100}, {7, 100, 50}, {10, 784, 10}, {1, 2048, 8},
    {1, 8, 2048}, {128, 8, 8}, {1000, 8, 8}, {1000, 4, 4}, {256, 3, 2}, {2, 500, 3},
    {64, 1, 64}, {64, 64, 1}, {33, 65, 17}, {64, 784, 10}, {64, 784, 16}, {10, 512, 16},
    {32, 1024, 16}, {256, 256, 8}, {1, 512, 1000}, {100, 100, 100}, {5, 300, 300}, {2, 16, 16},
};

/* linear.h, the naive loop and sgemm, one thread, interleaved, medians */
static int sweep(int reps)
{
    static const int who[3] = {C_LIN, C_NAIVE, C_SGEMM};
    const size_t count = sizeof sweep_shapes / sizeof sweep_shapes[0];
    size_t si;
    set_threads(1);
    printf("%-16s %11s %11s %11s %8s %8s\n", "batch x in x out", "linear.h", "naive", "sgemm",
           "/naive", "/sgemm");
    for (si = 0; si < count; ++si) {
        const shape *s = &sweep_shapes[si];
        float *x = random_floats(s->batch * s->in, 1), *w = random_floats(s->out * s->in, 2);
        float *b = random_floats(s->out, 3), *y = random_floats(s->batch * s->out, 4);
        double samples[3][64], med[3];
        long calls[3];
        int c, r;
        char label[32];
        for (c = 0; c < 3; ++c) calls[c] = calibrate(who[c], x, w, b, y, s);
        for (r = 0; r < reps && r < 64; ++r)
            for (c = 0; c < 3; ++c) samples[c][r] = time_calls(who[c], x, w, b, y, s, calls[c]);
        for (c = 0; c < 3; ++c) med[c] = median(samples[c], reps < 64 ? reps : 64) * 1e9;
        snprintf(label, sizeof label, "%zux%zux%zu", s->batch, s->in, s->out);
        printf("%-16s %9.1fns %9.1fns %9.1fns %8.2f %8.2f\n", label, med[0], med[1], med[2],
               med[1] / med[0], med[2] / med[0]);
        free(x);
        free(w);
        free(b);
        free(y);
    }
    return 0;
}

/* the CPU's name, from /proc/cpuinfo */
static void cpu_name(char *buf, size_t size)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    snprintf(buf, size, "unknown");
    if (!f) return;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            char *v = strchr(line, ':') + 2, *nl = strchr(v, '\n');
            if (nl) *nl = '\0';
            snprintf(buf, size, "%s", v);
            break;
        }
    fclose(f);
}

/* BLIS 0.9 knows neither AMD's Zen 4 nor Zen 5 and runs its generic C
   kernels there (30 GFLOP/s at 512x2048x2048 on a Zen 5; its SkylakeX
   kernels 157). Unless BLIS_ARCH_TYPE is set, the bench holds BLIS to
   the kernels of this CPU's vector family that BLIS has (SkylakeX for
   AVX-512, Haswell for AVX2 + FMA, Haswell too under BENCH_ISA=avx2) and
   starts again, since BLIS reads the variable once; BLIS_ARCH_TYPE is an
   index into BLIS's own list. */
static void blis_best(char **argv)
{
    const char *isa = getenv("BENCH_ISA");
    int want = -1;
    char id[16];
    if (getenv("BLIS_ARCH_TYPE")) return;
    if (isa && !strcmp(isa, "avx2")) {
        want = BLIS_ARCH_HASWELL;
    } else {
        bli_init();
        if (bli_arch_query_id() != BLIS_ARCH_GENERIC) return;
        if (__builtin_cpu_supports("avx512f")) want = BLIS_ARCH_SKX;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) want = BLIS_ARCH_HASWELL;
    }
    if (want < 0) return;
    snprintf(id, sizeof id, "%d", want);
    if (setenv("BLIS_ARCH_TYPE", id, 1) == 0) execv("/proc/self/exe", argv);
}

/* The -O2 build has no OpenMP of its own, so it cannot hold oneDNN's
   OpenMP threads to one: OMP_NUM_THREADS does, read when the runtime
   starts. Run by hand without it, oneDNN ran on every core in the table
   headed "1 thread" (on a 2-core Zen 4, 195-220 GFLOP/s against the
   core's 116): the bench runs itself again with it set to 1. */
static void one_omp_thread(char **argv)
{
#ifndef _OPENMP
    if (getenv("OMP_NUM_THREADS")) return;
    if (setenv("OMP_NUM_THREADS", "1", 1) == 0) execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    const char *csv_path = argc > 2 ? argv[2] : "build/bench.csv";   /* not a committed file */
    const size_t nshapes = sizeof shapes / sizeof shapes[0];
    double peak, bw;
    FILE *csv;
    size_t si;
    int threads, max_threads = 1, xnn_unheld = 0;
    char cpu[200];

    one_omp_thread(argv);
    blis_best(argv);
    if (xnn_initialize(NULL) != xnn_status_success) { fprintf(stderr, "xnn_initialize failed\n"); return 1; }
    bli_init();
    if (argc > 1 && !strcmp(argv[1], "sweep")) return sweep(argc > 2 ? atoi(argv[2]) : 9);
#ifdef _OPENMP
    max_threads = 2;
#endif
    if (getenv("BENCH_ISA")) {   /* e.g. avx2: linear.h's AVX2 family on an AVX-512 machine */
        static const char *const isa[] = {"portable", "sse2", "avx2", "avx512", "neon"};
        const char *own = lin_cpu_isa();
        int i, ok = 0;
        for (i = 0; i < 5; ++i)
            if (!strcmp(getenv("BENCH_ISA"), isa[i])) ok = lin__isa_force(i);
        if (!ok) { fprintf(stderr, "BENCH_ISA=%s: not a family this CPU runs\n", getenv("BENCH_ISA")); return 1; }
        xnn_unheld = strcmp(own, lin_cpu_isa()) != 0;
    }
    set_threads(1);
    cpu_name(cpu, sizeof cpu);
    printf("cpu: %s; linear.h kernels: %s; built with %s%s%s%s%s\n", cpu, lin_cpu_isa(), BENCH_FLAGS,
           getenv("OPENBLAS_CORETYPE") ? "; OPENBLAS_CORETYPE=" : "",
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "",
           getenv("DNNL_MAX_CPU_ISA") ? "; DNNL_MAX_CPU_ISA=" : "",
           getenv("DNNL_MAX_CPU_ISA") ? getenv("DNNL_MAX_CPU_ISA") : "");
    printf("peers: OpenBLAS kernels %s; BLIS kernels %s%s%s%s\n", openblas_get_corename(),
           bli_arch_string(bli_arch_query_id()), getenv("BLIS_ARCH_TYPE") ? " (BLIS_ARCH_TYPE=" : "",
           getenv("BLIS_ARCH_TYPE") ? getenv("BLIS_ARCH_TYPE") : "", getenv("BLIS_ARCH_TYPE") ? ")" : "");
    if (xnn_unheld)
        printf("XNNPACK picks its kernels from the CPU itself and cannot be held to %s: its column is its "
               "own best, not counted in best\n", lin_cpu_isa());
    peak = fma_peak();
    bw = read_bandwidth();
    printf("machine: %s FMA peak %.1f GFLOP/s, read bandwidth %.1f GB/s (one core, measured now)\n",
           lin_cpu_isa(), peak, bw);
    printf("%d repetitions per figure, interleaved; medians\n\n", reps);
    csv = fopen(csv_path, "w");
    if (!csv) { perror(csv_path); return 1; }
    fprintf(csv, "threads,batch,in,out,contender,seconds,gflops\n");
    if (getenv("BENCH_ONLY") && !strcmp(getenv("BENCH_ONLY"), "wformats")) {   /* the last table alone */
        bench_wf(reps, csv);
        fclose(csv);
        return 0;
    }

    for (threads = 1; threads <= max_threads; ++threads) {
        set_threads(threads);
        printf("== %d thread%s\n", threads, threads > 1 ? "s" : "");
        printf("%-15s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s %7s %7s %7s %6s\n", "batch x in x out",
               "linear.h", "prepared", "scratch", "portable", "naive", "sgemm", "sgemv", "oneDNN", "XNNPACK",
               "BLIS", "best/l", "best/p", "best/s", "naive/l", "%peak");
        for (si = 0; si < nshapes; ++si) {
            const shape *s = &shapes[si];
            double flops = 2.0 * (double)s->batch * (double)s->in * (double)s->out;
            float *x, *w, *b, *y;
            double samples[C_COUNT][64], med[C_COUNT], best = 0.0;
            long calls[C_COUNT];
            int c, r, have[C_COUNT];
            peers pe;
            if (!wanted(s)) continue;
            x = random_floats(s->batch * s->in, 1);
            w = random_floats(s->out * s->in, 2);
            b = random_floats(s->out, 3);
            y = random_floats(s->batch * s->out, 4);
            peers_make(&pe, x, w, b, y, s);
            cur_peers = &pe;
            for (c = 0; c < C_COUNT; ++c) {
                have[c] = 1;
                if (c == C_SGEMV && s->batch != 1) have[c] = 0;
                if (c == C_SCRATCH && !pe.scratch_bytes) have[c] = 0;     /* lin_linear_f32 itself */
                if (c == C_NAIVE && flops > 2e9) have[c] = 0;      /* seconds per call */
                if (c == C_PORTABLE && (threads > 1 || flops > 2e9)) have[c] = 0;
                if (c == C_DNNL && !pe.dnnl_ok) have[c] = 0;
                if (c == C_XNN && (!pe.xnn_ok || threads > 1)) have[c] = 0;   /* no thread pool */
                if (have[c]) calls[c] = calibrate(c, x, w, b, y, s);
            }
            for (r = 0; r < reps && r < 64; ++r)
                for (c = 0; c < C_COUNT; ++c)
                    if (have[c]) samples[c][r] = time_calls(c, x, w, b, y, s, calls[c]);
            for (c = 0; c < C_COUNT; ++c) {
                med[c] = have[c] ? median(samples[c], reps < 64 ? reps : 64) : 0.0;
                if (have[c])
                    fprintf(csv, "%d,%zu,%zu,%zu,%s,%.9g,%.4g\n", threads, s->batch, s->in, s->out,
                            names[c], med[c], flops / med[c] / 1e9);
                if (have[c] && c >= C_SGEMM && !(c == C_XNN && xnn_unheld) && (best == 0.0 || med[c] < best))
                    best = med[c];
            }
            {
                char label[32], col[C_COUNT][16], vs_naive[16], vs_scratch[16];
                snprintf(label, sizeof label, "%zux%zux%zu", s->batch, s->in, s->out);
                for (c = 0; c < C_COUNT; ++c) {
                    if (!have[c]) snprintf(col[c], sizeof col[c], "-");
                    else if (flops < 1e5) snprintf(col[c], sizeof col[c], "%.1fns", med[c] * 1e9);
                    else snprintf(col[c], sizeof col[c], "%.1f", flops / med[c] / 1e9);
                }
                snprintf(vs_naive, sizeof vs_naive, have[C_NAIVE] ? "%.2f" : "-", med[C_NAIVE] / med[C_LIN]);
                snprintf(vs_scratch, sizeof vs_scratch, have[C_SCRATCH] ? "%.2f" : "-", best / med[C_SCRATCH]);
                printf("%-15s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7.2f %7.2f %7s %7s %5.1f%%\n", label,
                       col[C_LIN], col[C_PREP], col[C_SCRATCH], col[C_PORTABLE], col[C_NAIVE], col[C_SGEMM],
                       col[C_SGEMV], col[C_DNNL], col[C_XNN], col[C_BLIS], best / med[C_LIN], best / med[C_PREP],
                       vs_scratch, vs_naive,
                       100.0 * flops / med[C_LIN] / 1e9 / (peak * threads));
                fflush(stdout);
            }
            peers_free(&pe);
            free(x); free(w); free(b); free(y);
        }
        printf("\n");
    }
    bench_s8(reps, peak, csv);
    bench_wf(reps, csv);
    printf("columns: GFLOP/s (ns per call below 1e5 flops); best = the fastest of OpenBLAS (sgemm, "
           "sgemv), oneDNN, XNNPACK and BLIS; best/l, best/p, best/s = its time over linear.h's "
           "(lin_linear_f32, prepared, lin_linear_f32_scratch where the call packs, '-' where it needs "
           "no scratch): above 1 linear.h is faster; naive/l likewise; %%peak of the FMA peak times "
           "threads\n");
    fclose(csv);
    return 0;
}
