/* test_init.c - the random numbers and nn.Linear's default initialisation:
   PCG32's published stream, the distributions (bounds, mean, variance,
   Kolmogorov-Smirnov distance) and the same weights for the same seed. */
#include "test_util.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of the sample from the CDF cdf(x, p). */
static double ks_distance(float *v, size_t n, double (*cdf)(double, double), double p)
{
    size_t i;
    double d = 0.0;
    qsort(v, n, sizeof *v, cmp_float);
    for (i = 0; i < n; ++i) {
        double f = cdf((double)v[i], p), lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    return d;
}

static double uniform_cdf(double x, double bound) /* U(-bound, bound) */
{
    double f = (x + bound) / (2.0 * bound);
    return f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
}

static double normal_cdf(double x, double unused)
{
    (void)unused;
    return 0.5 * erfc(-x / sqrt(2.0));
}

static void mean_var(const float *v, size_t n, double *mean, double *var)
{
    size_t i;
    double s = 0.0, s2 = 0.0;
    for (i = 0; i < n; ++i) s += v[i];
    *mean = s / (double)n;
    for (i = 0; i < n; ++i) s2 += ((double)v[i] - *mean) * ((double)v[i] - *mean);
    *var = s2 / (double)(n - 1);
}

/* The 95% critical value of the KS distance for n samples. */
static double ks_critical(size_t n) { return 1.36 / sqrt((double)n); }

/* ---- PCG32 ---- */

/* pcg32_srandom(42, 54) and the first outputs O'Neill's pcg32-demo prints */
static void test_rng_pcg32_reference_stream(void **state)
{
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    lin_rng rng;
    int i;
    (void)state;
    rng.state = 0;
    rng.inc = (UINT64_C(54) << 1) | 1u;
    lin_rng_next_u32(&rng);
    rng.state += 42;
    lin_rng_next_u32(&rng);
    for (i = 0; i < 6; ++i) assert_int_equal(lin_rng_next_u32(&rng), want[i]);
}

/* lin_rng_seed's stream is fixed for good: these are its first outputs. */
static void test_rng_seed_golden(void **state)
{
    static const uint32_t want[4] = {0x713066eau, 0x3c7a0d56u, 0xf424216au, 0x25c89145u};
    lin_rng a, b;
    int i, differ = 0;
    (void)state;
    lin_rng_seed(&a, 42);
    for (i = 0; i < 4; ++i) assert_int_equal(lin_rng_next_u32(&a), want[i]);
    lin_rng_seed(&a, 1);
    lin_rng_seed(&b, 2);
    for (i = 0; i < 8; ++i) differ |= lin_rng_next_u32(&a) != lin_rng_next_u32(&b);
    assert_true(differ);
}

/* ---- uniform ---- */

static void test_rng_uniform_range(void **state)
{
    lin_rng rng;
    size_t i;
    float lo = 1.0f, hi = 1.0f + 2.0f * 1.1920929e-07f;  /* two floats wide */
    int seen_lo = 0;
    (void)state;
    lin_rng_seed(&rng, 7);
    for (i = 0; i < 100000; ++i) {
        float u = lin_rng_uniform(&rng, lo, hi);
        assert_true(u >= lo && u < hi);
        seen_lo |= u == lo;
    }
    assert_true(seen_lo);
    for (i = 0; i < 100000; ++i) {
        float u = lin_rng_uniform(&rng, -1e-30f, 3e38f);
        assert_true(u >= -1e-30f && u < 3e38f);
        u = lin_rng_uniform(&rng, -3.4e38f, 3.4e38f);    /* hi - lo overflows float */
        assert_true(u >= -3.4e38f && u < 3.4e38f);
    }
    {
        /* intervals a few subnormals wide, at and below 0; the bounds in
           variables, since x87 (i386) may keep a float constant wider */
        volatile float two = -2.8e-45f, three = -4.2e-45f, one = -1.4e-45f, zero = 0.0f;
        for (i = 0; i < 20000; ++i) {
            float u = lin_rng_uniform(&rng, two, zero);
            assert_true(u >= two && u < zero);
            u = lin_rng_uniform(&rng, three, one);
            assert_true(u >= three && u < one);
        }
    }
    assert_true(lin_rng_uniform(&rng, 2.5f, 2.5f) == 2.5f);
    assert_true(isnan(lin_rng_uniform(&rng, NAN, 1.0f)));
}

static void test_rng_uniform_distribution(void **state)
{
    enum { N = TEST_SIZE(200000, 800) };
    float *v = (float *)malloc(N * sizeof(float));
    lin_rng rng;
    double mean, var;
    size_t i;
    (void)state;
    assert_non_null(v);
    lin_rng_seed(&rng, 2024);
    for (i = 0; i < N; ++i) v[i] = lin_rng_uniform(&rng, -2.0f, 2.0f);
    mean_var(v, N, &mean, &var);
    /* U(-2, 2): sigma^2 = 4/3; the sample variance's sigma is a^2*sqrt(4/45/N) for U(-a, a) */
    assert_true(fabs(mean) < 5.0 * sqrt(4.0 / 3.0 / N));
    assert_true(fabs(var - 4.0 / 3.0) < 5.0 * 4.0 * sqrt(4.0 / 45.0 / N));
    assert_true(ks_distance(v, N, uniform_cdf, 2.0) < ks_critical(N));
    free(v);
}

/* ---- normal ---- */

static void test_rng_normal_distribution(void **state)
{
    enum { N = TEST_SIZE(200000, 800) };
    float *v = (float *)malloc(N * sizeof(float));
    lin_rng rng, again;
    double mean, var;
    size_t i, beyond3 = 0;
    (void)state;
    assert_non_null(v);
    lin_rng_seed(&rng, 99);
    lin_rng_seed(&again, 99);
    for (i = 0; i < N; ++i) {
        v[i] = lin_rng_normal(&rng);
        assert_true(isfinite(v[i]));
        assert_true(bits_of(v[i]) == bits_of(lin_rng_normal(&again)));
        beyond3 += fabs(v[i]) > 3.0;
    }
    mean_var(v, N, &mean, &var);
    assert_true(fabs(mean) < 5.0 / sqrt((double)N));
    assert_true(fabs(var - 1.0) < 5.0 * sqrt(2.0 / N));     /* N(0,1): var(s^2) = 2/N */
    /* the tails: P(|z| > 3) = 0.0027, a binomial count within 5sigma */
    assert_true(fabs((double)beyond3 - N * 0.0027) < 5.0 * sqrt(N * 0.0027) + 1.0);
    assert_true(ks_distance(v, N, normal_cdf, 0.0) < ks_critical(N));
    free(v);
}

/* ---- reset_parameters ---- */

static void test_reset_parameters_distribution(void **state)
{
    enum { IN = TEST_SIZE(512, 32), OUT = TEST_SIZE(256, 24) };
    float *w = (float *)malloc(IN * OUT * sizeof(float)), b[OUT];
    lin_layer layer;
    lin_rng rng;
    double bound = 1.0 / sqrt((double)IN), mean, var;
    size_t i;
    (void)state;
    memset(&layer, 0, sizeof layer);    /* GCC -O3 cannot see that a failed init stops the test */
    assert_non_null(w);
    lin_rng_seed(&rng, 0);
    assert_int_equal(lin_layer_init(&layer, IN, OUT, w, b), LIN_OK);
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_OK);
    for (i = 0; i < IN * OUT; ++i) assert_true(w[i] >= -bound && w[i] < bound);
    for (i = 0; i < OUT; ++i) assert_true(b[i] >= -bound && b[i] < bound);
    mean_var(w, IN * OUT, &mean, &var);
    assert_true(fabs(mean) < 5.0 * bound * sqrt(1.0 / 3.0 / (IN * OUT)));
    assert_true(fabs(var / (bound * bound / 3.0) - 1.0) < 5.0 * 3.0 * sqrt(4.0 / 45.0 / (IN * OUT)));
    assert_true(ks_distance(w, IN * OUT, uniform_cdf, bound) < ks_critical(IN * OUT));
    assert_true(ks_distance(b, OUT, uniform_cdf, bound) < ks_critical(OUT) * 1.3);
    free(w);
}

/* nn.Linear(3, 2) from seed 42: the same bits on every platform. */
static void test_reset_parameters_golden(void **state)
{
    static const uint32_t want_w[6] = {0xbd88d150u, 0xbe9bf030u, 0x3f061bb4u,
                                       0xbed0589eu, 0xbe8ac7fbu, 0x3d9b4e4au};
    static const uint32_t want_b[2] = {0xbe538ffcu, 0xbe4bcf37u};
    float w[6], b[2], w2[6], b2[2];
    lin_layer layer, layer2;
    lin_rng rng;
    int i;
    (void)state;
    lin_rng_seed(&rng, 42);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_OK);
    for (i = 0; i < 6; ++i) assert_int_equal(bits_of(w[i]), want_w[i]);
    for (i = 0; i < 2; ++i) assert_int_equal(bits_of(b[i]), want_b[i]);
    for (i = 0; i < 6; ++i) assert_true(fabs(w[i]) < 1.0 / sqrt(3.0));
    lin_rng_seed(&rng, 42);                         /* same seed, same weights */
    assert_int_equal(lin_layer_init(&layer2, 3, 2, w2, b2), LIN_OK);
    assert_int_equal(lin_layer_reset_parameters(&layer2, &rng), LIN_OK);
    assert_memory_equal(w, w2, sizeof w);
    assert_memory_equal(b, b2, sizeof b);
}

/* in_features 0: bound 0, so the bias is all zeros, as in PyTorch. */
static void test_reset_parameters_in_zero(void **state)
{
    float b[3] = {5, 5, 5};
    lin_layer layer;
    lin_rng rng;
    (void)state;
    lin_rng_seed(&rng, 1);
    assert_int_equal(lin_layer_init(&layer, 0, 3, NULL, b), LIN_OK);
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_OK);
    assert_true(b[0] == 0.0f && b[1] == 0.0f && b[2] == 0.0f);
}

static void test_layer_errors_untouched(void **state)
{
    float w[8], b[2];
    lin_layer layer, before;
    lin_rng rng;
    (void)state;
    lin_rng_seed(&rng, 3);
    fill_sentinel(w, 8);
    fill_sentinel(b, 2);
    memset(&layer, 0x5a, sizeof layer);
    before = layer;
    assert_int_equal(lin_layer_init(NULL, 3, 2, w, b), LIN_ERR_NULL);
    assert_int_equal(lin_layer_init(&layer, 3, 2, NULL, b), LIN_ERR_NULL);
    assert_int_equal(lin_layer_init(&layer, (size_t)-1 / 2, 3, w, b), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, w + 5), LIN_ERR_ALIAS);
    assert_memory_equal(&layer, &before, sizeof layer);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    assert_int_equal(lin_layer_reset_parameters(NULL, &rng), LIN_ERR_NULL);
    assert_int_equal(lin_layer_reset_parameters(&layer, NULL), LIN_ERR_NULL);
    layer.bias = w + 4;                          /* edited by hand into the weight */
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_ERR_ALIAS);
    layer.bias = b;
    layer.in_features = (size_t)-1 / 2;
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_ERR_OVERFLOW);
    layer.in_features = 3;
    layer.weight = NULL;
    assert_int_equal(lin_layer_reset_parameters(&layer, &rng), LIN_ERR_NULL);
    assert_untouched(w, 8);
    assert_untouched(b, 2);
}

/* The parameters over the generator (which the draws update) or over the
   lin_layer (whose pointers the writes read): refused with nothing drawn
   or written; right beside them, drawn. */
static void test_reset_parameters_overlaps(void **state)
{
    union { lin_rng r; float f[12]; } ur, ur0;  /* the generator: the first 16 bytes */
    union { lin_layer l; float f[16]; } ul, ul0;
    const size_t rf = sizeof(lin_rng) / sizeof(float), lf = sizeof(lin_layer) / sizeof(float);
    float w[8], b[2];
    (void)state;
    fill_sentinel(w, 8);
    fill_sentinel(b, 2);
    fill_sentinel(ur.f, 12);
    lin_rng_seed(&ur.r, 5);
    ur0 = ur;
    ul.l.in_features = 3;
    ul.l.out_features = 2;
    ul.l.weight = ur.f + rf - 1;                 /* the weight's first float, the generator's last */
    ul.l.bias = b;
    assert_int_equal(lin_layer_reset_parameters(&ul.l, &ur.r), LIN_ERR_ALIAS);
    ul.l.weight = w;
    ul.l.bias = ur.f + 1;                        /* the bias inside it */
    assert_int_equal(lin_layer_reset_parameters(&ul.l, &ur.r), LIN_ERR_ALIAS);
    assert_memory_equal(&ur, &ur0, sizeof ur);
    fill_sentinel(ul.f + lf, 16 - lf);
    ul.l.bias = ul.f + lf - 1;                   /* the bias over the layer's last field */
    ul0 = ul;
    assert_int_equal(lin_layer_reset_parameters(&ul.l, &ur.r), LIN_ERR_ALIAS);
    ul.l.bias = NULL;
    ul.l.weight = ul.f + lf - 2;                 /* the weight over it */
    ul0 = ul;
    assert_int_equal(lin_layer_reset_parameters(&ul.l, &ur.r), LIN_ERR_ALIAS);
    assert_memory_equal(&ul, &ul0, sizeof ul);
    assert_memory_equal(&ur, &ur0, sizeof ur);
    assert_untouched(w, 8);
    assert_untouched(b, 2);
    ul.l.weight = ur.f + rf;                     /* beside the generator and the layer: drawn */
    ul.l.bias = ul.f + lf;
    assert_int_equal(lin_layer_reset_parameters(&ul.l, &ur.r), LIN_OK);
    assert_false(is_sentinel(ur.f[rf]));
    assert_false(is_sentinel(ul.f[lf]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_rng_pcg32_reference_stream),
        TEST(test_rng_seed_golden),
        TEST(test_rng_uniform_range),
        TEST(test_rng_uniform_distribution),
        TEST(test_rng_normal_distribution),
        TEST(test_reset_parameters_distribution),
        TEST(test_reset_parameters_golden),
        TEST(test_reset_parameters_in_zero),
        TEST(test_layer_errors_untouched),
        TEST(test_reset_parameters_overlaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
