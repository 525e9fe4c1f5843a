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
    expect_int(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, big, 2, 2), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, 2, big, 2), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_backward_f32(in1, in2, in3, out1, out2, out3, 2, 2, big), LIN_ERR_OVERFLOW);
    expect_int(lin_linear_backward_f32(NULL, in2, in3, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    expect_int(lin_linear_backward_f32(in1, NULL, in3, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    expect_int(lin_linear_backward_f32(in1, in2, NULL, out1, out2, out3, 2, 2, 2), LIN_ERR_NULL);
    /* each output over each input, and over each other output */
    ins[0] = in1; ins[1] = in2; ins[2] = in3;
    for (o = 0; o < 3; ++o) {
        for (i = 0; i < 3; ++i) {
            outs[0] = out1; outs[1] = out2; outs[2] = out3;
            outs[o] = (float *)ins[i] + 1;
            expect_int(lin_linear_backward_f32(in1, in2, in3, outs[0], outs[1], outs[2], 2, 2, 2), LIN_ERR_ALIAS);
        }
        for (i = 0; i < o; ++i) {
            outs[0] = out1; outs[1] = out2; outs[2] = out3;
            outs[o] = outs[i] + 1;
            expect_int(lin_linear_backward_f32(in1, in2, in3, outs[0], outs[1], outs[2], 2, 2, 2), LIN_ERR_ALIAS);
        }
    }
    untouched();
    /* nothing asked, nothing done; empty sizes */
    expect_int(lin_linear_backward_f32(in1, in2, in3, NULL, NULL, NULL, 2, 2, 2), LIN_OK);
    expect_int(lin_linear_backward_f32(NULL, NULL, NULL, NULL, out2, out3, 0, 0, 0), LIN_OK);
    untouched();
    /* batch 0: the weight and bias gradients gain nothing */
    out2[0] = out3[0] = 1.0f;
    expect_int(lin_linear_backward_f32(NULL, in2, NULL, NULL, out2, out3, 0, 1, 1), LIN_OK);
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
    expect_int(lin_linear_backward(NULL, &w, &gy, &gx, &gw, &gb), LIN_ERR_NULL);
    expect_int(lin_linear_backward(&x, NULL, &gy, &gx, &gw, &gb), LIN_ERR_NULL);
    expect_int(lin_linear_backward(&x, &w, NULL, &gx, &gw, &gb), LIN_ERR_NULL);
    bad = x; bad.ndim = -1;
    expect_int(lin_linear_backward(&bad, &w, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    expect_int(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_RANK);
    bad = lin_vector(in2, 2);           /* a 1-D weight has no backward here */
    expect_int(lin_linear_backward(&x, &bad, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    bad = lin_tensor_view(in1, 0, NULL);
    expect_int(lin_linear_backward(&bad, &w, &gy, &gx, &gw, &gb), LIN_ERR_RANK);
    bad = lin_matrix(in2, 2, 3);        /* in 3 against x's 2 */
    expect_int(lin_linear_backward(&x, &bad, &gy, &gx, &gw, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(in3, 1, 2);
    expect_int(lin_linear_backward(&x, &w, &bad, &gx, &gw, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(out1, 1, 2);
    expect_int(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_SHAPE);
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, &bad, &gb), LIN_ERR_SHAPE);
    bad = lin_vector(out3, 3);
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, &gw, &bad), LIN_ERR_SHAPE);
    bad = gx; bad.stride[0] = 0;        /* over itself */
    expect_int(lin_linear_backward(&x, &w, &gy, &bad, &gw, &gb), LIN_ERR_ALIAS);
    bad = lin_matrix(out1 + 2, 2, 2);   /* grad_weight over grad_x */
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, &bad, &gb), LIN_ERR_ALIAS);
    bad = lin_vector(in2 + 1, 2);       /* grad_bias over the weight */
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, &gw, &bad), LIN_ERR_ALIAS);
    untouched();
    {   /* a gradient's data over a lin_tensor the call reads (its pointers,
           shapes and strides): refused, the structs as they were */
        union { lin_tensor t[2]; float f[4 * sizeof(lin_tensor) / sizeof(float)]; } u, u0;
        lin_tensor *in_u = &u.t[0];
        char msg[128];
        memset(&u, 0, sizeof u);
        u.t[0] = gy;
        u.t[1] = lin_matrix(u.f, 2, 2);                 /* grad_x's data: the first floats of grad_y's struct */
        u0 = u;
        expect_int(lin_linear_backward(&x, &w, in_u, &u.t[1], &gw, &gb), LIN_ERR_ALIAS);
        expect_int(lin_linear_backward_explain(&x, &w, in_u, &u.t[1], &gw, &gb, msg, sizeof msg), LIN_ERR_ALIAS);
        expect_true(strstr(msg, "grad_x's data overlaps grad_y (the lin_tensor)") != NULL);
        assert_memory_equal(&u, &u0, sizeof u);
        u.t[1] = lin_matrix(u.f + sizeof(lin_tensor) / sizeof(float), 2, 2);   /* over its own struct */
        u0 = u;
        expect_int(lin_linear_backward(&x, &w, &gy, &u.t[1], &gw, &gb), LIN_ERR_ALIAS);
        assert_memory_equal(&u, &u0, sizeof u);
        expect_int(lin_matmul_backward(&x, &w, &gy, &u.t[1], NULL), LIN_ERR_ALIAS);
        assert_memory_equal(&u, &u0, sizeof u);
        u.t[1] = lin_vector(u.f + 1, 2);                /* grad_bias over grad_y's */
        u0 = u;
        expect_int(lin_linear_backward(&x, &w, in_u, NULL, NULL, &u.t[1]), LIN_ERR_ALIAS);
        assert_memory_equal(&u, &u0, sizeof u);
        {   /* lin_matmul's out over a's struct */
            lin_tensor *a_in = &u.t[0];
            u.t[0] = x;
            u.t[1] = lin_matrix(u.f + 2, 2, 2);
            u0 = u;
            expect_int(lin_matmul(a_in, &w, &u.t[1]), LIN_ERR_ALIAS);
            assert_memory_equal(&u, &u0, sizeof u);
        }
    }
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
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, &gw1v, &gb1v), LIN_OK);
    expect_int(lin_linear_backward(&xcv, &w, &gycv, &gxcv, &gw2v, &gb2v), LIN_OK);
    for (a = 0; a < 2; ++a)
        for (b = 0; b < 3; ++b)
            for (c = 0; c < 2; ++c)
                assert_true(fabsf(gx1[a * 2 + b * 4 + c] - gx2[(a * 3 + b) * 2 + c]) < 1e-5f);
    for (i = 0; i < 6; ++i) assert_true(fabsf(gw1[i] - gw2[i]) < 1e-4f);
    for (i = 0; i < 3; ++i) assert_true(gb1[i] == gb2[i]);
    /* only some gradients, and a layer with no inputs */
    expect_int(lin_linear_backward(&x, &w, &gy, NULL, &gw1v, NULL), LIN_OK);
    expect_int(lin_linear_backward(&x, &w, &gy, &gx, NULL, NULL), LIN_OK);
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
    expect_int(lin_matmul_backward(NULL, &b, &g, &ga, &gb), LIN_ERR_NULL);
    expect_int(lin_matmul_backward(&a, NULL, &g, &ga, &gb), LIN_ERR_NULL);
    expect_int(lin_matmul_backward(&a, &b, NULL, &ga, &gb), LIN_ERR_NULL);
    bad = a; bad.ndim = 99;
    expect_int(lin_matmul_backward(&bad, &b, &g, &ga, &gb), LIN_ERR_RANK);
    expect_int(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_RANK);
    bad = lin_tensor_view(in1, 0, NULL);
    expect_int(lin_matmul_backward(&bad, &b, &g, &ga, &gb), LIN_ERR_RANK);
    bad = lin_matrix(in2, 3, 2);
    expect_int(lin_matmul_backward(&a, &bad, &g, &ga, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(in3, 2, 1);
    expect_int(lin_matmul_backward(&a, &b, &bad, &ga, &gb), LIN_ERR_SHAPE);
    bad = lin_matrix(out1, 1, 2);
    expect_int(lin_matmul_backward(&a, &b, &g, &bad, &gb), LIN_ERR_SHAPE);
    expect_int(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_SHAPE);
    bad = lin_matrix(out1 + 1, 2, 2);   /* grad_b over grad_a */
    expect_int(lin_matmul_backward(&a, &b, &g, &ga, &bad), LIN_ERR_ALIAS);
    bad = lin_matrix(in3, 2, 2);        /* grad_a over grad_out */
    expect_int(lin_matmul_backward(&a, &b, &g, &bad, &gb), LIN_ERR_ALIAS);
    untouched();
    /* an empty batch: nothing flows back */
    a = lin_tensor_view(NULL, 3, s0);
    g = lin_tensor_view(NULL, 3, s0);
    expect_int(lin_matmul_backward(&a, &b, &g, NULL, &gb), LIN_OK);
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
    expect_int(lin_relu_f32(in1, out1, big), LIN_ERR_OVERFLOW);
    expect_int(lin_relu_f32(in1, NULL, 2), LIN_ERR_NULL);
    expect_int(lin_relu_backward_f32(NULL, in2, out1, 2), LIN_ERR_NULL);
    expect_int(lin_relu_backward_f32(in1, NULL, out1, 2), LIN_ERR_NULL);
    expect_int(lin_relu_backward_f32(in1, in2, in1 + 1, 2), LIN_ERR_ALIAS);   /* over x */
    expect_int(lin_relu_backward_f32(in1, in2, in2 + 1, 2), LIN_ERR_ALIAS);   /* over grad_y, shifted */
    expect_int(lin_mse_loss_f32(NULL, in2, 2, &loss, out1), LIN_ERR_NULL);
    expect_int(lin_mse_loss_f32(in1, NULL, 2, &loss, out1), LIN_ERR_NULL);
    expect_int(lin_mse_loss_f32(in1, in2, big, &loss, out1), LIN_ERR_OVERFLOW);
    expect_int(lin_mse_loss_f32(in1, in2, 2, &loss, in2), LIN_ERR_ALIAS);
    expect_int(lin_mse_loss_f32(in1, in2, 2, out1 + 1, out1), LIN_ERR_ALIAS);
    expect_int(lin_mse_loss_f32(in1, in2, 2, in1 + 1, NULL), LIN_ERR_ALIAS);
    expect_int(lin_mse_loss_f32(in1, in2, 2, in2, NULL), LIN_ERR_ALIAS);
    expect_int(lin_cross_entropy_f32(in1, t, big, 3, &loss, out1), LIN_ERR_OVERFLOW);
    expect_int(lin_cross_entropy_f32(NULL, t, 2, 3, &loss, out1), LIN_ERR_NULL);
    expect_int(lin_cross_entropy_f32(in1, NULL, 2, 3, &loss, out1), LIN_ERR_NULL);
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, &loss, in1), LIN_ERR_ALIAS);
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, &loss, (float *)(void *)t), LIN_ERR_ALIAS);
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, out1 + 2, out1), LIN_ERR_ALIAS);
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, in1 + 2, NULL), LIN_ERR_ALIAS);
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, (float *)(void *)t, NULL), LIN_ERR_ALIAS);
    t[0] = -2;
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, &loss, out1), LIN_ERR_INDEX);
    expect_int(lin_zero_f32(NULL, 2), LIN_ERR_NULL);
    expect_int(lin_zero_f32(out1, big), LIN_ERR_OVERFLOW);
    untouched();
    assert_true(loss == 3.0f);
    /* the outputs are optional */
    t[0] = 0;
    expect_int(lin_cross_entropy_f32(in1, t, 2, 3, NULL, NULL), LIN_OK);
    expect_int(lin_mse_loss_f32(in1, in2, 2, NULL, NULL), LIN_OK);
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
    expect_int(lin_sgd_step(NULL, out1, in1, NULL, &step, 2), LIN_ERR_NULL);
    expect_int(lin_sgd_step(&sgd, out1, in1, NULL, NULL, 2), LIN_ERR_NULL);
    s = sgd; s.lr = NAN;
    expect_int(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.momentum = -1.0f;
    expect_int(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.weight_decay = -1.0f;
    expect_int(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.nesterov = 1; s.momentum = 0.9f; s.dampening = 0.1f;
    expect_int(lin_sgd_step(&s, out1, in1, out2, &step, 2), LIN_ERR_VALUE);
    s = sgd; s.momentum = 0.9f;
    expect_int(lin_sgd_step(&s, out1, in1, NULL, &step, 2), LIN_ERR_NULL);       /* no buffer */
    expect_int(lin_sgd_step(&s, out1, in1, out1 + 1, &step, 2), LIN_ERR_ALIAS);  /* buffer over param */
    expect_int(lin_sgd_step(&s, out1, in1, in1 + 1, &step, 2), LIN_ERR_ALIAS);   /* buffer over grad */
    expect_int(lin_sgd_step(&sgd, NULL, in1, NULL, &step, 2), LIN_ERR_NULL);
    expect_int(lin_sgd_step(&sgd, out1, NULL, NULL, &step, 2), LIN_ERR_NULL);
    expect_int(lin_adam_step(NULL, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_NULL);
    expect_int(lin_adam_step(&adam, out1, in1, out2, out3, NULL, NULL, 2), LIN_ERR_NULL);
    a = adam; a.lr = -1.0f;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.eps = -1.0f;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.weight_decay = NAN;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.beta1 = -0.1f;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.beta2 = 1.0f;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_VALUE);
    a = adam; a.amsgrad = 1;
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, NULL, &step, 2), LIN_ERR_NULL);
    expect_int(lin_adam_step(&a, out1, in1, out2, out3, out3 + 1, &step, 2), LIN_ERR_ALIAS);
    expect_int(lin_adam_step(&adam, out1, in1, out2, out2 + 1, NULL, &step, 2), LIN_ERR_ALIAS);
    expect_int(lin_adam_step(&adam, out1, in1, out2, out3, NULL, &step, (size_t)-1 / 2), LIN_ERR_OVERFLOW);
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
    expect_int(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    memset(&lora, 0x5a, sizeof lora);
    before = lora;
    expect_int(lin_lora_init(NULL, &layer, 1, 1.0f, A, B), LIN_ERR_NULL);
    expect_int(lin_lora_init(&lora, NULL, 1, 1.0f, A, B), LIN_ERR_NULL);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, NULL, B), LIN_ERR_NULL);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, NULL), LIN_ERR_NULL);
    expect_int(lin_lora_init(&lora, &layer, (size_t)-1 / 2, 1.0f, A, B), LIN_ERR_OVERFLOW);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, A + 1), LIN_ERR_ALIAS);   /* A and B */
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, w + 1), LIN_ERR_ALIAS);   /* B over W */
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, b), LIN_ERR_ALIAS);       /* B over b */
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, b, B), LIN_ERR_ALIAS);       /* A over b */
    nolayer = layer;
    nolayer.weight = NULL;
    expect_int(lin_lora_init(&lora, &nolayer, 1, 1.0f, A, B), LIN_ERR_NULL);
    assert_memory_equal(&lora, &before, sizeof lora);
    expect_int(lin_lora_init(&lora, &layer, 1, 2.0f, A, B), LIN_OK);
    expect_int(lin_lora_reset_parameters(&lora, NULL), LIN_ERR_NULL);
    lin_rng_seed(&rng, 1);
    expect_int(lin_lora_reset_parameters(NULL, &rng), LIN_ERR_NULL);
    expect_int(lin_lora_scratch_size(NULL, 1), (size_t)-1);
    expect_int(lin_lora_scratch_size(&lora, (size_t)-1), (size_t)-1);
    fill_sentinel(y, 4);
    fill_sentinel(gA, 3);
    expect_int(lin_lora_forward_f32(&lora, x, y, (size_t)-1 / 2, scratch, 4), LIN_ERR_OVERFLOW);
    expect_int(lin_lora_forward_f32(&lora, NULL, y, 1, scratch, 4), LIN_ERR_NULL);
    expect_int(lin_lora_forward_f32(&lora, x, NULL, 1, scratch, 4), LIN_ERR_NULL);
    expect_int(lin_lora_forward_f32(&lora, x, y, 1, NULL, 4), LIN_ERR_NULL);
    expect_int(lin_lora_forward_f32(&lora, x, w, 1, scratch, 4), LIN_ERR_ALIAS);    /* y over W */
    expect_int(lin_lora_forward_f32(&lora, x, x + 1, 1, scratch, 4), LIN_ERR_ALIAS);
    expect_int(lin_lora_forward_f32(&lora, x, y, 1, y + 1, 1), LIN_ERR_ALIAS);     /* scratch over y */
    expect_int(lin_lora_forward_f32(&lora, x, y, 1, x, 1), LIN_ERR_ALIAS);         /* scratch over x */
    expect_int(lin_lora_forward_f32(&lora, x, y, 1, A, 1), LIN_ERR_ALIAS);         /* scratch over A */
    expect_int(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 1), LIN_ERR_SIZE);
    expect_int(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, (size_t)-1 / 2, scratch, 4), LIN_ERR_OVERFLOW);
    expect_int(lin_lora_backward_f32(&lora, x, y, x, gA, gB, 1, scratch, 4), LIN_ERR_ALIAS);
    expect_int(lin_lora_backward_f32(&lora, x, y, gx, gx + 1, gB, 1, scratch, 4), LIN_ERR_ALIAS);
    expect_int(lin_lora_backward_f32(&lora, x, y, gx, gA, scratch, 1, scratch, 4), LIN_ERR_ALIAS);
    assert_untouched(gA, 3);
    /* batch 0 and the optional gradients */
    expect_int(lin_lora_backward_f32(&lora, NULL, NULL, NULL, gA, gB, 0, NULL, 0), LIN_OK);
    expect_int(lin_lora_forward_f32(&lora, NULL, NULL, 0, NULL, 0), LIN_OK);
    assert_untouched(gA, 3);
    {   /* buffers over the structs read while they are written, or
           parameters edited into each other since the init: refused,
           everything as it was */
        union { lin_lora l; float f[16]; } ul, ul0;
        union { lin_layer l; float f[16]; } ub, ub0;
        union { lin_rng r; float f[8]; } ur, ur0;
        lin_lora lo;
        lin_layer lw;
        float w0[6], A0[3], B0[2];
        char msg[128];
        memcpy(w0, w, sizeof w);
        memcpy(A0, A, sizeof A);
        memcpy(B0, B, sizeof B);
        memset(&ul, 0, sizeof ul);
        memset(&ub, 0, sizeof ub);
        memset(&ur, 0, sizeof ur);
        ul.l = lora;
        ul0 = ul;
        expect_int(lin_lora_forward_f32(&ul.l, x, ul.f + 1, 1, scratch, 4), LIN_ERR_ALIAS);   /* y over *lora */
        expect_int(lin_lora_forward_explain(&ul.l, x, ul.f + 1, 1, scratch, 4, msg, sizeof msg), LIN_ERR_ALIAS);
        expect_true(strstr(msg, "lin_lora") != NULL);
        assert_memory_equal(&ul, &ul0, sizeof ul);
        expect_int(lin_lora_backward_f32(&ul.l, x, y, gx, gA, ul.f, 1, scratch, 4), LIN_ERR_ALIAS);
        assert_memory_equal(&ul, &ul0, sizeof ul);
        ub.l = layer;
        ub0 = ub;
        lo = lora;
        lo.base = &ub.l;
        expect_int(lin_lora_backward_f32(&lo, x, y, gx, ub.f + 2, gB, 1, scratch, 4), LIN_ERR_ALIAS);
        expect_int(lin_lora_backward_explain(&lo, x, y, gx, ub.f + 2, gB, 1, scratch, 4, msg, sizeof msg),
                   LIN_ERR_ALIAS);
        expect_true(strstr(msg, "lora->base") != NULL);
        assert_memory_equal(&ub, &ub0, sizeof ub);
        expect_int(lin_lora_forward_f32(&lo, x, y, 1, ub.f, 1), LIN_ERR_ALIAS);   /* scratch over the base */
        assert_memory_equal(&ub, &ub0, sizeof ub);
        lw = layer;                             /* W over *lora, then over its base */
        lw.weight = ul.f + 2;
        ul.l.base = &lw;
        ul0 = ul;
        expect_int(lin_lora_merge(&ul.l), LIN_ERR_ALIAS);
        assert_memory_equal(&ul, &ul0, sizeof ul);
        ub.l.weight = ub.f + 1;
        ub0 = ub;
        expect_int(lin_lora_merge(&lo), LIN_ERR_ALIAS);
        assert_memory_equal(&ub, &ub0, sizeof ub);
        lo = lora;                              /* B edited into A, A into W */
        lo.B = A + 1;
        expect_int(lin_lora_merge(&lo), LIN_ERR_ALIAS);
        assert_memory_equal(w, w0, sizeof w);
        lo.B = B;
        lo.A = w + 3;
        expect_int(lin_lora_merge(&lo), LIN_ERR_ALIAS);
        assert_memory_equal(w, w0, sizeof w);
        lin_rng_seed(&ur.r, 9);                 /* reset: A over the generator, B over *lora */
        ur0 = ur;
        lo = lora;
        lo.A = ur.f + sizeof ur.r / sizeof(float) - 1;
        expect_int(lin_lora_reset_parameters(&lo, &ur.r), LIN_ERR_ALIAS);
        assert_memory_equal(&ur, &ur0, sizeof ur);
        assert_memory_equal(A, A0, sizeof A);
        assert_memory_equal(B, B0, sizeof B);
        ul.l = lora;
        ul.l.B = ul.f + 1;
        ul0 = ul;
        expect_int(lin_lora_reset_parameters(&ul.l, &rng), LIN_ERR_ALIAS);
        assert_memory_equal(&ul, &ul0, sizeof ul);
        assert_memory_equal(&ur, &ur0, sizeof ur);
        assert_memory_equal(w, w0, sizeof w);
        assert_memory_equal(A, A0, sizeof A);
        assert_memory_equal(B, B0, sizeof B);
        assert_untouched(y, 4);
        assert_untouched(gA, 3);
    }
    expect_int(lin_lora_merge(&lora), LIN_OK);
    expect_int(lin_lora_merge(&lora), LIN_ERR_STATE);
    expect_int(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 4), LIN_ERR_STATE);
    expect_int(lin_lora_merge(NULL), LIN_ERR_NULL);
    expect_int(lin_lora_unmerge(&lora), LIN_OK);
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
    expect_int(lin_npy_size(NULL), 0);
    expect_int(lin_npy_size(&bad), 0);
    expect_int(lin_npy_encode(NULL, buf, sizeof buf, &written), LIN_ERR_NULL);
    expect_int(lin_npy_encode(&t, NULL, sizeof buf, &written), LIN_ERR_NULL);
    expect_int(lin_npy_encode(&t, buf, sizeof buf, NULL), LIN_ERR_NULL);
    expect_int(lin_npy_encode(&bad, buf, sizeof buf, &written), LIN_ERR_RANK);
    expect_int(lin_npy_encode(&t, (void *)v, sizeof buf, &written), LIN_ERR_ALIAS);
    expect_int(lin_npy_encode(&t, buf, sizeof buf, &written), LIN_OK);
    len = written;
    fill_sentinel(back, 4);
    expect_int(lin_npy_decode(NULL, len, &o), LIN_ERR_NULL);
    expect_int(lin_npy_decode(buf, len, NULL), LIN_ERR_NULL);
    expect_int(lin_npy_decode(buf, len, &bad), LIN_ERR_RANK);
    expect_int(lin_npy_decode(buf, 9, &o), LIN_ERR_FORMAT);
    expect_int(lin_npy_decode(buf, len, &o), LIN_OK);
    expect_int(lin_npy_decode(buf, len, &o), LIN_OK);
    {   /* decoding into the file's own bytes: refused, the file intact */
        float arena[64];
        unsigned char before[sizeof arena];
        lin_tensor in_place;
        size_t n = 0;
        memset(arena, 0x5a, sizeof arena);      /* every byte defined (valgrind) */
        expect_int(lin_npy_encode(&t, arena, sizeof arena, &n), LIN_OK);
        memcpy(before, arena, sizeof arena);
        in_place = lin_vector(arena + n / sizeof(float) - 4, 4);    /* the payload itself */
        expect_int(lin_npy_decode(arena, n, &in_place), LIN_ERR_ALIAS);
        in_place = lin_vector(arena + 1, 4);                        /* across the header */
        expect_int(lin_npy_decode(arena, n, &in_place), LIN_ERR_ALIAS);
        assert_memory_equal(arena, before, sizeof arena);
    }
    {   /* the .npy's bytes over the lin_tensor or *written, the data over
           its own lin_tensor (their shapes and strides are read as the
           bytes are written): refused, everything as it was */
        union { lin_tensor t; float f[64]; size_t z[64]; } u;
        unsigned char ub[sizeof u];
        char msg[96];
        size_t n = 0, end;
        memset(&u, 0, sizeof u);
        u.t = lin_vector(v, 4);
        memcpy(ub, &u, sizeof u);
        expect_int(lin_npy_encode(&u.t, &u, sizeof u, &n), LIN_ERR_ALIAS);
        expect_int(lin_npy_encode_explain(&u.t, &u, sizeof u, msg, sizeof msg), LIN_ERR_ALIAS);
        expect_true(strstr(msg, "buf overlaps t") != NULL);
        assert_memory_equal(&u, ub, sizeof u);
        expect_int(n, 0);
        memset(&u, 0, sizeof u);
        end = lin_npy_size(&t);                 /* 144: a header of 128 bytes, 16 of data */
        expect_int(end % sizeof(size_t), 0);
        expect_int(lin_npy_encode(&t, u.f, sizeof u, &u.z[end / sizeof(size_t) - 1]), LIN_ERR_ALIAS);  /* data */
        expect_int(lin_npy_encode(&t, u.f, sizeof u, &u.z[0]), LIN_ERR_ALIAS);                        /* magic */
        expect_true(u.z[0] == 0 && u.z[end / sizeof(size_t) - 1] == 0);
        expect_int(lin_npy_encode(&t, u.f, sizeof u, &u.z[end / sizeof(size_t)]), LIN_OK);   /* just after */
        expect_int(u.z[end / sizeof(size_t)], end);
        memset(&u, 0, sizeof u);
        u.t = lin_vector(u.f + 1, 4);           /* its data over its own shape */
        memcpy(ub, &u, sizeof u);
        expect_int(lin_npy_decode(buf, len, &u.t), LIN_ERR_ALIAS);
        expect_int(lin_npy_decode_explain(buf, len, &u.t, msg, sizeof msg), LIN_ERR_ALIAS);
        expect_true(strstr(msg, "out itself") != NULL);
        assert_memory_equal(&u, ub, sizeof u);
        u.t = lin_vector(u.f + sizeof(lin_tensor) / sizeof(float), 4);   /* right after it: read */
        expect_int(lin_npy_decode(buf, len, &u.t), LIN_OK);
        expect_true(u.f[sizeof(lin_tensor) / sizeof(float) + 3] == 4.0f);
    }
    {   /* hand-made headers: each one wrong in one way, every row run */
        static const struct { const char *dict; lin_status want; const char *says; } rows[] = {
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE,
             "the file holds (4,) float64, expected (4,) float32"},
            {"{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "(4,) int64"},
            {"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", LIN_ERR_DTYPE, "(2, 2) uint8"},
            {"{'descr': '>f2', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "float16 (big-endian)"},
            {"{'descr': '<U10', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '<U10'"},
            {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '['"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", LIN_ERR_SHAPE,
             "the file holds (5,) float32, expected (4,) float32"},
            {"{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", LIN_ERR_FORMAT, "Fortran-order"},
            {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }", LIN_ERR_FORMAT, "'fortran_order'"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", LIN_ERR_FORMAT, "not a tuple"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }", LIN_ERR_FORMAT, "other than sizes"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 4), }", LIN_ERR_FORMAT,
             "LIN_MAX_DIMS"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", LIN_ERR_FORMAT,
             "overflows"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,", LIN_ERR_FORMAT, "not closed"},
            {"{'fortran_order': False, 'shape': (4,), }", LIN_ERR_FORMAT, "lacks"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_FORMAT, "truncated"},
        };
        size_t d;
        char msg[160];
        fill_sentinel(back, 4);
        for (d = 0; d < sizeof rows / sizeof rows[0]; ++d) {
            size_t n = strlen(rows[d].dict), data = d + 1 == sizeof rows / sizeof rows[0] ? 15 : 16;
            memcpy(buf, head, 8);
            buf[8] = (unsigned char)n;
            buf[9] = 0;
            memcpy(buf + 10, rows[d].dict, n);
            memset(buf + 10 + n, 0, 16);
            expect_int(lin_npy_decode(buf, 10 + n + data, &o), rows[d].want);
            expect_int(lin_npy_decode_explain(buf, 10 + n + data, &o, msg, sizeof msg), rows[d].want);
            expect_msg(msg, rows[d].says);
        }
        assert_untouched(back, 4);
        /* version 2 (a 4-byte length), big-endian, shape (4,) */
        strcpy(dict, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }");
        len = strlen(dict);
        memcpy(buf, "\x93NUMPY\x02\x00", 8);
        buf[8] = (unsigned char)len; buf[9] = 0; buf[10] = 0; buf[11] = 0;
        memcpy(buf + 12, dict, len);
        memset(buf + 12 + len, 0, 16);
        buf[12 + len] = 0x3f; buf[13 + len] = 0x80;               /* 1.0f, big-endian */
        expect_int(lin_npy_decode(buf, 12 + len + 16, &o), LIN_OK);
        assert_true(back[0] == 1.0f && back[1] == 0.0f);
        buf[6] = 7;                                                  /* an unknown version */
        expect_int(lin_npy_decode(buf, 12 + len + 16, &o), LIN_ERR_FORMAT);
        buf[6] = 1;
        buf[8] = 0xff;                                               /* a header longer than the file */
        expect_int(lin_npy_decode(buf, 40, &o), LIN_ERR_FORMAT);
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
    expect_int(lin_quantize_s8(NULL, q, 4, 1.0f, 0), LIN_ERR_NULL);
    expect_int(lin_quantize_s8(x, NULL, 4, 1.0f, 0), LIN_ERR_NULL);
    expect_int(lin_quantize_s8(x, q, 4, NAN, 0), LIN_ERR_VALUE);
    expect_int(lin_quantize_s8(x, q, 4, INFINITY, 0), LIN_ERR_VALUE);
    expect_int(lin_quantize_s8(x, (int8_t *)(void *)(x + 1), 4, 1.0f, 0), LIN_ERR_ALIAS);
    expect_int(lin_dequantize_s8(NULL, x, 4, 1.0f, 0), LIN_ERR_NULL);
    expect_int(lin_dequantize_s8(q, NULL, 4, 1.0f, 0), LIN_ERR_NULL);
    expect_int(lin_dequantize_s8(q, x, 4, NAN, 0), LIN_ERR_VALUE);
    expect_int(lin_dequantize_s8(q, x, 4, 1.0f, -129), LIN_ERR_VALUE);
    expect_int(lin_dequantize_s8((const int8_t *)(const void *)x, x, 4, 1.0f, 0), LIN_ERR_ALIAS);
    expect_int(lin_quant_params(1, 0, 1, 0, 1, 0, LIN_ACT_NONE, NULL), LIN_ERR_NULL);
    expect_int(lin_quant_params(0, 0, 1, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1, 0, 0, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1, 128, 1, 0, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1, 0, 1, -129, 1, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1, 0, 1, 0, 1, 200, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1, 0, 1, 0, 1, 0, (lin_activation)7, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_params(1e30f, 0, 1e30f, 0, 1e-30f, 0, LIN_ACT_NONE, &lq), LIN_ERR_VALUE);
    expect_int(lin_quant_per_channel(1.0f, NULL, 1.0f, 2, m, s), LIN_ERR_NULL);
    expect_int(lin_quant_per_channel(1.0f, scales, 1.0f, (size_t)-1, m, s), LIN_ERR_OVERFLOW);
    expect_int(lin_quant_per_channel(0.0f, scales, 1.0f, 2, m, s), LIN_ERR_VALUE);
    expect_int(lin_quant_per_channel(1.0f, scales, 1.0f, 2, m, s), LIN_ERR_VALUE);   /* scale -1 */
    expect_int(lin_quant_per_channel(1.0f, scales, 1.0f, 2, m, m + 1), LIN_ERR_ALIAS);
    expect_int(lin_quant_per_channel(1.0f, scales, 1.0f, 1, (int32_t *)(void *)scales, s), LIN_ERR_ALIAS);
    expect_int(lin_linear_f32_clamp(x, x, NULL, NULL, 1, 1, 1, 0.0f, 1.0f), LIN_ERR_NULL);
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
    expect_int(lin_matmul_explain(&s, &v, NULL, msg, sizeof msg), LIN_ERR_NULL);
    assert_string_equal(msg, "a->data is NULL but a has 1 element");
    /* the output checked last: an invalid out, then an out over itself */
    out.ndim = -1;
    expect_int(lin_matmul_explain(&v, &v, &out, msg, sizeof msg), LIN_ERR_RANK);
    expect_int(lin_linear_explain(&v, &v, NULL, &out, msg, sizeof msg), LIN_ERR_RANK);
}

/* ---- the statuses and the explain functions ----

   Each row: the call's status, the explain function's status (the same)
   and the words it must hold; every row runs before the test fails. */

static char msg[200];

/* the call and its explanation agree, and the words say what is wrong */
#define EXPLAINS(call, explain, want, words)                                \
    do {                                                                    \
        strcpy(msg, "(not written)");                                       \
        expect_int(call, want);                                             \
        expect_int(explain, want);                                          \
        expect_msg(msg, words);                                             \
    } while (0)

static void test_validation_status_words(void **state)
{
    int s, t;
    (void)state;
    for (s = LIN_OK; s <= LIN_ERR_STATE; ++s) {     /* a text of its own for each */
        expect_true(strcmp(lin_status_str((lin_status)s), "unknown lin_status") != 0);
        for (t = LIN_OK; t < s; ++t)
            expect_true(strcmp(lin_status_str((lin_status)s), lin_status_str((lin_status)t)) != 0);
    }
    expect_msg(lin_status_str(LIN_ERR_SIZE), "buffer is smaller");
    expect_msg(lin_status_str(LIN_ERR_INDEX), "index is out of range");
    expect_msg(lin_status_str(LIN_ERR_FORMAT), "not a file of the format");
    expect_msg(lin_status_str((lin_status)99), "unknown");
}

static void test_validation_explain_core(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1}, x[4] = {1, 2, 3, 4}, y[4];
    const size_t big = (size_t)-1 / 2;
    lin_layer layer;
    lin_tensor xv = lin_vector(x, 3), x4 = lin_vector(x, 4), yv = lin_vector(y, 2), y3 = lin_vector(y, 3);
    lin_tensor neg = lin_vector(x, 3);
    (void)state;
    fill_sentinel(y, 4);
    EXPLAINS(lin_linear_f32(x, w, b, y, 1, 3, 2), lin_linear_f32_explain(x, w, b, y, 1, 3, 2, msg, sizeof msg),
             LIN_OK, "");
    expect_int((int)strlen(msg), 0);
    fill_sentinel(y, 4);
    EXPLAINS(lin_linear_f32(NULL, w, b, y, 1, 3, 2),
             lin_linear_f32_explain(NULL, w, b, y, 1, 3, 2, msg, sizeof msg), LIN_ERR_NULL,
             "x is NULL but has 3 elements");
    EXPLAINS(lin_linear_f32(x, w, b, NULL, 1, 3, 2),
             lin_linear_f32_explain(x, w, b, NULL, 1, 3, 2, msg, sizeof msg), LIN_ERR_NULL,
             "y is NULL but has 2 elements");
    EXPLAINS(lin_linear_f32(x, w, b, w + 4, 1, 3, 2),
             lin_linear_f32_explain(x, w, b, w + 4, 1, 3, 2, msg, sizeof msg), LIN_ERR_ALIAS, "y overlaps weight");
    EXPLAINS(lin_linear_f32(x, w, x + 1, y, 1, 3, 2),
             lin_linear_f32_explain(x, w, x + 1, y, 1, 3, 2, msg, sizeof msg), LIN_OK, "");
    fill_sentinel(y, 4);
    EXPLAINS(lin_linear_f32(x, w, b, b, 1, 3, 2),
             lin_linear_f32_explain(x, w, b, b, 1, 3, 2, msg, sizeof msg), LIN_ERR_ALIAS, "y overlaps bias");
    EXPLAINS(lin_linear_f32(x, w, b, y, big, 3, 2),
             lin_linear_f32_explain(x, w, b, y, big, 3, 2, msg, sizeof msg), LIN_ERR_OVERFLOW,
             "more bytes than size_t can count");
    EXPLAINS(lin_linear_f32_clamp(x, w, b, y, 1, 3, 2, 6.0f, 0.0f),
             lin_linear_f32_clamp_explain(x, w, b, y, 1, 3, 2, 6.0f, 0.0f, msg, sizeof msg), LIN_ERR_VALUE,
             "act_min (6) must not exceed act_max (0)");
    EXPLAINS(lin_linear_f32_clamp(x, w, b, y, 1, 3, 2, NAN, 0.0f),
             lin_linear_f32_clamp_explain(x, w, b, y, 1, 3, 2, NAN, 0.0f, msg, sizeof msg), LIN_ERR_VALUE,
             "act_min (nan)");
    EXPLAINS(lin_linear_f32_clamp(x, w, b, x, 1, 3, 2, 0.0f, 6.0f),
             lin_linear_f32_clamp_explain(x, w, b, x, 1, 3, 2, 0.0f, 6.0f, msg, sizeof msg), LIN_ERR_ALIAS,
             "y overlaps x");
    EXPLAINS(lin_layer_init(&layer, 3, 2, NULL, b), lin_layer_init_explain(3, 2, NULL, b, msg, sizeof msg),
             LIN_ERR_NULL, "weight is NULL but has 6 elements");
    EXPLAINS(lin_layer_init(&layer, 3, 2, w, w + 5), lin_layer_init_explain(3, 2, w, w + 5, msg, sizeof msg),
             LIN_ERR_ALIAS, "bias overlaps weight");
    EXPLAINS(lin_layer_init(&layer, big, 3, w, b), lin_layer_init_explain(big, 3, w, b, msg, sizeof msg),
             LIN_ERR_OVERFLOW, "size_t");
    expect_int(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    EXPLAINS(lin_layer_forward(NULL, &xv, &yv), lin_layer_forward_explain(NULL, &xv, &yv, msg, sizeof msg),
             LIN_ERR_NULL, "layer is NULL");
    EXPLAINS(lin_layer_forward(&layer, &xv, NULL), lin_layer_forward_explain(&layer, &xv, NULL, msg, sizeof msg),
             LIN_ERR_NULL, "y is NULL");
    EXPLAINS(lin_layer_forward(&layer, &x4, &yv), lin_layer_forward_explain(&layer, &x4, &yv, msg, sizeof msg),
             LIN_ERR_SHAPE, "cannot be multiplied (1x4 and 3x2)");
    EXPLAINS(lin_layer_forward(&layer, &xv, &y3), lin_layer_forward_explain(&layer, &xv, &y3, msg, sizeof msg),
             LIN_ERR_SHAPE, "y has shape [3] but the result has shape [2]");
    neg.stride[0] = -1;
    neg.data = x + 2;
    EXPLAINS(lin_layer_forward(&layer, &neg, &yv), lin_layer_forward_explain(&layer, &neg, &yv, msg, sizeof msg),
             LIN_ERR_VALUE, "x has a negative stride (-1) at dim 0");
    EXPLAINS(lin_layer_forward(&layer, &xv, &xv), lin_layer_forward_explain(&layer, &xv, &xv, msg, sizeof msg),
             LIN_ERR_SHAPE, "y has shape [3]");
    yv = lin_vector(w + 1, 2);
    EXPLAINS(lin_layer_forward(&layer, &xv, &yv), lin_layer_forward_explain(&layer, &xv, &yv, msg, sizeof msg),
             LIN_ERR_ALIAS, "y overlaps weight");
    assert_untouched(y, 4);
    expect_true(w[1] == 2.0f && w[2] == 3.0f);
}

#if !defined(LIN_NO_TRAIN)
static void test_validation_explain_train(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, gy[2] = {1, -1}, g[8], p[2] = {1, 2}, gr[2] = {3, 4};
    float loss = 5.0f;
    int32_t t[2] = {0, 10};
    uint64_t step = 0;
    lin_sgd sgd = lin_sgd_defaults(-0.1f);
    lin_adam adam = lin_adam_defaults();
    lin_tensor xv = lin_vector(x, 3), wv = lin_matrix(w, 2, 3), gyv = lin_vector(gy, 2);
    lin_tensor gx = lin_vector(g, 3), gx2 = lin_vector(g, 2), w1 = lin_vector(w, 3), gw = lin_matrix(g, 2, 3);
    lin_tensor wt = lin_transpose(&wv), ga = lin_vector(g, 2);
    (void)state;
    fill_sentinel(g, 8);
    EXPLAINS(lin_linear_backward(&xv, &wv, NULL, &gx, NULL, NULL),
             lin_linear_backward_explain(&xv, &wv, NULL, &gx, NULL, NULL, msg, sizeof msg), LIN_ERR_NULL,
             "grad_y is NULL");
    EXPLAINS(lin_linear_backward(&xv, &w1, &gyv, &gx, NULL, NULL),
             lin_linear_backward_explain(&xv, &w1, &gyv, &gx, NULL, NULL, msg, sizeof msg), LIN_ERR_RANK,
             "weight must be 2-D, but it is 1-D");
    EXPLAINS(lin_linear_backward(&xv, &wv, &gyv, &gx2, NULL, NULL),
             lin_linear_backward_explain(&xv, &wv, &gyv, &gx2, NULL, NULL, msg, sizeof msg), LIN_ERR_SHAPE,
             "grad_x has shape [2] but x has shape [3]");
    EXPLAINS(lin_linear_backward(&xv, &wv, &xv, &gx, NULL, NULL),
             lin_linear_backward_explain(&xv, &wv, &xv, &gx, NULL, NULL, msg, sizeof msg), LIN_ERR_SHAPE,
             "grad_y has shape [3] but the output has shape [2]");
    gx.data = x;
    EXPLAINS(lin_linear_backward(&xv, &wv, &gyv, &gx, NULL, NULL),
             lin_linear_backward_explain(&xv, &wv, &gyv, &gx, NULL, NULL, msg, sizeof msg), LIN_ERR_ALIAS,
             "grad_x overlaps x");
    gx.data = g;
    EXPLAINS(lin_linear_backward(&xv, &wv, &gyv, &gx, &gw, NULL),
             lin_linear_backward_explain(&xv, &wv, &gyv, &gx, &gw, NULL, msg, sizeof msg), LIN_ERR_ALIAS,
             "grad_weight overlaps grad_x");
    EXPLAINS(lin_linear_backward_f32(NULL, w, gy, g, NULL, NULL, 1, 3, 2),
             lin_linear_backward_f32_explain(NULL, w, gy, g, NULL, NULL, 1, 3, 2, msg, sizeof msg),
             LIN_ERR_NULL, "x is NULL but has 3 elements");
    EXPLAINS(lin_linear_backward_f32(x, w, gy, g, g + 2, NULL, 1, 3, 2),
             lin_linear_backward_f32_explain(x, w, gy, g, g + 2, NULL, 1, 3, 2, msg, sizeof msg),
             LIN_ERR_ALIAS, "grad_weight overlaps grad_x");
    EXPLAINS(lin_linear_backward_f32(x, w, gy, NULL, NULL, w, 1, 3, 2),
             lin_linear_backward_f32_explain(x, w, gy, NULL, NULL, w, 1, 3, 2, msg, sizeof msg),
             LIN_ERR_ALIAS, "grad_bias overlaps weight");
    EXPLAINS(lin_linear_backward_f32(x, w, gy, g, NULL, NULL, (size_t)-1 / 2, 3, 2),
             lin_linear_backward_f32_explain(x, w, gy, g, NULL, NULL, (size_t)-1 / 2, 3, 2, msg, sizeof msg),
             LIN_ERR_OVERFLOW, "in_features 3");
    EXPLAINS(lin_matmul_backward(&xv, &wt, &gyv, &ga, NULL),
             lin_matmul_backward_explain(&xv, &wt, &gyv, &ga, NULL, msg, sizeof msg), LIN_ERR_SHAPE,
             "grad_a has shape [2] but a has shape [3]");
    EXPLAINS(lin_matmul_backward(&xv, &wt, NULL, NULL, NULL),
             lin_matmul_backward_explain(&xv, &wt, NULL, NULL, NULL, msg, sizeof msg), LIN_ERR_NULL,
             "grad_out is NULL");
    EXPLAINS(lin_matmul_backward(&xv, &xv, &gyv, NULL, NULL),
             lin_matmul_backward_explain(&xv, &xv, &gyv, NULL, NULL, msg, sizeof msg), LIN_ERR_SHAPE,
             "grad_out has shape [2] but the result has shape []");
    EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, &loss, g),
             lin_cross_entropy_explain(w, t, 2, 3, &loss, g, msg, sizeof msg), LIN_ERR_INDEX,
             "Target 10 is out of bounds.");
    t[1] = -5;
    EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, &loss, g),
             lin_cross_entropy_explain(w, t, 2, 3, &loss, g, msg, sizeof msg), LIN_ERR_INDEX,
             "Target -5 is out of bounds.");
    t[1] = 2;
    EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, &loss, w + 1),
             lin_cross_entropy_explain(w, t, 2, 3, &loss, w + 1, msg, sizeof msg), LIN_ERR_ALIAS,
             "grad_logits overlaps logits");
    EXPLAINS(lin_cross_entropy_f32(w, NULL, 2, 3, &loss, g),
             lin_cross_entropy_explain(w, NULL, 2, 3, &loss, g, msg, sizeof msg), LIN_ERR_NULL,
             "target is NULL but has 2 elements");
    EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, &loss, g),
             lin_cross_entropy_explain(w, t, 2, 3, &loss, g, msg, sizeof msg), LIN_OK, "");
    fill_sentinel(g, 8);
    EXPLAINS(lin_sgd_step(&sgd, p, gr, NULL, &step, 2),
             lin_sgd_step_explain(&sgd, p, gr, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
             "Invalid learning rate: -0.1");
    sgd = lin_sgd_defaults(0.1f);
    sgd.nesterov = 1;
    EXPLAINS(lin_sgd_step(&sgd, p, gr, g, &step, 2), lin_sgd_step_explain(&sgd, p, gr, g, &step, 2, msg, sizeof msg),
             LIN_ERR_VALUE, "Nesterov momentum requires a momentum and zero dampening");
    sgd.nesterov = 0;
    sgd.momentum = 0.9f;
    EXPLAINS(lin_sgd_step(&sgd, p, gr, NULL, &step, 2),
             lin_sgd_step_explain(&sgd, p, gr, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL,
             "momentum_buf is NULL but has 2 elements");
    EXPLAINS(lin_sgd_step(&sgd, p, gr, gr, &step, 2), lin_sgd_step_explain(&sgd, p, gr, gr, &step, 2, msg, sizeof msg),
             LIN_ERR_ALIAS, "momentum_buf overlaps grad");
    EXPLAINS(lin_sgd_step(NULL, p, gr, NULL, &step, 2),
             lin_sgd_step_explain(NULL, p, gr, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL, "opt is NULL");
    {   /* param over the hyper-parameters, which the step reads on every element */
        union { lin_sgd o; float f[8]; } u;
        u.o = sgd;
        u.o.momentum = 0.0f;
        EXPLAINS(lin_sgd_step(&u.o, u.f + 1, gr, NULL, &step, 2),
                 lin_sgd_step_explain(&u.o, u.f + 1, gr, NULL, &step, 2, msg, sizeof msg), LIN_ERR_ALIAS,
                 "param overlaps opt");
    }
    adam.beta1 = 1.0f;
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 2, NULL, &step, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
             "Invalid beta parameter at index 0: 1");
    adam = lin_adam_defaults();
    adam.eps = -1e-8f;
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 2, NULL, &step, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
             "Invalid epsilon value: -1e-08");
    adam = lin_adamw_defaults();
    adam.weight_decay = -0.01f;
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 2, NULL, &step, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
             "Invalid weight_decay value: -0.01");
    adam = lin_adam_defaults();
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 1, NULL, &step, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 1, NULL, &step, 2, msg, sizeof msg), LIN_ERR_ALIAS,
             "exp_avg_sq overlaps exp_avg");
    adam.amsgrad = 1;
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 2, NULL, &step, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL,
             "max_exp_avg_sq is NULL but has 2 elements");
    EXPLAINS(lin_adam_step(&adam, p, gr, g, g + 2, g + 4, NULL, 2),
             lin_adam_step_explain(&adam, p, gr, g, g + 2, g + 4, NULL, 2, msg, sizeof msg), LIN_ERR_NULL,
             "step is NULL");
    assert_untouched(g, 8);
    expect_true(step == 0 && p[0] == 1.0f && p[1] == 2.0f);
}
#endif

#if !defined(LIN_NO_LORA)
static void test_validation_explain_lora(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, A[3] = {0, 0, 0}, B[2] = {0, 0}, x[3] = {1, 1, 1}, y[4], scratch[4];
    float gA[3], gB[2], gx[3];
    lin_layer layer;
    lin_lora lora, bad;
    (void)state;
    expect_int(lin_layer_init(&layer, 3, 2, w, NULL), LIN_OK);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, B), LIN_OK);
    fill_sentinel(y, 4);
    EXPLAINS(lin_lora_forward_f32(&lora, x, y, 2, scratch, 1),
             lin_lora_forward_explain(&lora, x, y, 2, scratch, 1, msg, sizeof msg), LIN_ERR_SIZE,
             "scratch_len is 1 floats but the call needs 2");
    EXPLAINS(lin_lora_forward_f32(&lora, x, y, 1, A, 1),
             lin_lora_forward_explain(&lora, x, y, 1, A, 1, msg, sizeof msg), LIN_ERR_ALIAS,
             "scratch overlaps lora->A");
    EXPLAINS(lin_lora_forward_f32(&lora, x, w, 1, scratch, 1),
             lin_lora_forward_explain(&lora, x, w, 1, scratch, 1, msg, sizeof msg), LIN_ERR_ALIAS,
             "y overlaps the base layer's weight");
    EXPLAINS(lin_lora_forward_f32(&lora, NULL, y, 1, scratch, 1),
             lin_lora_forward_explain(&lora, NULL, y, 1, scratch, 1, msg, sizeof msg), LIN_ERR_NULL,
             "x is NULL but has 3 elements");
    bad = lora;
    bad.rank = 0;
    EXPLAINS(lin_lora_forward_f32(&bad, x, y, 1, scratch, 1),
             lin_lora_forward_explain(&bad, x, y, 1, scratch, 1, msg, sizeof msg), LIN_ERR_VALUE,
             "rank is 0");
    bad = lora;
    bad.base = NULL;
    EXPLAINS(lin_lora_forward_f32(&bad, x, y, 1, scratch, 1),
             lin_lora_forward_explain(&bad, x, y, 1, scratch, 1, msg, sizeof msg), LIN_ERR_NULL,
             "lora->base is NULL");
    EXPLAINS(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 1),
             lin_lora_backward_explain(&lora, x, y, gx, gA, gB, 1, scratch, 1, msg, sizeof msg), LIN_ERR_SIZE,
             "needs 2");
    EXPLAINS(lin_lora_backward_f32(&lora, x, y, gx, gx, gB, 1, scratch, 4),
             lin_lora_backward_explain(&lora, x, y, gx, gx, gB, 1, scratch, 4, msg, sizeof msg), LIN_ERR_ALIAS,
             "grad_A overlaps grad_x");
    expect_int(lin_lora_merge(&lora), LIN_OK);
    expect_int(lin_lora_merge(&lora), LIN_ERR_STATE);
    EXPLAINS(lin_lora_backward_f32(&lora, x, y, gx, gA, gB, 1, scratch, 4),
             lin_lora_backward_explain(&lora, x, y, gx, gA, gB, 1, scratch, 4, msg, sizeof msg), LIN_ERR_STATE,
             "merged");
    expect_int(lin_lora_unmerge(&lora), LIN_OK);
    expect_int(lin_lora_unmerge(&lora), LIN_ERR_STATE);
    assert_untouched(y, 4);
}
#endif

#if !defined(LIN_NO_NPY)
static void test_validation_explain_npy(void **state)
{
    unsigned char file[256];
    float v[12], back[12];
    size_t s34[2] = {3, 4}, s43[2] = {4, 3}, n = 0, i;
    lin_tensor t = lin_tensor_view(v, 2, s34), o34 = lin_tensor_view(back, 2, s34);
    lin_tensor o43 = lin_tensor_view(back, 2, s43);
    (void)state;
    for (i = 0; i < 12; ++i) v[i] = (float)i;
    EXPLAINS(lin_npy_encode(&t, file, 100, &n), lin_npy_encode_explain(&t, file, 100, msg, sizeof msg),
             LIN_ERR_SIZE, "buf_size is 100 bytes but the .npy needs 176");
    EXPLAINS(lin_npy_encode(&t, v, sizeof file, &n), lin_npy_encode_explain(&t, v, sizeof file, msg, sizeof msg),
             LIN_ERR_ALIAS, "buf overlaps t's data");
    EXPLAINS(lin_npy_encode(NULL, file, sizeof file, &n),
             lin_npy_encode_explain(NULL, file, sizeof file, msg, sizeof msg), LIN_ERR_NULL, "t is NULL");
    expect_int(lin_npy_encode(&t, file, sizeof file, &n), LIN_OK);
    expect_int((long long)n, 176);
    fill_sentinel(back, 12);
    EXPLAINS(lin_npy_decode(file, n, &o43), lin_npy_decode_explain(file, n, &o43, msg, sizeof msg),
             LIN_ERR_SHAPE, "the file holds (3, 4) float32, expected (4, 3) float32");
    file[10 + 13] = '8';                /* '<f4' -> '<f8' */
    EXPLAINS(lin_npy_decode(file, n, &o34), lin_npy_decode_explain(file, n, &o34, msg, sizeof msg),
             LIN_ERR_DTYPE, "the file holds (3, 4) float64, expected (3, 4) float32");
    file[10 + 13] = '4';
    EXPLAINS(lin_npy_decode(file, n - 1, &o34), lin_npy_decode_explain(file, n - 1, &o34, msg, sizeof msg),
             LIN_ERR_FORMAT, "truncated: its data needs 48 bytes and 47 follow the header");
    EXPLAINS(lin_npy_decode(file + 1, n - 1, &o34), lin_npy_decode_explain(file + 1, n - 1, &o34, msg, sizeof msg),
             LIN_ERR_FORMAT, "does not start with");
    EXPLAINS(lin_npy_decode(file, n, NULL), lin_npy_decode_explain(file, n, NULL, msg, sizeof msg), LIN_ERR_NULL,
             "out is NULL");
    assert_untouched(back, 12);
    EXPLAINS(lin_npy_decode(file, n, &o34), lin_npy_decode_explain(file, n, &o34, msg, sizeof msg), LIN_OK, "");
    expect_true(back[11] == 11.0f);
}
#endif

#if !defined(LIN_NO_INT8)
static void test_validation_explain_s8(void **state)
{
    int8_t x[3] = {1, 2, 3}, w[6] = {1, 2, 3, 4, 5, 6}, y[4];
    int32_t m[2] = {1073741824, 1073741824}, sh[2] = {0, 40};
    lin_quant q, bad;
    (void)state;
    memset(&q, 0, sizeof q);
    q.multiplier = 1073741824;
    q.act_min = -128;
    q.act_max = 127;
    memset(y, 0x55, sizeof y);
    bad = q;
    bad.input_offset = 200;
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, &bad),
             lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, &bad, msg, sizeof msg), LIN_ERR_VALUE,
             "input_offset is 200, outside [-127, 128]");
    bad = q;
    bad.act_min = 10;
    bad.act_max = 0;
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, &bad),
             lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, &bad, msg, sizeof msg), LIN_ERR_VALUE,
             "act_min (10) must not exceed act_max (0)");
    bad = q;
    bad.multiplier = -1;
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, &bad),
             lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, &bad, msg, sizeof msg), LIN_ERR_VALUE,
             "q's multiplier -1 is negative");
    EXPLAINS(lin_linear_s8_per_channel(x, w, NULL, y, 1, 3, 2, &q, m, sh),
             lin_linear_s8_per_channel_explain(x, w, NULL, y, 1, 3, 2, &q, m, sh, msg, sizeof msg),
             LIN_ERR_VALUE, "channel 1's shift 40 is outside [-31, 30]");
    EXPLAINS(lin_linear_s8_per_channel(x, w, NULL, y, 1, 3, 2, &q, NULL, sh),
             lin_linear_s8_per_channel_explain(x, w, NULL, y, 1, 3, 2, &q, NULL, sh, msg, sizeof msg),
             LIN_ERR_NULL, "multiplier is NULL but has 2 elements");
    EXPLAINS(lin_linear_s8(x, w, NULL, w + 2, 1, 3, 2, &q),
             lin_linear_s8_explain(x, w, NULL, w + 2, 1, 3, 2, &q, msg, sizeof msg), LIN_ERR_ALIAS,
             "y overlaps weight");
    {   /* y over the quantization parameters, which the layer reads as it writes */
        union { lin_quant q; int8_t b[sizeof(lin_quant)]; } u;
        u.q = q;
        EXPLAINS(lin_linear_s8(x, w, NULL, u.b + sizeof u.q - 1, 1, 3, 2, &u.q),
                 lin_linear_s8_explain(x, w, NULL, u.b + sizeof u.q - 1, 1, 3, 2, &u.q, msg, sizeof msg),
                 LIN_ERR_ALIAS, "y overlaps q");
        expect_true(memcmp(&u.q, &q, sizeof q) == 0);
    }
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, NULL),
             lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, NULL, msg, sizeof msg), LIN_ERR_NULL, "q is NULL");
    bad = q;
    bad.input_offset = 128;
    bad.weight_offset = 128;
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 40000, 2, &bad),
             lin_linear_s8_explain(x, w, NULL, y, 1, 40000, 2, &bad, msg, sizeof msg), LIN_ERR_OVERFLOW,
             "in_features 40000 exceeds 33025");
    expect_true(y[0] == 0x55 && y[3] == 0x55);
    expect_true(w[2] == 3);
}
#endif

#if !defined(LIN_NO_TRAIN)
/* The rest of the words: every branch of the message code a user can reach. */
static void test_validation_explain_words(void **state)
{
    static const struct { float lr; const char *says; } lrs[] = {
        {-0.1f, "rate: -0.1"}, {-1e-5f, "rate: -1e-05"}, {-123456.0f, "rate: -123456"},
        {-1234567.0f, "rate: -1.23457e+06"}, {-INFINITY, "rate: -inf"}, {NAN, "rate: nan"},
        {-100.0f, "rate: -100"}, {-0.00123f, "rate: -0.00123"}, {-1.5e30f, "rate: -1.5e+30"},
        {-2.5f, "rate: -2.5"}, {-1e-30f, "rate: -1e-30"}, {-999999.9f, "rate: -1e+06"},
    };
    float p[2] = {1, 2}, g[2] = {3, 4}, st[8];
    uint64_t step = 0;
    size_t i;
    (void)state;
    fill_sentinel(st, 8);
    for (i = 0; i < sizeof lrs / sizeof lrs[0]; ++i) {
        lin_sgd sgd = lin_sgd_defaults(lrs[i].lr);
        EXPLAINS(lin_sgd_step(&sgd, p, g, NULL, &step, 2),
                 lin_sgd_step_explain(&sgd, p, g, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE, lrs[i].says);
    }
    {
        lin_sgd sgd = lin_sgd_defaults(0.1f);
        lin_adam adam = lin_adam_defaults();
        sgd.momentum = -1.0f;
        EXPLAINS(lin_sgd_step(&sgd, p, g, st, &step, 2), lin_sgd_step_explain(&sgd, p, g, st, &step, 2, msg, sizeof msg),
                 LIN_ERR_VALUE, "Invalid momentum value: -1");
        sgd = lin_sgd_defaults(0.1f);
        sgd.weight_decay = -1.0f;
        EXPLAINS(lin_sgd_step(&sgd, p, g, st, &step, 2), lin_sgd_step_explain(&sgd, p, g, st, &step, 2, msg, sizeof msg),
                 LIN_ERR_VALUE, "Invalid weight_decay value: -1");
        sgd = lin_sgd_defaults(0.1f);
        EXPLAINS(lin_sgd_step(&sgd, p, g, NULL, &step, (size_t)-1 / 2),
                 lin_sgd_step_explain(&sgd, p, g, NULL, &step, (size_t)-1 / 2, msg, sizeof msg), LIN_ERR_OVERFLOW,
                 "floats have more bytes");
        EXPLAINS(lin_sgd_step(&sgd, NULL, g, NULL, &step, 2),
                 lin_sgd_step_explain(&sgd, NULL, g, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL,
                 "param is NULL but has 2 elements");
        EXPLAINS(lin_sgd_step(&sgd, p, NULL, NULL, &step, 2),
                 lin_sgd_step_explain(&sgd, p, NULL, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL,
                 "grad is NULL but has 2 elements");
        EXPLAINS(lin_sgd_step(&sgd, p, g, NULL, NULL, 2),
                 lin_sgd_step_explain(&sgd, p, g, NULL, NULL, 2, msg, sizeof msg), LIN_ERR_NULL, "step is NULL");
        adam.lr = -1.0f;
        EXPLAINS(lin_adam_step(&adam, p, g, st, st + 2, NULL, &step, 2),
                 lin_adam_step_explain(&adam, p, g, st, st + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
                 "Invalid learning rate: -1");
        adam = lin_adam_defaults();
        adam.beta2 = 1.5f;
        EXPLAINS(lin_adam_step(&adam, p, g, st, st + 2, NULL, &step, 2),
                 lin_adam_step_explain(&adam, p, g, st, st + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_VALUE,
                 "Invalid beta parameter at index 1: 1.5");
        EXPLAINS(lin_adam_step(NULL, p, g, st, st + 2, NULL, &step, 2),
                 lin_adam_step_explain(NULL, p, g, st, st + 2, NULL, &step, 2, msg, sizeof msg), LIN_ERR_NULL,
                 "opt is NULL");
    }
    {   /* the layer's backward and the losses */
        float w[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, gy[2] = {1, -1}, gr[8], loss = 0.0f;
        float s0 = 1.0f;
        int32_t t[2] = {0, 1};
        lin_tensor xv = lin_vector(x, 3), wv = lin_matrix(w, 2, 3), gyv = lin_vector(gy, 2);
        lin_tensor x0 = lin_tensor_view(&s0, 0, NULL), gw = lin_matrix(gr, 3, 2), gb = lin_vector(gr, 3);
        fill_sentinel(gr, 8);
        EXPLAINS(lin_linear_backward(&x0, &wv, &gyv, NULL, NULL, NULL),
                 lin_linear_backward_explain(&x0, &wv, &gyv, NULL, NULL, NULL, msg, sizeof msg), LIN_ERR_RANK,
                 "x must be at least 1-D, but it is 0-D");
        EXPLAINS(lin_linear_backward(&xv, &wv, &gyv, NULL, &gw, NULL),
                 lin_linear_backward_explain(&xv, &wv, &gyv, NULL, &gw, NULL, msg, sizeof msg), LIN_ERR_SHAPE,
                 "grad_weight has shape [3, 2] but weight has shape [2, 3]");
        EXPLAINS(lin_linear_backward(&xv, &wv, &gyv, NULL, NULL, &gb),
                 lin_linear_backward_explain(&xv, &wv, &gyv, NULL, NULL, &gb, msg, sizeof msg), LIN_ERR_SHAPE,
                 "grad_bias has shape [3] but the bias has shape [2]");
        EXPLAINS(lin_linear_backward(&xv, &xv, &gyv, NULL, NULL, NULL),
                 lin_linear_backward_explain(&xv, &xv, &gyv, NULL, NULL, NULL, msg, sizeof msg), LIN_ERR_RANK,
                 "weight must be 2-D");
        EXPLAINS(lin_matmul_backward(&x0, &wv, &gyv, NULL, NULL),
                 lin_matmul_backward_explain(&x0, &wv, &gyv, NULL, NULL, msg, sizeof msg), LIN_ERR_RANK,
                 "at least 1D");
        EXPLAINS(lin_cross_entropy_f32(w, t, (size_t)-1 / 2, 3, &loss, NULL),
                 lin_cross_entropy_explain(w, t, (size_t)-1 / 2, 3, &loss, NULL, msg, sizeof msg),
                 LIN_ERR_OVERFLOW, "logits (");
        EXPLAINS(lin_cross_entropy_f32(NULL, t, 2, 3, &loss, NULL),
                 lin_cross_entropy_explain(NULL, t, 2, 3, &loss, NULL, msg, sizeof msg), LIN_ERR_NULL,
                 "logits is NULL but has 6 elements");
        EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, w + 5, NULL),
                 lin_cross_entropy_explain(w, t, 2, 3, w + 5, NULL, msg, sizeof msg), LIN_ERR_ALIAS,
                 "loss overlaps logits");
        EXPLAINS(lin_cross_entropy_f32(w, t, 2, 3, gr, gr),
                 lin_cross_entropy_explain(w, t, 2, 3, gr, gr, msg, sizeof msg), LIN_ERR_ALIAS,
                 "loss overlaps grad_logits");
        EXPLAINS(lin_linear_f32(x, NULL, NULL, gr, 1, 3, 2),
                 lin_linear_f32_explain(x, NULL, NULL, gr, 1, 3, 2, msg, sizeof msg), LIN_ERR_NULL,
                 "weight is NULL but has 6 elements");
        EXPLAINS(lin_linear_f32(x, w, NULL, x + 1, 1, 3, 2),
                 lin_linear_f32_explain(x, w, NULL, x + 1, 1, 3, 2, msg, sizeof msg), LIN_ERR_ALIAS,
                 "y overlaps x");
        assert_untouched(gr, 8);
    }
    assert_untouched(st, 8);
    expect_true(p[0] == 1.0f && step == 0);
}
#endif

#if !defined(LIN_NO_NPY)
static void test_validation_explain_npy_words(void **state)
{
    static const struct { const char *dict; lin_status want; const char *says; } rows[] = {
        {"{'descr': \"<c8\", 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "(4,) complex64"},
        {"{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "(4,) bool"},
        {"{'descr': '>i8', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "int64 (big-endian)"},
        {"{'descr': '|V16', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '|V16'"},
        {"{'descr': '<f64', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '<f64'"},
        {"{'descr': '<f', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '<f'"},
        {"{'descr': 'f4', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype 'f4'"},
        {"{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "float32, expected"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (4,), }", LIN_ERR_DTYPE, "dtype '<f4, '"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", LIN_ERR_SHAPE, "holds (2, 2) float32"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", LIN_ERR_SHAPE, "holds () float32"},
        {"{'fortran_order': False, 'shape': (4,), 'descr': '<f4", LIN_ERR_FORMAT, "'descr' is not closed"},
        {"{'descr': '<f4', 'shape': (4,), }", LIN_ERR_FORMAT, "lacks"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape':", LIN_ERR_FORMAT, "lacks"},
        {"{'descr': '<f4', 'fortran_order': Fa", LIN_ERR_FORMAT, "lacks"},
    };
    unsigned char buf[256];
    float back[4];
    lin_tensor o = lin_vector(back, 4);
    size_t d;
    (void)state;
    fill_sentinel(back, 4);
    for (d = 0; d < sizeof rows / sizeof rows[0]; ++d) {
        size_t n = strlen(rows[d].dict);
        memcpy(buf, "\x93NUMPY\x01\x00", 8);
        buf[8] = (unsigned char)n;
        buf[9] = 0;
        memcpy(buf + 10, rows[d].dict, n);
        memset(buf + 10 + n, 0, 16);
        EXPLAINS(lin_npy_decode(buf, 10 + n + 16, &o), lin_npy_decode_explain(buf, 10 + n + 16, &o, msg, sizeof msg),
                 rows[d].want, rows[d].says);
    }
    memcpy(buf, "\x93NUMPY\x05\x00", 8);
    EXPLAINS(lin_npy_decode(buf, 40, &o), lin_npy_decode_explain(buf, 40, &o, msg, sizeof msg), LIN_ERR_FORMAT,
             "format version");
    buf[6] = 1;
    buf[8] = 200;
    EXPLAINS(lin_npy_decode(buf, 40, &o), lin_npy_decode_explain(buf, 40, &o, msg, sizeof msg), LIN_ERR_FORMAT,
             "runs past the end");
    EXPLAINS(lin_npy_decode(NULL, 40, &o), lin_npy_decode_explain(NULL, 40, &o, msg, sizeof msg), LIN_ERR_NULL,
             "buf is NULL");
    EXPLAINS(lin_npy_encode(&o, NULL, 40, &d), lin_npy_encode_explain(&o, NULL, 40, msg, sizeof msg), LIN_ERR_NULL,
             "buf is NULL");
    assert_untouched(back, 4);
}
#endif

#if !defined(LIN_NO_INT8)
static void test_validation_explain_s8_words(void **state)
{
    static const struct { int field; int32_t v; const char *says; } rows[] = {
        {1, -128, "weight_offset is -128, outside [-127, 128]"}, {2, 128, "output_offset is 128, outside [-128, 127]"},
        {3, -129, "act_min is -129, outside [-128, 127]"}, {4, 128, "act_max is 128, outside [-128, 127]"},
        {5, -32, "q's shift -32 is outside [-31, 30]"}, {0, -128, "input_offset is -128, outside [-127, 128]"},
    };
    int8_t x[3] = {1, 2, 3}, w[6] = {1, 2, 3, 4, 5, 6}, y[2] = {0x55, 0x55};
    int32_t m[2] = {1073741824, -5}, sh[2] = {0, 0};
    lin_quant q, bad;
    size_t r;
    (void)state;
    memset(&q, 0, sizeof q);
    q.multiplier = 1073741824;
    q.act_min = -128;
    q.act_max = 127;
    for (r = 0; r < sizeof rows / sizeof rows[0]; ++r) {
        bad = q;
        if (rows[r].field == 0) bad.input_offset = rows[r].v;
        if (rows[r].field == 1) bad.weight_offset = rows[r].v;
        if (rows[r].field == 2) bad.output_offset = rows[r].v;
        if (rows[r].field == 3) bad.act_min = rows[r].v;
        if (rows[r].field == 4) bad.act_max = rows[r].v;
        if (rows[r].field == 5) bad.shift = rows[r].v;
        EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, &bad),
                 lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, &bad, msg, sizeof msg), LIN_ERR_VALUE, rows[r].says);
    }
    EXPLAINS(lin_linear_s8_per_channel(x, w, NULL, y, 1, 3, 2, &q, m, sh),
             lin_linear_s8_per_channel_explain(x, w, NULL, y, 1, 3, 2, &q, m, sh, msg, sizeof msg), LIN_ERR_VALUE,
             "channel 1's multiplier -5 is negative");
    /* the call itself with these sizes is in test_s8 (here GCC -O3 would clone the kernel for them) */
    expect_int(lin_linear_s8_explain(x, w, NULL, y, (size_t)-1 / 2, 3, 2, &q, msg, sizeof msg), LIN_ERR_OVERFLOW);
    expect_msg(msg, "more bytes than size_t");
    EXPLAINS(lin_linear_s8(NULL, w, NULL, y, 1, 3, 2, &q),
             lin_linear_s8_explain(NULL, w, NULL, y, 1, 3, 2, &q, msg, sizeof msg), LIN_ERR_NULL,
             "x is NULL but has 3 elements");
    EXPLAINS(lin_linear_s8(x, w, NULL, y, 1, 3, 2, &q), lin_linear_s8_explain(x, w, NULL, y, 1, 3, 2, &q, msg, sizeof msg),
             LIN_OK, "");
}
#endif

#if !defined(LIN_NO_LORA)
static void test_validation_explain_lora_words(void **state)
{
    float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1}, A[3] = {0, 0, 0}, B[2] = {0, 0}, x[3] = {1, 1, 1}, y[4];
    float scratch[4];
    lin_layer layer;
    lin_lora lora, bad;
    (void)state;
    expect_int(lin_layer_init(&layer, 3, 2, w, b), LIN_OK);
    expect_int(lin_lora_init(&lora, &layer, 1, 1.0f, A, B), LIN_OK);
    fill_sentinel(y, 4);
    EXPLAINS(lin_lora_forward_f32(NULL, x, y, 1, scratch, 4),
             lin_lora_forward_explain(NULL, x, y, 1, scratch, 4, msg, sizeof msg), LIN_ERR_NULL, "lora is NULL");
    EXPLAINS(lin_lora_forward_f32(&lora, x, y, (size_t)-1 / 2, scratch, 4),
             lin_lora_forward_explain(&lora, x, y, (size_t)-1 / 2, scratch, 4, msg, sizeof msg), LIN_ERR_OVERFLOW,
             "more bytes than size_t");
    layer.bias = w + 4;                 /* the base layer's bias inside its weight */
    EXPLAINS(lin_lora_forward_f32(&lora, x, y, 1, scratch, 4),
             lin_lora_forward_explain(&lora, x, y, 1, scratch, 4, msg, sizeof msg), LIN_ERR_ALIAS,
             "the base layer's bias overlaps its weight");
    layer.bias = b;
    bad = lora;
    bad.A = NULL;
    EXPLAINS(lin_lora_forward_f32(&bad, x, y, 1, scratch, 4),
             lin_lora_forward_explain(&bad, x, y, 1, scratch, 4, msg, sizeof msg), LIN_ERR_NULL,
             "lora->A is NULL but has 3 elements");
    EXPLAINS(lin_lora_backward_f32(&lora, x, y, NULL, NULL, b, 1, scratch, 4),
             lin_lora_backward_explain(&lora, x, y, NULL, NULL, b, 1, scratch, 4, msg, sizeof msg), LIN_ERR_ALIAS,
             "grad_B overlaps the base layer's bias");
    assert_untouched(y, 4);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_linear_backward_f32),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_linear_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_linear_backward_unfolded),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_matmul_backward),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_elementwise_and_losses),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_optimizers),
#endif
#if !defined(LIN_NO_LORA)
        TEST(test_validation_lora),
#endif
#if !defined(LIN_NO_NPY)
        TEST(test_validation_npy),
#endif
#if !defined(LIN_NO_INT8)
        TEST(test_validation_s8_helpers),
#endif
        TEST(test_validation_core_corners),
        TEST(test_validation_status_words),
        TEST(test_validation_explain_core),
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_explain_train),
#endif
#if !defined(LIN_NO_LORA)
        TEST(test_validation_explain_lora),
#endif
#if !defined(LIN_NO_NPY)
        TEST(test_validation_explain_npy),
#endif
#if !defined(LIN_NO_INT8)
        TEST(test_validation_explain_s8),
        TEST(test_validation_explain_s8_words),
#endif
#if !defined(LIN_NO_TRAIN)
        TEST(test_validation_explain_words),
#endif
#if !defined(LIN_NO_NPY)
        TEST(test_validation_explain_npy_words),
#endif
#if !defined(LIN_NO_LORA)
        TEST(test_validation_explain_lora_words),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
