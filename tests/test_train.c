/* test_train.c - training against PyTorch: lin_linear_backward (tensor and
   raw), lin_matmul_backward with broadcast batches, ReLU, mse_loss,
   cross_entropy, SGD / Adam / AdamW step by step, LoRA forward, backward
   and merge (tests/fixtures/train.txt, from tests/gen_train_fixtures.py);
   .npy byte for byte as numpy writes it; and every error status with the
   outputs untouched. */
#include "test_util.h"

#define TRAIN_IRIS_NO_MAIN              /* the example's own training step */
#include "../examples/train_iris.c"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

/* ---- the fixture file: cases of named tensors ---- */

#define MAX_T 24

typedef struct nt {
    char name[32];
    int ndim;
    size_t shape[LIN_MAX_DIMS], n;
    double *v;
} nt;

typedef struct tcase {
    char name[32], op[32], params[256];
    int count;
    nt t[MAX_T];
} tcase;

static int read_word(FILE *fp, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(fp)) == ' ' || c == '\n') {
    }
    while (c != EOF && c != ' ' && c != '\n') {
        if (n + 1 < cap) buf[n++] = (char)c;
        c = getc(fp);
    }
    buf[n] = '\0';
    if (c == '\n') ungetc(c, fp);
    return n > 0;
}

static void free_case(tcase *c)
{
    int i;
    for (i = 0; i < c->count; ++i) free(c->t[i].v);
    memset(c, 0, sizeof *c);
}

static int next_case(FILE *fp, tcase *c)
{
    char w[64];
    int ch;
    size_t n = 0;
    memset(c, 0, sizeof *c);
    if (!read_word(fp, w, sizeof w)) return 0;
    assert_string_equal(w, "case");
    read_word(fp, c->name, sizeof c->name);
    read_word(fp, c->op, sizeof c->op);
    while ((ch = getc(fp)) != '\n' && ch != EOF)     /* key=value ... */
        if (n + 1 < sizeof c->params) c->params[n++] = (char)ch;
    for (;;) {
        nt *t;
        size_t i;
        int d;
        read_word(fp, w, sizeof w);
        if (!strcmp(w, "end")) return 1;
        assert_string_equal(w, "t");
        assert_true(c->count < MAX_T);
        t = &c->t[c->count++];
        read_word(fp, t->name, sizeof t->name);
        read_word(fp, w, sizeof w);
        t->ndim = atoi(w);
        t->n = 1;
        for (d = 0; d < t->ndim; ++d) {
            read_word(fp, w, sizeof w);
            t->shape[d] = (size_t)strtoul(w, NULL, 10);
            t->n *= t->shape[d];
        }
        t->v = (double *)malloc((t->n + 1) * sizeof(double));
        assert_non_null(t->v);
        for (i = 0; i < t->n; ++i) {
            read_word(fp, w, sizeof w);
            t->v[i] = strtod(w, NULL);
        }
    }
}

static const nt *get(const tcase *c, const char *name)
{
    int i;
    for (i = 0; i < c->count; ++i)
        if (!strcmp(c->t[i].name, name)) return &c->t[i];
    fail_msg("%s: no tensor %s", c->name, name);
    return NULL;
}

/* a parameter of the case line, or `dflt` */
static double param(const tcase *c, const char *key, double dflt)
{
    char pat[40];
    const char *p;
    snprintf(pat, sizeof pat, "%s=", key);
    p = strstr(c->params, pat);
    return p ? strtod(p + strlen(pat), NULL) : dflt;
}

/* a float32 copy of a fixture tensor in a layout */
#if !defined(LIN_NO_TRAIN)
static test_tensor as_tensor(const nt *t, int layout)
{
    float *f = (float *)malloc((t->n + 1) * sizeof(float));
    test_tensor r;
    size_t i;
    assert_non_null(f);
    for (i = 0; i < t->n; ++i) f[i] = (float)t->v[i];
    r = make_tensor(layout, t->ndim, t->shape, f);
    free(f);
    return r;
}
#endif

static float *as_floats(const nt *t)
{
    float *f = (float *)malloc((t->n + 1) * sizeof(float));
    size_t i;
    assert_non_null(f);
    for (i = 0; i < t->n; ++i) f[i] = (float)t->v[i];
    return f;
}

static void expect_close(const lin_tensor *got, const tcase *c, const char *want, const char *mag,
                         size_t k)
{
    char what[96];
    snprintf(what, sizeof what, "%s %s", c->name, want);
    assert_int_equal(lin_numel(got), get(c, want)->n);
    assert_close_to(got, get(c, want)->v, get(c, mag)->v, k, what);
}

static void for_each_case(void (*run)(const tcase *), const char *op)
{
    char path[512];
    FILE *fp;
    tcase c;
    int seen = 0;
    snprintf(path, sizeof path, "%s/train.txt", FIXTURE_DIR);
    fp = fopen(path, "r");
    if (!fp) fail_msg("cannot open %s (run the tests from the repository root)", path);
    {
        int ch;
        while ((ch = getc(fp)) == '#')  /* the header comment */
            while ((ch = getc(fp)) != '\n' && ch != EOF) {
            }
        if (ch != EOF) ungetc(ch, fp);
    }
    while (next_case(fp, &c)) {
        if (!strcmp(c.op, op)) {
            run(&c);
            ++seen;
        }
        free_case(&c);
    }
    fclose(fp);
    assert_true(seen > 0);
}

/* ---- linear backward ---- */

#if !defined(LIN_NO_TRAIN)
static void run_linear_backward(const tcase *c)
{
    const nt *x = get(c, "x"), *w = get(c, "weight"), *gy = get(c, "grad_y");
    size_t rows = x->n / (x->shape[x->ndim - 1] ? x->shape[x->ndim - 1] : 1);
    size_t out = w->shape[0], in = w->shape[1];
    int layout;
    if (!in) rows = gy->n / (out ? out : 1);
    for (layout = 0; layout < LAYOUT_COUNT; ++layout) {
        test_tensor tx = as_tensor(x, layout), tw = as_tensor(w, (layout + 1) % LAYOUT_COUNT);
        test_tensor tgy = as_tensor(gy, (layout + 2) % LAYOUT_COUNT);
        test_tensor gx = make_tensor(layout, x->ndim, x->shape, NULL);
        test_tensor gw = as_tensor(get(c, "grad_weight0"), layout);
        test_tensor gb = as_tensor(get(c, "grad_bias0"), layout);
        assert_int_equal(lin_linear_backward(&tx.t, &tw.t, &tgy.t, &gx.t, &gw.t, &gb.t), LIN_OK);
        expect_close(&gx.t, c, "want_grad_x", "mag_grad_x", out);
        expect_close(&gw.t, c, "want_grad_weight", "mag_grad_weight", rows + 1);
        expect_close(&gb.t, c, "want_grad_bias", "mag_grad_bias", rows + 1);
        assert_gaps_untouched(&gx);
        free_tensor(&tx); free_tensor(&tw); free_tensor(&tgy);
        free_tensor(&gx); free_tensor(&gw); free_tensor(&gb);
    }
    if (x->ndim <= 2) {                 /* the raw-buffer entry point */
        float *fx = as_floats(x), *fw = as_floats(w), *fgy = as_floats(gy);
        float *gx = (float *)malloc((x->n + 1) * sizeof(float));
        float *gw = as_floats(get(c, "grad_weight0")), *gb = as_floats(get(c, "grad_bias0"));
        lin_tensor vx, vw, vb;
        assert_non_null(gx);
        assert_int_equal(lin_linear_backward_f32(fx, fw, fgy, gx, gw, gb, rows, in, out), LIN_OK);
        vx = lin_tensor_view(gx, x->ndim, x->shape);
        vw = lin_tensor_view(gw, 2, w->shape);
        vb = lin_vector(gb, out);
        expect_close(&vx, c, "want_grad_x", "mag_grad_x", out);
        expect_close(&vw, c, "want_grad_weight", "mag_grad_weight", rows + 1);
        expect_close(&vb, c, "want_grad_bias", "mag_grad_bias", rows + 1);
        free(fx); free(fw); free(fgy); free(gx); free(gw); free(gb);
    }
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_linear_backward(void **state)
{
    (void)state;
    for_each_case(run_linear_backward, "linear_backward");
}
#endif

/* Degenerate layers whose gradients take the batch-1-to-4 kernel in
   accumulate mode: with in 1 and out 1, grad_weight += grad_y^T*x is a
   (1, batch)*(batch, 1) product with both operands contiguous along the
   batch. The same with in or out 2-3. */
#if !defined(LIN_NO_TRAIN)
static void test_train_linear_backward_thin(void **state)
{
    enum { BATCH = 300 };
    static float x[BATCH * 3], w[9], gy[BATCH * 3], gx[BATCH * 3];
    size_t in, out, i, j, p;
    (void)state;
    for (i = 0; i < BATCH * 3; ++i) {
        x[i] = test_randf();
        gy[i] = test_randf();
    }
    for (i = 0; i < 9; ++i) w[i] = test_randf();
    for (in = 1; in <= 3; ++in)
        for (out = 1; out <= 3; ++out) {
            float gw[9], gb[3];
            for (i = 0; i < 9; ++i) gw[i] = 0.5f;
            for (j = 0; j < 3; ++j) gb[j] = -0.25f;
            assert_int_equal(lin_linear_backward_f32(x, w, gy, gx, gw, gb, BATCH, in, out), LIN_OK);
            for (j = 0; j < out; ++j) {
                double rb = -0.25, mb = 0.25;
                for (p = 0; p < in; ++p) {
                    double r = 0.5, m = 0.5;
                    for (i = 0; i < BATCH; ++i) {
                        r += (double)gy[i * out + j] * x[i * in + p];
                        m += fabs((double)gy[i * out + j] * x[i * in + p]);
                    }
                    assert_true(close_enough(gw[j * in + p], r, m, BATCH + 1));
                }
                for (i = 0; i < BATCH; ++i) {
                    rb += gy[i * out + j];
                    mb += fabs(gy[i * out + j]);
                }
                assert_true(close_enough(gb[j], rb, mb, BATCH + 1));
            }
            for (i = 0; i < BATCH; ++i)
                for (p = 0; p < in; ++p) {
                    double r = 0.0, m = 0.0;
                    for (j = 0; j < out; ++j) {
                        r += (double)gy[i * out + j] * w[j * in + p];
                        m += fabs((double)gy[i * out + j] * w[j * in + p]);
                    }
                    assert_true(close_enough(gx[i * in + p], r, m, out));
                }
        }
}
#endif

/* ---- matmul backward ---- */

#if !defined(LIN_NO_TRAIN)
static void run_matmul_backward(const tcase *c)
{
    const nt *a = get(c, "a"), *b = get(c, "b"), *go = get(c, "grad_out");
    int layout;
    for (layout = 0; layout < LAYOUT_COUNT; ++layout) {
        test_tensor ta = as_tensor(a, layout), tb = as_tensor(b, (layout + 1) % LAYOUT_COUNT);
        test_tensor tgo = as_tensor(go, (layout + 2) % LAYOUT_COUNT);
        test_tensor ga = as_tensor(get(c, "grad_a0"), layout), gb = as_tensor(get(c, "grad_b0"), layout);
        assert_int_equal(lin_matmul_backward(&ta.t, &tb.t, &tgo.t, &ga.t, &gb.t), LIN_OK);
        /* every element sums at most all of grad_out's terms, and its start */
        expect_close(&ga.t, c, "want_grad_a", "mag_grad_a", go->n + 1);
        expect_close(&gb.t, c, "want_grad_b", "mag_grad_b", go->n + 1);
        free_tensor(&ta); free_tensor(&tb); free_tensor(&tgo); free_tensor(&ga); free_tensor(&gb);
    }
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_matmul_backward(void **state)
{
    (void)state;
    for_each_case(run_matmul_backward, "matmul_backward");
}
#endif

/* ---- activations and losses ---- */

#if !defined(LIN_NO_TRAIN)
static void run_relu(const tcase *c)
{
    const nt *x = get(c, "x");
    float *fx = as_floats(x), *gy = as_floats(get(c, "grad_y")), *wy = as_floats(get(c, "want_y"));
    float *wgx = as_floats(get(c, "want_grad_x")), y[16], gx[16];
    size_t i;
    assert_int_equal(lin_relu_f32(fx, y, x->n), LIN_OK);
    assert_int_equal(lin_relu_backward_f32(fx, gy, gx, x->n), LIN_OK);
    for (i = 0; i < x->n; ++i) {        /* the same bits: -0 and NaN included */
        assert_int_equal(bits_of(y[i]) == bits_of(wy[i]) || (isnan(y[i]) && isnan(wy[i])), 1);
        assert_int_equal(bits_of(gx[i]), bits_of(wgx[i]));
    }
    assert_int_equal(lin_relu_f32(fx, fx, x->n), LIN_OK);   /* in place */
    for (i = 0; i < x->n; ++i) assert_true(bits_of(fx[i]) == bits_of(wy[i]) || isnan(fx[i]));
    free(fx); free(gy); free(wy); free(wgx);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_relu(void **state)
{
    (void)state;
    for_each_case(run_relu, "relu");
}
#endif

#if !defined(LIN_NO_TRAIN)
static void run_mse(const tcase *c)
{
    const nt *p = get(c, "input"), *t = get(c, "target");
    float *fp = as_floats(p), *ft = as_floats(t), *g = (float *)malloc((p->n + 1) * sizeof(float));
    double want = get(c, "want_loss")->v[0], mag = 0.0;
    float loss;
    size_t i;
    assert_non_null(g);
    assert_int_equal(lin_mse_loss_f32(fp, ft, p->n, &loss, g), LIN_OK);
    for (i = 0; i < p->n; ++i) mag += ((double)fp[i] - ft[i]) * ((double)fp[i] - ft[i]);
    if (p->n == 0) {
        assert_true(isnan(loss) && isnan(want));
    } else {
        assert_true(close_enough(loss, want, 2.0 * mag / (double)p->n, p->n + 4));
        for (i = 0; i < p->n; ++i)
            assert_true(close_enough(g[i], get(c, "want_grad")->v[i], fabs(get(c, "want_grad")->v[i]), 2));
    }
    free(fp); free(ft); free(g);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_mse_loss(void **state)
{
    (void)state;
    for_each_case(run_mse, "mse_loss");
}
#endif

#if !defined(LIN_NO_TRAIN)
static void run_cross_entropy(const tcase *c)
{
    const nt *l = get(c, "logits"), *t = get(c, "target");
    size_t batch = l->shape[0], classes = l->shape[1], i;
    float *fl = as_floats(l), *g = (float *)malloc((l->n + 1) * sizeof(float)), loss = 0.0f;
    int32_t *target = (int32_t *)malloc((batch + 1) * sizeof(int32_t));
    double want = get(c, "want_loss")->v[0], mag = 1.0;
    assert_true(g && target);
    for (i = 0; i < batch; ++i) {
        target[i] = (int32_t)t->v[i];
        if (target[i] >= 0) {           /* the size of the terms: logits around the loss */
            size_t k;
            double m = 0.0;
            for (k = 0; k < classes; ++k) m = fabs((double)fl[i * classes + k]) > m ? fabs((double)fl[i * classes + k]) : m;
            mag += 2.0 * m / (double)batch;
        }
    }
    assert_int_equal(lin_cross_entropy_f32(fl, target, batch, classes, &loss, g), LIN_OK);
    if (isnan(want)) assert_true(isnan(loss));
    else if (!close_enough(loss, want, mag, classes + 8))
        fail_msg("%s: loss %.9g, PyTorch %.17g", c->name, (double)loss, want);
    for (i = 0; i < l->n; ++i)
        if (!close_enough(g[i], get(c, "want_grad")->v[i], fabs(get(c, "want_grad")->v[i]) + 1.0 / batch,
                          classes + 8))
            fail_msg("%s: grad %zu %.9g, PyTorch %.17g", c->name, i, (double)g[i], get(c, "want_grad")->v[i]);
    free(fl); free(g); free(target);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_cross_entropy(void **state)
{
    (void)state;
    for_each_case(run_cross_entropy, "cross_entropy");
}
#endif

/* ---- optimizers ---- */

#if !defined(LIN_NO_TRAIN)
static void run_optim(const tcase *c)
{
    const nt *p0 = get(c, "param0"), *grads = get(c, "grads"), *want = get(c, "want_params");
    size_t n = p0->n, steps = grads->shape[0], s, i;
    float *p = as_floats(p0), *g = as_floats(grads);
    float *s1 = (float *)calloc(n + 1, sizeof(float)), *s2 = (float *)calloc(n + 1, sizeof(float));
    float *s3 = (float *)calloc(n + 1, sizeof(float));
    double *moved = (double *)calloc(n + 1, sizeof(double));
    uint64_t step = 0;
    int sgd = strstr(c->params, "kind=sgd") != NULL, adamw = strstr(c->params, "kind=adamw") != NULL;
    lin_sgd o_sgd = lin_sgd_defaults((float)param(c, "lr", 0.0));
    lin_adam o_adam = adamw ? lin_adamw_defaults() : lin_adam_defaults();
    assert_true(s1 && s2 && s3 && moved);
    o_sgd.momentum = (float)param(c, "momentum", 0.0);
    o_sgd.dampening = (float)param(c, "dampening", 0.0);
    o_sgd.weight_decay = (float)param(c, "weight_decay", 0.0);
    o_sgd.nesterov = (int)param(c, "nesterov", 0.0);
    o_sgd.maximize = (int)param(c, "maximize", 0.0);
    o_adam.lr = (float)param(c, "lr", o_adam.lr);
    o_adam.beta1 = (float)param(c, "beta1", o_adam.beta1);
    o_adam.beta2 = (float)param(c, "beta2", o_adam.beta2);
    o_adam.eps = (float)param(c, "eps", o_adam.eps);
    o_adam.weight_decay = (float)param(c, "weight_decay", o_adam.weight_decay);
    o_adam.amsgrad = (int)param(c, "amsgrad", 0.0);
    o_adam.maximize = (int)param(c, "maximize", 0.0);
    for (s = 0; s < steps; ++s) {
        lin_status st = sgd ? lin_sgd_step(&o_sgd, p, g + s * n, s1, &step, n)
                            : lin_adam_step(&o_adam, p, g + s * n, s1, s2, o_adam.amsgrad ? s3 : NULL, &step, n);
        assert_int_equal(st, LIN_OK);
        assert_int_equal(step, s + 1);
        for (i = 0; i < n; ++i) {
            /* a few roundings per step, each relative to the parameter or
               to the total distance it moved */
            double w = want->v[s * n + i], before = s ? want->v[(s - 1) * n + i] : p0->v[i];
            moved[i] += fabs(w - before);
            if (!(fabs((double)p[i] - w) <= 8.0 * (double)(s + 1) * ldexp(fabs(w) + moved[i], -24)))
                fail_msg("%s step %zu element %zu: %.9g, PyTorch %.9g", c->name, s + 1, i, (double)p[i], w);
        }
    }
    free(p); free(g); free(s1); free(s2); free(s3); free(moved);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_optimizers(void **state)
{
    (void)state;
    for_each_case(run_optim, "optim");
}
#endif

/* ---- LoRA ---- */

#if !defined(LIN_NO_LORA)
static void run_lora(const tcase *c)
{
    const nt *x = get(c, "x"), *w = get(c, "weight");
    size_t batch = x->shape[0], in = w->shape[1], out = w->shape[0], r = (size_t)param(c, "rank", 0);
    float *fx = as_floats(x), *fw = as_floats(w), *fb = as_floats(get(c, "bias"));
    float *fa = as_floats(get(c, "A")), *fB = as_floats(get(c, "B")), *gy = as_floats(get(c, "grad_y"));
    float *gA = as_floats(get(c, "grad_A0")), *gB = as_floats(get(c, "grad_B0"));
    float *y = (float *)malloc((batch * out + 1) * sizeof(float)), *gx = (float *)malloc((batch * in + 1) * sizeof(float));
    float *orig = as_floats(w);
    size_t ns;
    float *scratch;
    lin_layer layer;
    lin_lora lora;
    lin_tensor v;
    size_t shape[2];
    assert_true(y && gx);
    assert_int_equal(lin_layer_init(&layer, in, out, fw, fb), LIN_OK);
    assert_int_equal(lin_lora_init(&lora, &layer, r, (float)param(c, "alpha", 1.0), fa, fB), LIN_OK);
    ns = lin_lora_scratch_size(&lora, batch);
    assert_int_equal(ns, 2 * batch * r);
    scratch = (float *)malloc((ns + 1) * sizeof(float));
    assert_non_null(scratch);
    assert_int_equal(lin_lora_forward_f32(&lora, fx, y, batch, scratch, ns / 2), LIN_OK);
    shape[0] = batch; shape[1] = out;
    v = lin_tensor_view(y, 2, shape);
    expect_close(&v, c, "want_y", "mag_y", in + r + 2);
    assert_int_equal(lin_lora_backward_f32(&lora, fx, gy, gx, gA, gB, batch, scratch, ns), LIN_OK);
    shape[1] = in;
    v = lin_tensor_view(gx, 2, shape);
    expect_close(&v, c, "want_grad_x", "mag_grad_x", out + r + 2);
    shape[0] = r;
    v = lin_tensor_view(gA, 2, shape);
    expect_close(&v, c, "want_grad_A", "mag_grad_A", batch + out + 2);
    shape[0] = out; shape[1] = r;
    v = lin_tensor_view(gB, 2, shape);
    expect_close(&v, c, "want_grad_B", "mag_grad_B", batch + in + 2);
    /* merge: W + scaling*B*A, and the merged layer's forward */
    assert_int_equal(lin_lora_merge(&lora), LIN_OK);
    v = lin_tensor_view(fw, 2, w->shape);
    expect_close(&v, c, "want_merged", "mag_merged", r + 2);
    assert_int_equal(lin_lora_forward_f32(&lora, fx, y, batch, NULL, 0), LIN_OK);
    shape[0] = batch; shape[1] = out;
    v = lin_tensor_view(y, 2, shape);
    expect_close(&v, c, "want_y", "mag_y", in + r + 2);
    assert_int_equal(lin_lora_unmerge(&lora), LIN_OK);   /* back to W, to rounding */
    {
        size_t i;
        for (i = 0; i < in * out; ++i)
            assert_true(close_enough(fw[i], orig[i], get(c, "mag_merged")->v[i], r + 4));
    }
    free(fx); free(fw); free(fb); free(fa); free(fB); free(gy); free(gA); free(gB);
    free(y); free(gx); free(orig); free(scratch);
}
#endif

#if !defined(LIN_NO_LORA)
static void test_train_lora(void **state)
{
    (void)state;
    for_each_case(run_lora, "lora");
}
#endif

/* loralib's initialisation: A ~ U(-1/sqrt(in), 1/sqrt(in)), B = 0 */
#if !defined(LIN_NO_LORA)
static void test_train_lora_init(void **state)
{
    float w[8 * 100], A[4 * 100], B[8 * 4];
    lin_layer layer;
    lin_lora lora;
    lin_rng rng;
    size_t i;
    (void)state;
    memset(w, 0, sizeof w);
    fill_sentinel(B, 32);
    lin_rng_seed(&rng, 3);
    assert_int_equal(lin_layer_init(&layer, 100, 8, w, NULL), LIN_OK);
    assert_int_equal(lin_lora_init(&lora, &layer, 4, 8.0f, A, B), LIN_OK);
    assert_true(lora.scaling == 2.0f);
    assert_int_equal(lin_lora_reset_parameters(&lora, &rng), LIN_OK);
    for (i = 0; i < 400; ++i) assert_true(A[i] >= -0.1f && A[i] < 0.1f);
    for (i = 0; i < 32; ++i) assert_true(B[i] == 0.0f);
}
#endif

/* ---- the Iris example against PyTorch, step by step ---- */

/* examples/train_iris.c's mlp_step from PyTorch's initial weights on
   PyTorch's batches: the same loss curve for 50 steps. */
#if !defined(LIN_NO_TRAIN)
static void run_iris_curve(const tcase *c)
{
    static mlp net;
    const nt *X = get(c, "X"), *y = get(c, "y"), *perm = get(c, "perm"), *want = get(c, "want_losses");
    float bx[BATCH * IN];
    int32_t by[BATCH];
    lin_adam opt = lin_adam_defaults();
    size_t step, i, j;
    double worst = 0.0;
    memset(&net, 0, sizeof net);
    for (i = 0; i < HIDDEN * IN; ++i) net.p.W1[i] = (float)get(c, "W1")->v[i];
    for (i = 0; i < HIDDEN; ++i) net.p.b1[i] = (float)get(c, "b1")->v[i];
    for (i = 0; i < CLASSES * HIDDEN; ++i) net.p.W2[i] = (float)get(c, "W2")->v[i];
    for (i = 0; i < CLASSES; ++i) net.p.b2[i] = (float)get(c, "b2")->v[i];
    opt.lr = 0.01f;
    for (step = 0; step < want->n; ++step) {
        size_t start = (step * BATCH) % ROWS;
        float loss;
        double diff;
        for (i = 0; i < BATCH; ++i) {
            size_t row = (size_t)perm->v[start + i];
            for (j = 0; j < IN; ++j) bx[i * IN + j] = (float)X->v[row * IN + j];
            by[i] = (int32_t)y->v[row];
        }
        loss = mlp_step(&net, &opt, bx, by, BATCH);
        diff = fabs((double)loss - want->v[step]) / (1.0 + want->v[step]);
        if (diff > worst) worst = diff;
        /* float32 rounding, compounded over the steps taken: the
           parameters drift apart by a few ulps per step */
        if (!(diff <= (double)(step + 1) * 64.0 * ldexp(1.0, -24)))
            fail_msg("step %zu: loss %.9g, PyTorch %.9g", step, (double)loss, want->v[step]);
    }
    print_message("iris: 50 steps, largest relative loss difference %.3g\n", worst);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void test_train_iris_loss_curve(void **state)
{
    (void)state;
    for_each_case(run_iris_curve, "iris_curve");
}
#endif

/* ---- errors: a status, and nothing written ---- */

#if !defined(LIN_NO_LORA) && !defined(LIN_NO_TRAIN)
static void test_train_errors_untouched(void **state)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, 0, 0, 1, 0}, gy[4] = {1, 1, 1, 1};
    float out[32], p[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1}, loss = 0.0f;
    int32_t t[2] = {0, 3};
    lin_tensor xv = lin_matrix(x, 2, 3), wv = lin_matrix(w, 2, 3), gyv = lin_matrix(gy, 2, 2);
    lin_tensor gx = lin_matrix(out, 2, 3), bad = lin_matrix(out, 3, 3), gwv = lin_matrix(out + 8, 2, 3);
    lin_sgd sgd = lin_sgd_defaults(0.1f);
    lin_adam adam = lin_adam_defaults();
    uint64_t step = 0;
    lin_layer layer;
    lin_lora lora;
    (void)state;
    fill_sentinel(out, 32);
    expect_int(lin_linear_backward(NULL, &wv, &gyv, &gx, NULL, NULL), LIN_ERR_NULL);
    expect_int(lin_linear_backward(&xv, &wv, &gyv, &bad, NULL, NULL), LIN_ERR_SHAPE);
    expect_int(lin_linear_backward(&xv, &wv, &xv, &gx, NULL, NULL), LIN_ERR_SHAPE);
    gwv.data = out + 3;                 /* grad_weight on top of grad_x */
    expect_int(lin_linear_backward(&xv, &wv, &gyv, &gx, &gwv, NULL), LIN_ERR_ALIAS);
    gx.data = x;                        /* grad_x on top of x */
    expect_int(lin_linear_backward(&xv, &wv, &gyv, &gx, NULL, NULL), LIN_ERR_ALIAS);
    expect_int(lin_linear_backward_f32(x, w, gy, out, out + 4, NULL, 2, 3, 2), LIN_ERR_ALIAS);
    expect_int(lin_linear_backward_f32(x, w, gy, out, NULL, NULL, (size_t)-1 / 2, 3, 2), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_backward_f32(NULL, w, gy, out, NULL, NULL, 2, 3, 2), LIN_ERR_NULL);
    expect_int(lin_matmul_backward(&xv, &xv, &gyv, &gx, NULL), LIN_ERR_SHAPE);
    expect_int(lin_relu_f32(x, x + 1, 4), LIN_ERR_ALIAS);
    expect_int(lin_relu_f32(NULL, out, 4), LIN_ERR_NULL);
    expect_int(lin_cross_entropy_f32(x, t, 2, 3, &loss, out), LIN_ERR_INDEX);   /* target 3 of 3 */
    assert_true(loss == 0.0f);
    expect_int(lin_mse_loss_f32(x, w, 6, &loss, x), LIN_ERR_ALIAS);
    sgd.nesterov = 1;                   /* nesterov needs momentum */
    expect_int(lin_sgd_step(&sgd, p, g, out, &step, 4), LIN_ERR_VALUE);
    sgd = lin_sgd_defaults(-1.0f);
    expect_int(lin_sgd_step(&sgd, p, g, NULL, &step, 4), LIN_ERR_VALUE);
    sgd = lin_sgd_defaults(0.1f);
    expect_int(lin_sgd_step(&sgd, p, p + 1, NULL, &step, 3), LIN_ERR_ALIAS);
    adam.beta1 = 1.0f;
    expect_int(lin_adam_step(&adam, p, g, out, out + 4, NULL, &step, 4), LIN_ERR_VALUE);
    adam = lin_adam_defaults();
    expect_int(lin_adam_step(&adam, p, g, out, out + 2, NULL, &step, 4), LIN_ERR_ALIAS);
    expect_int(lin_adam_step(&adam, p, g, NULL, out + 4, NULL, &step, 4), LIN_ERR_NULL);
    {   /* the hyper-parameters (read on every element) and the step count (written) apart
           from what is written and read: refused, all as they were */
        union { lin_sgd o; float f[8]; } us;
        union { lin_adam o; float f[16]; } ua;
        union { float f[4]; uint64_t n; } un;
        lin_sgd s0 = lin_sgd_defaults(0.1f);
        lin_adam a0 = lin_adam_defaults();
        memset(&us, 0, sizeof us);
        memset(&ua, 0, sizeof ua);
        us.o = s0;
        expect_int(lin_sgd_step(&us.o, us.f + 1, g, NULL, &step, 2), LIN_ERR_ALIAS);     /* param over opt */
        assert_memory_equal(&us.o, &s0, sizeof s0);     /* bytes: x87 compares floats in long double */
        ua.o = a0;
        expect_int(lin_adam_step(&ua.o, p, g, ua.f + 2, out + 4, NULL, &step, 4), LIN_ERR_ALIAS);
        assert_memory_equal(&ua.o, &a0, sizeof a0);
        un.n = 0;
        expect_int(lin_sgd_step(&sgd, un.f, g, NULL, &un.n, 4), LIN_ERR_ALIAS);   /* the count inside param */
        assert_true(un.n == 0);
    }
    assert_true(step == 0 && p[0] == 1.0f && p[3] == 4.0f);
    expect_int(lin_layer_init(&layer, 3, 2, w, NULL), LIN_OK);
    expect_int(lin_lora_init(&lora, &layer, 0, 1.0f, out, out + 8), LIN_ERR_VALUE);
    expect_int(lin_lora_init(&lora, &layer, 2, 1.0f, w, out + 8), LIN_ERR_ALIAS);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, p, g), LIN_OK);
    expect_int(lin_lora_unmerge(&lora), LIN_ERR_STATE);        /* not merged */
    expect_int(lin_lora_forward_f32(&lora, x, out, 2, out + 6, 1), LIN_ERR_SIZE);   /* scratch 2 */
    expect_int(lin_lora_forward_f32(&lora, x, out, 2, x + 1, 2), LIN_ERR_ALIAS);
    assert_untouched(out, 32);
    assert_true(w[0] == 1.0f && w[4] == 1.0f);
}
#endif

/* ---- .npy ---- */

#if !defined(LIN_NO_NPY)
static unsigned char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/npy/%s", FIXTURE_DIR, name);
    return test_read_file(path, len);
}
#endif

/* Our bytes are numpy's bytes, and numpy's bytes read back, on every host
   (the cross runs include big-endian s390x). */
#if !defined(LIN_NO_NPY)
static void test_npy_matches_numpy(void **state)
{
    static const float vals[6] = {1.5f, -2.25f, 3.0e-8f, INFINITY, -0.0f, 65504.0f};
    static const char *names[4] = {"m23.npy", "v6.npy", "s.npy", "e04.npy"};
    size_t shapes[4][2] = {{2, 3}, {6, 0}, {0, 0}, {0, 4}};
    int ndims[4] = {2, 1, 0, 2}, f;
    float scalar = 7.25f, copy[8];
    unsigned char out[256];
    (void)state;
    for (f = 0; f < 4; ++f) {
        size_t len, written = 0, i;
        unsigned char *want = read_file(names[f], &len);
        lin_tensor t = lin_tensor_view(f == 2 ? &scalar : (float *)vals, ndims[f], shapes[f]);
        lin_tensor back;
        if (f == 3) t.data = NULL;
        assert_int_equal(lin_npy_size(&t), len);
        assert_int_equal(lin_npy_encode(&t, out, sizeof out, &written), LIN_OK);
        assert_int_equal(written, len);
        assert_memory_equal(out, want, len);
        fill_sentinel(copy, 8);
        back = lin_tensor_view(copy, ndims[f], shapes[f]);
        assert_int_equal(lin_npy_decode(want, len, &back), LIN_OK);
        for (i = 0; i < lin_numel(&t); ++i) assert_int_equal(bits_of(copy[i]), bits_of(t.data[i]));
        free(want);
    }
    {   /* big-endian '>f4' reads too; a wrong shape or a truncated file does not */
        size_t len, two3[2] = {2, 3}, three2[2] = {3, 2}, i;
        unsigned char *big = read_file("big23.npy", &len);
        lin_tensor back = lin_tensor_view(copy, 2, two3), wrong = lin_tensor_view(copy, 2, three2);
        assert_int_equal(lin_npy_decode(big, len, &back), LIN_OK);
        for (i = 0; i < 6; ++i) assert_int_equal(bits_of(copy[i]), bits_of(vals[i]));
        fill_sentinel(copy, 8);
        assert_int_equal(lin_npy_decode(big, len, &wrong), LIN_ERR_SHAPE);
        assert_int_equal(lin_npy_decode(big, len - 1, &back), LIN_ERR_FORMAT);
        assert_int_equal(lin_npy_decode(big + 1, len - 1, &back), LIN_ERR_FORMAT);
        assert_untouched(copy, 8);
        free(big);
    }
    {   /* a strided view writes as its logical (row-major) order */
        float m[6] = {1, 2, 3, 4, 5, 6};
        lin_tensor t = lin_matrix(m, 2, 3), tt = lin_transpose(&t), back;
        size_t written = 0, i, s32[2] = {3, 2};
        float expect[6] = {1, 4, 2, 5, 3, 6};
        assert_int_equal(lin_npy_encode(&tt, out, sizeof out, &written), LIN_OK);
        back = lin_tensor_view(copy, 2, s32);
        assert_int_equal(lin_npy_decode(out, written, &back), LIN_OK);
        for (i = 0; i < 6; ++i) assert_true(copy[i] == expect[i]);
        assert_int_equal(lin_npy_encode(&tt, out, 10, &written), LIN_ERR_SIZE);    /* too small */
    }
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_linear_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_linear_backward_thin),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_matmul_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_relu),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_mse_loss),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_cross_entropy),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_optimizers),
#endif
#if !defined(LIN_NO_LORA)
        TEST(test_train_lora),
#endif
#if !defined(LIN_NO_LORA)
        TEST(test_train_lora_init),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_train_iris_loss_curve),
#endif
#if !defined(LIN_NO_LORA) && !defined(LIN_NO_TRAIN)
        TEST(test_train_errors_untouched),
#endif
#if !defined(LIN_NO_NPY)
        TEST(test_npy_matches_numpy),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
