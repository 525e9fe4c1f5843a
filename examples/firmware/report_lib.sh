# report_lib.sh - what report_rv.sh and report_avr.sh share (sourced).

# text <size tool> <object or elf>: its code, every .text section (the
# objects are built with -ffunction-sections)
text() { "$1" -A "$2" | awk '$1 ~ /^\.text/ { n += $2 } END { print n + 0 }'; }

# helpers <nm tool> <path prefix> <opt>: the symbols the three layers'
# objects (<prefix>size-<opt>.o, size_s8, size_s8p) leave undefined
helpers() {
    u=$(for z in size size_s8 size_s8p; do "$1" -u "$2$z-$3.o"; done | awk '{ print $2 }' | sort -u | tr '\n' ' ' | sed 's/ $//')
    echo "${u:-none}"
}
