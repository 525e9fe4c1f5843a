/* startup.c - reset for the Cortex-M firmware under QEMU: vector table,
   FPU on, .data copied, .bss zeroed, main(), and main's return value as the
   exit status through semihosting. Built with FW_NEWLIB for programs that
   use newlib's stdio over semihosting (the cmocka suites). */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
#ifdef FW_NEWLIB
void initialise_monitor_handles(void);
/* newlib's exit() runs the fini array through _fini, which crt files
   would give; there are no constructors or destructors to run here */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

#include <errno.h>
#include <stddef.h>
extern char end[];
void *_sbrk(ptrdiff_t incr);

/* The heap: from the end of .bss up to 256 bytes below the stack pointer.
   (librdimon's weak _sbrk takes its limit from the semihosting HEAPINFO
   call, which on the micro:bit model leaves most of the RAM unused.) */
void *_sbrk(ptrdiff_t incr)
{
    static char *brk = end;
    char *old = brk, *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    if (incr > sp - 256 - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return old;
}
#endif

void fw_reset(void);
void fw_fault(void);

void fw_fault(void)
{
    sh_puts("firmware: fault\n");
    sh_exit(99);
}

/* The first 16 entries: stack top, reset, then the system exceptions. */
__attribute__((section(".vectors"), used))
void (*const fw_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_estack, fw_reset,
    fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, fw_fault,
    fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, fw_fault, fw_fault,
};

void fw_reset(void)
{
    uint32_t *src = _sidata, *dst;
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CP10 and CP11 full access, before the first floating-point instruction */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    for (dst = _sdata; dst < _edata;) *dst++ = *src++;
    for (dst = _sbss; dst < _ebss;) *dst++ = 0;
#ifdef FW_NEWLIB
    initialise_monitor_handles();
#endif
    sh_exit(main());
}
