/* fw_count.h - count the instructions a piece of firmware executes, with
   the SysTick timer every Cortex-M has.

   Under `qemu-system-arm -icount shift=0` QEMU's virtual clock advances a
   fixed time per executed instruction, and SysTick (on the processor clock)
   counts that clock. A loop of known length calibrates ticks against
   instructions, so no board's clock frequency is needed. On real hardware
   (or without -icount) the same figure is the time of the code in units of
   that loop's instructions: a rough cycle count, nothing more. */
#ifndef FW_COUNT_H
#define FW_COUNT_H

#include <stdint.h>

#include "fw_stack.h"     /* FW_STACK_USED: the stack a call takes */

#define FW_SYST_CSR (*(volatile uint32_t *)0xE000E010u)   /* control and status */
#define FW_SYST_RVR (*(volatile uint32_t *)0xE000E014u)   /* reload value */
#define FW_SYST_CVR (*(volatile uint32_t *)0xE000E018u)   /* current value, counts down */
#define FW_SPIN     100000u                                 /* calibration iterations */

/* Free-running 24-bit down-counter on the processor clock, no interrupt. */
static void fw_count_start(void)
{
    FW_SYST_RVR = 0x00FFFFFFu;
    FW_SYST_CVR = 0u;
    FW_SYST_CSR = 5u;               /* ENABLE | CLKSOURCE = processor clock */
}

static uint32_t fw_count_now(void) { return FW_SYST_CVR; }

/* Ticks from `from` to now (at most 2^24 - 1 of them). */
static uint32_t fw_count_since(uint32_t from) { return (from - FW_SYST_CVR) & 0x00FFFFFFu; }

/* Exactly 2*n instructions: subtract and branch back, n times. GCC reads
   Thumb-1 inline assembly in the old divided syntax unless told otherwise,
   so the loop states its syntax (GCC restores its own after the block). */
__attribute__((noinline)) static void fw_spin(uint32_t n)
{
    __asm__ volatile(".syntax unified\n\t1: subs %0, %0, #1\n\tbne 1b" : "+l"(n) : : "cc");
}

/* Ticks taken by 2*FW_SPIN instructions; 0 if SysTick does not run. */
static uint32_t fw_count_calibrate(void)
{
    uint32_t t = fw_count_now();
    fw_spin(FW_SPIN);
    return fw_count_since(t);
}

/* Instructions for `ticks`, given the calibration; 0 if uncalibrated.
   Instructions per tick in 1/16ths (exact for the boards' 16, 20, 25 and
   32 MHz clocks), so that 32-bit arithmetic suffices: no 64-bit division
   from libgcc in the size table's figures. */
static uint32_t fw_count_instructions(uint32_t ticks, uint32_t calibration)
{
    uint32_t per_tick16;
    if (calibration == 0u) return 0u;
    per_tick16 = (32u * FW_SPIN + calibration / 2u) / calibration;
    return (ticks * per_tick16 + 8u) / 16u;
}

#endif
