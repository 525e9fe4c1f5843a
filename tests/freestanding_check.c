/* freestanding_check.c - linear.h with nothing but the compiler's own
   headers: `make test-std` compiles its forward, int8, prepared and int16x8 calls
   with -ffreestanding -nostdinc under gcc, clang and g++, with and
   without the four math macros, and with LIN_FREESTANDING checks that the
   object names no C library function. (The bare-metal links with
   -nostdlib and libgcc alone are make firmware-riscv's: rv_bare.c and
   each layer's size object.) */
#define LIN_IMPLEMENTATION
#include "linear.h"

/* what firmware calls: the float layer, the int8 layer, the prepared
   int8 layer and the int16x8 layer (a 3 -> 2 layer, the article's worked
   example), and the activations firmware calls (ReLU6 takes the worked
   example's y to [6, 6]) */
static const float W[6] = {1, 2, 3, 4, 5, 6}, X[3] = {1, 2, 3}, BIAS[2] = {0, 1};
static float Y[2];
#if LIN__MATH
static float Z[3];
#endif
static int8_t W8[6] = {1, 2, 3, 4, 5, 6}, X8[3] = {1, 2, 3}, Y8[2];
static int32_t B8[2] = {0, 1};
static unsigned char PBUF[64];
static lin_prepared_s8 PREP;
static lin_quant Q;
static const int16_t X16[3] = {1, 2, 3};
static const int64_t B16[2] = {0, 1};
static const lin_quant Q16 = {0, 0, 0, 1073741824, 1, -32768, 32767};   /* 1.0 */
static int16_t Y16[2];

int freestanding_check(void);
int freestanding_check(void)
{
    lin_status s;
    Q.multiplier = 1073741824;  /* 0.5 */
    Q.act_min = -128;
    Q.act_max = 127;
    s = lin_linear_f32(X, W, BIAS, Y, 1, 3, 2);
    if (s == LIN_OK) s = lin_linear_s8(X8, W8, B8, Y8, 1, 3, 2, &Q);
    if (s == LIN_OK) s = lin_prepare_s8(&PREP, W8, B8, 3, 2, &Q, PBUF, sizeof PBUF);
    if (s == LIN_OK) s = lin_linear_prepared_s8(&PREP, X8, Y8, 1);
    if (s == LIN_OK) s = lin_linear_s16(X16, W8, B16, Y16, 1, 3, 2, &Q16);
    if (s == LIN_OK) s = lin_relu6_f32(Y, Y, 2);            /* activations without libm */
    if (s == LIN_OK) s = lin_leaky_relu_f32(Y, Y, 2, 0.01f);
#if LIN__MATH
    if (s == LIN_OK) s = lin_softmax_f32(X, Z, 1, 3);       /* with the math macros */
#endif
    return s == LIN_OK && Y[0] == 6.0f && Y[1] == 6.0f && Y16[0] == 14 && Y16[1] == 33 ? 0 : 1;
}

/* the entry of a -nostdlib link */
void lin_check_start(void);
void lin_check_start(void)
{
    (void)freestanding_check();
}
