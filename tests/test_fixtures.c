/* test_fixtures.c - linear.h against PyTorch: the cases tests/gen_fixtures.py
   ran through torch.matmul and F.linear, each replayed with contiguous,
   padded and column-major operands and outputs, through every entry point
   that accepts it. */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

typedef struct fx_tensor {
    int present, ndim;
    size_t shape[LIN_MAX_DIMS], n;
    float *f;          /* inputs */
    double *d, *mag;   /* expected output and magnitudes */
} fx_tensor;

/* The largest tensor, in elements, a case may have on this board: all on a
   host; on the 16 KiB micro:bit, whose heap newlib hands out in 4 KiB pages,
   the cases up to 32 elements (about a third). */
#define FX_MAX_ELEMS TEST_SIZE((size_t)-1, 32)

typedef struct fx_case {
    char name[64], op[16];
    int too_big;       /* a tensor beyond FX_MAX_ELEMS: read past, not run */
    fx_tensor in[3];   /* a, b or x, weight, bias */
    fx_tensor out;
    int is_error;
    lin_status err;
    char msg[512];
} fx_case;

/* The fixture file, read as a stream of words: the firmware builds of this
   suite read it over semihosting, with less RAM than the file. */
typedef struct fx_file {
    FILE *fp;
} fx_file;

static fx_file fx_open(const char *name)
{
    fx_file f;
    char path[512];
    int c;
    snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
    f.fp = fopen(path, "r");
    if (!f.fp) fail_msg("cannot open %s (run the tests from the repository root)", path);
    while ((c = getc(f.fp)) == '#')     /* the header comment lines */
        while ((c = getc(f.fp)) != '\n' && c != EOF) {
        }
    if (c != EOF) ungetc(c, f.fp);
    return f;
}

/* The next space- or newline-separated word ("" at the end). */
static char *fx_word(fx_file *f, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(f->fp)) == ' ' || c == '\n') {
    }
    while (c != EOF && c != ' ' && c != '\n') {
        if (n + 1 < cap) buf[n++] = (char)c;
        c = getc(f->fp);
    }
    if (c == '\n') ungetc(c, f->fp);
    buf[n] = '\0';
    return buf;
}

static size_t fx_size(fx_file *f)
{
    char w[32], *end;
    unsigned long v = strtoul(fx_word(f, w, sizeof w), &end, 10);
    assert_true(end != w && *end == '\0');
    return (size_t)v;
}

static void fx_shape(fx_file *f, fx_tensor *t)
{
    int d;
    t->present = 1;
    t->ndim = (int)fx_size(f);
    t->n = 1;
    for (d = 0; d < t->ndim; ++d) {
        t->shape[d] = fx_size(f);
        t->n *= t->shape[d];
    }
}

static void fx_doubles(fx_file *f, double *dst, size_t n)
{
    size_t i;
    char w[40], *end;
    for (i = 0; i < n; ++i) {
        dst[i] = strtod(fx_word(f, w, sizeof w), &end);
        assert_true(end != w && *end == '\0');
    }
}

static void fx_skip(fx_file *f, size_t n)
{
    char w[40];
    while (n--) fx_word(f, w, sizeof w);
}

static void fx_free(fx_case *c)
{
    int i;
    for (i = 0; i < 3; ++i) free(c->in[i].f);
    free(c->out.d);
    free(c->out.mag);
    memset(c, 0, sizeof *c);
}

/* Reads the next case; 0 at the end of the file. */
static int fx_next(fx_file *f, fx_case *c)
{
    char w[64];
    memset(c, 0, sizeof *c);
    if (!*fx_word(f, w, sizeof w)) return 0;
    assert_string_equal(w, "case");
    fx_word(f, c->name, sizeof c->name);
    fx_word(f, c->op, sizeof c->op);
    for (;;) {
        fx_word(f, w, sizeof w);
        if (!strcmp(w, "in")) {
            char role[16];
            int slot;
            fx_tensor *t;
            double *tmp;
            size_t i;
            fx_word(f, role, sizeof role);
            slot = !strcmp(role, "a") || !strcmp(role, "x") ? 0
                 : !strcmp(role, "b") || !strcmp(role, "weight") ? 1 : 2;
            t = &c->in[slot];
            fx_shape(f, t);
            if (t->n > FX_MAX_ELEMS) {
                c->too_big = 1;
                fx_skip(f, t->n);
                continue;
            }
            t->f = (float *)malloc((t->n ? t->n : 1) * sizeof(float));
            tmp = (double *)malloc((t->n ? t->n : 1) * sizeof(double));
            assert_true(t->f && tmp);
            fx_doubles(f, tmp, t->n);
            for (i = 0; i < t->n; ++i) t->f[i] = (float)tmp[i];   /* exact: %.9g of a float */
            free(tmp);
        } else if (!strcmp(w, "out")) {
            fx_shape(f, &c->out);
            if (c->out.n > FX_MAX_ELEMS) c->too_big = 1;
            if (c->too_big) {
                fx_skip(f, c->out.n);
                continue;
            }
            c->out.d = (double *)malloc((c->out.n ? c->out.n : 1) * sizeof(double));
            c->out.mag = (double *)malloc((c->out.n ? c->out.n : 1) * sizeof(double));
            assert_true(c->out.d && c->out.mag);
            fx_doubles(f, c->out.d, c->out.n);
        } else if (!strcmp(w, "abs")) {
            if (c->too_big) fx_skip(f, c->out.n);
            else fx_doubles(f, c->out.mag, c->out.n);
        } else if (!strcmp(w, "error")) {
            size_t n = 0;
            int ch;
            c->is_error = 1;
            fx_word(f, w, sizeof w);
            c->err = !strcmp(w, "RANK") ? LIN_ERR_RANK : LIN_ERR_SHAPE;
            while ((ch = getc(f->fp)) == ' ') {
            }
            while (ch != '\n' && ch != EOF) {  /* the message: the rest of the line */
                assert_true(n + 1 < sizeof c->msg);
                c->msg[n++] = (char)ch;
                ch = getc(f->fp);
            }
        } else if (!strcmp(w, "end")) {
            return 1;
        } else {
            fail_msg("unexpected '%s' in case %s", w, c->name);
        }
    }
}

/* The case's reduction length K, for the tolerance. */
static size_t fx_k(const fx_case *c)
{
    const fx_tensor *a = &c->in[0];
    return a->ndim ? a->shape[a->ndim - 1] : 0;
}

static lin_status fx_call(const fx_case *c, const lin_tensor *a, const lin_tensor *b,
                          const lin_tensor *bias, lin_tensor *out)
{
    return !strcmp(c->op, "matmul") ? lin_matmul(a, b, out) : lin_linear(a, b, bias, out);
}

/* The case through lin_matmul / lin_linear with every operand in `layout`. */
static void fx_run_layout(const fx_case *c, int layout)
{
    test_tensor in[3], out;
    char what[128];
    int i;
    lin_status s;
    memset(in, 0, sizeof in);
    for (i = 0; i < 3; ++i)
        if (c->in[i].present) in[i] = make_tensor(layout, c->in[i].ndim, c->in[i].shape, c->in[i].f);
    snprintf(what, sizeof what, "%s (layout %d)", c->name, layout);
    if (c->is_error) {
        size_t four = 4;
        out = make_tensor(layout, 1, &four, NULL);
        s = fx_call(c, &in[0].t, &in[1].t, c->in[2].present ? &in[2].t : NULL, &out.t);
        if (s != c->err) fail_msg("%s: status %s, PyTorch raised %s", what, lin_status_str(s), c->msg);
        assert_untouched(out.buf, out.len);
    } else {
        out = make_tensor(layout, c->out.ndim, c->out.shape, NULL);
        s = fx_call(c, &in[0].t, &in[1].t, c->in[2].present ? &in[2].t : NULL, &out.t);
        if (s != LIN_OK) fail_msg("%s: status %s", what, lin_status_str(s));
        assert_close_to(&out.t, c->out.d, c->out.mag, fx_k(c), what);
        assert_gaps_untouched(&out);
    }
    for (i = 0; i < 3; ++i) free_tensor(&in[i]);
    free_tensor(&out);
}

/* PyTorch's error message, word for word, from the explain functions. */
static void fx_check_message(const fx_case *c)
{
    char buf[512];
    lin_tensor a, b, bias;
    lin_status s;
    a = lin_tensor_view(c->in[0].f, c->in[0].ndim, c->in[0].shape);
    b = lin_tensor_view(c->in[1].f, c->in[1].ndim, c->in[1].shape);
    bias = lin_tensor_view(c->in[2].f, c->in[2].ndim, c->in[2].shape);
    if (!strcmp(c->op, "matmul")) s = lin_matmul_explain(&a, &b, NULL, buf, sizeof buf);
    else s = lin_linear_explain(&a, &b, c->in[2].present ? &bias : NULL, NULL, buf, sizeof buf);
    if (s != c->err) fail_msg("%s: status %s", c->name, lin_status_str(s));
    if (strcmp(buf, c->msg)) fail_msg("%s: message\n  '%s'\nPyTorch\n  '%s'", c->name, buf, c->msg);
}

/* The linear cases the raw-buffer and layer entry points can express:
   a 2-D weight and a bias of shape (out) or none. */
static void fx_run_raw(const fx_case *c)
{
    const fx_tensor *x = &c->in[0], *w = &c->in[1], *b = &c->in[2];
    size_t batch, fin, fout, ny;
    float *y;
    lin_layer layer;
    lin_tensor xv, yv;
    memset(&layer, 0, sizeof layer);
    if (w->ndim != 2 || (b->present && (b->ndim != 1 || b->shape[0] != w->shape[0]))) return;
    fin = w->shape[1];
    fout = w->shape[0];
    batch = x->n / (fin ? fin : 1);
    if (!fin) batch = c->out.n / (fout ? fout : 1);
    if (x->ndim == 0 || !fout) return;
    ny = c->out.n;
    y = (float *)malloc((ny + 1) * sizeof(float));
    assert_non_null(y);

    fill_sentinel(y, ny + 1);
    assert_int_equal(lin_linear_f32(x->f, w->f, b->present ? b->f : NULL, y, batch, fin, fout), LIN_OK);
    yv = lin_tensor_view(y, c->out.ndim, c->out.shape);
    assert_close_to(&yv, c->out.d, c->out.mag, fin, c->name);
    assert_true(is_sentinel(y[ny]));

    fill_sentinel(y, ny + 1);
    assert_int_equal(lin_layer_init(&layer, fin, fout, w->f, b->present ? b->f : NULL), LIN_OK);
    xv = lin_tensor_view(x->f, x->ndim, x->shape);
    assert_int_equal(lin_layer_forward(&layer, &xv, &yv), LIN_OK);
    assert_close_to(&yv, c->out.d, c->out.mag, fin, c->name);
    free(y);
}

static void run_file(const char *name, int raw)
{
    fx_file f = fx_open(name);
    fx_case c;
    int run = 0, too_big = 0, layout;
    while (fx_next(&f, &c)) {
        if (c.too_big) {
            ++too_big;
        } else {
            for (layout = 0; layout < LAYOUT_COUNT; ++layout) fx_run_layout(&c, layout);
            if (c.is_error) fx_check_message(&c);
            else if (raw) fx_run_raw(&c);
            ++run;
        }
        fx_free(&c);
    }
    fclose(f.fp);
    if (too_big) print_message("%s: %d cases run, %d larger than this board's RAM\n", name, run, too_big);
    assert_true(run > TEST_SIZE(100, 40));
}

static void test_fixtures_matmul(void **state)
{
    (void)state;
    run_file("matmul.txt", 0);
}

static void test_fixtures_linear(void **state)
{
    (void)state;
    run_file("linear.txt", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_fixtures_matmul),
        TEST(test_fixtures_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
