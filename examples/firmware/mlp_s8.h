/* mlp_s8.h - the int8 two-layer network of the firmware example:
   784 -> 128 -> ReLU -> 10 (64 -> 16 -> 10 with FW_SMALL), quantized per
   tensor as TFLite does, weights and input from a fixed seed. The same
   integers come out on every core, so one checksum checks them all: the
   firmware on six Cortex-M cores and tests/test_s8.c on every host build. */
#ifndef MLP_S8_H
#define MLP_S8_H

#include "linear.h"

#ifdef FW_SMALL
enum { S8_IN = 64, S8_HID = 16, S8_OUT = 10 };
#define MLP_S8_CHECKSUM 7272u
#else
enum { S8_IN = 784, S8_HID = 128, S8_OUT = 10 };
#define MLP_S8_CHECKSUM 8848u
#endif

static int8_t s8_w1[S8_HID * S8_IN], s8_w2[S8_OUT * S8_HID], s8_x[S8_IN], s8_h[S8_HID], s8_y[S8_OUT];
static int32_t s8_b1[S8_HID], s8_b2[S8_OUT];

static int8_t mlp_s8_rand(lin_rng *rng) { return (int8_t)((int)(lin_rng_next_u32(rng) % 255u) - 127); }

static lin_quant s8_q1, s8_q2;

/* Weights symmetric (zero point 0), activations asymmetric, ReLU fused
   into the first layer's clamp. */
static lin_status mlp_s8_init(void)
{
    lin_rng rng;
    lin_status s;
    int i;
    lin_rng_seed(&rng, 5);
    for (i = 0; i < S8_HID * S8_IN; ++i) s8_w1[i] = mlp_s8_rand(&rng);
    for (i = 0; i < S8_OUT * S8_HID; ++i) s8_w2[i] = mlp_s8_rand(&rng);
    for (i = 0; i < S8_HID; ++i) s8_b1[i] = (int32_t)(lin_rng_next_u32(&rng) % 2001u) - 1000;
    for (i = 0; i < S8_OUT; ++i) s8_b2[i] = (int32_t)(lin_rng_next_u32(&rng) % 2001u) - 1000;
    for (i = 0; i < S8_IN; ++i) s8_x[i] = mlp_s8_rand(&rng);
    /* scales: input 1/64 (zero point -3), weights 1/256, hidden 1/8 (zero point -128),
       output 1/4 (zero point 5) */
    if ((s = lin_quant_params(0.015625f, -3, 0.00390625f, 0, 0.125f, -128, LIN_ACT_RELU, &s8_q1)) != LIN_OK)
        return s;
    return lin_quant_params(0.125f, -128, 0.00390625f, 0, 0.25f, 5, LIN_ACT_NONE, &s8_q2);
}

static lin_status mlp_s8_layer1(void) { return lin_linear_s8(s8_x, s8_w1, s8_b1, s8_h, 1, S8_IN, S8_HID, &s8_q1); }
static lin_status mlp_s8_layer2(void) { return lin_linear_s8(s8_h, s8_w2, s8_b2, s8_y, 1, S8_HID, S8_OUT, &s8_q2); }

/* y = layer2(layer1(x)) */
static lin_status mlp_s8_forward(void)
{
    lin_status s;
    if ((s = mlp_s8_init()) != LIN_OK || (s = mlp_s8_layer1()) != LIN_OK) return s;
    return mlp_s8_layer2();
}

static uint32_t mlp_s8_checksum(void)
{
    uint32_t sum = 0;
    int i;
    for (i = 0; i < S8_HID; ++i) sum += (uint32_t)(s8_h[i] + 128) * (uint32_t)(i + 1) % 7u;
    for (i = 0; i < S8_OUT; ++i) sum += (uint32_t)(s8_y[i] + 128) * (uint32_t)(i + 1);
    return sum;
}

#endif
