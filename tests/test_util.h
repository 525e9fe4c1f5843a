/* test_util.h - what the linear.h suites share: sentinels, strided layouts,
   a double-precision reference and the float32 tolerance. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linear.h"

/* Sizes that scale with the RAM a suite runs in: the firmware build for the
   16 KiB micro:bit defines TEST_SMALL_RAM and takes the second value. */
#ifdef TEST_SMALL_RAM
#define TEST_SIZE(big, small) (small)
#else
#define TEST_SIZE(big, small) (big)
#endif

/* A NaN with a payload no arithmetic produces: an output element that
   still holds it was not written. A quiet NaN, so that x87 (i386), which
   quiets a signalling NaN on every load, keeps its bits. */
#define SENTINEL_BITS 0x7fe5a5a5u

static inline float sentinel(void)
{
    float f;
    uint32_t u = SENTINEL_BITS;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline void fill_sentinel(float *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) p[i] = sentinel();
}

static inline int is_sentinel(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == SENTINEL_BITS;
}

/* 1 when this host stores integers least significant byte first */
static inline int test_host_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The whole file at path, malloc'd (one byte more, so an empty file has
   a buffer), *len its bytes; the test fails if it cannot be read. */
static inline unsigned char *test_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!fp) fail_msg("cannot open %s", path);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    buf = (unsigned char *)malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Every one of the n floats still holds the sentinel. */
#define assert_untouched(p, n)                                              \
    do {                                                                    \
        size_t i_;                                                          \
        for (i_ = 0; i_ < (size_t)(n); ++i_)                                \
            if (!is_sentinel((p)[i_])) fail_msg("element %zu was written", i_); \
    } while (0)

static inline uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float float_of_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Offset of the element with contiguous (row-major) index `flat` in t. */
static inline ptrdiff_t offset_of(const lin_tensor *t, size_t flat)
{
    ptrdiff_t off = 0;
    int d;
    for (d = t->ndim - 1; d >= 0; --d) {
        off += (ptrdiff_t)(flat % t->shape[d]) * t->stride[d];
        flat /= t->shape[d];
    }
    return off;
}

/* Strides for a layout of shape: 0 row-major, 1 padded (every element two
   apart, every row three more), 2 column-major (what .T of a contiguous
   tensor of the reversed shape gives). Returns the buffer length needed. */
enum { LAYOUT_CONTIGUOUS, LAYOUT_PADDED, LAYOUT_COLUMN_MAJOR, LAYOUT_COUNT };

static inline size_t layout_strides(int layout, int ndim, const size_t *shape, ptrdiff_t *stride)
{
    size_t extent = 0;
    int d;
    if (layout == LAYOUT_COLUMN_MAJOR) {
        ptrdiff_t s = 1;
        for (d = 0; d < ndim; ++d) {
            stride[d] = s;
            s *= (ptrdiff_t)(shape[d] ? shape[d] : 1);
        }
    } else {
        ptrdiff_t s = layout == LAYOUT_PADDED ? 2 : 1;
        for (d = ndim - 1; d >= 0; --d) {
            stride[d] = s;
            s = s * (ptrdiff_t)(shape[d] ? shape[d] : 1) + (layout == LAYOUT_PADDED ? 3 : 0);
        }
    }
    for (d = 0; d < ndim; ++d) {
        if (!shape[d]) return 1;
        extent += (shape[d] - 1) * (size_t)stride[d];
    }
    return extent + 1;
}

/* A tensor in its own malloc'd buffer, laid out as asked, gaps holding the
   sentinel (so a kernel that reads a gap makes a NaN that shows). */
typedef struct test_tensor {
    lin_tensor t;
    float *buf;
    size_t len;
} test_tensor;

static inline test_tensor make_tensor(int layout, int ndim, const size_t *shape, const float *values)
{
    test_tensor r;
    size_t i, n = 1;
    int d;
    memset(&r, 0, sizeof r);
    r.t.ndim = ndim;
    for (d = 0; d < ndim; ++d) {
        r.t.shape[d] = shape[d];
        n *= shape[d];
    }
    r.len = layout_strides(layout, ndim, shape, r.t.stride);
    r.buf = (float *)malloc(r.len * sizeof(float));
    assert_non_null(r.buf);
    fill_sentinel(r.buf, r.len);
    r.t.data = r.buf;
    if (layout == LAYOUT_COLUMN_MAJOR && ndim > 0) {
        /* the same view, built the way a user would: .T of the reversed tensor */
        size_t rev[LIN_MAX_DIMS];
        lin_tensor base;
        for (d = 0; d < ndim; ++d) rev[d] = shape[ndim - 1 - d];
        base = lin_tensor_view(r.buf, ndim, rev);
        r.t = lin_transpose(&base);
    }
    if (values)
        for (i = 0; i < n; ++i) r.buf[offset_of(&r.t, i)] = values[i];
    return r;
}

static inline void free_tensor(test_tensor *t)
{
    free(t->buf);
    t->buf = NULL;
}

/* The gaps of a laid-out output (every element not in the view) were not
   written. */
static inline void assert_gaps_untouched(const test_tensor *t)
{
    size_t n = lin_numel(&t->t), i;
    char *in_view = (char *)calloc(t->len, 1);
    assert_non_null(in_view);
    for (i = 0; i < n; ++i) in_view[offset_of(&t->t, i)] = 1;
    for (i = 0; i < t->len; ++i)
        if (!in_view[i] && !is_sentinel(t->buf[i])) fail_msg("gap %zu was written", i);
    free(in_view);
}

/* Does got agree with a float64 reference, to float32 rounding? For a sum
   of K products and a bias, each of the K+1 additions and the products may
   round by 2^-24 relative to the sum of magnitudes seen so far, so
   |got - ref| <= (K + 2)*2^-24*(sum|x_i*w_i| + |b|). NaN must stay NaN, and an
   infinity must be the same infinity. */
static inline int close_enough(float got, double ref, double magnitude, size_t k)
{
    if (isnan(ref)) return isnan(got);
    if (isinf(ref)) return (double)got == ref;
    if (isnan(got) || isinf(got)) return 0;
    return fabs((double)got - ref) <= ((double)k + 2.0) * ldexp(magnitude, -24);
}

/* out = a @ b in double, with torch.matmul's rules, for views that
   lin_matmul_shape accepted; mag receives |a| @ |b|. Both out arrays are
   contiguous in the result's shape. */
static inline void ref_matmul(const lin_tensor *a, const lin_tensor *b, const lin_tensor *bias,
                       double *out, double *mag)
{
    int ndim = 0, da = a->ndim, db = b->ndim, nb, d;
    size_t shape[LIN_MAX_DIMS], total, flat, m, n, k, p;
    assert_int_equal(lin_matmul_shape(a, b, &ndim, shape), LIN_OK);
    k = a->shape[da - 1];
    m = da >= 2 ? a->shape[da - 2] : 1;
    n = db >= 2 ? b->shape[db - 1] : 1;
    nb = ndim - (da >= 2) - (db >= 2);
    total = 1;
    for (d = 0; d < ndim; ++d) total *= shape[d];
    for (flat = 0; flat < total; ++flat) {
        size_t idx[LIN_MAX_DIMS], rest = flat, i, j;
        ptrdiff_t oa = 0, ob = 0;
        double s = 0.0, sm = 0.0;
        for (d = ndim - 1; d >= 0; --d) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        i = da >= 2 ? idx[nb] : 0;
        j = db >= 2 ? idx[ndim - 1] : 0;
        for (d = 0; d < nb; ++d) {       /* batch dims, right-aligned */
            int ia = d - (nb - (da - 2)), ib = d - (nb - (db - 2));
            if (ia >= 0 && a->shape[ia] > 1) oa += (ptrdiff_t)idx[d] * a->stride[ia];
            if (ib >= 0 && b->shape[ib] > 1) ob += (ptrdiff_t)idx[d] * b->stride[ib];
        }
        if (da >= 2) oa += (ptrdiff_t)i * a->stride[da - 2];
        if (db >= 2) ob += (ptrdiff_t)j * b->stride[db - 1];
        for (p = 0; p < k; ++p) {
            double x = a->data[oa + (ptrdiff_t)p * a->stride[da - 1]];
            double w = b->data[ob + (ptrdiff_t)p * b->stride[db >= 2 ? db - 2 : 0]];
            s += x * w;
            sm += fabs(x * w);
        }
        if (bias && bias->data) {
            double bv = bias->ndim && bias->shape[0] > 1 ? bias->data[(ptrdiff_t)j * bias->stride[0]]
                                                         : bias->data[0];
            s += bv;
            sm += fabs(bv);
        }
        out[flat] = s;
        mag[flat] = sm;
    }
    (void)m;
    (void)n;
}

/* Every element of out agrees with the reference arrays (row-major). */
static inline void assert_close_to(const lin_tensor *out, const double *ref, const double *mag,
                            size_t k, const char *what)
{
    size_t n = lin_numel(out), i;
    for (i = 0; i < n; ++i) {
        float got = out->data[offset_of(out, i)];
        if (!close_enough(got, ref[i], mag[i], k))
            fail_msg("%s: element %zu is %.9g, PyTorch/reference %.17g (magnitude %.3g, K %zu)",
                     what, i, (double)got, ref[i], mag[i], k);
    }
}

/* A small deterministic generator for test data (not the library's). */
/* Every test's own random stream: TEST() below restarts it before each
   test, so a test's data do not depend on which tests ran before it. */
#define TEST_RAND_SEED 12345u
static uint32_t test_rand_state = TEST_RAND_SEED;
static inline uint32_t test_rand(void)
{
    test_rand_state = test_rand_state * 1664525u + 1013904223u;
    return test_rand_state >> 8;
}
static inline float test_randf(void) { return (float)test_rand() / 8388608.0f - 1.0f; }
static inline size_t test_randn(size_t n) { return n ? test_rand() % n : 0; }

/* Checks that report and go on: a table of cases runs every row, and the
   test fails after its last one with the count (test_teardown), so one
   broken case does not hide the others. */
static int test_failures;
#define expect_int(got, want) test_expect_int((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define expect_true(c) test_expect_int((c) ? 1 : 0, 1, #c, __FILE__, __LINE__)
static inline void test_expect_int(long long got, long long want, const char *what, const char *file,
                                   int line)
{
    if (got == want) return;
    print_error("%s:%d: %s is %lld, expected %lld\n", file, line, what, got, want);
    ++test_failures;
}
/* the message an explain function wrote holds `want` */
#define expect_msg(msg, want) test_expect_msg((msg), (want), __FILE__, __LINE__)
static inline void test_expect_msg(const char *msg, const char *want, const char *file, int line)
{
    if (strstr(msg, want)) return;
    print_error("%s:%d: message \"%s\" lacks \"%s\"\n", file, line, msg, want);
    ++test_failures;
}

static inline int test_setup(void **state)
{
    (void)state;
    test_rand_state = TEST_RAND_SEED;
    test_failures = 0;
    return 0;
}

static inline int test_teardown(void **state)
{
    (void)state;
    if (!test_failures) return 0;
    print_error("%d check(s) failed\n", test_failures);
    test_failures = 0;
    return -1;
}

#ifndef LIN_NO_INT8
/* ---- int8: a reference from TFLite's definitions, in exact integers
   (in the rounding LIN_SINGLE_ROUNDING selects) ---- */

#ifndef LIN_SINGLE_ROUNDING
/* n / 2^e rounded to nearest, ties away from zero: on the magnitude */
static inline int64_t ref_round_shift_away(int64_t n, int e)
{
    uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    uint64_t r = e ? (mag + ((uint64_t)1 << (e - 1))) >> e : mag;
    return n < 0 ? -(int64_t)r : (int64_t)r;
}
#else
/* floor((n + 2^(e-1)) / 2^e): ties toward +infinity */
static inline int64_t ref_round_shift_up(int64_t n, int e)
{
    int64_t t = n + ((int64_t)1 << (e - 1));
    int64_t q = t / ((int64_t)1 << e);
    return q * ((int64_t)1 << e) > t ? q - 1 : q;   /* C truncates; floor it */
}
#endif

static inline int64_t ref_requant(int64_t acc, int32_t m, int32_t shift)
{
#ifdef LIN_SINGLE_ROUNDING
    return ref_round_shift_up(acc * m, 31 - shift);
#else
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int64_t scaled = acc * ((int64_t)1 << left), high;
    if (scaled > INT32_MAX) scaled = INT32_MAX;
    if (scaled < INT32_MIN) scaled = INT32_MIN;
    high = (scaled == INT32_MIN && m == INT32_MIN) ? INT32_MAX : ref_round_shift_away(scaled * m, 31);
    return ref_round_shift_away(high, right);
#endif
}

static inline void ref_linear_s8(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, size_t batch,
                                 size_t in, size_t out, const lin_quant *q, const int32_t *pm, const int32_t *ps)
{
    size_t i, j, p;
    for (i = 0; i < batch; ++i)
        for (j = 0; j < out; ++j) {
            int64_t acc = 0, v;
            for (p = 0; p < in; ++p)
                acc += ((int64_t)x[i * in + p] + q->input_offset) * ((int64_t)w[j * in + p] + q->weight_offset);
            if (b) acc += b[j];
            if (acc > INT32_MAX) acc = INT32_MAX;
            if (acc < INT32_MIN) acc = INT32_MIN;
            v = ref_requant(acc, pm ? pm[j] : q->multiplier, ps ? ps[j] : q->shift) + q->output_offset;
            y[i * out + j] = (int8_t)(v < q->act_min ? q->act_min : v > q->act_max ? q->act_max : v);
        }
}
#endif

/* A test with its own random stream and its expect_* checks counted. */
#define TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

#endif
