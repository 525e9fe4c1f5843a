/* rv_bare.c - the worked example on a bare rv32imac: no C library at all.
   Compiled -ffreestanding (only the compiler's own headers), linked
   -nostdlib with libgcc alone, with its own start (a stack, then main)
   and semihosting, which QEMU's virt board answers: `make
   firmware-riscv` runs it. Exit status 0 when y = [14, 33]. */
/* the start, first in .text (built with -fno-toplevel-reorder), where QEMU's
   virt board begins: the global pointer, the FPU where there is one, a
   stack, then rv_main */
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "    .option push\n"
        "    .option norelax\n"
        "    la gp, __global_pointer$\n"   /* the linker relaxes small data to gp */
        "    .option pop\n"
#ifdef __riscv_flen
        "    li t0, 0x2000\n"              /* mstatus.FS = initial: the FPU on */
        "    csrs mstatus, t0\n"
#endif
        "    la sp, rv_stack + 4096\n"
        "    call rv_main\n"
        "1:  j 1b\n"
        );

#include "linear.h"

unsigned long rv_stack[1024];           /* 4 KiB; the start below sets sp to its end */

/* semihosting: the operation in a0, its parameter in a1, the three
   instructions QEMU traps on (uncompressed, as the spec asks) */
static long sh_call(long op, const void *arg)
{
    register long a0 __asm__("a0") = op;
    register const void *a1 __asm__("a1") = arg;
    __asm__ volatile(".option push\n.option norvc\nslli zero, zero, 0x1f\nebreak\nsrai zero, zero, 7\n.option pop"
                     : "+r"(a0)
                     : "r"(a1)
                     : "memory");
    return a0;
}
static void sh_puts(const char *s) { sh_call(0x04, s); }        /* SYS_WRITE0 */
static void sh_put_int(int v)
{
    char d[12];
    int i = 11;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    d[i] = '\0';
    do d[--i] = (char)('0' + u % 10u); while ((u /= 10u) != 0u);
    if (v < 0) d[--i] = '-';
    sh_puts(d + i);
}

extern unsigned long rv_stack[1024];
int rv_main(void);
int rv_main(void)
{
    static const float W[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, b[2] = {0, 1};
    float y[2] = {0, 0};
    lin_status s = lin_linear_f32(x, W, b, y, 1, 3, 2);
    int ok = s == LIN_OK && y[0] == 14.0f && y[1] == 33.0f;
    sh_puts("bare rv32, no C library: y = [");
    sh_put_int((int)y[0]);
    sh_puts(", ");
    sh_put_int((int)y[1]);
    sh_puts("]\n");
    /* SYS_EXIT: ADP_Stopped_ApplicationExit is exit status 0, RunTimeErrorUnknown 1 */
    sh_call(0x18, (const void *)(ok ? 0x20026ul : 0x20023ul));
    for (;;) {
    }
}
