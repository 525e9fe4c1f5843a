/* avr_main.c - linear.h on an 8-bit AVR (ATmega2560: 8 KiB of RAM, 16-bit
   size_t and int, 32-bit double) under simavr, as `make firmware-avr` runs
   it: the article's worked example, the int8 network of the Cortex-M
   firmware (mlp_s8.h, 64 -> 16 -> 10) bit-exact with the host's checksum,
   PyTorch's F.linear vectors that fit its RAM (avr_vectors.h, from
   tests/fixtures) within the float32 bound, the size checks a 16-bit size_t
   makes matter (a 256x256 layer's 65,536 weights overflow it: refused,
   outputs untouched), and the stack of each call, painted. Prints through
   the UART, which simavr shows; the last line is "avr: all passed" or
   "avr: FAILED". */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <stdio.h>

#define FW_SMALL
#include "mlp_s8.h"
#include "avr_vectors.h"
#include "fw_stack.h"

static int uart_putchar(char c, FILE *f)
{
    (void)f;
    loop_until_bit_is_set(UCSR0A, UDRE0);
    UDR0 = (uint8_t)c;
    return 0;
}
static FILE uart = FDEV_SETUP_STREAM(uart_putchar, NULL, _FDEV_SETUP_WRITE);

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) ++failures;
}

/* the bytes stack_call took below the stack pointer here (fw_stack.h:
   256 words painted; the AVR's 8 KiB hold them below its globals) */
static lin_status (*stack_call)(void);
static __attribute__((noinline)) unsigned stack_of(void)
{
    uint32_t used;
    FW_STACK_USED(used, 256, stack_call());
    return (unsigned)used;
}

/* the worked example: W (2, 3), x (3), b (2) */
static float we_w[6] = {1, 2, 3, 4, 5, 6}, we_x[3] = {1, 2, 3}, we_b[2] = {0, 1}, we_y[2];
static lin_status worked(void) { return lin_linear_f32(we_x, we_w, we_b, we_y, 1, 3, 2); }

/* PyTorch's vectors, one case at a time in RAM: x, weight, bias, y */
static float vec[AVR_VEC_MAX_FLOATS];
static avr_vec_case vc;
static lin_status vec_layer(void)
{
    float *x = vec, *w = x + vc.batch * vc.in, *b = w + vc.out * vc.in, *y = b + vc.out;
    return lin_linear_f32(x, w, vc.bias ? b : NULL, y, vc.batch, vc.in, vc.out);
}

/* each case within (K + 3) * 2^-24 * (sum |x w| + |b|) of PyTorch's
   double-rounded output (K + 2 for the sums, 1 for the reference's own
   rounding to float); the deepest stack of them */
static int vectors(unsigned *stack)
{
    int c, bad = 0;
    *stack = 0;
    for (c = 0; c < AVR_VEC_COUNT; ++c) {
        uint16_t i, n_in, n_out;
        float *y;
        unsigned st;
        memcpy_P(&vc, &avr_vec_cases[c], sizeof vc);
        n_in = vc.batch * vc.in + vc.out * vc.in;
        n_out = vc.batch * vc.out;
        memcpy_P(vec, &avr_vec_data[vc.x], (size_t)vc.batch * vc.in * sizeof(float));
        memcpy_P(vec + vc.batch * vc.in, &avr_vec_data[vc.weight], (size_t)vc.out * vc.in * sizeof(float));
        if (vc.bias) memcpy_P(vec + n_in, &avr_vec_data[vc.b], (size_t)vc.out * sizeof(float));
        y = vec + n_in + vc.out;
        for (i = 0; i < n_out; ++i) y[i] = -1e30f;
        stack_call = vec_layer;
        st = stack_of();
        if (st == 0) ++bad;
        if (st > *stack) *stack = st;
        for (i = 0; i < n_out; ++i) {
            float ref = pgm_read_float(&avr_vec_data[vc.ref + i]), mag = pgm_read_float(&avr_vec_data[vc.mag + i]);
            float d = y[i] - ref, tol = (float)(vc.in + 3) * 5.9604645e-8f * mag;
            if ((d < 0 ? -d : d) > tol) {
                printf("case %d element %u: %ld / 1e6 against %ld / 1e6\n", c, i, (long)(y[i] * 1e6f),
                       (long)(ref * 1e6f));
                ++bad;
                break;
            }
        }
    }
    return bad == 0;
}

int main(void)
{
    unsigned st;
    int i;
    float y256[4];
    UCSR0B = _BV(TXEN0);
    stdout = &uart;
    printf("avr: sizeof(size_t) %u, sizeof(int) %u, sizeof(double) %u\n", (unsigned)sizeof(size_t),
           (unsigned)sizeof(int), (unsigned)sizeof(double));

    stack_call = worked;
    st = stack_of();
    check(st != 0 && we_y[0] == 14.0f && we_y[1] == 33.0f, "worked example y = [14, 33]");
    printf("stack lin_linear_f32 1x3x2 %u\n", st);

    check(vectors(&st), "PyTorch's F.linear vectors (avr_vectors.h) within the float32 bound");
    printf("%d PyTorch cases\n", AVR_VEC_COUNT);
    printf("stack lin_linear_f32 (PyTorch's cases, the deepest) %u\n", st);

    stack_call = mlp_s8_forward;
    st = stack_of();
    check(st != 0 && mlp_s8_checksum() == MLP_S8_CHECKSUM, "int8 network 64 -> 16 -> 10: the host's checksum");
    printf("int8 checksum %lu (host %u)\n", (unsigned long)mlp_s8_checksum(), MLP_S8_CHECKSUM);
    printf("stack int8 network (lin_quant_params, 2 x lin_linear_s8) %u\n", st);

    /* 32-bit double: lin_quantize_multiplier is exact for the float it
       gets (its 24 significant bits times 2^7), as its comment promises;
       a power-of-two scale gives TFLite's bits */
    {
        int32_t mult = 0, shift = 0, mult2 = 0, shift2 = 0;
        check(lin_quantize_multiplier(0.70710678, &mult, &shift) == LIN_OK && mult == 1518500224L &&
                  shift == 0 && lin_quantize_multiplier(0.0625, &mult2, &shift2) == LIN_OK &&
                  mult2 == 1073741824L && shift2 == -3,
              "lin_quantize_multiplier with a 32-bit double: 0.70710678 -> 1518500224, 2^-4 -> 2^30, shift -3");
    }

    /* 16-bit size_t: 256 x 256 weights do not fit, the call is refused and
       its output untouched */
    for (i = 0; i < 4; ++i) y256[i] = -7.0f;
    check(lin_linear_f32(vec, vec, vec, y256, 1, 256, 256) == LIN_ERR_OVERFLOW && y256[0] == -7.0f &&
              y256[3] == -7.0f,
          "1x256x256: LIN_ERR_OVERFLOW, y untouched");
    check(lin_linear_s8(s8_x, s8_w1, s8_b1, s8_y, 1, 256, 256, &s8_q1) == LIN_ERR_OVERFLOW,
          "int8 1x256x256: LIN_ERR_OVERFLOW");
    check(lin_prepared_s8_size(256, 256) == 0 && lin_prepared_s8_size(16, 16) != 0,
          "lin_prepared_s8_size(256, 256) == 0 (overflow)");
    check(lin_linear_f32(vec, vec + 16, vec + 16 + 256, vec + 16 + 256 + 16, 1, 16, 16) == LIN_OK, "1x16x16 still runs");

    printf(failures ? "avr: FAILED\n" : "avr: all passed\n");
    cli();
    sleep_cpu();
    return 0;
}
