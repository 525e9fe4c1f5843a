/* shapes.c - instructions per call of each layer on a Cortex-M, batch 1,
   for the shapes CMSIS-NN and CMSIS-DSP are compared on: lin_linear_f32,
   lin_linear_s8 and lin_linear_prepared_s8, and lin_linear_f16w,
   lin_linear_q8w and lin_linear_s16 (whose operands the micro:bit's RAM
   does not hold), at 784 -> 128, 128 -> 10, 64 -> 16 and 256 -> 256 (the
   micro:bit's 16 KiB of RAM holds the two small ones; its Cortex-M0 build
   also runs all four on the mps2-an385 board), and the stack each entry
   point used. `make firmware` builds
   it for every core at -Os and at -O2, runs it in QEMU with -icount and
   puts the lines it prints in build/fw/sizes.md. Operands come from
   lin_rng (weights in RAM: the counts do not depend on where they are,
   except for the soft float of the M0 and M3, which depends on the values). */
#include <stdint.h>

#include "linear.h"
#include "fw_count.h"
#include "semihost.h"

#ifdef FW_SMALL
enum { MAX_IN = 128, MAX_W = 128 * 10 };
static const unsigned shapes[][2] = {{128, 10}, {64, 16}};
#else
enum { MAX_IN = 784, MAX_W = 784 * 128 };
static const unsigned shapes[][2] = {{784, 128}, {128, 10}, {64, 16}, {256, 256}};
#endif
enum { MAX_OUT = 256, NSHAPES = sizeof shapes / sizeof shapes[0] };

static float wf[MAX_W], xf[MAX_IN], bf[MAX_OUT], yf[MAX_OUT];
static int8_t w8[MAX_W], x8[MAX_IN], y8[MAX_OUT];
static int32_t b8[MAX_OUT];
static unsigned char pbuf[4 * MAX_OUT + 3];
static lin_quant q;
static lin_prepared_s8 prep;
static uint32_t cal;
#ifndef FW_SMALL
/* W as halves, W as q8w's int8 (w8) with a scale per row; int16 x and y */
static uint16_t wh[MAX_W];
static float sc[MAX_OUT];
static int16_t x16[MAX_IN], y16[MAX_OUT];
static int64_t b64[MAX_OUT];
static const lin_quant q16 = {0, 0, 0, 1518500250, -12, -32768, 32767};
#endif

/* which call a run makes, on shape s */
enum { F32, S8, S8P, F16W, Q8W, S16 };

static lin_status run(int what, unsigned s)
{
    const size_t in = shapes[s][0], out = shapes[s][1];
    if (what == F32) return lin_linear_f32(xf, wf, bf, yf, 1, in, out);
    if (what == S8) return lin_linear_s8(x8, w8, b8, y8, 1, in, out, &q);
#ifndef FW_SMALL
    if (what == F16W) return lin_linear_f16w(xf, wh, bf, yf, 1, in, out);
    if (what == Q8W) return lin_linear_q8w(xf, w8, sc, bf, yf, 1, in, out);
    if (what == S16) return lin_linear_s16(x16, w8, b64, y16, 1, in, out, &q16);
#endif
    return lin_linear_prepared_s8(&prep, x8, y8, 1);
}

/* The stack a call used (fw_count.h paints below this function's stack
   pointer, as main.c does). */
__attribute__((noinline)) static uint32_t stack_of(int what, unsigned s)
{
    uint32_t used;
    FW_STACK_USED(used, 512, run(what, s));     /* words: more than any layer needs */
    return used;
}

/* one line: "<name> <in>x<out> <instructions> <stack>" */
static int measure(const char *name, int what, unsigned s)
{
    uint32_t t, n, st;
    t = fw_count_now();
    if (run(what, s) != LIN_OK) return 0;
    n = fw_count_instructions(fw_count_since(t), cal);
    st = stack_of(what, s);
    sh_puts(name);
    sh_puts(" ");
    sh_put_uint(shapes[s][0]);
    sh_puts("x");
    sh_put_uint(shapes[s][1]);
    sh_puts(" ");
    sh_put_uint(n);
    sh_puts(" ");
    sh_put_uint(st);
    sh_puts("\n");
    return st != 0;
}

int main(void)
{
    lin_rng rng;
    unsigned s;
    size_t i;
    fw_count_start();
    cal = fw_count_calibrate();
    lin_rng_seed(&rng, 7);
    for (i = 0; i < MAX_W; ++i) {
        wf[i] = lin_rng_uniform(&rng, -0.05f, 0.05f);
        w8[i] = (int8_t)((int)(lin_rng_next_u32(&rng) % 255u) - 127);
    }
    for (i = 0; i < MAX_IN; ++i) {
        xf[i] = lin_rng_uniform(&rng, -1.0f, 1.0f);
        x8[i] = (int8_t)((int)(lin_rng_next_u32(&rng) % 256u) - 128);
    }
    for (i = 0; i < MAX_OUT; ++i) {
        bf[i] = lin_rng_uniform(&rng, -0.1f, 0.1f);
        b8[i] = (int32_t)(lin_rng_next_u32(&rng) % 2001u) - 1000;
    }
#ifndef FW_SMALL
    for (i = 0; i < MAX_W; ++i) wh[i] = lin_f32_to_f16(wf[i]);
    for (i = 0; i < MAX_IN; ++i) x16[i] = (int16_t)(xf[i] * 32767.0f);
    for (i = 0; i < MAX_OUT; ++i) {
        sc[i] = 0.05f / 127.0f;
        b64[i] = (int64_t)b8[i] * 256;
    }
#endif
    /* the example's first int8 layer's parameters (mlp_s8.h) */
    if (lin_quant_params(0.015625f, -3, 0.00390625f, 0, 0.125f, -128, LIN_ACT_RELU, &q) != LIN_OK) {
        sh_puts("FAILED: lin_quant_params\n");
        return 1;
    }
    for (s = 0; s < NSHAPES; ++s) {
        if (!measure("f32", F32, s) || !measure("s8", S8, s)) {
            sh_puts("FAILED: a layer refused its arguments\n");
            return 1;
        }
        if (lin_prepare_s8(&prep, w8, b8, shapes[s][0], shapes[s][1], &q, pbuf, sizeof pbuf) != LIN_OK ||
            !measure("s8p", S8P, s)) {
            sh_puts("FAILED: the prepared layer refused its arguments\n");
            return 1;
        }
#ifndef FW_SMALL
        if (!measure("f16w", F16W, s) || !measure("q8w", Q8W, s) || !measure("s16", S16, s)) {
            sh_puts("FAILED: a compressed-weight or int16 layer refused its arguments\n");
            return 1;
        }
#endif
    }
    sh_puts("all ok\n");
    return 0;
}
