/* test_kernels.c - every kernel path against the double reference: the tiny
   loop, the direct kernel, the matrix-vector path and the packed GEMM, on
   sizes around every tile and block edge (MR, NR, KC, MC, NC), with
   contiguous, padded and transposed operands and strided outputs. `make
   test` builds this file once per SIMD width (AVX-512, AVX2, SSE2, none);
   the cross runs add NEON. With OpenMP, results must be the same bits for
   one thread and for two. */
#include "test_util.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* sizes that straddle the register tiles and the blocks of every build */
static const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 33, 64, 65, 130};
static const size_t ns_[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 129, 257, 300};
static const size_t ks[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 127, 128, 129, 255, 257, 300};

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

typedef struct layer_case {
    size_t m, n, k;
    test_tensor x, w, b, y;
    double *ref, *mag;
    int with_bias;
} layer_case;

/* x (m, k), W (n, k), b (n), y (m, n) in the given layouts, random values */
static layer_case make_case(size_t m, size_t n, size_t k, int lx, int lw, int ly, int with_bias)
{
    layer_case c;
    size_t sx[2], sw[2], sy[2], i;
    float *vx = (float *)malloc((m * k + 1) * sizeof(float));
    float *vw = (float *)malloc((n * k + 1) * sizeof(float));
    float *vb = (float *)malloc((n + 1) * sizeof(float));
    lin_tensor wt;
    assert_true(vx && vw && vb);
    for (i = 0; i < m * k; ++i) vx[i] = test_randf();
    for (i = 0; i < n * k; ++i) vw[i] = test_randf();
    for (i = 0; i < n; ++i) vb[i] = test_randf();
    sx[0] = m; sx[1] = k;
    sw[0] = n; sw[1] = k;
    sy[0] = m; sy[1] = n;
    c.m = m;
    c.n = n;
    c.k = k;
    c.with_bias = with_bias;
    c.x = make_tensor(lx, 2, sx, vx);
    c.w = make_tensor(lw, 2, sw, vw);
    c.b = make_tensor(with_bias == 2 ? LAYOUT_PADDED : LAYOUT_CONTIGUOUS, 1, &n, vb);
    c.y = make_tensor(ly, 2, sy, NULL);
    c.ref = (double *)malloc((m * n + 1) * sizeof(double));
    c.mag = (double *)malloc((m * n + 1) * sizeof(double));
    assert_true(c.ref && c.mag);
    wt = lin_transpose(&c.w.t);
    ref_matmul(&c.x.t, &wt, with_bias ? &c.b.t : NULL, c.ref, c.mag);
    free(vx);
    free(vw);
    free(vb);
    return c;
}

static void free_case(layer_case *c)
{
    free_tensor(&c->x);
    free_tensor(&c->w);
    free_tensor(&c->b);
    free_tensor(&c->y);
    free(c->ref);
    free(c->mag);
}

static void check_case(size_t m, size_t n, size_t k, int lx, int lw, int ly, int with_bias)
{
    layer_case c = make_case(m, n, k, lx, lw, ly, with_bias);
    char what[96];
    snprintf(what, sizeof what, "%zux%zux%zu layouts %d%d%d bias %d", m, k, n, lx, lw, ly, with_bias);
    assert_int_equal(lin_linear(&c.x.t, &c.w.t, with_bias ? &c.b.t : NULL, &c.y.t), LIN_OK);
    assert_close_to(&c.y.t, c.ref, c.mag, k, what);
    assert_gaps_untouched(&c.y);
    free_case(&c);
}

/* every path, every edge: a deterministic sweep of the size lists */
static void test_kernels_sizes_and_layouts(void **state)
{
    size_t t;
    (void)state;
    for (t = 0; t < TEST_SIZE(700, 60); ++t) {
        size_t m = ms[test_randn(COUNT(ms))], n = ns_[test_randn(COUNT(ns_))], k = ks[test_randn(COUNT(ks))];
        if (m * n * k > TEST_SIZE(3000000, 2000) || m * k + n * k + m * n > TEST_SIZE(3000000, 300))
            continue;
        check_case(m, n, k, (int)test_randn(LAYOUT_COUNT), (int)test_randn(LAYOUT_COUNT),
                   (int)test_randn(2), (int)test_randn(3));
    }
}

/* the contiguous fast path, lin_linear_f32, on the same sweep */
static void test_kernels_f32_contiguous(void **state)
{
    size_t t;
    (void)state;
    for (t = 0; t < TEST_SIZE(500, 60); ++t) {
        size_t m = ms[test_randn(COUNT(ms))], n = ns_[test_randn(COUNT(ns_))], k = ks[test_randn(COUNT(ks))];
        layer_case c;
        int with_bias = (int)test_randn(2);
        if (m * n * k > TEST_SIZE(3000000, 2000) || m * k + n * k + m * n > TEST_SIZE(3000000, 200))
            continue;
        c = make_case(m, n, k, LAYOUT_CONTIGUOUS, LAYOUT_CONTIGUOUS, LAYOUT_CONTIGUOUS, with_bias);
        assert_int_equal(lin_linear_f32(c.x.buf, c.w.buf, with_bias ? c.b.buf : NULL, c.y.buf, m, k, n),
                         LIN_OK);
        assert_close_to(&c.y.t, c.ref, c.mag, k, "lin_linear_f32");
        free_case(&c);
    }
}

/* the same call twice gives the same bits, and so do one and two threads */
static void test_kernels_deterministic(void **state)
{
    static const size_t shapes[][3] = {{1, 1100, 300}, {3, 700, 257}, {130, 300, 257}, {64, 129, 600}};
    size_t s;
    (void)state;
    for (s = 0; s < COUNT(shapes); ++s) {
        size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2], i;
        layer_case c;
        float *first;
        if (m * n * k > TEST_SIZE((size_t)1 << 30, 2000)) continue;   /* too big for 16 KiB */
        c = make_case(m, n, k, LAYOUT_CONTIGUOUS, LAYOUT_CONTIGUOUS, LAYOUT_CONTIGUOUS, 1);
        first = (float *)malloc(m * n * sizeof(float));
        assert_non_null(first);
#ifdef _OPENMP
        omp_set_num_threads(1);
#endif
        assert_int_equal(lin_linear_f32(c.x.buf, c.w.buf, c.b.buf, first, m, k, n), LIN_OK);
#ifdef _OPENMP
        omp_set_num_threads(2);
#endif
        assert_int_equal(lin_linear_f32(c.x.buf, c.w.buf, c.b.buf, c.y.buf, m, k, n), LIN_OK);
        for (i = 0; i < m * n; ++i)
            if (bits_of(first[i]) != bits_of(c.y.buf[i]))
                fail_msg("%zux%zux%zu: element %zu differs between runs (or thread counts)", m, k, n, i);
        assert_close_to(&c.y.t, c.ref, c.mag, k, "deterministic");
        free(first);
        free_case(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_kernels_sizes_and_layouts),
        TEST(test_kernels_f32_contiguous),
        TEST(test_kernels_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
