/* stack.c - the stack each entry point takes on a bare-metal core without
   an OS (the direct kernels, LIN_PACK 0), by painting: the words below
   this program's stack pointer are filled with a pattern, the call is
   made, and the deepest word it changed is found. `make firmware-riscv`
   runs it on each RISC-V target under QEMU and puts its lines in the size
   table (the Cortex-M figures come from shapes.c). One line per call:
   "<entry point> <batch>x<in>x<out> <bytes>". Exits 0 when every call
   succeeded and its stack was found. */
#include <stdint.h>
#include <stdio.h>

#include "linear.h"

enum { B = 4, IN = 256, OUT = 64, WORDS = 2048 };

static float x[B * IN], w[OUT * IN], bias[OUT], y[B * OUT], gy[B * OUT], gx[B * IN], gw[OUT * IN], gb[OUT];
static int8_t x8[B * IN], w8[OUT * IN], y8[B * OUT];
static int32_t b8[OUT];
static lin_quant q;
static lin_prepared prep;
static lin_prepared_s8 prep8;
static unsigned char pbuf[4 * OUT * IN + 4 * OUT + 256];

/* the stack pointer, read where the painting starts */
#if defined(__riscv)
#define SP_READ(v) __asm__ volatile("mv %0, sp" : "=r"(v))
#elif defined(__arm__) || defined(__thumb__)
#define SP_READ(v) __asm__ volatile("mov %0, sp" : "=r"(v))
#else
#error "stack.c: no way to read the stack pointer on this target"
#endif

static lin_status run(int what)
{
    switch (what) {
    case 0: return lin_linear_f32(x, w, bias, y, 1, IN, OUT);
    case 1: return lin_linear_f32(x, w, bias, y, B, IN, OUT);
    case 2: return lin_prepare_f32(&prep, w, bias, IN, OUT, pbuf, sizeof pbuf);
    case 3: return lin_linear_prepared_f32(&prep, x, y, B);
    case 4: return lin_linear_s8(x8, w8, b8, y8, B, IN, OUT, &q);
    case 5: return lin_prepare_s8(&prep8, w8, b8, IN, OUT, &q, pbuf, sizeof pbuf);
    case 6: return lin_linear_prepared_s8(&prep8, x8, y8, B);
#ifndef LIN_NO_TRAIN
    case 7: return lin_linear_backward_f32(x, w, gy, gx, gw, gb, B, IN, OUT);
#endif
    default: return LIN_ERR_VALUE;
    }
}
static const char *const names[] = {"lin_linear_f32", "lin_linear_f32", "lin_prepare_f32",
                                    "lin_linear_prepared_f32", "lin_linear_s8", "lin_prepare_s8",
                                    "lin_linear_prepared_s8", "lin_linear_backward_f32"};
static const int batch[] = {1, B, 0, B, B, 0, B, B};

/* the bytes the call took below this function's stack pointer; 0 if it
   failed or reached past the painted words */
__attribute__((noinline)) static uint32_t stack_of(int what)
{
    volatile uint32_t *sp, *p;
    uintptr_t v;
    SP_READ(v);
    sp = (volatile uint32_t *)v;
    for (p = sp - WORDS; p < sp - 16; ++p) *p = 0xdeadbeefu;
    if (run(what) != LIN_OK) return 0;
    for (p = sp - WORDS; p < sp - 16 && *p == 0xdeadbeefu; ++p) {
    }
    return p == sp - WORDS ? 0 : (uint32_t)((uintptr_t)sp - (uintptr_t)p);
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
    for (i = 0; i < (int)(sizeof names / sizeof names[0]); ++i) {
        uint32_t used;
#ifdef LIN_NO_TRAIN
        if (i == 7) break;
#endif
        used = stack_of(i);
        if (batch[i])
            printf("%s %dx%dx%d %lu\n", names[i], batch[i], IN, OUT, (unsigned long)used);
        else
            printf("%s %dx%d %lu\n", names[i], IN, OUT, (unsigned long)used);
        if (used == 0) ok = 0;
    }
    return ok ? 0 : 1;
}
