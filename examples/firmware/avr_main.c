/* avr_main.c - linear.h on an 8-bit AVR (ATmega2560: 8 KiB of RAM, 16-bit
   size_t and int, 32-bit double) under simavr, as `make firmware-avr` runs
   it: the article's worked example, the int8 network of the Cortex-M
   firmware (mlp_s8.h, 64 -> 16 -> 10) bit-exact with the host's checksum,
   a float layer against a plain loop, the size checks a 16-bit size_t
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

/* the bytes a call took below the stack pointer here: the words below it
   painted, the call made, the deepest changed byte found */
enum { PAINT = 1024 };
static lin_status (*stack_call)(void);
static __attribute__((noinline)) unsigned stack_of(void)
{
    volatile uint8_t *sp = (volatile uint8_t *)SP, *p;
    for (p = sp - PAINT; p < sp - 8; ++p) *p = 0xa5;
    if (stack_call() != LIN_OK) return 0;
    for (p = sp - PAINT; p < sp - 8 && *p == 0xa5; ++p) {
    }
    return (unsigned)(sp - p);
}

/* the worked example: W (2, 3), x (3), b (2) */
static float we_w[6] = {1, 2, 3, 4, 5, 6}, we_x[3] = {1, 2, 3}, we_b[2] = {0, 1}, we_y[2];
static lin_status worked(void) { return lin_linear_f32(we_x, we_w, we_b, we_y, 1, 3, 2); }

/* a float layer 2 x 48 -> 12 against the plain loop */
enum { FB = 2, FI = 48, FO = 12 };
static float fx[FB * FI], fw[FO * FI], fb[FO], fy[FB * FO];
static lin_status float_layer(void) { return lin_linear_f32(fx, fw, fb, fy, FB, FI, FO); }

int main(void)
{
    unsigned st;
    int i, j, k, ok;
    float y256[4];
    lin_rng rng;
    UCSR0B = _BV(TXEN0);
    stdout = &uart;
    printf("avr: sizeof(size_t) %u, sizeof(int) %u, sizeof(double) %u\n", (unsigned)sizeof(size_t),
           (unsigned)sizeof(int), (unsigned)sizeof(double));

    stack_call = worked;
    st = stack_of();
    check(st != 0 && we_y[0] == 14.0f && we_y[1] == 33.0f, "worked example y = [14, 33]");
    printf("stack lin_linear_f32 1x3x2 %u\n", st);

    lin_rng_seed(&rng, 3);
    for (i = 0; i < FB * FI; ++i) fx[i] = lin_rng_uniform(&rng, -1.0f, 1.0f);
    for (i = 0; i < FO * FI; ++i) fw[i] = lin_rng_uniform(&rng, -1.0f, 1.0f);
    for (i = 0; i < FO; ++i) fb[i] = lin_rng_uniform(&rng, -1.0f, 1.0f);
    stack_call = float_layer;
    st = stack_of();
    ok = st != 0;
    for (i = 0; i < FB; ++i)
        for (j = 0; j < FO; ++j) {
            float s = 0.0f, a = 0.0f, d;
            for (k = 0; k < FI; ++k) {
                s += fx[i * FI + k] * fw[j * FI + k];
                a += fx[i * FI + k] * fw[j * FI + k] < 0 ? -fx[i * FI + k] * fw[j * FI + k]
                                                         : fx[i * FI + k] * fw[j * FI + k];
            }
            s += fb[j];
            d = fy[i * FO + j] - s;
            /* two float sums of 48 terms in other orders: within 2 * 48 * 2^-24 * sum |x w| */
            if ((d < 0 ? -d : d) > 2.0f * 48.0f * 5.96e-8f * (a + 1.0f)) ok = 0;
        }
    check(ok, "float layer 2x48x12 against the plain loop");
    printf("stack lin_linear_f32 2x48x12 %u\n", st);

    stack_call = mlp_s8_forward;
    st = stack_of();
    check(st != 0 && mlp_s8_checksum() == MLP_S8_CHECKSUM, "int8 network 64 -> 16 -> 10: the host's checksum");
    printf("int8 checksum %lu (host %u)\n", (unsigned long)mlp_s8_checksum(), MLP_S8_CHECKSUM);
    printf("stack int8 network (lin_quant_params, 2 x lin_linear_s8) %u\n", st);

    /* 16-bit size_t: 256 x 256 weights do not fit, the call is refused and
       its output untouched */
    for (i = 0; i < 4; ++i) y256[i] = -7.0f;
    check(lin_linear_f32(fx, fw, fb, y256, 1, 256, 256) == LIN_ERR_OVERFLOW && y256[0] == -7.0f &&
              y256[3] == -7.0f,
          "1x256x256: LIN_ERR_OVERFLOW, y untouched");
    check(lin_linear_s8(s8_x, s8_w1, s8_b1, s8_y, 1, 256, 256, &s8_q1) == LIN_ERR_OVERFLOW,
          "int8 1x256x256: LIN_ERR_OVERFLOW");
    check(lin_prepared_s8_size(256, 256) == 0 && lin_prepared_s8_size(16, 16) != 0,
          "lin_prepared_s8_size(256, 256) == 0 (overflow)");
    check(lin_linear_f32(fx, fw, fb, fy, 1, 16, 16) == LIN_OK, "1x16x16 still runs");

    printf(failures ? "avr: FAILED\n" : "avr: all passed\n");
    cli();
    sleep_cpu();
    return 0;
}
