/* main.c - linear.h on a Cortex-M, bare metal, no libc and no libm.

   Runs the article's worked example, then a two-layer network
   (784 -> 128 -> ReLU -> 10; 64 -> 16 -> 10 on the 16 KiB micro:bit) with
   PyTorch's default initialisation, checks every output against a plain
   reference loop, checks that the seeded initialisation gives the host's
   bits, and reports through semihosting, with the instructions the layers
   execute (under QEMU's -icount, as `make firmware` runs it). main's return
   value is QEMU's exit status, so a wrong number fails CI. */
#include <stddef.h>
#include <stdint.h>

#include "fw_math.h"
#define LIN_SQRTF(x) fw_sqrtf(x)
#include "linear.h"
#include "semihost.h"
#include "fw_count.h"

#ifdef FW_SMALL
enum { N_IN = 64, N_HID = 16, N_OUT = 10 };
#else
enum { N_IN = 784, N_HID = 128, N_OUT = 10 };
#endif

static float w1[N_HID * N_IN], b1[N_HID], w2[N_OUT * N_HID], b2[N_OUT];
static float x[N_IN], h[N_HID], h_pre[N_HID], y[N_OUT];
static int failures;

/* ---- output without stdio (numbers: sh_put_uint) ---- */

static void put_hex(uint32_t v)
{
    char d[11];
    int i;
    d[0] = '0';
    d[1] = 'x';
    for (i = 0; i < 8; ++i) d[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15u];
    d[10] = '\0';
    sh_puts(d);
}

/* v with four decimals */
static void put_float(float v)
{
    uint32_t whole, frac;
    if (v != v) { sh_puts("nan"); return; }
    if (v < 0.0f) { sh_puts("-"); v = -v; }
    if (v > 4.0e9f) { sh_puts("big"); return; }
    whole = (uint32_t)v;
    frac = (uint32_t)((v - (float)whole) * 10000.0f + 0.5f);
    if (frac >= 10000u) { ++whole; frac -= 10000u; }
    sh_put_uint(whole);
    sh_puts(".");
    sh_puts(frac < 1000u ? (frac < 100u ? (frac < 10u ? "000" : "00") : "0") : "");
    sh_put_uint(frac);
}

static void check(int ok, const char *what)
{
    sh_puts(ok ? "  ok    " : "  FAIL  ");
    sh_puts(what);
    sh_puts("\n");
    failures += !ok;
}

/* ---- the network ---- */

/* x (784) -> W1 (128, 784)^T + b1 -> ReLU -> W2 (10, 128)^T + b2 -> y (10) */
__attribute__((noinline)) static lin_status mlp_forward(const float *in, float *out)
{
    lin_status s = lin_linear_f32(in, w1, b1, h, 1, N_IN, N_HID);
    size_t i;
    if (s != LIN_OK) return s;
    for (i = 0; i < N_HID; ++i) h[i] = h[i] > 0.0f ? h[i] : 0.0f;
    return lin_linear_f32(h, w2, b2, out, 1, N_HID, N_OUT);
}

/* y = x . W^T + b by the book, with the float32 rounding bound of each output */
static int matches_reference(const float *in, const float *w, const float *b, const float *out,
                             size_t fin, size_t fout)
{
    size_t i, j;
    for (j = 0; j < fout; ++j) {
        double s = b[j], mag = b[j] < 0 ? -b[j] : b[j];
        for (i = 0; i < fin; ++i) {
            double p = (double)in[i] * (double)w[j * fin + i];
            s += p;
            mag += p < 0 ? -p : p;
        }
        if ((double)out[j] - s > (double)(fin + 2) * mag / 16777216.0 ||
            s - (double)out[j] > (double)(fin + 2) * mag / 16777216.0)
            return 0;
    }
    return 1;
}

/* The stack the forward pass used (fw_count.h paints below this
   function's stack pointer). */
__attribute__((noinline)) static uint32_t stack_used(void)
{
    uint32_t used;
    FW_STACK_USED(used, 1024, mlp_forward(x, y));   /* words: more than any forward needs */
    return used;
}

int main(void)
{
    static float W[6] = {1, 2, 3, 4, 5, 6}, X[3] = {1, 2, 3}, B[2] = {0, 1};
    static const uint32_t golden_w[6] = {0xbd88d150u, 0xbe9bf030u, 0x3f061bb4u,
                                         0xbed0589eu, 0xbe8ac7fbu, 0x3d9b4e4au};
    float Y[2], w32[6], b32[2];
    lin_layer l1, l2, small;
    lin_rng rng;
    size_t i, best = 0;
    uint32_t cal, t, n1, n2;
    fw_bits bits;
    int same = 1;

    sh_puts("linear.h " LIN_VERSION_STRING " on " FW_CORE "\n");

    /* the article's worked example */
    check(lin_linear_f32(X, W, B, Y, 1, 3, 2) == LIN_OK && Y[0] == 14.0f && Y[1] == 33.0f,
          "worked example");
    sh_puts("y = [");
    put_float(Y[0]);
    sh_puts(", ");
    put_float(Y[1]);
    sh_puts("]\n");
    check(lin_linear_f32(X, W, B, W + 1, 1, 3, 2) == LIN_ERR_ALIAS && W[1] == 2.0f,
          "an output on top of the weight is refused, nothing written");

    /* nn.Linear(3, 2) from seed 42 gives the host's bits */
    lin_rng_seed(&rng, 42);
    check(lin_layer_init(&small, 3, 2, w32, b32) == LIN_OK &&
          lin_layer_reset_parameters(&small, &rng) == LIN_OK, "nn.Linear(3, 2) init");
    for (i = 0; i < 6; ++i) {
        bits.f = w32[i];
        same &= bits.u == golden_w[i];
    }
    check(same, "seed 42 gives the same weights as on the host");

    /* the two-layer network */
    lin_rng_seed(&rng, 7);
    check(lin_layer_init(&l1, N_IN, N_HID, w1, b1) == LIN_OK &&
          lin_layer_init(&l2, N_HID, N_OUT, w2, b2) == LIN_OK &&
          lin_layer_reset_parameters(&l1, &rng) == LIN_OK &&
          lin_layer_reset_parameters(&l2, &rng) == LIN_OK, "two-layer init");
    for (i = 0; i < N_IN; ++i) x[i] = (float)((i * 37u) % 256u) / 255.0f;   /* an "image" */
    fw_count_start();
    cal = fw_count_calibrate();
    t = fw_count_now();
    check(mlp_forward(x, y) == LIN_OK, "two-layer forward");
    n2 = fw_count_instructions(fw_count_since(t), cal);
    t = fw_count_now();
    check(lin_linear_f32(x, w1, b1, h_pre, 1, N_IN, N_HID) == LIN_OK, "layer 1 alone");
    n1 = fw_count_instructions(fw_count_since(t), cal);
    check(matches_reference(x, w1, b1, h_pre, N_IN, N_HID), "layer 1 matches the reference loop");
    for (i = 0; i < N_HID; ++i) same &= h[i] == (h_pre[i] > 0.0f ? h_pre[i] : 0.0f);
    check(same, "ReLU");
    check(matches_reference(h, w2, b2, y, N_HID, N_OUT), "layer 2 matches the reference loop");
    sh_puts("  y = [");
    for (i = 0; i < N_OUT; ++i) {
        if (i) sh_puts(", ");
        put_float(y[i]);
        if (y[i] > y[best]) best = i;
    }
    sh_puts("], class ");
    sh_put_uint((uint32_t)best);
    sh_puts("\n  forward stack: ");
    sh_put_uint(stack_used());
    sh_puts(" bytes; first weight ");
    bits.f = w1[0];
    put_hex(bits.u);
    sh_puts("\n  instructions: layer 1 ");
    sh_put_uint(n1);
    sh_puts(", whole forward ");
    sh_put_uint(n2);
    sh_puts("\n");

    sh_puts(failures ? "FAILED\n" : "all ok\n");
    return failures;
}
