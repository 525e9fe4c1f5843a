/* exit_main.c - main for the RISC-V builds (picolibc under QEMU, where a
   return from main does not end the emulation): the program's own main,
   compiled as app_main (-Dmain=app_main), and its value through exit(),
   which semihosting hands to QEMU as its exit status. */
#include <stdlib.h>

int app_main(void);

int main(void)
{
    exit(app_main());
}
