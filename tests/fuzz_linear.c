/* fuzz_linear.c - differential fuzzing of lin_matmul, lin_linear and
   lin_linear_f32, under every kernel family the CPU runs, and the same
   layer prepared and with caller scratch; the int8 and int16x8 layers;
   the layers with f16, bf16, int8 and int4 weights; the activations; .npy
   and safetensors; PyTorch's generator; and, their buffers placed in one
   zone, the backward pass, the optimizers, the losses, LoRA, the
   quantizers, the per-channel int8 and the clamped float layers
   (libFuzzer; `make fuzz FUZZ_SECONDS=N`).

   The input bytes become an operation, ranks (invalid ones included),
   shapes (zero-size included), strides (zero, negative, padded, transposed,
   huge), offsets into one shared arena, so that views overlap, and values
   (NaN, Inf, -0, huge, subnormal). Every call is checked against what this
   file computes on its own: torch.matmul's shape rules, an exact overlap
   test by enumerating addresses, and a double-precision reference; and
   every error against "nothing written". */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linear.h"

#define ARENA 2048                       /* floats shared by every view */
#define MAXD 5                           /* ranks drawn: 0..MAXD, sometimes invalid */

typedef struct reader { const uint8_t *p; size_t n; } reader;

static unsigned take(reader *r, unsigned range)   /* 0..range-1; 0 once the bytes run out */
{
    unsigned v;
    if (!r->n || range <= 1) return 0;
    v = *r->p++;
    r->n--;
    if (range > 256 && r->n) { v = v << 8 | *r->p++; r->n--; }
    return v % range;
}

static float value(reader *r)
{
    static const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.0f, 1e30f, -1e30f,
                                    1e-40f, 3.4e38f, INFINITY, -INFINITY, NAN};
    unsigned k = take(r, 24);
    if (k < sizeof special / sizeof special[0]) return special[k];
    return (float)((int)take(r, 2001) - 1000) / 64.0f;
}

static float arena[ARENA], before[ARENA];

#ifdef FUZZ_STATS                       /* how often each outcome is reached */
static unsigned long stats[10];
static const char *stat_names[10] = {"views ok", "views error", "views overlap", "views refused",
                                     "f32 ok", "f32 overflow", "f32 overlap", "skipped", "s8 ok", "s8 refused"};
static void print_stats(void)
{
    int i;
    for (i = 0; i < 10; ++i) fprintf(stderr, "%-14s %lu\n", stat_names[i], stats[i]);
}
#define STAT(i) (++stats[i])
#else
#define STAT(i) ((void)0)
#endif

/* What a drawn view is, for the library: usable and inside the arena; bad
   (the library must refuse it: rank, negative stride, overflow, NULL data
   with elements); or valid but reaching past the arena (not called). */
enum { V_FITS, V_BAD, V_OUTSIDE };
typedef struct view { lin_tensor t; int kind; } view;

/* Sets kind from the view's fields, independently of the library. */
static void classify(view *v)
{
    size_t numel = 1, extent = 0;
    int d, over = 0;
    v->kind = V_BAD;
    if (v->t.ndim < 0 || v->t.ndim > LIN_MAX_DIMS) return;
    for (d = 0; d < v->t.ndim; ++d)
        if (v->t.stride[d] < 0) return;
    for (d = 0; d < v->t.ndim; ++d) {
        if (!v->t.shape[d]) { numel = 0; break; }
        if (numel > SIZE_MAX / v->t.shape[d]) over = 1;
        numel *= v->t.shape[d];
    }
    if (numel == 0) { v->kind = V_FITS; return; }
    if (over || numel > SIZE_MAX / sizeof(float)) return;
    for (d = 0; d < v->t.ndim; ++d) {
        size_t part, limit = (size_t)PTRDIFF_MAX / sizeof(float);
        if (v->t.shape[d] > 1 && (size_t)v->t.stride[d] > limit / (v->t.shape[d] - 1)) return;
        part = (v->t.shape[d] - 1) * (size_t)v->t.stride[d];
        if (part > limit - extent) return;
        extent += part;
    }
    if (!v->t.data) return;
    v->kind = (size_t)(v->t.data - arena) + extent < ARENA ? V_FITS : V_OUTSIDE;
}

/* Strides: contiguous, column-major, permuted, padded, random, with zeros,
   negative, huge; and now and then an invalid rank or NULL data. */
static void draw_strides(reader *r, view *v)
{
    unsigned kind = take(r, 16);
    int d, ndim = v->t.ndim < 0 ? 0 : v->t.ndim;
    size_t run = 1 + (kind == 3);       /* saturating: shapes may be huge */
    int perm[LIN_MAX_DIMS];
    if (kind == 13) kind = 8 + 4 * take(r, 2);      /* stride-0 dims, or a permutation, more often */
    for (d = 0; d < ndim; ++d) perm[d] = kind == 1 ? ndim - 1 - d : d;
    for (d = ndim - 1; kind == 12 && d > 0; --d) {   /* kind 12: dims in a random memory order */
        int e = (int)take(r, (unsigned)d + 1), t = perm[d];
        perm[d] = perm[e];
        perm[e] = t;
    }
    for (d = ndim - 1; d >= 0; --d) {
        int dd = perm[d];
        size_t sz = v->t.shape[dd] ? v->t.shape[dd] : 1;
        v->t.stride[dd] = run > (size_t)PTRDIFF_MAX ? PTRDIFF_MAX : (ptrdiff_t)run;
        run = run > (size_t)PTRDIFF_MAX / sz ? (size_t)PTRDIFF_MAX : run * sz;
        if (kind == 2 && run < (size_t)PTRDIFF_MAX) run += take(r, 3);
    }
    for (d = 0; d < ndim; ++d) {
        if (kind >= 4 && kind < 8) v->t.stride[d] = (ptrdiff_t)take(r, 9);
        if (kind == 8 && take(r, 3) == 0) v->t.stride[d] = 0;
        if (kind == 9 && take(r, 4) == 0) v->t.stride[d] = -(ptrdiff_t)take(r, 3) - 1;
        if (kind == 10 && take(r, 4) == 0) v->t.stride[d] = PTRDIFF_MAX / (1 + (ptrdiff_t)take(r, 8));
        if (kind == 11 && take(r, 4) == 0) v->t.shape[d] = SIZE_MAX / (1 + take(r, 8));
    }
    if (kind == 15) v->t.ndim = take(r, 2) ? -1 : LIN_MAX_DIMS + 1;
    v->t.data = take(r, 40) ? arena + take(r, ARENA) : NULL;
    classify(v);
}

static view make_view(reader *r, int ndim)
{
    view v;
    int d;
    memset(&v, 0, sizeof v);
    v.t.ndim = ndim;
    for (d = 0; d < ndim; ++d) v.t.shape[d] = take(r, 5) ? take(r, 6) : 1;
    draw_strides(r, &v);
    return v;
}

/* A view of exactly this shape (the result's), laid out as drawn. */
static view make_shaped_view(reader *r, int ndim, const size_t *shape)
{
    view v;
    memset(&v, 0, sizeof v);
    v.t.ndim = ndim;
    memcpy(v.t.shape, shape, (size_t)ndim * sizeof(size_t));
    draw_strides(r, &v);
    if (v.t.ndim == ndim) memcpy(v.t.shape, shape, (size_t)ndim * sizeof(size_t));
    classify(&v);
    return v;
}

static size_t numel_of(const lin_tensor *t)
{
    size_t n = 1;
    int d;
    for (d = 0; d < t->ndim; ++d) n *= t->shape[d];
    return n;
}

static ptrdiff_t offset_of(const lin_tensor *t, size_t flat)
{
    ptrdiff_t off = 0;
    int d;
    for (d = t->ndim - 1; d >= 0; --d) {
        off += (ptrdiff_t)(flat % t->shape[d]) * t->stride[d];
        flat /= t->shape[d];
    }
    return off;
}

/* Exact: do two views (in the arena) share an element? */
static int overlap(const lin_tensor *a, const lin_tensor *b, int self)
{
    static unsigned char mark[ARENA];
    size_t i, na = numel_of(a), nb = numel_of(b);
    int hit = 0;
    memset(mark, 0, sizeof mark);
    for (i = 0; i < na; ++i) {
        ptrdiff_t o = a->data - arena + offset_of(a, i);
        if (self && mark[o]) hit = 1;
        mark[o] = 1;
    }
    if (!self)
        for (i = 0; i < nb && !hit; ++i) hit = mark[b->data - arena + offset_of(b, i)];
    return hit;
}

/* torch.matmul's result shape, or 0 if the shapes do not combine. */
static int matmul_shape(const lin_tensor *a, const lin_tensor *b, int *nd, size_t *shape)
{
    int da = a->ndim, db = b->ndim, na = da > 2 ? da - 2 : 0, nb = db > 2 ? db - 2 : 0;
    int n = na > nb ? na : nb, d;
    if (da < 1 || db < 1) return 0;
    if (a->shape[da - 1] != b->shape[db >= 2 ? db - 2 : 0]) return 0;
    for (d = 0; d < n; ++d) {
        size_t sa = d - (n - na) >= 0 ? a->shape[d - (n - na)] : 1;
        size_t sb = d - (n - nb) >= 0 ? b->shape[d - (n - nb)] : 1;
        if (sa != sb && sa != 1 && sb != 1) return 0;
        shape[d] = sa == 1 ? sb : sa;
    }
    *nd = n;
    if (da >= 2) shape[(*nd)++] = a->shape[da - 2];
    if (db >= 2) shape[(*nd)++] = b->shape[db - 1];
    return 1;
}

/* Element `flat` of a @ b (+ bias), in double, with its magnitude. */
static void reference(const lin_tensor *a, const lin_tensor *b, const float *bias, ptrdiff_t bias_s,
                      int nd, const size_t *shape, size_t flat, double *val, double *mag)
{
    int da = a->ndim, db = b->ndim, nbatch = nd - (da >= 2) - (db >= 2), d;
    size_t idx[LIN_MAX_DIMS], k = a->shape[da - 1], p, j;
    ptrdiff_t oa = 0, ob = 0;
    double s = 0.0, m = 0.0;
    for (d = nd - 1; d >= 0; --d) {
        idx[d] = flat % shape[d];
        flat /= shape[d];
    }
    for (d = 0; d < nbatch && k; ++d) {   /* with k = 0, a and b are empty: any strides */
        int ia = d - (nbatch - (da - 2)), ib = d - (nbatch - (db - 2));
        if (ia >= 0 && a->shape[ia] > 1) oa += (ptrdiff_t)idx[d] * a->stride[ia];
        if (ib >= 0 && b->shape[ib] > 1) ob += (ptrdiff_t)idx[d] * b->stride[ib];
    }
    j = db >= 2 ? idx[nd - 1] : 0;
    if (da >= 2 && k) oa += (ptrdiff_t)idx[nbatch] * a->stride[da - 2];
    if (db >= 2 && k) ob += (ptrdiff_t)j * b->stride[db - 1];
    for (p = 0; p < k; ++p) {
        double x = a->data[oa + (ptrdiff_t)p * a->stride[da - 1]];
        double w = b->data[ob + (ptrdiff_t)p * b->stride[db >= 2 ? db - 2 : 0]];
        s += x * w;
        m += fabs(x * w);
    }
    if (bias) {
        s += bias[(ptrdiff_t)j * bias_s];
        m += fabs((double)bias[(ptrdiff_t)j * bias_s]);
    }
    *val = s;
    *mag = m;
}

static void check_value(float got, double ref, double mag, size_t k, const char *what)
{
    double tol = ((double)k + 2.0) * (ldexp(mag, -24) + ldexp(1.0, -149));
    if (mag > 1e37 || isnan(mag)) {          /* float may overflow where double does not */
        if (isnan(ref) && !isnan(got) && !(mag > 1e37)) goto bad;
        return;
    }
    if (isnan(ref) ? isnan(got) : isinf(ref) ? (double)got == ref : fabs((double)got - ref) <= tol)
        return;
bad:
    fprintf(stderr, "%s: got %.9g, reference %.17g (magnitude %g, K %zu)\n", what, (double)got, ref,
            mag, k);
    abort();
}

/* An explain function returns the call's status, "" on LIN_OK and words
   otherwise. */
static void expect_explained(const char *what, lin_status s, lin_status e, const char *msg)
{
    if (e != s || (s == LIN_OK) != (msg[0] == '\0')) {
        fprintf(stderr, "%s: %s against the call's %s, \"%s\"\n", what, lin_status_str(e), lin_status_str(s),
                msg);
        abort();
    }
}

static void expect_untouched(const char *what, lin_status s)
{
    if (memcmp(arena, before, sizeof arena)) {
        fprintf(stderr, "%s returned %s and wrote its output\n", what, lin_status_str(s));
        abort();
    }
}

/* After a success, only the elements of out changed. */
static void expect_only_out_written(const lin_tensor *out)
{
    static unsigned char in_out[ARENA];
    size_t i, n = numel_of(out);
    memset(in_out, 0, sizeof in_out);
    for (i = 0; i < n; ++i) in_out[out->data - arena + offset_of(out, i)] = 1;
    for (i = 0; i < ARENA; ++i)
        if (!in_out[i] && memcmp(&arena[i], &before[i], sizeof(float))) {
            fprintf(stderr, "element %zu outside out was written\n", i);
            abort();
        }
}

static void fuzz_views(reader *r, int linear)
{
    view a, b, bias, out;
    size_t shape[LIN_MAX_DIMS], i, n;
    int nd = 0, use_bias, has_bias, expect_ok, combine;
    lin_tensor wt;
    lin_status s;

    a = make_view(r, (int)take(r, MAXD + 1));
    b = make_view(r, linear ? (int)take(r, 3) : (int)take(r, MAXD + 1));
    bias = make_view(r, (int)take(r, 2));
    use_bias = linear && take(r, 3) != 0;
    /* a bias view without data (lin_layer_bias of a layer without one) is no bias */
    has_bias = use_bias && !(bias.t.ndim >= 0 && bias.t.ndim <= LIN_MAX_DIMS && !bias.t.data);
    wt = linear ? lin_transpose(&b.t) : b.t;
    combine = a.kind == V_FITS && b.kind == V_FITS && matmul_shape(&a.t, &wt, &nd, shape);
    out = combine && take(r, 8) ? make_shaped_view(r, nd, shape) : make_view(r, (int)take(r, MAXD + 1));
    if (a.kind == V_OUTSIDE || b.kind == V_OUTSIDE || out.kind == V_OUTSIDE ||
        (has_bias && bias.kind == V_OUTSIDE))
    {
        STAT(7);
        return;                         /* memory the caller does not own: not a test */
    }

    if (combine) {                      /* huge shapes over stride-0 data are legal, and slow */
        double work = (double)(a.t.shape[a.t.ndim - 1] + 1);
        for (i = 0; i < (size_t)nd; ++i) work *= (double)shape[i];
        if (work > 1e6) {
            STAT(7);
            return;
        }
    }
    expect_ok = combine && out.kind == V_FITS && (!has_bias || bias.kind == V_FITS) &&
                out.t.ndim == nd;
    for (i = 0; expect_ok && i < (size_t)nd; ++i) expect_ok = out.t.shape[i] == shape[i];
    if (linear) {
        expect_ok = expect_ok && (b.t.ndim == 2 || (b.t.ndim == 1 && !has_bias));
        if (expect_ok && has_bias) {
            size_t nb = bias.t.ndim ? bias.t.shape[0] : 1, ncol = b.t.shape[0];
            expect_ok = bias.t.ndim <= 1 && (nb == ncol || nb == 1);
        }
    }

    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    memcpy(before, arena, sizeof arena);
    s = linear ? lin_linear(&a.t, &b.t, use_bias ? &bias.t : NULL, &out.t)
               : lin_matmul(&a.t, &b.t, &out.t);
    {   /* the explanation agrees with the call and says something on error */
        char msg[256];
        lin_status e = linear ? lin_linear_explain(&a.t, &b.t, use_bias ? &bias.t : NULL, &out.t, msg, sizeof msg)
                              : lin_matmul_explain(&a.t, &b.t, &out.t, msg, sizeof msg);
        expect_explained(linear ? "lin_linear_explain" : "lin_matmul_explain", s, e, msg);
    }
    if (!expect_ok) {
        if (s == LIN_OK) { fprintf(stderr, "an invalid call returned LIN_OK\n"); abort(); }
        expect_untouched(linear ? "lin_linear" : "lin_matmul", s);
        STAT(1);
        return;
    }
    n = numel_of(&out.t);
    if (n && (overlap(&out.t, &out.t, 1) || overlap(&out.t, &a.t, 0) || overlap(&out.t, &b.t, 0) ||
              (has_bias && overlap(&out.t, &bias.t, 0)))) {
        if (s != LIN_ERR_ALIAS) { fprintf(stderr, "an overlap gave %s\n", lin_status_str(s)); abort(); }
        expect_untouched("an overlapping call", s);
        STAT(2);
        return;
    }
    if (s == LIN_ERR_ALIAS) {           /* the library's test is sufficient, not exact */
        expect_untouched("a refused interleaving", s);
        STAT(3);
        return;
    }
    if (s != LIN_OK) { fprintf(stderr, "a valid call returned %s\n", lin_status_str(s)); abort(); }
    expect_only_out_written(&out.t);
    for (i = 0; i < n; ++i) {           /* inputs are apart from out: still as before */
        double val, mag;
        reference(&a.t, &wt, has_bias ? bias.t.data : NULL,
                  has_bias && bias.t.ndim && bias.t.shape[0] > 1 ? bias.t.stride[0] : 0,
                  nd, shape, i, &val, &mag);
        check_value(out.t.data[offset_of(&out.t, i)], val, mag, a.t.shape[a.t.ndim - 1],
                    linear ? "lin_linear" : "lin_matmul");
    }
    STAT(0);
}

/* Does rows*cols floats overflow size_t (in elements or in bytes)? */
static int too_many(size_t rows, size_t cols)
{
    return rows && cols > SIZE_MAX / sizeof(float) / rows;
}

static void fuzz_f32(reader *r)
{
    size_t batch = take(r, 7), fin = take(r, 9), fout = take(r, 9), i, j, p;
    size_t nx, nw, ny;
    int isa = (int)take(r, LIN__ISA_COUNT + 1) - 1;    /* -1: the detected family */
    float *x = arena + take(r, ARENA), *w = arena + take(r, ARENA), *b = arena + take(r, ARENA);
    float *y = arena + take(r, ARENA);
    int use_bias = take(r, 3) != 0, over, apart;
    lin_status s;
    if (take(r, 30) == 0) batch = SIZE_MAX / (1 + take(r, 4));
    if (take(r, 30) == 0) fin = SIZE_MAX / (1 + take(r, 4));
    over = too_many(batch, fin) || too_many(fout, fin) || too_many(batch, fout);
    nx = over ? 0 : batch * fin;
    nw = over ? 0 : fout * fin;
    ny = over ? 0 : batch * fout;
    if (!over && ((size_t)(x - arena) + nx > ARENA || (size_t)(w - arena) + nw > ARENA ||
                  (use_bias && (size_t)(b - arena) + fout > ARENA) || (size_t)(y - arena) + ny > ARENA))
    {
        STAT(7);
        return;                         /* buffers the caller does not own: not a test */
    }
    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    memcpy(before, arena, sizeof arena);
    if (!lin__isa_force(isa)) lin__isa_force(-1);     /* a family this CPU lacks: the detected one */
    s = lin_linear_f32(x, w, use_bias ? b : NULL, y, batch, fin, fout);
    {
        char msg[256];
        lin_status e = lin_linear_f32_explain(x, w, use_bias ? b : NULL, y, batch, fin, fout, msg, sizeof msg);
        expect_explained("lin_linear_f32_explain", s, e, msg);
    }
    if (over) {
        if (s != LIN_ERR_OVERFLOW) { fprintf(stderr, "overflowing sizes: %s\n", lin_status_str(s)); abort(); }
        expect_untouched("lin_linear_f32", s);
        STAT(5);
        return;
    }
    apart = ny == 0 || ((y + ny <= x || x + nx <= y || nx == 0) && (y + ny <= w || w + nw <= y || nw == 0) &&
                        (!use_bias || fout == 0 || y + ny <= b || b + fout <= y));
    if (!apart) {
        if (s != LIN_ERR_ALIAS) { fprintf(stderr, "overlap: %s\n", lin_status_str(s)); abort(); }
        expect_untouched("lin_linear_f32", s);
        STAT(6);
        return;
    }
    if (s != LIN_OK) { fprintf(stderr, "valid f32 call: %s\n", lin_status_str(s)); abort(); }
    for (i = 0; i < batch && ny; ++i)
        for (j = 0; j < fout; ++j) {
            double v = use_bias ? before[b - arena + (ptrdiff_t)j] : 0.0, m = fabs(v);
            for (p = 0; p < fin; ++p) {
                double t = (double)before[x - arena + (ptrdiff_t)(i * fin + p)] *
                           before[w - arena + (ptrdiff_t)(j * fin + p)];
                v += t;
                m += fabs(t);
            }
            check_value(y[i * fout + j], v, m, fin, "lin_linear_f32");
        }
    {   /* the same layer prepared: lin_linear_f32's bits, from the inputs as they were */
        size_t bytes = lin_prepared_size(fin, fout);
        void *buf = malloc(bytes ? bytes : 1);
        float *yp = (float *)malloc((ny ? ny : 1) * sizeof(float));
        lin_prepared prep;
        if (!buf || !yp) abort();
        if (lin_prepare_f32(&prep, before + (w - arena), use_bias ? before + (b - arena) : NULL, fin, fout, buf,
                            bytes) != LIN_OK ||
            lin_linear_prepared_f32(&prep, before + (x - arena), yp, batch) != LIN_OK ||
            (ny && memcmp(yp, y, ny * sizeof(float)) != 0)) {
            fprintf(stderr, "prepared %zux%zux%zu: not lin_linear_f32's bits\n", batch, fin, fout);
            abort();
        }
        free(buf);
        free(yp);
    }
    {   /* with the caller's scratch: the same bits; a scratch over x refused, y untouched */
        size_t bytes = lin_linear_scratch_size(batch, fin, fout);
        unsigned char *ws = (unsigned char *)malloc(bytes + 1);
        float *yp = (float *)malloc((ny ? ny : 1) * sizeof(float));
        float *xs = before + (x - arena);
        if (!ws || !yp) abort();
        if (lin_linear_f32_scratch(xs, before + (w - arena), use_bias ? before + (b - arena) : NULL, yp, batch, fin,
                                   fout, ws + 1, bytes) != LIN_OK ||
            (ny && memcmp(yp, y, ny * sizeof(float)) != 0)) {
            fprintf(stderr, "scratch %zux%zux%zu: not lin_linear_f32's bits\n", batch, fin, fout);
            abort();
        }
        if (bytes && nx) {
            if (lin_linear_f32_scratch(xs, before + (w - arena), NULL, yp, batch, fin, fout, xs, bytes) !=
                    LIN_ERR_ALIAS ||
                memcmp(yp, y, ny * sizeof(float)) != 0) {
                fprintf(stderr, "scratch over x %zux%zux%zu: not refused, or y written\n", batch, fin, fout);
                abort();
            }
        }
        free(ws);
        free(yp);
    }
    STAT(4);
}

/* The rest of the input as a .npy file (a valid header now and then, so
   the parser gets past the magic), decoded into a view of a shape drawn
   here: the explanation agrees, nothing is written on error, and what
   decodes encodes back to the same values. */
/* The int8 layer, plain and prepared, under every kernel family the CPU
   runs: quantization parameters in and out of range, x, W and y (and at
   times q) at offsets into one byte arena (so that y may overlap them), sizes that
   overflow. Refusals against this file's own rules, with y untouched;
   results against exact int64 sums requantized one at a time
   (lin__output_s8, the scalar steps test_s8 checks against TFLite's
   vectors); the prepared layer against the plain call's bits. */
#define ARENA8 4096
static int8_t arena8[ARENA8] __attribute__((aligned(8))), before8[ARENA8];   /* (q may sit in it) */

static void fuzz_s8(reader *r)
{
    size_t batch = take(r, 6), fin = take(r, 90), fout = take(r, 40), nx, nw, ny, i, j, p;
    int isa = (int)take(r, LIN__ISA_COUNT + 1) - 1;
    int8_t *x = arena8 + take(r, ARENA8), *w = arena8 + take(r, ARENA8), *y = arena8 + take(r, ARENA8);
    int32_t bias[40];
    int use_bias = take(r, 3) != 0, over, bad, apart;
    lin_quant q, *qp = &q;     /* the parameters, here or (one call in four) at a place in the arena */
    if (take(r, 4) == 1) qp = (lin_quant *)(void *)(arena8 + 4 * take(r, (ARENA8 - sizeof q) / 4));
    lin_status s, want;
    q.input_offset = (int32_t)take(r, 262) - 131;
    q.weight_offset = take(r, 4) ? 0 : (int32_t)take(r, 262) - 131;
    q.output_offset = (int32_t)take(r, 262) - 131;
    q.multiplier = take(r, 16) ? (int32_t)(take(r, 65536) << 15 | take(r, 32768)) : -(int32_t)take(r, 3) - 1;
    q.shift = (int32_t)take(r, 66) - 33;
    q.act_min = (int32_t)take(r, 262) - 131;
    q.act_max = take(r, 4) ? 127 : (int32_t)take(r, 262) - 131;
    if (take(r, 30) == 0) batch = SIZE_MAX / (1 + take(r, 4));
    for (j = 0; j < 40; ++j) bias[j] = take(r, 4) ? (int32_t)take(r, 65536) - 32768 : (int32_t)(take(r, 65536) << 16);
    over = (fin && batch > SIZE_MAX / fin) || (fout && batch > SIZE_MAX / fout);   /* bytes, one per element */
    nx = over ? 0 : batch * fin;
    nw = fout * fin;
    ny = over ? 0 : batch * fout;
    if (!over && (nx > ARENA8 || ny > ARENA8 || nw > ARENA8 || (size_t)(x - arena8) + nx > ARENA8 ||
                  (size_t)(w - arena8) + nw > ARENA8 || (size_t)(y - arena8) + ny > ARENA8)) {
        STAT(7);
        return;
    }
    bad = q.input_offset < -127 || q.input_offset > 128 || q.weight_offset < -127 || q.weight_offset > 128 ||
          q.output_offset < -128 || q.output_offset > 127 || q.act_min < -128 || q.act_max > 127 ||
          q.act_min > q.act_max || q.multiplier < 0 || q.shift < -31 || q.shift > 30;
    apart = ny == 0 || ((y + ny <= x || x + nx <= y || nx == 0) && (y + ny <= w || w + nw <= y || nw == 0) &&
                        (qp == &q || y + ny <= (int8_t *)qp || (int8_t *)qp + sizeof q <= y));
    want = over ? LIN_ERR_OVERFLOW : bad ? LIN_ERR_VALUE : !apart ? LIN_ERR_ALIAS : LIN_OK;
    for (i = 0; i < ARENA8; ++i) arena8[i] = (int8_t)take(r, 256);
    if (qp != &q) memcpy(qp, &q, sizeof q);     /* x or W may share its bytes: inputs, read only */
    memcpy(before8, arena8, sizeof arena8);
    if (!lin__isa_force(isa)) lin__isa_force(-1);
    {
        char msg[256];
        lin_status e = lin_linear_s8_explain(x, w, use_bias ? bias : NULL, y, batch, fin, fout, qp, msg, sizeof msg);
        expect_explained("lin_linear_s8_explain", want, e, msg);
        if (memcmp(arena8, before8, sizeof arena8)) {
            fprintf(stderr, "lin_linear_s8_explain wrote the arena\n");
            abort();
        }
    }
    s = lin_linear_s8(x, w, use_bias ? bias : NULL, y, batch, fin, fout, qp);
    if (s != want) {
        fprintf(stderr, "lin_linear_s8 %zux%zux%zu: %s, expected %s\n", batch, fin, fout, lin_status_str(s),
                lin_status_str(want));
        abort();
    }
    if (s != LIN_OK) {
        if (memcmp(arena8, before8, sizeof arena8)) {
            fprintf(stderr, "lin_linear_s8 returned %s and wrote its output\n", lin_status_str(s));
            abort();
        }
        STAT(9);
        return;
    }
    for (i = 0; i < batch && ny; ++i)     /* batch may be huge with no outputs */
        for (j = 0; j < fout; ++j) {
            int64_t sum = 0;
            lin__rq rq;
            lin__rq_set(&rq, &q);
            for (p = 0; p < fin; ++p)
                sum += ((int64_t)before8[x - arena8 + (ptrdiff_t)(i * fin + p)] + q.input_offset) *
                       ((int64_t)before8[w - arena8 + (ptrdiff_t)(j * fin + p)] + q.weight_offset);
            if (sum > INT32_MAX || sum < INT32_MIN) {   /* the accumulation bound lets no accepted call pass int32 */
                fprintf(stderr, "lin_linear_s8 %zux%zux%zu: an accepted call's sum passes int32\n", batch, fin, fout);
                abort();
            }
            if (y[i * fout + j] != lin__output_s8((int32_t)sum, use_bias ? bias : NULL, &rq, NULL, NULL, j)) {
                fprintf(stderr, "lin_linear_s8 %zux%zux%zu: output %zu,%zu differs from the exact sum's\n", batch,
                        fin, fout, i, j);
                abort();
            }
        }
    {   /* prepared: the same bits from the inputs as they were; y over its buffer refused */
        size_t bytes = lin_prepared_s8_size(fin, fout);
        unsigned char *buf = (unsigned char *)malloc(bytes + 1);
        int8_t *yp = (int8_t *)malloc(ny + 1);
        lin_prepared_s8 prep;
        if (!buf || !yp) abort();
        if (lin_prepare_s8(&prep, before8 + (w - arena8), use_bias ? bias : NULL, fin, fout, &q, buf + 1, bytes) !=
                LIN_OK ||
            lin_linear_prepared_s8(&prep, before8 + (x - arena8), yp, batch) != LIN_OK ||
            (ny && memcmp(yp, y, ny) != 0)) {
            fprintf(stderr, "prepared s8 %zux%zux%zu: not lin_linear_s8's bits\n", batch, fin, fout);
            abort();
        }
        if (ny && bytes > 1) {
            memcpy(yp, y, ny);
            if (lin_linear_prepared_s8(&prep, before8 + (x - arena8), (int8_t *)(void *)(buf + 1), batch) !=
                    LIN_ERR_ALIAS) {
                fprintf(stderr, "prepared s8: y over the buffer not refused\n");
                abort();
            }
        }
        free(buf);
        free(yp);
    }
    STAT(8);
}

/* lin_linear_s16 under every kernel family: x and y (int16, at even
   offsets) and W's bytes anywhere in one byte arena, so y may overlap
   either; q's figures past each end of their ranges, biases up to the
   ends of int64, sizes that overflow. Statuses against this file's rules,
   the arena untouched on each error and outside y on success; every
   output against the exact sum, clamped and requantized here by division. */
#define ARENA16 4096
static union { int64_t align; unsigned char b[ARENA16]; } arena16, before16;
static void fuzz_s16(reader *r)
{
    size_t batch = take(r, 6), fin = take(r, 3) ? take(r, 90) : take(r, 700), fout = take(r, 14);
    size_t xo = take(r, ARENA16) & ~(size_t)1, wo = take(r, ARENA16), yo = take(r, ARENA16) & ~(size_t)1;
    size_t nx, nw, ny, i, j, p;
    int isa = (int)take(r, LIN__ISA_COUNT + 1) - 1;
    int use_bias = take(r, 3) != 0, over, bad, apart;
    int64_t bias[14];
    lin_quant q;
    lin_status s, want;
    q.input_offset = take(r, 8) ? 0 : (int32_t)take(r, 3) - 1;
    q.weight_offset = take(r, 8) ? 0 : (int32_t)take(r, 3) - 1;
    q.output_offset = take(r, 8) ? 0 : (int32_t)take(r, 3) - 1;
    q.multiplier = take(r, 16) ? (int32_t)(take(r, 65536) << 15 | take(r, 32768)) : -(int32_t)take(r, 3) - 1;
    if (take(r, 8) == 0) q.multiplier = 0x7FFF0000 - 1 + (int32_t)take(r, 3);
    q.shift = (int32_t)take(r, 42) - 33;                    /* -33 .. 8 */
    q.act_min = take(r, 3) ? -32768 : (int32_t)take(r, 65540) - 32770;
    q.act_max = take(r, 3) ? 32767 : (int32_t)take(r, 65540) - 32770;
    if (take(r, 30) == 0) batch = SIZE_MAX / (1 + take(r, 4));
    for (j = 0; j < 14; ++j)
        bias[j] = take(r, 6) ? (int64_t)take(r, 65536) * (int64_t)take(r, 65536) - ((int64_t)1 << 31)
                             : take(r, 2) ? INT64_MAX - (int64_t)take(r, 2) : INT64_MIN + (int64_t)take(r, 2);
    /* a count of elements past SIZE_MAX / 2 (int16's bytes overflow) */
    over = (fin && batch > SIZE_MAX / 2 / fin) || (fout && batch > SIZE_MAX / 2 / fout) ||
           (fin && fout > SIZE_MAX / 2 / fin);
    nx = over ? 0 : batch * fin;
    nw = over ? 0 : fout * fin;
    ny = over ? 0 : batch * fout;
    if (!over && (nx > ARENA16 / 2 || ny > ARENA16 / 2 || nw > ARENA16 || xo + 2 * nx > ARENA16 ||
                  wo + nw > ARENA16 || yo + 2 * ny > ARENA16)) {
        STAT(7);
        return;
    }
    bad = q.input_offset || q.weight_offset || q.output_offset || q.act_min < -32768 || q.act_max > 32767 ||
          q.act_min > q.act_max || q.multiplier < 0 || q.shift < -31 || q.shift > 7;
    apart = ny == 0 || ((yo + 2 * ny <= xo || xo + 2 * nx <= yo || nx == 0) &&
                        (yo + 2 * ny <= wo || wo + nw <= yo || nw == 0));
    want = over ? LIN_ERR_OVERFLOW : bad ? LIN_ERR_VALUE : !apart ? LIN_ERR_ALIAS : LIN_OK;
    for (i = 0; i < ARENA16; ++i) arena16.b[i] = (unsigned char)take(r, 256);
    if (take(r, 4) == 0)                                    /* the largest products: -32768 * -128 */
        for (i = 0; i < ARENA16; ++i) arena16.b[i] = (unsigned char)(i % 2 ? 0x80 : 0x00);
    memcpy(before16.b, arena16.b, ARENA16);
    if (!lin__isa_force(isa)) lin__isa_force(-1);
    s = lin_linear_s16((const int16_t *)(void *)(arena16.b + xo), (const int8_t *)(void *)(arena16.b + wo),
                       use_bias ? bias : NULL, (int16_t *)(void *)(arena16.b + yo), batch, fin, fout, &q);
    if (s != want) {
        fprintf(stderr, "lin_linear_s16 %zux%zux%zu: %s, expected %s\n", batch, fin, fout, lin_status_str(s),
                lin_status_str(want));
        abort();
    }
    if (s != LIN_OK) {
        if (memcmp(arena16.b, before16.b, ARENA16)) {
            fprintf(stderr, "lin_linear_s16 returned %s and wrote its output\n", lin_status_str(s));
            abort();
        }
        STAT(9);
        return;
    }
    for (i = 0; i < ARENA16; ++i)
        if ((i < yo || i >= yo + 2 * ny) && arena16.b[i] != before16.b[i]) {
            fprintf(stderr, "lin_linear_s16 wrote byte %zu, outside y\n", i);
            abort();
        }
    for (i = 0; i < batch && ny; ++i)
        for (j = 0; j < fout; ++j) {
            const int64_t top = ((int64_t)1 << 47) - 1, lim = (int64_t)1 << 49;
            const int64_t m = q.multiplier >= 0x7FFF0000 ? 0x7FFF : ((int64_t)q.multiplier + 32768) / 65536;
            const int64_t d = (int64_t)1 << (15 - q.shift);
            int64_t sum = 0, n, v;
            int16_t got, xv, yv;
            for (p = 0; p < fin; ++p) {
                memcpy(&xv, before16.b + xo + 2 * (i * fin + p), 2);
                sum += (int64_t)xv * (int8_t)before16.b[wo + j * fin + p];
            }
            sum = sum > top ? top : sum < -top - 1 ? -top - 1 : sum;
            if (use_bias) sum += bias[j] > lim ? lim : bias[j] < -lim ? -lim : bias[j];
            sum = sum > top ? top : sum < -top - 1 ? -top - 1 : sum;
            n = sum * m + d / 2;
            v = n / d - (n % d != 0 && n < 0);
            yv = (int16_t)(v < q.act_min ? q.act_min : v > q.act_max ? q.act_max : v);
            memcpy(&got, arena16.b + yo + 2 * (i * fout + j), 2);
            if (got != yv) {
                fprintf(stderr, "lin_linear_s16 %zux%zux%zu: output %zu,%zu is %d, expected %d\n", batch, fin, fout,
                        i, j, got, yv);
                abort();
            }
        }
    STAT(8);
}

static void fuzz_npy(reader *r)
{
    static unsigned char file[4096], again[8192];
    static float copy[64];
    size_t shape[LIN_MAX_DIMS], n = 0, i, len, written;
    int nd = (int)take(r, 4), d;
    lin_tensor out, back;
    lin_status s, e;
    char msg[256];
    for (d = 0; d < nd; ++d) shape[d] = take(r, 5);
    out = lin_tensor_view(arena, nd, shape);
    if (take(r, 2)) {                   /* a header numpy would write, then fuzz bytes */
        lin_tensor hdr = lin_tensor_view(arena, nd, shape);
        if (lin_npy_encode(&hdr, file, sizeof file, &len) != LIN_OK) len = 0;
        for (i = take(r, (unsigned)len + 1); i < len && r->n; ++i)
            if (take(r, 8) == 0) file[i] = (unsigned char)take(r, 256);
    } else {
        for (len = 0; len < sizeof file && r->n; ++len) file[len] = (unsigned char)take(r, 256);
    }
    len = take(r, 4) ? len : (size_t)take(r, (unsigned)len + 1);    /* truncated now and then */
    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    memcpy(before, arena, sizeof arena);
    {   /* any dtype: the header's account, and both decoders within it */
        lin_npy_meta meta;
        static float f[sizeof file];
        static unsigned char raw[sizeof file];
        memset(&meta, 0, sizeof meta);
        s = lin_npy_info(file, len, &meta);
        if (lin_npy_info_explain(file, len, msg, sizeof msg) != s) abort();
        if (s == LIN_OK) {
            if (meta.data_offset > len || meta.data_bytes > len - meta.data_offset ||
                meta.count * lin_dtype_size(meta.dtype) != meta.data_bytes)
                abort();
            if (meta.count <= sizeof f / sizeof f[0] &&
                (lin_npy_decode_f32(file, len, f, meta.count) != LIN_OK ||
                 lin_npy_decode_raw(file, len, raw, meta.data_bytes) != LIN_OK))
                abort();
            if (meta.count && lin_npy_decode_f32(file, len, f, meta.count - 1) != LIN_ERR_SHAPE) abort();
            if (meta.dtype == LIN_DTYPE_F32 && !meta.big_endian && !meta.fortran_order && meta.count &&
                meta.count <= sizeof f / sizeof f[0] && memcmp(f, raw, meta.data_bytes) && lin__host_little())
                abort();                        /* float32 as it is: both decoders agree */
        } else if (lin_npy_decode_f32(file, len, f, 0) != s && s != LIN_ERR_NULL) {
            abort();
        }
    }
    s = lin_npy_decode(file, len, &out);
    e = lin_npy_decode_explain(file, len, &out, msg, sizeof msg);
    expect_explained("lin_npy_decode_explain", s, e, msg);
    if (s != LIN_OK) {
        expect_untouched("lin_npy_decode", s);
        return;
    }
    n = numel_of(&out);                 /* at most 4^3 */
    back = lin_tensor_view(arena, nd, shape);
    if (lin_npy_encode(&back, again, sizeof again, &written) != LIN_OK) {
        fprintf(stderr, "a decoded array does not encode\n");
        abort();
    }
    back = lin_tensor_view(copy, nd, shape);
    if (lin_npy_decode(again, written, &back) != LIN_OK || memcmp(copy, arena, n * sizeof(float))) {
        fprintf(stderr, "a decoded array does not read back the same after encoding\n");
        abort();
    }
}

#ifndef LIN_NO_WFORMATS
/* binary16 bits -> double, from the definition (not the header's code) */
static double half_value(unsigned h)
{
    const int e = (int)((h >> 10) & 31u), m = (int)(h & 1023u);
    const double sign = (h & 0x8000u) ? -1.0 : 1.0;
    if (e == 31) return m ? NAN : sign * INFINITY;
    return sign * (e ? ldexp(1024.0 + m, e - 25) : ldexp((double)m, -24));
}

/* The layers with compressed weights (f16, bf16, q8w, q4w) under every
   kernel family: x, the scales, the bias and y in the float arena, W's
   bytes anywhere in it (so y may overlap any of them), in_features not a
   multiple of 32 for q4w, sizes that overflow. Statuses against this
   file's rules, y untouched on each error; results against a double
   reference from W decoded here. */
static void fuzz_wf(reader *r)
{
    const int form = (int)take(r, 4);
    /* batch past 7 sometimes: W decoded once into panels (fin 32: x fits the arena) */
    size_t batch = take(r, 4) ? take(r, 7) : take(r, 72), fin = take(r, 3) ? take(r, 100) : 32 * take(r, 6);
    size_t fout = take(r, 14);
    int isa = (int)take(r, LIN__ISA_COUNT + 1) - 1;
    float *x = arena + take(r, ARENA), *sc = arena + take(r, ARENA), *b = arena + take(r, ARENA);
    float *y = arena + take(r, ARENA);
    unsigned char *wb = (unsigned char *)arena + (take(r, ARENA * 4) & (form < 2 ? ~1u : ~0u));
    const unsigned char *w0 = (const unsigned char *)before + (wb - (unsigned char *)arena);
    int use_bias = take(r, 3) != 0, over;
    size_t nx, nw, ny, wbytes, ns, i, j, p;
    lin_status s, want;
    if (take(r, 30) == 0) batch = SIZE_MAX / (1 + take(r, 4));
    if (take(r, 30) == 0) fin = SIZE_MAX / 32 * 32 / (1 + take(r, 4)) / 32 * 32;
    over = too_many(batch, fin) || too_many(fout, fin) || too_many(batch, fout);
    nx = over ? 0 : batch * fin;
    nw = over ? 0 : fout * fin;
    ny = over ? 0 : batch * fout;
    wbytes = form < 2 ? 2 * nw : form == 2 ? nw : nw / 2;
    ns = form == 2 ? fout : form == 3 ? nw / 32 : 0;
    if (!over && ((size_t)(x - arena) + nx > ARENA || (size_t)(wb - (unsigned char *)arena) + wbytes > sizeof arena ||
                  (size_t)(sc - arena) + ns > ARENA || (use_bias && (size_t)(b - arena) + fout > ARENA) ||
                  (size_t)(y - arena) + ny > ARENA)) {
        STAT(7);
        return;
    }
    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    memcpy(before, arena, sizeof arena);
    if (!lin__isa_force(isa)) lin__isa_force(-1);
    switch (form) {
    case 0: s = lin_linear_f16w(x, (const uint16_t *)(void *)wb, use_bias ? b : NULL, y, batch, fin, fout); break;
    case 1: s = lin_linear_bf16w(x, (const uint16_t *)(void *)wb, use_bias ? b : NULL, y, batch, fin, fout); break;
    case 2: s = lin_linear_q8w(x, (const int8_t *)wb, sc, use_bias ? b : NULL, y, batch, fin, fout); break;
    default: s = lin_linear_q4w(x, wb, sc, use_bias ? b : NULL, y, batch, fin, fout); break;
    }
    if (form == 3 && fin % 32) want = LIN_ERR_SHAPE;
    else if (over) want = LIN_ERR_OVERFLOW;
    else if (ny && ((nx && !(y + ny <= x || x + nx <= y)) ||
                    (wbytes && !((unsigned char *)(y + ny) <= wb || wb + wbytes <= (unsigned char *)y)) ||
                    (ns && !(y + ny <= sc || sc + ns <= y)) ||
                    (use_bias && fout && !(y + ny <= b || b + fout <= y))))
        want = LIN_ERR_ALIAS;
    else want = LIN_OK;
    if (s != want) {
        fprintf(stderr, "wformat %d %zux%zux%zu: %s, expected %s\n", form, batch, fin, fout, lin_status_str(s),
                lin_status_str(want));
        abort();
    }
    if (s != LIN_OK) {
        expect_untouched("a compressed-weight layer", s);
        return;
    }
    expect_only_out_written(&(lin_tensor){y, 1, {ny}, {1}});
    for (i = 0; i < batch && ny; ++i)
        for (j = 0; j < fout; ++j) {
            double v = use_bias ? before[b - arena + (ptrdiff_t)j] : 0.0, m = fabs(v);
            int beyond = 0;         /* a decoded weight past float's range: inf (or NaN) allowed */
            for (p = 0; p < fin; ++p) {
                const size_t e = j * fin + p;
                const float *s0 = before + (sc - arena);
                double wv, t;
                if (form < 2) {
                    uint16_t hv;
                    memcpy(&hv, w0 + 2 * e, 2);         /* the bits in this machine's order */
                    if (form == 0) {
                        wv = half_value(hv);
                    } else {
                        uint32_t u = (uint32_t)hv << 16;
                        float f;
                        memcpy(&f, &u, 4);
                        wv = f;
                    }
                } else if (form == 2) {
                    wv = (double)s0[j] * (int8_t)w0[e];
                } else {
                    const unsigned byte = w0[e / 2];
                    wv = (double)s0[e / 32] * ((int)((e & 1) ? byte >> 4 : byte & 15u) - 8);
                }
                beyond |= fabs(wv) > FLT_MAX && !isinf(wv);
                t = (double)before[x - arena + (ptrdiff_t)(i * fin + p)] * wv;
                v += t;
                m += fabs(t);
            }
            if (!beyond) check_value(y[i * fout + j], v, m, fin + 1, "a compressed-weight layer");
        }
    STAT(4);
}
#endif

/* An activation, forward or backward, over [-rows-] x n floats of the
   arena: the statuses (in place allowed, any other overlap refused, sizes
   that overflow), nothing written on an error, only the output after a
   success, each finite value against the function in double. */
static double act_ref(int f, double v, double slope, int approx)
{
    const double s = 1.0 / (1.0 + exp(-v));
    switch (f) {
    case 0: return v < 0 ? 0 : v > 6 ? 6 : v;
    case 1: return v > 0 ? v : v * slope;
    case 8: return v < 0 ? 0 : v;                           /* relu */
    case 9: return 0;                                       /* lin_zero_f32 */
    case 2: return tanh(v);
    case 3: return s;
    case 4: return v * s;
    default:
        if (approx) return 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    }
}

static double act_grad_ref(int f, double v, double g, double slope, int approx)
{
    double s, t, u;
    switch (f) {
    case 0: return v > 0 && v < 6 ? g : 0;
    case 1: return v > 0 ? g : g * slope;
    case 8: return v <= 0 ? 0 : g;                          /* relu: NaN passes the gradient, as PyTorch's */
    case 2: return g * (1 - v * v);                         /* v: the forward's output */
    case 3: return g * (1 - v) * v;
    case 4: s = 1.0 / (1.0 + exp(-v)); return g * s * (1 + v * (1 - s));
    default:
        if (!approx) return g * (0.5 * (1 + erf(v / sqrt(2.0))) + v * exp(-0.5 * v * v) / sqrt(2 * 3.141592653589793));
        u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
        t = tanh(u);
        return g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * v * v));
    }
}

static void fuzz_act(reader *r)
{
    const int f = (int)take(r, 8), backward = (int)take(r, 2), approx = (int)take(r, 3), rowwise = f >= 6;
    /* relu in relu6's place, and lin_zero_f32 (forward) in leaky_relu's, where approx (GELU's alone) is 2 */
    const int plain = f <= 1 && approx == 2, fr = plain && (f == 0 || !backward) ? 8 + f : f;
    size_t rows = rowwise ? take(r, 6) : 1, n = take(r, 70), cnt, i, j;
    const float slope = value(r);
    float *x = arena + take(r, ARENA), *g = arena + take(r, ARENA), *y = arena + take(r, ARENA);
    lin_status s, want = LIN_OK;
    int over;
    if (take(r, 4) == 0) y = x;                          /* in place */
    if (take(r, 4) == 0) g = y;                          /* backward: grad_x over grad_y */
    if (take(r, 30) == 0) n = SIZE_MAX / (1 + take(r, 8));
    if (rowwise && take(r, 30) == 0) rows = SIZE_MAX / 2;
    over = (rows && n > SIZE_MAX / rows) || too_many(1, rows * n);
    cnt = over ? 0 : rows * n;
    if (!over && ((size_t)(x - arena) + cnt > ARENA || (size_t)(g - arena) + cnt > ARENA ||
                  (size_t)(y - arena) + cnt > ARENA)) {
        STAT(7);
        return;
    }
    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    memcpy(before, arena, sizeof arena);
    if (!backward) {
        switch (f) {
        case 0: s = plain ? lin_relu_f32(x, y, n) : lin_relu6_f32(x, y, n); break;
        case 1: s = plain ? lin_zero_f32(y, n) : lin_leaky_relu_f32(x, y, n, slope); break;
        case 2: s = lin_tanh_f32(x, y, n); break;
        case 3: s = lin_sigmoid_f32(x, y, n); break;
        case 4: s = lin_silu_f32(x, y, n); break;
        case 5: s = lin_gelu_f32(x, y, n, approx); break;
        case 6: s = lin_softmax_f32(x, y, rows, n); break;
        default: s = lin_log_softmax_f32(x, y, rows, n); break;
        }
        if (over) want = LIN_ERR_OVERFLOW;
        else if (f == 5 && approx > 1) want = LIN_ERR_VALUE;
        else if (cnt && y != x && !(y + cnt <= x || x + cnt <= y) && fr != 9) want = LIN_ERR_ALIAS;
        if (want == LIN_ERR_VALUE && s == LIN_ERR_ALIAS) want = s;     /* the buffers are checked first */
    } else {
        switch (f) {    /* x: the forward's input, or its output (tanh, sigmoid, softmax, log_softmax) */
        case 0: s = plain ? lin_relu_backward_f32(x, g, y, n) : lin_relu6_backward_f32(x, g, y, n); break;
        case 1: s = lin_leaky_relu_backward_f32(x, g, y, n, slope); break;
        case 2: s = lin_tanh_backward_f32(x, g, y, n); break;
        case 3: s = lin_sigmoid_backward_f32(x, g, y, n); break;
        case 4: s = lin_silu_backward_f32(x, g, y, n); break;
        case 5: s = lin_gelu_backward_f32(x, g, y, n, approx); break;
        case 6: s = lin_softmax_backward_f32(x, g, y, rows, n); break;
        default: s = lin_log_softmax_backward_f32(x, g, y, rows, n); break;
        }
        if (over) want = LIN_ERR_OVERFLOW;
        else if (cnt && ((y != g && !(y + cnt <= g || g + cnt <= y)) || !(y + cnt <= x || x + cnt <= y)))
            want = LIN_ERR_ALIAS;
        else if (f == 5 && approx > 1) want = LIN_ERR_VALUE;
    }
    if (s != want) {
        fprintf(stderr, "activation %d%s %zux%zu: %s, expected %s\n", f, backward ? " backward" : "", rows, n,
                lin_status_str(s), lin_status_str(want));
        abort();
    }
    if (s != LIN_OK) {
        expect_untouched("an activation", s);
        return;
    }
    expect_only_out_written(&(lin_tensor){y, 1, {cnt}, {1}});
    for (i = 0; i < cnt; i += n) {       /* a row: n values (one row elementwise) */
        const float *xr = before + (x - arena) + i, *gr = before + (g - arena) + i;
        double mx = -INFINITY, sum = 0, dot = 0, adot = 0, gsum = 0, agsum = 0;
        for (j = 0; rowwise && j < n; ++j) mx = xr[j] > mx ? xr[j] : mx;
        for (j = 0; rowwise && j < n; ++j) {
            sum += exp((double)xr[j] - mx);
            dot += (double)gr[j] * xr[j];
            adot += fabs((double)gr[j] * xr[j]);
            gsum += gr[j];
            agsum += fabs((double)gr[j]);
        }
        for (j = 0; j < n; ++j) {
            const double v = xr[j], gv = gr[j];
            double ref, mag;    /* the error scales of tests/gen_act_fixtures.py, a little wider */
            if (!rowwise) {
                ref = backward ? act_grad_ref(fr, v, gv, slope, approx) : act_ref(fr, v, slope, approx);
                if (fr >= 8 && isfinite(ref) && memcmp(&y[i + j], &(float){(float)ref}, sizeof(float))) {
                    /* exact: the input, the gradient or +0 */
                    fprintf(stderr, "%s: %.9g, expected %.9g\n", fr == 9 ? "lin_zero_f32" : "relu", (double)y[i + j],
                            ref);
                    abort();
                }
                mag = backward ? fabs(ref) + fabs(gv) * (1 + fabs(v)) * (1 + v * v) : fabs(ref) + fabs(v);
            } else if (!backward) {
                ref = f == 6 ? exp(v - mx) / sum : (v - mx) - log(sum);
                mag = f == 6 ? fabs(ref) * ((double)n + 4 + fabs(v - mx))
                             : fabs(v - mx) + 2 * fabs(log(sum)) + (double)n + 4;
            } else {            /* v: the forward's output */
                ref = f == 6 ? (gv - dot) * v : gv - exp(v) * gsum;
                mag = f == 6 ? fabs(v) * (fabs(gv) + fabs(dot) + ((double)n + 2) * adot)
                             : fabs(gv) + exp(v) * ((double)n + 4) * agsum;
            }
            /* where float's own intermediates overflow (GELU 'tanh''s x^3, tanh's y^2, exp(y), a row's
               sums), a zero can meet an infinity: NaN in float, 0 in double (PyTorch's float32 has the
               NaN) */
            if (backward && (rowwise ? adot > 1e30 || agsum > 1e30 || (f == 7 && v > 88.0)
                                     : (1 + fabs(v)) * (1 + v * v) >= 1e30))
                continue;
            if (isfinite(ref) && isfinite(mag) && mag < 1e30) check_value(y[i + j], ref, mag, 14, "an activation");
        }
    }
    STAT(4);
}

#ifndef LIN_NO_SAFETENSORS
/* lin_safetensors_bind on an opened file's tensors keep[0..kept) (names
   without escapes, each once): asked for each as it is, it points at
   their bytes or gives the first this host cannot read in place; with
   one tensor's dtype or shape asked otherwise, that tensor's status; on
   an error data stays as it was. */
static void fuzz_st_bind(const lin_safetensors *st, const lin_st_tensor *keep, size_t kept)
{
    lin_st_want *want = (lin_st_want *)malloc((kept ? kept : 1) * sizeof *want);
    char *names = (char *)malloc((kept ? kept : 1) * 256);
    const void **data = (const void **)malloc((kept ? kept : 1) * sizeof *data);
    const void **found = (const void **)malloc((kept ? kept : 1) * sizeof *found);
    lin_status expect = LIN_OK;
    size_t i, n = 0;
    if (!want || !names || !data || !found) abort();
    for (i = 0; i < kept; ++i) {
        lin_st_tensor u;                        /* what find gives (a name may be given twice) */
        size_t size;
        if (keep[i].name_len >= 256) continue;
        memcpy(names + 256 * n, keep[i].name, keep[i].name_len);
        names[256 * n + keep[i].name_len] = '\0';
        if (lin_safetensors_find(st, names + 256 * n, &u) != LIN_OK || u.ndim > LIN_MAX_DIMS) continue;
        memset(&want[n], 0, sizeof want[n]);
        want[n].name = names + 256 * n;
        want[n].dtype = u.dtype;
        want[n].ndim = u.ndim;
        memcpy(want[n].shape, u.shape, sizeof want[n].shape);
        size = lin_dtype_size(u.dtype);
        if (expect == LIN_OK && size > 1 && !lin__host_little()) expect = LIN_ERR_DTYPE;
        if (expect == LIN_OK && (uintptr_t)u.data % size) expect = LIN_ERR_VALUE;
        found[n++] = u.data;
    }
    if (lin_safetensors_bind(st, want, n, data) != expect) {
        fprintf(stderr, "safetensors: bind of %zu tensors not %s\n", n, lin_status_str(expect));
        abort();
    }
    for (i = 0; expect == LIN_OK && i < n; ++i)
        if (data[i] != found[i]) abort();
    if (n) {                                    /* one tensor asked otherwise */
        lin_st_want *w = &want[n / 2];
        const lin_status s = w->ndim > 0 && (w->shape[0] & 1) ? LIN_ERR_SHAPE : LIN_ERR_DTYPE;
        if (s == LIN_ERR_SHAPE) ++w->shape[0];
        else w->dtype = w->dtype == LIN_DTYPE_U8 ? LIN_DTYPE_I8 : LIN_DTYPE_U8;
        for (i = 0; i < n; ++i) data[i] = names;
        if (lin_safetensors_bind(st, want, n, data) != s) {
            fprintf(stderr, "safetensors: bind of a tensor asked otherwise not %s\n", lin_status_str(s));
            abort();
        }
        for (i = 0; i < n; ++i)
            if (data[i] != names) abort();      /* written on an error */
    }
    free(found);
    free(data);
    free(names);
    free(want);
}

/* The rest of the input as a safetensors file, in a buffer of exactly its
   size (ASan sees any read past it): open and explain agree; after a
   success every tensor (by index, and by name where the name has no
   escape) lies inside the data, its bytes the shape's; the tensors the
   writer takes written again and read back the same. */
static void fuzz_st(reader *r)
{
    const size_t n = r->n;
    unsigned char *file = (unsigned char *)malloc(n ? n : 1), *again = NULL;
    lin_safetensors st, st2;
    lin_st_tensor t, u, *keep;
    lin_status s;
    char msg[96];
    size_t i, kept = 0, size, written;
    if (!file) abort();
    memcpy(file, r->p, n);
    memset(&st, 0x5a, sizeof st);
    s = lin_safetensors_open(&st, file, n);
    if (lin_safetensors_open_explain(file, n, msg, sizeof msg) != s || (s == LIN_OK) != (msg[0] == '\0')) {
        fprintf(stderr, "safetensors: open and explain disagree (%s, '%s')\n", lin_status_str(s), msg);
        abort();
    }
    if (s != LIN_OK) {
        const unsigned char *b = (const unsigned char *)&st;
        if (s != LIN_ERR_FORMAT) abort();
        for (i = 0; i < sizeof st; ++i)
            if (b[i] != 0x5a) abort();          /* st written on an error */
        free(file);
        return;
    }
    keep = (lin_st_tensor *)malloc((st.count ? st.count : 1) * sizeof *keep);
    if (!keep) abort();
    for (i = 0; i < st.count; ++i) {
        size_t d, bytes;
        memset(&t, 0, sizeof t);
        if (lin_safetensors_tensor(&st, i, &t) != LIN_OK) abort();
        bytes = lin_dtype_size(t.dtype);
        for (d = 0; d < (size_t)t.ndim && d < LIN_MAX_DIMS; ++d) bytes *= t.shape[d];
        if ((const unsigned char *)t.data < st.data || (size_t)((const unsigned char *)t.data - file) + t.data_bytes > n ||
            (t.ndim <= LIN_MAX_DIMS && bytes != t.data_bytes) || t.name < st.header ||
            t.name + t.name_len > st.header + st.header_bytes) {
            fprintf(stderr, "safetensors: tensor %zu outside the file or of another size\n", i);
            abort();
        }
        if (!memchr(t.name, '\\', t.name_len) && !memchr(t.name, 0, t.name_len)) {
            char name[256];
            if (t.name_len < sizeof name) {
                memcpy(name, t.name, t.name_len);
                name[t.name_len] = '\0';
                memset(&u, 0, sizeof u);
                /* this entry, or an earlier one spelling the name with escapes ("\u0061" before "a") */
                if (lin_safetensors_find(&st, name, &u) != LIN_OK ||
                    ((u.name_len != t.name_len || memcmp(u.name, t.name, t.name_len)) &&
                     !memchr(u.name, '\\', u.name_len)))
                    abort();
            }
            if (t.ndim <= LIN_MAX_DIMS) {       /* names without escapes are their own bytes */
                size_t k;
                int dup = 0;
                for (k = 0; k < kept; ++k) dup |= keep[k].name_len == t.name_len && !memcmp(keep[k].name, t.name, t.name_len);
                if (!dup) keep[kept++] = t;
            }
        }
    }
    size = lin_safetensors_size(keep, kept);
    again = (unsigned char *)malloc(size ? size : 1);
    if (!size || !again || lin_safetensors_write(keep, kept, again, size, &written) != LIN_OK || written != size ||
        lin_safetensors_open(&st2, again, size) != LIN_OK || st2.count != kept) {
        fprintf(stderr, "safetensors: %zu tensors not written and read back\n", kept);
        abort();
    }
    for (i = 0; i < kept; ++i) {
        char name[256];
        if (keep[i].name_len >= sizeof name) continue;
        memcpy(name, keep[i].name, keep[i].name_len);
        name[keep[i].name_len] = '\0';
        memset(&u, 0, sizeof u);
        if (lin_safetensors_find(&st2, name, &u) != LIN_OK || u.dtype != keep[i].dtype || u.ndim != keep[i].ndim ||
            u.data_bytes != keep[i].data_bytes || (u.data_bytes && memcmp(u.data, keep[i].data, u.data_bytes)))
            abort();
    }
    fuzz_st_bind(&st, keep, kept);
    free(again);
    free(keep);
    free(file);
}
#endif

#ifdef LIN__TORCH_RNG
/* lin_torch_rng: a seed, one call with fuzzed sizes and ranges. The status
   is predicted here (PyTorch's range rules, the outputs apart from the
   generator); an error leaves the arena and the generator as they were; a
   success writes only out[n] (and the generator), every value in its
   range, and the same call on a copy of the generator gives the same bits.
   The generator is here or (one call in four) at a place in the arena. */
static void fuzz_torch_rng(reader *r)
{
    lin_torch_rng g, g0, g2, *gp = &g;
    const size_t gf = (sizeof g + sizeof(float) - 1) / sizeof(float);
    size_t g_at = ARENA;
    const unsigned kind = take(r, 4);
    size_t n = take(r, 300), i, off = take(r, ARENA);
    double lo = (double)value(r), hi = (double)value(r);
    float *out = arena + off, *again = (float *)malloc(300 * sizeof(float));
    lin_status s, s2, want = LIN_OK;
    lin_layer layer;
    if (!again) abort();
    if (take(r, 8) == 0) lo = -hi;
    if (take(r, 8) == 0) hi = lo * 1e10;                 /* beyond float */
    lin_torch_rng_seed(&g, (uint64_t)take(r, 1u << 20) * 2654435761u);
    if (take(r, 2)) (void)lin_torch_rng_u32(&g);
    if (off + n > ARENA) n = ARENA - off;
    if (take(r, 16) == 0) out = NULL;
    if (take(r, 4) == 1) {
        g_at = take(r, ARENA - gf - 1);
        if ((uintptr_t)(arena + g_at) % sizeof(double)) ++g_at;   /* (its double's alignment) */
        if ((uintptr_t)(arena + g_at) % sizeof(double)) abort();
    }
    for (i = 0; i < ARENA; ++i) arena[i] = value(r);
    if (g_at < ARENA) {
        gp = (lin_torch_rng *)(void *)(arena + g_at);
        memcpy(gp, &g, sizeof g);
    }
    memcpy(before, arena, sizeof arena);
    g0 = g;
    memset(&layer, 0, sizeof layer);
    switch (kind) {
    case 0: s = lin_torch_rand_f32(gp, out, n); break;
    case 1: s = lin_torch_uniform_f32(gp, out, n, lo, hi); break;
#ifdef LIN__TORCH_RANDN
    case 2: s = lin_torch_randn_f32(gp, out, n); break;
#endif
    default: {
        size_t in = n % 17, o = n / 17;
        layer.in_features = in;
        layer.out_features = o;
        layer.weight = out;
        layer.bias = out ? out + in * o : NULL;
        if (out && off + in * o + o > ARENA) layer.bias = out;   /* overlapping: refused */
        s = lin_torch_reset_parameters(&layer, gp);
        n = in * o + o;
        break;
    }
    }
    if (kind == 3) {
        const size_t nw = layer.in_features * layer.out_features;
        if (!out && nw) want = LIN_ERR_NULL;
        else if (out && nw && layer.bias == layer.weight) want = LIN_ERR_ALIAS;
        else if (out && n && g_at < ARENA && (size_t)(out - arena) < g_at + gf && g_at < (size_t)(out - arena) + n)
            want = LIN_ERR_ALIAS;     /* the weight and the bias, out[n] together, over the generator */
    } else if (!out && n) want = LIN_ERR_NULL;
    else if (out && n && g_at < ARENA && (size_t)(out - arena) < g_at + gf && g_at < (size_t)(out - arena) + n)
        want = LIN_ERR_ALIAS;
    else if (kind == 1 && (!(lo <= hi) || !(lo >= -3.4028234663852886e38) || !(hi <= 3.4028234663852886e38) ||
                           !(hi - lo <= 3.4028234663852886e38) ||
                           !((double)((float)hi - (float)lo) <= 3.4028234663852886e38)))
        want = LIN_ERR_VALUE;
#ifndef LIN__TORCH_RANDN
    if (kind == 2) want = s;
#endif
    if (s != want) {
        fprintf(stderr, "lin_torch_rng call %u (n %zu, %g, %g): %s, expected %s\n", kind, n, lo, hi,
                lin_status_str(s), lin_status_str(want));
        abort();
    }
    if (s != LIN_OK) {
        expect_untouched("lin_torch_rng", s);
        if (memcmp(gp, &g0, sizeof g)) abort();
        free(again);
        return;
    }
    for (i = 0; i < ARENA; ++i)
        if ((i < off || i >= off + n) && (i < g_at || i >= g_at + gf) && memcmp(&arena[i], &before[i], sizeof(float)))
            abort();
    for (i = 0; i < n && out; ++i) {
        const float v = out[i];
        if (kind == 0 && !(v >= 0.0f && v < 1.0f)) abort();
        if (kind == 1 && !(v >= (float)lo && v <= (float)hi)) abort();
        if (kind == 2 && !(v > -20.0f && v < 20.0f)) abort();
        if (kind == 3 && !(v >= -1.0f && v <= 1.0f)) abort();
    }
    if (kind < 3 && out) {
        g2 = g0;
        s2 = kind == 0 ? lin_torch_rand_f32(&g2, again, n) : kind == 1 ? lin_torch_uniform_f32(&g2, again, n, lo, hi) :
#ifdef LIN__TORCH_RANDN
                                                                          lin_torch_randn_f32(&g2, again, n);
#else
                                                                          LIN_OK;
#endif
        if (s2 != LIN_OK || (kind < 2 && memcmp(again, out, n * sizeof(float))) || memcmp(&g2, gp, sizeof g))
            abort();
    }
    free(again);
}
#endif

/* ---- the other entry points: a call's buffers placed in one zone ----
   A call is a list of buffers (bytes, alignment, written or only read,
   floats or raw bytes) and the call itself. Each buffer gets a place in the
   zone: after the one before with a small gap, or (one in five, never the
   ones prepare writes: structs, targets, quantization parameters) anywhere,
   so that outputs meet inputs, other outputs and the structs the call
   reads. Every size and value is valid, so the status is the places'
   alone: LIN_ERR_ALIAS where a written buffer meets any other (or two that
   must be apart whatever is written meet), else LIN_OK. An error leaves
   the zone as it was; a success writes only the written buffers, with the
   bits the same call gives on private copies of every buffer, aligned
   alike. */
#define ZONE 8192
#define ZMAX 12
static unsigned char zone[ZONE] __attribute__((aligned(64))), zone0[ZONE];

typedef struct zspec {
    size_t bytes, align;
    int written, floats, finite, absent, fixed, ptrs;   /* ptrs: holds pointers (not compared) */
    unsigned apart;                                     /* bits: the buffers it must be apart from */
} zspec;

typedef struct zcall {
    const char *what;
    zspec b[ZMAX];
    int n, op;
    size_t k[6];                                        /* the call's sizes */
    float f[4];                                         /* its float parameters */
    void (*prepare)(const struct zcall *c, void *const *p);   /* valid contents: structs, targets */
    lin_status (*run)(const struct zcall *c, void *const *p);
    /* the call's _explain, where it has one: its status and words */
    lin_status (*explain)(const struct zcall *c, void *const *p, char *msg, size_t cap);
} zcall;

static int zadd(zcall *c, size_t bytes, size_t align, int written, int floats)
{
    zspec *b = &c->b[c->n];
    memset(b, 0, sizeof *b);
    b->bytes = bytes;
    b->align = align;
    b->written = written;
    b->floats = floats;
    return c->n++;
}

/* A buffer the call reads as a struct or fixed table: filled by prepare,
   placed after the previous one or anywhere but never mutated. */
static int zfixed(zcall *c, size_t bytes, size_t align, int written, int ptrs)
{
    const int i = zadd(c, bytes, align, written, 0);
    c->b[i].fixed = 1;
    c->b[i].ptrs = ptrs;
    return i;
}

static float zvalue(uint32_t *st, int finite)   /* value()'s mix, from a generator */
{
    static const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.0f, 1e30f, -1e30f,
                                    1e-40f, 3.4e38f, INFINITY, -INFINITY, NAN};
    unsigned k;
    *st = *st * 1664525u + 1013904223u;
    k = (*st >> 8) % 24;
    if (k < (finite ? 10u : 13u)) return special[k];
    return (float)((int)((*st >> 12) % 2001) - 1000) / 64.0f;
}

static void fuzz_zone(reader *r, zcall *c)
{
    void *p[ZMAX], *q[ZMAX];
    unsigned char *mem[ZMAX];
    size_t at[ZMAX], cursor = take(r, 64), i, e;
    uint32_t st = take(r, 65536) * 2654435761u;
    int a, b;
    lin_status s, want = LIN_OK;
    for (a = 0; a < c->n; ++a) {
        const zspec *z = &c->b[a];
        p[a] = NULL;
        at[a] = 0;
        if (z->absent) continue;
        if (!z->fixed && take(r, 5) == 0) at[a] = take(r, ZONE);
        else at[a] = cursor + z->align * take(r, 3);
        at[a] = (at[a] + z->align - 1) / z->align * z->align;
        if (at[a] > ZONE || z->bytes > ZONE - at[a]) {
            STAT(7);
            return;
        }
        if (z->fixed || at[a] >= cursor) cursor = at[a] + z->bytes;
        p[a] = zone + at[a];
    }
    for (i = 0; i < ZONE; ++i) {
        st = st * 1664525u + 1013904223u;
        zone[i] = (unsigned char)(st >> 24);
    }
    for (a = 0; a < c->n; ++a)
        for (i = 0; p[a] && c->b[a].floats && i < c->b[a].bytes / sizeof(float); ++i) {
            const float v = zvalue(&st, c->b[a].finite);
            memcpy((unsigned char *)p[a] + i * sizeof(float), &v, sizeof v);
        }
    c->prepare(c, p);
    for (a = 0; a < c->n; ++a)
        for (b = a + 1; b < c->n; ++b) {
            const zspec *x = &c->b[a], *y = &c->b[b];
            const int meet = p[a] && p[b] && x->bytes && y->bytes && at[a] < at[b] + y->bytes &&
                             at[b] < at[a] + x->bytes;
            if (meet && (x->written || y->written || (x->apart >> b & 1u) || (y->apart >> a & 1u)))
                want = LIN_ERR_ALIAS;
        }
    memcpy(zone0, zone, sizeof zone);
    if (c->explain) {                   /* the same verdict, nothing of the zone written, the words
                                           within cap (1, 24 or all 160 bytes) and NUL-terminated */
        static const size_t caps[3] = {1, 24, 160};
        char msg[160];
        const size_t cap = caps[take(r, 3)];
        memset(msg, 0x5a, sizeof msg);
        s = c->explain(c, p, msg, cap);
        if (s != want || memcmp(zone, zone0, sizeof zone) || !memchr(msg, 0, cap) ||
            (cap < sizeof msg && msg[cap] != 0x5a) || (s == LIN_OK && msg[0]) ||
            (s != LIN_OK && cap > 1 && !msg[0])) {
            fprintf(stderr, "%s's explain (op %d): %s, expected %s, \"%.*s\" in %zu bytes%s\n", c->what, c->op,
                    lin_status_str(s), lin_status_str(want), (int)cap, msg, cap,
                    memcmp(zone, zone0, sizeof zone) ? ", and it wrote the zone" : "");
            abort();
        }
    }
    s = c->run(c, p);
    if (s != want) {
        fprintf(stderr, "%s (op %d, sizes %zu %zu %zu %zu): %s, expected %s\n", c->what, c->op, c->k[0], c->k[1],
                c->k[2], c->k[3], lin_status_str(s), lin_status_str(want));
        for (a = 0; a < c->n; ++a)
            fprintf(stderr, "  buffer %d: %s at %zu, %zu bytes%s\n", a, p[a] ? "" : "NULL", at[a], c->b[a].bytes,
                    c->b[a].written ? ", written" : "");
        abort();
    }
    if (s != LIN_OK) {
        if (memcmp(zone, zone0, sizeof zone)) {
            fprintf(stderr, "%s returned %s and wrote\n", c->what, lin_status_str(s));
            abort();
        }
        STAT(9);
        return;
    }
    for (i = 0; i < ZONE; ++i) {        /* nothing written outside the outputs */
        int out = 0;
        for (a = 0; a < c->n && !out; ++a) out = p[a] && c->b[a].written && i >= at[a] && i < at[a] + c->b[a].bytes;
        if (!out && zone[i] != zone0[i]) {
            fprintf(stderr, "%s wrote byte %zu, outside its outputs\n", c->what, i);
            abort();
        }
    }
    for (a = 0; a < c->n; ++a) {        /* the same call on private copies, aligned alike */
        mem[a] = NULL;
        q[a] = NULL;
        if (!p[a]) continue;
        mem[a] = (unsigned char *)malloc(c->b[a].bytes + 128);
        if (!mem[a]) abort();
        e = (64 - (uintptr_t)mem[a] % 64) % 64 + at[a] % 64;
        q[a] = mem[a] + e;
        memcpy(q[a], zone0 + at[a], c->b[a].bytes);
    }
    c->prepare(c, q);
    if (c->run(c, q) != LIN_OK) {
        fprintf(stderr, "%s: refused on private copies\n", c->what);
        abort();
    }
    for (a = 0; a < c->n; ++a) {
        if (p[a] && !c->b[a].ptrs && memcmp(q[a], p[a], c->b[a].bytes)) {
            fprintf(stderr, "%s (op %d): buffer %d differs from the call on private copies\n", c->what, c->op, a);
            abort();
        }
        free(mem[a]);
    }
    STAT(8);
}

/* the float buffers of n floats, and the rest in bytes */
#define ZF(c, n, w) zadd(c, (n) * sizeof(float), sizeof(float), w, 1)

#ifndef LIN_NO_TRAIN
/* lin_linear_backward_f32: x, W, grad_y read; grad_x, grad_W, grad_b written, each may be NULL */
static lin_status zrun_backward(const zcall *c, void *const *p)
{
    return lin_linear_backward_f32((const float *)p[0], (const float *)p[1], (const float *)p[2], (float *)p[3],
                                   (float *)p[4], (float *)p[5], c->k[0], c->k[1], c->k[2]);
}
static lin_status zexplain_backward(const zcall *c, void *const *p, char *msg, size_t cap)
{
    if (c->op == 0)
        return lin_linear_backward_f32_explain((const float *)p[0], (const float *)p[1], (const float *)p[2],
                                               (const float *)p[3], (const float *)p[4], (const float *)p[5],
                                               c->k[0], c->k[1], c->k[2], msg, cap);
    if (c->op == 1)
        return lin_linear_backward_explain((const lin_tensor *)p[6], (const lin_tensor *)p[7],
                                           (const lin_tensor *)p[8], (const lin_tensor *)p[9],
                                           (const lin_tensor *)p[10], (const lin_tensor *)p[11], msg, cap);
    return lin_matmul_backward_explain((const lin_tensor *)p[5], (const lin_tensor *)p[6], (const lin_tensor *)p[7],
                                       (const lin_tensor *)p[8], (const lin_tensor *)p[9], msg, cap);
}
static void zprep_none(const zcall *c, void *const *p)
{
    (void)c;
    (void)p;
}
/* on views: the data as above (lin_matmul_backward: a (m, k), b (k, n),
   grad_out (m, n) read, grad_a, grad_b written), then a lin_tensor for
   each, read, and a NULL one where its gradient is NULL */
static void zprep_backward(const zcall *c, void *const *p)
{
    const size_t m = c->k[0], k = c->k[1], n = c->k[2];
    const size_t rows[6] = {m, n, m, m, n, k}, cols[6] = {k, k, n, k, k, n};   /* linear; matmul's b, go, gb: */
    const size_t mrows[6] = {m, k, m, m, k, 0}, mcols[6] = {k, n, n, k, n, 0};
    int i, nt = c->op == 1 ? 6 : 5;
    if (!c->op) return;
    for (i = 0; i < nt; ++i) {
        lin_tensor t;
        if (!p[nt + i]) continue;
        if (c->op == 1)
            t = i == 5 ? lin_vector((float *)p[i], n) : lin_matrix((float *)p[i], rows[i], cols[i]);
        else
            t = lin_matrix((float *)p[i], mrows[i], mcols[i]);
        memcpy(p[nt + i], &t, sizeof t);
    }
}
static lin_status zrun_backward_views(const zcall *c, void *const *p)
{
    if (c->op == 1)
        return lin_linear_backward((const lin_tensor *)p[6], (const lin_tensor *)p[7], (const lin_tensor *)p[8],
                                   (lin_tensor *)p[9], (lin_tensor *)p[10], (lin_tensor *)p[11]);
    return lin_matmul_backward((const lin_tensor *)p[5], (const lin_tensor *)p[6], (const lin_tensor *)p[7],
                               (lin_tensor *)p[8], (lin_tensor *)p[9]);
}
static void fuzz_backward(reader *r)
{
    zcall c;
    const size_t batch = take(r, 6), in = take(r, 24), out = take(r, 24);
    int i, nt;
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 3);             /* 0 on buffers, 1 lin_linear_backward, 2 lin_matmul_backward */
    c.what = c.op == 0 ? "lin_linear_backward_f32" : c.op == 1 ? "lin_linear_backward" : "lin_matmul_backward";
    c.k[0] = batch, c.k[1] = in, c.k[2] = out;
    if (c.op < 2) {
        ZF(&c, batch * in, 0);
        ZF(&c, out * in, 0);
        ZF(&c, batch * out, 0);
        c.b[ZF(&c, batch * in, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, out * in, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, out, 1)].absent = take(r, 4) == 0;
    } else {                            /* (batch, in) @ (in, out) */
        ZF(&c, batch * in, 0);
        ZF(&c, in * out, 0);
        ZF(&c, batch * out, 0);
        c.b[ZF(&c, batch * in, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, in * out, 1)].absent = take(r, 4) == 0;
    }
    nt = c.n;
    for (i = 0; c.op && i < nt; ++i) {
        const int t = zfixed(&c, sizeof(lin_tensor), sizeof(void *), 0, 1);
        c.b[t].absent = c.b[i].absent;
    }
    c.prepare = zprep_backward;
    c.run = c.op ? zrun_backward_views : zrun_backward;
    c.explain = zexplain_backward;
    fuzz_zone(r, &c);
}

/* the optimizers: param, grad, state, *step and *opt */
static void zprep_optim(const zcall *c, void *const *p)
{
    const uint64_t step = c->k[1];
    memcpy(p[c->n - 2], &step, sizeof step);
    if (c->op == 0) {
        lin_sgd o = lin_sgd_defaults(c->f[0]);
        o.momentum = c->k[2] & 1 ? 0.9f : 0.0f;
        o.dampening = c->k[2] & 2 ? 0.1f : 0.0f;
        o.nesterov = o.momentum != 0.0f && o.dampening == 0.0f && (c->k[2] & 4);
        o.weight_decay = c->k[2] & 8 ? 0.01f : 0.0f;
        o.maximize = (c->k[2] & 16) != 0;
        memcpy(p[c->n - 1], &o, sizeof o);
    } else {
        lin_adam o = c->k[2] & 1 ? lin_adamw_defaults() : lin_adam_defaults();
        o.lr = c->f[0];
        o.amsgrad = (c->k[2] & 2) != 0;
        o.maximize = (c->k[2] & 4) != 0;
        if (c->k[2] & 8) o.weight_decay = 0.05f;
        memcpy(p[c->n - 1], &o, sizeof o);
    }
}
static lin_status zrun_optim(const zcall *c, void *const *p)
{
    uint64_t *step = (uint64_t *)p[c->n - 2];
    if (c->op == 0)
        return lin_sgd_step((const lin_sgd *)p[4], (float *)p[0], (const float *)p[1], (float *)p[2], step, c->k[0]);
#if LIN__MATH
    return lin_adam_step((const lin_adam *)p[6], (float *)p[0], (const float *)p[1], (float *)p[2], (float *)p[3],
                         (float *)p[4], step, c->k[0]);
#else
    return LIN_OK;
#endif
}
static lin_status zexplain_optim(const zcall *c, void *const *p, char *msg, size_t cap)
{
    const uint64_t *step = (const uint64_t *)p[c->n - 2];
    if (c->op == 0)
        return lin_sgd_step_explain((const lin_sgd *)p[4], (const float *)p[0], (const float *)p[1],
                                    (const float *)p[2], step, c->k[0], msg, cap);
    return lin_adam_step_explain((const lin_adam *)p[6], (const float *)p[0], (const float *)p[1],
                                 (const float *)p[2], (const float *)p[3], (const float *)p[4], step, c->k[0], msg,
                                 cap);
}
static void fuzz_optim(reader *r)
{
    zcall c;
    const size_t n = take(r, 300);
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 2);
    c.what = c.op ? "lin_adam_step" : "lin_sgd_step";
    c.k[0] = n;
    c.k[1] = take(r, 4);                /* the steps before */
    c.k[2] = take(r, 32);               /* the options' bits */
    c.f[0] = (float)take(r, 100) / 256.0f;
    ZF(&c, n, 1);
    ZF(&c, n, 0);
    if (c.op == 0) {
        c.b[ZF(&c, n, 1)].absent = !(c.k[2] & 1);       /* the momentum buffer */
    } else {
        ZF(&c, n, 1);
        ZF(&c, n, 1);
        c.b[ZF(&c, n, 1)].absent = !(c.k[2] & 2);       /* amsgrad's */
    }
    zfixed(&c, sizeof(uint64_t), 8, 1, 0);
    zfixed(&c, c.op ? sizeof(lin_adam) : sizeof(lin_sgd), 4, 0, 0);
    c.prepare = zprep_optim;
    c.run = zrun_optim;
    c.explain = zexplain_optim;
#if !LIN__MATH
    if (c.op) return;
#endif
    fuzz_zone(r, &c);
}

/* the losses: mse (input, target; loss, grad) and cross-entropy (logits,
   targets; loss, grad) */
static void zprep_loss(const zcall *c, void *const *p)
{
    size_t i;
    if (c->op == 0) return;
    for (i = 0; i < c->k[0]; ++i) {     /* classes, and now and then PyTorch's ignore_index */
        const int32_t t = (i * 7 + c->k[2]) % 5 == 0 ? -100 : (int32_t)((i * 3 + c->k[2]) % c->k[1]);
        memcpy((unsigned char *)p[1] + i * sizeof t, &t, sizeof t);
    }
}
static lin_status zrun_loss(const zcall *c, void *const *p)
{
    if (c->op == 0)
        return lin_mse_loss_f32((const float *)p[0], (const float *)p[1], c->k[0], (float *)p[2], (float *)p[3]);
#if LIN__MATH
    return lin_cross_entropy_f32((const float *)p[0], (const int32_t *)p[1], c->k[0], c->k[1], (float *)p[2],
                                 (float *)p[3]);
#else
    return LIN_OK;
#endif
}
#if LIN__MATH
static lin_status zexplain_loss(const zcall *c, void *const *p, char *msg, size_t cap)
{
    return lin_cross_entropy_explain((const float *)p[0], (const int32_t *)p[1], c->k[0], c->k[1],
                                     (const float *)p[2], (const float *)p[3], msg, cap);
}
#endif
static void fuzz_loss(reader *r)
{
    zcall c;
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 2);
    c.what = c.op ? "lin_cross_entropy_f32" : "lin_mse_loss_f32";
    c.k[0] = take(r, c.op ? 12 : 200);  /* n, or the batch */
    c.k[1] = 1 + take(r, 16);           /* classes */
    c.k[2] = take(r, 64);
    if (c.op == 0) {
        ZF(&c, c.k[0], 0);
        ZF(&c, c.k[0], 0);
        c.b[ZF(&c, 1, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, c.k[0], 1)].absent = take(r, 4) == 0;
    } else {
        ZF(&c, c.k[0] * c.k[1], 0);
        zfixed(&c, c.k[0] * sizeof(int32_t), 4, 0, 0);
        ZF(&c, 1, 1);
        c.b[ZF(&c, c.k[0] * c.k[1], 1)].absent = take(r, 4) == 0;
    }
    c.prepare = zprep_loss;
    c.run = zrun_loss;
#if !LIN__MATH
    if (c.op) return;
#else
    if (c.op) c.explain = zexplain_loss;
#endif
    fuzz_zone(r, &c);
}
#endif

#ifndef LIN_NO_LORA
/* LoRA: W, bias, A, B, *base, *lora, then the op's: forward x, y,
   scratch; backward x, grad_y, scratch, grad_x, grad_A, grad_B; merge and
   unmerge none (they write W and lora->merged); reset the generator */
static void zprep_lora(const zcall *c, void *const *p)
{
    lin_layer base;
    lin_lora l;
    base.in_features = c->k[1];
    base.out_features = c->k[2];
    base.weight = (float *)p[0];
    base.bias = (float *)p[1];
    memcpy(p[4], &base, sizeof base);
    l.base = (lin_layer *)p[4];
    l.rank = c->k[3];
    l.A = (float *)p[2];
    l.B = (float *)p[3];
    l.scaling = c->f[0];
    l.merged = c->op == 3;
    memcpy(p[5], &l, sizeof l);
#if LIN__MATH
    if (c->op == 4) {
        lin_rng g;
        lin_rng_seed(&g, c->k[4]);
        memcpy(p[6], &g, sizeof g);
    }
#endif
}
static lin_status zrun_lora(const zcall *c, void *const *p)
{
    lin_lora *l = (lin_lora *)p[5];
    const size_t h = c->k[0] * c->k[3];
    switch (c->op) {
    case 0: return lin_lora_forward_f32(l, (const float *)p[6], (float *)p[7], c->k[0], (float *)p[8], h);
    case 1:
        return lin_lora_backward_f32(l, (const float *)p[6], (const float *)p[7], (float *)p[9], (float *)p[10],
                                     (float *)p[11], c->k[0], (float *)p[8], 2 * h);
    case 2: return lin_lora_merge(l);
    case 3: return lin_lora_unmerge(l);
#if LIN__MATH
    default: return lin_lora_reset_parameters(l, (lin_rng *)p[6]);
#else
    default: return LIN_OK;
#endif
    }
}
static lin_status zexplain_lora(const zcall *c, void *const *p, char *msg, size_t cap)
{
    const lin_lora *l = (const lin_lora *)p[5];
    const size_t h = c->k[0] * c->k[3];
    if (c->op == 0)
        return lin_lora_forward_explain(l, (const float *)p[6], (const float *)p[7], c->k[0], (const float *)p[8], h,
                                        msg, cap);
    return lin_lora_backward_explain(l, (const float *)p[6], (const float *)p[7], (const float *)p[9],
                                     (const float *)p[10], (const float *)p[11], c->k[0], (const float *)p[8], 2 * h,
                                     msg, cap);
}
static void fuzz_lora(reader *r)
{
    zcall c;
    size_t batch, in, out, rank;
    int i;
    memset(&c, 0, sizeof c);
    c.what = "LoRA";
    c.op = (int)take(r, 5);
    batch = c.k[0] = take(r, 5);
    in = c.k[1] = take(r, 14);
    out = c.k[2] = take(r, 14);
    rank = c.k[3] = 1 + take(r, 4);
    c.k[4] = take(r, 1000);
    c.f[0] = (float)take(r, 64) / 16.0f;
    ZF(&c, out * in, c.op == 2 || c.op == 3);
    c.b[ZF(&c, out, 0)].absent = take(r, 3) == 0;
    ZF(&c, rank * in, c.op == 4);
    ZF(&c, out * rank, c.op == 4);
    zfixed(&c, sizeof(lin_layer), sizeof(void *), 0, 1);
    zfixed(&c, sizeof(lin_lora), sizeof(void *), c.op == 2 || c.op == 3, 1);   /* merge writes lora->merged */
    c.b[0].apart = 1u << 1;             /* the weight and the bias: a layer's rule */
    if (c.op >= 2)                      /* and lin_lora_init's: W, bias, A and B apart */
        for (i = 0; i < 4; ++i) c.b[i].apart = 15u & ~(1u << i);
    if (c.op == 0) {
        ZF(&c, batch * in, 0);
        ZF(&c, batch * out, 1);
        ZF(&c, batch * rank, 1);
    } else if (c.op == 1) {
        ZF(&c, batch * in, 0);
        ZF(&c, batch * out, 0);
        ZF(&c, 2 * batch * rank, 1);
        c.b[ZF(&c, batch * in, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, rank * in, 1)].absent = take(r, 4) == 0;
        c.b[ZF(&c, out * rank, 1)].absent = take(r, 4) == 0;
    } else if (c.op == 4) {
#if !LIN__MATH
        return;
#endif
        zfixed(&c, sizeof(lin_rng), 8, 1, 0);
    }
    c.prepare = zprep_lora;
    c.run = zrun_lora;
    if (c.op <= 1) c.explain = zexplain_lora;
    fuzz_zone(r, &c);
}
#endif

/* the quantizers: q8w and q4w (finite weights; q and scale written),
   lin_quantize_s8 (x; q) and lin_dequantize_s8 (q; x) */
static lin_status zrun_quant(const zcall *c, void *const *p)
{
    switch (c->op) {
#ifndef LIN_NO_WFORMATS
    case 0: return lin_quantize_q8w((const float *)p[0], (int8_t *)p[1], (float *)p[2], c->k[0], c->k[1]);
    case 1: return lin_quantize_q4w((const float *)p[0], (uint8_t *)p[1], (float *)p[2], c->k[0], c->k[1]);
#endif
    case 2: return lin_quantize_s8((const float *)p[0], (int8_t *)p[1], c->k[0], c->f[0], (int32_t)c->k[2] - 128);
    default: return lin_dequantize_s8((const int8_t *)p[0], (float *)p[1], c->k[0], c->f[0], (int32_t)c->k[2] - 128);
    }
}
static void fuzz_quant(reader *r)
{
    zcall c;
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 4);
#ifdef LIN_NO_WFORMATS
    if (c.op < 2) c.op += 2;
#endif
    c.what = c.op == 0 ? "lin_quantize_q8w" : c.op == 1 ? "lin_quantize_q4w" : c.op == 2 ? "lin_quantize_s8"
                                                                                         : "lin_dequantize_s8";
    c.k[0] = c.op == 1 ? 32 * take(r, 4) : take(r, c.op < 2 ? 40 : 400);   /* in, or n */
    c.k[1] = take(r, 12);                                                    /* out */
    c.k[2] = take(r, 256);                                                   /* the zero point + 128 */
    c.f[0] = (float)(1 + take(r, 200)) / 64.0f;
    if (c.op < 2) {
        c.b[ZF(&c, c.k[1] * c.k[0], 0)].finite = 1;
        zadd(&c, c.op ? c.k[1] * c.k[0] / 2 : c.k[1] * c.k[0], 1, 1, 0);
        ZF(&c, c.op ? c.k[1] * c.k[0] / 32 : c.k[1], 1);
    } else if (c.op == 2) {
        ZF(&c, c.k[0], 0);
        zadd(&c, c.k[0], 1, 1, 0);
    } else {
        zadd(&c, c.k[0], 1, 0, 0);
        ZF(&c, c.k[0], 1);
    }
    c.prepare = zprep_none;
    c.run = zrun_quant;
    fuzz_zone(r, &c);
}

/* lin_linear_s8_per_channel (x, W, bias, *q, multiplier, shift; y) and
   lin_linear_f32_clamp (x, W, bias; y) */
static void zprep_pc(const zcall *c, void *const *p)
{
    lin_quant q;
    size_t j;
    if (c->op) return;
    memset(&q, 0, sizeof q);
    q.input_offset = (int32_t)(c->k[3] % 200) - 100;
    q.weight_offset = c->k[3] & 1 ? 0 : 3;
    q.output_offset = (int32_t)(c->k[3] % 51) - 25;
    q.multiplier = 1 << 30;
    q.act_min = -128 + (int32_t)(c->k[3] % 7);
    q.act_max = 127;
    memcpy(p[3], &q, sizeof q);
    for (j = 0; j < c->k[2]; ++j) {
        const int32_t m = (int32_t)(0x40000000u + (uint32_t)(j * 0x9E3779B1u) % 0x3FFFFFFFu);
        const int32_t sh = -(int32_t)((j + c->k[3]) % 12);
        memcpy((unsigned char *)p[4] + j * sizeof m, &m, sizeof m);
        memcpy((unsigned char *)p[5] + j * sizeof sh, &sh, sizeof sh);
    }
}
static lin_status zrun_pc(const zcall *c, void *const *p)
{
    if (c->op == 0)
        return lin_linear_s8_per_channel((const int8_t *)p[0], (const int8_t *)p[1], (const int32_t *)p[2],
                                         (int8_t *)p[6], c->k[0], c->k[1], c->k[2], (const lin_quant *)p[3],
                                         (const int32_t *)p[4], (const int32_t *)p[5]);
    return lin_linear_f32_clamp((const float *)p[0], (const float *)p[1], (const float *)p[2], (float *)p[3], c->k[0],
                                c->k[1], c->k[2], c->f[0], c->f[1]);
}
static lin_status zexplain_pc(const zcall *c, void *const *p, char *msg, size_t cap)
{
    if (c->op == 0)
        return lin_linear_s8_per_channel_explain((const int8_t *)p[0], (const int8_t *)p[1], (const int32_t *)p[2],
                                                 (const int8_t *)p[6], c->k[0], c->k[1], c->k[2],
                                                 (const lin_quant *)p[3], (const int32_t *)p[4],
                                                 (const int32_t *)p[5], msg, cap);
    return lin_linear_f32_clamp_explain((const float *)p[0], (const float *)p[1], (const float *)p[2],
                                        (const float *)p[3], c->k[0], c->k[1], c->k[2], c->f[0], c->f[1], msg, cap);
}
static void fuzz_pc(reader *r)
{
    zcall c;
    const size_t batch = take(r, 7), in = take(r, 40), out = take(r, 24);
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 2);
    c.what = c.op ? "lin_linear_f32_clamp" : "lin_linear_s8_per_channel";
    c.k[0] = batch, c.k[1] = in, c.k[2] = out, c.k[3] = take(r, 1000);
    c.f[0] = (float)((int)take(r, 64) - 48) / 8.0f;
    c.f[1] = c.f[0] + (float)take(r, 64) / 8.0f;
    if (c.op == 0) {
        zadd(&c, batch * in, 1, 0, 0);
        zadd(&c, out * in, 1, 0, 0);
        c.b[zadd(&c, out * sizeof(int32_t), 4, 0, 0)].absent = take(r, 3) == 0;
        zfixed(&c, sizeof(lin_quant), 4, 0, 0);
        zfixed(&c, out * sizeof(int32_t), 4, 0, 0);
        zfixed(&c, out * sizeof(int32_t), 4, 0, 0);
        zadd(&c, batch * out, 1, 1, 0);
    } else {
        ZF(&c, batch * in, 0);
        ZF(&c, out * in, 0);
        c.b[ZF(&c, out, 0)].absent = take(r, 3) == 0;
        ZF(&c, batch * out, 1);
    }
    c.prepare = zprep_pc;
    c.run = zrun_pc;
    c.explain = zexplain_pc;
    fuzz_zone(r, &c);
}

/* The scalar entry points against references written from their docs:
   op 0 and 1 the f16 and bf16 conversions (decoding exact, encoding to
   nearest even, NaN kept a NaN), op 2 lin_quantize_multiplier (TFLite's
   QuantizeMultiplier, a shift past 30 refused), op 3 lin_quant_params,
   op 4 lin_quant_per_channel and lin_quant_from_i32. Outputs untouched
   on an error. */
static double f16_value(unsigned h)
{
    const unsigned e = h >> 10 & 31u, m = h & 1023u;
    const double v = e == 31 ? (m ? NAN : INFINITY) : e ? ldexp(1024.0 + m, (int)e - 25) : ldexp(m, -24);
    return h >> 15 ? -v : v;
}
/* x rounded to nearest even at the quantum of a format with `bits`
   significant bits and least normal exponent emin (a power of two
   quantum: the division is exact), as a double */
static double round_to(double a, int bits, int emin)
{
    int e;
    (void)frexp(a, &e);                 /* a in [2^(e-1), 2^e) */
    e = e - 1 < emin ? emin : e - 1;
    return rint(a / ldexp(1.0, e - bits + 1)) * ldexp(1.0, e - bits + 1);
}
static float scalar_float(reader *r)    /* raw bits, a value near a half or a bfloat16 tie, or value()'s mix */
{
    const unsigned mode = take(r, 3);
    uint32_t u;
    float f;
    if (mode == 0) {
        u = (uint32_t)take(r, 65536) << 16 | take(r, 65536);
        memcpy(&f, &u, sizeof f);
        return f;
    }
    if (mode == 1) {
        const double h = f16_value(take(r, 65536));
        int e;
        (void)frexp(h, &e);
        e = e - 1 < -14 ? -14 : e - 1;
        return (float)(h + ldexp((double)((int)take(r, 9) - 4), e - 12));    /* quarter quanta */
    }
    return value(r);
}
static void scalar_fail(const char *what, double in, double got, double want)
{
    fprintf(stderr, "%s(%.17g): %.17g, expected %.17g\n", what, in, got, want);
    abort();
}
static void fuzz_scalars(reader *r)
{
    const unsigned op = take(r, 5);
    unsigned h;
    float f, g;
    uint16_t e;
    if (op == 0) {                      /* binary16 */
        h = take(r, 65536);
        f = lin_f16_to_f32((uint16_t)h);
        if (isnan(f16_value(h)) != isnan(f) ||
            (!isnan(f) && memcmp(&f, &(float){(float)f16_value(h)}, sizeof f)))
            scalar_fail("lin_f16_to_f32", h, f, f16_value(h));
        if (!isnan(f) && lin_f32_to_f16(f) != h) scalar_fail("lin_f32_to_f16 of a half", f, lin_f32_to_f16(f), h);
        f = scalar_float(r);
        e = lin_f32_to_f16(f);
        g = (float)f16_value(e);
        if (isnan(f)) {
            if (!isnan(g)) scalar_fail("lin_f32_to_f16", f, g, NAN);
        } else {
            const double a = fabs((double)f), w = a >= 65520.0 ? INFINITY : round_to(a, 11, -14);
            const double want = signbit(f) ? -w : w;
            if (memcmp(&g, &(float){(float)want}, sizeof g)) scalar_fail("lin_f32_to_f16", f, g, want);
        }
    } else if (op == 1) {               /* bfloat16 */
        uint32_t u;
        h = take(r, 65536);
        f = lin_bf16_to_f32((uint16_t)h);
        u = (uint32_t)h << 16;
        memcpy(&g, &u, sizeof g);
        if (isnan(g) ? !isnan(f) : memcmp(&f, &g, sizeof f)) scalar_fail("lin_bf16_to_f32", h, f, g);
        f = scalar_float(r);
        e = lin_f32_to_bf16(f);
        u = (uint32_t)e << 16;
        memcpy(&g, &u, sizeof g);
        if (isnan(f)) {
            if (!isnan(g)) scalar_fail("lin_f32_to_bf16", f, g, NAN);
        } else {
            const double a = fabs((double)f), w0 = round_to(a, 8, -126), w = w0 >= ldexp(1.0, 128) ? INFINITY : w0;
            const double want = signbit(f) ? -w : w;
            if (memcmp(&g, &(float){(float)want}, sizeof g)) scalar_fail("lin_f32_to_bf16", f, g, want);
        }
    } else if (op == 2) {               /* lin_quantize_multiplier */
        const double real = take(r, 4) ? (double)scalar_float(r) * (double)scalar_float(r) : (double)scalar_float(r);
        int32_t m = 12345, sh = 678;
        const lin_status s = lin_quantize_multiplier(real, &m, &sh);
        int ex = 0;
        double q;
        long long fixed = 0;
        lin_status want = LIN_OK;
        if (!(real >= 0) || isinf(real)) {
            want = LIN_ERR_VALUE;
        } else if (real > 0) {
            q = frexp(real, &ex);
            fixed = (long long)floor(q * 2147483648.0 + 0.5);     /* TFLite's round: ties away */
            if (fixed == 2147483648LL) fixed /= 2, ++ex;
            if (ex < -31) fixed = 0, ex = 0;
            if (ex > 30) want = LIN_ERR_VALUE;
        }
        if (s != want || (s == LIN_OK ? m != fixed || sh != ex : m != 12345 || sh != 678)) {
            fprintf(stderr, "lin_quantize_multiplier(%.17g): %s %d %d, expected %s %lld %d\n", real, lin_status_str(s),
                    (int)m, (int)sh, lin_status_str(want), fixed, ex);
            abort();
        }
    } else if (op == 3) {               /* lin_quant_params */
        const float is = scalar_float(r), ws = scalar_float(r), os = scalar_float(r);
        const int32_t iz = (int32_t)take(r, 280) - 140, wz = (int32_t)take(r, 280) - 140;
        const int32_t oz = (int32_t)take(r, 280) - 140;
        const int act = (int)take(r, 4);
        lin_quant q, q0;
        lin_status s, want = LIN_OK;
        int32_t m = 0, sh = 0;
        memset(&q, 0x5a, sizeof q);
        q0 = q;
        s = lin_quant_params(is, iz, ws, wz, os, oz, (lin_activation)act, &q);
        if (!(is > 0 && ws > 0 && os > 0) || isinf(is) || isinf(ws) || isinf(os) || iz < -128 || iz > 127 ||
            wz < -128 || wz > 127 || oz < -128 || oz > 127 || act > 2)
            want = LIN_ERR_VALUE;
        else
            want = lin_quantize_multiplier((double)is * (double)ws / (double)os, &m, &sh);
        if (s != want) {
            fprintf(stderr, "lin_quant_params(%g %d, %g %d, %g %d, act %d): %s, expected %s\n", (double)is, (int)iz,
                    (double)ws, (int)wz, (double)os, (int)oz, act, lin_status_str(s), lin_status_str(want));
            abort();
        }
        if (s != LIN_OK ? memcmp(&q, &q0, sizeof q) != 0
                        : q.input_offset != -iz || q.weight_offset != -wz || q.output_offset != oz ||
                              q.multiplier != m || q.shift != sh || q.act_min != (act ? oz : -128) ||
                              q.act_max != (act == 2 ? (int32_t)fmin(127, fmax(-128, oz + fmin(1000, fmax(-1000,
                                                           round((double)(6.0f / os)))))) : 127) ||
                              lin__s8_bad(&q, NULL, NULL, 0, 0) > 5) {
            fprintf(stderr, "lin_quant_params(%g %d, %g %d, %g %d, act %d): %s, and q is not as documented\n",
                    (double)is, (int)iz, (double)ws, (int)wz, (double)os, (int)oz, act, lin_status_str(s));
            abort();
        }
    } else {                            /* lin_quant_per_channel, lin_quant_from_i32 */
        float ws[8];
        int32_t m[8], sh[8], m0[8], sh0[8], v[7];
        const size_t n = take(r, 9);
        const float is = scalar_float(r), os = scalar_float(r);
        size_t i;
        lin_status s, want = LIN_OK;
        lin_quant q;
        for (i = 0; i < n; ++i) ws[i] = take(r, 8) ? (float)(1 + take(r, 4096)) / 65536.0f : scalar_float(r);
        for (i = 0; i < 8; ++i) m[i] = m0[i] = (int32_t)(0x5a5a0000u + i), sh[i] = sh0[i] = (int32_t)i;
        s = lin_quant_per_channel(is, ws, os, n, m, sh);
        if (!(is > 0 && os > 0) || isinf(is) || isinf(os)) want = LIN_ERR_VALUE;
        for (i = 0; i < n && want == LIN_OK; ++i) {
            int32_t mi, si;
            if (!(ws[i] > 0) || isinf(ws[i]) ||
                lin_quantize_multiplier((double)is * (double)ws[i] / (double)os, &mi, &si) != LIN_OK)
                want = LIN_ERR_VALUE;
        }
        if (s != want || (s != LIN_OK && (memcmp(m, m0, sizeof m) || memcmp(sh, sh0, sizeof sh)))) {
            fprintf(stderr, "lin_quant_per_channel(n %zu): %s, expected %s%s\n", n, lin_status_str(s),
                    lin_status_str(want), s == want ? ", and it wrote" : "");
            abort();
        }
        for (i = 0; s == LIN_OK && i < 8; ++i) {
            int32_t mi = m0[i], si = sh0[i];
            if (i < n) lin_quantize_multiplier((double)is * (double)ws[i] / (double)os, &mi, &si);
            if (m[i] != mi || sh[i] != si) {
                fprintf(stderr, "lin_quant_per_channel: channel %zu %d %d, expected %d %d\n", i, (int)m[i], (int)sh[i],
                        (int)mi, (int)si);
                abort();
            }
        }
        for (i = 0; i < 7; ++i) v[i] = (int32_t)(take(r, 65536) << 16 | take(r, 65536));
        if (lin_quant_from_i32(v, &q) != LIN_OK || q.input_offset != v[0] || q.weight_offset != v[1] ||
            q.output_offset != v[2] || q.multiplier != v[3] || q.shift != v[4] || q.act_min != v[5] ||
            q.act_max != v[6]) {
            fprintf(stderr, "lin_quant_from_i32: not the seven values in order\n");
            abort();
        }
    }
}

/* lin_layer_*: op 0 lin_layer_init over W and the bias (the layer a
   local: init writes it alone, and reads neither buffer), op 1
   lin_layer_forward on views (the layer a local again, the views' structs
   in the zone), op 2 lin_layer_reset_parameters (the layer and the
   generator in the zone: read, and written, while W and the bias are) */
static lin_layer zlayer;
static void zprep_layer(const zcall *c, void *const *p)
{
    const size_t batch = c->k[0], in = c->k[1], out = c->k[2];
    lin_layer l;
    l.in_features = in;
    l.out_features = out;
    l.weight = (float *)p[0];
    l.bias = (float *)p[1];
    if (c->op == 1) {
        lin_tensor x = lin_matrix((float *)p[2], batch, in), y = lin_matrix((float *)p[3], batch, out);
        zlayer = l;
        memcpy(p[4], &x, sizeof x);
        memcpy(p[5], &y, sizeof y);
    }
#if LIN__MATH
    if (c->op == 2) {
        lin_rng g;
        lin_rng_seed(&g, c->k[3]);
        memcpy(p[2], &l, sizeof l);
        memcpy(p[3], &g, sizeof g);
    }
#endif
}
static lin_status zrun_layer(const zcall *c, void *const *p)
{
    lin_layer l, l0;
    lin_tensor w, b;
    lin_status s;
    switch (c->op) {
    case 0:
        memset(&l, 0x5a, sizeof l);
        l0 = l;
        s = lin_layer_init(&l, c->k[1], c->k[2], (float *)p[0], (float *)p[1]);
        if (s == LIN_OK ? l.in_features != c->k[1] || l.out_features != c->k[2] || l.weight != (float *)p[0] ||
                              l.bias != (float *)p[1]
                        : memcmp(&l, &l0, sizeof l) != 0) {
            fprintf(stderr, "lin_layer_init: %s, and the layer's fields are not %s\n", lin_status_str(s),
                    s == LIN_OK ? "its arguments" : "as they were");
            abort();
        }
        return s;
    case 1:
        w = lin_layer_weight(&zlayer);
        b = lin_layer_bias(&zlayer);
        if (w.data != zlayer.weight || w.ndim != 2 || w.shape[0] != c->k[2] || w.shape[1] != c->k[1] ||
            b.data != zlayer.bias || b.ndim != 1 || b.shape[0] != c->k[2]) {
            fprintf(stderr, "lin_layer_weight or lin_layer_bias: not the layer's views\n");
            abort();
        }
        return lin_layer_forward(&zlayer, (const lin_tensor *)p[4], (lin_tensor *)p[5]);
#if LIN__MATH
    default: return lin_layer_reset_parameters((lin_layer *)p[2], (lin_rng *)p[3]);
#else
    default: return LIN_OK;
#endif
    }
}
static lin_status zexplain_layer(const zcall *c, void *const *p, char *msg, size_t cap)
{
    if (c->op == 0) return lin_layer_init_explain(c->k[1], c->k[2], (const float *)p[0], (const float *)p[1], msg, cap);
    return lin_layer_forward_explain(&zlayer, (const lin_tensor *)p[4], (const lin_tensor *)p[5], msg, cap);
}
static void fuzz_layer(reader *r)
{
    zcall c;
    const size_t batch = take(r, 6), in = take(r, 24), out = take(r, 24);
    memset(&c, 0, sizeof c);
    c.op = (int)take(r, 3);
    c.what = c.op == 0 ? "lin_layer_init" : c.op == 1 ? "lin_layer_forward" : "lin_layer_reset_parameters";
    c.k[0] = batch, c.k[1] = in, c.k[2] = out, c.k[3] = take(r, 1000);
    ZF(&c, out * in, c.op == 2);
    c.b[ZF(&c, out, c.op == 2)].absent = take(r, 3) == 0;
    c.b[0].apart = 1u << 1;             /* a layer's rule: W and the bias apart */
    if (c.op == 1) {
        ZF(&c, batch * in, 0);
        ZF(&c, batch * out, 1);
        zfixed(&c, sizeof(lin_tensor), sizeof(void *), 0, 1);
        zfixed(&c, sizeof(lin_tensor), sizeof(void *), 0, 1);
        c.b[0].apart = 0;               /* (the forward reads both: they may overlap) */
    } else if (c.op == 2) {
#if !LIN__MATH
        return;
#endif
        zfixed(&c, sizeof(lin_layer), sizeof(void *), 0, 1);
        zfixed(&c, sizeof(lin_rng), 8, 1, 0);
    }
    c.prepare = zprep_layer;
    c.run = zrun_layer;
    if (c.op <= 1) c.explain = zexplain_layer;
    fuzz_zone(r, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r;
    unsigned op;
#ifdef FUZZ_STATS
    static int registered;
    if (!registered) registered = !atexit(print_stats);
#endif
    r.p = data;
    r.n = size;
    lin__isa_force(-1);                 /* fuzz_f32 may have chosen another family */
    if (r.n && r.p[0] >= 250) {         /* the zone's calls (no seed before them began with 250..255) */
        const unsigned family = r.p[0] - 250u;
        r.p++;
        r.n--;
        switch (family) {
#ifndef LIN_NO_TRAIN
        case 0: fuzz_backward(&r); break;
        case 1: fuzz_optim(&r); break;
        case 2: fuzz_loss(&r); break;
#endif
#ifndef LIN_NO_LORA
        case 3: fuzz_lora(&r); break;
#endif
        case 4: fuzz_quant(&r); break;
        default:                        /* a second byte of 250..255: the layers or the scalar entry points
                                           (few earlier seeds had one) */
            if (r.n && r.p[0] >= 250) {
                const unsigned sub = r.p[0] - 250u;
                r.p++;
                r.n--;
                if (sub < 3) fuzz_layer(&r);
                else fuzz_scalars(&r);
            } else {
                fuzz_pc(&r);
            }
            break;
        }
        return 0;
    }
    op = take(&r, 10);
#ifdef LIN__TORCH_RNG
    if (op == 9) {
        fuzz_torch_rng(&r);
        return 0;
    }
#endif
#ifndef LIN_NO_SAFETENSORS
    if (op == 8) {
        fuzz_st(&r);
        return 0;
    }
#endif
    if (op == 7) {
        fuzz_act(&r);
        return 0;
    }
#ifndef LIN_NO_WFORMATS
    if (op == 5) fuzz_wf(&r);
    else
#endif
    if (op == 6) fuzz_s16(&r);
    else if (op == 4) fuzz_s8(&r);
    else if (op == 3) fuzz_npy(&r);
    else if (op == 2) fuzz_f32(&r);
    else fuzz_views(&r, op == 1);
    return 0;
}
