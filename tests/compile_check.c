/* compile_check.c - one translation unit that calls every public function
   of linear.h (those of the modules a LIN_NO_* switch leaves out only when
   they are in), compiled by `make test-std` as C89 (with LIN_NO_SIMD), C99,
   C11, C17, C++98, C++11 and C++17 under gcc and clang with warnings as
   errors, with each LIN_NO_* switch alone and all together. C89 rules
   apply here too: block-start declarations, no // comments. */
#include "linear.h"

int compile_check(void);

int compile_check(void)
{
    float w[6] = {0}, b[2] = {0}, x[3] = {0}, y[2] = {0}, g[6] = {0}, s[8] = {0};
    size_t shape[LIN_MAX_DIMS];
    char msg[64];
    int ndim = 0, bad = 0;
    lin_layer layer;
    lin_rng rng;
#ifdef LIN__TORCH_RNG
    lin_torch_rng trng;
#endif
    lin_tensor xv, wv, wt, bv, yv, view;
    lin_prepared prep;
    static float prep_buf[256];
#ifndef LIN_NO_TRAIN
    float loss = 0;
    int32_t target[1] = {0};
    uint64_t step = 0;
    lin_sgd sgd = lin_sgd_defaults(0.1f);
    lin_adam adam = lin_adam_defaults(), adamw = lin_adamw_defaults();
    lin_tensor gw;
#endif
#ifndef LIN_NO_LORA
    float A[3] = {0}, B[2] = {0};
    lin_lora lora;
#endif
#ifndef LIN_NO_NPY
    unsigned char npy[256];
    size_t written = 0;
#endif
#ifndef LIN_NO_INT8
    int8_t qx[3] = {0}, qw[6] = {0}, qy[2] = {0};
    int32_t qb[2] = {0}, mult[2] = {0}, sh[2] = {0};
    float scales[2] = {1, 1};
    const int32_t qfields[7] = {0, 0, 0, 1073741824, 1, -128, 127};
    lin_quant q, q7;
    lin_prepared_s8 qprep;
    unsigned char qbuf[16];
#endif
#ifndef LIN_NO_WFORMATS
    uint16_t hw[64] = {0};
    int8_t q8w[64] = {0};
    uint8_t q4w[32] = {0};
    float wsc[2] = {0}, wx[32] = {0}, wy[2] = {0}, wfull[64] = {0};
#endif

    memset(&layer, 0, sizeof layer);
#ifndef LIN_NO_INT8
    memset(&qprep, 0, sizeof qprep);    /* read below even if lin_prepare_s8 failed */
#endif
    xv = lin_vector(x, 3);
    wv = lin_matrix(w, 2, 3);
    wt = lin_transpose(&wv);
    bv = lin_vector(b, 2);
    yv = lin_vector(y, 2);
    shape[0] = 3;
    view = lin_tensor_view(x, 1, shape);
    lin_rng_seed(&rng, 1);
    bad |= lin_layer_init(&layer, 3, 2, w, b) != LIN_OK;
    bad |= lin_layer_reset_parameters(&layer, &rng) != LIN_OK;
    x[0] = lin_rng_uniform(&rng, -1.0f, 1.0f);
    x[1] = lin_rng_normal(&rng);
    x[2] = (float)(lin_rng_next_u32(&rng) >> 8);
#ifdef LIN__TORCH_RNG
    lin_torch_rng_seed(&trng, 0);
    bad |= lin_torch_rand_f32(&trng, x, 1) != LIN_OK;
    bad |= lin_torch_uniform_f32(&trng, x, 1, -1.0, 1.0) != LIN_OK;
    bad |= lin_torch_reset_parameters(&layer, &trng) != LIN_OK;
#ifdef LIN__TORCH_RANDN
    bad |= lin_torch_randn_f32(&trng, x, 2) != LIN_OK;
#endif
    x[2] = (float)(lin_torch_rng_u32(&trng) >> 8);
#endif
    bad |= lin_linear_f32(x, w, b, y, 1, 3, 2) != LIN_OK;
    bad |= lin_cpu_isa()[0] == '\0';
    memset(&prep, 0, sizeof prep);     /* read below even if preparing failed */
    bad |= lin_prepared_size(3, 2) > sizeof prep_buf;
    bad |= lin_prepare_f32(&prep, w, b, 3, 2, prep_buf, sizeof prep_buf) != LIN_OK;
    bad |= lin_linear_prepared_f32(&prep, x, y, 1) != LIN_OK;
    bad |= lin_linear_scratch_size(1, 3, 2) != 0;
    bad |= lin_linear_f32_scratch(x, w, b, y, 1, 3, 2, NULL, 0) != LIN_OK;
    bad |= lin_linear_f32_clamp(x, w, b, y, 1, 3, 2, 0.0f, 6.0f) != LIN_OK;
    bad |= lin_relu_f32(y, y, 2) != LIN_OK;
    bad |= lin_relu6_f32(x, y, 2) != LIN_OK;
    bad |= lin_leaky_relu_f32(x, y, 2, 0.01f) != LIN_OK;
#if defined(LIN_TANHF)
    bad |= lin_tanh_f32(x, y, 2) != LIN_OK;
#endif
#if LIN__MATH
    bad |= lin_sigmoid_f32(x, y, 2) != LIN_OK;
    bad |= lin_silu_f32(x, y, 2) != LIN_OK;
    bad |= lin_softmax_f32(x, y, 1, 2) != LIN_OK;
    bad |= lin_log_softmax_f32(x, y, 1, 2) != LIN_OK;
#endif
#if defined(LIN_TANHF) && defined(LIN_ERFF)
    bad |= lin_gelu_f32(x, y, 2, LIN_GELU_TANH) != LIN_OK;
#endif
    bad |= lin_linear_f32_explain(x, w, b, y, 1, 3, 2, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear_f32_clamp_explain(x, w, b, y, 1, 3, 2, 0.0f, 6.0f, msg, sizeof msg) != LIN_OK;
    bad |= lin_layer_init_explain(3, 2, w, b, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear(&view, &wv, &bv, &yv) != LIN_OK;
    bad |= lin_matmul(&xv, &wt, &yv) != LIN_OK;
    bad |= lin_matmul_shape(&xv, &wt, &ndim, shape) != LIN_OK;
    bad |= lin_layer_forward(&layer, &xv, &yv) != LIN_OK;
    bad |= lin_layer_forward_explain(&layer, &xv, &yv, msg, sizeof msg) != LIN_OK;
    bad |= lin_matmul_explain(&wv, &xv, NULL, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear_explain(&xv, &wv, NULL, &yv, msg, sizeof msg) != LIN_OK;
    wv = lin_layer_weight(&layer);
    bv = lin_layer_bias(&layer);
    bad |= lin_numel(&wv) + lin_numel(&bv) != 8;
    bad |= lin_status_str(LIN_OK)[0] == '\0';
    bad |= LIN_VERSION_MAJOR != 0 || LIN_VERSION_STRING[0] == '\0';
    bad |= LIN_ACT_RELU6 == LIN_ACT_NONE;
#ifndef LIN_NO_TRAIN
    gw = lin_matrix(g, 2, 3);
    bad |= lin_linear_backward(&xv, &wv, &yv, NULL, &gw, NULL) != LIN_OK;
    bad |= lin_linear_backward_explain(&xv, &wv, &yv, NULL, &gw, NULL, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear_backward_f32(x, w, y, NULL, g, NULL, 1, 3, 2) != LIN_OK;
    bad |= lin_linear_backward_f32_explain(x, w, y, NULL, g, NULL, 1, 3, 2, msg, sizeof msg) != LIN_OK;
    bad |= lin_matmul_backward(&xv, &wt, &yv, NULL, NULL) != LIN_OK;
    bad |= lin_matmul_backward_explain(&xv, &wt, &yv, NULL, NULL, msg, sizeof msg) != LIN_OK;
    bad |= lin_relu_backward_f32(x, x, s, 3) != LIN_OK;
    bad |= lin_relu6_backward_f32(x, x, s, 3) != LIN_OK;
    bad |= lin_leaky_relu_backward_f32(x, x, s, 3, 0.01f) != LIN_OK;
#if defined(LIN_TANHF)
    bad |= lin_tanh_backward_f32(x, x, s, 3) != LIN_OK;
#endif
#if LIN__MATH
    bad |= lin_sigmoid_backward_f32(x, x, s, 3) != LIN_OK;
    bad |= lin_silu_backward_f32(x, x, s, 3) != LIN_OK;
    bad |= lin_softmax_backward_f32(x, x, s, 1, 3) != LIN_OK;
    bad |= lin_log_softmax_backward_f32(x, x, s, 1, 3) != LIN_OK;
#endif
#if defined(LIN_TANHF) && defined(LIN_ERFF)
    bad |= lin_gelu_backward_f32(x, x, s, 3, LIN_GELU_NONE) != LIN_OK;
#endif
    bad |= lin_mse_loss_f32(y, b, 2, &loss, NULL) != LIN_OK;
    bad |= lin_cross_entropy_f32(y, target, 1, 2, &loss, NULL) != LIN_OK;
    bad |= lin_cross_entropy_explain(y, target, 1, 2, &loss, NULL, msg, sizeof msg) != LIN_OK;
    bad |= lin_zero_f32(g, 6) != LIN_OK;
    bad |= lin_sgd_step(&sgd, w, g, NULL, &step, 6) != LIN_OK;
    bad |= lin_sgd_step_explain(&sgd, w, g, NULL, &step, 6, msg, sizeof msg) != LIN_OK;
    bad |= lin_adam_step(&adam, w, g, s, s + 6, NULL, &step, 1) != LIN_OK;
    bad |= lin_adam_step_explain(&adam, w, g, s, s + 6, NULL, &step, 1, msg, sizeof msg) != LIN_OK;
    bad |= adamw.weight_decay <= 0.0f;
#endif
#ifndef LIN_NO_LORA
    bad |= lin_lora_init(&lora, &layer, 1, 1.0f, A, B) != LIN_OK;
    bad |= lin_lora_reset_parameters(&lora, &rng) != LIN_OK;
    bad |= lin_lora_scratch_size(&lora, 1) != 2;
    bad |= lin_lora_forward_f32(&lora, x, y, 1, s, 8) != LIN_OK;
    bad |= lin_lora_forward_explain(&lora, x, y, 1, s, 8, msg, sizeof msg) != LIN_OK;
    bad |= lin_lora_backward_f32(&lora, x, y, NULL, g, NULL, 1, s, 8) != LIN_OK;
    bad |= lin_lora_backward_explain(&lora, x, y, NULL, g, NULL, 1, s, 8, msg, sizeof msg) != LIN_OK;
    bad |= lin_lora_merge(&lora) != LIN_OK;
    bad |= lin_lora_unmerge(&lora) != LIN_OK;
#endif
#ifndef LIN_NO_NPY
    bad |= lin_npy_size(&xv) > sizeof npy;
    bad |= lin_npy_encode(&xv, npy, sizeof npy, &written) != LIN_OK;
    bad |= lin_npy_encode_explain(&xv, npy, sizeof npy, msg, sizeof msg) != LIN_OK;
    bad |= lin_npy_decode(npy, written, &xv) != LIN_OK;
    bad |= lin_npy_decode_explain(npy, written, &xv, msg, sizeof msg) != LIN_OK;
    {
        lin_npy_meta meta;
        float back[3];
        unsigned char raw[12];
        bad |= lin_npy_info(npy, written, &meta) != LIN_OK;
        bad |= lin_npy_info_explain(npy, written, msg, sizeof msg) != LIN_OK;
        bad |= lin_npy_decode_f32(npy, written, back, 3) != LIN_OK;
        bad |= lin_npy_decode_raw(npy, written, raw, sizeof raw) != LIN_OK;
    }
#endif
#ifndef LIN_NO_SAFETENSORS
    {
        static unsigned char st_buf[128];
        lin_safetensors st;
        lin_st_tensor sts[1];
        size_t st_bytes = 0;
        static const lin_st_want want[1] = {{"w", LIN_DTYPE_F32, 1, {3}}};
        const void *wdata[1];
        sts[0].name = "w";
        sts[0].name_len = 1;
        sts[0].dtype = LIN_DTYPE_F32;
        sts[0].ndim = 1;
        sts[0].shape[0] = 3;
        sts[0].data = x;
        sts[0].data_bytes = sizeof x;
        bad |= lin_safetensors_size(sts, 1) > sizeof st_buf;
        bad |= lin_safetensors_write(sts, 1, st_buf, sizeof st_buf, &st_bytes) != LIN_OK;
        bad |= lin_safetensors_open(&st, st_buf, st_bytes) != LIN_OK;
        bad |= lin_safetensors_open_explain(st_buf, st_bytes, msg, sizeof msg) != LIN_OK;
        bad |= lin_safetensors_count(&st) != 1;
        bad |= lin_safetensors_tensor(&st, 0, &sts[0]) != LIN_OK;
        bad |= lin_safetensors_find(&st, "w", &sts[0]) != LIN_OK;
        bad |= lin_safetensors_view(&sts[0], &view) != LIN_OK;
        bad |= lin_safetensors_bind(&st, want, 1, wdata) != LIN_OK || wdata[0] != sts[0].data;
        bad |= lin_dtype_size(LIN_DTYPE_BF16) != 2;
        bad |= lin_dtype_name(LIN_DTYPE_BF16)[0] != 'B';
    }
#endif
#ifndef LIN_NO_INT8
    bad |= lin_quant_params(1.0f, 0, 1.0f, 0, 1.0f, 0, LIN_ACT_RELU, &q) != LIN_OK;
    bad |= lin_quantize_multiplier(0.5, &mult[0], &sh[0]) != LIN_OK;
    bad |= lin_quant_per_channel(1.0f, scales, 1.0f, 2, mult, sh) != LIN_OK;
    bad |= lin_quant_from_i32(qfields, &q7) != LIN_OK || q7.act_max != 127;
    bad |= lin_quantize_s8(x, qx, 3, 1.0f, 0) != LIN_OK;
    bad |= lin_dequantize_s8(qx, x, 3, 1.0f, 0) != LIN_OK;
    bad |= lin_linear_s8(qx, qw, qb, qy, 1, 3, 2, &q) != LIN_OK;
    bad |= lin_linear_s8_explain(qx, qw, qb, qy, 1, 3, 2, &q, msg, sizeof msg) != LIN_OK;
    bad |= lin_linear_s8_per_channel(qx, qw, qb, qy, 1, 3, 2, &q, mult, sh) != LIN_OK;
    bad |= lin_linear_s8_per_channel_explain(qx, qw, qb, qy, 1, 3, 2, &q, mult, sh, msg, sizeof msg) != LIN_OK;
    bad |= lin_prepared_s8_size(3, 2) > sizeof qbuf;
    bad |= lin_prepare_s8(&qprep, qw, qb, 3, 2, &q, qbuf, sizeof qbuf) != LIN_OK;
    bad |= lin_linear_prepared_s8(&qprep, qx, qy, 1) != LIN_OK;
    {
        const int16_t hx[3] = {1, 2, 3};
        const int64_t hb[2] = {0, 1};
        const lin_quant hq = {0, 0, 0, 1 << 30, 1, -32768, 32767};
        int16_t hy[2];
        bad |= lin_linear_s16(hx, qw, hb, hy, 1, 3, 2, &hq) != LIN_OK;
    }
#endif
#ifndef LIN_NO_WFORMATS
    hw[0] = lin_f32_to_f16(1.0f);
    hw[1] = lin_f32_to_bf16(lin_f16_to_f32(hw[0]));
    wx[0] = lin_bf16_to_f32(hw[1]);
    bad |= lin_linear_f16w(wx, hw, NULL, wy, 1, 32, 2) != LIN_OK;
    bad |= lin_linear_bf16w(wx, hw, wsc, wy, 1, 32, 2) != LIN_OK;
    bad |= lin_quantize_q8w(wfull, q8w, wsc, 32, 2) != LIN_OK;
    bad |= lin_linear_q8w(wx, q8w, wsc, NULL, wy, 1, 32, 2) != LIN_OK;
    bad |= lin_quantize_q4w(wfull, q4w, wsc, 32, 2) != LIN_OK;
    bad |= lin_linear_q4w(wx, q4w, wsc, NULL, wy, 1, 32, 2) != LIN_OK;
#endif
    (void)g;
    (void)s;
    return bad;
}
