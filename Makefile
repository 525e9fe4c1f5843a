# linear.h - the two commands of the README, and what stands behind them.
#
#   make run        build the examples and run them; the last line is y = [14, 33]
#   make test       every test: gcc and clang, plain and with ASan+UBSan, C++,
#                   the language-standard matrix, the CMake and pkg-config packaging,
#                   the private apt configuration of make firmware
#   make test-cross the suites on i386, armhf, aarch64 and s390x (big-endian),
#                   the last three under qemu-user (i386 too where the kernel
#                   cannot run 32-bit x86 programs)
#   make firmware   Cortex-M0/M3/M4/M7/M33/M55 in qemu-system-arm: the two-layer
#                   examples and the suites; each layer's flash, instructions
#                   per call and stack at -Os and -O2 (build/fw/sizes.md)
#   make firmware-riscv  rv32imac and rv32imafc in qemu-system-riscv32: the worked
#                   example and the suites; each layer's flash and stack (build/rv/sizes.md)
#   make firmware-avr  an ATmega2560 in simavr (16-bit size_t); AVR and ESP8266
#                   code sizes (build/avr/sizes.md)
#   make bench      linear.h against OpenBLAS, oneDNN, XNNPACK, BLIS and a naive
#                   loop, in one process, built at -O2 and at -O3 -march=native:
#                   bench/results.csv, bench/chart.png
#   make bench-avx2 the AVX2 family against peers held to AVX2 (AVX-512 machines)
#   make bench-sweep  38 small and odd shapes against the same peers
#   make bench-backward  the bias gradient alone: views against buffers
#   make fuzz       FUZZ_SECONDS=60: the differential libFuzzer target
#   make coverage   line and branch coverage of include/linear.h by the suites
#   make valgrind   the suites under valgrind --error-exitcode=1
#   make fixtures   regenerate tests/fixtures from PyTorch (needs python3-torch;
#                   the digits MLP of test_export also python3-sklearn)
#   make install    PREFIX=/usr/local: the header, linear.pc, the CMake package,
#                   the export tool as bin/linear-export
#   make clean
#
# Missing packages are installed with apt-get when run as root (tests/deps.sh);
# otherwise the exact command to run is printed.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
PYTHON  ?= /usr/bin/python3

HEADER   := include/linear.h
VERSION  := $(shell sed -n 's/^\#define LIN_VERSION_STRING "\(.*\)"/\1/p' include/linear.h)
EXAMPLES := nn_linear custom_layer matmul functional train_iris lora_finetune digits/digits \
            worked_example                     # worked_example last: its line ends make run
TESTS    := $(basename $(notdir $(wildcard tests/test_*.c)))
TEST_SRC := $(wildcard tests/*.c tests/*.h)   # a suite may include another (test_s8_single.c)

# The strict flags every C build uses; -O2 for the plain builds, and the
# sanitizers stop at the first finding.
CSTD     := -std=c99 -Wall -Wextra -Wpedantic -Werror
CXXSTD   := -std=c++11 -Wall -Wextra -Wpedantic -Werror
OPT      := -O2 -g
SAN      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
INCLUDES := -Iinclude
TESTLIBS := -lcmocka -lm

# Every test binary, for each build: build/<variant>/<test>. Each SIMD width
# of the kernels gets its own build (x86-64's baseline is SSE2); AVX2,
# AVX-512 and AVX-512 VNNI (the int8 kernel) run where this CPU has them,
# and say so where it does not; NEON runs in make test-cross (aarch64).
# gcc-san-nopack is the Cortex-M configuration (LIN_PACK 0: the direct
# kernels only, built for size as firmware is) under the sanitizers;
# gcc-native is what a user's release build looks like (-O3 -march=native,
# where GCC's flow warnings go deepest). The OpenMP build checks that one
# and two threads give the same bits.
HAVE_AVX2   := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo 1)
HAVE_AVX512 := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo 1)
HAVE_VNNI   := $(shell grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && echo 1)
VARIANTS  := gcc-plain gcc-san clang-plain clang-san gcc-nosimd gcc-san-nopack gcc-openmp gcc-native \
             $(if $(HAVE_AVX2),gcc-avx2) $(if $(HAVE_AVX512),gcc-avx512 clang-san-avx512) \
             $(if $(HAVE_VNNI),gcc-vnni clang-san-vnni)
CFLAGS_gcc-plain       := $(OPT)
CFLAGS_clang-plain     := $(OPT)
CFLAGS_gcc-san         := $(SAN)
CFLAGS_clang-san       := $(SAN)
CFLAGS_gcc-nosimd      := $(OPT) -DLIN_NO_SIMD
CFLAGS_gcc-san-nopack  := $(SAN) -Os -DLIN_PACK=0
CFLAGS_gcc-openmp      := $(OPT) -fopenmp
CFLAGS_gcc-native      := -O3 -g -march=native
CFLAGS_gcc-avx2        := $(OPT) -mavx2 -mfma
CFLAGS_gcc-avx512      := $(OPT) -mavx512f -mfma
CFLAGS_clang-san-avx512 := $(SAN) -mavx512f -mfma
CFLAGS_gcc-vnni        := $(OPT) -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma
CFLAGS_clang-san-vnni  := $(SAN) -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma
TEST_BINS := $(foreach v,$(VARIANTS),$(addprefix $(BUILD)/$(v)/,$(TESTS)))
CPP_BINS  := $(BUILD)/g++/test_cpp $(BUILD)/clang++/test_cpp

.PHONY: bench-backward bench-avx2 all run test test-c test-cpp test-safetensors test-std test-config test-link test-modules test-packaging test-apt test-dispatch test-cross \
        deps-run deps-test deps-cross deps-firmware deps-riscv deps-avr deps-bench bench bench-sweep firmware firmware-riscv firmware-avr \
        fuzz coverage \
        valgrind fixtures \
        install uninstall clean

all: run

# ---- make run: the examples ----

$(BUILD)/examples/%: examples/%.c $(HEADER) | deps-run
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) $(INCLUDES) $< -o $@ -lm

# the digits example's generated headers (examples/digits/train_digits.py)
$(BUILD)/examples/digits/digits: examples/digits/digits.h examples/digits/digits_s8.h

run: $(addprefix $(BUILD)/examples/,$(EXAMPLES))
	@for e in $(EXAMPLES); do \
	    echo; echo "== examples/$$e.c"; \
	    ./$(BUILD)/examples/$$e || { echo "examples/$$e.c FAILED"; exit 1; }; \
	done

# ---- make test ----

deps-run:
	@sh tests/deps.sh run
deps-test:
	@sh tests/deps.sh test

define test_rule
$(BUILD)/$(1)/%: tests/%.c $(TEST_SRC) $(HEADER) | deps-test
	@mkdir -p $$(@D)
	$(firstword $(subst -, ,$(1))) $(CSTD) $(CFLAGS_$(1)) $(INCLUDES) $$< -o $$@ $(TESTLIBS)
endef
$(foreach v,$(VARIANTS),$(eval $(call test_rule,$(v))))

$(BUILD)/%/test_cpp: tests/test_cpp.cpp $(HEADER) | deps-test
	@mkdir -p $(@D)
	$* $(CXXSTD) $(OPT) $(INCLUDES) $< -o $@

test: test-c test-cpp test-std test-config test-link test-modules test-packaging test-apt test-dispatch \
      test-safetensors
	@echo; echo "make test: all passed"

# Files written by linear.h's safetensors writer, checked by the
# independent reader (plain python3, written from the format's rules)
$(BUILD)/st_write: tests/st_write.c $(HEADER) | deps-test
	@mkdir -p $(@D)
	gcc $(CSTD) $(OPT) $(INCLUDES) $< -o $@ -lm
test-safetensors: $(BUILD)/st_write
	@rm -rf $(BUILD)/st && mkdir -p $(BUILD)/st && ./$(BUILD)/st_write $(BUILD)/st && \
	    python3 tests/safetensors_check.py $(BUILD)/st/*.safetensors

# Runs from the repository root: the fixture tests read tests/fixtures/.
test-c: $(TEST_BINS)
	@$(if $(HAVE_AVX2),,echo "note: this CPU has no AVX2+FMA: the AVX2 build is not run here";) \
	 $(if $(HAVE_AVX512),,echo "note: this CPU has no AVX-512: the AVX-512 builds are not run here";) \
	 $(if $(HAVE_VNNI),,echo "note: this CPU has no AVX-512 VNNI: the VNNI builds are not run here";) \
	 for t in $(TEST_BINS); do \
	    echo "== $$t"; \
	    ./$$t > $$t.log 2>&1 || { cat $$t.log; echo "$$t FAILED"; exit 1; }; \
	    grep -h "PASSED" $$t.log; \
	done

test-cpp: $(CPP_BINS)
	@for t in $(CPP_BINS); do echo "== $$t"; ./$$t || exit 1; done

# The language-standard matrix: tests/compile_check.c calls every function;
# each cell compiles it with warnings as errors. C89 needs LIN_NO_SIMD; one
# more cell defines LIN_SQRTF and LIN_LOGF, so <math.h> is not included.
C_STDS   := c99 c11 c17
CXX_STDS := c++98 c++11 c++17
test-std: | deps-test
	@for cc in gcc clang; do \
	    for std in $(C_STDS); do \
	        $$cc -std=$$std -Wall -Wextra -Wpedantic -Werror -O2 $(INCLUDES) \
	            -c tests/compile_check.c -o /dev/null || exit 1; \
	        echo "$$cc -std=$$std: ok"; \
	    done; \
	    $$cc -std=c89 -pedantic-errors -Wall -Wextra -Werror -O2 -DLIN_NO_SIMD $(INCLUDES) \
	        -c tests/compile_check.c -o /dev/null || exit 1; \
	    echo "$$cc -std=c89 -pedantic-errors -DLIN_NO_SIMD: ok"; \
	    $$cc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 '-DLIN_SQRTF(x)=(x)' '-DLIN_LOGF(x)=(x)' \
	        $(INCLUDES) -c tests/compile_check.c -o /dev/null || exit 1; \
	    echo "$$cc -std=c99 without <math.h>: ok"; \
	done
	@for cxx in g++ clang++; do \
	    for std in $(CXX_STDS); do \
	        $$cxx -x c++ -std=$$std -Wall -Wextra -Wpedantic -Werror -O2 $(INCLUDES) \
	            -c tests/compile_check.c -o /dev/null || exit 1; \
	        echo "$$cxx -std=$$std: ok"; \
	    done; \
	done
	@for sw in $(MOD_SWITCHES); do \
	    d="-D$$sw"; [ $$sw = all ] && d="$(MOD_ALL)"; \
	    for cc in "gcc -std=c99 -Wpedantic" "clang -std=c11 -Wpedantic" "g++ -x c++ -std=c++11 -Wpedantic" \
	              "gcc -std=c89 -pedantic-errors -DLIN_NO_SIMD"; do \
	        $$cc -Wall -Wextra -Werror -O2 $$d $(INCLUDES) -c tests/compile_check.c -o /dev/null || exit 1; \
	    done; \
	    echo "compile_check with $$d: ok (C89, C99, C11, C++11)"; \
	done
	@for cc in gcc clang g++; do \
	    x=; [ $$cc = g++ ] && x="-x c++"; inc=$$($$cc -print-file-name=include); \
	    for d in "" "-DLIN_SQRTF(x)=(x) -DLIN_LOGF(x)=(x) -DLIN_EXPF(x)=(x) -DLIN_SQRT(x)=(x)"; do \
	        $$cc $$x -Wall -Wextra -Wpedantic -Werror -O2 -ffreestanding -nostdinc -isystem $$inc $$d $(INCLUDES) \
	            -c tests/freestanding_check.c -o /dev/null || exit 1; \
	    done; \
	    echo "$$cc -ffreestanding -nostdinc, the compiler's own headers only (with and without the math macros): ok"; \
	done
	@gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -DLIN_FREESTANDING $(INCLUDES) -c tests/freestanding_check.c \
	    -o $(BUILD)/freestanding.o && ! nm $(BUILD)/freestanding.o | grep -qwE 'memcpy|memset|memcmp|strlen|sqrtf|logf|expf|sqrt|tanhf|erff' && \
	    echo "-DLIN_FREESTANDING: ok, no C library symbol"
	@clang -std=c99 -Wall -Wextra -Wpedantic -Werror -O1 -fsanitize=address,undefined $(INCLUDES) \
	    -c tests/test_s8.c -o /dev/null && \
	    echo "clang -O1 -fsanitize=address,undefined, frame pointer omitted (the int8 kernels): ok"
	@gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -fopenmp -DLIN_NO_OPENMP $(INCLUDES) -c tests/compile_check.c -o $(BUILD)/noomp.o && \
	    ! nm $(BUILD)/noomp.o | grep -q GOMP && echo "-fopenmp -DLIN_NO_OPENMP: ok, no OpenMP call"
	@bad=$$(LC_ALL=C grep -lP '[^\x00-\x7F]' $(HEADER) tests/*.c tests/*.h tests/*.cpp tests/*.py tests/*.sh \
	        tests/link/* examples/*.c examples/firmware/*.c examples/firmware/*.h examples/digits/*.[ch] \
	        examples/digits/*.py tools/*.py bench/*.c); \
	    if [ -n "$$bad" ]; then echo "non-ASCII characters in: $$bad"; exit 1; fi; echo "source: ASCII only"

# Every configuration value outside what is allowed stops the build, with
# an #error that names the setting: each one here must fail to compile and
# say why.
BAD_CONFIGS := LIN_MAX_DIMS=1:LIN_MAX_DIMS LIN_PACK=2:LIN_PACK LIN_PACK_KC=0:LIN_PACK_KC \
               LIN_PACK_MC=5:LIN_PACK_MC LIN_PACK_MC=0:LIN_PACK_MC LIN_PACK_NC=20:LIN_PACK_NC \
               LIN_STACK_BUDGET=4096:LIN_STACK_BUDGET LIN_API=:LIN_API LIN_API=extern:LIN_API
test-config: | deps-test
	@mkdir -p $(BUILD)
	@for c in $(BAD_CONFIGS); do \
	    def=$${c%%:*}; name=$${c##*:}; \
	    if gcc -std=c99 -O2 -D$$def $(INCLUDES) -c tests/compile_check.c -o /dev/null 2> $(BUILD)/config.err; then \
	        echo "-D$$def compiled: it must not"; exit 1; fi; \
	    grep -q "#error \"linear.h: $$name" $(BUILD)/config.err || { cat $(BUILD)/config.err; \
	        echo "-D$$def: no #error naming $$name"; exit 1; }; \
	    echo "-D$$def refused: $$(grep -o 'linear.h: [^"]*' $(BUILD)/config.err | head -n 1 | cut -c1-90)"; \
	done

# One copy per program: tests/link/ is three translation units calling
# lin_linear_f32 and one that holds the code (LIN_IMPLEMENTATION), linked
# as C and as C++; exactly one object defines lin_linear_f32.
LINK_SRC := link_impl link_a link_b link_main
test-link: | deps-test
	@for cc in "gcc -std=c99" "clang -std=c11" "g++ -x c++ -std=c++11" "clang++ -x c++ -std=c++17"; do \
	    d=$(BUILD)/link/$$(echo $$cc | cut -d' ' -f1); mkdir -p $$d; \
	    for f in $(LINK_SRC); do \
	        $$cc -Wall -Wextra -Wpedantic -Werror -O2 $(INCLUDES) -c tests/link/$$f.c -o $$d/$$f.o || exit 1; \
	    done; \
	    $${cc%% *} $$d/*.o -o $$d/prog -lm && ./$$d/prog || { echo "$$cc: three-unit program FAILED"; exit 1; }; \
	    n=$$(nm $$d/*.o | grep -c ' T lin_linear_f32$$'); \
	    [ "$$n" = 1 ] || { echo "$$cc: lin_linear_f32 defined $$n times"; exit 1; }; \
	    echo "$$cc: three units and LIN_IMPLEMENTATION link, one copy of the code"; \
	done

# Run-time dispatch: a plain -O2 build runs every kernel family this CPU
# has (the suites' build/<variant>/test_dispatch checks each against the
# reference); here each family's output bits, as hashes over the shapes of
# tests/test_dispatch.c, must equal those of a build that compiles that one
# family in with -m flags and LIN_NO_DISPATCH, under gcc and clang alike.
DISPATCH_FIXED := sse2:-DLIN_NO_DISPATCH $(if $(HAVE_AVX2),avx2:-mavx2@-mfma@-DLIN_NO_DISPATCH) \
                  $(if $(HAVE_AVX512),avx512:-mavx512f@-mfma@-DLIN_NO_DISPATCH)
test-dispatch: | deps-test
	@mkdir -p $(BUILD)/dispatch
	@for cc in gcc clang; do \
	    d=$(BUILD)/dispatch/$$cc; mkdir -p $$d; \
	    $$cc $(CSTD) $(OPT) $(INCLUDES) tests/test_dispatch.c -o $$d/all $(TESTLIBS) || exit 1; \
	    ./$$d/all digest > $$d/all.txt || exit 1; \
	    for f in $(DISPATCH_FIXED); do \
	        isa=$${f%%:*}; flags=$$(echo $${f#*:} | tr @ ' '); \
	        $$cc $(CSTD) $(OPT) $$flags $(INCLUDES) tests/test_dispatch.c -o $$d/$$isa $(TESTLIBS) || exit 1; \
	        ./$$d/$$isa digest > $$d/$$isa.txt || exit 1; \
	        [ -s $$d/$$isa.txt ] && grep "^$$isa " $$d/all.txt | cmp -s - $$d/$$isa.txt || { \
	            echo "$$cc: family $$isa differs between run-time dispatch and $$flags:"; \
	            grep "^$$isa " $$d/all.txt | diff - $$d/$$isa.txt; exit 1; }; \
	        echo "$$cc: $$isa chosen at run time = $$isa compiled with $$flags ($$(wc -l < $$d/$$isa.txt) shapes, same bits)"; \
	    done; \
	done

# The modules that can be left out: every suite that remains, built and
# run with each LIN_NO_* switch alone and with all of them (gcc -O1).
MOD_SWITCHES := LIN_NO_TRAIN LIN_NO_LORA LIN_NO_NPY LIN_NO_SAFETENSORS LIN_NO_INT8 LIN_NO_WFORMATS all
MOD_ALL      := -DLIN_NO_TRAIN -DLIN_NO_LORA -DLIN_NO_NPY -DLIN_NO_SAFETENSORS -DLIN_NO_INT8 -DLIN_NO_WFORMATS
MOD_OUT_LIN_NO_TRAIN := test_train
MOD_OUT_LIN_NO_INT8  := test_s8 test_s8_single
MOD_OUT_LIN_NO_WFORMATS := test_wformats
MOD_OUT_LIN_NO_SAFETENSORS := test_safetensors
MOD_OUT_all          := test_train test_s8 test_s8_single test_export test_wformats test_safetensors
MOD_BINS := $(foreach w,$(MOD_SWITCHES),$(addprefix $(BUILD)/mod-$(w)/,$(filter-out $(MOD_OUT_$(w)),$(TESTS))))
define mod_rule
$(BUILD)/mod-$(1)/%: tests/%.c $(TEST_SRC) $(HEADER) | deps-test
	@mkdir -p $$(@D)
	gcc $(CSTD) -O1 $(if $(filter all,$(1)),$(MOD_ALL),-D$(1)) $(INCLUDES) $$< -o $$@ $(TESTLIBS)
endef
$(foreach w,$(MOD_SWITCHES),$(eval $(call mod_rule,$(w))))
test-modules: $(MOD_BINS)
	@for t in $(MOD_BINS); do \
	    ./$$t > $$t.log 2>&1 || { cat $$t.log; echo "$$t FAILED"; exit 1; }; \
	done; echo "modules: $(words $(MOD_BINS)) suite builds pass with LIN_NO_TRAIN, _LORA, _NPY, _SAFETENSORS, _INT8, _WFORMATS and all six"

# The header as a package: make install into a scratch prefix, then a
# program that trains (libm: sqrtf, logf, expf) built with nothing but what
# the package gives, through pkg-config, through CMake's find_package and
# through add_subdirectory; and the installed export tool's --help (which
# needs no PyTorch).
PKG_PREFIX := $(CURDIR)/$(BUILD)/pkg/prefix
test-packaging: | deps-test
	@rm -rf $(BUILD)/pkg && mkdir -p $(BUILD)/pkg
	@$(MAKE) --no-print-directory install PREFIX=$(PKG_PREFIX) > /dev/null
	@echo "== pkg-config: $$(PKG_CONFIG_PATH=$(PKG_PREFIX)/share/pkgconfig pkg-config --cflags --libs linear)"
	cc $(CSTD) -O2 $$(PKG_CONFIG_PATH=$(PKG_PREFIX)/share/pkgconfig pkg-config --cflags linear) \
	    tests/cmake/consumer.c -o $(BUILD)/pkg/pc $$(PKG_CONFIG_PATH=$(PKG_PREFIX)/share/pkgconfig pkg-config --libs linear)
	./$(BUILD)/pkg/pc > $(BUILD)/pkg/pc.log && tail -n 1 $(BUILD)/pkg/pc.log
	@echo "== cmake find_package"
	cmake -S tests/cmake -B $(BUILD)/pkg/find -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=$(PKG_PREFIX) > /dev/null
	cmake --build $(BUILD)/pkg/find > /dev/null
	./$(BUILD)/pkg/find/consumer > $(BUILD)/pkg/find.log && tail -n 1 $(BUILD)/pkg/find.log
	@echo "== cmake add_subdirectory"
	cmake -S tests/cmake -B $(BUILD)/pkg/sub -DCMAKE_BUILD_TYPE=Release -DLINEAR_SOURCE_DIR=$(CURDIR) > /dev/null
	cmake --build $(BUILD)/pkg/sub > /dev/null
	./$(BUILD)/pkg/sub/consumer > $(BUILD)/pkg/sub.log && tail -n 1 $(BUILD)/pkg/sub.log
	@echo "== cmake --install, then find_package"
	cmake -S . -B $(BUILD)/pkg/self -DCMAKE_INSTALL_PREFIX=$(CURDIR)/$(BUILD)/pkg/cmprefix > /dev/null
	cmake --install $(BUILD)/pkg/self > /dev/null
	cmake -S tests/cmake -B $(BUILD)/pkg/find2 -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=$(CURDIR)/$(BUILD)/pkg/cmprefix > /dev/null
	cmake --build $(BUILD)/pkg/find2 > /dev/null
	./$(BUILD)/pkg/find2/consumer > $(BUILD)/pkg/find2.log && tail -n 1 $(BUILD)/pkg/find2.log
	grep -q '^Libs: -lm' $(BUILD)/pkg/cmprefix/share/pkgconfig/linear.pc
	@echo "== linear-export --help"
	$(PKG_PREFIX)/bin/linear-export --help > $(BUILD)/pkg/export-help.txt && head -n 1 $(BUILD)/pkg/export-help.txt
	$(BUILD)/pkg/cmprefix/bin/linear-export --help > /dev/null

# The private apt configuration behind make firmware's cmocka source: its
# source list derived from sample machine configurations (tests/apt_sources.sh).
test-apt:
	@sh tests/test_apt_sources.sh

# ---- make test-cross: other word sizes and byte orders ----

# Debian's cross compilers and qemu-user; i386 runs natively. Dynamic links
# find their loader and libcmocka through multiarch (/lib/<triplet>), so
# qemu needs no -L. aarch64 runs twice: as plain ARMv8 (NEON) and with the
# dot product extension (the int8 layer's sdot kernel) on QEMU's "max" CPU.
CROSS        := i386 armhf aarch64 aarch64-dot s390x
CROSS_CC_i386        := gcc -m32
CROSS_CC_armhf       := arm-linux-gnueabihf-gcc
CROSS_CC_aarch64     := aarch64-linux-gnu-gcc
CROSS_CC_aarch64-dot := aarch64-linux-gnu-gcc -march=armv8.2-a+dotprod
CROSS_CC_s390x       := s390x-linux-gnu-gcc
# i386 natively where the kernel runs 32-bit x86 programs (its loader
# answers), else under qemu-i386: some VM kernels are built without that
CROSS_RUN_i386        = $$(/lib/ld-linux.so.2 --version >/dev/null 2>&1 || echo qemu-i386)
CROSS_RUN_armhf       := qemu-arm
CROSS_RUN_aarch64     := qemu-aarch64
CROSS_RUN_aarch64-dot := qemu-aarch64 -cpu max
CROSS_RUN_s390x       := qemu-s390x
CROSS_BINS := $(foreach a,$(CROSS),$(addprefix $(BUILD)/cross-$(a)/,$(TESTS)))

deps-cross:
	@sh tests/deps.sh cross

define cross_rule
$(BUILD)/cross-$(1)/%: tests/%.c $(TEST_SRC) $(HEADER) | deps-cross
	@mkdir -p $$(@D)
	$(CROSS_CC_$(1)) $(CSTD) $(OPT) $(INCLUDES) $$< -o $$@ $(TESTLIBS)
endef
$(foreach a,$(CROSS),$(eval $(call cross_rule,$(a))))

test-cross: $(CROSS_BINS)
	@$(foreach a,$(CROSS),for t in $(TESTS); do \
	    b=$(BUILD)/cross-$(a)/$$t; \
	    $(CROSS_RUN_$(a)) ./$$b > $$b.log 2>&1 || { cat $$b.log; echo "$(a) $$t FAILED"; exit 1; }; \
	    printf '%-12s %-15s %s\n' $(a) $$t "$$(grep -h PASSED $$b.log)"; \
	done;)

# ---- make firmware: bare-metal Cortex-M under qemu-system-arm ----

# Per board: the QEMU machine is the board's name; its CPU flags, linker
# script, optimisation and defines. The M55 builds at -O2 (GCC 12 at -Os
# once emitted an instruction in an IT block there that gas refused; its
# suites now also run at -Os, below).
FW_BOARDS := microbit mps2-an385 mps2-an386 mps2-an500 mps2-an505 mps3-an547
FW_CPU_microbit   := -mcpu=cortex-m0 -mfloat-abi=soft
FW_CPU_mps2-an385 := -mcpu=cortex-m3 -mfloat-abi=soft
FW_CPU_mps2-an386 := -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard
FW_CPU_mps2-an500 := -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard
FW_CPU_mps2-an505 := -mcpu=cortex-m33 -mfpu=fpv5-sp-d16 -mfloat-abi=hard
FW_CPU_mps3-an547 := -mcpu=cortex-m55 -mfloat-abi=hard
FW_LD_microbit    := microbit
FW_LD_mps2-an385  := mps2
FW_LD_mps2-an386  := mps2
FW_LD_mps2-an500  := mps2
FW_LD_mps2-an505  := an505
FW_LD_mps3-an547  := an547
FW_OPT_mps3-an547 := -O2
FW_DEFS_microbit  := -DFW_SMALL -DTEST_SMALL_RAM       # 16 KiB of RAM
FW_CC     := arm-none-eabi-gcc
FW_DIR    := examples/firmware
CMOCKA_SRC := $(BUILD)/cmocka-src
# -fno-tree-loop-distribute-patterns: the startup's copy loops must not turn
# into calls to memcpy, which the libc-free example does not have.
FW_CFLAGS  = -std=c99 -Wall -Wextra -Wpedantic -Werror -g -mthumb $(FW_CPU_$(1)) \
             $(or $(FW_OPT_$(1)),-Os) $(FW_DEFS_$(1)) -DFW_CORE='"$(1)"' \
             -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
             $(INCLUDES) -I$(FW_DIR) -L$(FW_DIR)/link -T $(FW_DIR)/link/$(FW_LD_$(1)).ld
FW_QEMU    = timeout 300 qemu-system-arm -M $(1) -nographic -semihosting-config enable=on,target=native -kernel
# the examples run with a virtual clock that counts instructions (fw_count.h)
FW_QEMU_COUNT = timeout 300 qemu-system-arm -M $(1) -icount shift=0 -nographic -semihosting-config enable=on,target=native -kernel

deps-firmware:
	@sh tests/deps.sh firmware
$(CMOCKA_SRC)/src/cmocka.c: | deps-firmware
	@sh tests/deps.sh cmocka-src $(CMOCKA_SRC)

define fw_rule
# the two-layer example: no libc, no libm, only libgcc
$(BUILD)/fw/$(1)/mlp.elf: $(FW_DIR)/main.c $(FW_DIR)/startup.c $(FW_DIR)/fw_math.h $(FW_DIR)/semihost.h $(FW_DIR)/fw_count.h $(FW_DIR)/fw_stack.h $(HEADER) | deps-firmware
	@mkdir -p $$(@D)
	$(FW_CC) $(call FW_CFLAGS,$(1)) -nostdlib -Wl,--gc-sections $(FW_DIR)/startup.c $(FW_DIR)/main.c -lgcc -o $$@
# cmocka's own source, for newlib with semihosting (librdimon)
$(BUILD)/fw/$(1)/cmocka.o: $(CMOCKA_SRC)/src/cmocka.c
	@mkdir -p $$(@D)
	$(FW_CC) -std=gnu99 -O2 -mthumb $(FW_CPU_$(1)) -DHAVE_SIGNAL_H -DHAVE_STRINGS_H \
	    -DHAVE_INTTYPES_H -DHAVE_MALLOC_H -I$(CMOCKA_SRC)/include -c $$< -o $$@
# each suite, as on the host, with newlib's stdio over semihosting (GCC 12 at
# -Os warns of the out-of-bounds writes test_validation.c's deliberately
# wrong calls would make if they were not refused: those warnings off)
$(BUILD)/fw/$(1)/%.elf: tests/%.c $(TEST_SRC) $(HEADER) $(FW_DIR)/startup.c $(BUILD)/fw/$(1)/cmocka.o
	$(FW_CC) $(call FW_CFLAGS,$(1)) -Wno-array-bounds -Wno-stringop-overflow \
	    -Wno-aggressive-loop-optimizations -DFW_NEWLIB \
	    -I$(CMOCKA_SRC)/include --specs=rdimon.specs \
	    -nostartfiles $(FW_DIR)/startup.c $(BUILD)/fw/$(1)/cmocka.o $$< -lm -o $$@
# the int8 network: no libc, no libm either
$(BUILD)/fw/$(1)/mlp_s8.elf: $(FW_DIR)/main_s8.c $(FW_DIR)/mlp_s8.h $(FW_DIR)/startup.c $(FW_DIR)/semihost.h $(FW_DIR)/fw_count.h $(FW_DIR)/fw_stack.h $(HEADER) | deps-firmware
	@mkdir -p $$(@D)
	$(FW_CC) $(call FW_CFLAGS,$(1)) -nostdlib -Wl,--gc-sections $(FW_DIR)/startup.c $(FW_DIR)/main_s8.c -lgcc -o $$@
# each layer's instructions per call and stack, at -Os and at -O2
$(BUILD)/fw/$(1)/shapes-Os.elf $(BUILD)/fw/$(1)/shapes-O2.elf: $(BUILD)/fw/$(1)/shapes-%.elf: $(FW_DIR)/shapes.c $(FW_DIR)/startup.c $(FW_DIR)/semihost.h $(FW_DIR)/fw_count.h $(FW_DIR)/fw_stack.h $(HEADER) | deps-firmware
	@mkdir -p $$(@D)
	$(FW_CC) $(call FW_CFLAGS,$(1)) -$$* -nostdlib -Wl,--gc-sections $(FW_DIR)/startup.c $(FW_DIR)/shapes.c -lgcc -o $$@
# each layer alone (float, int8, int8 prepared) at -Os and at -O2, for the
# size table: the object, and linked with what it pulls in from libgcc
$(BUILD)/fw/$(1)/%-Os.o: $(FW_DIR)/%.c $(HEADER) | deps-firmware
	@mkdir -p $$(@D)
	$(FW_CC) -std=c99 -Wall -Wextra -Werror -mthumb $(FW_CPU_$(1)) -Os $(INCLUDES) -c $$< -o $$@
$(BUILD)/fw/$(1)/%-O2.o: $(FW_DIR)/%.c $(HEADER) | deps-firmware
	@mkdir -p $$(@D)
	$(FW_CC) -std=c99 -Wall -Wextra -Werror -mthumb $(FW_CPU_$(1)) -O2 $(INCLUDES) -c $$< -o $$@
$(BUILD)/fw/$(1)/%.lib.elf: $(BUILD)/fw/$(1)/%.o
	$(FW_CC) -mthumb $(FW_CPU_$(1)) -nostdlib -Wl,--gc-sections \
	    $$(addprefix -Wl$$(comma)-u$$(comma),$$(shell arm-none-eabi-nm $$< | awk '$$$$2=="T"{print $$$$3}')) \
	    -Wl,-e,$$(shell arm-none-eabi-nm $$< | awk '$$$$2=="T"{print $$$$3; exit}') $$< -lgcc -o $$@
endef
comma := ,
$(foreach b,$(FW_BOARDS),$(eval $(call fw_rule,$(b))))

# The suites that reach the kernels another level builds, run there too:
# the M4 at -O2 (with a float unit, four rows of W and two steps of k a
# pass; -Os takes two rows) and the M55 at -Os (its Helium float kernel
# built for size: four rows of W always, missing ones repeated; -O2 has a
# two-row mode). board:level pairs; build/fw/<board>/<level>/.
FW_LEVEL_TESTS := test_linear test_dispatch test_matmul test_fixtures test_s8 test_s8_single
FW_LEVELS := mps2-an386:O2 mps3-an547:Os
define fw_level_rule
$(BUILD)/fw/$(1)/$(2)/%.elf: tests/%.c $(TEST_SRC) $(HEADER) $(FW_DIR)/startup.c $(BUILD)/fw/$(1)/cmocka.o
	@mkdir -p $$(@D)
	$(FW_CC) $(call FW_CFLAGS,$(1)) -$(2) -Wno-array-bounds -Wno-stringop-overflow \
	    -Wno-aggressive-loop-optimizations -DFW_NEWLIB \
	    -I$(CMOCKA_SRC)/include --specs=rdimon.specs \
	    -nostartfiles $(FW_DIR)/startup.c $(BUILD)/fw/$(1)/cmocka.o $$< -lm -o $$@
endef
$(foreach l,$(FW_LEVELS),$(eval $(call fw_level_rule,$(word 1,$(subst :, ,$(l))),$(word 2,$(subst :, ,$(l))))))

# The micro:bit's 16 KiB of RAM holds two of the four shapes: its Cortex-M0
# code also runs on the mps2-an385 board, whose Cortex-M3 executes the same
# Thumb-1 instructions, for all four
FW_M0_BIG = -std=c99 -Wall -Wextra -Wpedantic -Werror -g -mthumb $(FW_CPU_microbit) -DFW_CORE='"microbit"' \
            -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
            $(INCLUDES) -I$(FW_DIR) -L$(FW_DIR)/link -T $(FW_DIR)/link/mps2.ld
$(BUILD)/fw/microbit/shapes-big-Os.elf $(BUILD)/fw/microbit/shapes-big-O2.elf: $(BUILD)/fw/microbit/shapes-big-%.elf: $(FW_DIR)/shapes.c $(FW_DIR)/startup.c $(FW_DIR)/semihost.h $(FW_DIR)/fw_count.h $(FW_DIR)/fw_stack.h $(HEADER) | deps-firmware
	@mkdir -p $(@D)
	$(FW_CC) $(FW_M0_BIG) -$* -nostdlib -Wl,--gc-sections $(FW_DIR)/startup.c $(FW_DIR)/shapes.c -lgcc -o $@
# and the int8 suites in Cortex-M0 code at -O2 there (the micro:bit's
# suites build at -Os; at -O2 the M0 requantizes inline, lin__rq_down)
FW_M0_O2_TESTS := test_s8 test_s8_single
$(BUILD)/fw/microbit/big-O2/%.elf: tests/%.c $(TEST_SRC) $(HEADER) $(FW_DIR)/startup.c $(BUILD)/fw/microbit/cmocka.o
	@mkdir -p $(@D)
	$(FW_CC) $(FW_M0_BIG) -O2 -Wno-array-bounds -Wno-stringop-overflow -Wno-aggressive-loop-optimizations \
	    -DFW_NEWLIB -I$(CMOCKA_SRC)/include --specs=rdimon.specs \
	    -nostartfiles $(FW_DIR)/startup.c $(BUILD)/fw/microbit/cmocka.o $< -lm -o $@

# Three call sites of lin_linear_f32 on the Cortex-M4 (tests/link), linked
# with the code static inline in each unit and with one copy
# (LIN_IMPLEMENTATION): the flash of both, for the size table.
FW_LINK := $(FW_DIR)/startup.c tests/link/link_a.c tests/link/link_b.c tests/link/link_main.c
$(BUILD)/fw/link-static.elf: $(FW_LINK) tests/link/link.h $(HEADER) | deps-firmware
	@mkdir -p $(@D)
	$(FW_CC) $(call FW_CFLAGS,mps2-an386) -DLINK_STATIC -nostdlib -Wl,--gc-sections $(FW_LINK) -lgcc -o $@
$(BUILD)/fw/link-impl.elf: $(FW_LINK) tests/link/link_impl.c tests/link/link.h $(HEADER) | deps-firmware
	@mkdir -p $(@D)
	$(FW_CC) $(call FW_CFLAGS,mps2-an386) -nostdlib -Wl,--gc-sections $(FW_LINK) tests/link/link_impl.c -lgcc -o $@

# The suites each board runs: all of them, but for the training suite and
# the generated forwards' (which reads 19 KB safetensors files) on the
# micro:bit, whose 16 KiB of RAM cannot hold their cases (they run on the
# other five boards, the soft-float Cortex-M3 among them).
FW_TESTS = $(filter-out test_stack $(if $(filter microbit,$(1)),test_train test_export_forward),$(TESTS))
FW_SIZES := size size_s8 size_s8p
FW_ELFS := $(foreach b,$(FW_BOARDS),$(BUILD)/fw/$(b)/mlp.elf $(BUILD)/fw/$(b)/mlp_s8.elf \
             $(foreach o,Os O2,$(BUILD)/fw/$(b)/shapes-$(o).elf \
                 $(foreach z,$(FW_SIZES),$(BUILD)/fw/$(b)/$(z)-$(o).o $(BUILD)/fw/$(b)/$(z)-$(o).lib.elf)) \
             $(addprefix $(BUILD)/fw/$(b)/,$(addsuffix .elf,$(call FW_TESTS,$(b))))) \
           $(BUILD)/fw/microbit/shapes-big-Os.elf $(BUILD)/fw/microbit/shapes-big-O2.elf \
           $(addprefix $(BUILD)/fw/microbit/big-O2/,$(addsuffix .elf,$(FW_M0_O2_TESTS))) \
           $(foreach l,$(FW_LEVELS),$(addprefix $(BUILD)/fw/$(subst :,/,$(l))/,$(addsuffix .elf,$(FW_LEVEL_TESTS)))) \
           $(BUILD)/fw/link-static.elf $(BUILD)/fw/link-impl.elf

# Runs everything (main's return value is QEMU's exit status), checks that
# each layer also builds at -O0 and with a frame pointer (r7 taken: the
# assembly kernels' register counts), with GCC and with clang (which takes
# the kernels' C where GCC takes their assembly), then writes the size table
# to build/fw/sizes.md.
firmware: $(FW_ELFS)
	@$(foreach b,$(FW_BOARDS),\
	    $(call FW_QEMU_COUNT,$(b)) $(BUILD)/fw/$(b)/mlp.elf > $(BUILD)/fw/$(b)/mlp.log 2>&1 \
	        || { cat $(BUILD)/fw/$(b)/mlp.log; echo "$(b): two-layer example FAILED"; exit 1; }; \
	    printf '%-11s %-14s %s\n' $(b) mlp "$$(tail -n 1 $(BUILD)/fw/$(b)/mlp.log)"; \
	    $(call FW_QEMU_COUNT,$(b)) $(BUILD)/fw/$(b)/mlp_s8.elf > $(BUILD)/fw/$(b)/mlp_s8.log 2>&1 \
	        || { cat $(BUILD)/fw/$(b)/mlp_s8.log; echo "$(b): int8 example FAILED"; exit 1; }; \
	    printf '%-11s %-14s %s\n' $(b) mlp_s8 "$$(tail -n 1 $(BUILD)/fw/$(b)/mlp_s8.log)"; \
	    for t in $(call FW_TESTS,$(b)); do \
	        $(call FW_QEMU,$(b)) $(BUILD)/fw/$(b)/$$t.elf > $(BUILD)/fw/$(b)/$$t.log 2>&1 \
	            || { cat $(BUILD)/fw/$(b)/$$t.log; echo "$(b) $$t FAILED"; exit 1; }; \
	        printf '%-11s %-14s %s %s\n' $(b) $$t "$$(grep -h PASSED $(BUILD)/fw/$(b)/$$t.log)" \
	            "$$(grep -h 'cases run' $(BUILD)/fw/$(b)/$$t.log | tr '\n' ' ')"; \
	    done;)
	@$(foreach b,$(FW_BOARDS),for o in Os O2; do \
	    $(call FW_QEMU_COUNT,$(b)) $(BUILD)/fw/$(b)/shapes-$$o.elf > $(BUILD)/fw/$(b)/shapes-$$o.log 2>&1 \
	        || { cat $(BUILD)/fw/$(b)/shapes-$$o.log; echo "$(b) -$$o: shapes FAILED"; exit 1; }; \
	    printf '%-11s %-14s %s\n' $(b) "shapes -$$o" "$$(tail -n 1 $(BUILD)/fw/$(b)/shapes-$$o.log)"; \
	done;)
	@for l in $(FW_LEVELS); do b=$${l%%:*}; o=$${l#*:}; \
	    for t in $(FW_LEVEL_TESTS); do \
	        $(call FW_QEMU,$$b) $(BUILD)/fw/$$b/$$o/$$t.elf > $(BUILD)/fw/$$b/$$o/$$t.log 2>&1 \
	            || { cat $(BUILD)/fw/$$b/$$o/$$t.log; echo "$$b -$$o $$t FAILED"; exit 1; }; \
	        printf '%-11s %-14s %s\n' $$b "-$$o $$t" "$$(grep -h PASSED $(BUILD)/fw/$$b/$$o/$$t.log)"; \
	    done; \
	done
	@for o in Os O2; do \
	    $(call FW_QEMU_COUNT,mps2-an385) $(BUILD)/fw/microbit/shapes-big-$$o.elf > $(BUILD)/fw/microbit/shapes-big-$$o.log 2>&1 \
	        || { cat $(BUILD)/fw/microbit/shapes-big-$$o.log; echo "M0 code on mps2-an385 -$$o: shapes FAILED"; exit 1; }; \
	    printf '%-11s %-14s %s\n' microbit "shapes -$$o, M0 code on mps2-an385" "$$(tail -n 1 $(BUILD)/fw/microbit/shapes-big-$$o.log)"; \
	done
	@for t in $(FW_M0_O2_TESTS); do \
	    $(call FW_QEMU,mps2-an385) $(BUILD)/fw/microbit/big-O2/$$t.elf > $(BUILD)/fw/microbit/big-O2/$$t.log 2>&1 \
	        || { cat $(BUILD)/fw/microbit/big-O2/$$t.log; echo "M0 code on mps2-an385 -O2 $$t FAILED"; exit 1; }; \
	    printf '%-11s %-14s %s\n' microbit "-O2 $$t, M0 code on mps2-an385" "$$(grep -h PASSED $(BUILD)/fw/microbit/big-O2/$$t.log)"; \
	done
	@for v in static impl; do \
	    $(call FW_QEMU,mps2-an386) $(BUILD)/fw/link-$$v.elf > $(BUILD)/fw/link-$$v.log 2>&1 \
	        || { cat $(BUILD)/fw/link-$$v.log; echo "three call sites ($$v): FAILED"; exit 1; }; \
	    echo "mps2-an386  three call sites, $$v: ok"; \
	done
	@$(foreach b,$(FW_BOARDS),for o in -O0 '-O2 -fno-omit-frame-pointer'; do \
	    for z in $(FW_SIZES); do \
	        $(FW_CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -mthumb $(FW_CPU_$(b)) $$o $(INCLUDES) \
	            -c $(FW_DIR)/$$z.c -o $(BUILD)/fw/$(b)/cc-check.o || { echo "$(b) $$o: $$z does not build"; exit 1; }; \
	    done; \
	done; echo "$(b)  the layers build at -O0 and with a frame pointer";)
	@inc=$$(dirname $$($(FW_CC) -print-file-name=libc.a))/../include; \
	$(foreach b,$(FW_BOARDS),for o in -O0 -Os -O2 '-O2 -fno-omit-frame-pointer'; do \
	    for z in $(FW_SIZES); do \
	        clang --target=arm-none-eabi -mthumb $(FW_CPU_$(b)) $$o -std=c99 -Wall -Wextra -Wpedantic -Werror \
	            -isystem $$inc $(INCLUDES) -c $(FW_DIR)/$$z.c -o $(BUILD)/fw/$(b)/cc-check.o \
	            || { echo "$(b) clang $$o: $$z does not build"; exit 1; }; \
	    done; \
	done; echo "$(b)  the layers build with clang too (-O0, -Os, -O2, frame pointer)";)
	@sh $(FW_DIR)/report.sh $(BUILD)/fw $(foreach b,$(FW_BOARDS),$(b):$(word 1,$(subst -mcpu=,,$(FW_CPU_$(b))))) > $(BUILD)/fw/sizes.md
	@cat $(BUILD)/fw/sizes.md

# Each layer alone for a size table (examples/firmware/size*.c), compiled
# -ffreestanding: only the compiler's headers, no C library's.
#   $(call fs_size_rule,<object path prefix>,<compiler and target flags>,<opt>,<deps target>)
define fs_size_rule
$(1)%-$(3).o: $(FW_DIR)/%.c $(HEADER) | $(4)
	@mkdir -p $$(@D)
	$(2) $(CSTD) -ffreestanding -ffunction-sections -$(3) $(INCLUDES) -c $$< -o $$@
endef

# ---- make firmware-riscv: RISC-V under qemu-system-riscv32 ----

# rv32imac (soft float: the ESP32-C3, GD32V) and rv32imafc (hard float) on
# QEMU's virt board: the worked example with no C library at all
# (rv_bare.c: -ffreestanding, -nostdlib and libgcc, its own start and
# semihosting) at -Os and -O2; with picolibc and semihosting the worked
# example again, every
# suite (test_stack aside: it needs threads) at -O2 and the int8 suites at
# -Os too; the stack each entry point takes (stack.c, painted) and each
# layer's flash alone, linked with -nostdlib against libgcc only (no C
# library function), at -Os and -O2: build/rv/sizes.md.
RV_ARCHS         := rv32imac rv32imafc
RV_ABI_rv32imac  := ilp32
RV_ABI_rv32imafc := ilp32f
RV_CC            := riscv64-unknown-elf-gcc
RV_CPU            = -march=$(1) -mabi=$(RV_ABI_$(1))
RV_LIBC          := --specs=picolibc.specs --oslib=semihost
RV_MEM           := -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x1000000 \
                    -Wl,--defsym=__ram=0x81000000 -Wl,--defsym=__ram_size=0x4000000
RV_QEMU          := timeout 900 qemu-system-riscv32 -M virt -nographic -bios none \
                    -semihosting-config enable=on,target=native -kernel
RV_TESTS         := $(filter-out test_stack,$(TESTS))
RV_S8            := test_s8 test_s8_single
RV_WARN          := -Wall -Wextra -Wpedantic -Werror -Wno-array-bounds -Wno-stringop-overflow \
                    -Wno-aggressive-loop-optimizations
deps-riscv:
	@sh tests/deps.sh riscv
define rv_suite_rule
$(BUILD)/rv/$(1)/$(2)/%.elf: tests/%.c $(TEST_SRC) $(HEADER) $(BUILD)/rv/$(1)/exit.o $(BUILD)/rv/$(1)/cmocka.o
	@mkdir -p $$(@D)
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(RV_WARN) -std=c99 -$(2) -Dmain=app_main $(INCLUDES) \
	    -I$(CMOCKA_SRC)/include -c $$< -o $$@.o
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(RV_MEM) $$@.o $(BUILD)/rv/$(1)/exit.o $(BUILD)/rv/$(1)/cmocka.o -lm -o $$@
endef
define rv_rule
$(BUILD)/rv/$(1)/cmocka.o: $(CMOCKA_SRC)/src/cmocka.c | deps-riscv
	@mkdir -p $$(@D)
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) -std=gnu99 -O2 -DHAVE_SIGNAL_H -DHAVE_STRINGS_H -DHAVE_INTTYPES_H \
	    -I$(CMOCKA_SRC)/include -c $$< -o $$@
$(BUILD)/rv/$(1)/exit.o: $(FW_DIR)/exit_main.c | deps-riscv
	@mkdir -p $$(@D)
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) -std=c99 -O2 -Wall -Wextra -Werror -c $$< -o $$@
$(BUILD)/rv/$(1)/%.elf: examples/%.c $(HEADER) $(BUILD)/rv/$(1)/exit.o
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(CSTD) -O2 -Dmain=app_main $(INCLUDES) -c $$< -o $$@.o
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(RV_MEM) $$@.o $(BUILD)/rv/$(1)/exit.o -lm -o $$@
$(BUILD)/rv/$(1)/bare-%.elf: $(FW_DIR)/rv_bare.c $(HEADER) | deps-riscv
	@mkdir -p $$(@D)
	$(RV_CC) $(call RV_CPU,$(1)) $(CSTD) -$$* -fno-toplevel-reorder -ffunction-sections -ffreestanding -nostdlib \
	    -Wl,--gc-sections -Wl,-Ttext=0x80000000 -Wl,-e,_start -Wl,--no-warn-rwx-segments $(INCLUDES) $$< -lgcc -o $$@
$(BUILD)/rv/$(1)/stack-%.elf: $(FW_DIR)/stack.c $(FW_DIR)/fw_stack.h $(HEADER) $(BUILD)/rv/$(1)/exit.o
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(CSTD) -$$* -Dmain=app_main $(INCLUDES) -c $$< -o $$@.o
	$(RV_CC) $(call RV_CPU,$(1)) $(RV_LIBC) $(RV_MEM) $$@.o $(BUILD)/rv/$(1)/exit.o -o $$@
# each layer alone, for the size table: the object, and linked with
# -nostdlib and libgcc alone (a C library call would not link)
$(BUILD)/rv/$(1)/%.lib.elf: $(BUILD)/rv/$(1)/%.o
	$(RV_CC) $(call RV_CPU,$(1)) -nostdlib -Wl,--gc-sections \
	    $$(addprefix -Wl$$(comma)-u$$(comma),$$(shell riscv64-unknown-elf-nm $$< | awk '$$$$2=="T"{print $$$$3}')) \
	    -Wl,-e,$$(shell riscv64-unknown-elf-nm $$< | awk '$$$$2=="T"{print $$$$3; exit}') $$< -lgcc -o $$@
endef
$(foreach a,$(RV_ARCHS),$(eval $(call rv_rule,$(a))))
$(foreach a,$(RV_ARCHS),$(foreach o,O2 Os,$(eval $(call rv_suite_rule,$(a),$(o)))))
$(foreach a,$(RV_ARCHS),$(foreach o,Os O2,$(eval $(call fs_size_rule,$(BUILD)/rv/$(a)/,$(RV_CC) $(call RV_CPU,$(a)),$(o),deps-riscv))))
RV_ELFS := $(foreach a,$(RV_ARCHS),$(BUILD)/rv/$(a)/worked_example.elf \
             $(BUILD)/rv/$(a)/bare-Os.elf $(BUILD)/rv/$(a)/bare-O2.elf \
             $(addprefix $(BUILD)/rv/$(a)/O2/,$(addsuffix .elf,$(RV_TESTS))) \
             $(addprefix $(BUILD)/rv/$(a)/Os/,$(addsuffix .elf,$(RV_S8))) \
             $(foreach o,Os O2,$(BUILD)/rv/$(a)/stack-$(o).elf \
                 $(foreach z,$(FW_SIZES),$(BUILD)/rv/$(a)/$(z)-$(o).o $(BUILD)/rv/$(a)/$(z)-$(o).lib.elf)))
# Runs from the repository root: the fixture suites read tests/fixtures/
# through semihosting.
firmware-riscv: $(RV_ELFS)
	@for a in $(RV_ARCHS); do \
	    d=$(BUILD)/rv/$$a; \
	    for o in Os O2; do \
	        $(RV_QEMU) $$d/bare-$$o.elf < /dev/null > $$d/bare-$$o.log 2>&1 && \
	            grep -q 'y = \[14, 33\]$$' $$d/bare-$$o.log || { cat $$d/bare-$$o.log; echo "$$a: bare worked example at -$$o FAILED"; exit 1; }; \
	        echo "$$a -$$o: $$(cat $$d/bare-$$o.log)"; \
	    done; \
	    $(RV_QEMU) $$d/worked_example.elf < /dev/null > $$d/worked_example.log 2>&1 && \
	        grep -q '^y = \[14, 33\]$$' $$d/worked_example.log || { cat $$d/worked_example.log; echo "$$a: worked example FAILED"; exit 1; }; \
	    echo "$$a: worked example: $$(grep '^y = ' $$d/worked_example.log)"; \
	    for t in $(addprefix O2/,$(RV_TESTS)) $(addprefix Os/,$(RV_S8)); do \
	        $(RV_QEMU) $$d/$$t.elf < /dev/null > $$d/$$t.log 2>&1 || { cat $$d/$$t.log; echo "$$a $$t FAILED"; exit 1; }; \
	        grep -q PASSED $$d/$$t.log || { cat $$d/$$t.log; echo "$$a $$t: no PASSED line"; exit 1; }; \
	        printf '%-10s %-22s %s\n' $$a $$t "$$(grep -h PASSED $$d/$$t.log)"; \
	    done; \
	    for o in Os O2; do \
	        $(RV_QEMU) $$d/stack-$$o.elf < /dev/null > $$d/stack-$$o.log 2>&1 || { cat $$d/stack-$$o.log; echo "$$a: stack.c at -$$o FAILED"; exit 1; }; \
	    done; \
	done
	@sh $(FW_DIR)/report_rv.sh $(BUILD)/rv $(RV_ARCHS) > $(BUILD)/rv/sizes.md
	@cat $(BUILD)/rv/sizes.md

# ---- make firmware-avr: AVR under simavr, and the ESP8266's sizes ----

# The ATmega2560 (8 KiB of RAM, 16-bit size_t and int, 32-bit double) under
# simavr at -Os and -O2: examples/firmware/avr_main.c (the worked example,
# the int8 network bit-exact with the host's checksum, PyTorch's F.linear
# vectors that fit its RAM (avr_vectors.h, made from tests/fixtures by
# tests/gen_avr_vectors.py), the overflow checks of a 16-bit size_t, the
# stack of each call); then each layer's flash alone for the AVR and for the
# Xtensa lx106 (ESP8266; no emulator runs it: sizes only), compiled
# -ffreestanding: build/avr/sizes.md.
AVR_CC    := avr-gcc -mmcu=atmega2560
AVR_FLAGS := $(CSTD) -ffunction-sections -fdata-sections -Wl,--gc-sections $(INCLUDES) -I$(FW_DIR)
XT_CC     := xtensa-lx106-elf-gcc -mlongcalls
AVR_ELFS  := $(foreach o,Os O2,$(BUILD)/avr/avr-$(o).elf $(foreach z,$(FW_SIZES),$(BUILD)/avr/$(z)-$(o).o \
               $(BUILD)/avr/xtensa-$(z)-$(o).o))
deps-avr:
	@sh tests/deps.sh avr
$(BUILD)/avr/avr-%.elf: $(FW_DIR)/avr_main.c $(FW_DIR)/mlp_s8.h $(FW_DIR)/avr_vectors.h $(FW_DIR)/fw_stack.h $(HEADER) | deps-avr
	@mkdir -p $(@D)
	$(AVR_CC) -$* $(AVR_FLAGS) $< -o $@
$(foreach o,Os O2,$(eval $(call fs_size_rule,$(BUILD)/avr/xtensa-,$(XT_CC),$(o),deps-avr)) \
                  $(eval $(call fs_size_rule,$(BUILD)/avr/,$(AVR_CC),$(o),deps-avr)))
firmware-avr: $(AVR_ELFS)
	@for o in Os O2; do \
	    timeout 300 simavr -m atmega2560 -f 16000000 $(BUILD)/avr/avr-$$o.elf 2>&1 < /dev/null \
	        | sed 's/\x1b\[[0-9;]*m//g; s/\.$$//' | grep -v '^Loaded' > $(BUILD)/avr/avr-$$o.log; \
	    sed "s/^/-$$o: /" $(BUILD)/avr/avr-$$o.log; \
	    grep -qx 'avr: all passed' $(BUILD)/avr/avr-$$o.log || { echo "AVR at -$$o FAILED"; exit 1; }; \
	done
	@sh $(FW_DIR)/report_avr.sh $(BUILD)/avr > $(BUILD)/avr/sizes.md
	@cat $(BUILD)/avr/sizes.md

# ---- make bench: against OpenBLAS, oneDNN, XNNPACK, BLIS and a naive loop ----

# One process per build, one run: every contender interleaved and
# repeated, medians; the machine's FMA peak and read bandwidth measured in
# the same run. Two builds of the same bench: plain -O2 (what most
# Makefiles and CMake's default build use; the kernels are chosen at run
# time) and -O3 -march=native with OpenMP (the table repeats with 2
# threads). The -O2 build has no OpenMP of its own: OMP_NUM_THREADS=1
# keeps oneDNN's to one thread, as the other peers are. bench_portable.c
# is the same header with LIN_NO_SIMD, in its own unit. BLIS comes with its own cblas.h: its directory is searched
# after the system's, so cblas.h stays OpenBLAS's.
BENCH_REPS  ?= 9
BLIS_DIR    := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/blis-openmp /usr/include/*/blis-openmp /usr/include/blis))
BLIS_LIBDIR := $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/blis-openmp /usr/lib/*/blis-openmp))
BENCH_LIBS   = -lopenblas $(if $(BLIS_LIBDIR),-L$(BLIS_LIBDIR) -Wl$(comma)-rpath$(comma)$(BLIS_LIBDIR)) -lblis \
               -ldnnl -lXNNPACK -lm
comma := ,
BENCH_FLAGS_O2     := -std=c99 -O2
BENCH_FLAGS_NATIVE := -std=c99 -O3 -march=native -fopenmp
define bench_rule
$(BUILD)/bench-$(1): bench/bench.c bench/bench_portable.c $(HEADER) | deps-bench
	@mkdir -p $$(@D)
	gcc $$(BENCH_FLAGS_$(2)) -Wall -Wextra '-DBENCH_FLAGS="gcc $$(BENCH_FLAGS_$(2))"' $(INCLUDES) \
	    $$(if $$(BLIS_DIR),-idirafter $$(BLIS_DIR)) bench/bench.c bench/bench_portable.c -o $$@ $$(BENCH_LIBS)
endef
$(eval $(call bench_rule,O2,O2))
$(eval $(call bench_rule,native,NATIVE))

deps-bench:
	@sh tests/deps.sh bench

# The peers choose their own kernels, as in a user's program: an
# OPENBLAS_CORETYPE the environment sets (some hosts set Haswell) would
# hold OpenBLAS below this CPU (on a Zen 5 it picks Cooperlake's AVX-512
# kernels itself: 512x2048x2048 180 GFLOP/s against Haswell's 96).
bench: $(BUILD)/bench-O2 $(BUILD)/bench-native
	env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=1 OMP_PROC_BIND=true \
	    ./$(BUILD)/bench-O2 $(BENCH_REPS) bench/results-O2.csv > $(BUILD)/bench-O2.txt
	@cat $(BUILD)/bench-O2.txt
	env -u OPENBLAS_CORETYPE OMP_PROC_BIND=true \
	    ./$(BUILD)/bench-native $(BENCH_REPS) bench/results.csv > $(BUILD)/bench-native.txt
	@cat $(BUILD)/bench-native.txt
	@{ echo "### plain -O2"; cat $(BUILD)/bench-O2.txt; echo; echo "### -O3 -march=native"; \
	   cat $(BUILD)/bench-native.txt; } > bench/results.txt
	@awk -F, 'NR > 1 && $$1 == 1 { key = $$2 "x" $$3 "x" $$4; if (!(key in seen)) { seen[key] = 1; order[++n] = key } \
	          v[key, $$5] = $$7 } \
	     END { for (i = 1; i <= n; ++i) { k = order[i]; printf "%s", k; \
	           split("linear.h prepared sgemm sgemv oneDNN XNNPACK BLIS naive", c, " "); \
	           for (j = 1; j <= 8; ++j) printf " %s", ((k, c[j]) in v) ? v[k, c[j]] : "NaN"; print "" } }' \
	     bench/results.csv > $(BUILD)/bench.dat
	gnuplot -e "datafile='$(BUILD)/bench.dat'; outfile='bench/chart.png'" bench/chart.gp
	@echo "wrote bench/results.txt, bench/results.csv, bench/results-O2.csv and bench/chart.png"

# The AVX2 + FMA family on a machine with AVX-512, against peers held to
# AVX2 as well (OpenBLAS's Haswell kernels, oneDNN's AVX2 ones, BLIS's
# Haswell ones, set by the bench; XNNPACK cannot be held back and keeps
# its AVX-512 kernels: shown, not counted in best): the -O2 build,
# bench/results-avx2.txt.
bench-avx2: $(BUILD)/bench-O2
	BENCH_ISA=avx2 OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OMP_PROC_BIND=true \
	    ./$(BUILD)/bench-O2 $(BENCH_REPS) $(BUILD)/results-avx2.csv > $(BUILD)/bench-avx2.txt
	@cat $(BUILD)/bench-avx2.txt && cp $(BUILD)/bench-avx2.txt bench/results-avx2.txt

# The bias gradient alone, views against buffers, in the plain build
# users make (-O2) and the tuned one.
bench-backward: bench/backward.c $(HEADER)
	@mkdir -p $(BUILD)
	gcc -std=c99 -O2 $(INCLUDES) bench/backward.c -o $(BUILD)/backward-O2
	gcc -std=c99 -O3 -march=native $(INCLUDES) bench/backward.c -o $(BUILD)/backward-native
	@echo "== -O2"; ./$(BUILD)/backward-O2; echo "== -O3 -march=native"; ./$(BUILD)/backward-native

# Small and odd shapes against the same peers, the sweep behind the kernel
# path choice: bench/sweep.txt.
bench-sweep: $(BUILD)/bench-native
	./$(BUILD)/bench-native sweep $(BENCH_REPS) > $(BUILD)/sweep.txt
	@cat $(BUILD)/sweep.txt && cp $(BUILD)/sweep.txt bench/sweep.txt

# ---- make fuzz: differential fuzzing with libFuzzer ----

# New inputs go to build/fuzz-corpus; the committed seeds in tests/fuzz/corpus
# are read, never written. A finding is written to build/ as crash-*.
# FUZZ_ARCH=-march=native fuzzes the SIMD kernels this CPU has (the default
# build is x86-64's SSE2 baseline).
FUZZ_SECONDS ?= 60
FUZZ_ARCH    ?=
FUZZ_BIN     := $(BUILD)/fuzz_linear$(subst =,-,$(FUZZ_ARCH))
$(FUZZ_BIN): tests/fuzz_linear.c $(HEADER) | deps-test
	@mkdir -p $(@D)
	clang -std=c99 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $(FUZZ_ARCH) $(INCLUDES) $< -o $@ -lm

fuzz: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz-corpus
	./$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus tests/fuzz/corpus

# ---- make coverage / make valgrind ----

# gcov through gcovr: at least 98% of the header's lines and 90% of its
# branches (exception and unreachable branches excluded, as gcovr offers).
COV_BINS := $(addprefix $(BUILD)/cov/,$(TESTS))
$(BUILD)/cov/%: tests/%.c $(TEST_SRC) $(HEADER) | deps-coverage
	@mkdir -p $(@D)
	gcc -std=c99 -O0 -g --coverage $(INCLUDES) $< -o $@ $(TESTLIBS)

deps-coverage:
	@sh tests/deps.sh coverage

coverage: $(COV_BINS)
	@rm -f $(BUILD)/cov/*.gcda
	@for t in $(COV_BINS); do ./$$t > $$t.log 2>&1 || { cat $$t.log; exit 1; }; done
	gcovr -r . --filter include/linear.h --exclude-unreachable-branches --exclude-throw-branches \
	    --txt --fail-under-line 98
	gcovr -r . --filter include/linear.h --exclude-unreachable-branches --exclude-throw-branches \
	    --branches --txt --fail-under-branch 90

# Redzones of 40 bytes put valgrind's blocks 16 or 48 bytes past a 64-byte
# line (with its default they all start on one), as malloc's do: the dot
# products' first masked step then reads lanes before a block.
# The suites are built again once valgrind is there: test_stack tells
# memcheck that the thread stack it searches is readable again.
$(BUILD)/vg/%: tests/%.c $(TEST_SRC) $(HEADER) | deps-coverage
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) -DTEST_VALGRIND $(INCLUDES) $< -o $@ $(TESTLIBS)

valgrind: $(addprefix $(BUILD)/vg/,$(TESTS))
	@for t in $(TESTS); do \
	    valgrind -q --error-exitcode=1 --leak-check=full --redzone-size=40 \
	        ./$(BUILD)/vg/$$t > $(BUILD)/vg/$$t.vg 2>&1 \
	        || { cat $(BUILD)/vg/$$t.vg; echo "valgrind: $$t FAILED"; exit 1; }; \
	    echo "valgrind: $$t clean"; \
	done

# ---- fixtures from PyTorch (not needed by the tests, which read the files) ----

fixtures:
	$(PYTHON) tests/gen_fixtures.py
	$(PYTHON) tests/gen_train_fixtures.py
	$(PYTHON) tests/gen_wformat_fixtures.py
	$(PYTHON) tests/gen_act_fixtures.py
	$(PYTHON) tests/gen_safetensors_fixtures.py
	$(PYTHON) tests/gen_npy_fixtures.py
	$(PYTHON) tests/gen_rng_fixtures.py
	$(PYTHON) tests/gen_export_fixtures.py
	$(PYTHON) tests/gen_export_wforms.py
	$(PYTHON) tests/gen_export_forward.py
	$(PYTHON) tests/gen_s16_fixtures.py
	$(PYTHON) tests/gen_avr_vectors.py

# ---- install ----

# -lm where the platform keeps the math functions in a library of their own
# (linear.pc's Libs; the CMake package links m the same way)
LIBM ?= $(shell printf 'int main(void){return 0;}\n' | $(CC) -x c - -o /dev/null -lm > /dev/null 2>&1 && echo -lm)

install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/linear/cmake $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(HEADER) $(DESTDIR)$(PREFIX)/include/linear.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBM@|$(LIBM)|' \
	    linear.pc.in > $(DESTDIR)$(PREFIX)/share/pkgconfig/linear.pc
	install -m 644 cmake/linearConfig.cmake $(DESTDIR)$(PREFIX)/share/linear/cmake/
	sed -e 's|@VERSION@|$(VERSION)|' cmake/linearConfigVersion.cmake.in \
	    > $(DESTDIR)$(PREFIX)/share/linear/cmake/linearConfigVersion.cmake
	install -m 755 tools/export_torch.py $(DESTDIR)$(PREFIX)/bin/linear-export

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/linear.h $(DESTDIR)$(PREFIX)/share/pkgconfig/linear.pc
	rm -f $(DESTDIR)$(PREFIX)/bin/linear-export
	rm -rf $(DESTDIR)$(PREFIX)/share/linear

clean:
	rm -rf $(BUILD)
