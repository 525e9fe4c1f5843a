/* main_s8.c - the two-layer network in int8 on a Cortex-M: lin_linear_s8
   with TFLite's requantization, ReLU fused into the first layer's clamp.
   The same integers on every core (the DSP extension's dual multiply-adds
   on M4/M7/M33/M55, plain C on M0/M3): checked by one checksum, which the
   host tests check too. Under `make firmware` QEMU runs it with -icount, and
   it reports the instructions each layer executes. main's return value is
   QEMU's exit status. */
#include <stdint.h>

#include "fw_count.h"
#include "mlp_s8.h"
#include "semihost.h"

int main(void)
{
    uint32_t sum, cal, t, n1, n2;
    sh_puts("linear.h int8 on " FW_CORE ": ");
    sh_put_uint(S8_IN);
    sh_puts(" -> ");
    sh_put_uint(S8_HID);
    sh_puts(" -> ReLU -> ");
    sh_put_uint(S8_OUT);
    sh_puts("\n");
    fw_count_start();
    cal = fw_count_calibrate();
    if (mlp_s8_init() != LIN_OK) {
        sh_puts("FAILED: lin_quant_params refused its arguments\n");
        return 1;
    }
    t = fw_count_now();
    if (mlp_s8_layer1() != LIN_OK) {
        sh_puts("FAILED: layer 1 refused its arguments\n");
        return 1;
    }
    n1 = fw_count_instructions(fw_count_since(t), cal);
    t = fw_count_now();
    if (mlp_s8_layer2() != LIN_OK) {
        sh_puts("FAILED: layer 2 refused its arguments\n");
        return 1;
    }
    n2 = fw_count_instructions(fw_count_since(t), cal);
    sh_puts("  instructions: layer 1 ");
    sh_put_uint(n1);
    sh_puts(", layer 2 ");
    sh_put_uint(n2);
    sh_puts("\n");
    {   /* layer 1 prepared once (its sums of W in RAM, W itself in flash): the same integers */
        static unsigned char buf[4 * S8_HID + 3];
        static int8_t h[S8_HID];
        lin_prepared_s8 p;
        int i, same = 1;
        if (lin_prepared_s8_size(S8_IN, S8_HID) > sizeof buf ||
            lin_prepare_s8(&p, s8_w1, s8_b1, S8_IN, S8_HID, &s8_q1, buf, sizeof buf) != LIN_OK) {
            sh_puts("FAILED: lin_prepare_s8 refused its arguments\n");
            return 1;
        }
        t = fw_count_now();
        if (lin_linear_prepared_s8(&p, s8_x, h, 1) != LIN_OK) {
            sh_puts("FAILED: the prepared layer 1 refused its arguments\n");
            return 1;
        }
        n1 = fw_count_instructions(fw_count_since(t), cal);
        for (i = 0; i < S8_HID; ++i) same &= h[i] == s8_h[i];
        if (!same) {
            sh_puts("FAILED: the prepared layer 1 gave other integers\n");
            return 1;
        }
        sh_puts("  prepared: layer 1 ");
        sh_put_uint(n1);
        sh_puts(", the same integers\n");
    }
    sum = mlp_s8_checksum();
    if (mlp_s8_forward() != LIN_OK || mlp_s8_checksum() != sum) {
        sh_puts("FAILED: a second forward gave other integers\n");
        return 1;
    }
    sh_puts("  checksum ");
    sh_put_uint(sum);
    sh_puts(sum == MLP_S8_CHECKSUM ? " (the host's)\nall ok\n" : " (the host has another)\nFAILED\n");
    return sum != MLP_S8_CHECKSUM;
}
