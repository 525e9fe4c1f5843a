/* test_core.c - the core every operation shares: one dispatcher, so the
   same operands give the same bits through every float entry point
   (lin_linear_f32, lin_linear with 1-, 2- and 3-D x, lin_layer_forward,
   lin_matmul with a transposed weight, and the two backward passes), over
   a sweep of shapes that crosses every path threshold; and which kernel
   path representative shapes take on this build. A sweep reports every
   shape that differs before it fails. */
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

/* around every threshold of lin__path: the direct kernel's (256
   multiply-adds, 64 weights for 1-4 rows, in <= 8 / 10), the narrow
   kernel's grid (m 16 / 64, n 3 / 8 / 10 / 16, k up to 256), the gemv
   split (m 4, n 16, n 8 / 12 with k 12 / 24) and the packed blocks */
#if defined(TEST_SMALL_RAM)              /* the micro:bit's 16 KiB */
static const size_t ms[] = {1, 2, 3, 5};
static const size_t ns_[] = {1, 2, 3, 9};
static const size_t ks[] = {1, 2, 8, 9, 11};
#elif defined(FW_NEWLIB)                 /* the other Cortex-M boards */
static const size_t ms[] = {1, 2, 3, 4, 5, 17};
static const size_t ns_[] = {1, 2, 3, 8, 9, 17};
static const size_t ks[] = {1, 2, 8, 9, 10, 11, 25, 33};
#else
static const size_t ms[] = {1, 2, 3, 4, 5, 8, 15, 16, 17, 63, 64, 65, 130};
static const size_t ns_[] = {1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15, 16, 17, 24, 33, 65};
static const size_t ks[] = {1, 2, 5, 8, 9, 10, 11, 12, 13, 16, 17, 24, 25, 32, 33, 64, 65, 128, 129, 256, 257, 300};
#endif

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof(float)) == 0;
}

static int seed_of(size_t m, size_t n, size_t k)
{
    return (int)(m * 1000003u + n * 1009u + k);
}

static void randomize(float *p, size_t n, lin_rng *rng)
{
    size_t i;
    for (i = 0; i < n; ++i) p[i] = lin_rng_uniform(rng, -1.0f, 1.0f);
}

/* One shape through every forward entry point; 1 if all agree bit for bit. */
static int forward_agrees(size_t m, size_t n, size_t k)
{
    float *x = (float *)malloc((m * k + 1) * sizeof(float));
    float *w = (float *)malloc((n * k + 1) * sizeof(float));
    float *b = (float *)malloc((n + 1) * sizeof(float));
    float *y0 = (float *)malloc((m * n + 1) * sizeof(float));
    float *y1 = (float *)malloc((m * n + 1) * sizeof(float));
    float *y2 = (float *)malloc((m * n + 1) * sizeof(float));
    size_t shape[3];
    lin_tensor xv, wv, wt, bv, yv;
    lin_layer layer;
    lin_rng rng;
    int ok = 1;
    assert_true(x && w && b && y0 && y1 && y2);
    memset(&layer, 0, sizeof layer);
    lin_rng_seed(&rng, (uint64_t)seed_of(m, n, k));
    randomize(x, m * k, &rng);
    randomize(w, n * k, &rng);
    randomize(b, n, &rng);
    wv = lin_matrix(w, n, k);
    bv = lin_vector(b, n);

    assert_int_equal(lin_linear_f32(x, w, b, y0, m, k, n), LIN_OK);
    /* lin_linear with x (m, k) */
    xv = lin_matrix(x, m, k);
    yv = lin_matrix(y1, m, n);
    assert_int_equal(lin_linear(&xv, &wv, &bv, &yv), LIN_OK);
    ok &= same_bits(y0, y1, m * n);
    /* lin_layer_forward */
    assert_int_equal(lin_layer_init(&layer, k, n, w, b), LIN_OK);
    memset(y1, 0, m * n * sizeof(float));
    assert_int_equal(lin_layer_forward(&layer, &xv, &yv), LIN_OK);
    ok &= same_bits(y0, y1, m * n);
    /* x (m, 1, k): the batch folds into the rows */
    shape[0] = m; shape[1] = 1; shape[2] = k;
    xv = lin_tensor_view(x, 3, shape);
    shape[2] = n;
    yv = lin_tensor_view(y1, 3, shape);
    memset(y1, 0, m * n * sizeof(float));
    assert_int_equal(lin_linear(&xv, &wv, &bv, &yv), LIN_OK);
    ok &= same_bits(y0, y1, m * n);
    if (m % 2 == 0) {                   /* x (2, m/2, k) */
        shape[0] = 2; shape[1] = m / 2; shape[2] = k;
        xv = lin_tensor_view(x, 3, shape);
        shape[2] = n;
        yv = lin_tensor_view(y1, 3, shape);
        memset(y1, 0, m * n * sizeof(float));
        assert_int_equal(lin_linear(&xv, &wv, &bv, &yv), LIN_OK);
        ok &= same_bits(y0, y1, m * n);
    }
    if (m == 1) {                       /* x (k) -> y (n) */
        xv = lin_vector(x, k);
        yv = lin_vector(y1, n);
        memset(y1, 0, n * sizeof(float));
        assert_int_equal(lin_linear(&xv, &wv, &bv, &yv), LIN_OK);
        ok &= same_bits(y0, y1, n);
    }
    /* lin_matmul(x, W.T) against lin_linear_f32 without a bias */
    assert_int_equal(lin_linear_f32(x, w, NULL, y0, m, k, n), LIN_OK);
    xv = lin_matrix(x, m, k);
    wt = lin_transpose(&wv);
    yv = lin_matrix(y2, m, n);
    assert_int_equal(lin_matmul(&xv, &wt, &yv), LIN_OK);
    ok &= same_bits(y0, y2, m * n);
    free(x); free(w); free(b); free(y0); free(y1); free(y2);
    return ok;
}

static void test_forward_same_bits_sweep(void **state)
{
    size_t im, in_, ik, shapes = 0, differ = 0;
    (void)state;
    for (im = 0; im < COUNT(ms); ++im)
        for (in_ = 0; in_ < COUNT(ns_); ++in_)
            for (ik = 0; ik < COUNT(ks); ++ik) {
                size_t m = ms[im], n = ns_[in_], k = ks[ik];
                ++shapes;
                if (!forward_agrees(m, n, k)) {
                    ++differ;
                    print_message("forward %zux%zux%zu (batch x in x out %zux%zux%zu): entry points differ\n",
                                  m, k, n, m, k, n);
                }
            }
    print_message("forward: %zu shapes, %zu differ\n", shapes, differ);
    assert_int_equal(differ, 0);
}

/* lin_linear_backward on views and lin_linear_backward_f32 on buffers:
   the same bits for every gradient, with the gradients starting non-zero
   (they accumulate). */
#if !defined(LIN_NO_TRAIN)
static int backward_agrees(size_t m, size_t n, size_t k)
{
    size_t nx = m * k, nw = n * k, ny = m * n, i;
    float *x = (float *)malloc((nx + 1) * sizeof(float)), *w = (float *)malloc((nw + 1) * sizeof(float));
    float *gy = (float *)malloc((ny + 1) * sizeof(float));
    float *g[2][3];
    lin_tensor xv, wv, gyv, gxv, gwv, gbv;
    size_t sizes[3];
    lin_rng rng;
    int ok = 1, v;
    sizes[0] = nx; sizes[1] = nw; sizes[2] = n;
    assert_true(x && w && gy);
    lin_rng_seed(&rng, (uint64_t)seed_of(m, n, k) + 7u);
    randomize(x, nx, &rng);
    randomize(w, nw, &rng);
    randomize(gy, ny, &rng);
    for (v = 0; v < 2; ++v)
        for (i = 0; i < 3; ++i) {
            g[v][i] = (float *)malloc((sizes[i] + 1) * sizeof(float));
            assert_non_null(g[v][i]);
        }
    for (i = 0; i < 3; ++i) {
        lin_rng r2 = rng;
        randomize(g[0][i], sizes[i], &r2);
        memcpy(g[1][i], g[0][i], sizes[i] * sizeof(float));
    }
    assert_int_equal(lin_linear_backward_f32(x, w, gy, g[0][0], g[0][1], g[0][2], m, k, n), LIN_OK);
    xv = lin_matrix(x, m, k);
    wv = lin_matrix(w, n, k);
    gyv = lin_matrix(gy, m, n);
    gxv = lin_matrix(g[1][0], m, k);
    gwv = lin_matrix(g[1][1], n, k);
    gbv = lin_vector(g[1][2], n);
    assert_int_equal(lin_linear_backward(&xv, &wv, &gyv, &gxv, &gwv, &gbv), LIN_OK);
    for (i = 0; i < 3; ++i) ok &= same_bits(g[0][i], g[1][i], sizes[i]);
    for (v = 0; v < 2; ++v)
        for (i = 0; i < 3; ++i) free(g[v][i]);
    free(x); free(w); free(gy);
    return ok;
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_backward_same_bits_sweep(void **state)
{
    size_t im, in_, ik, shapes = 0, differ = 0;
    (void)state;
    for (im = 0; im < COUNT(ms); im += 2)
        for (in_ = 0; in_ < COUNT(ns_); in_ += 2)
            for (ik = 0; ik < COUNT(ks); ik += 2) {
                size_t m = ms[im], n = ns_[in_], k = ks[ik];
                ++shapes;
                if (!backward_agrees(m, n, k)) {
                    ++differ;
                    print_message("backward %zux%zux%zu: the view and buffer passes differ\n", m, k, n);
                }
            }
    print_message("backward: %zu shapes, %zu differ\n", shapes, differ);
    assert_int_equal(differ, 0);
}
#endif

/* Which path representative shapes take: a retuned threshold that stops
   sending a shape to the kernel this suite exercises shows up here. */
typedef struct path_case { size_t m, n, k; int strided, simd512, simd256, packed, portable; } path_case;

static void test_paths_pinned(void **state)
{
    /* m, n, k, A strided along k; the path with AVX-512, with AVX2, with
       packing but neither (SSE2, NEON, portable), and without packing
       (LIN_PACK 0) */
    static const path_case cases[] = {
        {1, 2, 4, 0, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT},       /* 8 multiply-adds */
        {2, 12, 8, 0, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT},      /* rows of 8, few outputs */
        {2, 64, 8, 0, LIN__GEMV, LIN__GEMV, LIN__DIRECT, LIN__DIRECT},          /* rows of 8: the row kernels */
        {1, 64, 4, 0, LIN__GEMV, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT},        /* rows of 4 */
        {1, 10, 10, 0, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT, LIN__DIRECT},     /* one row of 10 */
        {1, 1024, 1024, 0, LIN__GEMV, LIN__GEMV, LIN__GEMV, LIN__DIRECT},       /* batch 1 */
        {4, 1024, 1024, 0, LIN__GEMV, LIN__GEMV, LIN__GEMV, LIN__DIRECT},       /* batch 4 */
        {6, 100, 64, 0, LIN__GEMV, LIN__GEMV, LIN__PACKED, LIN__DIRECT},        /* a few rows of 64 */
        {12, 64, 64, 0, LIN__PACKED, LIN__PACKED, LIN__PACKED, LIN__DIRECT},    /* a dozen rows of 64 */
        {64, 16, 8, 0, LIN__NARROW, LIN__PACKED, LIN__PACKED, LIN__DIRECT},     /* many short rows, few outputs */
        {64, 16, 512, 0, LIN__GEMV, LIN__GEMV, LIN__GEMV, LIN__DIRECT},         /* long rows, few outputs */
        {256, 256, 256, 0, LIN__PACKED, LIN__PACKED, LIN__PACKED, LIN__DIRECT}, /* a real GEMM */
        {8, 64, 64, 1, LIN__PACKED, LIN__PACKED, LIN__PACKED, LIN__DIRECT},     /* x strided along k */
    };
    size_t i, wrong = 0;
    (void)state;
    for (i = 0; i < COUNT(cases); ++i) {
        const path_case *c = &cases[i];
        lin__mat a, b;
        int want, got;
        /* only the strides matter: no data is read */
        lin__mat_strided(&a, NULL, c->strided ? 1 : (ptrdiff_t)c->k, c->strided ? (ptrdiff_t)c->m : 1);
        lin__mat_rows_t(&b, NULL, c->k);
#if !LIN_PACK
        want = c->portable;
#else
        want = lin__isa_now() == LIN__ISA_AVX512 ? c->simd512 : lin__isa_now() == LIN__ISA_AVX2 ? c->simd256 : c->packed;
#endif
        got = lin__path(lin__isa_now(), c->m, c->n, c->k, &a, &b);
        if (got != want) {
            ++wrong;
            print_message("%zux%zux%zu%s takes path %d, expected %d\n", c->m, c->n, c->k,
                          c->strided ? " (strided)" : "", got, want);
        }
    }
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_forward_same_bits_sweep),
#if !defined(LIN_NO_TRAIN)
        TEST(test_backward_same_bits_sweep),
#endif
        TEST(test_paths_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
