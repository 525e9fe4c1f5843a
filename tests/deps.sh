#!/bin/sh
# deps.sh - make sure the packages a make target needs are here.
#   tests/deps.sh run | test | cross | firmware | coverage | bench
# Probes each need; installs what is missing with apt-get when root (after
# apt-get update, as a fresh machine needs), otherwise prints the exact
# command to run and fails.
set -u
what=${1:-test}
missing=""
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

need() { # need <package> <probe command...>
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}

links() { # links <compiler> <flags...>: a C program builds and links
    cc=$1; shift
    printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <math.h>\nint main(void){return (int)sqrtf(1.0f) - 1;}\n' > "$tmp/p.c"
    "$cc" "$@" -x c "$tmp/p.c" -o "$tmp/p" -lm && "$tmp/p"
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
    # the sanitizer runtimes: gcc's come with gcc, clang's are a package of their own
    need libasan8 links gcc -fsanitize=address,undefined
    need libclang-rt-14-dev links clang -fsanitize=address,undefined
    ;;
bench)
    need libopenblas-dev test -f /usr/include/x86_64-linux-gnu/cblas.h -o -f /usr/include/cblas.h
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
    need gcc-12-multilib links gcc -m32
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
    ;;
cmocka-src)
    # cmocka's source from Debian (for the Cortex-M builds of the suites):
    #   tests/deps.sh cmocka-src <dir>  leaves it in <dir>
    dir=${2:?usage: deps.sh cmocka-src <dir>}
    [ -f "$dir/src/cmocka.c" ] && exit 0
    if ! grep -rqs '^deb-src\|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        if [ "$(id -u)" != 0 ]; then
            echo "make firmware needs a deb-src entry for apt-get source cmocka:"
            echo "    echo 'deb-src http://deb.debian.org/debian $(. /etc/os-release; echo $VERSION_CODENAME) main' | sudo tee /etc/apt/sources.list.d/deb-src.list && sudo apt-get update"
            exit 1
        fi
        echo "deb-src http://deb.debian.org/debian $(. /etc/os-release; echo $VERSION_CODENAME) main" \
            > /etc/apt/sources.list.d/linear-h-deb-src.list
        apt-get update -qq || echo "apt-get update reported errors; trying apt-get source anyway"
    fi
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && apt-get source -qq cmocka >/dev/null 2>&1 || apt-get source cmocka) || exit 1
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
    apt-get update -qq || echo "apt-get update reported errors; trying the install anyway"
    apt-get install -y -qq --no-install-recommends $missing && exit 0
    sleep 10
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing || exit 1
    exit 0
fi
echo "Install them, then run make $what again:"
echo "    sudo apt-get update && sudo apt-get install -y$missing"
exit 1
