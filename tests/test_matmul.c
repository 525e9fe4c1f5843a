/* test_matmul.c - torch.matmul: every rank combination, broadcasting, strided
   and overlapping inputs, the result-shape query and every error. */
#include "test_util.h"

/* a (sa) @ b (sb) through lin_matmul against the double reference, with
   random data, with both inputs and out in the given layouts. */
static void check_matmul(int na, const size_t *sa, int nb, const size_t *sb,
                         int layout_a, int layout_b, int layout_out)
{
    int ndim = 0, d;
    size_t shape[LIN_MAX_DIMS], n = 1, na_el = 1, nb_el = 1, i;
    float *va, *vb;
    double *ref, *mag;
    test_tensor a, b, out;
    for (d = 0; d < na; ++d) na_el *= sa[d];
    for (d = 0; d < nb; ++d) nb_el *= sb[d];
    va = (float *)malloc((na_el + 1) * sizeof(float));
    vb = (float *)malloc((nb_el + 1) * sizeof(float));
    assert_true(va && vb);
    for (i = 0; i < na_el; ++i) va[i] = test_randf();
    for (i = 0; i < nb_el; ++i) vb[i] = test_randf();
    a = make_tensor(layout_a, na, sa, va);
    b = make_tensor(layout_b, nb, sb, vb);
    assert_int_equal(lin_matmul_shape(&a.t, &b.t, &ndim, shape), LIN_OK);
    for (d = 0; d < ndim; ++d) n *= shape[d];
    ref = (double *)malloc((n + 1) * sizeof(double));
    mag = (double *)malloc((n + 1) * sizeof(double));
    assert_true(ref && mag);
    ref_matmul(&a.t, &b.t, NULL, ref, mag);
    out = make_tensor(layout_out, ndim, shape, NULL);
    assert_int_equal(lin_matmul(&a.t, &b.t, &out.t), LIN_OK);
    assert_close_to(&out.t, ref, mag, sa[na - 1], "lin_matmul");
    assert_gaps_untouched(&out);
    free_tensor(&a);
    free_tensor(&b);
    free_tensor(&out);
    free(va); free(vb); free(ref); free(mag);
}

static void expect_shape(int na, const size_t *sa, int nb, const size_t *sb,
                         int want_ndim, const size_t *want)
{
    lin_tensor a = lin_tensor_view(NULL, na, sa), b = lin_tensor_view(NULL, nb, sb);
    size_t shape[LIN_MAX_DIMS];
    int ndim = -7, d;
    float dummy = 0.0f;
    a.data = &dummy;   /* shape queries never read data, but non-empty views need some */
    b.data = &dummy;
    assert_int_equal(lin_matmul_shape(&a, &b, &ndim, shape), LIN_OK);
    assert_int_equal(ndim, want_ndim);
    for (d = 0; d < ndim; ++d) assert_int_equal(shape[d], want[d]);
}

/* ---- every rank combination, with torch.matmul's result shapes ---- */

static void test_matmul_rank_combinations(void **state)
{
    size_t s3[1] = {3}, s23[2] = {2, 3}, s34[2] = {3, 4}, s523[3] = {5, 2, 3};
    size_t s534[3] = {5, 3, 4}, s1534[4] = {1, 5, 3, 4}, s2123[4] = {2, 1, 2, 3};
    size_t r0[1] = {0}, r2[1] = {2}, r4[1] = {4}, r24[2] = {2, 4}, r52[2] = {5, 2};
    size_t r54[2] = {5, 4}, r524[3] = {5, 2, 4}, r2524[4] = {2, 5, 2, 4};
    (void)state;
    (void)r0;
    expect_shape(1, s3, 1, s3, 0, NULL);           /* dot -> () */
    expect_shape(2, s23, 1, s3, 1, r2);            /* mv -> (2) */
    expect_shape(1, s3, 2, s34, 1, r4);            /* vm -> (4) */
    expect_shape(2, s23, 2, s34, 2, r24);          /* mm */
    expect_shape(3, s523, 1, s3, 2, r52);          /* (5,2,3) @ (3) */
    expect_shape(1, s3, 3, s534, 2, r54);          /* (3) @ (5,3,4) */
    expect_shape(3, s523, 2, s34, 3, r524);
    expect_shape(2, s23, 3, s534, 3, r524);
    expect_shape(3, s523, 3, s534, 3, r524);
    expect_shape(4, s2123, 4, s1534, 4, r2524);    /* both sides broadcast */
    {
        size_t a[4] = {2, 1, 3, 4}, b[3] = {5, 4, 6}, want[4] = {2, 5, 3, 6};
        expect_shape(4, a, 3, b, 4, want);           /* the docs' example */
    }
    {
        const size_t *shapes_a[] = {s3, s23, s523, s2123}, *shapes_b[] = {s3, s34, s534, s1534};
        int ranks_a[] = {1, 2, 3, 4}, ranks_b[] = {1, 2, 3, 4}, i, j, layout;
        for (i = 0; i < 4; ++i)
            for (j = 0; j < 4; ++j)
                for (layout = 0; layout < LAYOUT_COUNT; ++layout)
                    check_matmul(ranks_a[i], shapes_a[i], ranks_b[j], shapes_b[j],
                                 layout, (layout + 1) % LAYOUT_COUNT, (layout + 2) % LAYOUT_COUNT);
    }
}

/* the 1-D*1-D product writes one element through a 0-d out */
static void test_matmul_dot(void **state)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, y[2];
    lin_tensor av = lin_vector(a, 4), bv = lin_vector(b, 4), out = lin_tensor_view(y, 0, NULL);
    (void)state;
    fill_sentinel(y, 2);
    assert_int_equal(lin_matmul(&av, &bv, &out), LIN_OK);
    assert_true(y[0] == 70.0f);
    assert_true(is_sentinel(y[1]));
}

/* W @ x, the article's first question: [14, 32] */
static void test_matmul_article(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, y[2], xb[12], yb[8];
    lin_tensor wv = lin_matrix(w, 2, 3), xv = lin_vector(x, 3), out = lin_vector(y, 2);
    lin_tensor xbv = lin_matrix(xb, 4, 3), wt = lin_transpose(&wv), outb = lin_matrix(yb, 4, 2);
    char msg[128];
    size_t i;
    (void)state;
    assert_int_equal(lin_matmul(&wv, &xv, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 32.0f);
    for (i = 0; i < 12; ++i) xb[i] = (float)(i % 3 + 1);
    assert_int_equal(lin_matmul(&wv, &xbv, &outb), LIN_ERR_SHAPE);
    assert_int_equal(lin_matmul_explain(&wv, &xbv, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x3)");
    assert_int_equal(lin_matmul(&xbv, &wt, &outb), LIN_OK);
    for (i = 0; i < 4; ++i) assert_true(yb[2 * i] == 14.0f && yb[2 * i + 1] == 32.0f);
}

/* ---- broadcasting, expanded and shared inputs ---- */

static void test_matmul_broadcast_random(void **state)
{
    int t;
    (void)state;
    for (t = 0; t < 200; ++t) {
        int na = 1 + (int)test_randn(4), nb = 1 + (int)test_randn(4), d;
        size_t sa[4], sb[4], m = 1 + test_randn(TEST_SIZE(9, 5)), n = 1 + test_randn(TEST_SIZE(9, 5));
        size_t k = test_randn(TEST_SIZE(20, 9));
        int nba = na - 2 > 0 ? na - 2 : 0, nbb = nb - 2 > 0 ? nb - 2 : 0;
        int nbatch = nba > nbb ? nba : nbb;
        size_t full[2];
        for (d = 0; d < 2; ++d) full[d] = 1 + test_randn(3);
        for (d = 0; d < nba; ++d) sa[d] = test_randn(2) ? full[nbatch - nba + d] : 1;
        for (d = 0; d < nbb; ++d) sb[d] = test_randn(2) ? full[nbatch - nbb + d] : 1;
        if (na >= 2) { sa[na - 2] = m; sa[na - 1] = k; } else sa[0] = k;
        if (nb >= 2) { sb[nb - 2] = k; sb[nb - 1] = n; } else sb[0] = k;
        check_matmul(na, sa, nb, sb, (int)test_randn(3), (int)test_randn(3), (int)test_randn(3));
    }
}

/* b expanded over a batch with stride 0, as torch.expand makes it. */
static void test_matmul_expanded_operand(void **state)
{
    float a[2 * 2 * 3], b[3 * 2] = {1, 0, 0, 1, 1, 1}, y[2 * 2 * 2];
    size_t sa[3] = {2, 2, 3}, sb[3] = {2, 3, 2}, so[3] = {2, 2, 2}, i;
    lin_tensor av = lin_tensor_view(a, 3, sa), bv = lin_tensor_view(b, 3, sb), out = lin_tensor_view(y, 3, so);
    (void)state;
    for (i = 0; i < 12; ++i) a[i] = (float)i;
    bv.stride[0] = 0;
    assert_int_equal(lin_matmul(&av, &bv, &out), LIN_OK);
    for (i = 0; i < 4; ++i) {
        assert_true(y[2 * i] == a[3 * i] + a[3 * i + 2]);
        assert_true(y[2 * i + 1] == a[3 * i + 1] + a[3 * i + 2]);
    }
}

/* a's rows expanded with stride 0 (every row the same x), large enough
   for the packed GEMM: rows 0 apart are not read in place but packed,
   within the stack's blocks (every row of y equals the first) */
static void test_matmul_expanded_rows(void **state)
{
    enum { M = TEST_SIZE(77, 13), K = TEST_SIZE(300, 40), N = TEST_SIZE(100, 20) };   /* the micro:bit's 16 KiB */
    static float x[K], w[K * N], y[M * N];
    /* whole panels; a last one of at most half, of more */
    static const size_t rows[] = {TEST_SIZE(72, 8), TEST_SIZE(75, 11), TEST_SIZE(77, 13)};
    size_t sa[2] = {M, K}, sb[2] = {K, N}, so[2] = {M, N}, i, j, p, r;
    (void)state;
    for (p = 0; p < K; ++p) x[p] = (float)((p * 7) % 13) - 6.0f;
    for (i = 0; i < (size_t)K * N; ++i) w[i] = (float)((i * 5) % 11) - 5.0f;
    for (r = 0; r < sizeof rows / sizeof rows[0]; ++r) {
        lin_tensor av, bv, out;
        sa[0] = so[0] = rows[r];
        av = lin_tensor_view(x, 2, sa);
        bv = lin_tensor_view(w, 2, sb);
        out = lin_tensor_view(y, 2, so);
        av.stride[0] = 0;
        assert_int_equal(lin_matmul(&av, &bv, &out), LIN_OK);
        for (j = 0; j < N; ++j) {
            double ref = 0.0;
            for (p = 0; p < K; ++p) ref += (double)x[p] * w[p * N + j];
            for (i = 0; i < rows[r]; ++i) assert_true(y[i * N + j] == (float)ref);   /* small integers: exact */
        }
    }
}

/* a and b may be the same memory: x @ x.T */
static void test_matmul_shared_inputs(void **state)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, y[4];
    lin_tensor xv = lin_matrix(x, 2, 3), xt = lin_transpose(&xv), out = lin_matrix(y, 2, 2);
    (void)state;
    assert_int_equal(lin_matmul(&xv, &xt, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 32.0f && y[2] == 32.0f && y[3] == 77.0f);
}

/* ---- zero-size dims ---- */

static void test_matmul_zero_sizes(void **state)
{
    float y[8];
    size_t s0[3] = {0, 2, 3}, s1[3] = {1, 3, 2}, so[3] = {0, 2, 2}, i;
    lin_tensor a, b, out;
    float ones[6] = {1, 1, 1, 1, 1, 1};
    (void)state;
    fill_sentinel(y, 8);
    a = lin_tensor_view(NULL, 3, s0);                 /* empty batch */
    b = lin_tensor_view(ones, 3, s1);
    out = lin_tensor_view(NULL, 3, so);
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    a = lin_matrix(NULL, 2, 0);                       /* k = 0: zeros */
    b = lin_matrix(NULL, 0, 3);
    out = lin_matrix(y, 2, 3);
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    for (i = 0; i < 6; ++i) assert_true(y[i] == 0.0f && !signbit(y[i]));
    assert_true(is_sentinel(y[6]));
    fill_sentinel(y, 8);
    a = lin_matrix(ones, 2, 3);                       /* n = 0: nothing */
    b = lin_matrix(ones, 3, 0);
    out = lin_matrix(y, 2, 0);
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    a = lin_vector(NULL, 0);                          /* empty dot: 0 */
    out = lin_tensor_view(y, 0, NULL);
    assert_int_equal(lin_matmul(&a, &a, &out), LIN_OK);
    assert_true(y[0] == 0.0f);
    assert_untouched(y + 1, 7);
}

/* Empty operands may carry any strides: they are never read, and no offset
   is computed from them (UBSan watches the arithmetic). */
static void test_matmul_empty_with_huge_strides(void **state)
{
    float ones[20], y[12];
    size_t sa[3] = {0, 3, 4}, sb[2] = {4, 5}, so[3] = {0, 3, 5};
    size_t sa2[3] = {3, 2, 0}, sb2[3] = {3, 0, 2}, so2[3] = {3, 2, 2}, i;
    lin_tensor a = lin_tensor_view(NULL, 3, sa), b = lin_tensor_view(ones, 2, sb);
    lin_tensor out = lin_tensor_view(NULL, 3, so);
    (void)state;
    for (i = 0; i < 20; ++i) ones[i] = 1.0f;
    a.stride[1] = PTRDIFF_MAX;
    out.stride[0] = PTRDIFF_MAX;
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    a = lin_tensor_view(NULL, 3, sa2);                 /* k = 0: out is zeros */
    a.stride[0] = PTRDIFF_MAX;
    b = lin_tensor_view(NULL, 3, sb2);
    b.stride[0] = PTRDIFF_MAX;
    out = lin_tensor_view(y, 3, so2);
    fill_sentinel(y, 12);
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    for (i = 0; i < 12; ++i) assert_true(y[i] == 0.0f);
}

/* ---- the shape query ---- */

static void test_matmul_shape_errors_untouched(void **state)
{
    float a[12];
    size_t shape[LIN_MAX_DIMS], s0[1] = {0}, i;
    lin_tensor av = lin_matrix(a, 2, 3), bv = lin_matrix(a, 4, 3), big1, big2;
    size_t sb1[4] = {1, (size_t)1 << (sizeof(size_t) * 4), 1, 1};
    size_t sb2[4] = {(size_t)1 << (sizeof(size_t) * 4), 1, 1, 1};
    int ndim = 99;
    (void)state;
    (void)s0;
    for (i = 0; i < LIN_MAX_DIMS; ++i) shape[i] = 1234;
    assert_int_equal(lin_matmul_shape(&av, &bv, &ndim, shape), LIN_ERR_SHAPE);
    assert_int_equal(lin_matmul_shape(NULL, &bv, &ndim, shape), LIN_ERR_NULL);
    assert_int_equal(lin_matmul_shape(&av, &bv, NULL, shape), LIN_ERR_NULL);
    assert_int_equal(lin_matmul_shape(&av, &bv, &ndim, NULL), LIN_ERR_NULL);
    /* each input fits, their broadcast result has more elements than size_t */
    big1 = lin_tensor_view(a, 4, sb1);
    big2 = lin_tensor_view(a, 4, sb2);
    big1.stride[1] = 0;
    big2.stride[0] = 0;
    assert_int_equal(lin_matmul_shape(&big1, &big2, &ndim, shape), LIN_ERR_OVERFLOW);
    assert_int_equal(ndim, 99);
    for (i = 0; i < LIN_MAX_DIMS; ++i) assert_int_equal(shape[i], 1234);
}

/* ---- errors: a status, and every output byte as it was ---- */

static void test_matmul_errors_untouched(void **state)
{
    float a[12] = {0}, y[16], one = 1.0f;
    lin_tensor av = lin_matrix(a, 2, 3), bv = lin_matrix(a + 6, 3, 2), out = lin_matrix(y, 2, 2);
    lin_tensor s0 = lin_tensor_view(&one, 0, NULL), bad = av, nulld = lin_matrix(NULL, 3, 2);
    lin_tensor out3 = lin_matrix(y, 2, 3), out1 = lin_vector(y, 4), self = out;
    size_t big[2] = {(size_t)-1 / 2, 2};
    lin_tensor huge = lin_tensor_view(a, 2, big);
    char msg[128];
    (void)state;
    fill_sentinel(y, 16);
    assert_int_equal(lin_matmul(NULL, &bv, &out), LIN_ERR_NULL);
    assert_int_equal(lin_matmul(&av, NULL, &out), LIN_ERR_NULL);
    assert_int_equal(lin_matmul(&av, &bv, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_matmul(&av, &nulld, &out), LIN_ERR_NULL);
    assert_int_equal(lin_matmul(&s0, &bv, &out), LIN_ERR_RANK);
    assert_int_equal(lin_matmul(&av, &s0, &out), LIN_ERR_RANK);
    bad.ndim = LIN_MAX_DIMS + 1;
    assert_int_equal(lin_matmul(&bad, &bv, &out), LIN_ERR_RANK);
    assert_int_equal(lin_matmul(&av, &av, &out), LIN_ERR_SHAPE);
    assert_int_equal(lin_matmul(&av, &bv, &out3), LIN_ERR_SHAPE);
    assert_int_equal(lin_matmul(&av, &bv, &out1), LIN_ERR_SHAPE);
    bad = bv;
    bad.stride[0] = -2;
    assert_int_equal(lin_matmul(&av, &bad, &out), LIN_ERR_VALUE);
    assert_int_equal(lin_matmul(&huge, &bv, &out), LIN_ERR_OVERFLOW);
    self.stride[0] = 0;                                 /* rows on top of each other */
    assert_int_equal(lin_matmul(&av, &bv, &self), LIN_ERR_ALIAS);
    self.stride[0] = 1;                                 /* (2,2) with strides (1,1) */
    self.stride[1] = 1;
    assert_int_equal(lin_matmul(&av, &bv, &self), LIN_ERR_ALIAS);
    assert_int_equal(lin_matmul_explain(&av, &bv, &self, msg, sizeof msg), LIN_ERR_ALIAS);
    assert_string_equal(msg, "out overlaps itself: its strides reach one element twice");
    assert_untouched(y, 16);
}

static void test_matmul_alias(void **state)
{
    float buf[32], y[4];
    lin_tensor a, b, out;
    size_t i;
    char msg[64];
    (void)state;
    for (i = 0; i < 32; ++i) buf[i] = (float)i;
    a = lin_matrix(buf, 2, 3);
    b = lin_matrix(buf + 6, 3, 2);
    out = lin_matrix(buf + 4, 2, 2);                  /* over the end of a */
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_ERR_ALIAS);
    out = lin_matrix(buf + 10, 2, 2);                 /* over the end of b */
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_ERR_ALIAS);
    assert_int_equal(lin_matmul_explain(&a, &b, &out, msg, sizeof msg), LIN_ERR_ALIAS);
    assert_string_equal(msg, "out overlaps b");
    /* interleaved: out takes the odd elements of a buffer whose even ones
       are a; the address ranges cross, the elements do not */
    a = lin_matrix(buf + 16, 2, 3);
    a.stride[0] = 6;
    a.stride[1] = 2;
    out = lin_matrix(buf + 17, 2, 2);
    out.stride[0] = 6;
    out.stride[1] = 2;
    for (i = 0; i < 12; ++i) buf[16 + i] = (i % 2) ? -1.0f : (float)(i / 2);
    assert_int_equal(lin_matmul(&a, &b, &out), LIN_OK);
    for (i = 0; i < 4; ++i) y[i] = buf[17 + 6 * (i / 2) + 2 * (i % 2)];
    /* a = [[0,1,2],[3,4,5]], b = [[6,7],[8,9],[10,11]] */
    assert_true(y[0] == 28.0f && y[1] == 31.0f && y[2] == 100.0f && y[3] == 112.0f);
    for (i = 0; i < 12; i += 2) assert_true(buf[16 + i] == (float)(i / 2));
}

static void test_matmul_explain_messages(void **state)
{
    float d[64] = {0};
    size_t s3[1] = {3}, s4[1] = {4}, s23[2] = {2, 3}, s523[3] = {5, 2, 3}, s542[3] = {5, 4, 2};
    size_t s432[3] = {4, 3, 2};
    lin_tensor a, b;
    char msg[200];
    (void)state;
    a = lin_tensor_view(d, 1, s3);
    b = lin_tensor_view(d, 1, s4);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "inconsistent tensor size, expected tensor [3] and src [4] to have the "
                             "same number of elements, but got 3 and 4 elements respectively");
    a = lin_tensor_view(d, 2, s23);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "size mismatch, got 2, 2x3,4");
    a = lin_tensor_view(d, 3, s523);
    b = lin_tensor_view(d, 3, s542);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4].");
    b = lin_tensor_view(d, 3, s432);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
    b = lin_tensor_view(d, 0, NULL);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_RANK);
    assert_string_equal(msg, "both arguments to matmul need to be at least 1D, but they are 3D and 0D");
    b = lin_tensor_view(NULL, 1, s3);
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_NULL);
    assert_string_equal(msg, "b->data is NULL but b has 3 elements");
    b = lin_tensor_view(d, 1, s3);
    b.stride[0] = -1;
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_VALUE);
    assert_string_equal(msg, "b has a negative stride (-1) at dim 0");
    b.ndim = 12;
    assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_RANK);
    assert_string_equal(msg, "b has ndim 12, outside 0..8");
    /* a 3-D operand transposed in memory (permute(0, 2, 1)): torch uses bmm,
       not the fold into rows, and says so */
    {
        size_t s243[3] = {2, 4, 3}, s56[2] = {5, 6};
        a = lin_tensor_view(d, 3, s243);
        a.stride[0] = 12;
        a.stride[1] = 1;
        a.stride[2] = 4;
        b = lin_tensor_view(d, 2, s56);
        assert_int_equal(lin_matmul_explain(&a, &b, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
        assert_string_equal(msg, "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 5].");
        assert_int_equal(lin_matmul_explain(&b, &a, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
        assert_string_equal(msg, "Expected size for first two dimensions of batch2 tensor to be: [2, 6] but got: [2, 4].");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_matmul_rank_combinations),
        TEST(test_matmul_dot),
        TEST(test_matmul_article),
        TEST(test_matmul_broadcast_random),
        TEST(test_matmul_expanded_operand),
        TEST(test_matmul_expanded_rows),
        TEST(test_matmul_shared_inputs),
        TEST(test_matmul_zero_sizes),
        TEST(test_matmul_empty_with_huge_strides),
        TEST(test_matmul_shape_errors_untouched),
        TEST(test_matmul_errors_untouched),
        TEST(test_matmul_alias),
        TEST(test_matmul_explain_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
