/* test_export_forward.c - the forward tools/export_torch.py generates for an
   nn.Sequential (tests/gen_export_forward.py writes the fixtures): model A,
   every supported module, in float and in each compressed weight form;
   model B, an activation before the first Linear and LogSoftmax; two int8
   models. All eight headers in one translation unit, each its prefix. Each
   forward, at batch 1 and at an odd batch, is within the bound the
   generator derived (fwd_expected.h: float32 rounding per layer carried
   through the layers for the float forms, one quantization step per layer
   for int8) of a float64 reference on the weights the header holds; the
   distance to PyTorch's float model is printed. The same weights loaded
   from the safetensors files through <prefix>_load give the same bits;
   a file with a wrong dtype, shape or name gives a status; NULL pointers
   give LIN_ERR_NULL and a failing step leaves y untouched. */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

#include "fixtures/export/fwd_expected.h"
#include "fixtures/export/fwd_a_f32.h"
#include "fixtures/export/fwd_b.h"
#ifndef LIN_NO_WFORMATS
#include "fixtures/export/fwd_a_bf16.h"
#include "fixtures/export/fwd_a_f16.h"
#include "fixtures/export/fwd_a_q4w.h"
#include "fixtures/export/fwd_a_q8w.h"
#endif
#ifndef LIN_NO_INT8
#include "fixtures/export/fwd_s8.h"
#include "fixtures/export/fwd_s8b.h"
#endif

enum { ROWS = 7, MAX_OUT = 10, SCRATCH_FLOATS = 1024 };

typedef lin_status (*forward_fn)(const float *x, float *y, size_t batch, void *scratch);

typedef struct fwd_case {
    const char *name;
    forward_fn forward;
    size_t in, out, scratch_bytes;    /* scratch_bytes: the macro at ROWS */
    const float *x;
    const double *ref, *bound, *torch;
} fwd_case;

#define FWD_CASE(p, P) \
    {#p, p##_forward, P##_IN, P##_OUT, P##_FORWARD_SCRATCH(ROWS), p##_x, p##_ref, p##_bound, p##_torch}

static const fwd_case cases[] = {
    FWD_CASE(fwd_a_f32, FWD_A_F32),
    FWD_CASE(fwd_b, FWD_B),
#ifndef LIN_NO_WFORMATS
    FWD_CASE(fwd_a_f16, FWD_A_F16),
    FWD_CASE(fwd_a_bf16, FWD_A_BF16),
    FWD_CASE(fwd_a_q8w, FWD_A_Q8W),
    FWD_CASE(fwd_a_q4w, FWD_A_Q4W),
#endif
#ifndef LIN_NO_INT8
    FWD_CASE(fwd_s8, FWD_S8),
    FWD_CASE(fwd_s8b, FWD_S8B),
#endif
};
#define NCASES (sizeof cases / sizeof cases[0])

static float scratch[SCRATCH_FLOATS];

/* Every supported module's forward within the generator's bound of the
   float64 reference, at batch ROWS and at batch 1 (row 0) */
static void test_forward_matches_reference(void **state)
{
    size_t c, i;
    (void)state;
    for (c = 0; c < NCASES; ++c) {
        const fwd_case *k = &cases[c];
        float y[ROWS * MAX_OUT], y1[MAX_OUT];
        double worst = 0.0, to_torch = 0.0;
        assert_true(k->out <= MAX_OUT && k->scratch_bytes <= sizeof scratch);
        fill_sentinel(y, ROWS * MAX_OUT);
        assert_int_equal(k->forward(k->x, y, ROWS, scratch), LIN_OK);
        assert_int_equal(k->forward(k->x, y1, 1, scratch), LIN_OK);
        for (i = 0; i < ROWS * k->out; ++i) {
            double d = fabs((double)y[i] - k->ref[i]);
            if (!(d <= k->bound[i]))
                fail_msg("%s: element %zu is %.9g, reference %.17g, bound %.3g", k->name, i, (double)y[i],
                         k->ref[i], k->bound[i]);
            if (d / k->bound[i] > worst) worst = d / k->bound[i];
            d = fabs((double)y[i] - k->torch[i]);
            if (d > to_torch) to_torch = d;
        }
        if (k->out < MAX_OUT) assert_true(is_sentinel(y[ROWS * k->out]));    /* nothing past y's rows */
        /* batch 1 (the matrix-vector kernels, another order of sums): row 0 */
        for (i = 0; i < k->out; ++i)
            if (!(fabs((double)y1[i] - k->ref[i]) <= k->bound[i]))
                fail_msg("%s at batch 1: element %zu is %.9g, reference %.17g, bound %.3g", k->name, i,
                         (double)y1[i], k->ref[i], k->bound[i]);
        print_message("%-10s %.2g of its bound at most; %.3g from PyTorch's float model\n", k->name, worst,
                      to_torch);
    }
}

/* NULL x, y or scratch with batch > 0: LIN_ERR_NULL, y untouched; batch 0
   is a no-op; a batch whose scratch size overflows: LIN_ERR_OVERFLOW */
static void test_forward_arguments(void **state)
{
    size_t c;
    (void)state;
    for (c = 0; c < NCASES; ++c) {
        const fwd_case *k = &cases[c];
        float y[ROWS * MAX_OUT];
        fill_sentinel(y, ROWS * MAX_OUT);
        assert_int_equal(k->forward(NULL, y, ROWS, scratch), LIN_ERR_NULL);
        assert_int_equal(k->forward(k->x, NULL, ROWS, scratch), LIN_ERR_NULL);
        assert_int_equal(k->forward(k->x, y, ROWS, NULL), LIN_ERR_NULL);
        assert_int_equal(k->forward(NULL, NULL, 0, NULL), LIN_OK);
        assert_int_equal(k->forward(k->x, y, (size_t)-1 / 2, scratch), LIN_ERR_OVERFLOW);
        assert_untouched(y, ROWS * MAX_OUT);
    }
    assert_int_equal(fwd_a_f32_forward_weights(NULL, fwd_a_f32_x, scratch, 1, scratch + 512), LIN_ERR_NULL);
}

/* A step that fails (here the last Linear's weight missing, so after the
   earlier steps ran) returns its status and leaves y as it was */
static void test_forward_failing_step_leaves_y(void **state)
{
    fwd_a_f32_weights w = fwd_a_f32_baked_weights;
    float y[ROWS * MAX_OUT];
    (void)state;
    w.weight_11 = NULL;
    fill_sentinel(y, ROWS * MAX_OUT);
    assert_int_equal(fwd_a_f32_forward_weights(&w, fwd_a_f32_x, y, ROWS, scratch), LIN_ERR_NULL);
    assert_untouched(y, ROWS * MAX_OUT);
    /* y on the scratch: the last Linear's output overlaps its input there */
    w = fwd_a_f32_baked_weights;
    assert_int_equal(fwd_a_f32_forward_weights(&w, scratch, y, ROWS, scratch), LIN_ERR_ALIAS);
    assert_untouched(y, ROWS * MAX_OUT);
#ifndef LIN_NO_INT8
    {
        fwd_s8_weights q = fwd_s8_baked_weights;
        q.quant_4.act_min = 100;                /* above act_max: LIN_ERR_VALUE */
        q.quant_4.act_max = 99;
        assert_int_equal(fwd_s8_forward_weights(&q, fwd_s8_x, y, ROWS, scratch), LIN_ERR_VALUE);
        assert_untouched(y, ROWS * MAX_OUT);
    }
#endif
}

#ifndef LIN_NO_SAFETENSORS
/* The first occurrence of s in the file's first n bytes (the header), or NULL */
static unsigned char *find_in(unsigned char *buf, size_t n, const char *s)
{
    size_t i, len = strlen(s);
    for (i = 0; i + len <= n; ++i)
        if (memcmp(buf + i, s, len) == 0) return buf + i;
    return NULL;
}

static unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURE_DIR "/export/%s.safetensors", name);
    return test_read_file(path, len);
}

/* Loads name's file into w through load, runs it and compares with the
   baked forward's bits. Returns the file (the caller frees it). */
#define CHECK_LOADED(p)                                                                  \
    do {                                                                                 \
        p##_weights w;                                                                   \
        size_t len;                                                                      \
        unsigned char *file = read_fixture(#p, &len);                                    \
        float a[ROWS * MAX_OUT], b[ROWS * MAX_OUT];                                      \
        lin_status s;                                                                    \
        memset(&w, 0, sizeof w);                                                         \
        s = p##_load(&w, file, len);                                                     \
        if (!test_host_little()) {                                                       \
            assert_int_equal(s, LIN_ERR_DTYPE); /* the file's numbers are little-endian */ \
        } else {                                                                         \
            assert_int_equal(s, LIN_OK);                                                 \
            assert_int_equal(p##_forward_weights(&w, p##_x, a, ROWS, scratch), LIN_OK);  \
            assert_int_equal(p##_forward(p##_x, b, ROWS, scratch), LIN_OK);              \
            assert_memory_equal(a, b, sizeof(float) * ROWS * p##_OUT_OF);                \
        }                                                                                \
        free(file);                                                                      \
    } while (0)

#define fwd_a_f32_OUT_OF FWD_A_F32_OUT
#define fwd_b_OUT_OF FWD_B_OUT
#define fwd_a_f16_OUT_OF FWD_A_F16_OUT
#define fwd_a_bf16_OUT_OF FWD_A_BF16_OUT
#define fwd_a_q8w_OUT_OF FWD_A_Q8W_OUT
#define fwd_a_q4w_OUT_OF FWD_A_Q4W_OUT
#define fwd_s8_OUT_OF FWD_S8_OUT
#define fwd_s8b_OUT_OF FWD_S8B_OUT

static void test_load_safetensors(void **state)
{
    (void)state;
    CHECK_LOADED(fwd_a_f32);
    CHECK_LOADED(fwd_b);
#ifndef LIN_NO_WFORMATS
    CHECK_LOADED(fwd_a_f16);
    CHECK_LOADED(fwd_a_bf16);
    CHECK_LOADED(fwd_a_q8w);
    CHECK_LOADED(fwd_a_q4w);
#endif
#ifndef LIN_NO_INT8
    CHECK_LOADED(fwd_s8);
    CHECK_LOADED(fwd_s8b);
#endif
}

/* One byte changed in the header: the loader says which kind of mistake,
   and leaves *w as it was */
static void test_load_refuses(void **state)
{
    size_t len, hdr;
    unsigned char *file = read_fixture("fwd_a_f32", &len);
    unsigned char *copy = (unsigned char *)malloc(len), *p;
    fwd_a_f32_weights w, before;
    (void)state;
    assert_non_null(copy);
    hdr = 8 + (size_t)file[0] + ((size_t)file[1] << 8);
    memset(&w, 0x5a, sizeof w);
    before = w;
    /* a dtype of the same size: "F32" -> "I32" */
    memcpy(copy, file, len);
    p = find_in(copy, hdr, "\"2.bias\":{\"dtype\":\"F32\"");
    assert_non_null(p);
    p[19] = 'I';
    assert_int_equal(fwd_a_f32_load(&w, copy, len), LIN_ERR_DTYPE);
    /* a shape of the same size: (10, 32) -> (32, 10) */
    memcpy(copy, file, len);
    p = find_in(copy, hdr, "\"shape\":[10,32]");
    assert_non_null(p);
    memcpy(p, "\"shape\":[32,10]", 15);
    assert_int_equal(fwd_a_f32_load(&w, copy, len), LIN_ERR_SHAPE);
    /* a name: "11.bias" -> "11.bIas": missing */
    memcpy(copy, file, len);
    p = find_in(copy, hdr, "\"11.bias\"");
    assert_non_null(p);
    p[5] = 'I';
    assert_int_equal(fwd_a_f32_load(&w, copy, len), LIN_ERR_INDEX);
    /* not a safetensors file */
    assert_int_equal(fwd_a_f32_load(&w, copy, 7), LIN_ERR_FORMAT);
    assert_int_equal(fwd_a_f32_load(NULL, file, len), LIN_ERR_NULL);
    assert_memory_equal(&w, &before, sizeof w);
    free(copy);
    free(file);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_reference),
        cmocka_unit_test(test_forward_arguments),
        cmocka_unit_test(test_forward_failing_step_leaves_y),
#ifndef LIN_NO_SAFETENSORS
        cmocka_unit_test(test_load_safetensors),
        cmocka_unit_test(test_load_refuses),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
