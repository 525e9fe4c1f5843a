/* test_s8.c - the int8 layer, bit-exact: the reference vectors from
   CMSIS-NN's kernels (tests/fixtures/int8_sample.txt, a copy of
   ../shared/vectors/int8_sample.txt), in the rounding this build selects
   (make test builds this file twice: default and LIN_SINGLE_ROUNDING);
   random cases against a reference written here from TFLite's definition
   in exact integer arithmetic (tails, extreme offsets and shifts,
   saturation, NULL bias, batch 0, per-channel); quantization helpers; and
   every error with the output untouched. Then the int16x8 layer
   (lin_linear_s16): tests/fixtures/int16_sample.txt from
   tests/gen_s16_fixtures.py, random layers against a reference written
   here, saturation, zero sizes and errors. */
#include "test_util.h"

#include "../examples/firmware/mlp_s8.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

#ifdef LIN_SINGLE_ROUNDING
#define ROUNDING "single"
#else
#define ROUNDING "double"
#endif

/* ---- the reference vectors ---- */

static FILE *vec;

static long next_int(void)
{
    long v;
    if (fscanf(vec, "%ld", &v) != 1) fail_msg("%s", "fixture: a number was expected");
    return v;
}

static void expect_key(const char *key)
{
    char w[32];
    if (fscanf(vec, "%31s", w) != 1 || strcmp(w, key)) fail_msg("fixture: '%s' expected, got '%s'", key, w);
}

#ifdef LIN_SINGLE_ROUNDING
#define ROUNDED ys
#else
#define ROUNDED yd
#endif

static void test_s8_reference_vectors(void **state)
{
    char path[512], w[64], name[64], kind[8];
    int cases = 0, qms = 0, skipped = 0;
    (void)state;
    snprintf(path, sizeof path, "%s/int8_sample.txt", FIXTURE_DIR);
    vec = fopen(path, "r");
    if (!vec) fail_msg("cannot open %s", path);
    while (fscanf(vec, "%63s", w) == 1) {
        if (w[0] == '#') {              /* a comment line */
            int c;
            while ((c = getc(vec)) != '\n' && c != EOF) {
            }
        } else if (!strcmp(w, "case")) {
            size_t batch, in, out, i;
            lin_quant q;
            int8_t *x, *wt, *y, *yd, *ys;
            int32_t *b = NULL, *pm = NULL, *ps = NULL;
            int per_channel;
            next_int();
            if (fscanf(vec, "%7s %63s", kind, name) != 2) fail_msg("%s", "bad case line");
            per_channel = !strcmp(kind, "pc");
            expect_key("dims");
            batch = (size_t)next_int(); in = (size_t)next_int(); out = (size_t)next_int();
            expect_key("q");
            q.input_offset = (int32_t)next_int(); q.weight_offset = (int32_t)next_int();
            q.output_offset = (int32_t)next_int(); q.multiplier = (int32_t)next_int();
            q.shift = (int32_t)next_int(); q.act_min = (int32_t)next_int(); q.act_max = (int32_t)next_int();
            expect_key("real");
            if (fscanf(vec, "%63s", w) != 1) fail_msg("%s", "real");
            if (batch * in + out * in + 6 * batch * out + 8 * out > TEST_SIZE((size_t)-1, 3000)) {
                /* more than the 16 KiB micro:bit holds: read past it, count it */
                while (fscanf(vec, "%63s", w) == 1 && strcmp(w, "end")) {
                }
                ++skipped;
                continue;
            }
            x = (int8_t *)malloc(batch * in + 1); wt = (int8_t *)malloc(out * in + 1);
            y = (int8_t *)malloc(batch * out + 1); yd = (int8_t *)malloc(batch * out + 1);
            ys = (int8_t *)malloc(batch * out + 1);
            assert_true(x && wt && y && yd && ys);
            expect_key("x");
            for (i = 0; i < batch * in; ++i) x[i] = (int8_t)next_int();
            expect_key("w");
            for (i = 0; i < out * in; ++i) wt[i] = (int8_t)next_int();
            expect_key("b");
            if (fscanf(vec, "%63s", w) != 1) fail_msg("%s", "b");
            if (strcmp(w, "none")) {
                b = (int32_t *)malloc(out * sizeof(int32_t) + 1);
                assert_non_null(b);
                b[0] = (int32_t)strtol(w, NULL, 10);
                for (i = 1; i < out; ++i) b[i] = (int32_t)next_int();
            }
            if (per_channel) {
                pm = (int32_t *)malloc(out * sizeof(int32_t) + 1);
                ps = (int32_t *)malloc(out * sizeof(int32_t) + 1);
                assert_true(pm && ps);
                expect_key("pm");
                for (i = 0; i < out; ++i) pm[i] = (int32_t)next_int();
                expect_key("ps");
                for (i = 0; i < out; ++i) ps[i] = (int32_t)next_int();
                expect_key("realc");
                for (i = 0; i < out; ++i)
                    if (fscanf(vec, "%63s", w) != 1) fail_msg("%s", "realc");
            }
            expect_key("yd");
            for (i = 0; i < batch * out; ++i) yd[i] = (int8_t)next_int();
            expect_key("ys");
            for (i = 0; i < batch * out; ++i) ys[i] = (int8_t)next_int();
            expect_key("end");
            memset(y, 0x55, batch * out + 1);
            /* every case runs; the test fails after the last with the count */
            if (per_channel)
                expect_int(lin_linear_s8_per_channel(x, wt, b, y, batch, in, out, &q, pm, ps), LIN_OK);
            else
                expect_int(lin_linear_s8(x, wt, b, y, batch, in, out, &q), LIN_OK);
            if (memcmp(y, ROUNDED, batch * out)) {
                print_error("%s: differs from CMSIS-NN (%s rounding)\n", name, ROUNDING);
                ++test_failures;
            }
            expect_true(y[batch * out] == 0x55);
            free(x); free(wt); free(y); free(yd); free(ys); free(b); free(pm); free(ps);
            ++cases;
        } else if (!strcmp(w, "qm")) {  /* qm REAL_HEX REAL_DEC MULTIPLIER SHIFT */
            char hex[64], dec[64];
            int32_t m = -1, s = -1;
            long want_m, want_s;
            if (fscanf(vec, "%63s %63s %ld %ld", hex, dec, &want_m, &want_s) != 4) fail_msg("%s", "qm");
            expect_int(lin_quantize_multiplier(strtod(hex, NULL), &m, &s), LIN_OK);
            if (m != want_m || s != want_s) {
                print_error("QuantizeMultiplier(%s): %ld, %ld; TFLite %ld, %ld\n", dec, (long)m, (long)s, want_m,
                            want_s);
                ++test_failures;
            }
            ++qms;
        }
    }
    fclose(vec);
    print_message("int8 sample (%s rounding): %d cases and %d multipliers bit-exact%s\n", ROUNDING, cases, qms,
                  skipped ? "; the larger cases do not fit this board's RAM" : "");
    assert_true(cases + skipped >= 59 && cases >= TEST_SIZE(59, 10) && qms >= 22);
}

/* ---- random cases against the reference ---- */

static int8_t rand_s8(void) { return (int8_t)((int)test_randn(256) - 128); }

static void check_random(size_t batch, size_t in, size_t out, const lin_quant *q, int with_bias,
                         int per_channel, int32_t bias_scale)
{
    int8_t *x = (int8_t *)malloc(batch * in + 1), *w = (int8_t *)malloc(out * in + 1);
    int8_t *y = (int8_t *)malloc(batch * out + 1), *want = (int8_t *)malloc(batch * out + 1);
    int32_t *b = (int32_t *)malloc(out * 4 + 4), *pm = (int32_t *)malloc(out * 4 + 4), *ps = (int32_t *)malloc(out * 4 + 4);
    size_t i;
    assert_true(x && w && y && want && b && pm && ps);
    for (i = 0; i < batch * in; ++i) x[i] = rand_s8();
    for (i = 0; i < out * in; ++i) w[i] = rand_s8();
    for (i = 0; i < out; ++i) {
        b[i] = (int32_t)((int64_t)(test_rand() % 2001) - 1000) * bias_scale;
        pm[i] = (int32_t)(0x40000000u + test_rand() % 0x3fffffffu);
        ps[i] = (int32_t)test_randn(40) - 31;
        if (ps[i] > 8) ps[i] = 8;
    }
    ref_linear_s8(x, w, with_bias ? b : NULL, want, batch, in, out, q, per_channel ? pm : NULL, per_channel ? ps : NULL);
    memset(y, 0x55, batch * out + 1);
    if (per_channel)
        assert_int_equal(lin_linear_s8_per_channel(x, w, with_bias ? b : NULL, y, batch, in, out, q, pm, ps), LIN_OK);
    else
        assert_int_equal(lin_linear_s8(x, w, with_bias ? b : NULL, y, batch, in, out, q), LIN_OK);
    if (memcmp(y, want, batch * out))
        fail_msg("%zux%zux%zu offsets %ld %ld %ld m %ld shift %ld: differs from the reference", batch, in, out,
                 (long)q->input_offset, (long)q->weight_offset, (long)q->output_offset, (long)q->multiplier,
                 (long)q->shift);
    assert_true(y[batch * out] == 0x55);
    free(x); free(w); free(y); free(want); free(b); free(pm); free(ps);
}

static void test_s8_random_against_reference(void **state)
{
    static const int32_t offsets[] = {-127, -128 + 1, -5, 0, 3, 127, 128};
    int t;
    (void)state;
    for (t = 0; t < TEST_SIZE(1500, 200); ++t) {
        lin_quant q;
        size_t in = 1 + test_randn(TEST_SIZE(70, 24)), out = 1 + test_randn(TEST_SIZE(40, 12));
        size_t batch = t % 10 ? test_randn(5) : 8 + test_randn(33);   /* some past the int8 tiles' thresholds */
        q.input_offset = offsets[test_randn(7)];
        q.weight_offset = test_randn(3) ? 0 : offsets[test_randn(7)];
        q.output_offset = (int32_t)test_randn(256) - 128;
        q.multiplier = (int32_t)(0x40000000u + test_rand() % 0x3fffffffu);
        q.shift = (int32_t)test_randn(40) - 31;         /* -31 .. 8 */
        if (t % 50 == 0) q.shift = 30;                  /* the largest left shift: saturates */
        if (t % 50 == 1) q.shift = -31;
        if (t % 37 == 0) q.multiplier = INT32_MAX;
        q.act_min = (int32_t)test_randn(40) - 128;
        q.act_max = 127 - (int32_t)test_randn(40);
        check_random(batch, in, out, &q, (int)(t % 4 != 0), (int)(t % 3 == 0), t % 5 ? 1 : 1 << 20);
    }
}

/* The requantization at the edges of int32, under every kernel family the
   CPU has (x86's AVX2 one works in int32 lanes, where a sum near a bound
   plus the bias, a left shift or the zero point would wrap): biases at and
   near INT32_MIN and INT32_MAX, multipliers 0 to INT32_MAX, every shift
   from -31 to 30, zero points and clamps across their ranges, per tensor
   and per channel, 29 outputs (vectors of eight and a last part of
   five), against the reference. */
static void test_s8_requant_extremes(void **state)
{
    static const int32_t edge[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -1, 0, 1, 65535, 1 << 30,
                                   INT32_MAX - 1, INT32_MAX};
    enum { B = 3, K = 2, N = 29 };
    int8_t x[B * K], w[N * K], y[B * N], want[B * N];
    int32_t b[N], mult[N], shift[N];
    int t, isa, fails = 0;
    size_t i;
    (void)state;
    for (t = 0; t < TEST_SIZE(400, 60); ++t) {
        lin_quant q;
        const int per_channel = t % 2;
        for (i = 0; i < B * K; ++i) x[i] = rand_s8();
        for (i = 0; i < N * K; ++i) w[i] = rand_s8();
        for (i = 0; i < N; ++i) {
            b[i] = test_randn(2) ? edge[test_randn(sizeof edge / sizeof edge[0])] : (int32_t)test_rand();
            mult[i] = test_randn(3) ? (int32_t)(test_rand() & 0x7fffffffu)
                                    : INT32_MAX - (int32_t)test_randn(3) * (INT32_MAX / 2);
            shift[i] = (int32_t)test_randn(62) - 31;
        }
        q.input_offset = (int32_t)test_randn(256) - 127;
        q.weight_offset = 0;
        q.output_offset = (int32_t)test_randn(256) - 128;
        q.multiplier = mult[t % N];
        q.shift = shift[t % N];
        q.act_min = (int32_t)test_randn(100) - 128;
        q.act_max = 127 - (int32_t)test_randn(100);
        if (q.act_min > q.act_max) q.act_min = q.act_max;
        ref_linear_s8(x, w, b, want, B, K, N, &q, per_channel ? mult : NULL, per_channel ? shift : NULL);
        for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
            if (!lin__isa_force(isa)) continue;
            memset(y, 0x55, sizeof y);
            assert_int_equal(per_channel ? lin_linear_s8_per_channel(x, w, b, y, B, K, N, &q, mult, shift)
                                         : lin_linear_s8(x, w, b, y, B, K, N, &q),
                             LIN_OK);
            if (memcmp(y, want, sizeof y)) {
                if (fails < 5) print_message("case %d, family %d: differs from the reference\n", t, isa);
                ++fails;
            }
        }
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}

/* Under every kernel family: the shapes around x86's int8 paths' bounds,
   against the reference. Rows of 511 to 513 (the tiles' longest row, 512,
   and the dot products past it), 1023 to 1025 (the widened rows of x),
   batch 1 to 9 (tiles of four rows and their last one to three; the
   packing's threshold batch x 64 >= in + 64), batches of 8 to 40 with
   rows of 1 to 512 (VNNI's quads: rows of x taken once or per tile, rows
   past a multiple of 4 and of 64), AVX2's tiles on rows past 512 (blocks
   of k of 512 and a last one of 1, 6 or 88; chunks of 32 rows of x and a
   last one of 1 or 2), 1 to 33 outputs (blocks of
   16 and their tails), odd rows (a last step paired with 0); weights
   with -128, input offsets at both ends, a weight offset, per channel,
   shifts on both sides of 0, with and without bias. */
static void test_s8_kernel_bounds(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t sh[][3] = {{2, 64, 17}, {3, 17, 1}, {8, 16, 16}, {5, 33, 9}};
#else
    static const size_t sh[][3] = {{9, 512, 17}, {9, 511, 33}, {9, 513, 16}, {5, 256, 31}, {4, 255, 16},
                                   {2, 64, 17},  {3, 17, 1},   {2, 1024, 5}, {3, 1025, 7}, {7, 100, 33},
                                   {8, 16, 16},  {2, 1023, 9}, {9, 64, 17}, {24, 384, 33}, {32, 31, 16},
                                   {33, 512, 17}, {40, 100, 31}, {40, 129, 18}, {8, 255, 5}, {32, 1, 20},
                                   {36, 62, 16},  {18, 1025, 17}, {33, 1030, 20}, {66, 600, 9}};
#endif
    static const int32_t xos[] = {-127, 128, 3};
    size_t s, i;
    int isa, t, fails = 0;
    (void)state;
    for (s = 0; s < sizeof sh / sizeof sh[0]; ++s) {
        const size_t m = sh[s][0], k = sh[s][1], n = sh[s][2];
        int8_t *x = (int8_t *)malloc(m * k), *w = (int8_t *)malloc(n * k);
        int8_t *y = (int8_t *)malloc(m * n + 1), *want = (int8_t *)malloc(m * n);
        int32_t *b = (int32_t *)malloc(n * sizeof(int32_t)), *mult = (int32_t *)malloc(n * sizeof(int32_t));
        int32_t *shift = (int32_t *)malloc(n * sizeof(int32_t));
        assert_true(x && w && y && want && b && mult && shift);
        for (i = 0; i < m * k; ++i) x[i] = rand_s8();
        for (i = 0; i < n * k; ++i) w[i] = i % 7 ? rand_s8() : -128;
        for (i = 0; i < n; ++i) {
            b[i] = (int32_t)test_randn(2000001) - 1000000;
            mult[i] = (int32_t)(0x40000000u + test_rand() % 0x3fffffffu);
            shift[i] = (int32_t)test_randn(20) - 16;
        }
        for (t = 0; t < 6; ++t) {
            lin_quant q = {3, 0, -5, 1518500250, -9, -128, 127};
            const int per_channel = t == 4;
            const int32_t *bias = t % 2 ? NULL : b;
            q.input_offset = xos[t % 3];
            q.weight_offset = t == 5 ? -3 : 0;
            q.shift = t == 3 ? 2 : -(int32_t)(5 + 4 * (size_t)t);
            ref_linear_s8(x, w, bias, want, m, k, n, &q, per_channel ? mult : NULL, per_channel ? shift : NULL);
            for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
                if (!lin__isa_force(isa)) continue;
                memset(y, 0x55, m * n + 1);
                assert_int_equal(per_channel ? lin_linear_s8_per_channel(x, w, bias, y, m, k, n, &q, mult, shift)
                                             : lin_linear_s8(x, w, bias, y, m, k, n, &q),
                                 LIN_OK);
                if (memcmp(y, want, m * n) || y[m * n] != 0x55) {
                    if (fails < 5)
                        print_message("%zux%zux%zu, case %d, family %d: differs from the reference\n", m, k, n, t,
                                      isa);
                    ++fails;
                }
            }
        }
        free(x); free(w); free(y); free(want); free(b); free(mult); free(shift);
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}

#ifdef LIN__OUTPUT4_S8
/* Helium's requantization of four outputs in one vector against the
   scalar step, lane by lane: sums and biases at the edges of int32,
   multipliers 0 to INT32_MAX, every shift from -31 to 30, per tensor and
   per channel, 1 to 4 outputs with the bytes past them untouched. In
   single rounding the vector step declines (returns 0) a group with a
   shift of 0 or more, and must take the others. Called out of line: GCC
   12 takes the predicated store, inlined, for a whole-vector one and
   drops the part of the memset it would cover, so the bytes past rows
   held the stack's leftovers. */
LIN__NOINLINE static int output4(const int32_t *s, int32_t ws, const int32_t *bias, const lin__rq *rq,
                                 const int32_t *m, const int32_t *sh, int8_t *y, size_t rows)
{
    return lin__output4_s8(s, ws, bias, rq, m, sh, y, rows);
}

static void test_s8_output4_same(void **state)
{
    static const int32_t edge[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -1, 0, 1, 65535, 1 << 30,
                                   INT32_MAX - 1, INT32_MAX};
    int t, taken = 0, fails = 0;
    (void)state;
    for (t = 0; t < TEST_SIZE(20000, 4000); ++t) {
        const size_t rows = 1 + test_randn(4);
        const int per_channel = t % 2, with_bias = t % 5 != 0;
        const int32_t ws = test_randn(4) ? 0 : (int32_t)test_randn(2001) - 1000;
        int32_t s[4], b[4], m[4], sh[4], top = INT32_MIN;
        int8_t y[8], want[4];
        int bad;
        lin_quant q;
        lin__rq rq;
        size_t r;
        for (r = 0; r < 4; ++r) {
            s[r] = ws ? (int32_t)test_randn(1u << 30) - (1 << 29)
                      : test_randn(2) ? edge[test_randn(sizeof edge / sizeof edge[0])] : (int32_t)test_rand();
            b[r] = test_randn(2) ? edge[test_randn(sizeof edge / sizeof edge[0])] : (int32_t)test_rand();
            m[r] = test_randn(3) ? (int32_t)(test_rand() & 0x7fffffffu) : INT32_MAX - (int32_t)test_randn(3) * (INT32_MAX / 2);
            sh[r] = (int32_t)test_randn(62) - 31;
        }
        q.input_offset = 0;
        q.weight_offset = 0;
        q.output_offset = (int32_t)test_randn(256) - 128;
        q.multiplier = m[0];
        q.shift = sh[0];
        q.act_min = (int32_t)test_randn(100) - 128;
        q.act_max = 127 - (int32_t)test_randn(100);
        if (q.act_min > q.act_max) q.act_min = q.act_max;
        lin__rq_set(&rq, &q);
        for (r = 0; r < (per_channel ? rows : 1); ++r) top = sh[r] > top ? sh[r] : top;
        memset(y, 0x55, sizeof y);
        if (!output4(s, ws, with_bias ? b : NULL, &rq, per_channel ? m : NULL, per_channel ? sh : NULL, y, rows)) {
#ifdef LIN_SINGLE_ROUNDING
            if (top < 0) ++fails;       /* declined a group it takes */
            continue;
#else
            ++fails;
            continue;
#endif
        }
        ++taken;
        for (r = 0; r < rows; ++r)
            want[r] = lin__output_s8(s[r] + ws, with_bias ? b : NULL, &rq, per_channel ? m : NULL,
                                     per_channel ? sh : NULL, r);
        bad = memcmp(y, want, rows) != 0;
        for (r = rows; r < sizeof y; ++r) bad |= y[r] != 0x55;
        if (bad && ++fails < 5) print_message("group %d (%u rows): differs from the scalar step\n", t, (unsigned)rows);
    }
    assert_int_equal(fails, 0);
    assert_true(taken > TEST_SIZE(20000, 4000) / 8);
}
#endif

/* the largest in_features the offsets allow, and one more (64 KiB of
   data: not on the 16 KiB micro:bit) */
#ifndef TEST_SMALL_RAM
static void test_s8_accumulation_bound(void **state)
{
    lin_quant q = {128, 128, 0, 1 << 30, -20, -128, 127};
    size_t bound = (size_t)(INT32_MAX / (255 * 255)), n = bound + 1;
    int8_t *x = (int8_t *)malloc(n), *w = (int8_t *)malloc(n), y[2] = {0x55, 0x55};
    int32_t big = INT32_MAX;
    (void)state;
    assert_true(x && w);
    memset(x, 127, n);                  /* every product 255*255: the sum just fits */
    memset(w, 127, n);
    assert_int_equal(lin_linear_s8(x, w, NULL, y, 1, n, 1, &q), LIN_ERR_OVERFLOW);
    assert_true(y[0] == 0x55);
    assert_int_equal(lin_linear_s8(x, w, NULL, y, 1, bound, 1, &q), LIN_OK);
    {   /* the same through the reference: exact */
        int8_t want;
        ref_linear_s8(x, w, NULL, &want, 1, bound, 1, &q, NULL, NULL);
        assert_int_equal(y[0], want);
    }
    /* a bias that takes the sum past int32 saturates instead of wrapping:
       INT32_MAX * 2^30 / 2^62, rounded (up to 1 in two roundings, 0 in one) */
    q.shift = -31;
    assert_int_equal(lin_linear_s8(x, w, &big, y, 1, bound, 1, &q), LIN_OK);
    {
        int8_t want;
        ref_linear_s8(x, w, &big, &want, 1, bound, 1, &q, NULL, NULL);
        assert_int_equal(y[0], want);
#ifdef LIN_SINGLE_ROUNDING
        assert_int_equal(y[0], 0);
#else
        assert_int_equal(y[0], 1);
#endif
    }
    free(x);
    free(w);
}

/* Zero offsets allow the most terms, 2^31 / 128^2 - 1: the wide kernels
   (VNNI's sum (x + 128)*w among them) pass through sums beyond int32 on the
   way and must still land on the exact one. Four outputs and a fifth, so
   that every kernel and its tail run; extreme values of both signs. */
static void test_s8_accumulation_bound_zero_offsets(void **state)
{
    enum { OUT = 5 };
    lin_quant q = {0, 0, 0, 1 << 30, -24, -128, 127};
    const size_t n = (size_t)(INT32_MAX / (128 * 128));
    int8_t *x = (int8_t *)malloc(n), *w = (int8_t *)malloc(n * OUT), y[OUT], want[OUT];
    size_t i, p;
    int t;
    (void)state;
    assert_true(x && w);
    for (t = 0; t < 3; ++t) {
        for (p = 0; p < n; ++p) x[p] = t == 2 ? (int8_t)-128 : (int8_t)127;
        for (i = 0; i < OUT; ++i)
            for (p = 0; p < n; ++p)
                w[i * n + p] = (int8_t)(i % 2 ? -128 : t == 1 && p % 3 ? -127 : 127);
        assert_int_equal(lin_linear_s8(x, w, NULL, y, 1, n, OUT, &q), LIN_OK);
        ref_linear_s8(x, w, NULL, want, 1, n, OUT, &q, NULL, NULL);
        assert_memory_equal(y, want, OUT);
    }
    assert_int_equal(lin_linear_s8(x, w, NULL, y, 1, n + 1, 1, &q), LIN_ERR_OVERFLOW);
    free(x);
    free(w);
}
#endif

/* The check on in_features (32-bit arithmetic, no division) against the
   bound in 64-bit arithmetic, for every pair of offsets, at and around the
   bound and at the sizes where its shortcuts change: in*max|x + xo|*
   max|w + wo| must stay within INT32_MAX. */
static void test_s8_accumulation_bound_every_offset(void **state)
{
    int32_t xo, wo;
    size_t bad = 0, i;
    (void)state;
    for (xo = -127; xo <= 128; ++xo)
        for (wo = -127; wo <= 128; ++wo) {
            const int64_t mx = xo > 0 ? 127 + xo : 128 - xo, mw = wo > 0 ? 127 + wo : 128 - wo;
            const int64_t most = (int64_t)INT32_MAX / (mx * mw);
            const size_t probes[] = {0, 1, (size_t)most - 1, (size_t)most, (size_t)most + 1, 131071u, (size_t)-1};
            bad += lin__s8_max_in(xo, wo) != (size_t)most;
            for (i = 0; i < sizeof probes / sizeof probes[0]; ++i)
                bad += lin__s8_too_long(probes[i], xo, wo) != ((uint64_t)probes[i] > (uint64_t)most);
        }
    assert_int_equal(bad, 0);
}

static void test_s8_zero_sizes(void **state)
{
    lin_quant q = {0, 0, 5, 1 << 30, 0, -128, 127};
    int8_t x[4] = {1, 2, 3, 4}, y[4] = {0x55, 0x55, 0x55, 0x55};
    int32_t b[2] = {6, -6};
    (void)state;
    assert_int_equal(lin_linear_s8(NULL, x, b, NULL, 0, 2, 2, &q), LIN_OK);       /* batch 0 */
    assert_int_equal(lin_linear_s8(NULL, NULL, b, y, 2, 0, 2, &q), LIN_OK);       /* in 0: requant(b) */
    assert_true(y[0] == 8 && y[1] == 2 && y[2] == 8 && y[3] == 2);                /* 6/2 + 5, -6/2 + 5 */
    assert_int_equal(lin_linear_s8(x, NULL, NULL, y, 2, 2, 0, &q), LIN_OK);       /* out 0 */
}

/* The firmware's int8 network: the checksum the six Cortex-M cores must
   match, the same in every host build (AVX2, NEON, plain C). */
static void test_s8_firmware_network(void **state)
{
    (void)state;
    assert_int_equal(mlp_s8_forward(), LIN_OK);
    assert_int_equal(mlp_s8_checksum(), MLP_S8_CHECKSUM);
}

/* ---- errors ---- */

static void test_s8_errors_untouched(void **state)
{
    lin_quant ok = {0, 0, 0, 1 << 30, -1, -128, 127}, q;
    int8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, w[8] = {1, 1, 1, 1, 1, 1, 1, 1}, y[8];
    int32_t m[2] = {1 << 30, 1 << 30}, s[2] = {0, 0}, mbad[2] = {1 << 30, -1}, sbad[2] = {0, 31};
    static const struct { size_t field; int32_t value; } bad[] = {
        {offsetof(lin_quant, input_offset), 129}, {offsetof(lin_quant, input_offset), -128},
        {offsetof(lin_quant, output_offset), 128}, {offsetof(lin_quant, act_min), 10},
        {offsetof(lin_quant, act_max), 128}, {offsetof(lin_quant, multiplier), -1},
        {offsetof(lin_quant, shift), 31}, {offsetof(lin_quant, shift), -32}};
    size_t i;
    (void)state;
    memset(y, 0x55, sizeof y);
    for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {   /* each parameter one step out of range */
        q = ok;
        memcpy((char *)&q + bad[i].field, &bad[i].value, sizeof(int32_t));
        if (bad[i].field == offsetof(lin_quant, act_min)) q.act_max = 9;      /* act_min 10 > act_max */
        assert_int_equal(lin_linear_s8(x, w, NULL, y, 2, 4, 2, &q), LIN_ERR_VALUE);
    }
    assert_int_equal(lin_linear_s8_per_channel(x, w, NULL, y, 2, 4, 2, &ok, mbad, s), LIN_ERR_VALUE);
    assert_int_equal(lin_linear_s8_per_channel(x, w, NULL, y, 2, 4, 2, &ok, m, sbad), LIN_ERR_VALUE);
    assert_int_equal(lin_linear_s8_per_channel(x, w, NULL, y, 2, 4, 2, &ok, NULL, s), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s8(NULL, w, NULL, y, 2, 4, 2, &ok), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s8(x, w, NULL, y, 2, 4, 2, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s8(x, w, NULL, y, (size_t)-1 / 2, 4, 2, &ok), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_s8(x, w, NULL, x + 2, 1, 4, 2, &ok), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_s8(x, w, (const int32_t *)(void *)y, y, 1, 4, 2, &ok), LIN_ERR_ALIAS);
    {   /* y over q (its first or last byte), plain and per channel: refused, q as it was */
        union { lin_quant q; int8_t b[sizeof(lin_quant)]; } u;
        u.q = ok;
        assert_int_equal(lin_linear_s8(x, w, NULL, u.b + sizeof u.q - 1, 1, 4, 2, &u.q), LIN_ERR_ALIAS);
        assert_int_equal(lin_linear_s8(x, w, NULL, u.b, 2, 4, 1, &u.q), LIN_ERR_ALIAS);
        assert_int_equal(lin_linear_s8_per_channel(x, w, NULL, u.b + 3, 1, 4, 2, &u.q, m, s), LIN_ERR_ALIAS);
        assert_true(memcmp(&u.q, &ok, sizeof ok) == 0);
        assert_int_equal(lin_linear_s8(x, w, NULL, y, 1, 4, 2, &u.q), LIN_OK);   /* and apart: accepted */
        memset(y, 0x55, sizeof y);
    }
    for (i = 0; i < 8; ++i) assert_true(y[i] == 0x55);
    for (i = 0; i < 8; ++i) assert_true(x[i] == (int8_t)(i + 1));
}

/* ---- the prepared layer ---- */

/* lin_linear_prepared_s8 gives lin_linear_s8's bits under every kernel
   family: shapes across the kernels' groups (rows of W in fours and
   sixteens, rows of x in twos, rows of 16 and 64 bytes and their tails),
   input offsets that skip the sums of W (128 on x86's VNNI, 0 on Arm) and
   that need them, a weight offset, with and without bias; the buffer at an
   odd address. */
static void test_s8_prepared_same(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t sh[][3] = {{1, 3, 2}, {2, 64, 8}, {3, 33, 9}, {0, 5, 4}, {2, 0, 3}};
#else
    static const size_t sh[][3] = {{1, 3, 2},   {1, 64, 64}, {3, 100, 37}, {2, 1000, 9}, {9, 40, 21},
                                   {5, 17, 65}, {8, 16, 16}, {0, 5, 4},    {2, 0, 3},    {4, 129, 33}};
#endif
    static const int32_t xos[] = {3, 128, 0, -127};
    size_t s, i;
    int isa, t, fails = 0;
    (void)state;
    for (s = 0; s < sizeof sh / sizeof sh[0]; ++s) {
        const size_t m = sh[s][0], k = sh[s][1], n = sh[s][2];
        const size_t bytes = lin_prepared_s8_size(k, n);
        int8_t *x = (int8_t *)malloc(m * k + 1), *w = (int8_t *)malloc(n * k + 1);
        int8_t *y = (int8_t *)malloc(m * n + 1), *yp = (int8_t *)malloc(m * n + 1);
        int32_t *b = (int32_t *)malloc(n * sizeof(int32_t) + 4);
        unsigned char *buf = (unsigned char *)malloc(bytes + 1);
        assert_true(x && w && y && yp && b && buf && bytes >= 4 * n);
        for (i = 0; i < m * k; ++i) x[i] = rand_s8();
        for (i = 0; i < n * k; ++i) w[i] = rand_s8();
        for (i = 0; i < n; ++i) b[i] = (int32_t)test_randn(200001) - 100000;
        for (t = 0; t < 8; ++t) {
            lin_quant q = {3, 0, -5, 1518500250, -9, -128, 127};
            lin_prepared_s8 p;
            const int32_t *bias = t % 2 ? b : NULL;
            q.input_offset = xos[t / 2];
            q.weight_offset = t == 7 ? 5 : 0;
            assert_int_equal(lin_prepare_s8(&p, w, bias, k, n, &q, buf + 1, bytes), LIN_OK);
            for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
                if (!lin__isa_force(isa)) continue;
                memset(y, 0x55, m * n + 1);
                memset(yp, 0x55, m * n + 1);
                assert_int_equal(lin_linear_s8(x, w, bias, y, m, k, n, &q), LIN_OK);
                assert_int_equal(lin_linear_prepared_s8(&p, x, yp, m), LIN_OK);
                if (memcmp(y, yp, m * n + 1) != 0) {
                    if (fails < 5)
                        print_message("prepared %zux%zux%zu, input offset %ld, family %d: not lin_linear_s8's bits\n",
                                      m, k, n, (long)q.input_offset, isa);
                    ++fails;
                }
            }
            assert_true(lin__isa_force(-1));
        }
        free(x); free(w); free(y); free(yp); free(b); free(buf);
    }
    assert_int_equal(fails, 0);
}

/* Each refusal of lin_prepare_s8 and lin_linear_prepared_s8, with *p, the
   buffer and y untouched */
static void test_s8_prepared_errors(void **state)
{
    lin_quant ok = {3, 0, 0, 1 << 30, -1, -128, 127}, bad = ok;
    int8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, w[8] = {1, -1, 2, -2, 3, -3, 4, -4}, y[8], yc[8];
    int32_t b[2] = {100, -100};
    unsigned char buf[64], bc[64];
    lin_prepared_s8 p, pc, good;
    const size_t need = lin_prepared_s8_size(4, 2);
    size_t i;
    (void)state;
    assert_true(need >= 8 && need <= 11);
    assert_int_equal(lin_prepared_s8_size((size_t)-1, 2), 0);
    assert_int_equal(lin_prepared_s8_size(1, (size_t)-1 / 2), 0);
    memset(&p, 0x33, sizeof p);
    memset(buf, 0x44, sizeof buf);
    memcpy(buf + 4, &ok, sizeof ok);    /* a valid q inside the buffer, for the overlap below */
    memcpy(&pc, &p, sizeof p);
    memcpy(bc, buf, sizeof buf);
    bad.shift = 31;
    assert_int_equal(lin_prepare_s8(NULL, w, b, 4, 2, &ok, buf, need), LIN_ERR_NULL);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, NULL, buf, need), LIN_ERR_NULL);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &ok, NULL, need), LIN_ERR_NULL);
    assert_int_equal(lin_prepare_s8(&p, NULL, b, 4, 2, &ok, buf, need), LIN_ERR_NULL);
    assert_int_equal(lin_prepare_s8(&p, w, b, (size_t)-1, 2, &ok, buf, need), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_prepare_s8(&p, w, b, 200000, 0, &ok, buf, need), LIN_ERR_OVERFLOW);   /* past the bound */
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &bad, buf, need), LIN_ERR_VALUE);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &ok, buf, need - 1), LIN_ERR_SIZE);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &ok, (void *)w, need), LIN_ERR_ALIAS);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &ok, (void *)b, need), LIN_ERR_ALIAS);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, &ok, (void *)&p, need), LIN_ERR_ALIAS);
    assert_int_equal(lin_prepare_s8(&p, w, b, 4, 2, (const lin_quant *)(const void *)(buf + 4), buf, need),
                     LIN_ERR_ALIAS);
    {   /* *p, written too, over q or over the weights: refused, both as they were */
        union { lin_prepared_s8 p; lin_quant q; int8_t w[8]; } u;
        memset(&u, 0, sizeof u);
        u.q = ok;
        assert_int_equal(lin_prepare_s8(&u.p, w, b, 4, 2, &u.q, buf, need), LIN_ERR_ALIAS);
        assert_memory_equal(&u.q, &ok, sizeof ok);
        memcpy(u.w, w, sizeof w);
        assert_int_equal(lin_prepare_s8(&u.p, u.w, b, 4, 2, &ok, buf, need), LIN_ERR_ALIAS);
        assert_memory_equal(u.w, w, sizeof w);
    }
    assert_memory_equal(&p, &pc, sizeof p);
    assert_memory_equal(buf, bc, sizeof buf);
    /* a prepared layer: the forward's refusals, y untouched */
    memset(&good, 0, sizeof good);     /* its padding too: compared as bytes below */
    assert_int_equal(lin_prepare_s8(&good, w, b, 4, 2, &ok, buf + 3, need), LIN_OK);
    assert_int_equal(good.wsum[0], 0);
    assert_int_equal(lin_linear_s8(x, w, b, yc, 2, 4, 2, &ok), LIN_OK);
    memset(y, 0x55, sizeof y);
    assert_int_equal(lin_linear_prepared_s8(NULL, x, y, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_prepared_s8(&good, NULL, y, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_prepared_s8(&good, x, NULL, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_prepared_s8(&good, x, y, (size_t)-1 / 3), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_prepared_s8(&good, x, x + 1, 1), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_prepared_s8(&good, x, w + 2, 1), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_prepared_s8(&good, x, (int8_t *)(void *)b, 1), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_prepared_s8(&good, x, (int8_t *)(buf + 8), 1), LIN_ERR_ALIAS);
    {   /* y over the layer itself, whose copy of q the kernels read */
        lin_prepared_s8 gc;
        memcpy(&gc, &good, sizeof good);
        assert_int_equal(lin_linear_prepared_s8(&good, x, (int8_t *)(void *)&good + sizeof good - 1, 1),
                         LIN_ERR_ALIAS);
        assert_memory_equal(&gc, &good, sizeof good);
    }
    for (i = 0; i < sizeof y; ++i) assert_true(y[i] == 0x55);
    /* and with nothing in the way: lin_linear_s8's outputs */
    assert_int_equal(lin_linear_prepared_s8(&good, x, y, 2), LIN_OK);
    assert_memory_equal(y, yc, 4);
    assert_int_equal(lin_linear_prepared_s8(&good, NULL, NULL, 0), LIN_OK);   /* batch 0: nothing read */
    /* a layer of more outputs than inputs: the count of y overflows first */
    assert_int_equal(lin_prepare_s8(&good, w, b, 1, 2, &ok, buf + 3, need), LIN_OK);
    assert_int_equal(lin_linear_prepared_s8(&good, x, y, (size_t)-1 / 2 + 1), LIN_ERR_OVERFLOW);
    /* no inputs: x has no bytes, so it meets nothing, even inside y; y is
       the requantized bias, as lin_linear_s8 gives it */
    assert_int_equal(lin_prepare_s8(&good, NULL, b, 0, 2, &ok, buf + 3, need), LIN_OK);
    assert_int_equal(lin_linear_s8(NULL, NULL, b, yc, 1, 0, 2, &ok), LIN_OK);
    memset(y, 0x55, sizeof y);
    assert_int_equal(lin_linear_prepared_s8(&good, y + 1, y, 1), LIN_OK);
    assert_memory_equal(y, yc, 2);
    /* no bias: only x, W and the buffer are in y's way */
    assert_int_equal(lin_prepare_s8(&good, w, NULL, 4, 2, &ok, buf + 3, need), LIN_OK);
    assert_int_equal(lin_linear_s8(x, w, NULL, yc, 1, 4, 2, &ok), LIN_OK);
    assert_int_equal(lin_linear_prepared_s8(&good, x, (int8_t *)(void *)b, 1), LIN_OK);
    assert_memory_equal(b, yc, 2);
    assert_int_equal(lin_linear_prepared_s8(&good, x, w + 6, 1), LIN_ERR_ALIAS);
}

/* ---- quantization helpers ---- */

static void test_s8_quantize_multiplier(void **state)
{
    int32_t m = 7, s = 7;
    (void)state;
    assert_int_equal(lin_quantize_multiplier(1.0, &m, &s), LIN_OK);
    assert_true(m == 1073741824 && s == 1);
    assert_int_equal(lin_quantize_multiplier(0.0, &m, &s), LIN_OK);
    assert_true(m == 0 && s == 0);
    m = 7; s = 7;
    assert_int_equal(lin_quantize_multiplier(-0.5, &m, &s), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_multiplier(NAN, &m, &s), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_multiplier(INFINITY, &m, &s), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_multiplier(1073741824.0, &m, &s), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_multiplier(0.5, NULL, &s), LIN_ERR_NULL);
    assert_true(m == 7 && s == 7);
    assert_int_equal(lin_quantize_multiplier(536870911.9, &m, &s), LIN_OK);   /* rounds up to 2^29 */
    assert_true(m == 1073741824 && s == 30);
}

static void test_s8_quantize_dequantize(void **state)
{
    const float x[10] = {0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 1000.0f, -1000.0f, NAN, INFINITY, 0.24999999f};
    const int8_t want[10] = {1 + 3, -1 + 3, 2 + 3, 3 + 3, -3 + 3, 127, -128, 3, 127, 0 + 3};
    int8_t q[10];
    float back[10];
    size_t i;
    (void)state;
    /* scale 1, zero point 3: ties away from zero (TFLite), saturation, NaN to the zero point */
    assert_int_equal(lin_quantize_s8(x, q, 10, 1.0f, 3), LIN_OK);
    for (i = 0; i < 10; ++i) assert_int_equal(q[i], want[i]);
    assert_int_equal(lin_dequantize_s8(q, back, 3, 0.25f, 3), LIN_OK);
    assert_true(back[0] == 0.25f && back[1] == -0.25f && back[2] == 0.5f);
    assert_int_equal(lin_quantize_s8(x, q, 10, 0.0f, 0), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_s8(x, q, 10, 1.0f, 128), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_s8(x, (int8_t *)(void *)back, 10, 1.0f, 0), LIN_OK);
}

static void test_s8_quant_params(void **state)
{
    lin_quant q;
    int32_t m[3], s[3];
    float ws[3] = {0.5f, 0.25f, 1e-12f};
    (void)state;
    /* input 0.5, weight 0.25, output 0.125: real 1.0 */
    assert_int_equal(lin_quant_params(0.5f, -3, 0.25f, 0, 0.125f, 10, LIN_ACT_NONE, &q), LIN_OK);
    assert_true(q.input_offset == 3 && q.weight_offset == 0 && q.output_offset == 10);
    assert_true(q.multiplier == 1073741824 && q.shift == 1 && q.act_min == -128 && q.act_max == 127);
    assert_int_equal(lin_quant_params(0.5f, -3, 0.25f, 0, 0.125f, 10, LIN_ACT_RELU, &q), LIN_OK);
    assert_true(q.act_min == 10 && q.act_max == 127);
    assert_int_equal(lin_quant_params(0.5f, -3, 0.25f, 0, 0.125f, 10, LIN_ACT_RELU6, &q), LIN_OK);
    assert_true(q.act_min == 10 && q.act_max == 58);        /* 10 + round(6 / 0.125) */
    assert_int_equal(lin_quant_params(0.5f, -3, 0.25f, 0, 0.0f, 10, LIN_ACT_NONE, &q), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_per_channel(0.5f, ws, 0.125f, 3, m, s), LIN_OK);
    assert_true(m[0] == 1073741824 && s[0] == 2 && m[1] == 1073741824 && s[1] == 1 && m[2] == 0 && s[2] == 0);
}

/* seven int32 in the field order the docs give (the export tool's
   <name>.quant); NULL: a status, q untouched */
static void test_s8_quant_from_i32(void **state)
{
    static const int32_t v[7] = {3, -1, -7, 1518500250, -5, -20, 99};
    lin_quant q, before;
    (void)state;
    memset(&q, 0x5a, sizeof q);
    before = q;
    assert_int_equal(lin_quant_from_i32(NULL, &q), LIN_ERR_NULL);
    assert_int_equal(lin_quant_from_i32(v, NULL), LIN_ERR_NULL);
    assert_memory_equal(&q, &before, sizeof q);
    assert_int_equal(lin_quant_from_i32(v, &q), LIN_OK);
    assert_true(q.input_offset == 3 && q.weight_offset == -1 && q.output_offset == -7);
    assert_true(q.multiplier == 1518500250 && q.shift == -5 && q.act_min == -20 && q.act_max == 99);
}

/* the same clamp on the float path: ReLU6 */
static void test_s8_float_clamp(void **state)
{
    float W[6] = {1, 2, 3, -4, -5, -6}, x[3] = {1, 2, 3}, y[2] = {0, 0};
    (void)state;
    assert_int_equal(lin_linear_f32_clamp(x, W, NULL, y, 1, 3, 2, 0.0f, 6.0f), LIN_OK);
    assert_true(y[0] == 6.0f && y[1] == 0.0f);
    assert_int_equal(lin_linear_f32_clamp(x, W, NULL, y, 1, 3, 2, 1.0f, 0.0f), LIN_ERR_VALUE);
    assert_true(y[0] == 6.0f && y[1] == 0.0f);
}

/* ---- int16x8: lin_linear_s16 ---- */

/* the next number of vec as an int64 (scanf's %lld is missing from some
   embedded C libraries the cross builds use) */
static int64_t next_i64(const char *first)
{
    char w[32];
    const char *c = first;
    uint64_t u = 0;
    int neg;
    if (!c) {
        if (fscanf(vec, "%31s", w) != 1) fail_msg("%s", "int16_sample.txt: a number was expected");
        c = w;
    }
    neg = *c == '-';
    c += neg;
    if (!*c) fail_msg("int16_sample.txt: '%s' is not a number", first ? first : w);
    for (; *c; ++c) {
        if (*c < '0' || *c > '9') fail_msg("int16_sample.txt: '%s' is not a number", first ? first : w);
        u = u * 10u + (uint64_t)(*c - '0');
    }
    return neg ? (int64_t)(0u - u) : (int64_t)u;   /* two's complement: -2^63 stays exact */
}

/* floor(n / 2^t), by division (linear.h shifts) */
static int64_t floor_div_pot(int64_t n, int t)
{
    const int64_t d = (int64_t)1 << t;
    int64_t q = n / d;
    if (n % d != 0 && n < 0) --q;
    return q;
}

/* lin_linear_s16 as its documentation states it, written independently:
   the bias first clamped to +-2^49 (the sum is within 2^47 once clamped,
   so any bias beyond that saturates it anyway), then exact sums. */
static void ref_linear_s16(const int16_t *x, const int8_t *w, const int64_t *b, int16_t *y, size_t batch,
                           size_t in, size_t out, const lin_quant *q)
{
    const int64_t top = ((int64_t)1 << 47) - 1, bot = -((int64_t)1 << 47), far = (int64_t)1 << 49;
    const int64_t m = q->multiplier >= 0x7FFF0000 ? 0x7FFF : ((int64_t)q->multiplier + 32768) / 65536;
    const int t = 15 - (int)q->shift;
    size_t i, j, k;
    for (i = 0; i < batch; ++i)
        for (j = 0; j < out; ++j) {
            int64_t acc = 0, r;
            for (k = 0; k < in; ++k) acc += (int64_t)x[i * in + k] * w[j * in + k];
            acc = acc > top ? top : acc < bot ? bot : acc;
            if (b) acc += b[j] > far ? far : b[j] < -far ? -far : b[j];
            acc = acc > top ? top : acc < bot ? bot : acc;
            r = floor_div_pot(acc * m + ((int64_t)1 << (t - 1)), t);
            y[i * out + j] = (int16_t)(r < q->act_min ? q->act_min : r > q->act_max ? q->act_max : r);
        }
}

/* tests/fixtures/int16_sample.txt (tests/gen_s16_fixtures.py: the
   arithmetic of TFLite's and of CMSIS-NN's int16x8 layers, which agree on
   every case), under every kernel family this CPU has; the same bits in
   both rounding builds. */
static void test_s16_reference_vectors(void **state)
{
    char path[512], w[64], name[64];
    int cases = 0, skipped = 0, ncases = -1, isa;
    (void)state;
    snprintf(path, sizeof path, "%s/int16_sample.txt", FIXTURE_DIR);
    vec = fopen(path, "r");
    if (!vec) fail_msg("cannot open %s", path);
    while (fscanf(vec, "%63s", w) == 1) {
        if (w[0] == '#' || !strcmp(w, "LININT16")) {
            int c;
            while ((c = getc(vec)) != '\n' && c != EOF) {
            }
        } else if (!strcmp(w, "ncases")) {
            ncases = (int)next_int();
        } else if (!strcmp(w, "case")) {
            size_t batch, in, out, i;
            lin_quant q = {0, 0, 0, 0, 0, 0, 0};
            int16_t *x, *y, *want;
            int8_t *wt;
            int64_t *b = NULL;
            next_int();
            if (fscanf(vec, "%63s", name) != 1) fail_msg("%s", "bad case line");
            expect_key("dims");
            batch = (size_t)next_int(); in = (size_t)next_int(); out = (size_t)next_int();
            expect_key("q");
            q.multiplier = (int32_t)next_int(); q.shift = (int32_t)next_int();
            q.act_min = (int32_t)next_int(); q.act_max = (int32_t)next_int();
            if (2 * batch * in + out * in + 4 * batch * out + 8 * out > TEST_SIZE((size_t)-1, 3000)) {
                while (fscanf(vec, "%63s", w) == 1 && strcmp(w, "end")) {
                }
                ++skipped;
                continue;
            }
            x = (int16_t *)malloc(batch * in * 2 + 2); wt = (int8_t *)malloc(out * in + 1);
            y = (int16_t *)malloc(batch * out * 2 + 2); want = (int16_t *)malloc(batch * out * 2 + 2);
            assert_true(x && wt && y && want);
            expect_key("x");
            for (i = 0; i < batch * in; ++i) x[i] = (int16_t)next_int();
            expect_key("w");
            for (i = 0; i < out * in; ++i) wt[i] = (int8_t)next_int();
            expect_key("b");
            if (fscanf(vec, "%63s", w) != 1) fail_msg("%s", "b");
            if (strcmp(w, "none")) {
                b = (int64_t *)malloc(out * sizeof(int64_t) + 1);
                assert_non_null(b);
                b[0] = next_i64(w);
                for (i = 1; i < out; ++i) b[i] = next_i64(NULL);
            }
            expect_key("y");
            for (i = 0; i < batch * out; ++i) want[i] = (int16_t)next_int();
            expect_key("end");
            for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
                if (!lin__isa_force(isa)) continue;
                memset(y, 0x55, batch * out * 2 + 2);
                expect_int(lin_linear_s16(x, wt, b, y, batch, in, out, &q), LIN_OK);
                if (memcmp(y, want, batch * out * 2)) {
                    print_error("%s: differs from TFLite / CMSIS-NN (family %d, %s rounding build)\n", name, isa,
                                ROUNDING);
                    ++test_failures;
                }
                expect_true(((unsigned char *)y)[batch * out * 2] == 0x55);
            }
            free(x); free(wt); free(y); free(want); free(b);
            ++cases;
        } else {
            fail_msg("int16_sample.txt: unexpected '%s'", w);
        }
    }
    fclose(vec);
    assert_true(lin__isa_force(-1));
    if (skipped) print_message("int16_sample.txt: %d cases too large for this RAM\n", skipped);
    assert_int_equal(cases + skipped, ncases);
    assert_true(ncases >= 80 && cases >= TEST_SIZE(80, 30));
    if (test_failures) fail_msg("%d differences", test_failures);
}

static int16_t rand_s16(int kind)
{
    static const int16_t ends[] = {-32768, -32767, -1, 0, 1, 32766, 32767};
    if (kind == 1) return ends[test_randn(7)];
    if (kind == 2) return (int16_t)((int)test_randn(7) - 3);
    return (int16_t)((int32_t)test_randn(65536) - 32768);
}

/* Random layers against ref_linear_s16 under every family: shapes across
   the 16- and 32-wide vectors and their tails, the groups of four rows of
   W, the blocks of two and four rows of x with a last block of fewer, and
   the runs summed in int32 (256 columns portable, 1024 AVX2, 2048 VNNI;
   some layers of up to 4200 columns);
   the largest products; multipliers from 0 to INT32_MAX (0x7FFF0000 up
   reduces to 0x7FFF), every shift; biases from none to INT64_MIN and
   INT64_MAX (the sum saturates at +-2^47, the result at the clamp). */
static void test_s16_random_against_reference(void **state)
{
    static const int64_t big[] = {INT64_MIN, INT64_MIN + 1, -((int64_t)1 << 47), ((int64_t)1 << 47) - 1,
                                  INT64_MAX - 1, INT64_MAX, -((int64_t)1 << 40), (int64_t)1 << 40};
    int t, isa, fails = 0;
    (void)state;
    for (t = 0; t < TEST_SIZE(600, 80); ++t) {
        lin_quant q = {0, 0, 0, 0, 0, -32768, 32767};
        const size_t in = 1 + test_randn(t % 25 == 0 ? TEST_SIZE(4200, 200)
                                         : t % 10 == 0 ? TEST_SIZE(1100, 120) : TEST_SIZE(70, 40));
        const size_t out = 1 + test_randn(TEST_SIZE(13, 9));
        const size_t batch = test_randn(in > 1100 ? 6 : TEST_SIZE(10, 4));
        const int kind = (int)test_randn(4);
        int16_t *x = (int16_t *)malloc(batch * in * 2 + 2), *y = (int16_t *)malloc(batch * out * 2 + 2);
        int16_t *want = (int16_t *)malloc(batch * out * 2 + 2);
        int8_t *w = (int8_t *)malloc(out * in + 1);
        int64_t b[13];
        size_t i;
        const int has_bias = (int)test_randn(3);
        assert_true(x && y && want && w);
        for (i = 0; i < batch * in; ++i) x[i] = kind == 3 ? (int16_t)-32768 : rand_s16(kind);
        for (i = 0; i < out * in; ++i) w[i] = kind == 3 ? (int8_t)-128 : rand_s8();
        for (i = 0; i < out; ++i)
            b[i] = test_randn(4) ? ((int64_t)test_rand() - 2147483647) * (int64_t)test_randn(65536)
                                 : big[test_randn(sizeof big / sizeof big[0])];
        q.multiplier = (int32_t)(test_rand() & 0x7fffffffu);
        if (t % 7 == 0) q.multiplier = 0x7FFF0000 - (int32_t)test_randn(3) + 1;
        if (t % 11 == 0) q.multiplier = t % 2 ? INT32_MAX : 0;
        q.shift = (int32_t)test_randn(39) - 31;         /* -31 .. 7 */
        if (test_randn(2)) {
            q.act_min = (int32_t)test_randn(70000) - 35000;
            q.act_max = (int32_t)test_randn(70000) - 35000;
            q.act_min = q.act_min < -32768 ? -32768 : q.act_min > 32767 ? 32767 : q.act_min;
            q.act_max = q.act_max < -32768 ? -32768 : q.act_max > 32767 ? 32767 : q.act_max;
            if (q.act_min > q.act_max) q.act_min = q.act_max;
        }
        ref_linear_s16(x, w, has_bias ? b : NULL, want, batch, in, out, &q);
        for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
            if (!lin__isa_force(isa)) continue;
            memset(y, 0x55, batch * out * 2 + 2);
            assert_int_equal(lin_linear_s16(x, w, has_bias ? b : NULL, y, batch, in, out, &q), LIN_OK);
            if (memcmp(y, want, batch * out * 2) || ((unsigned char *)y)[batch * out * 2] != 0x55) {
                if (fails < 5) print_message("case %d (%lux%lux%lu), family %d: differs\n", t, (unsigned long)batch,
                                            (unsigned long)in, (unsigned long)out, isa);
                ++fails;
            }
        }
        free(x); free(y); free(want); free(w);
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}

/* The longest int32 runs at their largest: every product 2^22 (x -32768,
   W -128) over 4130 columns (two VNNI runs of 2048 and four AVX2 runs of
   1024, then a tail), five rows of x (a block of four, then one) against
   three rows of W. The multiplier 2^16 (reduced to 1) and shift -7 (t =
   22) make each y the sum / 2^22 = 4130 exactly: a run left too long, or
   summed across in int32 too late, wraps and shows. */
static void test_s16_longest_runs(void **state)
{
    const size_t in = TEST_SIZE(4130, 130), batch = 5, out = 3;
    const lin_quant q = {0, 0, 0, 65536, -7, -32768, 32767};
    int16_t *x = (int16_t *)malloc(batch * in * 2), y[15];
    int8_t *w = (int8_t *)malloc(out * in);
    size_t i;
    int isa;
    (void)state;
    assert_true(x && w);
    for (i = 0; i < batch * in; ++i) x[i] = -32768;
    for (i = 0; i < out * in; ++i) w[i] = -128;
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        if (!lin__isa_force(isa)) continue;
        memset(y, 0x55, sizeof y);
        assert_int_equal(lin_linear_s16(x, w, NULL, y, batch, in, out, &q), LIN_OK);
        for (i = 0; i < batch * out; ++i) assert_int_equal(y[i], (int)in);
    }
    assert_true(lin__isa_force(-1));
    free(x);
    free(w);
}

/* Worked values, by hand: the article's example at multiplier 1.0; the
   rounding of halves up (3.5 -> 4, -3.5 -> -3) from the bias alone; the
   saturations. */
static void test_s16_known_values(void **state)
{
    int16_t x[3] = {1, 2, 3}, y[2] = {0x55, 0x55}, xm[4] = {-32768, -32768, -32768, -32768};
    int8_t w[6] = {1, 2, 3, 4, 5, 6}, wm[4] = {-128, -128, -128, -128};
    int64_t b[2] = {0, 1}, half[2] = {7, -7}, far[2] = {INT64_MAX, INT64_MIN};
    int64_t p40[1] = {(int64_t)1 << 40}, n40[1] = {-((int64_t)1 << 40)};
    lin_quant one = {0, 0, 0, 1 << 30, 1, -32768, 32767}, q;
    (void)state;
    assert_int_equal(lin_linear_s16(x, w, b, y, 1, 3, 2, &one), LIN_OK);
    assert_true(y[0] == 14 && y[1] == 33);
    q = one;
    q.shift = 0;                                        /* 0.5 */
    assert_int_equal(lin_linear_s16(NULL, NULL, half, y, 1, 0, 2, &q), LIN_OK);
    assert_true(y[0] == 4 && y[1] == -3);
    assert_int_equal(lin_linear_s16(x, w, far, y, 1, 3, 2, &one), LIN_OK);     /* saturated */
    assert_true(y[0] == 32767 && y[1] == -32768);
    q.shift = 7;                                        /* 64 * (2^24 +- 2^40): beyond int32, clamped */
    assert_int_equal(lin_linear_s16(xm, wm, p40, y, 1, 4, 1, &q), LIN_OK);
    assert_true(y[0] == 32767);
    assert_int_equal(lin_linear_s16(xm, wm, n40, y, 1, 4, 1, &q), LIN_OK);
    assert_true(y[0] == -32768);
    q.act_min = q.act_max = -5;
    assert_int_equal(lin_linear_s16(xm, wm, NULL, y, 1, 4, 1, &q), LIN_OK);
    assert_true(y[0] == -5);
    q = one;
    q.multiplier = 0;
    assert_int_equal(lin_linear_s16(xm, wm, NULL, y, 1, 4, 1, &q), LIN_OK);
    assert_true(y[0] == 0);
}

static void test_s16_zero_sizes(void **state)
{
    lin_quant q = {0, 0, 0, 1 << 30, 0, -32768, 32767};
    int16_t x[4] = {1, 2, 3, 4}, y[4] = {0x55, 0x55, 0x55, 0x55};
    int8_t w[4] = {1, 1, 1, 1};
    int64_t b[2] = {6, -6};
    (void)state;
    assert_int_equal(lin_linear_s16(NULL, w, b, NULL, 0, 2, 2, &q), LIN_OK);      /* batch 0 */
    assert_int_equal(lin_linear_s16(NULL, NULL, b, y, 2, 0, 2, &q), LIN_OK);      /* in 0: requant(b) */
    assert_true(y[0] == 3 && y[1] == -3 && y[2] == 3 && y[3] == -3);
    assert_int_equal(lin_linear_s16(x, NULL, NULL, NULL, 2, 2, 0, &q), LIN_OK);   /* out 0 */
    assert_int_equal(lin_linear_s16(NULL, NULL, NULL, NULL, 0, 0, 0, &q), LIN_OK);
}

static void test_s16_errors_untouched(void **state)
{
    lin_quant ok = {0, 0, 0, 1 << 30, -1, -32768, 32767}, q;
    int16_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
    int8_t w[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    int64_t b[4] = {0, 0, 0, 0};
    static const struct { size_t field; int32_t value; } bad[] = {
        {offsetof(lin_quant, input_offset), 1}, {offsetof(lin_quant, input_offset), -1},
        {offsetof(lin_quant, weight_offset), 1}, {offsetof(lin_quant, output_offset), -1},
        {offsetof(lin_quant, act_min), -32769}, {offsetof(lin_quant, act_max), 32768},
        {offsetof(lin_quant, act_min), 10}, {offsetof(lin_quant, multiplier), -1},
        {offsetof(lin_quant, multiplier), INT32_MIN}, {offsetof(lin_quant, shift), 8},
        {offsetof(lin_quant, shift), -32}};
    size_t i;
    (void)state;
    memset(y, 0x55, sizeof y);
    for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {   /* each parameter one step out of range */
        q = ok;
        memcpy((char *)&q + bad[i].field, &bad[i].value, sizeof(int32_t));
        if (bad[i].field == offsetof(lin_quant, act_min) && bad[i].value == 10) q.act_max = 9;
        assert_int_equal(lin_linear_s16(x, w, NULL, y, 2, 4, 2, &q), LIN_ERR_VALUE);
    }
    q = ok;
    q.shift = 7;
    q.act_min = q.act_max = 32767;
    assert_int_equal(lin_linear_s16(x, w, NULL, NULL, 0, 4, 2, &q), LIN_OK);       /* the ends are in range */
    assert_int_equal(lin_linear_s16(NULL, w, NULL, y, 2, 4, 2, &ok), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s16(x, NULL, NULL, y, 2, 4, 2, &ok), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s16(x, w, NULL, NULL, 2, 4, 2, &ok), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s16(x, w, NULL, y, 2, 4, 2, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_linear_s16(x, w, NULL, y, (size_t)-1 / 2, 4, 2, &ok), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_s16(x, w, NULL, y, 1, (size_t)-1 / 2 + 1, 1, &ok), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_s16(x, w, b, y, 1, 0, (size_t)-1 / 8 + 1, &ok), LIN_ERR_OVERFLOW);
    if (sizeof(size_t) > 4) {       /* 2^40 columns: an int64 sum could overflow */
        const size_t k40 = (size_t)1048576 * 1048576u;
        assert_int_equal(lin_linear_s16(NULL, NULL, NULL, NULL, 0, k40, 0, &ok), LIN_ERR_OVERFLOW);
        assert_int_equal(lin_linear_s16(NULL, NULL, NULL, NULL, 0, k40 - 1, 0, &ok), LIN_OK);
    }
    assert_int_equal(lin_linear_s16(x, w, NULL, x + 2, 1, 4, 2, &ok), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_s16(x, (const int8_t *)(void *)y, NULL, y, 1, 4, 2, &ok), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_s16(x, w, (const int64_t *)(void *)(y + 1), y, 1, 4, 2, &ok), LIN_ERR_ALIAS);
    {   /* y over q: refused, q as it was */
        union { lin_quant q; int16_t h[sizeof(lin_quant) / 2]; } u;
        u.q = ok;
        assert_int_equal(lin_linear_s16(x, w, NULL, u.h + sizeof u.q / 2 - 1, 1, 4, 2, &u.q), LIN_ERR_ALIAS);
        assert_true(memcmp(&u.q, &ok, sizeof ok) == 0);
    }
    for (i = 0; i < 8; ++i) assert_true(y[i] == 0x5555);
    for (i = 0; i < 8; ++i) assert_true(x[i] == (int16_t)(i + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_s8_reference_vectors),
        TEST(test_s8_random_against_reference),
        TEST(test_s8_requant_extremes),
        TEST(test_s8_kernel_bounds),
#ifdef LIN__OUTPUT4_S8
        TEST(test_s8_output4_same),
#endif
        TEST(test_s8_prepared_same),
        TEST(test_s8_prepared_errors),
#ifndef TEST_SMALL_RAM
        TEST(test_s8_accumulation_bound),
        TEST(test_s8_accumulation_bound_zero_offsets),
#endif
        TEST(test_s8_accumulation_bound_every_offset),
        TEST(test_s8_zero_sizes),
        TEST(test_s8_firmware_network),
        TEST(test_s8_errors_untouched),
        TEST(test_s8_quantize_multiplier),
        TEST(test_s8_quantize_dequantize),
        TEST(test_s8_quant_params),
        TEST(test_s8_quant_from_i32),
        TEST(test_s8_float_clamp),
        TEST(test_s16_reference_vectors),
        TEST(test_s16_random_against_reference),
        TEST(test_s16_longest_runs),
        TEST(test_s16_known_values),
        TEST(test_s16_zero_sizes),
        TEST(test_s16_errors_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
