#!/bin/sh
# report.sh - the tables of make firmware (build/fw/sizes.md, the README's
# Cortex-M figures), from what it built and ran:
#   report.sh <build/fw> <board:core>...
# Flash of each layer alone at -Os and -O2, instructions per call and stack
# of each layer on the four shapes (shapes.c), and the examples' figures.
set -eu
d=$1
shift

text() { arm-none-eabi-size -A "$1" | awk '$1 == ".text" { print $2 }'; }
# "own + libgcc": the object's .text, and what linking it adds
own_lib() {
    o=$(text "$1.o")
    e=$(text "$1.lib.elf")
    echo "$o + $((e - o))"
}
# the libgcc functions the three layers call
helpers() {
    u=$(for z in size size_s8 size_s8p; do arm-none-eabi-nm -u "$1/$z-$2.o"; done | awk '{ print $2 }' | sort -u | tr '\n' ' ' | sed 's/ $//')
    echo "${u:-none}"
}
# a shapes.c figure: field f (3 instructions, 4 stack) of the line "kind
# shape ..."; a shape the board's RAM does not hold from its code run on a
# larger board (shapes-big-*.log), marked *
fig() {
    v=$(awk -v k="$2" -v s="$3" -v f="$4" '$1 == k && $2 == s { print $f }' "$1")
    b=$(echo "$1" | sed 's/shapes-\(O[s2]\)\.log$/shapes-big-\1.log/')
    if [ -z "$v" ] && [ -f "$b" ]; then
        v=$(awk -v k="$2" -v s="$3" -v f="$4" '$1 == k && $2 == s { print $f "*" }' "$b")
    fi
    echo "${v:--}"
}
# the deepest stack of one kind over the shapes
deepest() { awk -v k="$2" '$1 == k && $4 > m { m = $4 } END { print m + 0 }' "$1"; }

echo "Flash of each layer alone, bytes: its own .text + what it pulls in from libgcc (soft float on the M0 and M3):"
echo
echo "| board | core | opt | lin_linear_f32 | lin_linear_s8 | lin_prepare_s8 + lin_linear_prepared_s8 | libgcc functions called |"
echo "|---|---|---|---|---|---|---|"
for bc in "$@"; do
    b=${bc%%:*}
    c=${bc#*:}
    for o in Os O2; do
        printf '| %s | %s | -%s | %s | %s | %s | %s |\n' "$b" "$c" "$o" "$(own_lib "$d/$b/size-$o")" \
            "$(own_lib "$d/$b/size_s8-$o")" "$(own_lib "$d/$b/size_s8p-$o")" "$(helpers "$d/$b" "$o")"
    done
done
for k in f32:lin_linear_f32 s8:lin_linear_s8 s8p:lin_linear_prepared_s8 f16w:lin_linear_f16w q8w:lin_linear_q8w \
    s16:lin_linear_s16; do
    echo
    echo "Instructions per call of ${k#*:}, batch 1 (examples/firmware/shapes.c; counted by QEMU -icount; * the micro:bit's Cortex-M0 code run on the mps2-an385 board, whose 4 MiB of RAM hold the shape: its Cortex-M3 executes the same instructions), and the deepest stack it used:"
    echo
    echo "| board | core | opt | 784 -> 128 | 128 -> 10 | 64 -> 16 | 256 -> 256 | stack, bytes |"
    echo "|---|---|---|---|---|---|---|---|"
    for bc in "$@"; do
        b=${bc%%:*}
        c=${bc#*:}
        for o in Os O2; do
            l="$d/$b/shapes-$o.log"
            printf '| %s | %s | -%s | %s | %s | %s | %s | %s |\n' "$b" "$c" "$o" "$(fig "$l" "${k%%:*}" 784x128 3)" \
                "$(fig "$l" "${k%%:*}" 128x10 3)" "$(fig "$l" "${k%%:*}" 64x16 3)" \
                "$(fig "$l" "${k%%:*}" 256x256 3)" "$(deepest "$l" "${k%%:*}")"
        done
    done
done
echo
echo "The examples (make firmware's build: -Os, the M55 -O2), .text of the linked program and instructions counted by QEMU; the micro:bit runs the 64 -> 16 -> 10 network, the others 784 -> 128 -> 10:"
echo
echo "| board | core | two-layer example .text | forward stack | f32 layer 1 | f32 whole forward | int8 example .text | int8 layer 1 | int8 layer 2 | int8 layer 1 prepared |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for bc in "$@"; do
    b=${bc%%:*}
    c=${bc#*:}
    m="$d/$b/mlp.log"
    s="$d/$b/mlp_s8.log"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$b" "$c" "$(text "$d/$b/mlp.elf")" \
        "$(sed -n 's/.*forward stack: \([0-9]*\) bytes.*/\1/p' "$m")" \
        "$(sed -n 's/.*instructions: layer 1 \([0-9]*\), whole forward.*/\1/p' "$m")" \
        "$(sed -n 's/.*instructions: layer 1 [0-9]*, whole forward \([0-9]*\).*/\1/p' "$m")" \
        "$(text "$d/$b/mlp_s8.elf")" \
        "$(sed -n 's/.*instructions: layer 1 \([0-9]*\), layer 2.*/\1/p' "$s")" \
        "$(sed -n 's/.*instructions: layer 1 [0-9]*, layer 2 \([0-9]*\).*/\1/p' "$s")" \
        "$(sed -n 's/.*prepared: layer 1 \([0-9]*\).*/\1/p' "$s")"
done
echo
echo "Three call sites of lin_linear_f32 (tests/link) on the Cortex-M4 at -Os, .text of the linked program: static inline in each unit $(text "$d/link-static.elf") B, one copy (LIN_IMPLEMENTATION) $(text "$d/link-impl.elf") B."
