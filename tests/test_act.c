/* test_act.c - the activations (lin_relu6_f32 ... lin_log_softmax_f32)
   and their backward passes:
   - every case of tests/fixtures/activations.txt (PyTorch's float32
     results and float64 references, from tests/gen_act_fixtures.py):
     each value PyTorch's float32 bits or within 16 * 2^-24 times the
     case's error scale of the float64 value; NaN and infinities as
     PyTorch's; out of place and in place;
   - every error with the outputs untouched. */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

/* ---- the functions by name ---- */

enum { RELU6, LEAKY, TANH, SIGMOID, SILU, GELU, SOFTMAX, LOG_SOFTMAX, NFUNCS };
static const char *const names[NFUNCS] = {"relu6", "leaky_relu", "tanh", "sigmoid", "silu", "gelu", "softmax",
                                          "log_softmax"};

static lin_status run_forward(int f, float param, const float *x, float *y, size_t rows, size_t n)
{
    switch (f) {
    case RELU6: return lin_relu6_f32(x, y, rows * n);
    case LEAKY: return lin_leaky_relu_f32(x, y, rows * n, param);
    case TANH: return lin_tanh_f32(x, y, rows * n);
    case SIGMOID: return lin_sigmoid_f32(x, y, rows * n);
    case SILU: return lin_silu_f32(x, y, rows * n);
    case GELU: return lin_gelu_f32(x, y, rows * n, (int)param);
    case SOFTMAX: return lin_softmax_f32(x, y, rows, n);
    default: return lin_log_softmax_f32(x, y, rows, n);
    }
}

#ifndef LIN_NO_TRAIN
/* saved: the forward's input x, or its output y (tanh, sigmoid, softmax,
   log_softmax), as PyTorch's backward takes them */
static lin_status run_backward(int f, float param, const float *saved, const float *gy, float *gx, size_t rows,
                               size_t n)
{
    switch (f) {
    case RELU6: return lin_relu6_backward_f32(saved, gy, gx, rows * n);
    case LEAKY: return lin_leaky_relu_backward_f32(saved, gy, gx, rows * n, param);
    case TANH: return lin_tanh_backward_f32(saved, gy, gx, rows * n);
    case SIGMOID: return lin_sigmoid_backward_f32(saved, gy, gx, rows * n);
    case SILU: return lin_silu_backward_f32(saved, gy, gx, rows * n);
    case GELU: return lin_gelu_backward_f32(saved, gy, gx, rows * n, (int)param);
    case SOFTMAX: return lin_softmax_backward_f32(saved, gy, gx, rows, n);
    default: return lin_log_softmax_backward_f32(saved, gy, gx, rows, n);
    }
}

static int from_output(int f)
{
    return f == TANH || f == SIGMOID || f == SOFTMAX || f == LOG_SOFTMAX;
}
#endif

/* ---- the fixture file ---- */

static FILE *fx;

static void fx_key(const char *key)
{
    char w[16];
    if (fscanf(fx, "%15s", w) != 1 || strcmp(w, key)) fail_msg("activations.txt: '%s' expected, got '%s'", key, w);
}

static float fx_float(void)
{
    unsigned long v;
    if (fscanf(fx, "%lx", &v) != 1) fail_msg("%s", "activations.txt: a hex number was expected");
    return float_of_bits((uint32_t)v);
}

static double fx_double(void)
{
    double v;
    if (fscanf(fx, "%lf", &v) != 1) fail_msg("%s", "activations.txt: a number was expected");
    return v;
}

static void fx_floats(const char *key, float *v, size_t n)
{
    size_t i;
    fx_key(key);
    for (i = 0; i < n; ++i) v[i] = fx_float();
}

/* got against PyTorch's float32 value want, the float64 ref and the error
   scale mag: NaN where PyTorch has NaN, its infinities, else its bits or
   within 16 * 2^-24 * mag (+ 2^-140 for subnormal results) of ref */
static double worst;    /* the largest |got - ref| / (2^-24 mag) seen */
static int agrees(float got, float want, double ref, double mag)
{
    const double tol = 16.0 * ldexp(mag, -24) + ldexp(1.0, -140);
    if (want != want) return got != got;
    if (want - want != 0.0f) return bits_of(got) == bits_of(want);
    if (bits_of(got) == bits_of(want)) return 1;
    if (got != got || fabs((double)got - ref) > tol) return 0;
    if (ldexp(mag, -24) > ldexp(1.0, -140) && fabs((double)got - ref) / ldexp(mag, -24) > worst) worst = fabs((double)got - ref) / ldexp(mag, -24);
    return 1;
}

/* reads the references and scales of the rows * n values, checks got
   against them and against PyTorch's float32 want, and got2 (in place)
   against got bit for bit */
static void check_values(const char *what, const char *rkey, const char *mkey, const char *name, float param,
                         size_t rows, size_t n, const float *got, const float *got2, const float *want)
{
    size_t i, cnt = rows * n;
    double *ref = (double *)malloc(cnt * sizeof *ref);
    assert_non_null(ref);
    fx_key(rkey);
    for (i = 0; i < cnt; ++i) ref[i] = fx_double();
    fx_key(mkey);
    for (i = 0; i < cnt; ++i) {
        const double mag = fx_double();
        if (!agrees(got[i], want[i], ref[i], mag) || bits_of(got2[i]) != bits_of(got[i])) {
            print_error("%s %s(%g) %zux%zu [%zu]: %.9g (in place %.9g), PyTorch %.9g, float64 %.17g\n", what, name,
                        (double)param, rows, n, i, (double)got[i], (double)got2[i], (double)want[i], ref[i]);
            ++test_failures;
        }
    }
    free(ref);
}

static void test_match_pytorch(void **state)
{
    char w[16];
    long ncase = 0;
    int seen[NFUNCS] = {0};
    (void)state;
    fx = fopen(FIXTURE_DIR "/activations.txt", "r");
    if (!fx) fail_msg("%s", "cannot open " FIXTURE_DIR "/activations.txt");
    while (fscanf(fx, "%15s", w) == 1) {
        size_t rows, n, cnt;
        float param, *x, *g, *y32, *out, *out2, *want;   /* six arrays: the micro:bit's 16 KiB */
        int f;
        long r, c;
        double p;
        assert_string_equal(w, "case");
        if (fscanf(fx, "%15s %lf %ld %ld", w, &p, &r, &c) != 4) fail();
        for (f = 0; f < NFUNCS && strcmp(w, names[f]); ++f) {
        }
        assert_true(f < NFUNCS);
        param = (float)p;
        rows = (size_t)r;
        n = (size_t)c;
        cnt = rows * n;
        x = (float *)malloc(cnt * sizeof *x);
        g = (float *)malloc(cnt * sizeof *g);
        y32 = (float *)malloc(cnt * sizeof *y32);
        out = (float *)malloc((cnt + 1) * sizeof *out);
        out2 = (float *)malloc(cnt * sizeof *out2);
        want = (float *)malloc(cnt * sizeof *want);
        assert_true(x && g && y32 && out && out2 && want);
        fx_floats("x", x, cnt);
        fx_floats("g", g, cnt);
        fx_floats("y", y32, cnt);
        fill_sentinel(out, cnt + 1);
        expect_int(run_forward(f, param, x, out, rows, n), LIN_OK);
        expect_true(is_sentinel(out[cnt]));
        memcpy(out2, x, cnt * sizeof *x);
        expect_int(run_forward(f, param, out2, out2, rows, n), LIN_OK);
        check_values("forward", "r", "m", names[f], param, rows, n, out, out2, y32);
        fx_floats("d", want, cnt);
#ifndef LIN_NO_TRAIN
        {   /* from PyTorch's float32 y where its backward takes the output */
            const float *saved = from_output(f) ? y32 : x;
            fill_sentinel(out, cnt + 1);
            expect_int(run_backward(f, param, saved, g, out, rows, n), LIN_OK);
            expect_true(is_sentinel(out[cnt]));
            memcpy(out2, g, cnt * sizeof *g);
            expect_int(run_backward(f, param, saved, out2, out2, rows, n), LIN_OK);
            check_values("backward", "e", "k", names[f], param, rows, n, out, out2, want);
        }
#endif
        while (fscanf(fx, "%15s", w) == 1 && strcmp(w, "end")) {    /* the backward's lines, if unread */
        }
        free(x); free(g); free(y32); free(out); free(out2); free(want);
        seen[f] = 1;
        ++ncase;
    }
    fclose(fx);
    expect_int(ncase, 50);
    for (ncase = 0; ncase < NFUNCS; ++ncase) expect_true(seen[ncase]);
    print_message("activations: 50 cases, the largest error %.2f x 2^-24 x its scale\n", worst);
}

/* ---- errors ---- */

static void test_errors_leave_outputs(void **state)
{
    float x[8], y[8], g[8];
    const size_t big = (size_t)1 << (sizeof(size_t) * 4);
    int f;
    (void)state;
    for (f = 0; f < 8; ++f) x[f] = g[f] = (float)f - 3.0f;
    for (f = 0; f < NFUNCS; ++f) {
        const size_t rows = f >= SOFTMAX ? 2 : 1, n = f >= SOFTMAX ? 3 : 6;
        fill_sentinel(y, 8);
        expect_int(run_forward(f, 0.0f, NULL, y, rows, n), LIN_ERR_NULL);
        expect_int(run_forward(f, 0.0f, x, NULL, rows, n), LIN_ERR_NULL);
        expect_int(run_forward(f, 0.0f, x, x + 1, rows, n), LIN_ERR_ALIAS);       /* overlapping, not in place */
        expect_int(run_forward(f, 0.0f, y + 1, y, rows, n), LIN_ERR_ALIAS);
        expect_int(run_forward(f, 0.0f, x, y, 1, SIZE_MAX / 2), LIN_ERR_OVERFLOW);  /* bytes overflow */
        if (f >= SOFTMAX) expect_int(run_forward(f, 0.0f, x, y, big, big), LIN_ERR_OVERFLOW);  /* rows * n */
        assert_untouched(y, 8);
        /* nothing to do: no buffer needed */
        expect_int(run_forward(f, 0.0f, NULL, NULL, f >= SOFTMAX ? 5 : 0, 0), LIN_OK);
        if (f >= SOFTMAX) expect_int(run_forward(f, 0.0f, NULL, NULL, 0, 5), LIN_OK);
#ifndef LIN_NO_TRAIN
        expect_int(run_backward(f, 0.0f, NULL, g, y, rows, n), LIN_ERR_NULL);
        expect_int(run_backward(f, 0.0f, x, NULL, y, rows, n), LIN_ERR_NULL);
        expect_int(run_backward(f, 0.0f, x, g, NULL, rows, n), LIN_ERR_NULL);
        expect_int(run_backward(f, 0.0f, x, g, g + 1, rows, n), LIN_ERR_ALIAS);     /* grad_x over grad_y */
        expect_int(run_backward(f, 0.0f, y + 1, g, y, rows, n), LIN_ERR_ALIAS);     /* over the saved one */
        expect_int(run_backward(f, 0.0f, y, g, y, rows, n), LIN_ERR_ALIAS);         /* even all of it */
        expect_int(run_backward(f, 0.0f, x, g, y, 1, SIZE_MAX / 2), LIN_ERR_OVERFLOW);
        if (f >= SOFTMAX) expect_int(run_backward(f, 0.0f, x, g, y, big, big), LIN_ERR_OVERFLOW);
        assert_untouched(y, 8);
        expect_int(run_backward(f, 0.0f, NULL, NULL, NULL, 0, 0), LIN_OK);
#endif
    }
    /* GELU's approximate: 0 or 1 */
    fill_sentinel(y, 8);
    expect_int(lin_gelu_f32(x, y, 8, 2), LIN_ERR_VALUE);
    expect_int(lin_gelu_f32(x, y, 8, -1), LIN_ERR_VALUE);
#ifndef LIN_NO_TRAIN
    expect_int(lin_gelu_backward_f32(x, g, y, 8, 2), LIN_ERR_VALUE);
#endif
    assert_untouched(y, 8);
}

/* the identities PyTorch's users lean on: softmax rows sum to 1, log_softmax
   is the log of softmax, GELU 'tanh' is near 'none', SiLU is x sigmoid(x) */
static void test_identities(void **state)
{
    float x[3 * 40], a[3 * 40], b[3 * 40];
    size_t i, r;
    (void)state;
    for (i = 0; i < 3 * 40; ++i) x[i] = test_randf() * 8.0f;
    expect_int(lin_softmax_f32(x, a, 3, 40), LIN_OK);
    expect_int(lin_log_softmax_f32(x, b, 3, 40), LIN_OK);
    for (r = 0; r < 3; ++r) {
        double sum = 0.0;
        for (i = 0; i < 40; ++i) {
            sum += a[r * 40 + i];
            expect_true(fabs(log((double)a[r * 40 + i]) - (double)b[r * 40 + i]) < 1e-5 * (1 + fabs((double)b[r * 40 + i])));
        }
        expect_true(fabs(sum - 1.0) < 1e-5);
    }
    expect_int(lin_gelu_f32(x, a, 120, LIN_GELU_NONE), LIN_OK);
    expect_int(lin_gelu_f32(x, b, 120, LIN_GELU_TANH), LIN_OK);
    for (i = 0; i < 120; ++i) expect_true(fabsf(a[i] - b[i]) < 1e-3f);
    expect_int(lin_silu_f32(x, a, 120), LIN_OK);
    expect_int(lin_sigmoid_f32(x, b, 120), LIN_OK);
    for (i = 0; i < 120; ++i) expect_true(fabsf(a[i] - x[i] * b[i]) <= 1e-6f * (1.0f + fabsf(a[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_match_pytorch),
        TEST(test_errors_leave_outputs),
        TEST(test_identities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
