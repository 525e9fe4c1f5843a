/* test_export.c - a real PyTorch model through tools/export_torch.py: the
   exported header (tests/fixtures/export/model_weights.h) compiled here
   gives PyTorch's outputs (expected.h) on fixed inputs: Linear(8, 16), ReLU,
   and a Linear(16, 4) with a rank-2 LoRA adapter. Both headers come from
   tests/gen_export_fixtures.py. */
#include "test_util.h"

#include "fixtures/export/expected.h"
#include "fixtures/export/expected_s8.h"
#include "fixtures/export/mlp_s8.h"
#include "fixtures/export/model_weights.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
#if !defined(LIN_NO_LORA) && !defined(LIN_NO_TRAIN)
        TEST(test_export_model_outputs),
#endif
#if !defined(LIN_NO_INT8)
        TEST(test_export_int8_layers),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
