#!/bin/sh
# report_avr.sh - the tables of make firmware-avr (build/avr/sizes.md, the
# README's figures): each layer's code alone (every .text section of its
# object, built -ffreestanding) on the AVR and on the Xtensa lx106, the
# compiler helpers it calls, and the stack of each call on the AVR
# (avr_main.c's "stack ..." lines, painted under simavr).
#   report_avr.sh <build/avr>
set -eu
d=$1

. "$(dirname "$0")/report_lib.sh"

echo "Code in bytes, each layer alone (the object's .text; the helpers come from libgcc):"
echo
echo "| target | opt | lin_linear_f32 | lin_linear_s8 | prepared int8 | compiler helpers |"
echo "|---|---|---|---|---|---|"
for o in Os O2; do
    echo "| AVR ATmega2560 | -$o | $(text avr-size "$d/size-$o.o") | $(text avr-size "$d/size_s8-$o.o") | $(text avr-size "$d/size_s8p-$o.o") | $(helpers avr-nm "$d/" "$o") |"
done
for o in Os O2; do
    echo "| Xtensa lx106 (ESP8266) | -$o | $(text xtensa-lx106-elf-size "$d/xtensa-size-$o.o") | $(text xtensa-lx106-elf-size "$d/xtensa-size_s8-$o.o") | $(text xtensa-lx106-elf-size "$d/xtensa-size_s8p-$o.o") | $(helpers xtensa-lx106-elf-nm "$d/xtensa-" "$o") |"
done
echo
echo "Stack in bytes on the AVR (painted under simavr; -Os / -O2):"
echo
echo "| call | stack |"
echo "|---|---|"
grep '^stack ' "$d/avr-Os.log" | sed 's/^stack //' | while read -r line; do
    name=${line% *}
    os=${line##* }
    o2=$(grep "^stack $name " "$d/avr-O2.log" | awk '{ print $NF }')
    echo "| $name | $os / $o2 |"
done
