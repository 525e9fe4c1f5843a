/* fw_stack.h - the stack a call takes on a bare-metal core, by painting:
   the words below the caller's stack pointer are filled with a pattern,
   the call is made, and the deepest word it changed is found. For the
   Cortex-M (fw_count.h includes it), RISC-V and AVR programs. */
#ifndef FW_STACK_H
#define FW_STACK_H

#include <stdint.h>

/* the stack pointer, into v (a uintptr_t) */
#if defined(__arm__) || defined(__thumb__)
#define FW_SP_READ(v) __asm__ volatile("mov %0, sp" : "=r"(v))
#elif defined(__riscv)
#define FW_SP_READ(v) __asm__ volatile("mv %0, sp" : "=r"(v))
#elif defined(__AVR__)
#define FW_SP_READ(v) __asm__ volatile("in %A0, __SP_L__\n\tin %B0, __SP_H__" : "=r"(v))
#else
#error "fw_stack.h: no way to read the stack pointer on this target"
#endif

/* used = the bytes of stack `call` (an expression, LIN_OK when it
   succeeds) took below the stack pointer of the function this runs in
   (keep that one noinline): the `words` words below it painted, the call
   made, the deepest word that changed found; 0 if the call failed or
   reached the last painted word (no measurement: paint more). */
#define FW_STACK_USED(used, words, call)                                            \
    do {                                                                            \
        volatile uint32_t *fw_sp_, *fw_p_;                                          \
        uintptr_t fw_spv_;                                                          \
        FW_SP_READ(fw_spv_);                                                        \
        fw_sp_ = (volatile uint32_t *)fw_spv_;                                      \
        for (fw_p_ = fw_sp_ - (words); fw_p_ < fw_sp_ - 16; ++fw_p_) *fw_p_ = 0xdeadbeefu; \
        if ((call) != LIN_OK) {                                                     \
            (used) = 0;                                                             \
            break;                                                                  \
        }                                                                           \
        for (fw_p_ = fw_sp_ - (words); fw_p_ < fw_sp_ - 16 && *fw_p_ == 0xdeadbeefu; ++fw_p_) { \
        }                                                                           \
        (used) = fw_p_ == fw_sp_ - (words) ? 0 : (uint32_t)((uintptr_t)fw_sp_ - (uintptr_t)fw_p_); \
    } while (0)

#endif
