/* test_export.c - a real PyTorch model through tools/export_torch.py: the
   exported header (tests/fixtures/export/model_weights.h) compiled here
   gives PyTorch's outputs (expected.h) on fixed inputs: Linear(8, 16), ReLU,
   and a Linear(16, 4) with a rank-2 LoRA adapter. Both headers come from
   tests/gen_export_fixtures.py.
   The digits MLP (Linear(64, 64), ReLU, Linear(64, 10), trained on
   scikit-learn's 8x8 digits) exported float and with --weights f16, bf16,
   q8w and q4w, all five headers in this one file (each its --prefix), from
   tests/gen_export_wforms.py: the compressed bytes and scales are linear.h's
   converters' bit for bit, each layer run by the header's _FORWARD call is
   within the float32 bound of a float64 reference on the decoded weights,
   and each form classifies the held-out images as PyTorch did. */
#include "test_util.h"

#include "fixtures/export/expected.h"
#include "fixtures/export/expected_s8.h"
#include "fixtures/export/mlp_s8.h"
#include "fixtures/export/model_weights.h"
#ifndef LIN_NO_WFORMATS
#include "fixtures/export/digits_bf16.h"
#include "fixtures/export/digits_f16.h"
#include "fixtures/export/digits_f32.h"
#include "fixtures/export/digits_q4w.h"
#include "fixtures/export/digits_q8w.h"
#include "fixtures/export/digits_test.h"
#endif

#if !defined(LIN_NO_LORA) && !defined(LIN_NO_TRAIN)
static void test_export_model_outputs(void **state)
{
    lin_layer l0 = NET_0_LAYER, l2 = NET_2_LAYER;
    lin_lora lora;
    float h[5 * NET_0_OUT], y[5 * NET_2_OUT], scratch[5 * NET_2_LORA_RANK];
    size_t shape[2] = {5, NET_2_OUT};
    lin_tensor yv = lin_tensor_view(y, 2, shape);
    (void)state;
    assert_int_equal(NET_0_IN, 8);
    assert_int_equal(NET_2_IN, NET_0_OUT);
    assert_int_equal(lin_linear_f32(export_x, l0.weight, l0.bias, h, 5, NET_0_IN, NET_0_OUT), LIN_OK);
    assert_int_equal(lin_relu_f32(h, h, 5 * NET_0_OUT), LIN_OK);
    assert_int_equal(lin_lora_init(&lora, &l2, NET_2_LORA_RANK, NET_2_LORA_ALPHA, (float *)net_2_lora_A,
                                   (float *)net_2_lora_B), LIN_OK);
    assert_int_equal(lin_lora_forward_f32(&lora, h, y, 5, scratch, 5 * NET_2_LORA_RANK), LIN_OK);
    assert_close_to(&yv, export_want_y, export_mag_y, NET_0_IN + NET_0_OUT + NET_2_LORA_RANK + 2,
                    "exported model");
}
#endif

/* One int8 layer against its float counterpart on the same quantized
   values (the dequantized input, weights and bias, in double): TFLite's
   requantization rounds once, so within one output step. Returns the
   largest difference in steps. */
#if !defined(LIN_NO_INT8)
static double s8_layer_vs_float(const int8_t *xq, float in_scale, int32_t in_zp, const int8_t *wq,
                                const float *w_scale, const int32_t *bq, const int8_t *yq, float out_scale,
                                int32_t out_zp, int relu, size_t rows, size_t in, size_t out)
{
    double worst = 0.0;
    size_t i, j, p;
    for (i = 0; i < rows; ++i)
        for (j = 0; j < out; ++j) {
            double ref = (double)bq[j] * in_scale * w_scale[j], got = out_scale * ((double)yq[i * out + j] - out_zp);
            double lo = out_scale * (-128.0 - out_zp), hi = out_scale * (127.0 - out_zp);
            for (p = 0; p < in; ++p)
                ref += in_scale * ((double)xq[i * in + p] - in_zp) * w_scale[j] * (double)wq[j * in + p];
            if (relu && ref < 0.0) ref = 0.0;
            ref = ref < lo ? lo : ref > hi ? hi : ref;       /* the clamp to the calibrated range */
            worst = fmax(worst, fabs(got - ref) / out_scale);
        }
    return worst;
}
#endif

/* The int8 export (tools/export_torch.py --int8) of a float MLP, run in
   int8 on its calibration batch: every layer within one quantization step
   of its float counterpart on the quantized values, and the end-to-end
   distance to PyTorch's float model reported. */
#if !defined(LIN_NO_INT8)
static void test_export_int8_layers(void **state)
{
    enum { ROWS = 64 };
    lin_quant q0 = Q_0_QUANT, q2 = Q_2_QUANT;
    int8_t xq[ROWS * Q_0_IN], hq[ROWS * Q_0_OUT], yq[ROWS * Q_2_OUT];
    float h[ROWS * Q_0_OUT], y[ROWS * Q_2_OUT];
    int32_t m[Q_0_OUT], s[Q_0_OUT];
    double l1, l2, end_h = 0.0, end_y = 0.0;
    size_t i;
    (void)state;
    /* the header's multipliers are what lin_quant_per_channel computes */
    assert_int_equal(lin_quant_per_channel(Q_0_INPUT_SCALE, q_0_weight_scale, Q_0_OUTPUT_SCALE, Q_0_OUT, m, s), LIN_OK);
    assert_memory_equal(m, q_0_multiplier, sizeof m);
    assert_memory_equal(s, q_0_shift, sizeof s);
    /* layer 2 reads layer 1's output as it is: the same scale and zero point */
    assert_true(Q_2_INPUT_SCALE == Q_0_OUTPUT_SCALE && Q_2_INPUT_ZERO_POINT == Q_0_OUTPUT_ZERO_POINT);
    assert_int_equal(lin_quantize_s8(calib_x, xq, ROWS * Q_0_IN, Q_0_INPUT_SCALE, Q_0_INPUT_ZERO_POINT), LIN_OK);
    assert_int_equal(lin_linear_s8_per_channel(xq, q_0_weight, q_0_bias, hq, ROWS, Q_0_IN, Q_0_OUT, &q0,
                                               q_0_multiplier, q_0_shift), LIN_OK);
    assert_int_equal(lin_linear_s8_per_channel(hq, q_2_weight, q_2_bias, yq, ROWS, Q_2_IN, Q_2_OUT, &q2,
                                               q_2_multiplier, q_2_shift), LIN_OK);
    l1 = s8_layer_vs_float(xq, Q_0_INPUT_SCALE, Q_0_INPUT_ZERO_POINT, q_0_weight, q_0_weight_scale, q_0_bias, hq,
                           Q_0_OUTPUT_SCALE, Q_0_OUTPUT_ZERO_POINT, 1, ROWS, Q_0_IN, Q_0_OUT);
    l2 = s8_layer_vs_float(hq, Q_2_INPUT_SCALE, Q_2_INPUT_ZERO_POINT, q_2_weight, q_2_weight_scale, q_2_bias, yq,
                           Q_2_OUTPUT_SCALE, Q_2_OUTPUT_ZERO_POINT, 0, ROWS, Q_2_IN, Q_2_OUT);
    assert_int_equal(lin_dequantize_s8(hq, h, ROWS * Q_0_OUT, Q_0_OUTPUT_SCALE, Q_0_OUTPUT_ZERO_POINT), LIN_OK);
    assert_int_equal(lin_dequantize_s8(yq, y, ROWS * Q_2_OUT, Q_2_OUTPUT_SCALE, Q_2_OUTPUT_ZERO_POINT), LIN_OK);
    /* (not fmax: GCC 12's aarch64 vectorizer crashes on an fmax reduction loop) */
    for (i = 0; i < ROWS * Q_0_OUT; ++i) {
        double d = fabs((double)h[i] - calib_h[i]) / Q_0_OUTPUT_SCALE;
        if (d > end_h) end_h = d;
    }
    for (i = 0; i < ROWS * Q_2_OUT; ++i) {
        double d = fabs((double)y[i] - calib_y[i]) / Q_2_OUTPUT_SCALE;
        if (d > end_y) end_y = d;
    }
    print_message("int8 export: each layer within %.2f and %.2f steps of its float counterpart; "
                  "to PyTorch's float model %.2f and %.2f steps\n", l1, l2, end_h, end_y);
    assert_true(l1 <= 1.0 && l2 <= 1.0);
    assert_true(end_h <= 4.0 && end_y <= 4.0);       /* the quantized inputs and weights, added up */
}
#endif

#ifndef LIN_NO_WFORMATS
/* The digits MLP in each weight form: layer 0 is Linear(64, 64), layer 1
   Linear(64, 10) (the exports' "0" and "2"). */
enum { DIG_FLOAT, DIG_F16, DIG_BF16, DIG_Q8W, DIG_Q4W, DIG_FORMS };
enum { DIG_IN = 64, DIG_HID = 64, DIG_OUT = 10 };

typedef struct digits_form {
    const char *name;
    const float *bias[2];
    int correct;                /* what PyTorch classified right */
    double maxdiff;             /* and its largest |logit - float logit| */
} digits_form;

static const digits_form digits_forms[DIG_FORMS] = {
    {"float", {digits_0_bias, digits_2_bias}, DIGITS_CORRECT_FLOAT, DIGITS_MAXDIFF_FLOAT},
    {"f16w", {digits_f16_0_bias, digits_f16_2_bias}, DIGITS_CORRECT_F16, DIGITS_MAXDIFF_F16},
    {"bf16w", {digits_bf16_0_bias, digits_bf16_2_bias}, DIGITS_CORRECT_BF16, DIGITS_MAXDIFF_BF16},
    {"q8w", {digits_q8w_0_bias, digits_q8w_2_bias}, DIGITS_CORRECT_Q8W, DIGITS_MAXDIFF_Q8W},
    {"q4w", {digits_q4w_0_bias, digits_q4w_2_bias}, DIGITS_CORRECT_Q4W, DIGITS_MAXDIFF_Q4W},
};

/* layer (0 or 1) of form, through the call its header gives */
static lin_status digits_layer(int form, int layer, const float *x, float *y, size_t batch)
{
    switch (form * 2 + layer) {
    case 0: return lin_linear_f32(x, digits_0_weight, digits_0_bias, y, batch, DIGITS_0_IN, DIGITS_0_OUT);
    case 1: return lin_linear_f32(x, digits_2_weight, digits_2_bias, y, batch, DIGITS_2_IN, DIGITS_2_OUT);
    case 2: return DIGITS_F16_0_FORWARD(x, y, batch);
    case 3: return DIGITS_F16_2_FORWARD(x, y, batch);
    case 4: return DIGITS_BF16_0_FORWARD(x, y, batch);
    case 5: return DIGITS_BF16_2_FORWARD(x, y, batch);
    case 6: return DIGITS_Q8W_0_FORWARD(x, y, batch);
    case 7: return DIGITS_Q8W_2_FORWARD(x, y, batch);
    case 8: return DIGITS_Q4W_0_FORWARD(x, y, batch);
    default: return DIGITS_Q4W_2_FORWARD(x, y, batch);
    }
}

/* weight j, k of layer as the docs decode the form (the product of
   scale and level in float32) */
static float digits_weight(int form, int layer, size_t j, size_t k)
{
    const size_t at = j * DIG_IN + k;   /* both layers have 64 inputs */
    switch (form) {
    case DIG_FLOAT: return (layer ? digits_2_weight : digits_0_weight)[at];
    case DIG_F16: return lin_f16_to_f32((layer ? digits_f16_2_weight : digits_f16_0_weight)[at]);
    case DIG_BF16: return lin_bf16_to_f32((layer ? digits_bf16_2_weight : digits_bf16_0_weight)[at]);
    case DIG_Q8W: {
        const float s = (layer ? digits_q8w_2_scale : digits_q8w_0_scale)[j];
        return (float)(s * (float)(layer ? digits_q8w_2_weight : digits_q8w_0_weight)[at]);
    }
    default: {
        const unsigned byte = (layer ? digits_q4w_2_weight : digits_q4w_0_weight)[at / 2];
        const int nibble = (int)(at % 2 ? byte >> 4 : byte & 15u);     /* element 2j low, 2j + 1 high */
        const float s = (layer ? digits_q4w_2_scale : digits_q4w_0_scale)[at / 32];
        return (float)(s * (float)(nibble - 8));
    }
    }
}

/* y = x W^T + b in double on the decoded weights, and mag = |x| |W|^T + |b| */
static void digits_ref_layer(int form, int layer, const double *x, size_t batch, double *y, double *mag)
{
    const size_t out = layer ? DIG_OUT : DIG_HID;
    const float *b = digits_forms[form].bias[layer];
    size_t i, j, k;
    for (i = 0; i < batch; ++i)
        for (j = 0; j < out; ++j) {
            double s = b[j], m = fabs((double)b[j]);
            for (k = 0; k < DIG_IN; ++k) {
                const double p = x[i * DIG_IN + k] * (double)digits_weight(form, layer, j, k);
                s += p;
                m += fabs(p);
            }
            y[i * out + j] = s;
            if (mag) mag[i * out + j] = m;
        }
}

/* the class of the highest logit (the first of equals, as torch.argmax) */
static size_t argmax_f(const float *y)
{
    size_t j, best = 0;
    for (j = 1; j < DIG_OUT; ++j)
        if (y[j] > y[best]) best = j;
    return best;
}

static size_t argmax_d(const double *y)
{
    size_t j, best = 0;
    for (j = 1; j < DIG_OUT; ++j)
        if (y[j] > y[best]) best = j;
    return best;
}

/* (a) the exported bytes and scales are what linear.h's converters make of
   the float export's weights, bit for bit */
static void test_export_wforms_bytes(void **state)
{
    enum { ROWS = 8 };                  /* quantized 8 rows at a time (rows are independent): little RAM */
    int8_t q8[ROWS * DIG_IN];
    uint8_t q4[ROWS * DIG_IN / 2];
    float s8[ROWS], s4[ROWS * DIG_IN / 32];
    const float *w[2] = {digits_0_weight, digits_2_weight};
    const uint16_t *f16[2] = {digits_f16_0_weight, digits_f16_2_weight};
    const uint16_t *bf16[2] = {digits_bf16_0_weight, digits_bf16_2_weight};
    const int8_t *q8w[2] = {digits_q8w_0_weight, digits_q8w_2_weight};
    const float *q8s[2] = {digits_q8w_0_scale, digits_q8w_2_scale};
    const uint8_t *q4w[2] = {digits_q4w_0_weight, digits_q4w_2_weight};
    const float *q4s[2] = {digits_q4w_0_scale, digits_q4w_2_scale};
    int layer, f;
    size_t i, r0;
    (void)state;
    assert_int_equal(DIGITS_0_IN, DIG_IN);
    assert_int_equal(DIGITS_0_OUT, DIG_HID);
    assert_int_equal(DIGITS_2_IN, DIG_HID);
    assert_int_equal(DIGITS_2_OUT, DIG_OUT);
    assert_true(DIGITS_F16_0_IN == DIG_IN && DIGITS_BF16_0_IN == DIG_IN && DIGITS_Q8W_0_IN == DIG_IN &&
                DIGITS_Q4W_0_IN == DIG_IN);
    assert_true(DIGITS_F16_2_OUT == DIG_OUT && DIGITS_BF16_2_OUT == DIG_OUT && DIGITS_Q8W_2_OUT == DIG_OUT &&
                DIGITS_Q4W_2_OUT == DIG_OUT);
    assert_int_equal(sizeof digits_q4w_0_weight, DIG_HID * DIG_IN / 2);
    assert_int_equal(sizeof digits_q4w_2_scale, DIG_OUT * DIG_IN / 32 * sizeof(float));
    for (layer = 0; layer < 2; ++layer) {
        const size_t out = layer ? DIG_OUT : DIG_HID, n = out * DIG_IN;
        for (i = 0; i < n; ++i) {
            if (lin_f32_to_f16(w[layer][i]) != f16[layer][i])
                fail_msg("layer %d weight %lu: f16 0x%04x, lin_f32_to_f16 0x%04x", layer, (unsigned long)i,
                         f16[layer][i], lin_f32_to_f16(w[layer][i]));
            if (lin_f32_to_bf16(w[layer][i]) != bf16[layer][i])
                fail_msg("layer %d weight %lu: bf16 0x%04x, lin_f32_to_bf16 0x%04x", layer, (unsigned long)i,
                         bf16[layer][i], lin_f32_to_bf16(w[layer][i]));
        }
        for (r0 = 0; r0 < out; r0 += ROWS) {
            const size_t rows = out - r0 < ROWS ? out - r0 : ROWS, at = r0 * DIG_IN;
            assert_int_equal(lin_quantize_q8w(w[layer] + at, q8, s8, DIG_IN, rows), LIN_OK);
            assert_memory_equal(q8, q8w[layer] + at, rows * DIG_IN);
            for (i = 0; i < rows; ++i) assert_int_equal(bits_of(s8[i]), bits_of(q8s[layer][r0 + i]));
            assert_int_equal(lin_quantize_q4w(w[layer] + at, q4, s4, DIG_IN, rows), LIN_OK);
            assert_memory_equal(q4, q4w[layer] + at / 2, rows * DIG_IN / 2);
            for (i = 0; i < rows * DIG_IN / 32; ++i) assert_int_equal(bits_of(s4[i]), bits_of(q4s[layer][at / 32 + i]));
        }
    }
    /* the biases stay float, the same in every export */
    for (f = 0; f < DIG_FORMS; ++f) {
        assert_memory_equal(digits_forms[f].bias[0], digits_0_bias, sizeof digits_0_bias);
        assert_memory_equal(digits_forms[f].bias[1], digits_2_bias, sizeof digits_2_bias);
    }
}

/* (b) each form's layers, run through its header on the held-out images,
   within the float32 bound of float64 on the decoded weights (layer 1 on
   the C outputs of layer 0); (c) the images classified right and the
   largest logit change from float are PyTorch's figures (the float64 model
   on the decoded weights here; in C's float32, the same count). The
   images go CH at a time through buffers of 3 KB and less: the
   micro:bit's 16 KiB of RAM runs the whole test too. */
enum { CH = TEST_SIZE(40, 1) };
typedef struct digits_bufs {
    float x[CH * DIG_IN], h[CH * DIG_HID], y[DIG_FORMS][CH * DIG_OUT];
    double xd[CH * DIG_IN], hd[CH * DIG_HID], ref[CH * DIG_HID], mag[CH * DIG_HID], yd[DIG_FORMS][CH * DIG_OUT];
} digits_bufs;

static void test_export_wforms_accuracy(void **state)
{
    enum { N = DIGITS_TEST_N };
    int correct[DIG_FORMS] = {0}, correct_d[DIG_FORMS] = {0}, form;
    double diff[DIG_FORMS] = {0}, diff_d[DIG_FORMS] = {0};
    size_t i0, i;
    digits_bufs *bufs = (digits_bufs *)malloc(sizeof *bufs);
    float *dg_x, *dg_h;
    double *dg_xd, *dg_hd, *dg_ref, *dg_mag;
    (void)state;
    assert_non_null(bufs);
    dg_x = bufs->x;
    dg_h = bufs->h;
    dg_xd = bufs->xd;
    dg_hd = bufs->hd;
    dg_ref = bufs->ref;
    dg_mag = bufs->mag;
    for (i0 = 0; i0 < (size_t)N; i0 += CH) {
        const size_t n = N - i0 < (size_t)CH ? N - i0 : (size_t)CH;
        size_t shape_h[2], shape_y[2];
        shape_h[0] = shape_y[0] = n;
        shape_h[1] = DIG_HID;
        shape_y[1] = DIG_OUT;
        for (i = 0; i < n * DIG_IN; ++i) {
            dg_x[i] = (float)digits_test_pixels[i0 * DIG_IN + i] / 16.0f;     /* exact */
            dg_xd[i] = dg_x[i];
        }
        for (form = 0; form < DIG_FORMS; ++form) {  /* float first: the others compare with it */
            const digits_form *d = &digits_forms[form];
            float *y = bufs->y[form];
            double *yd = bufs->yd[form];
            lin_tensor hv = lin_tensor_view(dg_h, 2, shape_h), yv = lin_tensor_view(y, 2, shape_y);
            /* (b) layer by layer, in float32 */
            assert_int_equal(digits_layer(form, 0, dg_x, dg_h, n), LIN_OK);
            digits_ref_layer(form, 0, dg_xd, n, dg_ref, dg_mag);
            assert_close_to(&hv, dg_ref, dg_mag, DIG_IN, d->name);
            assert_int_equal(lin_relu_f32(dg_h, dg_h, n * DIG_HID), LIN_OK);
            for (i = 0; i < n * DIG_HID; ++i) dg_hd[i] = dg_h[i];
            assert_int_equal(digits_layer(form, 1, dg_h, y, n), LIN_OK);
            digits_ref_layer(form, 1, dg_hd, n, dg_ref, dg_mag);
            assert_close_to(&yv, dg_ref, dg_mag, DIG_HID, d->name);
            /* the model in float64, as the generator ran it in PyTorch */
            digits_ref_layer(form, 0, dg_xd, n, dg_hd, NULL);
            for (i = 0; i < n * DIG_HID; ++i)
                if (dg_hd[i] < 0.0) dg_hd[i] = 0.0;
            digits_ref_layer(form, 1, dg_hd, n, yd, NULL);
            /* (c) */
            for (i = 0; i < n; ++i) {
                correct[form] += argmax_f(y + i * DIG_OUT) == digits_test_labels[i0 + i];
                correct_d[form] += argmax_d(yd + i * DIG_OUT) == digits_test_labels[i0 + i];
            }
            for (i = 0; i < n * DIG_OUT; ++i) {
                const double a = fabs((double)y[i] - bufs->y[DIG_FLOAT][i]);
                const double b = fabs(yd[i] - bufs->yd[DIG_FLOAT][i]);
                if (a > diff[form]) diff[form] = a;
                if (b > diff_d[form]) diff_d[form] = b;
            }
        }
    }
    for (form = 0; form < DIG_FORMS; ++form) {
        const digits_form *d = &digits_forms[form];
        print_message("digits %-5s: %.2f%% (%d of %d) right (PyTorch: %d); max |logit - float| %.3g in "
                      "float64 (PyTorch: %.3g), %.3g in float32\n",
                      d->name, 100.0 * correct[form] / N, correct[form], N, d->correct, diff_d[form], d->maxdiff,
                      diff[form]);
        assert_int_equal(correct[form], d->correct);
        assert_int_equal(correct_d[form], d->correct);
        /* float64 both, the sums in another order */
        assert_true(fabs(diff_d[form] - d->maxdiff) <= 1e-9 * (1.0 + d->maxdiff));
    }
    free(bufs);
}
#endif /* LIN_NO_WFORMATS */

int main(void)
{
    const struct CMUnitTest tests[] = {
#if !defined(LIN_NO_LORA) && !defined(LIN_NO_TRAIN)
        TEST(test_export_model_outputs),
#endif
#if !defined(LIN_NO_INT8)
        TEST(test_export_int8_layers),
#endif
#ifndef LIN_NO_WFORMATS
        TEST(test_export_wforms_bytes),
        TEST(test_export_wforms_accuracy),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
