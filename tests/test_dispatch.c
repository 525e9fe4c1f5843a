/* test_dispatch.c - run-time kernel families and prepared layers.

   Every family this build and this CPU have runs from this one binary
   (lin__isa_force, the tests' way to choose one): each against the double
   reference on shapes that cross every path and tile edge, each with the
   same bits through every entry point, and a prepared layer with the same
   bits as lin_linear_f32 on that family. Detection is checked against the
   compiler's own CPU test. Bad calls of the prepared API return their
   status and leave every output byte as it was.

   `test_dispatch digest` prints one line per family and shape: a hash of
   the output bits. make test-dispatch compares the lines of this plain -O2
   build (every family, chosen at run time) with those of the builds that
   compile one family in with -m flags (LIN_NO_DISPATCH): each family
   gives the same bits however it was compiled. */
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

static const char *const isa_names[LIN__ISA_COUNT] = {"portable", "sse2", "avx2", "avx512", "neon"};

/* batch, in, out: every path (direct, batch 1-4, narrow, packed), the
   tiles' edges of every family and more than one block of k */
#if defined(TEST_SMALL_RAM)              /* the micro:bit's 16 KiB */
static const size_t shapes[][3] = {{1, 3, 2}, {2, 5, 4}, {3, 10, 7}, {5, 9, 6}, {2, 4, 9}, {4, 7, 3}};
#else
static const size_t shapes[][3] = {
    {1, 3, 2},     {1, 16, 16},   {4, 16, 16},   {2, 8, 64},    {3, 37, 100},  {1, 10, 10},
    {5, 33, 17},   {64, 8, 16},   {64, 512, 16}, {8, 64, 64},   {17, 300, 65}, {7, 100, 50},
    {130, 257, 129}, {64, 784, 128}, {64, 128, 10}, {13, 129, 33}, {6, 255, 48}, {9, 17, 300},
    {2, 1000, 5},  {33, 7, 31},   {100, 12, 12}, {16, 24, 12},  {1, 1100, 300}, {4, 64, 1},
};
#endif

static void randomize(float *p, size_t n, lin_rng *rng)
{
    size_t i;
    for (i = 0; i < n; ++i) p[i] = lin_rng_uniform(rng, -1.0f, 1.0f);
}

typedef struct shape_data {
    size_t m, k, n;
    float *x, *w, *b, *y;
} shape_data;

static shape_data make_shape(size_t s)
{
    shape_data d;
    lin_rng rng;
    d.m = shapes[s][0];
    d.k = shapes[s][1];
    d.n = shapes[s][2];
    d.x = (float *)malloc((d.m * d.k + 1) * sizeof(float));
    d.w = (float *)malloc((d.n * d.k + 1) * sizeof(float));
    d.b = (float *)malloc((d.n + 1) * sizeof(float));
    d.y = (float *)malloc((d.m * d.n + 1) * sizeof(float));
    if (!d.x || !d.w || !d.b || !d.y) abort();
    lin_rng_seed(&rng, 1000 + s);
    randomize(d.x, d.m * d.k, &rng);
    randomize(d.w, d.n * d.k, &rng);
    randomize(d.b, d.n, &rng);
    return d;
}

static void free_shape(shape_data *d)
{
    free(d->x);
    free(d->w);
    free(d->b);
    free(d->y);
}

/* FNV-1a over the bits of n floats */
static uint64_t digest(const float *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i;
    int byte;
    for (i = 0; i < n; ++i) {
        uint32_t u = bits_of(p[i]);
        for (byte = 0; byte < 4; ++byte) {
            h ^= (u >> (8 * byte)) & 0xffu;
            h *= 1099511628211u;
        }
    }
    return h;
}

#if LIN_PACK
/* The family the compiler's own CPU test (GCC's and clang's
   __builtin_cpu_supports) says should run. */
static int expected_isa(void)
{
#if LIN__DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return LIN__ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return LIN__ISA_AVX2;
    return LIN__ISA_SSE2;
#else
    return LIN__ISA_LOWEST;
#endif
}
#endif

static void test_dispatch_detects(void **state)
{
    (void)state;
    assert_true(lin__isa_force(-1));
#if LIN_PACK
    expect_int(lin__isa_now(), expected_isa());
    expect_true(strcmp(lin_cpu_isa(), isa_names[expected_isa()]) == 0);
#elif defined(LIN__HAS_MVE_F32)
    expect_true(strcmp(lin_cpu_isa(), "helium") == 0);
#else
    expect_true(strcmp(lin_cpu_isa(), "portable") == 0);
#endif
    print_message("lin_cpu_isa() = %s\n", lin_cpu_isa());
}

/* A family this build or CPU lacks cannot be forced, and leaves the
   choice as it was. */
static void test_dispatch_force_refused(void **state)
{
    int isa, ran = 0;
    (void)state;
    assert_true(lin__isa_force(-1));
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        const char *before = lin_cpu_isa();
        if (lin__isa_force(isa)) {
            ++ran;
#if LIN_PACK
            expect_true(strcmp(lin_cpu_isa(), isa_names[isa]) == 0);
#endif
        } else {
            expect_true(strcmp(lin_cpu_isa(), before) == 0);
        }
    }
    expect_true(!lin__isa_force(LIN__ISA_COUNT));
    expect_true(ran >= 1);
    assert_true(lin__isa_force(-1));
}

/* One shape under the current family: lin_linear_f32 within the float
   bound of the double reference; lin_linear with x padded and with W
   transposed (strided operands) within it too; a prepared layer with
   lin_linear_f32's bits. Returns the number of failures. */
static int check_family_shape(size_t s, const char *family)
{
    shape_data d = make_shape(s);
    size_t m = d.m, k = d.k, n = d.n, i, bad = 0;
    size_t sx[2], sw[2], sy[2];
    test_tensor x, w, bias, y;
    lin_tensor wt;
    lin_prepared prep;
    double *ref = (double *)malloc((m * n + 1) * sizeof(double));
    double *mag = (double *)malloc((m * n + 1) * sizeof(double));
    float *yp = (float *)malloc((m * n + 1) * sizeof(float));
    size_t bytes = lin_prepared_size(k, n);
    void *buf = malloc(bytes + 3);
    int fails = 0;
    if (!ref || !mag || !yp || !buf) abort();
    memset(&prep, 0, sizeof prep);
    sx[0] = m; sx[1] = k;
    sw[0] = n; sw[1] = k;
    sy[0] = m; sy[1] = n;
    x = make_tensor(LAYOUT_PADDED, 2, sx, d.x);
    w = make_tensor(LAYOUT_COLUMN_MAJOR, 2, sw, d.w);
    bias = make_tensor(LAYOUT_CONTIGUOUS, 1, &n, d.b);
    y = make_tensor(LAYOUT_PADDED, 2, sy, NULL);
    wt = lin_transpose(&w.t);
    ref_matmul(&x.t, &wt, &bias.t, ref, mag);

    if (lin_linear_f32(d.x, d.w, d.b, d.y, m, k, n) != LIN_OK) ++fails;
    for (i = 0; i < m * n; ++i) bad += !close_enough(d.y[i], ref[i], mag[i], k);
    if (lin_linear(&x.t, &w.t, &bias.t, &y.t) != LIN_OK) ++fails;
    for (i = 0; i < m * n; ++i) bad += !close_enough(y.t.data[offset_of(&y.t, i)], ref[i], mag[i], k);

    /* the caller's scratch, at an odd address: the same bits */
    {
        size_t sb = lin_linear_scratch_size(m, k, n);
        unsigned char *ws = (unsigned char *)malloc(sb + 3);
        if (!ws) abort();
        memset(ws, 0xa5, sb + 3);
        fill_sentinel(yp, m * n);
        if (lin_linear_f32_scratch(d.x, d.w, d.b, yp, m, k, n, sb ? ws + 3 : NULL, sb) != LIN_OK) ++fails;
        if (memcmp(yp, d.y, m * n * sizeof(float)) != 0) {
            print_message("%s %zux%zux%zu: with scratch differs from lin_linear_f32\n", family, m, k, n);
            ++fails;
        }
        free(ws);
    }

    /* prepared: an odd buffer address, the same bits */
    if (lin_prepare_f32(&prep, d.w, d.b, k, n, (char *)buf + 3, bytes) != LIN_OK) ++fails;
    fill_sentinel(yp, m * n);
    if (lin_linear_prepared_f32(&prep, d.x, yp, m) != LIN_OK) ++fails;
    if (memcmp(yp, d.y, m * n * sizeof(float)) != 0) {
        print_message("%s %zux%zux%zu: prepared differs from lin_linear_f32\n", family, m, k, n);
        ++fails;
    }
    /* every byte of the prepared data (W, the bias and its padding, the
       panels and their padding) comes from the operands, whatever the
       buffer held before: here zeros, in the next preparation 0xff bytes */
    {
        const size_t floats = (bytes - 64) / sizeof(float);   /* the data after the alignment */
        uint64_t h;
        lin_prepared again;
        memset(buf, 0, bytes + 3);
        if (lin_prepare_f32(&prep, d.w, d.b, k, n, (char *)buf + 3, bytes) != LIN_OK) ++fails;
        h = digest(prep.weight, floats);
        memset(buf, 0xff, bytes + 3);
        if (lin_prepare_f32(&again, d.w, d.b, k, n, (char *)buf + 3, bytes) != LIN_OK) ++fails;
        if (again.weight != prep.weight || digest(again.weight, floats) != h) {
            print_message("%s %zux%zux%zu: prepared bytes depend on the buffer's old contents\n", family, m, k, n);
            ++fails;
        }
    }
    /* and without a bias */
    if (lin_prepare_f32(&prep, d.w, NULL, k, n, (char *)buf + 3, bytes) != LIN_OK) ++fails;
    if (lin_linear_prepared_f32(&prep, d.x, yp, m) != LIN_OK) ++fails;
    if (lin_linear_f32(d.x, d.w, NULL, d.y, m, k, n) != LIN_OK) ++fails;
    if (memcmp(yp, d.y, m * n * sizeof(float)) != 0) {
        print_message("%s %zux%zux%zu: prepared without bias differs\n", family, m, k, n);
        ++fails;
    }
    if (bad) print_message("%s %zux%zux%zu: %zu elements outside the float bound\n", family, m, k, n, bad);
    free_tensor(&x);
    free_tensor(&w);
    free_tensor(&bias);
    free_tensor(&y);
    free(ref);
    free(mag);
    free(yp);
    free(buf);
    free_shape(&d);
    return fails + (bad != 0);
}

static void test_dispatch_every_family(void **state)
{
    int isa, families = 0, fails = 0;
    size_t s;
    (void)state;
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        if (!lin__isa_force(isa)) continue;
        ++families;
        for (s = 0; s < COUNT(shapes); ++s) fails += check_family_shape(s, isa_names[isa]);
    }
    assert_true(lin__isa_force(-1));
    print_message("%d families, %d failures\n", families, fails);
    assert_true(families >= 1);
    assert_int_equal(fails, 0);
}

/* The caller's scratch with blocks of every size it has: more rows than
   one block of x (144), more outputs than one of W (1024), k past a block
   of k, edge tiles in both; the same bits as lin_linear_f32 under every
   family, whatever the scratch held. Sizes: none where nothing is packed. */
static void test_scratch_blocks(void **state)
{
    const size_t m = TEST_SIZE(150, 9), k = TEST_SIZE(300, 20), n = TEST_SIZE(1030, 11);
    float *x = (float *)malloc(m * k * sizeof(float)), *w = (float *)malloc(n * k * sizeof(float));
    float *b = (float *)malloc(n * sizeof(float)), *y0 = (float *)malloc(m * n * sizeof(float));
    float *y1 = (float *)malloc(m * n * sizeof(float));
    lin_rng rng;
    int isa, fails = 0;
    (void)state;
    assert_true(x && w && b && y0 && y1);
    lin_rng_seed(&rng, 11);
    randomize(x, m * k, &rng);
    randomize(w, n * k, &rng);
    randomize(b, n, &rng);
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        size_t sb;
        unsigned char *ws;
        if (!lin__isa_force(isa)) continue;
        sb = lin_linear_scratch_size(m, k, n);
        expect_true(LIN_PACK ? sb > 0 : sb == 0);
        expect_true(lin_linear_scratch_size(1, k, n) == 0);      /* batch 1: W streamed */
        expect_true(lin_linear_scratch_size(2, 3, 2) == 0);      /* tiny */
        expect_true(lin_linear_scratch_size(m, 0, n) == 0);
        expect_true(lin_linear_scratch_size((size_t)-1, 2, 2) == 0);
        ws = (unsigned char *)malloc(sb + 1);
        assert_true(ws != NULL);
        assert_int_equal(lin_linear_f32(x, w, b, y0, m, k, n), LIN_OK);
        memset(ws, 0xff, sb + 1);
        assert_int_equal(lin_linear_f32_scratch(x, w, b, y1, m, k, n, ws + 1, sb), LIN_OK);
        if (memcmp(y0, y1, m * n * sizeof(float)) != 0) {
            print_message("%s %zux%zux%zu: with scratch differs\n", isa_names[isa], m, k, n);
            ++fails;
        }
        /* accumulated through a second call into the same scratch, no bias */
        assert_int_equal(lin_linear_f32(x, w, NULL, y0, m, k, n), LIN_OK);
        assert_int_equal(lin_linear_f32_scratch(x, w, NULL, y1, m, k, n, ws, sb), LIN_OK);
        if (memcmp(y0, y1, m * n * sizeof(float)) != 0) {
            print_message("%s %zux%zux%zu: with scratch, no bias, differs\n", isa_names[isa], m, k, n);
            ++fails;
        }
        free(ws);
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
    free(x); free(w); free(b); free(y0); free(y1);
}

/* Every bad call with scratch: its status, and not a byte of y or of the
   scratch changed. */
static void test_scratch_errors(void **state)
{
    const size_t m = TEST_SIZE(40, 6), k = TEST_SIZE(64, 8), n = TEST_SIZE(64, 8);
    float *x = (float *)malloc(m * k * sizeof(float)), *w = (float *)malloc(n * k * sizeof(float));
    float *b = (float *)malloc(n * sizeof(float)), *y = (float *)malloc(m * n * sizeof(float));
    size_t sb = lin_linear_scratch_size(m, k, n), i;
    unsigned char *ws = (unsigned char *)malloc(sb + 8), *copy = (unsigned char *)malloc(sb + 8);
    float *big;
    (void)state;
    assert_true(x && w && b && y && ws && copy);
    for (i = 0; i < m * k; ++i) x[i] = 1.0f;
    for (i = 0; i < n * k; ++i) w[i] = 0.5f;
    for (i = 0; i < n; ++i) b[i] = 2.0f;
    memset(ws, 0xa5, sb + 8);
    memcpy(copy, ws, sb + 8);
    fill_sentinel(y, m * n);
    /* the checks of lin_linear_f32 come first */
    expect_int(lin_linear_f32_scratch(NULL, w, b, y, m, k, n, ws, sb), LIN_ERR_NULL);
    expect_int(lin_linear_f32_scratch(x, w, b, y, (size_t)-1, k, n, ws, sb), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_f32_scratch(x, w, b, x, m, k, n, ws, sb), LIN_ERR_ALIAS);
    if (sb) {
        expect_int(lin_linear_f32_scratch(x, w, b, y, m, k, n, NULL, sb), LIN_ERR_NULL);
        expect_int(lin_linear_f32_scratch(x, w, b, y, m, k, n, ws, sb - 1), LIN_ERR_SIZE);
        expect_int(lin_linear_f32_scratch(x, w, b, y, m, k, n, ws, 0), LIN_ERR_SIZE);
        /* the scratch overlapping each operand, and y */
        big = (float *)malloc(sb + (m * k + n * k + n + m * n) * sizeof(float));
        assert_non_null(big);
        memcpy(big, x, m * k * sizeof(float));
        expect_int(lin_linear_f32_scratch(big, w, b, y, m, k, n, big + m * k - 1, sb), LIN_ERR_ALIAS);
        memcpy(big, w, n * k * sizeof(float));
        expect_int(lin_linear_f32_scratch(x, big, b, y, m, k, n, big + 1, sb), LIN_ERR_ALIAS);
        memcpy(big, b, n * sizeof(float));
        expect_int(lin_linear_f32_scratch(x, w, big, y, m, k, n, big + n - 1, sb), LIN_ERR_ALIAS);
        fill_sentinel(big, m * n);
        expect_int(lin_linear_f32_scratch(x, w, b, big, m, k, n, big + m * n - 1, sb), LIN_ERR_ALIAS);
        assert_untouched(big, m * n - 1);
        free(big);
    }
    assert_untouched(y, m * n);
    expect_true(memcmp(ws, copy, sb + 8) == 0);
    /* nothing to pack: no scratch needed, NULL accepted */
    expect_true(lin_linear_scratch_size(1, k, n) == 0);
    assert_int_equal(lin_linear_f32_scratch(x, w, b, y, 1, k, n, NULL, 0), LIN_OK);
    for (i = 0; i < n; ++i) expect_true(y[i] == (float)k * 0.5f + 2.0f);
    /* batch 0 writes nothing */
    expect_int(lin_linear_f32_scratch(NULL, w, b, NULL, 0, k, n, NULL, 0), LIN_OK);
    /* and a good call */
    assert_int_equal(lin_linear_f32_scratch(x, w, b, y, m, k, n, ws, sb), LIN_OK);
    for (i = 0; i < m * n; ++i) expect_true(y[i] == (float)k * 0.5f + 2.0f);
    free(x); free(w); free(b); free(y); free(ws); free(copy);
}

/* The bits do not depend on where the operands sit: W and x at every
   offset from a 64-byte line (the dot products shift their steps to W's
   lines, then rotate the sums back), batch 1 to 7 (AVX-512 shifts for
   3-4 rows of x from rows of 1024), rows a multiple of 16 and not, a
   last group of fewer than four rows of W, and the prepared layer's own
   copy of W; under every family. */
static void test_dispatch_alignment_same_bits(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t al_shapes[][3] = {{1, 128, 3}, {2, 144, 2}, {1, 130, 2}};
#else
    static const size_t al_shapes[][3] = {{1, 256, 9}, {2, 144, 7}, {1, 128, 4}, {2, 160, 33}, {1, 512, 5},
                                          {1, 130, 6}, {2, 1024, 3}, {1, 64, 8}, {4, 1024, 5}, {3, 1024, 6},
                                          {7, 1040, 4}, {4, 512, 6}};
#endif
    int isa, fails = 0;
    size_t t, ow, ox;
    (void)state;
    for (t = 0; t < COUNT(al_shapes); ++t) {
        const size_t m = al_shapes[t][0], k = al_shapes[t][1], n = al_shapes[t][2];
        unsigned char *wraw = (unsigned char *)malloc((n * k + 16) * sizeof(float) + 64);
        unsigned char *xraw = (unsigned char *)malloc((m * k + 16) * sizeof(float) + 64);
        float *b = (float *)malloc(n * sizeof(float)), *y0 = (float *)malloc(m * n * sizeof(float));
        float *y = (float *)malloc(m * n * sizeof(float));
        float *wl, *xl;
        size_t bytes = lin_prepared_size(k, n);
        void *buf = malloc(bytes);
        lin_prepared prep;
        lin_rng rng;
        assert_true(wraw && xraw && b && y0 && y && buf);
        memset(&prep, 0, sizeof prep);
        /* the first float of a 64-byte line in each */
        wl = (float *)(void *)(wraw + (64 - (uintptr_t)wraw % 64) % 64);
        xl = (float *)(void *)(xraw + (64 - (uintptr_t)xraw % 64) % 64);
        lin_rng_seed(&rng, 300 + t);
        randomize(wl, n * k, &rng);
        randomize(xl, m * k, &rng);
        randomize(b, n, &rng);
        for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
            if (!lin__isa_force(isa)) continue;
            assert_int_equal(lin_linear_f32(xl, wl, b, y0, m, k, n), LIN_OK);
            for (ow = 1; ow < 16; ++ow) {            /* W moved up ow floats, x 0, ow and 16 - ow */
                memmove(wl + ow, wl + ow - 1, n * k * sizeof(float));
                for (ox = 0; ox < 3; ++ox) {
                    const size_t o = ox == 0 ? 0 : ox == 1 ? ow : 16 - ow;
                    memmove(xl + o, xl, m * k * sizeof(float));
                    fill_sentinel(y, m * n);
                    assert_int_equal(lin_linear_f32(xl + o, wl + ow, b, y, m, k, n), LIN_OK);
                    if (memcmp(y, y0, m * n * sizeof(float)) != 0) {
                        print_message("%s %zux%zux%zu: W at +%zu, x at +%zu floats: other bits\n", isa_names[isa],
                                      m, k, n, ow, o);
                        ++fails;
                    }
                    memmove(xl, xl + o, m * k * sizeof(float));
                }
            }
            memmove(wl, wl + 15, n * k * sizeof(float));
            {   /* W and x at the start of blocks of their own, where the shifted
                   step's masked lanes lie before the block (valgrind, ASan) */
                float *wown = (float *)malloc(n * k * sizeof(float)), *xown = (float *)malloc(m * k * sizeof(float));
                assert_true(wown && xown);
                memcpy(wown, wl, n * k * sizeof(float));
                memcpy(xown, xl, m * k * sizeof(float));
                assert_int_equal(lin_linear_f32(xown, wown, b, y, m, k, n), LIN_OK);
                if (memcmp(y, y0, m * n * sizeof(float)) != 0) {
                    print_message("%s %zux%zux%zu: own blocks: other bits\n", isa_names[isa], m, k, n);
                    ++fails;
                }
                free(wown);
                free(xown);
            }
            assert_int_equal(lin_prepare_f32(&prep, wl, b, k, n, buf, bytes), LIN_OK);
            assert_int_equal(lin_linear_prepared_f32(&prep, xl, y, m), LIN_OK);
            if (memcmp(y, y0, m * n * sizeof(float)) != 0) {
                print_message("%s %zux%zux%zu: prepared: other bits\n", isa_names[isa], m, k, n);
                ++fails;
            }
        }
        free(wraw);
        free(xraw);
        free(b);
        free(y0);
        free(y);
        free(buf);
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}

/* A layer prepared under one family runs that family's kernels even after
   the choice changes (the buffer is laid out for them): the same bits. */
static void test_prepared_keeps_its_family(void **state)
{
    shape_data d = make_shape(COUNT(shapes) - 2);   /* batch 1: the dot products */
    size_t m = TEST_SIZE(64, 6), bytes;
    float *x = (float *)malloc(m * d.k * sizeof(float)), *y0 = (float *)malloc(m * d.n * sizeof(float));
    float *y1 = (float *)malloc(m * d.n * sizeof(float));
    lin_prepared prep;
    void *buf;
    lin_rng rng;
    int isa;
    (void)state;
    memset(&prep, 0, sizeof prep);
    assert_true(x && y0 && y1);
    lin_rng_seed(&rng, 7);
    randomize(x, m * d.k, &rng);
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        int other;
        if (!lin__isa_force(isa)) continue;
        bytes = lin_prepared_size(d.k, d.n);
        buf = malloc(bytes);
        assert_non_null(buf);
        assert_int_equal(lin_prepare_f32(&prep, d.w, d.b, d.k, d.n, buf, bytes), LIN_OK);
        assert_int_equal(lin_linear_f32(x, d.w, d.b, y0, m, d.k, d.n), LIN_OK);
        for (other = 0; other < LIN__ISA_COUNT; ++other) {
            if (!lin__isa_force(other)) continue;
            assert_int_equal(lin_linear_prepared_f32(&prep, x, y1, m), LIN_OK);
            expect_true(memcmp(y0, y1, m * d.n * sizeof(float)) == 0);
        }
        assert_true(lin__isa_force(isa));
        free(buf);
    }
    assert_true(lin__isa_force(-1));
    free(x);
    free(y0);
    free(y1);
    free_shape(&d);
}

/* Every bad call: its status, and not a byte of any output changed. */
static void test_prepared_errors(void **state)
{
    enum { IN = 5, OUT = 3, B = 2 };
    float w[OUT * IN], b[OUT], x[B * IN], y[B * OUT], big[320];   /* >= a 5 -> 3 buffer, any family */
    size_t bytes = lin_prepared_size(IN, OUT), i;
    unsigned char *buf = (unsigned char *)malloc(bytes + 64), *copy = (unsigned char *)malloc(bytes + 64);
    lin_prepared p, before;
    (void)state;
    assert_true(buf && copy && bytes > 0 && bytes <= sizeof big - 8);
    for (i = 0; i < OUT * IN; ++i) w[i] = (float)i;
    for (i = 0; i < OUT; ++i) b[i] = (float)i;
    for (i = 0; i < B * IN; ++i) x[i] = 1.0f;
    memset(buf, 0xa5, bytes + 64);
    memcpy(copy, buf, bytes + 64);
    memset(&p, 0x5a, sizeof p);
    before = p;

    /* sizes */
    expect_true(lin_prepared_size((size_t)-1, 2) == 0);
    expect_true(lin_prepared_size((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)) == 0);
    expect_true(lin_prepared_size(0, 0) > 0);
    /* out rounded up to whole panels overflows, with and without weights */
    expect_true(lin_prepared_size(0, (size_t)-1 - 20) == 0);
    expect_true(lin_prepared_size(1, (size_t)-1 - 20) == 0);
    /* lin_prepare_f32 */
    expect_int(lin_prepare_f32(NULL, w, b, IN, OUT, buf, bytes), LIN_ERR_NULL);
    expect_int(lin_prepare_f32(&p, NULL, b, IN, OUT, buf, bytes), LIN_ERR_NULL);
    expect_int(lin_prepare_f32(&p, w, b, IN, OUT, NULL, bytes), LIN_ERR_NULL);
    expect_int(lin_prepare_f32(&p, w, b, IN, OUT, buf, bytes - 1), LIN_ERR_SIZE);
    expect_int(lin_prepare_f32(&p, w, b, (size_t)-1, 2, buf, bytes), LIN_ERR_OVERFLOW);
    expect_int(lin_prepare_f32(&p, big, b, IN, OUT, big + 2, sizeof big - 8), LIN_ERR_ALIAS);
    expect_int(lin_prepare_f32(&p, w, big, IN, OUT, big + 1, sizeof big - 4), LIN_ERR_ALIAS);
    expect_int(lin_prepare_f32((lin_prepared *)(void *)(buf + 8), w, b, IN, OUT, buf, bytes), LIN_ERR_ALIAS);
    expect_true(memcmp(&p, &before, sizeof p) == 0);
    expect_true(memcmp(buf, copy, bytes + 64) == 0);

    /* lin_linear_prepared_f32 */
    assert_int_equal(lin_prepare_f32(&p, w, b, IN, OUT, buf, bytes), LIN_OK);
    fill_sentinel(y, B * OUT);
    expect_int(lin_linear_prepared_f32(NULL, x, y, B), LIN_ERR_NULL);
    expect_int(lin_linear_prepared_f32(&p, NULL, y, B), LIN_ERR_NULL);
    expect_int(lin_linear_prepared_f32(&p, x, NULL, B), LIN_ERR_NULL);
    expect_int(lin_linear_prepared_f32(&p, x, y, (size_t)-1), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_prepared_f32(&p, x, x + 1, B), LIN_ERR_ALIAS);
    expect_int(lin_linear_prepared_f32(&p, x, (float *)(void *)buf, 1), LIN_ERR_ALIAS);
    expect_int(lin_linear_prepared_f32(&p, x, (float *)(void *)(buf + bytes - 4), 1), LIN_ERR_ALIAS);
    assert_untouched(y, B * OUT);
    for (i = 0; i < B * IN; ++i) expect_true(x[i] == 1.0f);
    /* batch 0 writes nothing and needs no buffers */
    expect_int(lin_linear_prepared_f32(&p, NULL, NULL, 0), LIN_OK);
    /* the worked example */
    {
        float W[6] = {1, 2, 3, 4, 5, 6}, bb[2] = {0, 1}, xx[3] = {1, 2, 3}, yy[2];
        assert_int_equal(lin_prepare_f32(&p, W, bb, 3, 2, buf, bytes), LIN_OK);
        assert_int_equal(lin_linear_prepared_f32(&p, xx, yy, 1), LIN_OK);
        expect_true(yy[0] == 14.0f && yy[1] == 33.0f);
    }
    /* in_features 0: y = bias */
    assert_int_equal(lin_prepare_f32(&p, NULL, b, 0, OUT, buf, bytes), LIN_OK);
    assert_int_equal(lin_linear_prepared_f32(&p, NULL, y, B), LIN_OK);
    for (i = 0; i < B * OUT; ++i) expect_true(y[i] == b[i % OUT]);
    free(buf);
    free(copy);
}

#ifndef LIN_NO_TRAIN
/* Accumulating products (autograd adds into .grad) under every family:
   lin_matmul_backward's grad_a += grad_out . b^T takes the dot products
   for 1-4 rows (whole groups of four outputs, a last group of fewer, a
   tail of k), grad_b += a^T . grad_out the packed GEMM; each against the
   old gradient plus a float64 product. */
static void test_dispatch_accumulate(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t sh[][3] = {{1, 9, 12}, {3, 5, 8}};
#else
    static const size_t sh[][3] = {{1, 37, 67}, {2, 64, 33}, {3, 9, 70}, {4, 40, 16}, {6, 21, 45}};
#endif
    int isa, fails = 0;
    size_t s, i, j, p;
    (void)state;
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        if (!lin__isa_force(isa)) continue;
        for (s = 0; s < COUNT(sh); ++s) {
            const size_t m = sh[s][0], k = sh[s][1], n = sh[s][2];
            float *a = (float *)malloc(m * k * sizeof(float)), *b = (float *)malloc(k * n * sizeof(float));
            float *go = (float *)malloc(m * n * sizeof(float)), *ga = (float *)malloc(m * k * sizeof(float));
            float *gb = (float *)malloc(k * n * sizeof(float)), *ga0 = (float *)malloc(m * k * sizeof(float));
            float *gb0 = (float *)malloc(k * n * sizeof(float));
            lin_tensor ta, tb, tgo, tga, tgb;
            lin_rng rng;
            if (!a || !b || !go || !ga || !gb || !ga0 || !gb0) abort();
            lin_rng_seed(&rng, 11 + s);
            randomize(a, m * k, &rng);
            randomize(b, k * n, &rng);
            randomize(go, m * n, &rng);
            randomize(ga0, m * k, &rng);
            randomize(gb0, k * n, &rng);
            memcpy(ga, ga0, m * k * sizeof(float));
            memcpy(gb, gb0, k * n * sizeof(float));
            ta = lin_matrix(a, m, k);
            tb = lin_matrix(b, k, n);
            tgo = lin_matrix(go, m, n);
            tga = lin_matrix(ga, m, k);
            tgb = lin_matrix(gb, k, n);
            if (lin_matmul_backward(&ta, &tb, &tgo, &tga, &tgb) != LIN_OK) ++fails;
            for (i = 0; i < m; ++i)         /* grad_a (m, k) += grad_out (m, n) . b^T */
                for (j = 0; j < k; ++j) {
                    double ref = ga0[i * k + j], mag = fabs(ref);
                    for (p = 0; p < n; ++p) {
                        ref += (double)go[i * n + p] * b[j * n + p];
                        mag += fabs((double)go[i * n + p] * b[j * n + p]);
                    }
                    fails += !close_enough(ga[i * k + j], ref, mag, n);
                }
            for (i = 0; i < k; ++i)         /* grad_b (k, n) += a^T (k, m) . grad_out (m, n) */
                for (j = 0; j < n; ++j) {
                    double ref = gb0[i * n + j], mag = fabs(ref);
                    for (p = 0; p < m; ++p) {
                        ref += (double)a[p * k + i] * go[p * n + j];
                        mag += fabs((double)a[p * k + i] * go[p * n + j]);
                    }
                    fails += !close_enough(gb[i * n + j], ref, mag, m);
                }
            free(a); free(b); free(go); free(ga); free(gb); free(ga0); free(gb0);
        }
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}
#endif

#ifndef LIN_NO_INT8
/* int8: every family's kernels (VNNI's four rows, AVX2's and SSE2's
   vpmaddwd, the portable loop) give the reference's exact outputs,
   per-tensor and per-channel, with input offsets that do and do not skip
   the weight-sum pass, and with a weight offset; with rows of W and of x
   left over past the kernels' groups of four and two. */
static void test_dispatch_int8_same(void **state)
{
#if defined(TEST_SMALL_RAM)
    static const size_t sh[][3] = {{1, 3, 2}, {1, 64, 8}, {3, 33, 9}, {2, 17, 5}};
#else
    static const size_t sh[][3] = {{1, 3, 2}, {1, 64, 64}, {3, 100, 37}, {2, 1000, 9}, {5, 17, 65}, {1, 130, 8},
                                   {4, 48, 11}};
#endif
    lin_quant q = {3, 0, -5, 1518500250, -9, -128, 127};
    size_t s, i;
    int fails = 0;
    (void)state;
    for (s = 0; s < COUNT(sh); ++s) {
        size_t m = sh[s][0], k = sh[s][1], n = sh[s][2];
        int8_t *x = (int8_t *)malloc(m * k), *w = (int8_t *)malloc(n * k);
        int8_t *yt = (int8_t *)malloc(m * n), *yc = (int8_t *)malloc(m * n), *y = (int8_t *)malloc(m * n);
        int32_t *b = (int32_t *)malloc(n * sizeof(int32_t)), *mult = (int32_t *)malloc(n * sizeof(int32_t));
        int32_t *shift = (int32_t *)malloc(n * sizeof(int32_t));
        int isa, offset;
        assert_true(x && w && yt && yc && y && b && mult && shift);
        for (i = 0; i < m * k; ++i) x[i] = (int8_t)(test_rand() % 256 - 128);
        for (i = 0; i < n * k; ++i) w[i] = (int8_t)(test_rand() % 255 - 127);
        for (i = 0; i < n; ++i) {
            b[i] = (int32_t)(test_rand() % 20001) - 10000;
            mult[i] = 1073741824 + (int32_t)(test_rand() % 1000000);
            shift[i] = -(int32_t)(test_rand() % 10) - 4;
        }
        for (offset = 0; offset < 3; ++offset) {
            q.input_offset = offset == 1 ? 128 : offset == 2 ? -20 : 3;
            q.weight_offset = offset == 2 ? 5 : 0;
            ref_linear_s8(x, w, b, yt, m, k, n, &q, NULL, NULL);
            ref_linear_s8(x, w, b, yc, m, k, n, &q, mult, shift);
            for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
                if (!lin__isa_force(isa)) continue;
                assert_int_equal(lin_linear_s8(x, w, b, y, m, k, n, &q), LIN_OK);
                if (memcmp(yt, y, m * n) != 0) {
                    print_message("int8 %zux%zux%zu: %s differs\n", m, k, n, isa_names[isa]);
                    ++fails;
                }
                assert_int_equal(lin_linear_s8_per_channel(x, w, b, y, m, k, n, &q, mult, shift), LIN_OK);
                if (memcmp(yc, y, m * n) != 0) {
                    print_message("int8 per-channel %zux%zux%zu: %s differs\n", m, k, n, isa_names[isa]);
                    ++fails;
                }
            }
        }
        free(x); free(w); free(yt); free(yc); free(y); free(b); free(mult); free(shift);
    }
    assert_true(lin__isa_force(-1));
    assert_int_equal(fails, 0);
}
#endif

/* `digest`: a line per family and shape, "<family> <b>x<in>x<out> <hash>" */
static int print_digests(void)
{
    int isa;
    size_t s;
    for (isa = 0; isa < LIN__ISA_COUNT; ++isa) {
        if (!lin__isa_force(isa)) continue;
        for (s = 0; s < COUNT(shapes); ++s) {
            shape_data d = make_shape(s);
            if (lin_linear_f32(d.x, d.w, d.b, d.y, d.m, d.k, d.n) != LIN_OK) return 1;
            printf("%s %zux%zux%zu %016llx\n", lin_cpu_isa(), d.m, d.k, d.n,
                   (unsigned long long)digest(d.y, d.m * d.n));
            free_shape(&d);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        TEST(test_dispatch_detects),
        TEST(test_dispatch_force_refused),
        TEST(test_dispatch_every_family),
        TEST(test_dispatch_alignment_same_bits),
        TEST(test_prepared_keeps_its_family),
        TEST(test_prepared_errors),
        TEST(test_scratch_blocks),
        TEST(test_scratch_errors),
#ifndef LIN_NO_TRAIN
        TEST(test_dispatch_accumulate),
#endif
#ifndef LIN_NO_INT8
        TEST(test_dispatch_int8_same),
#endif
    };
#ifndef FW_CORE     /* firmware has no command line (its argv is not to be read) */
    if (argc > 1 && strcmp(argv[1], "digest") == 0) return print_digests();
#else
    (void)argc;
    (void)argv;
    (void)print_digests;
#endif
    return cmocka_run_group_tests(tests, NULL, NULL);
}
