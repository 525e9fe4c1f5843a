#!/bin/sh
# report_rv.sh - the RISC-V tables of make firmware-riscv (build/rv/sizes.md,
# the README's figures), from what it built and ran:
#   report_rv.sh <build/rv> <arch>...
# Flash of each layer alone at -Os and -O2 (the object's .text, and the
# whole linked with libgcc alone), the libgcc helpers they call, and the stack of
# each entry point (stack.c, painted under QEMU).
set -eu
d=$1
shift

. "$(dirname "$0")/report_lib.sh"
size=riscv64-unknown-elf-size
own_lib() { echo "$(text $size "$1.o") / $(text $size "$1.lib.elf")"; }

echo "Flash in bytes, each layer alone: its object's code / linked with libgcc alone (-nostdlib, no C library; the linker relaxes calls, so a layer that takes nothing from libgcc links smaller than its object):"
echo
echo "| target | opt | lin_linear_f32 | lin_linear_s8 | prepared int8 | libgcc helpers |"
echo "|---|---|---|---|---|---|"
for a in "$@"; do
    for o in Os O2; do
        echo "| $a | -$o | $(own_lib "$d/$a/size-$o") | $(own_lib "$d/$a/size_s8-$o") | $(own_lib "$d/$a/size_s8p-$o") | $(helpers riscv64-unknown-elf-nm "$d/$a/" "$o") |"
    done
done
echo
echo "Stack in bytes of each call (batch x in x out, painted under QEMU; -Os / -O2):"
echo
printf '| target |'
awk '{ printf " %s %s |", $1, $2 }' "$d/$1/stack-O2.log"
echo
printf '|---|'
awk '{ printf "---|" }' "$d/$1/stack-O2.log"
echo
for a in "$@"; do
    printf '| %s |' "$a"
    awk 'NR == FNR { s[FNR] = $3; next } { printf " %s / %s |", s[FNR], $3 }' "$d/$a/stack-Os.log" "$d/$a/stack-O2.log"
    echo
done
