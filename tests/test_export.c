/* test_export.c - a real PyTorch model through tools/export_torch.py: the
   exported header (tests/fixtures/export/model_weights.h) compiled here
   gives PyTorch's outputs (expected.h) on fixed inputs: Linear(8, 16), ReLU,
   and a Linear(16, 4) with a rank-2 LoRA adapter. Both headers come from
   tests/gen_export_fixtures.py. */
#include "test_util.h"

#include "fixtures/export/expected.h"
#include "fixtures/export/model_weights.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_model_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
