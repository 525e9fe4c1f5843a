/* stack.c - the stack each entry point takes on a bare-metal core without
   an OS (the direct kernels, LIN_PACK 0), painted (fw_stack.h). `make
   firmware-riscv` runs it on each RISC-V target under QEMU and puts its
   lines in the size table (the Cortex-M figures come from shapes.c). One
   line per call: "<entry point> <batch>x<in>x<out> <bytes>" (no batch for
   the calls that prepare). Exits 0 when every call succeeded and its
   stack was found. */
#include <stdint.h>
#include <stdio.h>

#include "linear.h"
#include "fw_stack.h"

enum { B = 4, IN = 256, OUT = 64, WORDS = 2048 };

static float x[B * IN], w[OUT * IN], bias[OUT], y[B * OUT], gy[B * OUT], gx[B * IN], gw[OUT * IN], gb[OUT];
static int8_t x8[B * IN], w8[OUT * IN], y8[B * OUT];
static int32_t b8[OUT];
static lin_quant q;
static lin_prepared prep;
static lin_prepared_s8 prep8;
static unsigned char pbuf[4 * OUT * IN + 4 * OUT + 256];

static lin_status f32_1(void) { return lin_linear_f32(x, w, bias, y, 1, IN, OUT); }
static lin_status f32_b(void) { return lin_linear_f32(x, w, bias, y, B, IN, OUT); }
static lin_status prepare_f32(void) { return lin_prepare_f32(&prep, w, bias, IN, OUT, pbuf, sizeof pbuf); }
static lin_status prepared_f32(void) { return lin_linear_prepared_f32(&prep, x, y, B); }
static lin_status s8(void) { return lin_linear_s8(x8, w8, b8, y8, B, IN, OUT, &q); }
static lin_status prepare_s8(void) { return lin_prepare_s8(&prep8, w8, b8, IN, OUT, &q, pbuf, sizeof pbuf); }
static lin_status prepared_s8(void) { return lin_linear_prepared_s8(&prep8, x8, y8, B); }
#ifndef LIN_NO_TRAIN
static lin_status backward(void) { return lin_linear_backward_f32(x, w, gy, gx, gw, gb, B, IN, OUT); }
#endif

/* each call, its name and its batch (0: a call that prepares), in an
   order where each prepared call follows its preparation */
static const struct {
    lin_status (*fn)(void);
    const char *name;
    int batch;
} calls[] = {
    {f32_1, "lin_linear_f32", 1},
    {f32_b, "lin_linear_f32", B},
    {prepare_f32, "lin_prepare_f32", 0},
    {prepared_f32, "lin_linear_prepared_f32", B},
    {s8, "lin_linear_s8", B},
    {prepare_s8, "lin_prepare_s8", 0},
    {prepared_s8, "lin_linear_prepared_s8", B},
#ifndef LIN_NO_TRAIN
    {backward, "lin_linear_backward_f32", B},
#endif
};

/* the bytes call i took below this function's stack pointer; 0 if it
   failed or reached past the painted words */
__attribute__((noinline)) static uint32_t stack_of(int i)
{
    uint32_t used;
    FW_STACK_USED(used, WORDS, calls[i].fn());
    return used;
}

int main(void)
{
    int i, ok = 1;
    for (i = 0; i < B * IN; ++i) {
        x[i] = (float)(i % 13) * 0.1f - 0.6f;
        x8[i] = (int8_t)(i % 255 - 127);
    }
    for (i = 0; i < OUT * IN; ++i) {
        w[i] = (float)(i % 7) * 0.1f - 0.3f;
        w8[i] = (int8_t)(i * 7 % 255 - 127);
    }
    for (i = 0; i < OUT; ++i) {
        bias[i] = (float)i * 0.01f;
        b8[i] = i * 5 - 100;
    }
    for (i = 0; i < B * OUT; ++i) gy[i] = (float)(i % 5) * 0.2f;
    q.input_offset = 1;
    q.output_offset = -3;
    q.multiplier = 1518500250;
    q.shift = -9;
    q.act_min = -128;
    q.act_max = 127;
    for (i = 0; i < (int)(sizeof calls / sizeof calls[0]); ++i) {
        uint32_t used = stack_of(i);
        if (calls[i].batch)
            printf("%s %dx%dx%d %lu\n", calls[i].name, calls[i].batch, IN, OUT, (unsigned long)used);
        else
            printf("%s %dx%d %lu\n", calls[i].name, IN, OUT, (unsigned long)used);
        if (used == 0) ok = 0;
    }
    return ok ? 0 : 1;
}
