/* semihost.h - the two Arm semihosting calls the firmware needs: write a
   string to the host's stdout (and a number through it), and exit with a
   status QEMU passes on. */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stdint.h>

#define SH_SYS_WRITE0        0x04u
#define SH_SYS_EXIT_EXTENDED 0x20u
#define SH_APPLICATION_EXIT  0x20026u   /* ADP_Stopped_ApplicationExit */

static inline uintptr_t sh_call(uintptr_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt #0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static inline void sh_puts(const char *s)
{
    sh_call(SH_SYS_WRITE0, (uintptr_t)s);
}

/* An unsigned number in decimal, without stdio. */
static inline void sh_put_uint(uint32_t v)
{
    char d[11];
    int i = 10;
    d[i] = '\0';
    do { d[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    sh_puts(d + i);
}

/* SYS_EXIT_EXTENDED carries the status; QEMU exits with it. */
static inline void sh_exit(int status)
{
    uintptr_t block[2];
    block[0] = SH_APPLICATION_EXIT;
    block[1] = (uintptr_t)status;
    sh_call(SH_SYS_EXIT_EXTENDED, (uintptr_t)block);
    for (;;) {
    }
}

#endif
