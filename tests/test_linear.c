/* test_linear.c - F.linear and nn.Linear: lin_linear, lin_linear_f32,
   lin_layer_forward; the worked example through every entry point, the
   shapes PyTorch accepts, and every way to call them wrongly. */
#include "test_util.h"

static float W[6] = {1, 2, 3, 4, 5, 6};   /* (out 2, in 3) */
static float X[3] = {1, 2, 3};
static float B[2] = {0, 1};

/* ---- the worked example: W = [[1,2,3],[4,5,6]], x = [1,2,3], b = [0,1] ---- */

static void test_worked_example_f32(void **state)
{
    float y[3];
    (void)state;
    fill_sentinel(y, 3);
    assert_int_equal(lin_linear_f32(X, W, B, y, 1, 3, 2), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 33.0f);
    assert_true(is_sentinel(y[2]));
}

static void test_worked_example_linear(void **state)
{
    float y[2];
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(W, 2, 3), b = lin_vector(B, 2);
    lin_tensor out = lin_vector(y, 2);
    (void)state;
    assert_int_equal(lin_linear(&x, &w, &b, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 33.0f);
    assert_int_equal(lin_linear(&x, &w, NULL, &out), LIN_OK);  /* W @ x: [14, 32] */
    assert_true(y[0] == 14.0f && y[1] == 32.0f);
}

static void test_worked_example_layer(void **state)
{
    float y[2], w[6], b[2];
    lin_layer layer;
    lin_tensor x = lin_vector(X, 3), out = lin_vector(y, 2);
    (void)state;
    memcpy(w, W, sizeof w);
    memcpy(b, B, sizeof b);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    assert_int_equal(lin_layer_forward(&layer, &x, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 33.0f);
}

static void test_worked_example_matmul_transpose(void **state)
{
    float y[2];
    lin_tensor x = lin_matrix(X, 1, 3), w = lin_matrix(W, 2, 3), wt = lin_transpose(&w);
    lin_tensor out = lin_matrix(y, 1, 2);
    (void)state;
    assert_int_equal(wt.shape[0], 3);
    assert_int_equal(wt.shape[1], 2);
    assert_int_equal(lin_matmul(&x, &wt, &out), LIN_OK);   /* x @ W.T */
    assert_true(y[0] == 14.0f && y[1] == 32.0f);
}

/* ---- shapes ---- */

/* x (*, in) with several leading dims gives (*, out), row by row. */
static void test_linear_leading_dims(void **state)
{
    float x[2 * 2 * 3], y[2 * 2 * 2];
    size_t xs[3] = {2, 2, 3}, ys[3] = {2, 2, 2}, i;
    lin_tensor xv = lin_tensor_view(x, 3, xs), yv = lin_tensor_view(y, 3, ys);
    lin_tensor w = lin_matrix(W, 2, 3), b = lin_vector(B, 2);
    (void)state;
    for (i = 0; i < 12; ++i) x[i] = (float)i;
    assert_int_equal(lin_linear(&xv, &w, &b, &yv), LIN_OK);
    for (i = 0; i < 4; ++i) {
        const float *r = x + 3 * i;
        assert_true(y[2 * i] == r[0] + 2 * r[1] + 3 * r[2]);
        assert_true(y[2 * i + 1] == 4 * r[0] + 5 * r[1] + 6 * r[2] + 1);
    }
}

/* bias of shape () and (1) broadcast, as F.linear's addmm does. */
static void test_linear_scalar_bias(void **state)
{
    float y[2], one = 10.0f;
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(W, 2, 3), out = lin_vector(y, 2);
    lin_tensor b0 = lin_tensor_view(&one, 0, NULL), b1 = lin_vector(&one, 1);
    (void)state;
    assert_int_equal(lin_linear(&x, &w, &b0, &out), LIN_OK);
    assert_true(y[0] == 24.0f && y[1] == 42.0f);
    assert_int_equal(lin_linear(&x, &w, &b1, &out), LIN_OK);
    assert_true(y[0] == 24.0f && y[1] == 42.0f);
}

/* a 1-D weight (in): F.linear gives x's shape without its last dim. */
static void test_linear_weight_1d(void **state)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, w[3] = {1, 0, -1}, y[2], y0 = 0.0f;
    lin_tensor xv = lin_matrix(x, 2, 3), wv = lin_vector(w, 3), out = lin_vector(y, 2);
    lin_tensor x1 = lin_vector(x, 3), out0 = lin_tensor_view(&y0, 0, NULL);
    (void)state;
    assert_int_equal(lin_linear(&xv, &wv, NULL, &out), LIN_OK);
    assert_true(y[0] == -2.0f && y[1] == -2.0f);
    assert_int_equal(lin_linear(&x1, &wv, NULL, &out0), LIN_OK);
    assert_true(y0 == -2.0f);
}

/* a layer without bias: its bias view (data NULL) means no bias. */
static void test_layer_without_bias(void **state)
{
    float w[6], y[2];
    lin_layer layer;
    lin_tensor x = lin_vector(X, 3), out = lin_vector(y, 2), wv, bv;
    (void)state;
    memcpy(w, W, sizeof w);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, NULL), LIN_OK);
    assert_int_equal(lin_layer_forward(&layer, &x, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 32.0f);
    wv = lin_layer_weight(&layer);
    bv = lin_layer_bias(&layer);
    assert_null(bv.data);
    assert_int_equal(bv.ndim, 1);
    assert_int_equal(bv.shape[0], 2);
    assert_int_equal(wv.shape[0], 2);
    assert_int_equal(wv.shape[1], 3);
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_OK);
    assert_true(y[0] == 14.0f && y[1] == 32.0f);
    assert_int_equal(lin_layer_weight(NULL).ndim, -1);
    assert_int_equal(lin_layer_bias(NULL).ndim, -1);
}

/* ---- zero-size dims ---- */

static void test_linear_batch_zero(void **state)
{
    float y[1];
    size_t xs[2] = {0, 3}, ys[2] = {0, 2};
    lin_tensor x = lin_tensor_view(NULL, 2, xs), out = lin_tensor_view(NULL, 2, ys);
    lin_tensor w = lin_matrix(W, 2, 3), b = lin_vector(B, 2);
    (void)state;
    fill_sentinel(y, 1);
    assert_int_equal(lin_linear(&x, &w, &b, &out), LIN_OK);
    assert_int_equal(lin_linear_f32(NULL, W, B, NULL, 0, 3, 2), LIN_OK);
    assert_int_equal(lin_linear_f32(X, W, B, y, 0, 3, 2), LIN_OK);
    assert_untouched(y, 1);
}

/* in_features 0: y = b, or zeros without bias (not left as it was). */
static void test_linear_in_zero(void **state)
{
    float y[2 * 2], b[2] = {-0.0f, 7.0f};
    lin_tensor x = lin_matrix(NULL, 2, 0), w = lin_matrix(NULL, 2, 0), bv = lin_vector(b, 2);
    lin_tensor out = lin_matrix(y, 2, 2);
    (void)state;
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear(&x, &w, &bv, &out), LIN_OK);
    assert_true(y[1] == 7.0f && y[3] == 7.0f && y[0] == 0.0f && signbit(y[0]) && signbit(y[2]));
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear(&x, &w, NULL, &out), LIN_OK);
    assert_true(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.0f && y[3] == 0.0f && !signbit(y[0]));
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear_f32(NULL, NULL, b, y, 2, 0, 2), LIN_OK);
    assert_true(y[1] == 7.0f && y[3] == 7.0f && y[0] == 0.0f && signbit(y[0]) && signbit(y[2]));
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear_f32(NULL, NULL, NULL, y, 2, 0, 2), LIN_OK);
    assert_true(y[0] == 0.0f && y[3] == 0.0f);
}

static void test_linear_out_zero(void **state)
{
    float y[1];
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(NULL, 0, 3), out = lin_vector(y, 0);
    (void)state;
    fill_sentinel(y, 1);
    assert_int_equal(lin_linear(&x, &w, NULL, &out), LIN_OK);
    assert_int_equal(lin_linear_f32(X, NULL, NULL, y, 1, 3, 0), LIN_OK);
    assert_untouched(y, 1);
}

/* ---- strided and transposed views ---- */

/* x is every other column of a padded buffer, W is stored transposed
   (in, out) and viewed with .T, out is a column of a wider matrix. */
static void test_linear_strided_views(void **state)
{
    float xbuf[3 * 8], wt[3 * 2] = {1, 4, 2, 5, 3, 6}, ybuf[3 * 4], b[2] = {0, 1};
    lin_tensor x, wtv, w, bv = lin_vector(b, 2), out;
    size_t i;
    (void)state;
    fill_sentinel(xbuf, 24);
    fill_sentinel(ybuf, 12);
    x = lin_matrix(xbuf, 3, 3);
    x.stride[0] = 8;
    x.stride[1] = 2;
    for (i = 0; i < 9; ++i) xbuf[(i / 3) * 8 + (i % 3) * 2] = (float)(i % 3 + 1) * (float)(i / 3 + 1);
    wtv = lin_matrix(wt, 3, 2);
    w = lin_transpose(&wtv);
    out = lin_matrix(ybuf + 1, 3, 2);
    out.stride[0] = 4;
    out.stride[1] = 2;
    assert_int_equal(lin_linear(&x, &w, &bv, &out), LIN_OK);
    for (i = 0; i < 3; ++i) {
        float s = (float)(i + 1);
        assert_true(ybuf[4 * i + 1] == 14.0f * s);
        assert_true(ybuf[4 * i + 3] == 32.0f * s + 1.0f);
        assert_true(is_sentinel(ybuf[4 * i]) && is_sentinel(ybuf[4 * i + 2]));
    }
}

/* Writing y into its own columns of the buffer that holds x (the
   concatenation of a DenseNet block) is not aliasing: the columns differ. */
static void test_linear_concat_columns(void **state)
{
    float buf[2 * 5] = {1, 2, 3, 0, 0, 2, 4, 6, 0, 0};
    lin_tensor x = lin_matrix(buf, 2, 3), w = lin_matrix(W, 2, 3), out = lin_matrix(buf + 3, 2, 2);
    (void)state;
    x.stride[0] = 5;
    out.stride[0] = 5;
    assert_int_equal(lin_linear(&x, &w, NULL, &out), LIN_OK);
    assert_true(buf[3] == 14.0f && buf[4] == 32.0f && buf[8] == 28.0f && buf[9] == 64.0f);
    assert_true(buf[0] == 1.0f && buf[7] == 6.0f);
}

/* An input broadcast with a stride of 0 (torch.expand) is fine. */
static void test_linear_expanded_input(void **state)
{
    float y[4 * 2];
    lin_tensor x = lin_matrix(X, 4, 3), w = lin_matrix(W, 2, 3), b = lin_vector(B, 2);
    lin_tensor out = lin_matrix(y, 4, 2);
    size_t i;
    (void)state;
    x.stride[0] = 0;
    assert_int_equal(lin_linear(&x, &w, &b, &out), LIN_OK);
    for (i = 0; i < 4; ++i) assert_true(y[2 * i] == 14.0f && y[2 * i + 1] == 33.0f);
}

/* x expanded over a batch, a weight whose rows repeat, and an out with the
   batch inside its rows: batch dims fold into columns for the GEMM, and
   the bias must still go by output feature. */
static void test_linear_bias_after_column_fold(void **state)
{
    float xd[6] = {1, 2, 3, 4, 5, 6}, w[3] = {1, 10, 100}, b[2] = {1000, 2000}, y[8];
    double ref[8], mag[8];
    lin_tensor x = lin_matrix(xd, 2, 3), wv = lin_matrix(w, 2, 3), bv = lin_vector(b, 2), out, wt;
    size_t s3[3] = {2, 2, 3}, so[3] = {2, 2, 2};
    (void)state;
    x = lin_tensor_view(xd, 3, s3);
    x.stride[0] = 0;                    /* (2, 2, 3), strides (0, 3, 1) */
    wv.stride[0] = 0;                   /* (2, 3), strides (0, 1) */
    out = lin_tensor_view(y, 3, so);
    out.stride[0] = 2;                  /* (2, 2, 2), strides (2, 4, 1) */
    out.stride[1] = 4;
    wt = lin_transpose(&wv);
    ref_matmul(&x, &wt, &bv, ref, mag);
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_OK);
    assert_close_to(&out, ref, mag, 3, "bias after a column fold");
}

/* ---- against a double reference, on the sizes that hit every tail ---- */

static void test_linear_f32_random_shapes(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 100};
    const size_t ns = TEST_SIZE(sizeof sizes / sizeof sizes[0], 8);    /* up to 9 */
    size_t t;
    (void)state;
    for (t = 0; t < 300; ++t) {
        size_t batch = sizes[test_randn(ns)], fin = sizes[test_randn(ns)], fout = sizes[test_randn(ns)];
        size_t i, nx = batch * fin, nw = fout * fin, ny = batch * fout;
        float *x = (float *)malloc(nx * 4), *w = (float *)malloc(nw * 4), *b = (float *)malloc(fout * 4);
        float *y = (float *)malloc((ny + 1) * 4);
        double *ref = (double *)malloc(ny * 8), *mag = (double *)malloc(ny * 8);
        int with_bias = (int)(t % 3 != 0);
        lin_tensor xv = lin_matrix(x, batch, fin), wv = lin_matrix(w, fout, fin), wt = lin_transpose(&wv);
        lin_tensor bv = lin_vector(b, fout), yv = lin_matrix(y, batch, fout);
        assert_true(x && w && b && y && ref && mag);
        for (i = 0; i < nx; ++i) x[i] = test_randf();
        for (i = 0; i < nw; ++i) w[i] = test_randf();
        for (i = 0; i < fout; ++i) b[i] = test_randf();
        ref_matmul(&xv, &wt, with_bias ? &bv : NULL, ref, mag);
        fill_sentinel(y, ny + 1);
        assert_int_equal(lin_linear_f32(x, w, with_bias ? b : NULL, y, batch, fin, fout), LIN_OK);
        assert_close_to(&yv, ref, mag, fin, "lin_linear_f32");
        assert_true(is_sentinel(y[ny]));
        fill_sentinel(y, ny + 1);
        assert_int_equal(lin_linear(&xv, &wv, with_bias ? &bv : NULL, &yv), LIN_OK);
        assert_close_to(&yv, ref, mag, fin, "lin_linear");
        free(x); free(w); free(b); free(y); free(ref); free(mag);
    }
}

/* ---- NaN and Inf propagate as IEEE says ---- */

static void test_linear_nan_inf(void **state)
{
    float inf = INFINITY, nan = NAN;
    float x[3] = {0.0f, 1.0f, 1.0f}, w[6] = {0, 0, 0, 1, 1, 1}, b[2] = {0, 0}, y[2] = {0, 0};
    (void)state;
    w[0] = inf;                               /* 0*Inf is NaN: no skipping of zeros */
    assert_int_equal(lin_linear_f32(x, w, b, y, 1, 3, 2), LIN_OK);
    assert_true(isnan(y[0]) && y[1] == 2.0f);
    w[0] = 0.0f;
    x[1] = inf;
    assert_int_equal(lin_linear_f32(x, w, b, y, 1, 3, 2), LIN_OK);
    assert_true(isnan(y[0]) && y[1] == inf);  /* Inf*0 again, then Inf + 1 */
    x[1] = 1.0f;
    b[1] = nan;
    assert_int_equal(lin_linear_f32(x, w, b, y, 1, 3, 2), LIN_OK);
    assert_true(y[0] == 0.0f && isnan(y[1]));
    b[1] = -inf;
    x[2] = inf;
    assert_int_equal(lin_linear_f32(x, w, b, y, 1, 3, 2), LIN_OK);
    assert_true(isnan(y[1]));                 /* Inf + -Inf */
}

/* ---- errors: a status, and every output byte as it was ---- */

static void test_linear_null(void **state)
{
    float y[4];
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(W, 2, 3), b = lin_vector(B, 2), out = lin_vector(y, 2);
    lin_tensor xnull = lin_vector(NULL, 3), wnull = lin_matrix(NULL, 2, 3), onull = lin_vector(NULL, 2);
    lin_layer layer;
    (void)state;
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear(NULL, &w, &b, &out), LIN_ERR_NULL);
    assert_int_equal(lin_linear(&x, NULL, &b, &out), LIN_ERR_NULL);
    assert_int_equal(lin_linear(&x, &w, &b, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_linear(&xnull, &w, &b, &out), LIN_ERR_NULL);
    assert_int_equal(lin_linear(&x, &wnull, &b, &out), LIN_ERR_NULL);
    assert_int_equal(lin_linear(&x, &w, &b, &onull), LIN_ERR_NULL);
    assert_int_equal(lin_linear_f32(NULL, W, B, y, 1, 3, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_f32(X, NULL, B, y, 1, 3, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_f32(X, W, B, NULL, 1, 3, 2), LIN_ERR_NULL);
    assert_int_equal(lin_layer_forward(NULL, &x, &out), LIN_ERR_NULL);
    assert_int_equal(lin_layer_init(&layer, 3, 2, W, B), LIN_OK);
    assert_int_equal(lin_layer_forward(&layer, NULL, &out), LIN_ERR_NULL);
    assert_int_equal(lin_layer_forward(&layer, &x, NULL), LIN_ERR_NULL);
    layer.weight = NULL;
    assert_int_equal(lin_layer_forward(&layer, &x, &out), LIN_ERR_NULL);
    assert_untouched(y, 4);
}

static void test_linear_rank(void **state)
{
    float y[4], s = 1.0f;
    size_t shape3[3] = {1, 2, 3};
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(W, 2, 3), b = lin_vector(B, 2), out = lin_vector(y, 2);
    lin_tensor x0 = lin_tensor_view(&s, 0, NULL), w3 = lin_tensor_view(W, 3, shape3);
    lin_tensor w0 = lin_tensor_view(&s, 0, NULL), b2 = lin_matrix(B, 1, 2), bad = lin_vector(X, 3);
    (void)state;
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear(&x0, &w, &b, &out), LIN_ERR_RANK);
    assert_int_equal(lin_linear(&x, &w3, &b, &out), LIN_ERR_RANK);
    assert_int_equal(lin_linear(&x, &w0, NULL, &out), LIN_ERR_RANK);
    assert_int_equal(lin_linear(&x, &w, &b2, &out), LIN_ERR_RANK);
    bad.ndim = LIN_MAX_DIMS + 1;
    assert_int_equal(lin_linear(&bad, &w, &b, &out), LIN_ERR_RANK);
    bad.ndim = -1;
    assert_int_equal(lin_linear(&x, &w, &b, &bad), LIN_ERR_RANK);
    bad = lin_tensor_view(B, LIN_MAX_DIMS + 1, NULL);   /* an invalid bias is not "no bias" */
    assert_int_equal(bad.ndim, -1);
    assert_int_equal(lin_linear(&x, &w, &bad, &out), LIN_ERR_RANK);
    assert_untouched(y, 4);
}

static void test_linear_shape(void **state)
{
    float y[8], x4[4] = {1, 2, 3, 4}, b3[3] = {0, 0, 0};
    lin_tensor x = lin_vector(X, 3), w = lin_matrix(W, 2, 3), b = lin_vector(B, 2);
    lin_tensor out = lin_vector(y, 2), xw = lin_vector(x4, 4), bw = lin_vector(b3, 3);
    lin_tensor out3 = lin_vector(y, 3), out2d = lin_matrix(y, 1, 2), neg = lin_matrix(W, 2, 3);
    (void)state;
    fill_sentinel(y, 8);
    assert_int_equal(lin_linear(&xw, &w, &b, &out), LIN_ERR_SHAPE);     /* in 4 vs 3 */
    assert_int_equal(lin_linear(&x, &w, &bw, &out), LIN_ERR_SHAPE);     /* bias 3 vs out 2 */
    assert_int_equal(lin_linear(&x, &w, &b, &out3), LIN_ERR_SHAPE);     /* out (3) */
    assert_int_equal(lin_linear(&x, &w, &b, &out2d), LIN_ERR_SHAPE);    /* out (1, 2) for x (3) */
    neg.stride[1] = -1;
    neg.data = W + 2;
    assert_int_equal(lin_linear(&x, &neg, &b, &out), LIN_ERR_VALUE);    /* negative stride */
    out.stride[0] = -1;
    assert_int_equal(lin_linear(&x, &w, &b, &out), LIN_ERR_VALUE);
    assert_untouched(y, 8);
}

static void test_linear_overflow(void **state)
{
    float y[4];
    const size_t big = (size_t)-1 / 2;
    lin_tensor x = lin_vector(X, 3), out = lin_vector(y, 2), huge;
    (void)state;
    fill_sentinel(y, 4);
    assert_int_equal(lin_linear_f32(X, W, B, y, big, 3, 2), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_f32(X, W, B, y, 1, big, 2), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_f32(X, W, B, y, 1, 3, big), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_f32(X, W, B, y, 1, (size_t)-1 / 4 + 1, 1), LIN_ERR_OVERFLOW);
    {   /* x and W empty (in 0), but batch*out overflows */
        const size_t half = (size_t)1 << (sizeof(size_t) * 4);
        assert_int_equal(lin_linear_f32(X, W, B, y, half, 0, half), LIN_ERR_OVERFLOW);
    }
    huge = lin_matrix(W, big, 3);                              /* elements overflow bytes */
    assert_int_equal(lin_linear(&x, &huge, NULL, &out), LIN_ERR_OVERFLOW);
    huge = lin_matrix(W, 2, 3);                                /* strides overflow offsets */
    huge.stride[0] = PTRDIFF_MAX / 2;
    assert_int_equal(lin_linear(&x, &huge, NULL, &out), LIN_ERR_OVERFLOW);
    assert_untouched(y, 4);
}

static void test_linear_alias(void **state)
{
    float buf[16], w[6], b[2];
    lin_tensor x, wv, bv, out;
    lin_layer layer;
    (void)state;
    memcpy(w, W, sizeof w);
    memcpy(b, B, sizeof b);
    fill_sentinel(buf, 16);
    memcpy(buf, X, sizeof X);
    x = lin_vector(buf, 3);
    wv = lin_matrix(w, 2, 3);
    bv = lin_vector(b, 2);
    out = lin_vector(buf + 2, 2);                      /* shares buf[2] with x */
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_ERR_ALIAS);
    out = lin_vector(w + 4, 2);                        /* inside the weight */
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_ERR_ALIAS);
    out = lin_vector(b, 2);                            /* on the bias */
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_ERR_ALIAS);
    out = lin_vector(buf + 8, 2);                      /* on itself: stride 0 */
    out.stride[0] = 0;
    assert_int_equal(lin_linear(&x, &wv, &bv, &out), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_f32(buf, w, b, buf + 2, 1, 3, 2), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_f32(buf, w, b, w + 5, 1, 3, 2), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_f32(buf, w, b, b + 1, 1, 3, 2), LIN_ERR_ALIAS);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, w + 5), LIN_ERR_ALIAS);
    assert_true(buf[0] == 1.0f && buf[1] == 2.0f && buf[2] == 3.0f);
    assert_untouched(buf + 3, 13);
    assert_true(memcmp(w, W, sizeof W) == 0 && memcmp(b, B, sizeof B) == 0);
    /* adjacent, not overlapping: fine */
    assert_int_equal(lin_linear_f32(buf, w, b, buf + 3, 1, 3, 2), LIN_OK);
    assert_true(buf[3] == 14.0f && buf[4] == 33.0f);
}

/* y right before or right after x, W or bias (sharing no byte) is fine and
   gives the bits of separate buffers; one float further it overlaps:
   LIN_ERR_ALIAS and nothing written. Tiny layers (checked on their own
   path) and larger ones. */
static void test_linear_f32_touching(void **state)
{
#if defined(TEST_SMALL_RAM)          /* the micro:bit's 16 KiB */
    static const size_t shapes[][3] = {{1, 3, 2}, {1, 1, 1}, {2, 5, 7}, {4, 8, 10}};
    enum { AT_W = 40, AT_B = 128, AT_Y = 144, AT_Z = 240, ARENA = 384, YMAX = 40 };
#else
    static const size_t shapes[][3] = {{1, 3, 2}, {1, 1, 1}, {2, 5, 7}, {15, 1, 17}, {3, 12, 20}};
    enum { AT_W = 64, AT_B = 320, AT_Y = 360, AT_Z = 600, ARENA = 960, YMAX = 255 };
#endif
    /* x at 0, W at AT_W, bias at AT_B, y at AT_Y apart; the input y
       touches moved to AT_Z, y just before or after it, inside ARENA */
    static float arena[ARENA], before[ARENA], want[YMAX];
    size_t t, i;
    int z, side;
    (void)state;
    for (t = 0; t < sizeof shapes / sizeof shapes[0]; ++t) {
        const size_t m = shapes[t][0], k = shapes[t][1], n = shapes[t][2];
        const size_t count[3] = {m * k, n * k, n};
        for (i = 0; i < ARENA; ++i) arena[i] = test_randf();
        expect_int(lin_linear_f32(arena, arena + AT_W, arena + AT_B, arena + AT_Y, m, k, n), LIN_OK);
        memcpy(want, arena + AT_Y, m * n * sizeof(float));
        for (z = 0; z < 3; ++z)
            for (side = 0; side < 2; ++side) {
                float *in[3], *y;
                in[0] = arena; in[1] = arena + AT_W; in[2] = arena + AT_B;
                in[z] = arena + AT_Z;
                memcpy(in[z], z == 0 ? arena : z == 1 ? arena + AT_W : arena + AT_B, count[z] * sizeof(float));
                y = side ? in[z] + count[z] : in[z] - m * n;
                expect_int(lin_linear_f32(in[0], in[1], in[2], y, m, k, n), LIN_OK);
                expect_true(memcmp(y, want, m * n * sizeof(float)) == 0);
                y += side ? -1 : 1;                             /* one float over it */
                memcpy(before, arena, sizeof arena);
                expect_int(lin_linear_f32(in[0], in[1], in[2], y, m, k, n), LIN_ERR_ALIAS);
                expect_true(memcmp(before, arena, sizeof arena) == 0);
            }
    }
}

/* ---- explanations ---- */

static void test_linear_explain(void **state)
{
    char msg[160];
    float xb[12], y[8], b3[3] = {0, 0, 0};
    lin_tensor x = lin_matrix(xb, 4, 3), w = lin_matrix(W, 2, 3), w4 = lin_matrix(W, 3, 2);
    lin_tensor bv = lin_vector(b3, 3), out = lin_matrix(y, 4, 3);
    (void)state;
    memset(xb, 0, sizeof xb);
    assert_int_equal(lin_linear_explain(&x, &w4, NULL, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x3)");
    assert_int_equal(lin_linear_explain(&x, &w, &bv, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "The expanded size of the tensor (2) must match the existing size (3) at "
                             "non-singleton dimension 1.  Target sizes: [4, 2].  Tensor sizes: [3]");
    assert_int_equal(lin_linear_explain(&x, &w, NULL, &out, msg, sizeof msg), LIN_ERR_SHAPE);
    assert_string_equal(msg, "out has shape [4, 3] but the result has shape [4, 2]");
    assert_int_equal(lin_linear_explain(NULL, &w, NULL, &out, msg, sizeof msg), LIN_ERR_NULL);
    assert_string_equal(msg, "x is NULL");
    out = lin_matrix(xb, 4, 2);
    assert_int_equal(lin_linear_explain(&x, &w, NULL, &out, msg, sizeof msg), LIN_ERR_ALIAS);
    assert_string_equal(msg, "out overlaps x");
    out = lin_matrix(y, 4, 2);
    assert_int_equal(lin_linear_explain(&x, &w, NULL, &out, msg, sizeof msg), LIN_OK);
    assert_string_equal(msg, "");
    /* F.linear's other paths: matmul, then an in-place add of the bias */
    {
        float d[24] = {0}, w43[12] = {0}, w13[3] = {0}, w3[3] = {0}, b1 = 0.0f;
        size_t s4[4] = {2, 2, 2, 3}, s3[3] = {2, 2, 3};
        lin_tensor x4 = lin_tensor_view(d, 4, s4), x3 = lin_tensor_view(d, 3, s3);
        lin_tensor w43v = lin_matrix(w43, 4, 3), w13v = lin_matrix(w13, 1, 3), w3v = lin_vector(w3, 3);
        lin_tensor b3v = lin_vector(b3, 3), b2v = lin_vector(b3, 2), b1v = lin_vector(&b1, 1);
        assert_int_equal(lin_linear_explain(&x4, &w43v, &b3v, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
        assert_string_equal(msg, "The size of tensor a (4) must match the size of tensor b (3) at "
                                 "non-singleton dimension 3");
        x3.stride[0] = 3;               /* (2, 2, 3) as .transpose(0, 1): not contiguous */
        x3.stride[1] = 6;
        assert_int_equal(lin_linear_explain(&x3, &w13v, &b2v, NULL, msg, sizeof msg), LIN_ERR_SHAPE);
        assert_string_equal(msg, "output with shape [2, 2, 1] doesn't match the broadcast shape [2, 2, 2]");
        x = lin_matrix(xb, 2, 3);
        assert_int_equal(lin_linear_explain(&x, &w3v, &b1v, NULL, msg, sizeof msg), LIN_ERR_RANK);
        assert_string_equal(msg, "mat2 must be a matrix, got 1-D tensor");
        x = lin_matrix(xb, 4, 3);
    }
    /* truncated, always terminated; no buffer is fine */
    assert_int_equal(lin_linear_explain(&x, &w4, NULL, NULL, msg, 5), LIN_ERR_SHAPE);
    assert_string_equal(msg, "mat1");
    assert_int_equal(lin_linear_explain(&x, &w4, NULL, NULL, NULL, 0), LIN_ERR_SHAPE);
    assert_int_equal(lin_linear_explain(&x, &w4, NULL, NULL, msg, 1), LIN_ERR_SHAPE);
    assert_string_equal(msg, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_worked_example_f32),
        TEST(test_worked_example_linear),
        TEST(test_worked_example_layer),
        TEST(test_worked_example_matmul_transpose),
        TEST(test_linear_leading_dims),
        TEST(test_linear_scalar_bias),
        TEST(test_linear_weight_1d),
        TEST(test_layer_without_bias),
        TEST(test_linear_batch_zero),
        TEST(test_linear_in_zero),
        TEST(test_linear_out_zero),
        TEST(test_linear_strided_views),
        TEST(test_linear_concat_columns),
        TEST(test_linear_expanded_input),
        TEST(test_linear_bias_after_column_fold),
        TEST(test_linear_f32_random_shapes),
        TEST(test_linear_nan_inf),
        TEST(test_linear_null),
        TEST(test_linear_rank),
        TEST(test_linear_shape),
        TEST(test_linear_overflow),
        TEST(test_linear_alias),
        TEST(test_linear_f32_touching),
        TEST(test_linear_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
