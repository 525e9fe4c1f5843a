#!/bin/sh
# deps.sh - make sure the packages a make target needs are here.
#   tests/deps.sh run | test | cross | firmware | riscv | avr | coverage | bench
# Probes each need; installs what is missing with apt-get when root (after
# apt-get update, as a fresh machine needs), otherwise prints the exact
# command to run and fails.
set -u
what=${1:-test}
missing=""
# scratch inside the checkout (build/), never elsewhere on the machine
tmp=$(cd "$(dirname "$0")/.." && pwd)/build/deps-$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

need() { # need <package> <probe command...>
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}

# apt-get that waits, up to 10 minutes, for another apt or dpkg to finish:
# DPkg::Lock::Timeout covers dpkg's locks; the lists' and the archives'
# locks (apt-get update, downloads) have no timeout and are retried here.
apt_get() {
    waited=0
    while :; do
        apt-get -o DPkg::Lock::Timeout=600 "$@" 2> "$tmp/apt.err" && { cat "$tmp/apt.err" >&2; return 0; }
        st=$?
        if grep -q 'Could not get lock\|Unable to lock\|Unable to acquire' "$tmp/apt.err" && [ "$waited" -lt 600 ]; then
            [ "$waited" = 0 ] && echo "deps.sh: another apt or dpkg holds its lock (below); waiting for it" && cat "$tmp/apt.err"
            sleep 5
            waited=$((waited + 5))
            continue
        fi
        cat "$tmp/apt.err" >&2
        echo "deps.sh: apt-get $* failed (exit status $st)" >&2
        return "$st"
    done
}

links() { # links <compiler> <flags...>: a C program builds and links
    cc=$1; shift
    printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <math.h>\nint main(void){return (int)sqrtf(1.0f) - 1;}\n' > "$tmp/p.c"
    "$cc" "$@" -x c "$tmp/p.c" -o "$tmp/p" -lm && "$tmp/p"
}

builds() { # builds <compiler> <flags...>: a C program builds and links (not run:
    # a kernel without 32-bit x86 support cannot, and qemu-user runs it then)
    cc=$1; shift
    printf '#include <math.h>\nint main(void){return (int)sqrtf(1.0f) - 1;}\n' > "$tmp/b.c"
    "$cc" "$@" -x c "$tmp/b.c" -o "$tmp/b" -lm
}

cmocka() {
    printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <cmocka.h>\nstatic void t(void **s){(void)s;}\nint main(void){const struct CMUnitTest u[]={cmocka_unit_test(t)};return cmocka_run_group_tests(u,NULL,NULL);}\n' > "$tmp/c.c"
    cc "$tmp/c.c" -o "$tmp/c" -lcmocka && "$tmp/c"
}

need make command -v make
need gcc links gcc -O2
case $what in
test)
    need g++ command -v g++
    need clang command -v clang++
    need libcmocka-dev cmocka
    need cmake command -v cmake
    need pkg-config command -v pkg-config
    need python3 command -v python3     # the independent safetensors reader
    # the sanitizer runtimes: gcc's come with gcc, clang's are a package of their own
    need libasan8 links gcc -fsanitize=address,undefined
    need libclang-rt-14-dev links clang -fsanitize=address,undefined
    ;;
bench)
    # the library, not cblas.h alone: libblas-dev ships a cblas.h too
    need libopenblas-dev links gcc -lopenblas
    need libdnnl-dev test -f /usr/include/oneapi/dnnl/dnnl.h
    need libxnnpack-dev test -f /usr/include/xnnpack.h
    need libpthreadpool-dev test -f /usr/include/pthreadpool.h
    need libblis-dev test -f /usr/include/x86_64-linux-gnu/blis-openmp/blis.h -o -f /usr/include/blis/blis.h
    need gnuplot-nox command -v gnuplot
    ;;
cross)
    # foreign architectures for the :<arch> libraries (root only; without
    # root the printed command below says what to install)
    if [ "$(id -u)" = 0 ]; then
        for a in i386 armhf arm64 s390x; do
            dpkg --print-foreign-architectures | grep -qx $a || dpkg --add-architecture $a
        done
    fi
    # gcc-12-multilib, not gcc-multilib: apt removes that one next to cross compilers
    need gcc-12-multilib builds gcc -m32
    need libcmocka-dev:i386 test -f /usr/lib/i386-linux-gnu/libcmocka.so
    need gcc-arm-linux-gnueabihf command -v arm-linux-gnueabihf-gcc
    need gcc-aarch64-linux-gnu command -v aarch64-linux-gnu-gcc
    need gcc-s390x-linux-gnu command -v s390x-linux-gnu-gcc
    need libc6-dev-armhf-cross test -f /usr/arm-linux-gnueabihf/lib/libc.so
    need libc6-dev-arm64-cross test -f /usr/aarch64-linux-gnu/lib/libc.so
    need libc6-dev-s390x-cross test -f /usr/s390x-linux-gnu/lib/libc.so
    need libcmocka-dev:armhf test -f /usr/lib/arm-linux-gnueabihf/libcmocka.so
    need libcmocka-dev:arm64 test -f /usr/lib/aarch64-linux-gnu/libcmocka.so
    need libcmocka-dev:s390x test -f /usr/lib/s390x-linux-gnu/libcmocka.so
    need qemu-user command -v qemu-s390x
    ;;
coverage)
    need gcovr command -v gcovr
    need valgrind command -v valgrind
    need libcmocka-dev cmocka
    ;;
firmware)
    need gcc-arm-none-eabi command -v arm-none-eabi-gcc
    need libnewlib-arm-none-eabi test -f /usr/lib/arm-none-eabi/newlib/rdimon.specs
    need qemu-system-arm command -v qemu-system-arm
    need dpkg-dev command -v dpkg-source
    need clang command -v clang         # the layers also built with clang for every core
    ;;
riscv)
    need gcc-riscv64-unknown-elf command -v riscv64-unknown-elf-gcc
    need picolibc-riscv64-unknown-elf test -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs
    need qemu-system-misc command -v qemu-system-riscv32
    need dpkg-dev command -v dpkg-source
    ;;
avr)
    need gcc-avr command -v avr-gcc
    need avr-libc test -f /usr/lib/avr/include/avr/io.h
    need simavr command -v simavr
    need gcc-xtensa-lx106 command -v xtensa-lx106-elf-gcc  # the ESP8266's size table (no emulator)
    ;;
cmocka-src)
    # cmocka's Debian source (for the Cortex-M builds of the suites):
    #   tests/deps.sh cmocka-src <dir>  leaves it in <dir>
    # through a private apt configuration in <dir>.apt: deb-src entries
    # derived from the machine's own deb entries (tests/apt_sources.sh: the
    # same URIs, suites, components and keyrings), its own lists and cache,
    # and the machine's update hooks cleared. Nothing outside <dir>.apt is
    # written, so neither root nor any change to the system's apt is needed.
    dir=${2:?usage: deps.sh cmocka-src <dir>}
    [ -f "$dir/src/cmocka.c" ] && exit 0
    command -v dpkg-source >/dev/null 2>&1 || { echo "deps.sh cmocka-src needs dpkg-source: make deps-firmware"; exit 1; }
    rm -rf "$dir.apt" && mkdir -p "$dir.apt" || exit 1
    apt=$(cd "$dir.apt" && pwd)          # apt takes absolute paths only
    mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial"
    sh "$(dirname "$0")/apt_sources.sh" > "$apt/sources.list.d/deb-src.sources" || {
        echo "deps.sh cmocka-src: no package archive is configured for apt on this machine"
        exit 1
    }
    : > "$apt/sources.list"
    # The machine's settings (proxies, Acquire options) still apply: read
    # first its APT_CONFIG, if any, and its apt.conf; the parts directory
    # is read as always. The update hooks are cleared, they act on the system.
    sysmain=""
    eval "$(apt-config shell sysmain Dir::Etc::main/f)"
    {
        [ -n "${APT_CONFIG:-}" ] && [ -f "$APT_CONFIG" ] && printf '#include "%s";\n' "$APT_CONFIG"
        [ -f "$sysmain" ] && printf '#include "%s";\n' "$sysmain"
        printf '#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;\n'
        printf '#clear APT::Update::Post-Invoke-Success;\n'
        printf 'APT::Sandbox::User "root";\n'    # no download as _apt into a tree it cannot write
    } > "$apt/apt.conf.main"
    printf 'Dir::Etc::main "%s/apt.conf.main";\n' "$apt" > "$apt/apt.conf"
    private() {
        APT_CONFIG="$apt/apt.conf" apt-get -o Dir::Etc::SourceList="$apt/sources.list" \
            -o Dir::Etc::SourceParts="$apt/sources.list.d" -o Dir::State::Lists="$apt/lists" \
            -o Dir::Cache="$apt/cache" "$@"
    }
    # An index a mirror is still syncing, or an archive without sources,
    # fails apt-get update for that entry alone: apt-get source decides.
    private -qq update || echo "deps.sh cmocka-src: apt-get update reported errors (above); trying apt-get source anyway"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || exit 1
    (cd "$dir.tmp" && private -qq source cmocka > /dev/null) || {
        echo "deps.sh cmocka-src: apt-get source cmocka failed with the private configuration in $apt"
        echo "(its source list, derived from this machine's: $apt/sources.list.d/deb-src.sources)"
        exit 1
    }
    rm -rf "$dir" && mv "$dir.tmp"/cmocka-*/ "$dir" && rm -rf "$dir.tmp"
    exit 0
    ;;
esac

[ -z "$missing" ] && exit 0
echo "make $what needs:$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # A mirror in mid-sync can fail one index of apt-get update; the install
    # decides, and gets one more try after a second update.
    apt_get update -qq || echo "apt-get update reported errors; trying the install anyway"
    apt_get install -y -qq --no-install-recommends $missing && exit 0
    sleep 10
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends $missing && exit 0
    echo "make $what: apt-get could not install:$missing (its messages are above)"
    exit 1
fi
echo "Install them, then run make $what again:"
echo "    sudo apt-get update && sudo apt-get install -y$missing"
exit 1
