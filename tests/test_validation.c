/* test_validation.c - every way to call the training, serialization and
   int8 entry points wrongly, one argument at a time: the status, and the
   outputs as they were. Also the paths a layout takes around the fast ones
   (leading dims that do not fold). */
#include "test_util.h"

#define N 8

#if !defined(LIN_NO_TRAIN)
static float in1[N], in2[N], in3[N], out1[N], out2[N], out3[N];
#endif

#if !defined(LIN_NO_TRAIN)
static void reset(void)
{
    size_t i;
    for (i = 0; i < N; ++i) {
        in1[i] = (float)i;
        in2[i] = (float)(i % 3) - 1.0f;
        in3[i] = 0.5f;
    }
    fill_sentinel(out1, N);
    fill_sentinel(out2, N);
    fill_sentinel(out3, N);
}
#endif

#if !defined(LIN_NO_TRAIN)
static void untouched(void)
{
    assert_untouched(out1, N);
    assert_untouched(out2, N);
    assert_untouched(out3, N);
}
#endif

/* ---- lin_linear_backward_f32: batch 2, in 2, out 2 ---- */

#if !defined(LIN_NO_TRAIN)
static void test_validation_linear_backward_f32(void **state)
{
    const size_t big = (size_t)-1 / 2;
    float *outs[3];
    const float *ins[3];
    int o, i;
    (void)state;
    reset();
    assert_int_equal(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, big, 2, 2), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, 2, big, 2), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, 2, 2, big), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_linear_backward_f32(NULL, in2, in3, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_backward_f32(in1, NULL, in3, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    assert_int_equal(lin_linear_backward_f32(in1, in2, NULL, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    /* each output over each input, and over each other output */
    ins[0] = in1; ins[1] = in2; ins[2] = in3;
    for (o = 0; o < 3; ++o) {
        for (i = 0; i < 3; ++i) {
            outs[0] = out1; outs[1] = out2; outs[2] = out3;
            outs[o] = (float *)ins[i] + 1;
            assert_int_equal(lin_linear_backward_f32(in1, in2, in3, outs[0], outs[1], outs[2], 2, 2, 2), LIN_ERR_ALIAS);
        }
        for (i = 0; i < o; ++i) {
            outs[0] = out1; outs[1] = out2; outs[2] = out3;
            outs[o] = outs[i] + 1;
            assert_int_equal(lin_linear_backward_f32(in1, in2, in3, outs[0], outs[1], outs[2], 2, 2, 2), LIN_ERR_ALIAS);
        }
    }
    untouched();
    /* nothing asked, nothing done; empty sizes */
    assert_int_equal(lin_linear_backward_f32(in1, in2, in3, NULL, NULL, NULL, 2, 2, 2), LIN_OK);
    assert_int_equal(lin_linear_backward_f32(NULL, NULL, NULL, NULL, out2, out3, 0, 0, 0), LIN_OK);
    untouched();
    /* batch 0: the weight and bias gradients gain nothing */
    out2[0] = out3[0] = 1.0f;
    assert_int_equal(lin_linear_backward_f32(NULL, in2, NULL, NULL, out2, out3, 0, 1, 1), LIN_OK);
    assert_true(out2[0] == 1.0f && out3[0] == 1.0f);
}
#endif

/* ---- lin_linear_backward: tensors ---- */

#if !defined(LIN_NO_TRAIN)
static void test_validation_linear_backward(void **state)
{
    lin_tensor x = lin_matrix(in1, 2, 2), w = lin_matrix(in2, 2, 2), gy = lin_matrix(in3, 2, 2);
    lin_tensor gx = lin_matrix(out1, 2, 2), gw = lin_matrix(out2, 2, 2), gb = lin_vector(out3, 2), bad;
    (void)state;
    reset();
    assert_int_equal(lin_linear_backward(NULL, &w, &gy, &gx, &gw, &gb), LIN_ERR_NULL);
    assert_int_equal(lin_linear_backward(&x, NULL, &gy, &gx, &gw, &gb), LIN_ERR_NULL);
    assert_int_equal(lin_linear_backward(&x, &w, NULL, &gx, &gw, &gb), LIN_ERR_NULL);
    bad = x; bad.ndim = -1;
    assert_int_equal(lin_linear_backward(&bad, &w, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_RANK);
    bad = lin_vector(in2, 2);           /* a 1-D weight has no backward here */
    assert_int_equal(lin_linear_backward(&x, &bad, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    bad = lin_tensor_view(in1, 0, NULL);
    assert_int_equal(lin_linear_backward(&bad, &w, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    bad = lin_matrix(in2, 2, 3);        /* in 3 against x's 2 */
    assert_int_equal(lin_linear_backward(&x, &bad, &gy, &gx, &gw, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(in3, 1, 2);
    assert_int_equal(lin_linear_backward(&x, &w, &bad, &gx, &gw, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(out1, 1, 2);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_SHAPE);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, &bad, &gb), LIN_ERR_SHAPE);
    bad = lin_vector(out3, 3);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, &gw, &bad), LIN_ERR_SHAPE);
    bad = gx; bad.stride[0] = 0;        /* over itself */
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_ALIAS);
    bad = lin_matrix(out1 + 2, 2, 2);   /* grad_weight over grad_x */
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, &bad, &gb), LIN_ERR_ALIAS);
    bad = lin_vector(in2 + 1, 2);       /* grad_bias over the weight */
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, &gw, &bad), LIN_ERR_ALIAS);
    untouched();
}
#endif

/* Leading dims that do not fold into one row stride: a row at a time,
   with the same sums as the contiguous copy. */
#if !defined(LIN_NO_TRAIN)
static void test_validation_linear_backward_unfolded(void **state)
{
    float xb[2 * 3 * 2], wb[3 * 2] = {1, -2, 3, 0.5f, -1, 2}, gyb[2 * 3 * 3], xc[12], gyc[18];
    float gx1[12], gx2[12], gw1[6] = {0}, gw2[6] = {0}, gb1[3] = {0}, gb2[3] = {0};
    size_t sx[3] = {2, 3, 2}, sy[3] = {2, 3, 3}, i, a, b, c;
    lin_tensor x, gy, gx, w = lin_matrix(wb, 3, 2), gw1v = lin_matrix(gw1, 3, 2), gw2v = lin_matrix(gw2, 3, 2);
    lin_tensor gb1v = lin_vector(gb1, 3), gb2v = lin_vector(gb2, 3), xcv, gycv, gxcv;
    (void)state;
    for (i = 0; i < 12; ++i) xb[i] = (float)i * 0.25f - 1.0f;
    for (i = 0; i < 18; ++i) gyb[i] = (float)(i % 5) - 2.0f;
    /* x and grad_y with their two leading dims swapped in memory */
    x = lin_tensor_view(xb, 3, sx);
    x.stride[0] = 2; x.stride[1] = 4;
    gy = lin_tensor_view(gyb, 3, sy);
    gy.stride[0] = 3; gy.stride[1] = 6;
    gx = lin_tensor_view(gx1, 3, sx);
    gx.stride[0] = 2; gx.stride[1] = 4;
    for (a = 0; a < 2; ++a)
        for (b = 0; b < 3; ++b) {
            for (c = 0; c < 2; ++c) xc[(a * 3 + b) * 2 + c] = xb[a * 2 + b * 4 + c];
            for (c = 0; c < 3; ++c) gyc[(a * 3 + b) * 3 + c] = gyb[a * 3 + b * 6 + c];
        }
    xcv = lin_tensor_view(xc, 3, sx);
    gycv = lin_tensor_view(gyc, 3, sy);
    gxcv = lin_tensor_view(gx2, 3, sx);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, &gw1v, &gb1v), LIN_OK);
    assert_int_equal(lin_linear_backward(&xcv, &w, &gycv, &gxcv, &gw2v, &gb2v), LIN_OK);
    for (a = 0; a < 2; ++a)
        for (b = 0; b < 3; ++b)
            for (c = 0; c < 2; ++c)
                assert_true(fabsf(gx1[a * 2 + b * 4 + c] - gx2[(a * 3 + b) * 2 + c]) < 1e-5f);
    for (i = 0; i < 6; ++i) assert_true(fabsf(gw1[i] - gw2[i]) < 1e-4f);
    for (i = 0; i < 3; ++i) assert_true(gb1[i] == gb2[i]);
    /* only some gradients, and a layer with no inputs */
    assert_int_equal(lin_linear_backward(&x, &w, &gy, NULL, &gw1v, NULL), LIN_OK);
    assert_int_equal(lin_linear_backward(&x, &w, &gy, &gx, NULL, NULL), LIN_OK);
}
#endif

/* ---- lin_matmul_backward ---- */

#if !defined(LIN_NO_TRAIN)
static void test_validation_matmul_backward(void **state)
{
    lin_tensor a = lin_matrix(in1, 2, 2), b = lin_matrix(in2, 2, 2), g = lin_matrix(in3, 2, 2);
    lin_tensor ga = lin_matrix(out1, 2, 2), gb = lin_matrix(out2, 2, 2), bad;
    size_t s0[3] = {0, 2, 2};
    (void)state;
    reset();
    assert_int_equal(lin_matmul_backward(NULL, &b, &g, &ga, &gb), LIN_ERR_NULL);
    assert_int_equal(lin_matmul_backward(&a, NULL, &g, &ga, &gb), LIN_ERR_NULL);
    assert_int_equal(lin_matmul_backward(&a, &b, NULL, &ga, &gb), LIN_ERR_NULL);
    bad = a; bad.ndim = 99;
    assert_int_equal(lin_matmul_backward(&bad, &b, &g, &ga, &gb), LIN_ERR_RANK);
    assert_int_equal(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_RANK);
    bad = lin_tensor_view(in1, 0, NULL);
    assert_int_equal(lin_matmul_backward(&bad, &b, &g, &ga, &gb), LIN_ERR_RANK);
    bad = lin_matrix(in2, 3, 2);
    assert_int_equal(lin_matmul_backward(&a, &bad, &g, &ga, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(in3, 2, 1);
    assert_int_equal(lin_matmul_backward(&a, &b, &bad, &ga, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(out1, 1, 2);
    assert_int_equal(lin_matmul_backward(&a, &b, &g, &bad, &gb), LIN_ERR_SHAPE);
    assert_int_equal(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_SHAPE);
    bad = lin_matrix(out1 + 1, 2, 2);   /* grad_b over grad_a */
    assert_int_equal(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_ALIAS);
    bad = lin_matrix(in3, 2, 2);        /* grad_a over grad_out */
    assert_int_equal(lin_matmul_backward(&a, &b, &g, &bad, &gb), LIN_ERR_ALIAS);
    untouched();
    /* an empty batch: nothing flows back */
    a = lin_tensor_view(NULL, 3, s0);
    g = lin_tensor_view(NULL, 3, s0);
    assert_int_equal(lin_matmul_backward(&a, &b, &g, NULL, &gb), LIN_OK);
    untouched();
}
#endif

/* ---- elementwise, losses, zero ---- */

#if !defined(LIN_NO_TRAIN)
static void test_validation_elementwise_and_losses(void **state)
{
    const size_t big = (size_t)-1 / 2;
    int32_t t[8] = {0, 1};  /* room for the 2x3 gradient it stands in for below (GCC -O3 -Warray-bounds) */
    float loss = 3.0f;
    (void)state;
    reset();
    assert_int_equal(lin_relu_f32(in1, out1, big), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_relu_f32(in1, NULL, 2), LIN_ERR_NULL);
    assert_int_equal(lin_relu_backward_f32(NULL, in2, out1, 2), LIN_ERR_NULL);
    assert_int_equal(lin_relu_backward_f32(in1, NULL, out1, 2), LIN_ERR_NULL);
    assert_int_equal(lin_relu_backward_f32(in1, in2, in1 + 1, 2), LIN_ERR_ALIAS);   /* over x */
    assert_int_equal(lin_relu_backward_f32(in1, in2, in2 + 1, 2), LIN_ERR_ALIAS);   /* over grad_y, shifted */
    assert_int_equal(lin_mse_loss_f32(NULL, in2, 2, &loss, out1), LIN_ERR_NULL);
    assert_int_equal(lin_mse_loss_f32(in1, NULL, 2, &loss, out1), LIN_ERR_NULL);
    assert_int_equal(lin_mse_loss_f32(in1, in2, big, &loss, out1), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_mse_loss_f32(in1, in2, 2, &loss, in2), LIN_ERR_ALIAS);
    assert_int_equal(lin_mse_loss_f32(in1, in2, 2, out1 + 1, out1), LIN_ERR_ALIAS);
    assert_int_equal(lin_mse_loss_f32(in1, in2, 2, in1 + 1, NULL), LIN_ERR_ALIAS);
    assert_int_equal(lin_mse_loss_f32(in1, in2, 2, in2, NULL), LIN_ERR_ALIAS);
    assert_int_equal(lin_cross_entropy_f32(in1, t, big, 3, &loss, out1), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_cross_entropy_f32(NULL, t, 2, 3, &loss, out1), LIN_ERR_NULL);
    assert_int_equal(lin_cross_entropy_f32(in1, NULL, 2, 3, &loss, out1), LIN_ERR_NULL);
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, &loss, in1), LIN_ERR_ALIAS);
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, &loss, (float *)(void *)t), LIN_ERR_ALIAS);
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, out1 + 2, out1), LIN_ERR_ALIAS);
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, in1 + 2, NULL), LIN_ERR_ALIAS);
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, (float *)(void *)t, NULL), LIN_ERR_ALIAS);
    t[0] = -2;
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, &loss, out1), LIN_ERR_SHAPE);
    assert_int_equal(lin_zero_f32(NULL, 2), LIN_ERR_NULL);
    assert_int_equal(lin_zero_f32(out1, big), LIN_ERR_OVERFLOW);
    untouched();
    assert_true(loss == 3.0f);
    /* the outputs are optional */
    t[0] = 0;
    assert_int_equal(lin_cross_entropy_f32(in1, t, 2, 3, NULL, NULL), LIN_OK);
    assert_int_equal(lin_mse_loss_f32(in1, in2, 2, NULL, NULL), LIN_OK);
}
#endif

/* ---- optimizers ---- */

#if !defined(LIN_NO_TRAIN)
static void test_validation_optimizers(void **state)
{
    lin_sgd sgd = lin_sgd_defaults(0.1f), s;
    lin_adam adam = lin_adam_defaults(), a;
    uint64_t step = 0;
    (void)state;
    reset();
    assert_int_equal(lin_sgd_step(NULL, out1, in1, NULL, &step, 2), LIN_ERR_NULL);
    assert_int_equal(lin_sgd_step(&sgd, out1, in1, NULL, NULL, 2), LIN_ERR_NULL);
    s = sgd; s.lr = NAN;
    assert_int_equal(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.momentum = -1.0f;
    assert_int_equal(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.weight_decay = -1.0f;
    assert_int_equal(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.nesterov = 1; s.momentum = 0.9f; s.dampening = 0.1f;
    assert_int_equal(lin_sgd_step(&s, out1, in1, out2, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.momentum = 0.9f;
    assert_int_equal(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_NULL);       /* no buffer */
    assert_int_equal(lin_sgd_step(&s, out1, in1, out1 + 1, &step, 2), LIN_ERR_ALIAS);  /* buffer over param */
    assert_int_equal(lin_sgd_step(&s, out1, in1, in1 + 1, &step, 2), LIN_ERR_ALIAS);   /* buffer over grad */
    assert_int_equal(lin_sgd_step(&sgd, NULL, in1, NULL, &step, 2), LIN_ERR_NULL);
    assert_int_equal(lin_sgd_step(&sgd, out1, NULL, NULL, &step, 2), LIN_ERR_NULL);
    assert_int_equal(lin_adam_step(NULL, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_NULL);
    assert_int_equal(lin_adam_step(&adam, out1, in1, out2, out3, NULL, NULL, 2), LIN_ERR_NULL);
    a = adam; a.lr = -1.0f;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.eps = -1.0f;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.weight_decay = NAN;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.beta1 = -0.1f;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.beta2 = 1.0f;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.amsgrad = 1;
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_NULL);
    assert_int_equal(lin_adam_step(&a, out1, in1, out2, out3, out3 + 1, &step, 2), LIN_ERR_ALIAS);
    assert_int_equal(lin_adam_step(&adam, out1, in1, out2, out2 + 1, NULL, &step, 2), LIN_ERR_ALIAS);
    assert_int_equal(lin_adam_step(&adam, out1, in1, out2, out3, NULL, &step, (size_t)-1 / 2), LIN_ERR_OVERFLOW);
    untouched();
    assert_true(step == 0);
}
#endif

/* ---- LoRA ---- */

#if !defined(LIN_NO_LORA)
static void test_validation_lora(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1}, A[3], B[2], x[3] = {1, 1, 1}, y[4], scratch[4];
    float gA[3], gB[2], gx[3];
    lin_layer layer, nolayer;
    lin_lora lora, before;
    lin_rng rng;
    (void)state;
    memset(A, 0, sizeof A);
    memset(B, 0, sizeof B);
    assert_int_equal(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    memset(&lora, 0x5a, sizeof lora);
    before = lora;
    assert_int_equal(lin_lora_init(NULL, &layer, 1, 1.0f, A, B), LIN_ERR_NULL);
    assert_int_equal(lin_lora_init(&lora, NULL, 1, 1.0f, A, B), LIN_ERR_NULL);
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, NULL, B), LIN_ERR_NULL);
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, A, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_lora_init(&lora, &layer, (size_t)-1 / 2, 1.0f, A, B), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, A, A + 1), LIN_ERR_ALIAS);   /* A and B */
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, A, w + 1), LIN_ERR_ALIAS);   /* B over W */
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, A, b), LIN_ERR_ALIAS);       /* B over b */
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 1.0f, b, B), LIN_ERR_ALIAS);       /* A over b */
    nolayer = layer;
    nolayer.weight = NULL;
    assert_int_equal(lin_lora_init(&lora, &nolayer, 1, 1.0f, A, B), LIN_ERR_NULL);
    assert_memory_equal(&lora, &before, sizeof lora);
    assert_int_equal(lin_lora_init(&lora, &layer, 1, 2.0f, A, B), LIN_OK);
    assert_int_equal(lin_lora_reset_parameters(&lora, NULL), LIN_ERR_NULL);
    lin_rng_seed(&rng, 1);
    assert_int_equal(lin_lora_reset_parameters(NULL, &rng), LIN_ERR_NULL);
    assert_int_equal(lin_lora_scratch_size(NULL, 1), (size_t)-1);
    assert_int_equal(lin_lora_scratch_size(&lora, (size_t)-1), (size_t)-1);
    fill_sentinel(y, 4);
    fill_sentinel(gA, 3);
    assert_int_equal(lin_lora_forward_f32(&lora, x, y, (size_t)-1 / 2, scratch, 4), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_lora_forward_f32(&lora, NULL, y, 1, scratch, 4), LIN_ERR_NULL);
    assert_int_equal(lin_lora_forward_f32(&lora, x, NULL, 1, scratch, 4), LIN_ERR_NULL);
    assert_int_equal(lin_lora_forward_f32(&lora, x, y, 1, NULL, 4), LIN_ERR_NULL);
    assert_int_equal(lin_lora_forward_f32(&lora, x, w, 1, scratch, 4), LIN_ERR_ALIAS);    /* y over W */
    assert_int_equal(lin_lora_forward_f32(&lora, x, x + 1, 1, scratch, 4), LIN_ERR_ALIAS);
    assert_int_equal(lin_lora_forward_f32(&lora, x, y, 1, y + 1, 1), LIN_ERR_ALIAS);     /* scratch over y */
    assert_int_equal(lin_lora_forward_f32(&lora, x, y, 1, x, 1), LIN_ERR_ALIAS);         /* scratch over x */
    assert_int_equal(lin_lora_forward_f32(&lora, x, y, 1, A, 1), LIN_ERR_ALIAS);         /* scratch over A */
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 1), LIN_ERR_SHAPE);
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, (size_t)-1 / 2, scratch, 4), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, x, gA, gB, 1, scratch, 4), LIN_ERR_ALIAS);
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, gx, gx + 1, gB, 1, scratch, 4), LIN_ERR_ALIAS);
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, gx, gA, scratch, 1, scratch, 4), LIN_ERR_ALIAS);
    assert_untouched(gA, 3);
    /* batch 0 and the optional gradients */
    assert_int_equal(lin_lora_backward_f32(&lora, NULL, NULL, NULL, gA, gB, 0, NULL, 0), LIN_OK);
    assert_int_equal(lin_lora_forward_f32(&lora, NULL, NULL, 0, NULL, 0), LIN_OK);
    assert_untouched(gA, 3);
    assert_int_equal(lin_lora_merge(&lora), LIN_OK);
    assert_int_equal(lin_lora_merge(&lora), LIN_ERR_VALUE);
    assert_int_equal(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 4), LIN_ERR_VALUE);
    assert_int_equal(lin_lora_merge(NULL), LIN_ERR_NULL);
    assert_int_equal(lin_lora_unmerge(&lora), LIN_OK);
}
#endif

/* ---- .npy ---- */

#if !defined(LIN_NO_NPY)
static void test_validation_npy(void **state)
{
    static const char head[] = "\x93NUMPY\x01\x00";
    unsigned char buf[256];
    float v[4] = {1, 2, 3, 4}, back[4];
    lin_tensor t = lin_vector(v, 4), o = lin_vector(back, 4), bad = t;
    size_t written = 0, len;
    char dict[128];
    (void)state;
    bad.ndim = -1;
    assert_int_equal(lin_npy_size(NULL), 0);
    assert_int_equal(lin_npy_size(&bad), 0);
    assert_int_equal(lin_npy_encode(NULL, buf, sizeof buf, &written), LIN_ERR_NULL);
    assert_int_equal(lin_npy_encode(&t, NULL, sizeof buf, &written), LIN_ERR_NULL);
    assert_int_equal(lin_npy_encode(&t, buf, sizeof buf, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_npy_encode(&bad, buf, sizeof buf, &written), LIN_ERR_RANK);
    assert_int_equal(lin_npy_encode(&t, (void *)v, sizeof buf, &written), LIN_ERR_ALIAS);
    assert_int_equal(lin_npy_encode(&t, buf, sizeof buf, &written), LIN_OK);
    len = written;
    fill_sentinel(back, 4);
    assert_int_equal(lin_npy_decode(NULL, len, &o), LIN_ERR_NULL);
    assert_int_equal(lin_npy_decode(buf, len, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_npy_decode(buf, len, &bad), LIN_ERR_RANK);
    assert_int_equal(lin_npy_decode(buf, 9, &o), LIN_ERR_VALUE);
    assert_int_equal(lin_npy_decode(buf, len, &o), LIN_OK);
    assert_int_equal(lin_npy_decode(buf, len, &o), LIN_OK);
    {   /* decoding into the file's own bytes: refused, the file intact */
        float arena[64];
        unsigned char before[sizeof arena];
        lin_tensor in_place;
        size_t n;
        memset(arena, 0x5a, sizeof arena);      /* every byte defined (valgrind) */
        assert_int_equal(lin_npy_encode(&t, arena, sizeof arena, &n), LIN_OK);
        memcpy(before, arena, sizeof arena);
        in_place = lin_vector(arena + n / sizeof(float) - 4, 4);    /* the payload itself */
        assert_int_equal(lin_npy_decode(arena, n, &in_place), LIN_ERR_ALIAS);
        in_place = lin_vector(arena + 1, 4);                        /* across the header */
        assert_int_equal(lin_npy_decode(arena, n, &in_place), LIN_ERR_ALIAS);
        assert_memory_equal(arena, before, sizeof arena);
    }
    {   /* hand-made headers: each one wrong in one way */
        static const char *dicts[] = {
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
            "{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': 4, }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 4), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4,",
            "{'fortran_order': False, 'shape': (4,), }",
        };
        size_t d;
        for (d = 0; d < sizeof dicts / sizeof dicts[0]; ++d) {
            size_t n = strlen(dicts[d]);
            memcpy(buf, head, 8);
            buf[8] = (unsigned char)n;
            buf[9] = 0;
            memcpy(buf + 10, dicts[d], n);
            memset(buf + 10 + n, 0, 16);
            assert_int_equal(lin_npy_decode(buf, 10 + n + 16, &o), LIN_ERR_VALUE);
        }
        /* version 2 (a 4-byte length), big-endian, shape (4,) */
        strcpy(dict, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }");
        len = strlen(dict);
        memcpy(buf, "\x93NUMPY\x02\x00", 8);
        buf[8] = (unsigned char)len; buf[9] = 0; buf[10] = 0; buf[11] = 0;
        memcpy(buf + 12, dict, len);
        memset(buf + 12 + len, 0, 16);
        buf[12 + len] = 0x3f; buf[13 + len] = 0x80;               /* 1.0f, big-endian */
        assert_int_equal(lin_npy_decode(buf, 12 + len + 16, &o), LIN_OK);
        assert_true(back[0] == 1.0f && back[1] == 0.0f);
        buf[6] = 7;                                                  /* an unknown version */
        assert_int_equal(lin_npy_decode(buf, 12 + len + 16, &o), LIN_ERR_VALUE);
        buf[6] = 1;
        buf[8] = 0xff;                                               /* a header longer than the file */
        assert_int_equal(lin_npy_decode(buf, 40, &o), LIN_ERR_VALUE);
    }
}
#endif

/* ---- int8 helpers ---- */

#if !defined(LIN_NO_INT8)
static void test_validation_s8_helpers(void **state)
{
    float x[4] = {1, 2, 3, 4}, scales[2] = {0.5f, -1.0f};
    int8_t q[4];
    int32_t m[2], s[2];
    lin_quant lq;
    (void)state;
    assert_int_equal(lin_quantize_s8(NULL, q, 4, 1.0f, 0), LIN_ERR_NULL);
    assert_int_equal(lin_quantize_s8(x, NULL, 4, 1.0f, 0), LIN_ERR_NULL);
    assert_int_equal(lin_quantize_s8(x, q, 4, NAN, 0), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_s8(x, q, 4, INFINITY, 0), LIN_ERR_VALUE);
    assert_int_equal(lin_quantize_s8(x, (int8_t *)(void *)(x + 1), 4, 1.0f, 0), LIN_ERR_ALIAS);
    assert_int_equal(lin_dequantize_s8(NULL, x, 4, 1.0f, 0), LIN_ERR_NULL);
    assert_int_equal(lin_dequantize_s8(q, NULL, 4, 1.0f, 0), LIN_ERR_NULL);
    assert_int_equal(lin_dequantize_s8(q, x, 4, NAN, 0), LIN_ERR_VALUE);
    assert_int_equal(lin_dequantize_s8(q, x, 4, 1.0f, -129), LIN_ERR_VALUE);
    assert_int_equal(lin_dequantize_s8((const int8_t *)(const void *)x, x, 4, 1.0f, 0), LIN_ERR_ALIAS);
    assert_int_equal(lin_quant_params(1, 0, 1, 0, 1, 0, LIN_ACT_NONE, NULL), LIN_ERR_NULL);
    assert_int_equal(lin_quant_params(0, 0, 1, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1, 0, 0, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1, 128, 1, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1, 0, 1, -129, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1, 0, 1, 0, 1, 200, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1, 0, 1, 0, 1, 0, (lin_activation)7, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_params(1e30f, 0, 1e30f, 0, 1e-30f, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_per_channel(1.0f, NULL, 1.0f, 2, m, s), LIN_ERR_NULL);
    assert_int_equal(lin_quant_per_channel(1.0f, scales, 1.0f, (size_t)-1, m, s), LIN_ERR_OVERFLOW);
    assert_int_equal(lin_quant_per_channel(0.0f, scales, 1.0f, 2, m, s), LIN_ERR_VALUE);
    assert_int_equal(lin_quant_per_channel(1.0f, scales, 1.0f, 2, m, s), LIN_ERR_VALUE);   /* scale -1 */
    assert_int_equal(lin_quant_per_channel(1.0f, scales, 1.0f, 2, m, m + 1), LIN_ERR_ALIAS);
    assert_int_equal(lin_quant_per_channel(1.0f, scales, 1.0f, 1, (int32_t *)(void *)scales, s), LIN_ERR_ALIAS);
    assert_int_equal(lin_linear_f32_clamp(x, x, NULL, NULL, 1, 1, 1, 0.0f, 1.0f), LIN_ERR_NULL);
}
#endif

/* ---- the core's own corners ---- */

static void test_validation_core_corners(void **state)
{
    float one = 1.0f, d[8] = {0};
    lin_tensor s = lin_tensor_view(NULL, 0, NULL), v = lin_vector(d, 2), out = lin_tensor_view(&one, 0, NULL);
    char msg[80];
    (void)state;
    assert_string_equal(lin_status_str(LIN_ERR_VALUE), "a parameter is outside its valid range");
    assert_int_equal(lin_matmul_explain(&s, &v, NULL, msg, sizeof msg), LIN_ERR_NULL);
    assert_string_equal(msg, "a->data is NULL but a has 1 element");
    /* the output checked last: an invalid out, then an out over itself */
    out.ndim = -1;
    assert_int_equal(lin_matmul_explain(&v, &v, &out, msg, sizeof msg), LIN_ERR_RANK);
    assert_int_equal(lin_linear_explain(&v, &v, NULL, &out, msg, sizeof msg), LIN_ERR_RANK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_linear_backward_f32),
#endif
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_linear_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_linear_backward_unfolded),
#endif
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_matmul_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_elementwise_and_losses),
#endif
#if !defined(LIN_NO_TRAIN)
        cmocka_unit_test(test_validation_optimizers),
#endif
#if !defined(LIN_NO_LORA)
        cmocka_unit_test(test_validation_lora),
#endif
#if !defined(LIN_NO_NPY)
        cmocka_unit_test(test_validation_npy),
#endif
#if !defined(LIN_NO_INT8)
        cmocka_unit_test(test_validation_s8_helpers),
#endif
        cmocka_unit_test(test_validation_core_corners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
