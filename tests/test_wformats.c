/* test_wformats.c - the layers with compressed weights (lin_linear_f16w,
   _bf16w, _q8w, _q4w) and their conversions and quantizers:
   - the binary16 and bfloat16 conversions bit for bit against PyTorch's
     (tests/fixtures/wformats.txt, from tests/gen_wformat_fixtures.py),
     and every binary16 value against a formula in double here;
   - every layer case of the fixtures (W decoded and the sums taken in
     float64 by PyTorch) within the float32 bound, in every kernel family
     this machine runs (each forced in turn);
   - the edge values: subnormal, infinite and NaN halves, the extreme
     nibbles, scale 0, scales of 2^124 and more, infinite and NaN,
     in_features 0, 32 and 4096;
   - the quantizers against a reference written here;
   - every error with the outputs untouched. */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

#ifndef LIN_NO_WFORMATS

enum { F16, BF16, Q8, Q4 };
static const char *const form_names[4] = {"f16", "bf16", "q8w", "q4w"};

/* the layer of form: weight as bytes, scale NULL for f16 and bf16 */
static lin_status run_layer(int form, const float *x, const void *w, const float *scale, const float *bias,
                            float *y, size_t batch, size_t in, size_t out)
{
    switch (form) {
    case F16: return lin_linear_f16w(x, (const uint16_t *)w, bias, y, batch, in, out);
    case BF16: return lin_linear_bf16w(x, (const uint16_t *)w, bias, y, batch, in, out);
    case Q8: return lin_linear_q8w(x, (const int8_t *)w, scale, bias, y, batch, in, out);
    default: return lin_linear_q4w(x, (const uint8_t *)w, scale, bias, y, batch, in, out);
    }
}

/* ---- the fixture file ---- */

static FILE *fx;

static void fx_open(void)
{
    fx = fopen(FIXTURE_DIR "/wformats.txt", "r");
    if (!fx) fail_msg("%s", "cannot open " FIXTURE_DIR "/wformats.txt");
}

static void fx_key(const char *key)
{
    char w[16];
    if (fscanf(fx, "%15s", w) != 1 || strcmp(w, key)) fail_msg("wformats.txt: '%s' expected, got '%s'", key, w);
}

static unsigned long fx_hex(void)
{
    unsigned long v;
    if (fscanf(fx, "%lx", &v) != 1) fail_msg("%s", "wformats.txt: a hex number was expected");
    return v;
}

static long fx_int(void)
{
    long v;
    if (fscanf(fx, "%ld", &v) != 1) fail_msg("%s", "wformats.txt: a number was expected");
    return v;
}

static double fx_double(void)
{
    double v;
    if (fscanf(fx, "%lf", &v) != 1) fail_msg("%s", "wformats.txt: a number was expected");
    return v;
}

static void test_conversions_match_pytorch(void **state)
{
    long n, i;
    (void)state;
    fx_open();
    fx_key("conv");
    n = fx_int();
    assert_true(n > 1000);
    for (i = 0; i < n; ++i) {
        const uint32_t f = (uint32_t)fx_hex();
        const uint16_t h = (uint16_t)fx_hex(), b = (uint16_t)fx_hex();
        if ((f & 0x7fffffffu) > 0x7f800000u) {
            /* NaN: a NaN (PyTorch's vector path gives bfloat16 0xffff,
               its scalar one 0x7fc0, as lin_f32_to_bf16 does) */
            expect_int(lin_f32_to_f16(float_of_bits(f)) & 0x7e00u, 0x7e00);
            expect_int(lin_f32_to_bf16(float_of_bits(f)) & 0x7fc0u, 0x7fc0);
            continue;
        }
        expect_int(lin_f32_to_f16(float_of_bits(f)), h);
        expect_int(lin_f32_to_bf16(float_of_bits(f)), b);
        if (lin_f32_to_f16(float_of_bits(f)) != h || lin_f32_to_bf16(float_of_bits(f)) != b)
            print_error("float bits %08x\n", (unsigned)f);
    }
    fx_key("half");
    n = fx_int();
    assert_true(n > 1000);
    for (i = 0; i < n; ++i) {
        const uint16_t h = (uint16_t)fx_hex();
        const uint32_t f = (uint32_t)fx_hex();
        const float got = lin_f16_to_f32(h);
        if (isnan(float_of_bits(f)))        /* x87 (i386) may quiet a NaN on the way: NaN, with its sign */
            expect_true(isnan(got) && !!signbit(got) == !!signbit(float_of_bits(f)));
        else
            expect_int(bits_of(got), f);
    }
    fclose(fx);
}

/* every binary16 value against its definition, and back */
static void test_every_half(void **state)
{
    uint32_t h;
    (void)state;
    for (h = 0; h < 65536u; ++h) {
        const int e = (int)((h >> 10) & 31u), m = (int)(h & 1023u);
        const double sign = (h & 0x8000u) ? -1.0 : 1.0;
        const float got = lin_f16_to_f32((uint16_t)h);
        if (e == 31) {
            if (m) expect_true(isnan(got));
            else expect_true(isinf(got) && (got < 0) == (sign < 0));
            continue;
        }
        {
            const double want = sign * (e ? ldexp(1024.0 + m, e - 25) : ldexp((double)m, -24));
            expect_true((double)got == want && !!signbit(got) == (sign < 0));
            expect_int(lin_f32_to_f16(got), h);     /* exact both ways */
        }
    }
    for (h = 0; h < 65536u; ++h) {
        const float got = lin_bf16_to_f32((uint16_t)h);
        expect_int(bits_of(got) >> 16, h);
        if (!isnan(got)) expect_int(lin_f32_to_bf16(got), h);
    }
    /* NaN in: PyTorch's bits */
    expect_int(lin_f32_to_f16(float_of_bits(0x7f800001u)) & 0x7fffu, 0x7e00);
    expect_int(lin_f32_to_bf16(float_of_bits(0xffc00001u)), 0x7fc0);
}

/* the largest case the micro:bit's 16 KiB hold (x, W's bytes, y) */
#define FX_MAX_BYTES TEST_SIZE((size_t)-1, (size_t)3000)

/* run every case of the fixtures in the family chosen now */
static void layer_cases(int isa)
{
    long ncase = 0;
    char w[16];
    fx_open();
    while (fscanf(fx, "%15s", w) == 1) {
        size_t batch, in, out, i, nw, ns = 0, wbytes;
        int form, has_bias;
        float *x, *s = NULL, *b = NULL, *y;
        double *ref, *mag;
        unsigned char *wt;
        if (strcmp(w, "case")) continue;    /* the conversion tables */
        if (fscanf(fx, "%15s", w) != 1) fail();
        for (form = 0; form < 4 && strcmp(w, form_names[form]); ++form) {
        }
        assert_true(form < 4);
        batch = (size_t)fx_int();
        in = (size_t)fx_int();
        out = (size_t)fx_int();
        has_bias = (int)fx_int();
        nw = in * out;
        wbytes = form <= BF16 ? 2 * nw : form == Q8 ? nw : nw / 2;
        if ((batch * in + batch * out + out) * 4 + wbytes + nw / 8 > FX_MAX_BYTES) {
            while (fscanf(fx, "%15s", w) == 1 && strcmp(w, "end")) {
            }
            continue;
        }
        x = (float *)malloc(batch * in * sizeof *x);
        wt = (unsigned char *)malloc(wbytes);
        y = (float *)malloc((batch * out + 1) * sizeof *y);
        ref = (double *)malloc(batch * out * sizeof *ref);
        mag = (double *)malloc(batch * out * sizeof *mag);
        assert_true(x && wt && y && ref && mag);
        fx_key("x");
        for (i = 0; i < batch * in; ++i) x[i] = float_of_bits((uint32_t)fx_hex());
        fx_key("w");
        for (i = 0; i < (form <= BF16 ? nw : wbytes); ++i) {
            if (form <= BF16) {
                const uint16_t v = (uint16_t)fx_hex();
                memcpy(wt + 2 * i, &v, 2);
            } else if (form == Q8) {
                const int8_t v = (int8_t)fx_int();
                memcpy(wt + i, &v, 1);
            } else {
                wt[i] = (unsigned char)fx_hex();
            }
        }
        if (form >= Q8) {
            ns = form == Q8 ? out : nw / 32;
            s = (float *)malloc(ns * sizeof *s);
            assert_non_null(s);
            fx_key("s");
            for (i = 0; i < ns; ++i) s[i] = float_of_bits((uint32_t)fx_hex());
        }
        if (has_bias) {
            b = (float *)malloc(out * sizeof *b);
            assert_non_null(b);
            fx_key("b");
            for (i = 0; i < out; ++i) b[i] = float_of_bits((uint32_t)fx_hex());
        }
        fx_key("y");
        for (i = 0; i < batch * out; ++i) ref[i] = fx_double();
        fx_key("m");
        for (i = 0; i < batch * out; ++i) mag[i] = fx_double();
        fx_key("end");
        fill_sentinel(y, batch * out + 1);
        expect_int(run_layer(form, x, wt, s, b, y, batch, in, out), LIN_OK);
        for (i = 0; i < batch * out; ++i)
            if (!close_enough(y[i], ref[i], mag[i], in)) {
                print_error("%s %zux%zux%zu (family %s, isa %d): y[%zu] = %.9g, PyTorch %.17g\n", form_names[form],
                            batch, in, out, lin_cpu_isa(), isa, i, (double)y[i], ref[i]);
                ++test_failures;
                break;
            }
        expect_true(is_sentinel(y[batch * out]));
        free(x);
        free(wt);
        free(y);
        free(ref);
        free(mag);
        free(s);
        free(b);
        ++ncase;
    }
    fclose(fx);
    assert_true(ncase >= TEST_SIZE(52, 16));   /* all of them; the 16 that fit 16 KiB */
}

static void test_layers_match_pytorch_every_family(void **state)
{
    int isa, ran = 0;
    (void)state;
    for (isa = 0; isa < 5; ++isa) {
        if (!lin__isa_force(isa)) continue;
        layer_cases(isa);
        ++ran;
    }
    lin__isa_force(-1);
    assert_true(ran >= 1);
    layer_cases(-1);
}

/* ---- edge values, by hand ---- */

static void test_infinite_and_nan_halves(void **state)
{
    /* x (1, 32) of ones; rows: +inf, -inf, NaN, a subnormal and the
       largest half, and both infinities (NaN) */
    float x[32], y[5];
    uint16_t w[5 * 32];
    size_t i;
    int isa;
    (void)state;
    for (i = 0; i < 32; ++i) x[i] = 1.0f;
    memset(w, 0, sizeof w);
    w[0] = 0x7c00;                  /* row 0: +inf */
    w[32 + 5] = 0xfc00;             /* row 1: -inf */
    w[64 + 31] = 0x7e00;            /* row 2: NaN */
    w[96] = 0x0001;                 /* row 3: 2^-24 + 65504 */
    w[96 + 1] = 0x7bff;
    w[128] = 0x7c00;                /* row 4: +inf + -inf = NaN */
    w[128 + 17] = 0xfc00;
    for (isa = 0; isa < 5; ++isa) {
        if (!lin__isa_force(isa)) continue;
        expect_int(lin_linear_f16w(x, w, NULL, y, 1, 32, 5), LIN_OK);
        expect_true(isinf(y[0]) && y[0] > 0);
        expect_true(isinf(y[1]) && y[1] < 0);
        expect_true(isnan(y[2]));
        expect_true((double)y[3] == 65504.0 + ldexp(1.0, -24) || y[3] == 65504.0f);
        expect_true(isnan(y[4]));
    }
    lin__isa_force(-1);
}

static void test_extreme_nibbles_and_zero_scale(void **state)
{
    /* in 32: every byte 0x00 (nibbles 0: -8), 0xff (15: +7), 0x0f, 0xf0 */
    static const unsigned char bytes[4] = {0x00, 0xff, 0x0f, 0xf0};
    static const double per_elem[4][2] = {{-8, -8}, {7, 7}, {7, -8}, {-8, 7}};
    float x[32], y[5], scale[5] = {0.5f, 0.25f, 1.0f, 2.0f, 0.0f}, bias[5] = {1, 2, 3, 4, -0.0f};
    uint8_t w[5 * 16];
    size_t r, i;
    int isa;
    (void)state;
    for (i = 0; i < 32; ++i) x[i] = (float)(i + 1);
    for (r = 0; r < 4; ++r) memset(w + 16 * r, bytes[r], 16);
    memset(w + 64, 0x5a, 16);       /* row 4: scale 0 */
    for (isa = 0; isa < 5; ++isa) {
        if (!lin__isa_force(isa)) continue;
        expect_int(lin_linear_q4w(x, w, scale, bias, y, 1, 32, 5), LIN_OK);
        for (r = 0; r < 4; ++r) {
            double want = bias[r];
            for (i = 0; i < 32; ++i) want += (double)x[i] * scale[r] * per_elem[r][i & 1];
            expect_true((double)y[r] == want);
        }
        expect_true(y[4] == 0.0f);
    }
    lin__isa_force(-1);
}

/* q4w scales at the ends of float's range, in every family: the fused
   decode some kernels use (s * n - 8s) must give the bits of s * (n - 8)
   where 8s is finite and leave the rest to the plain product. Row r has
   one scale and one nibble throughout (so each sum is exact or
   overflows whatever the order); x row 0 is all ones, row 1 is 1, 0,
   0, ... (0 x an infinite weight: NaN, as in PyTorch). The row of
   subnormal weights is exact everywhere but on Helium, whose MVE
   arithmetic flushes it to zero (lin_cpu_isa's docs). */
static void test_q4w_extreme_scales(void **state)
{
    static const float scale[12] = {4.2535295865117308e37f /* 2^125 */, 4.2535295865117308e37f,
                                    INFINITY, -INFINITY, INFINITY, 2.1267647932558654e37f /* 2^124 */,
                                    -8.5070591730234616e37f /* -2^126 */, NAN, -0.0f,
                                    1.4e-45f /* 2^-149 */, 3.4e38f, -1.0f};
    static const unsigned char nibble[12] = {15, 0, 9, 0, 8, 0, 11, 3, 8, 15, 9, 0};
    float x[2 * 64], y[2 * 12], bias[12];
    uint8_t w[12 * 64 / 2];
    float sc[12 * 2];
    size_t r, i, b;
    int isa;
    (void)state;
    for (i = 0; i < 64; ++i) {
        x[i] = 1.0f;
        x[64 + i] = i == 0 ? 1.0f : 0.0f;
    }
    for (r = 0; r < 12; ++r) {
        memset(w + 32 * r, nibble[r] * 17, 32);
        sc[2 * r] = sc[2 * r + 1] = scale[r];
        bias[r] = 0.0f;
    }
    for (isa = 0; isa < 5; ++isa) {
        if (!lin__isa_force(isa)) continue;
        memset(y, 0, sizeof y);
        expect_int(lin_linear_q4w(x, w, sc, bias, y, 2, 64, 12), LIN_OK);
        for (b = 0; b < 2; ++b)
            for (r = 0; r < 12; ++r) {
                volatile float wv = scale[r] * (float)(nibble[r] - 8);   /* the decoded weight */
                double want = 0.0;
                const float got = y[b * 12 + r];
                for (i = 0; i < 64; ++i) want += (double)x[b * 64 + i] * (double)wv;
                if (isnan(want)) {
                    if (!isnan(got)) print_message("%s: q4w y[%u][%u] = %g, want NaN\n", lin_cpu_isa(), (unsigned)b, (unsigned)r, (double)got);
                    expect_true(isnan(got));
                } else {
                    /* Helium's vector arithmetic (MVE) flushes subnormals to zero, as documented */
                    const int flushed = !strcmp(lin_cpu_isa(), "helium") && want != 0.0 &&
                                        fabs(want) < 1.17549435e-38 && got == 0.0f;
                    if (got != (float)want && !flushed) print_message("%s: q4w y[%u][%u] = %g, want %g\n", lin_cpu_isa(), (unsigned)b, (unsigned)r, (double)got, (double)(float)want);
                    expect_true(got == (float)want || flushed);
                }
            }
    }
    lin__isa_force(-1);
}

/* q8w where the AVX2 and AVX-512 families apply each row's scale to its sum,
   s x (x . q), and where it must not (linear.h, LIN__WF_Q8S): x of 2^64
   or more (x . q overflows where x . W does not: a row of 0.001 x 127
   against x = 1e36), a scale past 2^100 (s * 127 is infinite, and 0 x
   inf is NaN), an infinite x; a negative scale over a zero row under a
   bias of -0 (the sign of that zero as where each weight is scaled
   first: row 1 takes the sum's scaling, row 7 is the same row in a group
   that never does); x just below 2^64 and tiny x. 60 steps of k: AVX2
   sixteen at a time, eight, then four alone; AVX-512 32, 16, then 12
   alone (the infinite weights all before 32, so that the vector part
   meets them); one, two and four rows of x. Each family against a
   double reference of the decoded weights (where float can hold the
   sums of magnitudes). */
static void test_q8w_scale_on_sum(void **state)
{
    enum { IN = 60, OUT = 8 };
    /* rows 0-3 pass the scales' check, rows 4-7 do not (3e38) */
    static const float scale[OUT] = {1e-3f, -0.5f, 1.2676506e30f /* 2^100 */, -2.5f, 3e38f, 0.01f, 1e-30f, -0.5f};
    static const int sets[9][4] = {{0, 1, -1, -1}, {2, 3, -1, -1}, {4, 1, -1, -1}, {0, -1, -1, -1},
                                   {1, -1, -1, -1}, {2, -1, -1, -1}, {3, -1, -1, -1}, {4, -1, -1, -1},
                                   {1, 4, 1, 2}};   /* tame: Q8S for all four */
    float x[5][IN], y[4 * OUT], bias[OUT];
    int8_t q[OUT * IN];
    size_t i, r, c, b;
    int isa;
    (void)state;
    for (i = 0; i < IN; ++i) {
        x[0][i] = 1e36f;                                            /* past 2^64 */
        x[1][i] = i % 2 ? (float)((int)(i % 7) - 3) * 0.37f : 0.0f; /* zeros under the infinite weights */
        x[2][i] = 1e-30f * (float)(i % 5 + 1);
        x[3][i] = x[1][i];
        x[4][i] = i % 3 ? 1.8e19f : -1.8e19f;                       /* just below 2^64 */
    }
    x[3][5] = INFINITY;
    for (r = 0; r < OUT; ++r) {
        bias[r] = r == 1 || r == 7 ? -0.0f : 0.25f * (float)r;
        for (i = 0; i < IN; ++i)
            q[r * IN + i] = (int8_t)(r == 0 ? 127 : r == 1 || r == 7 ? 0 : r == 4 ? (i % 2 || i >= 32 ? 0 : 127)
                                   : (int)((i * 37 + r * 11) % 255) - 127);
    }
    for (isa = -1; isa < 5; ++isa) {
        if (isa >= 0 && !lin__isa_force(isa)) continue;
        for (c = 0; c < 9; ++c) {
            size_t batch = 0;
            float xb[4 * IN];
            while (batch < 4 && sets[c][batch] >= 0) {
                memcpy(xb + batch * IN, x[sets[c][batch]], sizeof x[0]);
                ++batch;
            }
            fill_sentinel(y, 4 * OUT);
            expect_int(lin_linear_q8w(xb, q, scale, bias, y, batch, IN, OUT), LIN_OK);
            for (b = 0; b < batch; ++b)
                for (r = 0; r < OUT; ++r) {
                    double ref = bias[r], mag = fabs((double)bias[r]);
                    const float got = y[b * OUT + r];
                    for (i = 0; i < IN; ++i) {
                        volatile float wv = scale[r] * (float)q[r * IN + i];   /* the decoded weight */
                        ref += (double)xb[b * IN + i] * (double)wv;
                        mag += fabs((double)xb[b * IN + i] * (double)wv);
                    }
                    if (!(mag >= ldexp(1.0, 127)) && !close_enough(got, ref, mag, IN)) {   /* float holds the sums */
                        print_error("%s: q8w x %d, y[%u] = %.9g, want %.17g\n", lin_cpu_isa(), sets[c][b],
                                    (unsigned)r, (double)got, ref);
                        ++test_failures;
                    }
                    if (r == 1 && !isnan(ref)) expect_int(bits_of(got), bits_of(y[b * OUT + 7]));
                }
            if (batch < 4) expect_true(is_sentinel(y[batch * OUT]));
        }
    }
    lin__isa_force(-1);
}

/* q4w where the AVX2 family applies each block's scale to the block's
   sums (linear.h, LIN__WF_Q4S) and where it must not: the four rows of a
   group take it when every scale is 0 or of magnitude in [2^-98, 2^100]
   (rows 0-3: 2^-98, 2^100, -0 over a bias of -0, a negative scale over
   nibbles 0 and 15 in every word's top nibble, which wraps to -2^31 and
   7 x 2^28 in its lane), and the call when every |x| is below 2^64.
   Each other group has one row out: 1e-40 (subnormal: s 2^-28 is 0)
   in the tail of the scales' check (row 5, its other scales 0) and in
   its vector part (row 8, the tail's scales 0), 2^126 over nibbles 0
   (weights of -inf, NaN against x 0's zero) in each (rows 12 and 17). A call with x of 1e36 takes the fused form throughout. One,
   two and three rows of x, ten blocks (the check eight at a time, then
   two). Each family against a double reference of the decoded weights;
   row 6 is row 3 in the fused form. */
static float q4s_x(int set, size_t i, size_t nb)    /* row set of x's element i (nb blocks) */
{
    float v;
    switch (set) {
    case 0:
        v = (float)((int)((i * 29) % 41) - 20) * 0.73f + 0.25f;
        if (i / 32 == 3 || i / 32 == nb - 1) v = i % 32 == 4 ? 0.0f : fabsf(v);   /* rows 12, 17 */
        return v;
    case 1: return i % 3 ? 1.8e19f : -1.8e19f;                       /* just below 2^64 */
    case 2: return i % 2 ? 1e36f : -3.0f;                            /* past 2^64 */
    default: return (float)((int)(i % 9) - 4) * 1e-3f;
    }
}
static void test_q4w_scale_on_block(void **state)
{
    /* (the micro:bit: three blocks, the scales' check all tail) */
    enum { IN = TEST_SIZE(320, 128), OUT = 20, NB = IN / 32 };
    static const struct { float v; int at; } special[OUT] = {   /* at -1: every block; NB: the last */
        {3.15544362e-30f /* 2^-98 */, -1}, {1.2676506e30f /* 2^100 */, 1}, {-0.0f, -1}, {0, 0},
        {0, 0}, {1e-40f, NB}, {0, 0}, {0, 0},
        {1e-40f, -1}, {0, 0}, {-1.2676506e30f, NB}, {3.15544362e-30f, NB},
        {8.507059e37f /* 2^126 */, 3}, {0, 0}, {0, 0}, {0, 0},
        {0, 0}, {-8.507059e37f, NB}, {0, 0}, {0, 0}};
    static const int sets[6][3] = {{0, -1, -1}, {0, 1, -1}, {1, 0, 3}, {2, -1, -1}, {0, 2, -1}, {3, 3, 1}};
    float y[3 * OUT], bias[OUT], sc[OUT * NB];
    uint8_t w[OUT * IN / 2];
    size_t i, r, c, b;
    int isa;
    (void)state;
    for (r = 0; r < OUT; ++r) {
        bias[r] = r == 2 ? -0.0f : r == 6 ? 1.5f : r == 5 || r == 8 ? 0.0f : 0.5f * (float)r;   /* row 6: 3's */
        for (b = 0; b < NB; ++b) {
            const int at = special[r].at == NB ? NB - 1 : special[r].at;
            sc[r * NB + b] = at < 0 || (size_t)at == b ? special[r].v
                                                       : (float)((int)((r * 7 + b * 3) % 11) - 5) * 0.37f + 0.01f;
        }
        for (i = 0; i < IN / 2; ++i) w[r * IN / 2 + i] = (uint8_t)((i * 37 + r * 11) % 256);
        for (b = 0; b < NB; ++b)        /* the subnormal scales alone (else 0) */
            if ((r == 5 && b != NB - 1) || (r == 8 && NB > 8 && b >= 8)) sc[r * NB + b] = 0.0f;
        if (r == 12 || r == 17) memset(w + r * IN / 2 + (r == 12 ? 3 : NB - 1) * 16, 0, 16);
    }
    for (i = 3; i < IN / 2; i += 4) w[3 * IN / 2 + i] = (uint8_t)(i % 8 == 3 ? 0x0f : 0xf0);  /* top nibbles 0, 15 */
    memcpy(w + 6 * IN / 2, w + 3 * IN / 2, IN / 2);
    memcpy(sc + 6 * NB, sc + 3 * NB, NB * sizeof(float));
    for (isa = -1; isa < 5; ++isa) {
        if (isa >= 0 && !lin__isa_force(isa)) continue;
        for (c = 0; c < 6; ++c) {
            size_t batch = 0;
            float xb[3 * IN];
            while (batch < 3 && sets[c][batch] >= 0) {
                for (i = 0; i < IN; ++i) xb[batch * IN + i] = q4s_x(sets[c][batch], i, NB);
                ++batch;
            }
            fill_sentinel(y, 3 * OUT);
            expect_int(lin_linear_q4w(xb, w, sc, bias, y, batch, IN, OUT), LIN_OK);
            for (b = 0; b < batch; ++b)
                for (r = 0; r < OUT; ++r) {
                    double ref = bias[r], mag = fabs((double)bias[r]);
                    const float got = y[b * OUT + r];
                    for (i = 0; i < IN; ++i) {
                        const int n = (w[r * IN / 2 + i / 2] >> (4 * (i & 1))) & 15;
                        volatile float wv = sc[r * NB + i / 32] * (float)(n - 8);   /* the decoded weight */
                        ref += (double)xb[b * IN + i] * (double)wv;
                        mag += fabs((double)xb[b * IN + i] * (double)wv);
                    }
                    /* where float holds the sums (or they are NaN), and they are not subnormal (row 8
                       against x 3); Helium's vector arithmetic (MVE) flushes the subnormal weights
                       of rows 5 and 8 to zero, as documented */
                    const int flushed = (r == 5 || r == 8) && got == 0.0f && !strcmp(lin_cpu_isa(), "helium");
                    if ((isnan(ref) || (!(mag >= ldexp(1.0, 127)) && mag >= ldexp(1.0, -126))) && !flushed &&
                        !close_enough(got, ref, mag, IN)) {
                        print_error("%s: q4w x %d, y[%u] = %.9g, want %.17g\n", lin_cpu_isa(), sets[c][b],
                                    (unsigned)r, (double)got, ref);
                        ++test_failures;
                    }
                    if (r == 2) expect_int(bits_of(got), 0);       /* -0 + (+0 sums): +0, as PyTorch */
                    if (r == 6 && sets[c][b] != 2) expect_true(fabs((double)got - (double)y[b * OUT + 3]) <=
                                                               (IN + 2.0) * ldexp(mag, -23));
                }
            if (batch < 3) expect_true(is_sentinel(y[batch * OUT]));
        }
    }
    lin__isa_force(-1);
}

static void test_in_features_zero(void **state)
{
    float y[6], bias[3] = {1.5f, -0.0f, 2.0f}, scale[3] = {1, 1, 1};
    uint16_t w[48];
    int form;
    size_t i;
    (void)state;
    memset(w, 0, sizeof w);
    for (form = 0; form < 4; ++form) {
        const float *sc = form >= Q8 ? scale : NULL;
        fill_sentinel(y, 6);
        expect_int(run_layer(form, NULL, NULL, sc, bias, y, 2, 0, 3), LIN_OK);     /* y = bias, -0 kept */
        for (i = 0; i < 6; ++i) expect_int(bits_of(y[i]), bits_of(bias[i % 3]));
        expect_int(run_layer(form, NULL, NULL, sc, NULL, y, 2, 0, 3), LIN_OK);
        for (i = 0; i < 6; ++i) expect_int(bits_of(y[i]), 0);
        /* batch 0 and out 0: nothing to write, y may be NULL */
        fill_sentinel(y, 6);
        expect_int(run_layer(form, NULL, w, sc, NULL, NULL, 0, 32, 3), LIN_OK);
        expect_int(run_layer(form, NULL, NULL, NULL, NULL, NULL, 0, 0, 0), LIN_OK);
        expect_int(run_layer(form, NULL, NULL, NULL, NULL, NULL, 2, 32, 0), LIN_ERR_NULL);  /* x has 64 */
        assert_untouched(y, 6);
    }
}

/* random layers of every form against a double reference computed here,
   through each family: shapes the fixtures do not hold */
static void test_random_shapes_every_family(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t shapes[][3] = {{1, 32, 6}, {5, 64, 3}, {2, 96, 2}};
#else
    static const size_t shapes[][3] = {{1, 4096, 4}, {2, 4096, 3}, {1, 32, 64}, {4, 64, 33}, {5, 96, 20},
                                       {6, 2080, 5}, {20, 128, 21}, {1, 288, 1},
                                       {1, 33024, 2},      /* rows of W past 64 KiB */
                                       /* W decoded once into panels (AVX-512 from batch 32-64, AVX2
                                          8-48): blocks along k with a tail of 5 (f16, bf16, q8), edge
                                          panels, fewer than 8 outputs */
                                       {64, 205, 45}, {48, 99, 70}, {33, 416, 40}, {70, 64, 3}, {24, 40, 17}};
#endif
    size_t c;
    (void)state;
    for (c = 0; c < sizeof shapes / sizeof shapes[0]; ++c) {
        const size_t batch = shapes[c][0], in = shapes[c][1], out = shapes[c][2];
        float *x = (float *)malloc(batch * in * sizeof(float)), *wf = (float *)malloc(in * out * sizeof(float));
        float *y = (float *)malloc(batch * out * sizeof(float)), *bias = (float *)malloc(out * sizeof(float));
        float *s8 = (float *)malloc(out * sizeof(float)), *s4 = (float *)malloc((out * in / 32 + 1) * sizeof(float));
        uint16_t *h = (uint16_t *)malloc(in * out * 2), *bf = (uint16_t *)malloc(in * out * 2);
        int8_t *q8 = (int8_t *)malloc(in * out);
        uint8_t *q4 = (uint8_t *)malloc(in * out / 2);
        double *dec = (double *)malloc(in * out * sizeof(double));
        size_t i, j, p;
        int form, isa;
        assert_true(x && wf && y && bias && s8 && s4 && h && bf && q8 && q4 && dec);
        for (i = 0; i < batch * in; ++i) x[i] = test_randf();
        for (i = 0; i < in * out; ++i) wf[i] = test_randf() * 0.3f;
        for (j = 0; j < out; ++j) bias[j] = test_randf();
        for (i = 0; i < in * out; ++i) {
            h[i] = lin_f32_to_f16(wf[i]);
            bf[i] = lin_f32_to_bf16(wf[i]);
        }
        expect_int(lin_quantize_q8w(wf, q8, s8, in, out), LIN_OK);
        expect_int(lin_quantize_q4w(wf, q4, s4, in, out), in % 32 ? LIN_ERR_SHAPE : LIN_OK);
        for (form = 0; form < (in % 32 ? 3 : 4); ++form) {     /* q4w needs whole blocks of 32 */
            const void *w = form == F16 ? (const void *)h : form == BF16 ? (const void *)bf
                          : form == Q8 ? (const void *)q8 : (const void *)q4;
            const float *sc = form == Q8 ? s8 : form == Q4 ? s4 : NULL;
            for (i = 0; i < in * out; ++i) {        /* W decoded here, from the docs */
                const size_t o = i / in;
                if (form == F16) dec[i] = lin_f16_to_f32(h[i]);
                else if (form == BF16) dec[i] = lin_bf16_to_f32(bf[i]);
                else if (form == Q8) dec[i] = (double)(s8[o] * (float)q8[i]);
                else dec[i] = (double)(s4[i / 32] * (float)((int)((i & 1) ? q4[i / 2] >> 4 : q4[i / 2] & 15) - 8));
            }
            for (isa = -1; isa < 5; ++isa) {
                if (isa >= 0 && !lin__isa_force(isa)) continue;
                expect_int(run_layer(form, x, w, sc, bias, y, batch, in, out), LIN_OK);
                for (i = 0; i < batch; ++i)
                    for (j = 0; j < out; ++j) {
                        double ref = bias[j], mag = fabs((double)bias[j]);
                        for (p = 0; p < in; ++p) {
                            ref += (double)x[i * in + p] * dec[j * in + p];
                            mag += fabs((double)x[i * in + p] * dec[j * in + p]);
                        }
                        if (!close_enough(y[i * out + j], ref, mag, in)) {
                            print_error("%s %zux%zux%zu isa %d: y[%zu][%zu] = %.9g, want %.17g\n", form_names[form],
                                        batch, in, out, isa, i, j, (double)y[i * out + j], ref);
                            ++test_failures;
                        }
                    }
            }
            lin__isa_force(-1);
        }
        free(x); free(wf); free(y); free(bias); free(s8); free(s4);
        free(h); free(bf); free(q8); free(q4); free(dec);
    }
}

/* ---- the quantizers ---- */

/* lin_quantize_q8w's rule, written again in double with libm's rint */
static void ref_q8w(const float *w, size_t in, size_t out, int8_t *q, float *scale)
{
    size_t j, p;
    for (j = 0; j < out; ++j) {
        float amax = 0.0f;
        for (p = 0; p < in; ++p) amax = fabsf(w[j * in + p]) > amax ? fabsf(w[j * in + p]) : amax;
        scale[j] = amax / 127.0f;
        for (p = 0; p < in; ++p) {
            double v = scale[j] != 0.0f ? rint((double)(w[j * in + p] / scale[j])) : 0.0;
            q[j * in + p] = (int8_t)(v < -127 ? -127 : v > 127 ? 127 : v);
        }
    }
}

static void ref_q4w(const float *w, size_t n, uint8_t *q, float *scale)
{
    size_t blk, i;
    for (blk = 0; blk < n / 32; ++blk) {
        float m = 0.0f;
        for (i = 0; i < 32; ++i)
            if (fabsf(w[blk * 32 + i]) > fabsf(m)) m = w[blk * 32 + i];
        scale[blk] = m / -8.0f == 0.0f ? 0.0f : m / -8.0f;
        for (i = 0; i < 32; ++i) {
            double v = scale[blk] != 0.0f ? rint((double)(w[blk * 32 + i] / scale[blk])) : 0.0;
            const int nib = (int)(v < -8 ? -8 : v > 7 ? 7 : v) + 8;
            if (i & 1) q[blk * 16 + i / 2] = (uint8_t)(q[blk * 16 + i / 2] | (nib << 4));
            else q[blk * 16 + i / 2] = (uint8_t)nib;
        }
    }
}

static void test_quantizers_match_reference(void **state)
{
    enum { IN = TEST_SIZE(96, 64), OUT = TEST_SIZE(7, 3) };
    float w[IN * OUT], s8[OUT], s4[OUT * IN / 32], rs8[OUT], rs4[OUT * IN / 32];
    int8_t q8[IN * OUT], rq8[IN * OUT];
    uint8_t q4[IN * OUT / 2], rq4[IN * OUT / 2];
    size_t i;
    int round;
    (void)state;
    for (round = 0; round < 20; ++round) {
        for (i = 0; i < IN * OUT; ++i) w[i] = test_randf() * (float)(1 + round);
        if (round == 1)
            for (i = 0; i < IN; ++i) w[i] = 0.0f;               /* a row and blocks of zeros */
        if (round == 2)
            for (i = 0; i < IN * OUT; ++i) w[i] = (float)((int)(test_rand() % 17) - 8) * 0.5f; /* ties */
        if (round == 3) w[5] = 1e-44f;                          /* a subnormal */
        if (round == 4)
            for (i = 0; i < 32; ++i) w[i] = i == 3 ? -1e-45f : 0.0f;    /* a scale that underflows */
        if (round == 5)     /* subnormal scales, rounded far from max|w| / 127 or m / -8: the clamps */
            for (i = 0; i < IN; ++i) w[i] = (i & 1 ? -190.0f : 190.0f) * 1.40129846e-45f;
        ref_q8w(w, IN, OUT, rq8, rs8);
        ref_q4w(w, IN * OUT, rq4, rs4);
        expect_int(lin_quantize_q8w(w, q8, s8, IN, OUT), LIN_OK);
        expect_int(lin_quantize_q4w(w, q4, s4, IN, OUT), LIN_OK);
        expect_int(memcmp(q8, rq8, sizeof q8), 0);
        expect_int(memcmp(s8, rs8, sizeof s8), 0);
        expect_int(memcmp(q4, rq4, sizeof q4), 0);
        expect_int(memcmp(s4, rs4, sizeof s4), 0);
        for (i = 0; i < IN * OUT; ++i) {        /* each within half a step of its weight */
            const float d8 = s8[i / IN] * (float)q8[i];
            const float d4 = s4[i / 32] * (float)((int)((i & 1) ? q4[i / 2] >> 4 : q4[i / 2] & 15) - 8);
            if (round != 5) expect_true(fabsf(d8 - w[i]) <= 0.5001f * s8[i / IN] + 1e-45f);
            /* q4: where not clamped (past 7.5 steps on the side opposite
               the largest weight) */
            if (s4[i / 32] != 0.0f && fabsf(w[i] / s4[i / 32]) <= 7.5f && round != 5)
                expect_true(fabsf(d4 - w[i]) <= 0.5001f * fabsf(s4[i / 32]) + 1e-45f);
        }
    }
    /* the weight of largest magnitude decodes exactly, as nibble 0 */
    for (i = 0; i < 32; ++i) w[i] = (float)i * 0.01f;
    w[9] = -2.5f;
    expect_int(lin_quantize_q4w(w, q4, s4, 32, 1), LIN_OK);
    expect_true(s4[0] == 0.3125f && (q4[4] >> 4) == 0);
}

/* ---- errors: a status, and nothing written ---- */

static void test_layer_errors_leave_outputs(void **state)
{
    float x[2 * 64], bias[3], y[2 * 3 + 8], scale[6];
    uint16_t w[64 * 3];
    int form;
    (void)state;
    memset(x, 0, sizeof x);
    memset(w, 0, sizeof w);
    memset(bias, 0, sizeof bias);
    memset(scale, 0, sizeof scale);
    for (form = 0; form < 4; ++form) {
        const float *sc = form >= Q8 ? scale : NULL;
        fill_sentinel(y, 6);
        expect_int(run_layer(form, NULL, w, sc, bias, y, 2, 64, 3), LIN_ERR_NULL);
        expect_int(run_layer(form, x, NULL, sc, bias, y, 2, 64, 3), LIN_ERR_NULL);
        expect_int(run_layer(form, x, w, sc, bias, NULL, 2, 64, 3), LIN_ERR_NULL);
        if (form >= Q8) expect_int(run_layer(form, x, w, NULL, bias, y, 2, 64, 3), LIN_ERR_NULL);
        expect_int(run_layer(form, x, w, sc, bias, y, (size_t)1 << (sizeof(size_t) * 8 - 2), 64, 3),
                   LIN_ERR_OVERFLOW);
        expect_int(run_layer(form, x, w, sc, bias, y, 2, (size_t)1 << (sizeof(size_t) * 8 - 5),
                             (size_t)1 << (sizeof(size_t) * 4)), LIN_ERR_OVERFLOW);
        /* y over each input */
        expect_int(run_layer(form, x, w, sc, bias, x + 1, 2, 64, 3), LIN_ERR_ALIAS);
        expect_int(run_layer(form, x, w, sc, bias, (float *)(void *)(w + 4), 2, 64, 3), LIN_ERR_ALIAS);
        expect_int(run_layer(form, x, w, sc, bias, bias + 2, 1, 64, 3), LIN_ERR_ALIAS);
        if (form >= Q8) expect_int(run_layer(form, x, w, sc, bias, scale + 1, 1, 64, 3), LIN_ERR_ALIAS);
        assert_untouched(y, 6);
    }
    /* out_features whose bias overflows; out_features 0: nothing to do */
    for (form = 0; form < 4; ++form) {
        expect_int(run_layer(form, x, w, scale, bias, y, 0, 0, SIZE_MAX / 2), LIN_ERR_OVERFLOW);
        expect_int(run_layer(form, x, w, scale, bias, y, 2, 64, 0), LIN_OK);
    }
    /* q4w: in_features a multiple of 32 */
    expect_int(lin_linear_q4w(x, (const uint8_t *)w, scale, bias, y, 2, 48, 3), LIN_ERR_SHAPE);
    expect_int(lin_linear_q4w(x, (const uint8_t *)w, scale, bias, y, 2, 1, 3), LIN_ERR_SHAPE);
    assert_untouched(y, 6);
    /* the others take any in_features */
    expect_int(lin_linear_q8w(x, (const int8_t *)w, scale, bias, y, 2, 48, 3), LIN_OK);
}

static void test_quantizer_errors_leave_outputs(void **state)
{
    float w[64 * 2], s[4];
    int8_t q8[64 * 2];
    uint8_t q4[64];
    size_t i;
    (void)state;
    for (i = 0; i < 128; ++i) w[i] = (float)i;
    memset(q8, 0x55, sizeof q8);
    memset(q4, 0x55, sizeof q4);
    fill_sentinel(s, 4);
    w[77] = float_of_bits(0x7fc00000u);
    expect_int(lin_quantize_q8w(w, q8, s, 64, 2), LIN_ERR_VALUE);
    expect_int(lin_quantize_q4w(w, q4, s, 64, 2), LIN_ERR_VALUE);
    w[77] = float_of_bits(0xff800000u);
    expect_int(lin_quantize_q8w(w, q8, s, 64, 2), LIN_ERR_VALUE);
    expect_int(lin_quantize_q4w(w, q4, s, 64, 2), LIN_ERR_VALUE);
    w[77] = 1.0f;
    expect_int(lin_quantize_q4w(w, q4, s, 48, 2), LIN_ERR_SHAPE);
    expect_int(lin_quantize_q8w(NULL, q8, s, 64, 2), LIN_ERR_NULL);
    expect_int(lin_quantize_q8w(w, NULL, s, 64, 2), LIN_ERR_NULL);
    expect_int(lin_quantize_q8w(w, q8, NULL, 64, 2), LIN_ERR_NULL);
    expect_int(lin_quantize_q4w(w, NULL, s, 64, 2), LIN_ERR_NULL);
    expect_int(lin_quantize_q4w(w, q4, NULL, 64, 2), LIN_ERR_NULL);
    expect_int(lin_quantize_q8w(w, (int8_t *)(void *)(w + 3), s, 64, 2), LIN_ERR_ALIAS);
    expect_int(lin_quantize_q8w(w, q8, w + 100, 64, 2), LIN_ERR_ALIAS);
    expect_int(lin_quantize_q8w(w, q8, (float *)(void *)(q8 + 4), 64, 2), LIN_ERR_ALIAS);
    expect_int(lin_quantize_q4w(w, q4, (float *)(void *)(q4 + 8), 64, 2), LIN_ERR_ALIAS);
    expect_int(lin_quantize_q8w(w, q8, s, (size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)),
               LIN_ERR_OVERFLOW);
    expect_int(lin_quantize_q4w(w, q4, s, (size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)),
               LIN_ERR_OVERFLOW);
    expect_int(lin_quantize_q8w(w, q8, s, 1, SIZE_MAX / 2), LIN_ERR_OVERFLOW);
    expect_int(lin_quantize_q8w(w, q8, s, 0, SIZE_MAX / 2), LIN_ERR_OVERFLOW);
    expect_int(lin_quantize_q4w(w, q4, s, 32, SIZE_MAX / 32), LIN_ERR_OVERFLOW);
    for (i = 0; i < sizeof q8; ++i) expect_int(q8[i], 0x55);
    for (i = 0; i < sizeof q4; ++i) expect_int(q4[i], 0x55);
    assert_untouched(s, 4);
    /* nothing to do */
    expect_int(lin_quantize_q8w(NULL, NULL, NULL, 64, 0), LIN_OK);
    expect_int(lin_quantize_q4w(NULL, NULL, NULL, 0, 5), LIN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_conversions_match_pytorch),
        TEST(test_every_half),
        TEST(test_layers_match_pytorch_every_family),
        TEST(test_infinite_and_nan_halves),
        TEST(test_extreme_nibbles_and_zero_scale),
        TEST(test_q4w_extreme_scales),
        TEST(test_q8w_scale_on_sum),
        TEST(test_q4w_scale_on_block),
        TEST(test_in_features_zero),
        TEST(test_random_shapes_every_family),
        TEST(test_quantizers_match_reference),
        TEST(test_layer_errors_leave_outputs),
        TEST(test_quantizer_errors_leave_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
    return 0;
}
#endif
