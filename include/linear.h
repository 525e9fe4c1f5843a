/* linear.h - v0.1.0 - PyTorch's nn.Linear, F.linear and torch.matmul in one C header

   A fully connected layer for C, C++ and microcontroller firmware, with the
   semantics of PyTorch: the weight is row-major (out_features, in_features)
   and the layer computes y = x . W^T + b for x of shape (*, in_features).
   No build step, no allocation, no globals: include this file and call it.

   EXAMPLE (the worked example: y = [14, 33])

       float W[2 * 3] = {1, 2, 3, 4, 5, 6};   (out_features=2, in_features=3)
       float b[2] = {0, 1}, x[3] = {1, 2, 3}, y[2];
       lin_status s = lin_linear_f32(x, W, b, y, 1, 3, 2);    (batch 1)
       if (s != LIN_OK) puts(lin_status_str(s));
       printf("y = [%g, %g]\n", y[0], y[1]);

   SHAPE CONVENTIONS (PyTorch's)

       x       (*, in_features) or (in_features)
       weight  (out_features, in_features), row-major: the row j of W holds
               the in_features weights of output j, so y = x @ W.T + b
       bias    (out_features), or NULL for bias=False
       y       (*, out_features) or (out_features)

   A lin_tensor is a view (data, ndim, shape, stride in elements); it owns
   nothing. lin_matmul follows torch.matmul, broadcasting included; the
   output must already have the result's exact shape.

   ERRORS

   Every operation validates everything before it writes anything: on any
   error it returns a lin_status (never aborts, prints or allocates) and every
   output byte is as it was. Each status means one thing; lin_status_str()
   names it. An *_explain function next to each operation that can fail for
   more than a NULL pointer writes why into a buffer, in PyTorch's own words
   where PyTorch has them ("mat1 and mat2 shapes cannot be multiplied (2x3
   and 4x3)", "Target 10 is out of bounds.").

   ALSO IN THIS FILE

       prepared   lin_prepare_f32 lays W out once, in caller memory, for
                  the kernels this CPU runs; lin_linear_prepared_f32 then
                  runs the layer without packing W, with the same bits
       training   lin_linear_backward, lin_matmul_backward, ReLU, MSE and
                  cross-entropy with their gradients, SGD and Adam/AdamW
                  steps, LoRA (forward, backward, merge), .npy in and out
       int8       lin_linear_s8 with TFLite / CMSIS-NN requantization,
                  bit-exact, and the quantize / dequantize helpers;
                  lin_linear_s16 (int16x8), bit-exact as well

   ONE COPY PER PROGRAM (stb's model; optional)

   By default every function is static inline in every file that includes
   this header. For one copy of the code in a program, define
   LIN_IMPLEMENTATION before the #include in one .c or .cpp file, which
   then holds the code, and LIN_EXTERN in every other file, which then sees
   declarations only.

   CONFIGURATION (define before the #include; a value outside what is
   allowed stops the build with an #error that says what is)

       LIN_IMPLEMENTATION  this file holds the code (external linkage)
       LIN_EXTERN     declarations only; the code is in the file that
                      defines LIN_IMPLEMENTATION
       LIN_MAX_DIMS   largest rank of a lin_tensor, >= 2 default: 8
       LIN_NO_SIMD    use only the portable C kernels   default: off
       LIN_NO_DISPATCH  keep the kernel family the compiler flags enable
                      (otherwise, with GCC or clang on x86-64, the best
                      of SSE2, AVX2 + FMA and AVX-512 is chosen at run
                      time from the CPU, whatever the flags; lin_cpu_isa()
                      names it)                         default: off
       LIN_NO_OPENMP  stay single-threaded under -fopenmp
                      (otherwise products of 10^6 multiply-adds and up
                      split their columns over OpenMP threads, same bits)
       LIN_PACK       1: the packed (cache-blocked) GEMM; 0: the direct
                      kernels only, no stack scratch   default: 1 in
                      hosted builds for an OS (Linux, the BSDs, macOS,
                      Windows), 0 on bare metal and freestanding
       LIN_STACK_BUDGET  the bytes of stack one call of the packed GEMM
                      may take, its blocks and the frames around them;
                      >= 12288                          default: 32768
                      (fits a 64 KiB thread stack; larger blocks come
                      with lin_linear_f32_scratch or a prepared layer)
       LIN_PACK_KC    the packed GEMM's k per block, for every family,
                      >= 1, whatever the budget  default: from the budget
       LIN_PACK_MC    its rows per block, for every family: a positive
                      multiple of 24, whatever the budget   default: ...
       LIN_PACK_NC    its outputs per block, for every family: a positive
                      multiple of 32, whatever the budget   default: ...
       LIN_FREESTANDING  only the compiler's own headers: no <string.h>,
                      no <math.h> (without the four math macros, what
                      needs them is left out); on by itself with
                      -ffreestanding or without a C library's <string.h>
       LIN_NO_TRAIN   leave out training: backward passes, losses,
                      optimizers (and LoRA)
       LIN_NO_LORA    leave out LoRA
       LIN_NO_NPY     leave out .npy in and out
       LIN_NO_SAFETENSORS  leave out safetensors in and out
       LIN_NO_INT8    leave out the int8 and int16x8 layers and quantization
       LIN_NO_WFORMATS  leave out the layers with f16, bf16, int8 and
                      int4 weights (lin_linear_f16w, ...) and their
                      conversions
       LIN_SQRTF      float square root (init, randn)   default: sqrtf
       LIN_LOGF       float log (randn, cross-entropy)  default: logf
       LIN_EXPF       float exp (cross-entropy)         default: expf
       LIN_SQRT       double square root (Adam)         default: sqrt
       LIN_TANHF      float tanh (Tanh, GELU 'tanh')    default: tanhf
       LIN_ERFF       float erf (GELU 'none')           default: erff
                      (C99 and C++; C89's <math.h> and avr-libc have no
                      erf: define it there, or lin_gelu_f32 is left out)
       LIN_LOG1P, LIN_SIN, LIN_COS  double log1p, sin, cos
                      (lin_torch_randn_f32 below 16 values)
                      default: log1p (log(1 + x) in C89), sin, cos
       LIN_SINGLE_ROUNDING  int8 requantization with one rounding, the
                      option TFLite and CMSIS-NN offer  default: two roundings

   With all four math macros defined, <math.h> is not included and the
   header needs no libm; the forward and int8 paths never call them.
   Freestanding, without them, lin_rng_normal, the parameter resets,
   cross-entropy, Adam and the activations that take exp or log (Sigmoid,
   SiLU, Softmax, LogSoftmax) are left out; Tanh and GELU need LIN_TANHF
   (and LIN_ERFF) wherever <math.h> is not included; lin_torch_randn_f32
   needs LIN_LOG1P, LIN_SIN and LIN_COS there.

   License: MIT, at the end of this file.
*/
#ifndef LINEAR_H
#define LINEAR_H

/* ---- configuration ---- */

#include <stddef.h>
#include <stdint.h>
/* Freestanding (LIN_FREESTANDING, a compiler told -ffreestanding, or a
   toolchain without a C library's <string.h>): only the compiler's own
   headers; the header's few string operations
   are its own, and x86's intrinsic headers, which need <stdlib.h>, stay
   out (the portable kernels, as with LIN_NO_SIMD). */
#if defined(LIN_FREESTANDING) || (defined(__STDC_HOSTED__) && __STDC_HOSTED__ == 0)
#define LIN__FREESTANDING 1
#elif defined(__has_include)
#if !__has_include(<string.h>)         /* a bare toolchain, no C library */
#define LIN__FREESTANDING 1
#endif
#endif
#ifdef LIN__FREESTANDING
#if (defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)) && !defined(LIN_NO_SIMD)
#define LIN_NO_SIMD
#endif
#else
#define LIN__FREESTANDING 0
#include <string.h>
#endif

#define LIN_VERSION_MAJOR 0
#define LIN_VERSION_MINOR 1
#define LIN_VERSION_PATCH 0
#define LIN_VERSION_STRING "0.1.0"

#ifndef LIN_MAX_DIMS
#define LIN_MAX_DIMS 8
#endif
#if LIN_MAX_DIMS < 2
#error "linear.h: LIN_MAX_DIMS must be at least 2 (a matrix)"
#endif

/* LIN_API is the storage of every public function, the header's own: a
   form of the user's could not link two translation units. */
#ifdef LIN_API
#error "linear.h: LIN_API is not a setting: define LIN_IMPLEMENTATION in one file and LIN_EXTERN in the others for one copy per program (static inline in every file by default)"
#endif
#if defined(LIN_IMPLEMENTATION)
#define LIN_API
#define LIN__DEFINE 1
#elif defined(LIN_EXTERN)
#define LIN_API extern
#define LIN__DEFINE 0
#elif defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LIN_API static inline
#define LIN__DEFINE 1
#elif defined(__GNUC__)
#define LIN_API static __inline__
#define LIN__DEFINE 1
#else
#define LIN_API static
#define LIN__DEFINE 1
#endif

/* LIN_NO_TRAIN leaves out LoRA too: its adapters train. */
#if defined(LIN_NO_TRAIN) && !defined(LIN_NO_LORA)
#define LIN_NO_LORA
#endif

/* The math functions: the user's four macros, else <math.h>'s; a
   freestanding build without the four leaves out what needs them
   (lin_rng_normal, the parameter resets, cross-entropy, Adam). */
#if defined(LIN_SQRTF) && defined(LIN_LOGF) && defined(LIN_EXPF) && defined(LIN_SQRT)
#define LIN__MATH 1
#elif LIN__FREESTANDING
#define LIN__MATH 0
#else
#define LIN__MATH 1
#define LIN__LIBM 1     /* <math.h>'s functions are the defaults */
#include <math.h>
#endif
#if LIN__MATH
/* C89's <math.h> has only the double functions; a correctly rounded double
   square root rounded to float is the correctly rounded float one. */
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#ifndef LIN_SQRTF
#define LIN_SQRTF(x) sqrtf(x)
#endif
#ifndef LIN_LOGF
#define LIN_LOGF(x) logf(x)
#endif
#ifndef LIN_EXPF
#define LIN_EXPF(x) expf(x)
#endif
#else
#ifndef LIN_SQRTF
#define LIN_SQRTF(x) ((float)sqrt((double)(x)))
#endif
#ifndef LIN_LOGF
#define LIN_LOGF(x) ((float)log((double)(x)))
#endif
#ifndef LIN_EXPF
#define LIN_EXPF(x) ((float)exp((double)(x)))
#endif
#endif
#ifndef LIN_SQRT
#define LIN_SQRT(x) sqrt(x)     /* double: Adam's bias correction, as Python's math.sqrt */
#endif
#endif /* LIN__MATH */
#ifdef LIN__LIBM
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#ifndef LIN_TANHF
#define LIN_TANHF(x) tanhf(x)
#endif
#if !defined(LIN_ERFF) && !defined(__AVR__)    /* avr-libc has no erf */
#define LIN_ERFF(x) erff(x)
#endif
#elif !defined(LIN_TANHF)
#define LIN_TANHF(x) ((float)tanh((double)(x)))
#endif
#if !defined(LIN_LOG1P) && (defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L))
#define LIN_LOG1P(x) log1p(x)
#elif !defined(LIN_LOG1P)
#define LIN_LOG1P(x) log(1.0 + (x))     /* C89: 1 + x is exact here, the log may be a bit off */
#endif
#ifndef LIN_SIN
#define LIN_SIN(x) sin(x)
#endif
#ifndef LIN_COS
#define LIN_COS(x) cos(x)
#endif
#endif

/* The fast paths: families of SIMD kernels, and the packed GEMM's blocks.

   With GCC or clang on x86-64 (C99 or later, or C++), every x86 family
   the build can reach is compiled, each function with its own target
   attribute, and the best one the CPU and the OS support runs, chosen
   once at run time (CPUID and XGETBV): a plain `cc -O2` build runs AVX2 +
   FMA or AVX-512 kernels where the CPU has them. -m flags that already
   enable a family leave out the ones below it. LIN_NO_DISPATCH keeps the
   compile-time choice (the one family the flags enable), as do MSVC, C89
   and every other target: NEON on aarch64, the portable C kernels
   elsewhere (and everywhere with LIN_NO_SIMD). lin_cpu_isa() names the
   family that runs. */
#if !defined(LIN_NO_SIMD) && !defined(LIN_NO_DISPATCH) && defined(__x86_64__) && \
    (defined(__GNUC__) || defined(__clang__)) && (!defined(__GNUC__) || __GNUC__ >= 5 || defined(__clang__)) && \
    (defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L))
#define LIN__DISPATCH 1
#else
#define LIN__DISPATCH 0
#endif
#if !defined(LIN_NO_SIMD) && (defined(__AVX512F__) || LIN__DISPATCH)
#define LIN__HAS_AVX512 1
#endif
#if !defined(LIN_NO_SIMD) && !defined(__AVX512F__) && ((defined(__AVX2__) && defined(__FMA__)) || LIN__DISPATCH)
#define LIN__HAS_AVX2 1
#endif
#if !defined(LIN_NO_SIMD) && !defined(__AVX512F__) && !(defined(__AVX2__) && defined(__FMA__)) && \
    (defined(__SSE2__) || defined(_M_X64) || LIN__DISPATCH)
#define LIN__HAS_SSE2 1
#endif
#if !defined(LIN_NO_SIMD) && defined(__ARM_NEON) && defined(__aarch64__)
#define LIN__HAS_NEON 1
#endif
#if !defined(LIN__HAS_AVX512) && !defined(LIN__HAS_AVX2) && !defined(LIN__HAS_SSE2) && !defined(LIN__HAS_NEON)
#define LIN__HAS_PORTABLE 1
#endif
#if defined(LIN__HAS_AVX512) || defined(LIN__HAS_AVX2)
#include <immintrin.h>
#elif defined(LIN__HAS_SSE2)
#include <emmintrin.h>
#elif defined(LIN__HAS_NEON)
#include <arm_neon.h>
#endif
#if !defined(LIN_NO_SIMD) && defined(__AVX2__)
#include <immintrin.h>          /* the int8 layer's AVX2 kernel, with or without FMA */
#endif
#if !defined(LIN_NO_SIMD) && defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>           /* the Cortex-M DSP instructions of the int8 layer */
#endif
#if !defined(LIN_NO_SIMD) && defined(__ARM_FEATURE_MVE) && !defined(__aarch64__)
#include <arm_mve.h>            /* Helium (Cortex-M55, M85): the int8 layer, and float with MVE-F */
#if __ARM_FEATURE_MVE & 2
#define LIN__HAS_MVE_F32 1
#endif
/* its kernels' loops in GCC's inline assembly; other compilers take them in C */
#if defined(__GNUC__) && !defined(__clang__)
#define LIN__MVE_ASM 1
#else
#define LIN__MVE_ASM 0
#endif
#endif
/* The target of each x86 family's functions, and of every helper they
   inline: empty where the build's flags already enable it. */
#if LIN__DISPATCH && !(defined(__AVX2__) && defined(__FMA__))
#define LIN__TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define LIN__TARGET_AVX2
#endif
#if LIN__DISPATCH && !defined(__AVX512F__)
#define LIN__TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define LIN__TARGET_AVX512
#endif
#if LIN__DISPATCH && !(defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__))
#define LIN__TARGET_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#else
#define LIN__TARGET_VNNI
#endif
#define LIN__TARGET_BASE        /* the build's own target: SSE2, NEON, portable C */
/* Every multiply-add written in C is a multiply, then an add, whatever
   FMA the flags enable: the kernels give the same bits however they were
   compiled (clang contracts a * b + c into an FMA by default, GCC only in
   its GNU modes, -std=gnu*, where this cannot be switched off per function). */
#if defined(__clang__) && (defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L))
#define LIN__NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define LIN__NO_CONTRACT
#endif
/* clang 14 with -fsanitize=address,undefined (-O1, -O2) stops with
   "Cannot emit physreg copy instruction" on a 64-byte masked load (the
   VNNI int8 kernels' tails) that its sanitizers instrument: clang's
   sanitizers leave that one load alone (lin__tail64, inline but not
   forced, so that a sanitized kernel calls it), and the kernels around it
   stay checked. */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define LIN__UNSANITIZED_LOAD __attribute__((no_sanitize("address", "undefined"))) __inline__
#endif
#endif
#ifndef LIN__UNSANITIZED_LOAD
#define LIN__UNSANITIZED_LOAD LIN__INLINE_KERNEL
#endif
/* A vector kept in a register from here on: the dot products load each
   row of W once per step for every row of x, and some tunings (GCC's
   znver3) otherwise fold the load into each FMA, loading it again for
   every row of x (4x1024x1024: 79 -> 66 GFLOP/s); the VNNI int8 kernel
   (built with LIN_PACK 0 too) likewise. "x" names xmm0-15 alone: clang
   then spilled the AVX-512 dot products' 16 sums to the stack, since
   every value held so had to pass through those 16 ("v" lets it use all
   32; AMD Zen 4, clang 14 -O2: 4x1024x1024 44 -> 105 GFLOP/s,
   32x1024x1024 71 -> 105). GCC copes with "x" and runs 2-3% slower with
   "v", so it keeps "x". */
#if defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define LIN__IN_REGISTER(v) __asm__("" : "+v"(v))
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LIN__IN_REGISTER(v) __asm__("" : "+x"(v))
#else
#define LIN__IN_REGISTER(v) ((void)0)
#endif
#if LIN__DISPATCH
#include <cpuid.h>              /* __get_cpuid, __cpuid_count: GCC's and clang's own */
#endif
#if defined(_OPENMP) && !defined(LIN_NO_OPENMP)
#define LIN__OPENMP 1
#include <omp.h>
#else
#define LIN__OPENMP 0
#endif
/* LIN__INLINE_KERNEL also marks the small checks that take a caller's
   buffers only to compare addresses: inlined, GCC does not take them for
   reads of memory the caller has not written yet (-Wmaybe-uninitialized).
   LIN__NOINLINE keeps the GEMM (and the kernels with large stack frames)
   out of line: inlined into a caller it would bring its aligned frame to
   every tiny call. LIN__INLINE_KERNEL forces the small kernels in, so that
   each copy keeps its sums in registers and its constants (the dot
   products' row counts, the batch-1-to-4 path in both of lin__gemm's
   copies when OpenMP outlines one). */
#if defined(__GNUC__) || defined(__clang__)
#define LIN__NOINLINE __attribute__((noinline))
#define LIN__INLINE_KERNEL __inline__ __attribute__((always_inline))
#define LIN__TEST_HOOK static __attribute__((unused))   /* called by the tests alone */
#if defined(__clang__)
#define LIN__OPAQUE static __attribute__((noinline))
#else
#define LIN__OPAQUE static __attribute__((noinline, noclone))
#endif
#else
#define LIN__NOINLINE
#define LIN__INLINE_KERNEL
#define LIN__TEST_HOOK static
#define LIN__OPAQUE static
#endif

/* The register tile (MR rows by NR outputs) of each family's micro-kernel:
   AVX-512 8 x 32, AVX2 6 x 16, SSE2 4 x 8, NEON 8 x 8, portable C 4 x 32.
   The packed GEMM's blocks: KC steps of k, MC rows of x, NC outputs, each
   family's own as far as LIN_STACK_BUDGET holds them, unless set here;
   they live on the stack, 4*(MC*KC + KC*NC) bytes per thread for the
   largest family compiled (24 KiB at the default budget). LIN_PACK 0
   keeps only the direct kernels: the smallest code and no scratch, the
   default where there is no OS to give threads their stacks (Cortex-M,
   RISC-V and AVR boards, any freestanding build). */
#ifndef LIN_PACK
#if LIN__FREESTANDING || (defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M') ||                                      \
    !(defined(__unix__) || defined(__unix) || defined(__APPLE__) || defined(_WIN32))
#define LIN_PACK 0
#else
#define LIN_PACK 1
#endif
#endif
#if LIN_PACK != 0 && LIN_PACK != 1
#error "linear.h: LIN_PACK must be 0 (the direct kernel only) or 1 (the packed GEMM)"
#endif
#ifndef LIN_STACK_BUDGET
#define LIN_STACK_BUDGET 32768
#endif
#if LIN_STACK_BUDGET < 12288
#error "linear.h: LIN_STACK_BUDGET must be at least 12288 bytes (the packed GEMM's smallest blocks and its frames)"
#endif
/* LIN_PACK 0 built for size (-Os): where fewer bytes and more
   instructions are a choice, the fewer bytes */
#if !LIN_PACK && defined(__OPTIMIZE_SIZE__)
#define LIN__LEAST_CODE 1
#else
#define LIN__LEAST_CODE 0
#endif
#if defined(LIN_PACK_KC) && LIN_PACK_KC < 1
#error "linear.h: LIN_PACK_KC must be at least 1"
#endif
#if defined(LIN_PACK_MC) && (LIN_PACK_MC < 24 || LIN_PACK_MC % 24 != 0)
#error "linear.h: LIN_PACK_MC must be a positive multiple of 24 (a whole number of register tiles' rows for every family: 8, 6 and 4)"
#endif
#if defined(LIN_PACK_NC) && (LIN_PACK_NC < 32 || LIN_PACK_NC % 32 != 0)
#error "linear.h: LIN_PACK_NC must be a positive multiple of 32 (a whole number of register tiles' columns for every family: 32, 16 and 8)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- public API ---- */

/* Every call returns one of these. LIN_OK is 0. Each status means one
   thing; each function's comment lists the ones it returns, and the
   *_explain functions say which argument and why, with its values. */
typedef enum lin_status {
    LIN_OK = 0,
    LIN_ERR_NULL,      /* a required pointer is NULL                            */
    LIN_ERR_RANK,      /* an operand has a number of dims the call does not take */
    LIN_ERR_SHAPE,     /* the shapes do not fit together, or an output has
                          another shape than the result                         */
    LIN_ERR_OVERFLOW,  /* a count, byte size, offset or exact sum overflows     */
    LIN_ERR_ALIAS,     /* an output overlaps an input, another output or itself  */
    LIN_ERR_VALUE,     /* a parameter outside its range: a negative stride, an
                          optimizer's or a quantization's setting (PyTorch's
                          ValueError)                                           */
    LIN_ERR_SIZE,      /* a caller's buffer (scratch, bytes for a file) is
                          smaller than the call needs                           */
    LIN_ERR_INDEX,     /* an index outside its range (a class target)           */
    LIN_ERR_FORMAT,    /* bytes that are not a file of the format the call reads
                          (malformed, truncated, or a variant it does not take) */
    LIN_ERR_DTYPE,     /* data of another element type than the call takes     */
    LIN_ERR_STATE      /* the object's state does not allow the call (a LoRA
                          adapter merged twice, or trained while merged)        */
} lin_status;

/* A short English name of s; never NULL, also for values not listed above. */
LIN_API const char *lin_status_str(lin_status s);

/* A view of float data; owns nothing. Element (i0, i1, ...) is at
   data[i0*stride[0] + i1*stride[1] + ...]. Strides are in elements and must
   be >= 0 (a stride of 0 repeats an element, as torch.expand does).
   data may be NULL only when the view has no elements. A view with ndim -1
   is invalid (the constructors return one for bad arguments): every
   operation rejects it with LIN_ERR_RANK. */
typedef struct lin_tensor {
    float     *data;
    int        ndim;                         /* 0..LIN_MAX_DIMS */
    size_t     shape[LIN_MAX_DIMS];
    ptrdiff_t  stride[LIN_MAX_DIMS];         /* in elements, >= 0 */
} lin_tensor;

/* Contiguous row-major view of shape[0..ndim). shape may be NULL if ndim 0.
   ndim outside 0..LIN_MAX_DIMS, or shape NULL with ndim > 0, give an
   invalid view. Strides too large for ptrdiff_t saturate, so the operation
   that uses the view reports LIN_ERR_OVERFLOW. */
LIN_API lin_tensor lin_tensor_view(float *data, int ndim, const size_t *shape);
LIN_API lin_tensor lin_vector(float *data, size_t n);                 /* shape (n)          */
LIN_API lin_tensor lin_matrix(float *data, size_t rows, size_t cols); /* shape (rows, cols) */
/* PyTorch's .T: all dims reversed (shape and stride), no copy. NULL gives an
   invalid view. */
LIN_API lin_tensor lin_transpose(const lin_tensor *t);
/* Number of elements: 1 for 0-d, 0 if any dim is 0; SIZE_MAX if the product
   overflows; 0 for NULL or an invalid view. */
LIN_API size_t     lin_numel(const lin_tensor *t);

/* torch.matmul(a, b), PyTorch's a @ b, into out.
     a (n), b (n)                 -> out ()         dot
     a (m, k), b (k)              -> out (m)        matrix * vector
     a (k), b (k, n)              -> out (n)        vector * matrix
     a (m, k), b (k, n)           -> out (m, n)
     a (*A, m, k), b (*B, k, n)   -> out (broadcast(*A, *B), m, n)
   with a 1-D operand promoted to a matrix and the added dim removed, as
   torch.matmul does: (2,1,3,4) @ (5,4,6) -> (2,5,3,6). out must already have
   exactly the result's shape; it may be strided but must not overlap a, b or
   itself. a and b may share memory.
   Returns LIN_OK, LIN_ERR_NULL (a, b or out NULL; data NULL with elements),
   LIN_ERR_RANK (an operand 0-d, or ndim outside 0..LIN_MAX_DIMS),
   LIN_ERR_SHAPE (sizes do not fit, out has another shape), LIN_ERR_VALUE
   (a stride < 0), LIN_ERR_OVERFLOW (a size or offset overflows) or
   LIN_ERR_ALIAS (out overlaps a, b or itself). */
LIN_API lin_status lin_matmul(const lin_tensor *a, const lin_tensor *b, lin_tensor *out);

/* The shape lin_matmul(a, b, *) needs for out. On error (same statuses as
   lin_matmul, LIN_ERR_NULL also for out_ndim or out_shape NULL) nothing is
   written. */
LIN_API lin_status lin_matmul_shape(const lin_tensor *a, const lin_tensor *b,
                                    int *out_ndim, size_t out_shape[LIN_MAX_DIMS]);

/* F.linear(x, weight, bias): out = x @ weight.T + bias.
     x (*, in) or (in), weight (out, in), bias (out), () or (1), or NULL
     -> out (*, out) or (out).
   As in PyTorch a 1-D weight (in) is accepted too: out is then x's shape
   without its last dim, and bias must have one element. A bias whose data is
   NULL counts as no bias (so lin_layer_bias() of a layer without bias can be
   passed as it is). Statuses as lin_matmul; out must not overlap x, weight,
   bias or itself. */
LIN_API lin_status lin_linear(const lin_tensor *x, const lin_tensor *weight,
                              const lin_tensor *bias, lin_tensor *out);

/* F.linear on raw contiguous row-major buffers, the embedded fast path:
     x (batch, in_features), weight (out_features, in_features),
     bias (out_features) or NULL  ->  y (batch, out_features).
   A buffer pointer may be NULL only when its buffer has no elements.
   Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_OVERFLOW (an element count or byte
   size overflows size_t) or LIN_ERR_ALIAS (y overlaps x, weight or bias). */
LIN_API lin_status lin_linear_f32(const float *x, const float *weight, const float *bias,
                                  float *y, size_t batch, size_t in_features,
                                  size_t out_features);
/* Why lin_linear_f32 with these arguments would fail ("y overlaps weight"),
   written into buf as lin_linear_explain does; returns its status. */
LIN_API lin_status lin_linear_f32_explain(const float *x, const float *weight, const float *bias,
                                          const float *y, size_t batch, size_t in_features,
                                          size_t out_features, char *buf, size_t buf_size);

/* lin_linear_f32 with the caller's scratch for the packed blocks of x and
   W, in place of the scratch lin_linear_f32 keeps on its stack (up to 192
   KiB on x86-64, LIN_PACK builds): larger blocks (x packed once per 1024
   outputs rather than per 128; faster on large layers) and no stack of
   its own beyond a few hundred bytes. The same bits as lin_linear_f32.
   lin_linear_scratch_size gives the bytes for a call of that shape on this
   CPU: 0 where the call packs nothing (batch 1-16, small layers, LIN_PACK
   0) or a count overflows (the call then says which); about (144 + 1024)
   x 256 floats at most, per OpenMP thread (omp_get_max_threads() when
   asked; with fewer shares fewer threads run). scratch: any alignment, may
   be NULL when 0 bytes are needed; its contents on return are unspecified.
   Statuses: those of lin_linear_f32, and LIN_ERR_NULL (scratch NULL where
   bytes are needed), LIN_ERR_SIZE (scratch_bytes below the size),
   LIN_ERR_ALIAS (the scratch overlaps x, weight, bias or y). */
LIN_API size_t     lin_linear_scratch_size(size_t batch, size_t in_features, size_t out_features);
LIN_API lin_status lin_linear_f32_scratch(const float *x, const float *weight, const float *bias,
                                          float *y, size_t batch, size_t in_features,
                                          size_t out_features, void *scratch, size_t scratch_bytes);

/* Why lin_matmul(a, b, out) / lin_linear(x, weight, bias, out) would fail,
   in PyTorch's words where PyTorch has them, written NUL-terminated into
   buf[0..buf_size) (truncated to fit; nothing is written if buf is NULL or
   buf_size is 0). out may be NULL to check the inputs only. Returns the
   status the operation would return; on LIN_OK, buf holds "". No stdio.
   Every other *_explain function below works the same way, for the call
   its name gives, with that call's arguments (outputs read, never written)
   followed by buf and buf_size. */
LIN_API lin_status lin_matmul_explain(const lin_tensor *a, const lin_tensor *b,
                                      const lin_tensor *out, char *buf, size_t buf_size);
LIN_API lin_status lin_linear_explain(const lin_tensor *x, const lin_tensor *weight,
                                      const lin_tensor *bias, const lin_tensor *out,
                                      char *buf, size_t buf_size);

/* The float kernel family that runs on this CPU: "avx512", "avx2",
   "sse2", "neon", "helium" (Cortex-M55/M85 with MVE float, whose vector
   arithmetic flushes subnormal inputs and results to zero, as all MVE
   floating point does: a layer whose products are below FLT_MIN gives
   zeros there) or "portable" (also with LIN_PACK 0, where every product
   takes the portable direct kernel). For bug reports and benchmarks. */
LIN_API const char *lin_cpu_isa(void);

/* A prepared layer: W and b laid out once, in caller memory, for the
   kernels this CPU runs (plan once, run many, as oneDNN and XNNPACK do).
   The caller owns both the struct and the buffer, which must outlive it
   and must not be written while it is in use. */
typedef struct lin_prepared {
    size_t in_features, out_features;
    const float *weight;        /* (out, in) row-major: the dot products (batch 1-16) */
    const float *bias;          /* (out), or NULL for bias=False */
    const float *packed;        /* W^T in the family's panels: the packed GEMM, or NULL */
    const void *buf;            /* the caller's buffer, which y must not overlap */
    size_t buf_bytes;
    int isa;                    /* the kernel family the buffer is laid out for */
} lin_prepared;

/* Bytes of buffer lin_prepare_f32 needs for an (out_features, in_features)
   layer on this CPU: a row-major copy of W (read by the dot products at
   batch 1-16), W^T in the micro-kernel's panels (the packed GEMM), the bias and
   64 bytes of alignment slack, about 8 bytes a weight. 0 if the count
   overflows size_t. */
LIN_API size_t     lin_prepared_size(size_t in_features, size_t out_features);
/* Lays W (out_features, in_features) and bias (out_features, or NULL) out
   into buf (any alignment, buf_bytes >= lin_prepared_size) and fills *p.
   Statuses: LIN_ERR_NULL (p, buf, or weight with elements, is NULL),
   LIN_ERR_OVERFLOW (the size overflows), LIN_ERR_SIZE (buf_bytes too
   small), LIN_ERR_ALIAS (buf overlaps weight, bias or *p). */
LIN_API lin_status lin_prepare_f32(lin_prepared *p, const float *weight, const float *bias,
                                   size_t in_features, size_t out_features, void *buf,
                                   size_t buf_bytes);
/* y (batch, out) = x (batch, in) . W^T + b with a prepared layer: no
   packing of W, and the same bits as lin_linear_f32 with the same operands
   on the same CPU. Checks x, y and batch only. Statuses: LIN_ERR_NULL (p,
   or x or y with elements, is NULL), LIN_ERR_OVERFLOW (batch times a
   feature count overflows), LIN_ERR_ALIAS (y overlaps x or the prepared
   buffer). */
LIN_API lin_status lin_linear_prepared_f32(const lin_prepared *p, const float *x, float *y,
                                           size_t batch);

/* PCG32 random numbers (O'Neill's permuted congruential generator): the
   same seed gives the same stream on every platform. */
typedef struct lin_rng { uint64_t state, inc; } lin_rng;
LIN_API void     lin_rng_seed(lin_rng *rng, uint64_t seed);
LIN_API uint32_t lin_rng_next_u32(lin_rng *rng);
/* Uniform in [lo, hi) on a grid of 2^24 steps; bit-identical on every
   platform when lo == -hi (as reset_parameters uses). */
LIN_API float    lin_rng_uniform(lin_rng *rng, float lo, float hi);
/* N(0, 1) like torch.randn (Marsaglia's polar method; uses LIN_SQRTF and
   LIN_LOGF, so the last bit may differ between C libraries). */
#if LIN__MATH
LIN_API float    lin_rng_normal(lin_rng *rng);
#endif

/* PyTorch's CPU generator: mt19937 seeded as torch.manual_seed(seed) does
   (the low 32 bits), and the draws of Debian's torch 1.13 on x86-64 with
   AVX2, bit for bit (tests/test_rng.c on tests/gen_rng_fixtures.py's
   fixtures). One generator, one stream: the calls below consume it in the
   order PyTorch's calls would, so a program that makes the same calls in
   the same order after the same seed gets the same numbers.

   Where PyTorch's build fuses a multiply and an add (GCC contracts them in
   its AVX2 kernels), linear.h computes that fused result exactly in double
   (the product of two floats is exact there, and a midpoint test fixes the
   one case double rounding could get wrong); every other step is a single
   float operation. So the bits do not depend on how the compiler contracts
   a*b+c, -O level or -march, on any target whose float and double are IEEE
   binary32 and binary64 (x87 included, in C's standard mode, where each
   assignment rounds to its type). lin_torch_randn_f32's path below 16
   values calls the C library's double log1p, sin and cos as PyTorch does
   (glibc's here); another libm may move a value by one float ulp in rare
   cases. Left out where double is not 64 bits (avr-gcc's default). */
#if !defined(__SIZEOF_DOUBLE__) || __SIZEOF_DOUBLE__ >= 8
#define LIN__TORCH_RNG 1
typedef struct lin_torch_rng {
    uint32_t state[624];
    uint32_t next;                  /* next word of state; 624: regenerate  */
    int has_normal;                 /* the scalar randn path's second value */
    double normal;
} lin_torch_rng;
/* torch.manual_seed(seed): also drops a cached normal. */
LIN_API void       lin_torch_rng_seed(lin_torch_rng *g, uint64_t seed);
/* The engine's next 32-bit word (PyTorch's generator->random()). */
LIN_API uint32_t   lin_torch_rng_u32(lin_torch_rng *g);
/* out[n] = torch.rand(n): (word & 0xFFFFFF) * 2^-24. Statuses:
   LIN_ERR_NULL (g, or out with n > 0), LIN_ERR_OVERFLOW (n floats' bytes
   overflow size_t), LIN_ERR_ALIAS (out[n] overlaps *g); out and *g are
   then untouched. */
LIN_API lin_status lin_torch_rand_f32(lin_torch_rng *g, float *out, size_t n);
/* out[n].uniform_(from, to): from and to rounded to float, then
   u * (to - from) + from with one rounding, u as torch.rand's. Statuses:
   lin_torch_rand_f32's, then LIN_ERR_VALUE (from > to, either not finite,
   or to - from overflows float, as PyTorch refuses). */
LIN_API lin_status lin_torch_uniform_f32(lin_torch_rng *g, float *out, size_t n, double from,
                                         double to);
#if LIN__MATH && defined(LIN_LOG1P) && defined(LIN_SIN) && defined(LIN_COS)
#define LIN__TORCH_RANDN 1
/* out[n] = torch.randn(n) (contiguous float32): below 16 values, Box-Muller
   in double on 53-bit uniforms, one value per call and the second kept for
   the next call (as PyTorch's generator keeps it); from 16, n float
   uniforms turned in blocks of 16 (cos in the first 8, sin in the last) by
   PyTorch's AVX2 log and sincos approximations, the last block redrawn
   and recomputed when 16 does not divide n. Statuses as lin_torch_rand_f32. */
LIN_API lin_status lin_torch_randn_f32(lin_torch_rng *g, float *out, size_t n);
#endif
#endif /* LIN__TORCH_RNG */

/* nn.Linear: a layer over caller-owned parameter buffers (nn.Parameter). */
typedef struct lin_layer {
    size_t in_features, out_features;
    float *weight;                  /* (out_features, in_features), row-major */
    float *bias;                    /* (out_features), or NULL: bias=False   */
} lin_layer;

/* Fills *layer; does not touch the buffers (see reset_parameters).
   Returns LIN_ERR_NULL (layer NULL, weight NULL with elements),
   LIN_ERR_OVERFLOW (in*out elements overflow) or LIN_ERR_ALIAS (bias
   overlaps weight); *layer is then unchanged. */
LIN_API lin_status lin_layer_init(lin_layer *layer, size_t in_features, size_t out_features,
                                  float *weight, float *bias);
LIN_API lin_status lin_layer_init_explain(size_t in_features, size_t out_features,
                                          const float *weight, const float *bias, char *buf,
                                          size_t buf_size);
/* PyTorch's reset_parameters: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))
   (kaiming_uniform_(a=sqrt(5)) for the weight), bound 0 if in_features is 0.
   Draws the weight row by row, then the bias. Same seed, same weights on
   every platform. Returns LIN_ERR_NULL, LIN_ERR_OVERFLOW or LIN_ERR_ALIAS
   for a layer lin_layer_init would refuse, LIN_ERR_NULL for rng, and
   LIN_ERR_ALIAS where the weight or the bias overlaps *rng or *layer;
   nothing is written then. */
#if LIN__MATH
LIN_API lin_status lin_layer_reset_parameters(lin_layer *layer, lin_rng *rng);
#endif
/* y = layer(x): lin_linear with the layer's weight and bias; its statuses,
   and LIN_ERR_NULL for layer NULL. */
LIN_API lin_status lin_layer_forward(const lin_layer *layer, const lin_tensor *x, lin_tensor *y);
LIN_API lin_status lin_layer_forward_explain(const lin_layer *layer, const lin_tensor *x,
                                             const lin_tensor *y, char *buf, size_t buf_size);
LIN_API lin_tensor lin_layer_weight(const lin_layer *layer); /* (out, in) view            */
LIN_API lin_tensor lin_layer_bias(const lin_layer *layer);   /* (out); data NULL if none  */
#if LIN__MATH && defined(LIN__TORCH_RNG)
/* With PyTorch's generator: nn.Linear(in, out)'s reset_parameters on the
   layer's buffers: kaiming_uniform_(weight, a=sqrt(5)) (bound sqrt(3) *
   sqrt(2 / (1 + a^2)) / sqrt(in), in double as Python computes it), then
   the bias, when there is one, uniform_(-1/sqrt(in), 1/sqrt(in)).
   in_features 0 draws nothing for the weight and a zero bias, as PyTorch.
   Statuses: lin_layer_init's for a layer it would refuse, LIN_ERR_NULL for
   g, LIN_ERR_ALIAS where the weight or the bias overlaps *g or *layer;
   nothing is written then. */
LIN_API lin_status lin_torch_reset_parameters(lin_layer *layer, lin_torch_rng *g);
#endif

/* Fused activations: the int8 layer's clamp (and the float one). */
typedef enum lin_activation { LIN_ACT_NONE = 0, LIN_ACT_RELU, LIN_ACT_RELU6 } lin_activation;

/* lin_linear_f32 with the output clamped to [act_min, act_max] (NaN stays
   NaN): F.relu(F.linear(...)) is act_min 0, act_max +INFINITY; ReLU6 0, 6.
   act_min > act_max (or either NaN) is LIN_ERR_VALUE; otherwise the
   statuses of lin_linear_f32. */
LIN_API lin_status lin_linear_f32_clamp(const float *x, const float *weight, const float *bias,
                                        float *y, size_t batch, size_t in_features,
                                        size_t out_features, float act_min, float act_max);
LIN_API lin_status lin_linear_f32_clamp_explain(const float *x, const float *weight,
                                                const float *bias, const float *y, size_t batch,
                                                size_t in_features, size_t out_features,
                                                float act_min, float act_max, char *buf,
                                                size_t buf_size);

/* ---- public API: activations ----

   PyTorch's, elementwise on n floats or over the last dim of (rows, n),
   with its formulas in float (so its infinities and NaNs: F.silu(-inf)
   and F.gelu(-inf) are NaN, as there); y may be x (in place), else apart
   from it. Each returns LIN_OK, LIN_ERR_NULL (a NULL buffer with
   elements), LIN_ERR_OVERFLOW (rows * n, or n floats, overflow) or
   LIN_ERR_ALIAS (y overlaps x without being it); lin_gelu_f32 also
   LIN_ERR_VALUE (approximate neither LIN_GELU_NONE nor LIN_GELU_TANH).
   Nothing is written on an error. The backward passes are in the
   training API below. */

/* torch.relu on n floats: y = x < 0 ? 0 : x (NaN and -0 pass through, as in
   PyTorch). Its backward is in the training module. */
LIN_API lin_status lin_relu_f32(const float *x, float *y, size_t n);
/* F.relu6 (hardtanh(x, 0, 6)): x < 0 ? 0 : x > 6 ? 6 : x; NaN and -0 pass */
LIN_API lin_status lin_relu6_f32(const float *x, float *y, size_t n);
/* F.leaky_relu(x, negative_slope): x > 0 ? x : x * negative_slope */
LIN_API lin_status lin_leaky_relu_f32(const float *x, float *y, size_t n, float negative_slope);
#if defined(LIN_TANHF)
/* torch.tanh, through LIN_TANHF */
LIN_API lin_status lin_tanh_f32(const float *x, float *y, size_t n);
#endif
#if LIN__MATH
/* torch.sigmoid: 1 / (1 + exp(-x)) */
LIN_API lin_status lin_sigmoid_f32(const float *x, float *y, size_t n);
/* F.silu: x / (1 + exp(-x)) */
LIN_API lin_status lin_silu_f32(const float *x, float *y, size_t n);
/* F.softmax(x, dim=-1) on (rows, n): exp(x - max) * (1 / sum) per row
   (a row with a NaN, or with +inf, or all -inf, is all NaN, as PyTorch) */
LIN_API lin_status lin_softmax_f32(const float *x, float *y, size_t rows, size_t n);
/* F.log_softmax(x, dim=-1) on (rows, n): (x - max) - log(sum exp(x - max)) */
LIN_API lin_status lin_log_softmax_f32(const float *x, float *y, size_t rows, size_t n);
#endif
/* F.gelu's approximate: 'none' (x/2 (1 + erf(x/sqrt 2))), 'tanh'
   (x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))) */
#define LIN_GELU_NONE 0
#define LIN_GELU_TANH 1
#if defined(LIN_TANHF) && defined(LIN_ERFF)
LIN_API lin_status lin_gelu_f32(const float *x, float *y, size_t n, int approximate);
#endif

/* ---- public API: training (LIN_NO_TRAIN leaves it out) ---- */
#ifndef LIN_NO_TRAIN

/* Gradients of y = x . W^T + b for grad_y = dL/dy.
   grad_x is overwritten (it flows to the previous layer); grad_weight and
   grad_bias are accumulated (+=), like PyTorch's .grad. Any grad may be NULL
   to skip it. Shapes as lin_linear: x (*, in), weight (out, in),
   grad_y (*, out), grad_x like x, grad_weight like weight, grad_bias (out).
   Outputs must not overlap an input, each other or themselves. Returns
   LIN_OK, LIN_ERR_NULL (x, weight or grad_y NULL, data NULL with elements),
   LIN_ERR_RANK (weight not 2-D, x 0-d), LIN_ERR_SHAPE (x against weight,
   or a gradient of another shape than its tensor), LIN_ERR_VALUE (a
   stride < 0), LIN_ERR_OVERFLOW or LIN_ERR_ALIAS; nothing is written on
   error. */
LIN_API lin_status lin_linear_backward(const lin_tensor *x, const lin_tensor *weight,
                                       const lin_tensor *grad_y, lin_tensor *grad_x,
                                       lin_tensor *grad_weight, lin_tensor *grad_bias);
LIN_API lin_status lin_linear_backward_explain(const lin_tensor *x, const lin_tensor *weight,
                                               const lin_tensor *grad_y, const lin_tensor *grad_x,
                                               const lin_tensor *grad_weight,
                                               const lin_tensor *grad_bias, char *buf,
                                               size_t buf_size);
/* The same on contiguous buffers: x (batch, in), weight (out, in),
   grad_y (batch, out), grad_x (batch, in), grad_weight (out, in),
   grad_bias (out). Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_OVERFLOW or
   LIN_ERR_ALIAS. */
LIN_API lin_status lin_linear_backward_f32(const float *x, const float *weight, const float *grad_y,
                                           float *grad_x, float *grad_weight, float *grad_bias,
                                           size_t batch, size_t in_features, size_t out_features);
LIN_API lin_status lin_linear_backward_f32_explain(const float *x, const float *weight,
                                                   const float *grad_y, const float *grad_x,
                                                   const float *grad_weight, const float *grad_bias,
                                                   size_t batch, size_t in_features,
                                                   size_t out_features, char *buf, size_t buf_size);

/* Gradients of out = a @ b (lin_matmul) for grad_out = dL/dout:
   grad_a += grad_out @ b^T and grad_b += a^T @ grad_out, each summed over the
   batch dims its operand was broadcast along, as autograd does. grad_a has
   a's shape, grad_b b's; either may be NULL. Accumulated like .grad: zero
   them first (lin_zero_f32) for the gradient alone. Statuses as
   lin_matmul, LIN_ERR_SHAPE also for a gradient of another shape than its
   operand. */
LIN_API lin_status lin_matmul_backward(const lin_tensor *a, const lin_tensor *b,
                                       const lin_tensor *grad_out, lin_tensor *grad_a,
                                       lin_tensor *grad_b);
LIN_API lin_status lin_matmul_backward_explain(const lin_tensor *a, const lin_tensor *b,
                                               const lin_tensor *grad_out, const lin_tensor *grad_a,
                                               const lin_tensor *grad_b, char *buf, size_t buf_size);

/* torch.relu's backward: grad_x = x <= 0 ? 0 : grad_y, x being the
   forward's input or output (their signs agree); grad_x may be grad_y.
   Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_OVERFLOW (n floats overflow) or
   LIN_ERR_ALIAS (an output that overlaps an input without being it). */
LIN_API lin_status lin_relu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n);

/* The activations' backward passes, PyTorch's formulas: grad_x = grad_y
   times the derivative, from the forward's input x (ReLU6: grad_y where
   0 < x < 6, else 0, NaN too, as PyTorch's vector loop has it, though its
   scalar loop for a last few elements passes grad_y at NaN; LeakyReLU:
   x > 0 ? grad_y : grad_y * negative_slope; GELU; SiLU) or from its output
   y (Tanh: grad_y (1 - y^2); Sigmoid: grad_y (1 - y) y; Softmax: y (grad_y
   - sum(grad_y y)); LogSoftmax: grad_y - exp(y) sum(grad_y), both per
   row). grad_x may be grad_y, and is apart from x (or y). Statuses as the
   forward ones. */
LIN_API lin_status lin_relu6_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n);
LIN_API lin_status lin_leaky_relu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n,
                                               float negative_slope);
#if defined(LIN_TANHF)
LIN_API lin_status lin_tanh_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t n);
#endif
#if LIN__MATH
LIN_API lin_status lin_sigmoid_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t n);
LIN_API lin_status lin_silu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n);
LIN_API lin_status lin_softmax_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t rows,
                                            size_t n);
LIN_API lin_status lin_log_softmax_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t rows,
                                                size_t n);
#endif
#if defined(LIN_TANHF) && defined(LIN_ERFF)
LIN_API lin_status lin_gelu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n,
                                         int approximate);
#endif

/* F.mse_loss (mean): *loss = sum (input - target)^2 / n and, if grad_input is
   not NULL, grad_input = 2*(input - target) / n. n = 0 gives NaN, as PyTorch.
   loss may be NULL. Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_OVERFLOW or
   LIN_ERR_ALIAS (loss or grad_input overlaps an input or the other). */
LIN_API lin_status lin_mse_loss_f32(const float *input, const float *target, size_t n,
                                    float *loss, float *grad_input);
/* F.cross_entropy from logits (batch, classes) and class indices (batch),
   mean over the rows whose target is not -100 (PyTorch's ignore_index):
   *loss and, if not NULL, grad_logits (batch, classes) = (softmax - onehot)
   / count, 0 on ignored rows. No counted row gives a NaN loss and zero
   gradients, as PyTorch. Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_OVERFLOW,
   LIN_ERR_ALIAS (loss or grad_logits overlaps an input or the other) or
   LIN_ERR_INDEX: a target outside [0, classes) other than -100, which
   lin_cross_entropy_explain words as PyTorch does ("Target 5 is out of
   bounds."). Uses LIN_EXPF, LIN_LOGF. */
#if LIN__MATH
LIN_API lin_status lin_cross_entropy_f32(const float *logits, const int32_t *target, size_t batch,
                                         size_t classes, float *loss, float *grad_logits);
#endif
LIN_API lin_status lin_cross_entropy_explain(const float *logits, const int32_t *target,
                                             size_t batch, size_t classes, const float *loss,
                                             const float *grad_logits, char *buf, size_t buf_size);

/* Sets n floats to +0: optimizer.zero_grad() for a gradient buffer.
   Returns LIN_OK, LIN_ERR_NULL or LIN_ERR_OVERFLOW. */
LIN_API lin_status lin_zero_f32(float *p, size_t n);

/* torch.optim.SGD's hyper-parameters. */
typedef struct lin_sgd {
    float lr, momentum, dampening, weight_decay;
    int nesterov, maximize;
} lin_sgd;
LIN_API lin_sgd lin_sgd_defaults(float lr);    /* SGD(params, lr): the rest 0 / False */

/* One torch.optim.SGD step for one parameter of n floats. momentum_buf (n)
   is the caller's state, used only when momentum != 0 (else may be NULL);
   *step is 0 before the first step, when the buffer starts as the
   gradient itself, as PyTorch's does, and counts the steps. Invalid
   hyper-parameters (what PyTorch's constructor refuses: lr < 0,
   momentum < 0, weight_decay < 0, nesterov without momentum or with
   dampening) are LIN_ERR_VALUE, in PyTorch's words from the explain
   function ("Invalid learning rate: -0.1"). Also LIN_ERR_NULL,
   LIN_ERR_OVERFLOW and LIN_ERR_ALIAS (param, the state or *step overlaps
   grad, *opt or each other). */
LIN_API lin_status lin_sgd_step(const lin_sgd *opt, float *param, const float *grad,
                                float *momentum_buf, uint64_t *step, size_t n);
LIN_API lin_status lin_sgd_step_explain(const lin_sgd *opt, const float *param, const float *grad,
                                        const float *momentum_buf, const uint64_t *step, size_t n,
                                        char *buf, size_t buf_size);

/* torch.optim.Adam / AdamW hyper-parameters; decoupled_weight_decay selects
   AdamW's rule (the weight shrinks by lr*weight_decay before the update). */
typedef struct lin_adam {
    float lr, beta1, beta2, eps, weight_decay;
    int amsgrad, maximize, decoupled_weight_decay;
} lin_adam;
LIN_API lin_adam lin_adam_defaults(void);      /* Adam(): lr 1e-3, betas (0.9, 0.999), eps 1e-8 */
LIN_API lin_adam lin_adamw_defaults(void);     /* AdamW(): the same and weight_decay 0.01 */

/* One Adam (or AdamW) step for one parameter of n floats, bias correction
   included. exp_avg and exp_avg_sq (n each, zero before the first step)
   and, with amsgrad, max_exp_avg_sq (n, zero; else may be NULL) are the
   caller's state; *step counts the steps (0 before the first). Invalid
   hyper-parameters (lr, eps, weight_decay < 0, a beta outside [0, 1)) are
   LIN_ERR_VALUE; the other statuses as lin_sgd_step. The bias
   corrections are computed in double, as PyTorch does; where double is
   32 bits (AVR) they are rounded to float instead, and a step can differ
   from PyTorch's in the last bits. */
#if LIN__MATH
LIN_API lin_status lin_adam_step(const lin_adam *opt, float *param, const float *grad,
                                 float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq,
                                 uint64_t *step, size_t n);
#endif
LIN_API lin_status lin_adam_step_explain(const lin_adam *opt, const float *param, const float *grad,
                                         const float *exp_avg, const float *exp_avg_sq,
                                         const float *max_exp_avg_sq, const uint64_t *step,
                                         size_t n, char *buf, size_t buf_size);
#endif /* LIN_NO_TRAIN */

/* ---- public API: LoRA (LIN_NO_LORA, or LIN_NO_TRAIN, leaves it out) ---- */
#ifndef LIN_NO_LORA
/* LoRA as loralib's Linear: a frozen layer plus A (rank, in) and
   B (out, rank), y = x . W^T + b + scaling*(x*A^T)*B^T, scaling = alpha / rank.
   A and B belong to the caller. After lin_lora_merge the layer's weight
   holds W + scaling*B*A and the forward is the plain layer's. */
typedef struct lin_lora {
    lin_layer *base;                /* frozen: read by forward, written by merge */
    size_t rank;
    float *A;                       /* (rank, in_features) */
    float *B;                       /* (out_features, rank) */
    float scaling;                  /* alpha / rank */
    int merged;
} lin_lora;
/* Fills *lora. rank 0 is LIN_ERR_VALUE (loralib requires r > 0); also
   LIN_ERR_NULL, LIN_ERR_OVERFLOW and LIN_ERR_ALIAS (A, B, the weight and
   the bias must be apart). */
LIN_API lin_status lin_lora_init(lin_lora *lora, lin_layer *base, size_t rank, float alpha,
                                 float *A, float *B);
/* loralib's reset_parameters: A ~ kaiming_uniform_(a=sqrt(5)), i.e.
   U(-1/sqrt(in), 1/sqrt(in)); B = 0, so the adapted layer starts as the base.
   Statuses: lin_lora_init's for an adapter it would refuse, LIN_ERR_NULL
   for rng, and LIN_ERR_ALIAS where A, B or *rng overlaps the weight, the
   bias, *lora, its base lin_layer or each other; nothing is drawn or
   written then. */
#if LIN__MATH
LIN_API lin_status lin_lora_reset_parameters(lin_lora *lora, lin_rng *rng);
#endif
/* Floats of scratch the forward (batch*rank) and the backward
   (2*batch*rank) need for a batch; SIZE_MAX if that overflows. */
LIN_API size_t lin_lora_scratch_size(const lin_lora *lora, size_t batch);
/* y (batch, out) for x (batch, in); scratch of at least
   lin_lora_scratch_size(lora, batch) / 2 floats (none once merged).
   Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_VALUE (rank 0), LIN_ERR_OVERFLOW,
   LIN_ERR_SIZE (scratch_len too small) or LIN_ERR_ALIAS (y or the scratch
   overlaps an input, the parameters, *lora, its base lin_layer or each
   other). */
LIN_API lin_status lin_lora_forward_f32(const lin_lora *lora, const float *x, float *y, size_t batch,
                                        float *scratch, size_t scratch_len);
LIN_API lin_status lin_lora_forward_explain(const lin_lora *lora, const float *x, const float *y,
                                            size_t batch, const float *scratch, size_t scratch_len,
                                            char *buf, size_t buf_size);
/* Backward into A and B only (the base stays frozen): grad_A (rank, in)
   and grad_B (out, rank) accumulate, grad_x (batch, in) is overwritten, any
   may be NULL. scratch: lin_lora_scratch_size(lora, batch) floats. A merged
   adapter has no gradients of its own: LIN_ERR_STATE. Otherwise the
   statuses of the forward. */
LIN_API lin_status lin_lora_backward_f32(const lin_lora *lora, const float *x, const float *grad_y,
                                         float *grad_x, float *grad_A, float *grad_B, size_t batch,
                                         float *scratch, size_t scratch_len);
LIN_API lin_status lin_lora_backward_explain(const lin_lora *lora, const float *x,
                                             const float *grad_y, const float *grad_x,
                                             const float *grad_A, const float *grad_B, size_t batch,
                                             const float *scratch, size_t scratch_len, char *buf,
                                             size_t buf_size);
/* W += scaling*B*A (merge) and W -= scaling*B*A (unmerge), as loralib's
   train()/eval(); merging twice or unmerging an unmerged adapter is
   LIN_ERR_STATE; also the statuses of lin_lora_init (A, B, the weight and
   the bias apart, checked again: the fields may have changed since), and
   LIN_ERR_ALIAS where W or *lora (whose merged flag is written) overlaps
   the bias, A, B, the base lin_layer or each other. W and *lora are
   untouched on an error. */
LIN_API lin_status lin_lora_merge(lin_lora *lora);
LIN_API lin_status lin_lora_unmerge(lin_lora *lora);
#endif /* LIN_NO_LORA */

/* ---- public API: element types (the files' tensors) ---- */

/* The element types of safetensors (their names) and of .npy's plain
   numeric arrays */
typedef enum lin_dtype {
    LIN_DTYPE_BOOL, LIN_DTYPE_U8, LIN_DTYPE_I8, LIN_DTYPE_F8_E5M2, LIN_DTYPE_F8_E4M3, LIN_DTYPE_I16,
    LIN_DTYPE_U16, LIN_DTYPE_F16, LIN_DTYPE_BF16, LIN_DTYPE_I32, LIN_DTYPE_U32, LIN_DTYPE_F32,
    LIN_DTYPE_F64, LIN_DTYPE_I64, LIN_DTYPE_U64
} lin_dtype;

/* Bytes of one element of dtype (1, 2, 4 or 8), 0 for a value not listed */
LIN_API size_t lin_dtype_size(lin_dtype dtype);
/* "F32", "BF16", ...: safetensors' spelling; "?" for a value not listed */
LIN_API const char *lin_dtype_name(lin_dtype dtype);

/* ---- public API: .npy (LIN_NO_NPY leaves it out) ---- */
#ifndef LIN_NO_NPY
/* NumPy's .npy (format 1.0) of float32 ('<f4', little-endian on every host,
   C order): what numpy.load and torch.from_numpy(numpy.load(...)) read, byte
   for byte what numpy.save writes. No stdio: the bytes go to a buffer. */
LIN_API size_t lin_npy_size(const lin_tensor *t);      /* bytes; 0 for a bad view */
/* Writes t as a .npy into buf[0..buf_size), *written its bytes. Returns
   LIN_OK, LIN_ERR_NULL, LIN_ERR_RANK or LIN_ERR_VALUE (an invalid view),
   LIN_ERR_OVERFLOW, LIN_ERR_SIZE (buf_size below lin_npy_size(t)) or
   LIN_ERR_ALIAS (the .npy's bytes in buf overlap t's data, *t or
   *written); buf and *written are untouched on an error. */
LIN_API lin_status lin_npy_encode(const lin_tensor *t, void *buf, size_t buf_size,
                                  size_t *written);
LIN_API lin_status lin_npy_encode_explain(const lin_tensor *t, const void *buf, size_t buf_size,
                                          char *msg, size_t msg_size);
/* Reads a .npy of float32 ('<f4' or '>f4', C order) into out, which must
   have the file's shape exactly. Returns LIN_OK, LIN_ERR_NULL, LIN_ERR_RANK
   or LIN_ERR_VALUE (out an invalid view), LIN_ERR_FORMAT (not a
   well-formed .npy: magic, version, header, a Fortran-order array, data
   shorter than the shape), LIN_ERR_DTYPE (another element type, as
   '<f8'), LIN_ERR_SHAPE (another shape than out's) or LIN_ERR_ALIAS (out's
   data overlaps buf or *out itself). lin_npy_decode_explain says what the
   file holds ("the file holds (3, 4) float64, expected (3, 4) float32"). */
LIN_API lin_status lin_npy_decode(const void *buf, size_t size, lin_tensor *out);
LIN_API lin_status lin_npy_decode_explain(const void *buf, size_t size, const lin_tensor *out,
                                          char *msg, size_t msg_size);

/* What a .npy file holds, whatever its dtype: */
typedef struct lin_npy_meta {
    lin_dtype dtype;            /* BOOL ('|b1'), I8..I64 ('i1'..'i8'), U8..U64, F16, F32, F64 ('f2'..'f8') */
    int big_endian;             /* '>': 1; '<' or '|': 0 */
    int fortran_order;
    int ndim;
    size_t shape[LIN_MAX_DIMS];
    size_t count;               /* elements, product(shape) */
    size_t data_offset;         /* bytes before the data */
    size_t data_bytes;          /* count x the element's size, all within the file */
} lin_npy_meta;
/* Reads the header of any .npy (format 1.0, 2.0 or 3.0). LIN_OK,
   LIN_ERR_NULL, LIN_ERR_FORMAT (malformed, or data shorter than the shape
   needs), LIN_ERR_DTYPE (a dtype of none of the kinds above: complex,
   strings, objects, records; meta->dtype is then not set), LIN_ERR_RANK
   (more dims than LIN_MAX_DIMS) or LIN_ERR_OVERFLOW (the bytes of the
   shape past size_t); meta is written only on LIN_OK. _explain says what
   the file holds ("(3, 4) int64, C order, data at byte 128") or why it
   cannot be read. */
LIN_API lin_status lin_npy_info(const void *buf, size_t size, lin_npy_meta *meta);
LIN_API lin_status lin_npy_info_explain(const void *buf, size_t size, char *msg, size_t msg_size);
/* The file's count elements, converted to float (float64 and 64-bit
   integers rounded to nearest, bool 0 or 1, float16 exact), into out[0..count)
   in C order (a Fortran-order file reordered). LIN_OK, lin_npy_info's
   statuses, LIN_ERR_SHAPE (count is not the file's element count),
   LIN_ERR_NULL (out NULL with elements) or LIN_ERR_ALIAS (out overlaps
   buf); nothing is written on an error. */
LIN_API lin_status lin_npy_decode_f32(const void *buf, size_t size, float *out, size_t count);
/* The elements as they are, in this host's byte order and C order, into
   out[0..out_bytes): out_bytes must be meta.data_bytes (LIN_ERR_SIZE
   otherwise); other statuses as lin_npy_decode_f32. */
LIN_API lin_status lin_npy_decode_raw(const void *buf, size_t size, void *out, size_t out_bytes);
#endif /* LIN_NO_NPY */

/* ---- public API: safetensors (LIN_NO_SAFETENSORS leaves it out) ---- */
#ifndef LIN_NO_SAFETENSORS
/* The safetensors format of PyTorch and the Hugging Face hub, read and
   written in caller memory (no file I/O, no allocation): 8 bytes of
   little-endian header length N, N bytes of UTF-8 JSON ({"name": {"dtype":
   "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ..., optionally
   "__metadata__": {"key": "value", ...}}), then the tensors' bytes,
   little-endian, C order. */
/* An opened file: pointers into the caller's bytes, which must outlive it */
typedef struct lin_safetensors {
    const unsigned char *file;
    size_t file_bytes;
    const char *header;         /* the JSON, header_bytes long */
    size_t header_bytes;
    const unsigned char *data;  /* the byte buffer after it */
    size_t count;               /* tensors, __metadata__ not counted */
} lin_safetensors;

/* One tensor. name points into the header at the JSON string's text as
   written: a name with escapes (\", \u00e9) has them undecoded there
   (lin_safetensors_find compares decoded names). data points into the
   file, data_bytes long, little-endian; ndim is the file's rank, shape its
   first min(ndim, LIN_MAX_DIMS) dims. For lin_safetensors_write the same
   fields describe what to write (name any UTF-8 without NUL, written
   escaped as JSON needs). */
typedef struct lin_st_tensor {
    const char *name;
    size_t name_len;
    lin_dtype dtype;
    int ndim;
    size_t shape[LIN_MAX_DIMS];
    const void *data;
    size_t data_bytes;
} lin_st_tensor;

/* Validates file[0..file_bytes) as the format's reference reader does
   (huggingface/safetensors): at least 8 bytes; a header length of at most
   100,000,000 within the file; the header valid UTF-8 and JSON (RFC 8259:
   strings with valid escapes, no lone surrogates, no trailing characters
   but whitespace, nesting to depth 128) starting with '{'; every key but
   "__metadata__" a tensor with "dtype" (one of the names above), "shape"
   (non-negative integers) and "data_offsets" ([begin, end], integers),
   other fields ignored as the reference ignores them; "__metadata__" null
   or a map of strings to strings; the tensors' offsets, ordered, contiguous
   from 0 with no gap or overlap, each end - begin = product(shape) x the
   element size; the last end the end of the file. A name given twice is
   not looked for (the reference keeps the last, whose offsets check then
   fails unless the first is empty; here both are entries, and
   lin_safetensors_find gives the first). LIN_OK, LIN_ERR_NULL (st NULL,
   or file NULL with bytes) or LIN_ERR_FORMAT (anything else, a product of
   the shape or its bytes past size_t included); st is written only on
   LIN_OK. Every read is within the buffer. Time: one pass over the header
   for files whose entries are in offset order (what the writers do), one
   pass per tensor otherwise. */
LIN_API lin_status lin_safetensors_open(lin_safetensors *st, const void *file, size_t file_bytes);
/* What is wrong with the file, in words ("tensor 'fc.weight': data_offsets
   [0, 20] hold 20 bytes, shape (2, 3) of F32 needs 24"); LIN_OK and "" for
   a valid file. */
LIN_API lin_status lin_safetensors_open_explain(const void *file, size_t file_bytes, char *msg,
                                                size_t msg_size);
/* The number of tensors (0 for NULL) */
LIN_API size_t lin_safetensors_count(const lin_safetensors *st);
/* Tensor i, in the header's order: LIN_OK, LIN_ERR_NULL, LIN_ERR_ALIAS (t
   overlaps *st or the file's bytes) or LIN_ERR_INDEX (i >= count); t is
   written only on LIN_OK. Each call (and each _find) reads the header from
   its start: nothing is kept in st. */
LIN_API lin_status lin_safetensors_tensor(const lin_safetensors *st, size_t i, lin_st_tensor *t);
/* The tensor whose name (escapes decoded) is name: LIN_OK, LIN_ERR_NULL,
   LIN_ERR_ALIAS (as lin_safetensors_tensor) or LIN_ERR_INDEX (no such
   tensor); t is written only on LIN_OK. */
LIN_API lin_status lin_safetensors_find(const lin_safetensors *st, const char *name, lin_st_tensor *t);
/* A lin_tensor over an F32 tensor's data, contiguous (it points into the
   file: const data seen through lin_tensor's float *, not to be written
   through unless the caller's buffer is writable). LIN_OK, LIN_ERR_NULL,
   LIN_ERR_DTYPE (not F32, or a big-endian host, whose floats are not the
   file's bytes), LIN_ERR_RANK (more dims than LIN_MAX_DIMS) or
   LIN_ERR_VALUE (data not 4-byte aligned: the buffer's address or the
   header's length). An F16 or BF16 tensor (out, in) is lin_linear_f16w's or
   lin_linear_bf16w's weight as it is, on little-endian hosts, 2-aligned. */
LIN_API lin_status lin_safetensors_view(const lin_st_tensor *t, lin_tensor *view);
/* What a program expects of one tensor (lin_safetensors_bind) */
typedef struct lin_st_want {
    const char *name;           /* escapes decoded, as lin_safetensors_find */
    lin_dtype dtype;
    int ndim;
    size_t shape[LIN_MAX_DIMS]; /* the first ndim used */
} lin_st_want;
/* Points data[i] at the bytes of the tensor want[i] describes, for i in
   0..count, to be read in place (the loaders export_torch.py generates
   are a table and this call). First the file's own answers, the same on
   every host, tensor by tensor: LIN_ERR_RANK (want[i].ndim outside
   0..LIN_MAX_DIMS), LIN_ERR_INDEX (no such tensor), LIN_ERR_DTYPE
   (another dtype), LIN_ERR_SHAPE (another rank or shape); then whether
   this host can read the bytes in place, tensor by tensor: LIN_ERR_DTYPE
   (elements wider than a byte on a big-endian host), LIN_ERR_VALUE (data
   not aligned to its element). LIN_ERR_NULL: st NULL or not opened, want
   or data NULL with count, a name NULL; then LIN_ERR_ALIAS: data[count]
   overlaps *st, the file's bytes, want[count] or a name (LIN_ERR_OVERFLOW
   for a count whose bytes overflow); LIN_ERR_FORMAT: st not an opened
   file. data is written only on LIN_OK. Time: one pass over the header
   per tensor, twice. */
LIN_API lin_status lin_safetensors_bind(const lin_safetensors *st, const lin_st_want *want, size_t count,
                                        const void **data);

/* The bytes lin_safetensors_write needs for tensors[0..count), 0 if it
   would refuse them. */
LIN_API size_t lin_safetensors_size(const lin_st_tensor *tensors, size_t count);
/* Writes a safetensors file of tensors[0..count) into buf[0..buf_size),
   *written its bytes (written may be NULL): the header in the reference
   writer's form (no spaces, padded with spaces to a multiple of 8), the
   tensors ordered by element size, largest first (each aligned to its
   element in a buffer aligned to 8), in the given order within a size, no
   __metadata__. Returns LIN_OK, LIN_ERR_NULL (tensors NULL with count, buf
   NULL, a tensor's name NULL, or its data NULL with bytes), LIN_ERR_VALUE
   (a dtype not listed, a name not valid UTF-8, with a NUL, "__metadata__",
   or given twice), LIN_ERR_RANK (ndim outside
   0..LIN_MAX_DIMS), LIN_ERR_SHAPE (data_bytes not product(shape) x the
   element size), LIN_ERR_OVERFLOW, LIN_ERR_SIZE (buf_size below
   lin_safetensors_size) or LIN_ERR_ALIAS (buf overlaps a name, data,
   tensors[] or *written); nothing is written on an error. */
LIN_API lin_status lin_safetensors_write(const lin_st_tensor *tensors, size_t count, void *buf, size_t buf_size,
                                         size_t *written);
#endif /* LIN_NO_SAFETENSORS */

/* ---- public API: int8 (LIN_NO_INT8 leaves it out) ---- */
#ifndef LIN_NO_INT8

/* TFLite / CMSIS-NN requantization, per tensor. */
typedef struct lin_quant {
    int32_t input_offset;       /* = -input_zero_point, in [-127, 128]           */
    int32_t weight_offset;      /* = -weight_zero_point (0 for symmetric)        */
    int32_t output_offset;      /* = output_zero_point, in [-128, 127]           */
    int32_t multiplier;         /* Q31 fixed point, from lin_quantize_multiplier */
    int32_t shift;              /* > 0 shifts left, < 0 right                     */
    int32_t act_min, act_max;   /* output clamp, within [-128, 127]              */
} lin_quant;

/* y = clamp(requant(sum_k (x + input_offset)(w + weight_offset) + bias)
             + output_offset, act_min, act_max)
   x (batch, in), weight (out, in) row-major, bias (out) int32 or NULL.
   requant(v) is TFLite's MultiplyByQuantizedMultiplier: by default the
   saturating rounding doubling high multiply, then a rounding right shift
   ("double rounding", as TFLite Micro and CMSIS-NN); with
   LIN_SINGLE_ROUNDING defined before the include, their single rounding.
   The sums are exact in int32 for in_features up to
   floor((2^31 - 1) / (X*W)), X and W the largest |x + input_offset| and
   |w + weight_offset| the offsets allow (33025 at worst, 65793 with
   symmetric weights); a larger in_features is LIN_ERR_OVERFLOW. A sum with
   the bias beyond int32 (undefined in TFLite) saturates.
   Returns LIN_ERR_NULL, LIN_ERR_OVERFLOW, LIN_ERR_ALIAS (y overlaps an
   input, q among them) or LIN_ERR_VALUE (an offset, clamp, multiplier <
   0 or shift outside [-31, 30]); y is untouched on error. */
LIN_API lin_status lin_linear_s8(const int8_t *x, const int8_t *weight,
                                 const int32_t *bias, int8_t *y, size_t batch,
                                 size_t in_features, size_t out_features,
                                 const lin_quant *q);
LIN_API lin_status lin_linear_s8_explain(const int8_t *x, const int8_t *weight,
                                         const int32_t *bias, const int8_t *y, size_t batch,
                                         size_t in_features, size_t out_features,
                                         const lin_quant *q, char *buf, size_t buf_size);

/* Per-channel: multiplier[out_features] and shift[out_features] replace
   q->multiplier and q->shift. Statuses as lin_linear_s8. */
LIN_API lin_status lin_linear_s8_per_channel(const int8_t *x, const int8_t *weight,
                                             const int32_t *bias, int8_t *y, size_t batch,
                                             size_t in_features, size_t out_features,
                                             const lin_quant *q, const int32_t *multiplier,
                                             const int32_t *shift);
LIN_API lin_status lin_linear_s8_per_channel_explain(const int8_t *x, const int8_t *weight,
                                                     const int32_t *bias, const int8_t *y,
                                                     size_t batch, size_t in_features,
                                                     size_t out_features, const lin_quant *q,
                                                     const int32_t *multiplier,
                                                     const int32_t *shift, char *buf,
                                                     size_t buf_size);

/* A prepared int8 layer (CMSIS-NN's context buffer, TFLite Micro's
   prepare step): what depends only on the weights and the quantization,
   each row's sum of W, computed once into caller memory. W and the bias
   are not copied (on a microcontroller they stay in flash): they, q's
   copy aside, must stay valid and unchanged while the layer is used. */
typedef struct lin_prepared_s8 {
    size_t in_features, out_features;
    const int8_t *weight;       /* (out, in) row-major, the caller's */
    const int32_t *bias;        /* (out) or NULL, the caller's */
    const int32_t *wsum;        /* sum_k weight[j][k] for each output j, in buf */
    lin_quant q;
    const void *buf;            /* the caller's buffer, which y must not overlap */
    size_t buf_bytes;
} lin_prepared_s8;

/* Bytes of buffer lin_prepare_s8 needs: 4 per output and 3 of alignment
   slack. 0 if a count overflows size_t. */
LIN_API size_t     lin_prepared_s8_size(size_t in_features, size_t out_features);
/* Fills *p for lin_linear_s8's layer (weight, bias, q), the row sums in
   buf (any alignment, buf_bytes >= lin_prepared_s8_size). Statuses:
   LIN_ERR_NULL (p, q, buf, or weight with elements, is NULL),
   LIN_ERR_OVERFLOW (a size overflows, or in_features passes the bound of
   exact sums for q's offsets), LIN_ERR_VALUE (q out of range, as
   lin_linear_s8), LIN_ERR_SIZE (buf_bytes too small), LIN_ERR_ALIAS (buf
   or *p overlaps weight, bias, q or the other); *p and buf are untouched
   on error. */
LIN_API lin_status lin_prepare_s8(lin_prepared_s8 *p, const int8_t *weight, const int32_t *bias,
                                  size_t in_features, size_t out_features, const lin_quant *q,
                                  void *buf, size_t buf_bytes);
/* lin_linear_s8 with the prepared layer's operands: the same bits on
   every CPU, without the pass over W for its row sums where the kernel
   needs them (AVX-512 VNNI, Arm's dot product, Helium). Checks x, y and
   batch only. Statuses: LIN_ERR_NULL (p, or x or y with elements, is
   NULL), LIN_ERR_OVERFLOW (batch times a feature count overflows),
   LIN_ERR_ALIAS (y overlaps x, the weight, the bias, the buffer or *p,
   whose copy of q the kernels read); y is untouched on error. */
LIN_API lin_status lin_linear_prepared_s8(const lin_prepared_s8 *p, const int8_t *x, int8_t *y,
                                          size_t batch);

/* TFLite's QuantizeMultiplier: real ~ multiplier * 2^(shift - 31), the
   multiplier in [2^30, 2^31) (or 0 for 0 and for reals below 2^-32).
   A negative, NaN or infinite real, or one that rounds to 2^30 or above
   (a shift past 30, which TFLite would saturate), is LIN_ERR_VALUE.
   Where double is 32 bits (AVR) the result is still exact for the real
   it is given, now a float: its 24 significant bits times 2^7
   (0.70710678 gives 1518500224 there, 1518500250 from a 64-bit
   double). lin_quant_params and lin_quant_per_channel then compute
   input_scale * weight_scale / output_scale in float, which can move
   the multiplier by a few units of 2^7 against TFLite's: scales that are
   powers of two give TFLite's bits; for others, compute multiplier and
   shift on the host and set them in lin_quant. */
LIN_API lin_status lin_quantize_multiplier(double real_multiplier, int32_t *multiplier,
                                           int32_t *shift);

/* torch.quantize_per_tensor / TFLite's Quantize for int8:
   q = clamp(round(x / scale) + zero_point, -128, 127), rounding half away
   from zero (TFLite's; PyTorch rounds ties to even), NaN to zero_point.
   scale must be finite and > 0, zero_point in [-128, 127] (LIN_ERR_VALUE). */
LIN_API lin_status lin_quantize_s8(const float *x, int8_t *q, size_t n, float scale,
                                   int32_t zero_point);
/* x = scale * (q - zero_point) */
LIN_API lin_status lin_dequantize_s8(const int8_t *q, float *x, size_t n, float scale,
                                     int32_t zero_point);

/* A layer's lin_quant from the float scales and zero points of its input,
   weight and output, as TFLite prepares a fully connected layer: real
   multiplier input_scale*weight_scale/output_scale (in double), and the
   clamp of the activation in the output's integers (ReLU: from the zero
   point; ReLU6: up to the zero point + round(6 / output_scale)). */
LIN_API lin_status lin_quant_params(float input_scale, int32_t input_zero_point,
                                    float weight_scale, int32_t weight_zero_point,
                                    float output_scale, int32_t output_zero_point,
                                    lin_activation act, lin_quant *q);
/* Per-channel weight scales: multiplier[c] and shift[c] for each of n
   output channels (weight zero points 0, as TFLite requires). */
LIN_API lin_status lin_quant_per_channel(float input_scale, const float *weight_scales,
                                         float output_scale, size_t n, int32_t *multiplier,
                                         int32_t *shift);
/* q from seven int32 in the order of lin_quant's fields: input_offset,
   weight_offset, output_offset, multiplier, shift, act_min, act_max (a
   layer's <name>.quant as tools/export_torch.py stores it). Taken as they
   are: the layer checks them when it runs. */
LIN_API lin_status lin_quant_from_i32(const int32_t *v, lin_quant *q);

/* int16 activations, int8 weights (TFLite's 16x8 quantization, CMSIS-NN's
   arm_fully_connected_s16): symmetric, so q's three offsets must be 0;
   act_min <= act_max within [-32768, 32767]; multiplier >= 0 and shift in
   [-31, 7] as TFLite's QuantizeMultiplier gives them.
     acc = sum_k x[i][k] * weight[j][k] + bias[j]      exact, in int64
     y[i][j] = clamp((acc * m + 2^(t-1)) >> t, act_min, act_max)
   with m = (multiplier + 2^15) >> 16 (0x7FFF from 0x7FFF0000 up) and
   t = 15 - shift: TFLite's 64-bit MultiplyByQuantizedMultiplier, which is
   the same in its single- and double-rounding builds, and CMSIS-NN's
   arm_nn_requantize_s64 with its reduced multiplier, so LIN_SINGLE_ROUNDING
   changes nothing here. The sum is exact however long: CMSIS-NN's DSP
   and Helium kernels first add up to 512 products in int32, which wraps
   when all are -32768 * -128; here, as in TFLite and CMSIS-NN's portable
   C, it does not. Where TFLite leaves the result undefined it is
   saturated: acc (the sum with the bias) is clamped to TFLite's domain
   [-2^47, 2^47), a shifted value beyond int32 to the clamp's end
   (CMSIS-NN's int32 wraps there, and from 2^30 on). bias (out) or NULL.
   Statuses: LIN_ERR_NULL (q, or an operand with elements, is NULL),
   LIN_ERR_OVERFLOW (a size overflows, or in_features is 2^40 or more,
   where the int64 sum could overflow), LIN_ERR_VALUE (q outside the
   ranges above), LIN_ERR_ALIAS (y overlaps an input, q among them); y is
   untouched on error. */
LIN_API lin_status lin_linear_s16(const int16_t *x, const int8_t *weight,
                                  const int64_t *bias, int16_t *y, size_t batch,
                                  size_t in_features, size_t out_features,
                                  const lin_quant *q);
#endif /* LIN_NO_INT8 */

/* ---- public API: compressed weights (LIN_NO_WFORMATS leaves it out) ----

   F.linear with float x, bias and y and W stored in fewer bytes: each
   call decodes W as below (exactly: every decoded weight is a float32)
   and returns y = x . W^T + bias, within float32 rounding of that sum,
   with lin_linear_f32's checks, statuses and untouched outputs (weight
   and scale are inputs: y may overlap none of them). bias may be NULL.
   At batch 1 a layer reads W once, so fewer bytes per weight is a faster
   layer where W does not fit the caches.

     f16w   IEEE binary16 bits (PyTorch's torch.float16): subnormals,
            infinities and NaN decode exactly
     bf16w  bfloat16 bits, the top 16 bits of a float32 (torch.bfloat16)
     q8w    W[o][k] = scale[o] * weight[o][k]: int8, one scale per output
     q4w    blocks of 32 weights along in_features, in_features a multiple
            of 32 (LIN_ERR_SHAPE otherwise): weight holds out x (in/32)
            blocks of 16 bytes; byte j of a block holds element 2j in its
            low nibble and 2j + 1 in its high nibble, the value (nibble - 8);
            scale is (out, in/32): W[o][32b + i] = scale[o][b] * (nibble - 8) */
#ifndef LIN_NO_WFORMATS
LIN_API lin_status lin_linear_f16w(const float *x, const uint16_t *weight, const float *bias,
                                   float *y, size_t batch, size_t in_features,
                                   size_t out_features);
LIN_API lin_status lin_linear_bf16w(const float *x, const uint16_t *weight, const float *bias,
                                    float *y, size_t batch, size_t in_features,
                                    size_t out_features);
LIN_API lin_status lin_linear_q8w(const float *x, const int8_t *weight, const float *scale,
                                  const float *bias, float *y, size_t batch,
                                  size_t in_features, size_t out_features);
LIN_API lin_status lin_linear_q4w(const float *x, const uint8_t *weight, const float *scale,
                                  const float *bias, float *y, size_t batch,
                                  size_t in_features, size_t out_features);

/* float32 <-> binary16 and bfloat16 bits, as PyTorch's .to(torch.float16)
   and .to(torch.bfloat16): rounding to nearest, ties to even; past the
   largest finite value (65504 for binary16) an infinity; NaN stays NaN
   (binary16 0x7e00 with the sign, bfloat16 0x7fc0). The reverse
   conversions are exact. */
LIN_API uint16_t lin_f32_to_f16(float f);
LIN_API float    lin_f16_to_f32(uint16_t h);
LIN_API uint16_t lin_f32_to_bf16(float f);
LIN_API float    lin_bf16_to_f32(uint16_t h);

/* W (out, in) floats -> lin_linear_q8w's weight (out, in) and scale (out):
   per output row, scale = max|w| / 127 and q = w / scale rounded to
   nearest, ties to even, in [-127, 127]; a row of zeros (or whose scale
   underflows to 0) has scale 0 and q 0. A NaN or infinite weight is
   LIN_ERR_VALUE; nothing is written on an error. */
LIN_API lin_status lin_quantize_q8w(const float *weight, int8_t *q, float *scale,
                                    size_t in_features, size_t out_features);
/* W (out, in) floats -> lin_linear_q4w's weight (out * in / 2 bytes) and
   scale (out, in/32): per block of 32, m is the weight of largest
   magnitude (the first of equals), scale = m / -8 (m itself decodes
   exactly, as nibble 0), nibble = 8 + (w / scale rounded to nearest, ties
   to even, clamped to [-8, 7]); a block of zeros has scale 0 and nibbles
   8. in_features not a multiple of 32 is LIN_ERR_SHAPE; a NaN or
   infinite weight LIN_ERR_VALUE; nothing is written on an error. */
LIN_API lin_status lin_quantize_q4w(const float *weight, uint8_t *q, float *scale,
                                    size_t in_features, size_t out_features);
#endif /* LIN_NO_WFORMATS */

/* ======================================================================== */
/* ---- implementation ---- */

#if LIN__DEFINE

/* Firmware (LIN_PACK 0) and freestanding builds call no C library
   function: GCC would turn the loops that fill or copy into calls to
   memset and memcpy, so there it keeps them loops. */
#if defined(__GNUC__) && !defined(__clang__) && (LIN__FREESTANDING || !LIN_PACK)
#pragma GCC push_options
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#define LIN__POP_OPTIONS 1
#endif

/* ---- string operations: the C library's, or the header's own ---- */

#if LIN__FREESTANDING
#if defined(__GNUC__) || defined(__clang__)
#define LIN__MAYBE_UNUSED __attribute__((unused))
#else
#define LIN__MAYBE_UNUSED
#endif
LIN__MAYBE_UNUSED static void lin__memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) *d++ = *s++;
}
LIN__MAYBE_UNUSED static void lin__memset(void *dst, int c, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    while (n--) *d++ = (unsigned char)c;
}
LIN__MAYBE_UNUSED static int lin__memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    for (; n; --n, ++p, ++q)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}
LIN__MAYBE_UNUSED static size_t lin__strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}
#define LIN__MEMCPY lin__memcpy
#define LIN__MEMSET lin__memset
#define LIN__MEMCMP lin__memcmp
#define LIN__STRLEN lin__strlen
#else
#define LIN__MEMCPY memcpy
#define LIN__MEMSET memset
#define LIN__MEMCMP memcmp
#define LIN__STRLEN strlen
#endif

/* ---- status strings ---- */

LIN_API const char *lin_status_str(lin_status s)
{
    switch (s) {
    case LIN_OK:           return "ok";
    case LIN_ERR_NULL:     return "a required pointer is NULL";
    case LIN_ERR_RANK:     return "an operand has a number of dims the call does not take";
    case LIN_ERR_SHAPE:    return "the shapes do not fit together, or an output has another shape";
    case LIN_ERR_OVERFLOW: return "a count, byte size, offset or exact sum overflows";
    case LIN_ERR_ALIAS:    return "an output overlaps an input, another output or itself";
    case LIN_ERR_VALUE:    return "a parameter is outside its valid range";
    case LIN_ERR_SIZE:     return "a buffer is smaller than the call needs";
    case LIN_ERR_INDEX:    return "an index is out of range";
    case LIN_ERR_FORMAT:   return "the bytes are not a file of the format the call reads";
    case LIN_ERR_DTYPE:    return "the data has another element type than the call takes";
    case LIN_ERR_STATE:    return "the object's state does not allow the call";
    }
    return "unknown lin_status";
}

/* ---- messages (no stdio) ---- */

typedef struct lin__msg { char *buf; size_t cap, len; } lin__msg;

static void lin__puts(lin__msg *m, const char *s)
{
    if (!m) return;
    while (*s) {
        if (m->len + 1 < m->cap) m->buf[m->len++] = *s;
        ++s;
    }
    if (m->cap) m->buf[m->len] = '\0';   /* len < cap always */
}

/* v in decimal, written backwards from end (3 * sizeof(size_t) bytes
   before it do), NUL-terminated at end: its first digit */
static char *lin__udigits(size_t v, char *end)
{
    *end = '\0';
    do { *--end = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
    return end;
}

static void lin__putu(lin__msg *m, size_t v)
{
    char d[3 * sizeof(size_t) + 1];
    lin__puts(m, lin__udigits(v, d + sizeof d - 1));
}

static void lin__puti(lin__msg *m, ptrdiff_t v)
{
    if (v < 0) { lin__puts(m, "-"); lin__putu(m, (size_t)0 - (size_t)v); }
    else lin__putu(m, (size_t)v);
}

/* "[2, 3]" */
static void lin__putshape(lin__msg *m, int ndim, const size_t *shape)
{
    int d;
    lin__puts(m, "[");
    for (d = 0; d < ndim; ++d) {
        if (d) lin__puts(m, ", ");
        lin__putu(m, shape[d]);
    }
    lin__puts(m, "]");
}

/* "2x3" */
static void lin__putmat(lin__msg *m, size_t rows, size_t cols)
{
    lin__putu(m, rows);
    lin__puts(m, "x");
    lin__putu(m, cols);
}

/* v with 6 significant digits, as printf's %g: "-0.1", "1e-08", "inf" */
static void lin__putf(lin__msg *m, double v)
{
    char d[8];
    uint32_t digits;
    int e = 0, i, n, point;
    if (v != v) { lin__puts(m, "nan"); return; }
    if (v < 0 || (v == 0 && 1.0 / v < 0)) { lin__puts(m, "-"); v = -v; }
    if (v - v != 0) { lin__puts(m, "inf"); return; }     /* inf - inf is NaN; any finite v gives 0 */
    if (v == 0) { lin__puts(m, "0"); return; }
    while (v >= 999999.5) { v /= 10; ++e; }      /* v in [99999.95, 999999.5): 6 digits */
    while (v < 99999.95) { v *= 10; --e; }
    digits = (uint32_t)(v + 0.5);
    if (digits > 999999u) { digits /= 10; ++e; }
    e += 5;                                      /* the exponent of the leading digit */
    for (i = 5; i >= 0; --i) { d[i] = (char)('0' + (int)(digits % 10)); digits /= 10; }
    for (n = 6; n > 1 && d[n - 1] == '0'; --n) {}  /* %g drops trailing zeros */
    d[n] = '\0';
    if (e < -4 || e > 5) {                       /* 1.5e-08 */
        char lead[2];
        lead[0] = d[0];
        lead[1] = '\0';
        lin__puts(m, lead);
        if (n > 1) { lin__puts(m, "."); lin__puts(m, d + 1); }
        lin__puts(m, e < 0 ? "e-" : "e+");
        if ((e < 0 ? -e : e) < 10) lin__puts(m, "0");
        lin__putu(m, (size_t)(e < 0 ? -e : e));
        return;
    }
    if (e < 0) {                                 /* 0.00123 */
        lin__puts(m, "0.");
        for (i = -1; i > e; --i) lin__puts(m, "0");
        lin__puts(m, d);
        return;
    }
    point = e + 1;                               /* digits before the point */
    for (i = 0; i < point; ++i) {
        char c[2];
        c[0] = i < n ? d[i] : '0';
        c[1] = '\0';
        lin__puts(m, c);
    }
    if (n > point) { lin__puts(m, "."); lin__puts(m, d + point); }
}

/* A message into buf[0..buf_size), "" until something is written. */
static lin__msg lin__msg_start(char *buf, size_t buf_size)
{
    lin__msg m;
    m.buf = buf;
    m.cap = buf ? buf_size : 0;
    m.len = 0;
    if (m.cap) buf[0] = '\0';
    return m;
}

/* ---- size arithmetic ---- */

#define LIN__MAX_OFFSET ((size_t)PTRDIFF_MAX / sizeof(float))

/* *r = a * b; 0 on overflow. Factors below 2^(bits/2) cannot overflow,
   which spares the division on every call a layer makes. Where size_t
   has 32 bits and one instruction gives a product's 64 (Arm's umull from
   the Cortex-M3 on, RISC-V's mulhu), that high word is the test: fewer
   bytes and instructions (Cortex-M4, -Os: 38 -> 16 bytes) */
#if (defined(__arm__) && defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2) || \
    (defined(__riscv_mul) && defined(__riscv_xlen) && __riscv_xlen == 32)
#define LIN__MUL64 1
#endif
static int lin__mul(size_t a, size_t b, size_t *r)
{
#ifdef LIN__MUL64
    const uint64_t p = (uint64_t)a * b;
    if ((p >> 32) != 0) return 0;
    *r = (size_t)p;
#else
    if (((a | b) >> (sizeof(size_t) * 4)) && a && b > (size_t)-1 / a) return 0;
    *r = a * b;
#endif
    return 1;
}

/* product of n sizes saturating at SIZE_MAX; 0 if any is 0 */
static size_t lin__prod(int n, const size_t *s)
{
    size_t p = 1;
    int d, over = 0;
    for (d = 0; d < n; ++d) {
        if (s[d] == 0) return 0;
        if (!lin__mul(p, s[d], &p)) over = 1;
    }
    return over ? (size_t)-1 : p;
}

/* The element counts of a layer y (batch, out) = x (batch, in) . W (out, in)^T,
   each buffer's byte size (elem bytes an element) checked: the one size
   check of every (batch, in, out) entry point. 0 if a count overflows. */
typedef struct lin__dims { size_t nx, nw, ny; } lin__dims;

static int lin__layer_dims(size_t batch, size_t in, size_t out, size_t elem, lin__dims *d)
{
    const size_t small = (size_t)1 << (sizeof(size_t) * 4 - 2);
    if (!LIN__LEAST_CODE && (batch | in | out) < small) {   /* no product of two overflows, nor times 8 */
        d->nx = batch * in;
        d->nw = out * in;
        d->ny = batch * out;
        return 1;
    }
    return lin__mul(batch, in, &d->nx) && lin__mul(out, in, &d->nw) && lin__mul(batch, out, &d->ny) &&
           d->nx <= (size_t)-1 / elem && d->nw <= (size_t)-1 / elem && d->ny <= (size_t)-1 / elem;
}

/* n elements of elem bytes fit a byte count. */
static int lin__fits(size_t n, size_t elem)
{
    return n <= (size_t)-1 / elem;
}

/* ---- core: byte spans ----

   A buffer as the bytes [lo, lo + n) it occupies; an empty buffer, or a
   NULL one, occupies none and meets nothing. Every "an output must not
   overlap an input" check of the library is lin__meet on two spans (for
   views, lin__views_apart below, which starts from their spans). */
typedef struct lin__span { uintptr_t lo; size_t n; } lin__span;

/* count elements of elem bytes at p; the byte count must fit (checked) */
static LIN__INLINE_KERNEL void lin__span_set(lin__span *s, const void *p, size_t count, size_t elem)
{
    s->lo = (uintptr_t)p;
    s->n = p ? count * elem : 0;
}

/* n floats fit a byte count; a buffer with elements has data. */
static LIN__INLINE_KERNEL lin_status lin__check_buffer(const void *p, size_t n)
{
    if (!lin__fits(n, sizeof(float))) return LIN_ERR_OVERFLOW;
    return n && !p ? LIN_ERR_NULL : LIN_OK;
}

/* the span of n floats at p (n checked) */
static LIN__INLINE_KERNEL void lin__fspan(lin__span *s, const float *p, size_t n)
{
    lin__span_set(s, p, n, sizeof(float));
}

/* The nonempty span [yl, yl + yn) and the n bytes at pl share a byte:
   without branches, for the layer calls' checks, whose tiniest calls are
   mostly these comparisons; built for the least code, one copy out of
   line with branches (lin_linear_f32's checks on the M4 at -Os: 100 bytes
   -> 50) */
#if !LIN__LEAST_CODE
static LIN__INLINE_KERNEL int lin__hits(uintptr_t yl, size_t yn, uintptr_t pl, size_t n)
{
    return (n != 0) & (yl < pl + n) & (pl < yl + yn);
}
#else
LIN__NOINLINE static int lin__hits(uintptr_t yl, size_t yn, uintptr_t pl, size_t n)
{
    return n && yl < pl + n && pl < yl + yn;
}
#endif

/* lin__hits where both spans have bytes (n, yn > 0), in three operations:
   [pl, pl + n) meets [yl, yl + yn) when pl + n - yl lies in (0, yn + n) */
static LIN__INLINE_KERNEL int lin__hits_some(uintptr_t yl, size_t yn, uintptr_t pl, size_t n)
{
    return pl + n - yl - 1 < yn + n - 1;
}

/* An int8 layer's y ([yl, yl + yn), none if yn is 0) against what it
   reads: x and W (nx bytes of x, nw of W; both empty or neither), the
   bias (NULL, or an int32 for each of the out outputs) and two more spans
   of bytes, e and f (q twice; or the prepared buffer and *p). Inline, one
   compare each. */
static LIN__INLINE_KERNEL int lin__s8_meets(uintptr_t yl, size_t yn, const void *x, size_t nx, const void *w,
                                            size_t nw, const int32_t *bias, size_t out, const void *e, size_t ne,
                                            const void *f, size_t nf)
{
    int xw, b;
    if (!yn) return 0;
    xw = nx && (lin__hits_some(yl, yn, (uintptr_t)x, nx) | lin__hits_some(yl, yn, (uintptr_t)w, nw));
    b = bias && lin__hits_some(yl, yn, (uintptr_t)bias, out * sizeof(int32_t));
    return xw | b | lin__hits_some(yl, yn, (uintptr_t)e, ne) | lin__hits_some(yl, yn, (uintptr_t)f, nf);
}

static int lin__meet(const lin__span *a, const lin__span *b)
{
    return a->n && lin__hits(a->lo, a->n, b->lo, b->n);
}

/* Each output apart from every input and from the outputs before it. On a
   clash, if clash is not NULL: clash[0] the output, clash[1] what it meets
   (an input i, or nin + an earlier output). */
static int lin__apart(const lin__span *outs, int nout, const lin__span *ins, int nin, int *clash)
{
    int o, i;
    for (o = 0; o < nout; ++o) {
        for (i = 0; i < nin; ++i)
            if (lin__meet(&outs[o], &ins[i])) goto met;
        for (i = 0; i < o; ++i)
            if (lin__meet(&outs[o], &outs[i])) { i += nin; goto met; }
    }
    return 1;
met:
    if (clash) { clash[0] = o; clash[1] = i; }
    return 0;
}


/* ---- core: what a buffer check's status means, in words ----

   The checks stay as they are (on the fast paths, without messages); an
   *_explain function runs the same check, then names what it refused from
   the buffers it describes here. */
typedef struct lin__named { const char *name; const void *p; size_t n, elem; } lin__named;

#define LIN__NAMED_MAX 8

/* b: name, n elements of elem bytes at p; n 0 for an absent optional buffer */
static void lin__name(lin__named *b, const char *name, const void *p, size_t n, size_t elem)
{
    b->name = name;
    b->p = p;
    b->n = n;
    b->elem = elem;
}

static lin_status lin__say_null(lin__msg *m, const char *name, size_t n)
{
    lin__puts(m, name);
    lin__puts(m, " is NULL but has ");
    lin__putu(m, n);
    lin__puts(m, n == 1 ? " element" : " elements");
    return LIN_ERR_NULL;
}

/* s as the check returned it: for LIN_ERR_NULL the first buffer with
   elements and no data, for LIN_ERR_ALIAS the first output that meets an
   input or an earlier output. Returns s. */
static lin_status lin__say_buffers(lin__msg *m, lin_status s, const lin__named *outs, int nout,
                                   const lin__named *ins, int nin)
{
    lin__span os[LIN__NAMED_MAX], is[LIN__NAMED_MAX];
    int i, clash[2];
    if (s == LIN_ERR_NULL) {
        for (i = 0; i < nin + nout; ++i) {
            const lin__named *b = i < nin ? &ins[i] : &outs[i - nin];
            if (b->n && !b->p) return lin__say_null(m, b->name, b->n);
        }
    } else if (s == LIN_ERR_ALIAS) {
        for (i = 0; i < nout; ++i) lin__span_set(&os[i], outs[i].p, outs[i].n, outs[i].elem);
        for (i = 0; i < nin; ++i) lin__span_set(&is[i], ins[i].p, ins[i].n, ins[i].elem);
        if (!lin__apart(os, nout, is, nin, clash)) {
            lin__puts(m, outs[clash[0]].name);
            lin__puts(m, " overlaps ");
            lin__puts(m, clash[1] < nin ? ins[clash[1]].name : outs[clash[1] - nin].name);
        }
    }
    return s;
}

/* a (batch, in, out) call whose buffer sizes overflow */
static lin_status lin__say_dims(lin__msg *m, size_t batch, size_t in, size_t out)
{
    lin__puts(m, "batch ");
    lin__putu(m, batch);
    lin__puts(m, ", in_features ");
    lin__putu(m, in);
    lin__puts(m, ", out_features ");
    lin__putu(m, out);
    lin__puts(m, ": a buffer of these sizes has more bytes than size_t can count");
    return LIN_ERR_OVERFLOW;
}

/* The message of a (batch, in, out) layer call's status s: x, weight,
   bias, y of d's sizes. */
static lin_status lin__say_layer_call(lin__msg *m, lin_status s, const void *x, const void *weight,
                                      const void *bias, const void *y, size_t batch, size_t in,
                                      size_t out, size_t elem, size_t bias_elem, const lin__dims *d)
{
    lin__named o, i[3];
    if (s == LIN_ERR_OVERFLOW) return lin__say_dims(m, batch, in, out);
    lin__name(&o, "y", y, d->ny, elem);
    lin__name(&i[0], "x", x, d->nx, elem);
    lin__name(&i[1], "weight", weight, d->nw, elem);
    lin__name(&i[2], "bias", bias, bias ? out : 0, bias_elem);
    return lin__say_buffers(m, s, &o, 1, i, 3);
}

/* The checks every (batch, in, out) layer call shares, in this order:
   the sizes (LIN_ERR_OVERFLOW), a pointer for every buffer with elements
   (LIN_ERR_NULL), y apart from x, weight and bias (LIN_ERR_ALIAS). elem:
   the bytes of an element of x, W and y; bias_elem: of the bias. */
static LIN__INLINE_KERNEL lin_status lin__check_layer_call(const void *x, const void *weight,
                                                           const void *bias, const void *y, size_t batch,
                                                           size_t in, size_t out, size_t elem,
                                                           size_t bias_elem, lin__dims *d)
{
    const uintptr_t yl = (uintptr_t)y;
    size_t yn;
    if (!lin__layer_dims(batch, in, out, elem, d) || !lin__fits(out, bias_elem)) return LIN_ERR_OVERFLOW;
    if ((d->nx && !x) || (d->nw && !weight) || (d->ny && !y)) return LIN_ERR_NULL;
    /* lin__meet of y's span with each input's */
    yn = d->ny * elem;
    return yn && (lin__hits(yl, yn, (uintptr_t)x, d->nx * elem) |
                  lin__hits(yl, yn, (uintptr_t)weight, d->nw * elem) |
                  lin__hits(yl, yn, (uintptr_t)bias, bias ? out * bias_elem : 0))
               ? LIN_ERR_ALIAS
               : LIN_OK;
}

/* ---- tensor views ---- */

static lin_tensor lin__invalid_view(void)
{
    lin_tensor t;
    LIN__MEMSET(&t, 0, sizeof t);
    t.ndim = -1;
    return t;
}

LIN_API lin_tensor lin_tensor_view(float *data, int ndim, const size_t *shape)
{
    lin_tensor t;
    size_t run = 1;
    int d;
    if (ndim < 0 || ndim > LIN_MAX_DIMS || (ndim > 0 && !shape)) return lin__invalid_view();
    LIN__MEMSET(&t, 0, sizeof t);
    t.data = data;
    t.ndim = ndim;
    for (d = ndim - 1; d >= 0; --d) {
        t.shape[d] = shape[d];
        t.stride[d] = run > (size_t)PTRDIFF_MAX ? PTRDIFF_MAX : (ptrdiff_t)run;
        if (!lin__mul(run, shape[d] ? shape[d] : 1, &run)) run = (size_t)-1;
    }
    return t;
}

LIN_API lin_tensor lin_vector(float *data, size_t n)
{
    return lin_tensor_view(data, 1, &n);
}

LIN_API lin_tensor lin_matrix(float *data, size_t rows, size_t cols)
{
    size_t shape[2];
    shape[0] = rows;
    shape[1] = cols;
    return lin_tensor_view(data, 2, shape);
}

LIN_API lin_tensor lin_transpose(const lin_tensor *t)
{
    lin_tensor r;
    int d;
    if (!t || t->ndim < 0 || t->ndim > LIN_MAX_DIMS) return lin__invalid_view();
    r = *t;
    for (d = 0; d < t->ndim; ++d) {
        r.shape[d] = t->shape[t->ndim - 1 - d];
        r.stride[d] = t->stride[t->ndim - 1 - d];
    }
    return r;
}

LIN_API size_t lin_numel(const lin_tensor *t)
{
    if (!t || t->ndim < 0 || t->ndim > LIN_MAX_DIMS) return 0;
    return lin__prod(t->ndim, t->shape);
}

/* t has exactly the shape (ndim, shape). */
static LIN__INLINE_KERNEL int lin__same_shape(const lin_tensor *t, int ndim, const size_t *shape)
{
    int d;
    if (t->ndim != ndim) return 0;
    for (d = 0; d < ndim; ++d)
        if (t->shape[d] != shape[d]) return 0;
    return 1;
}

/* ---- validation ---- */

/* What validation learns about one operand. */
typedef struct lin__info {
    size_t numel;
    size_t extent;        /* largest element offset reached, 0 if empty */
} lin__info;

/* One tensor on its own: rank, strides, sizes, data. */
static lin_status lin__check_tensor(const lin_tensor *t, const char *name,
                                    lin__msg *msg, lin__info *info)
{
    size_t n = 1, extent = 0, part;
    int d, over = 0;
    if (t->ndim < 0 || t->ndim > LIN_MAX_DIMS) {
        lin__puts(msg, name);
        lin__puts(msg, " has ndim ");
        lin__puti(msg, t->ndim);
        lin__puts(msg, ", outside 0..");
        lin__putu(msg, LIN_MAX_DIMS);
        return LIN_ERR_RANK;
    }
    for (d = 0; d < t->ndim; ++d) {
        if (t->stride[d] < 0) {
            lin__puts(msg, name);
            lin__puts(msg, " has a negative stride (");
            lin__puti(msg, t->stride[d]);
            lin__puts(msg, ") at dim ");
            lin__putu(msg, (size_t)d);
            return LIN_ERR_VALUE;
        }
    }
    for (d = 0; d < t->ndim; ++d) {
        if (t->shape[d] == 0) { n = 0; break; }
        if (!lin__mul(n, t->shape[d], &n)) over = 1;
    }
    if (n && (over || n > (size_t)-1 / sizeof(float))) {
        lin__puts(msg, name);
        lin__puts(msg, " of shape ");
        lin__putshape(msg, t->ndim, t->shape);
        lin__puts(msg, " has more bytes than size_t can count");
        return LIN_ERR_OVERFLOW;
    }
    for (d = 0; n && d < t->ndim; ++d) {
        if (!lin__mul(t->shape[d] - 1, (size_t)t->stride[d], &part) ||
            part > LIN__MAX_OFFSET - extent) {
            lin__puts(msg, name);
            lin__puts(msg, ": its strides reach past PTRDIFF_MAX bytes");
            return LIN_ERR_OVERFLOW;
        }
        extent += part;
    }
    if (n && !t->data) {
        lin__puts(msg, name);
        lin__puts(msg, "->data is NULL but ");
        lin__puts(msg, name);
        lin__puts(msg, " has ");
        lin__putu(msg, n);
        lin__puts(msg, n == 1 ? " element" : " elements");
        return LIN_ERR_NULL;
    }
    info->numel = n;
    info->extent = extent;
    return LIN_OK;
}

/* Residues modulo pitch (elements), counted from origin, that t's bytes
   occupy: [*lo, *hi). 0 if they wrap around the pitch and so prove nothing. */
static int lin__residues(const lin_tensor *t, uintptr_t origin, size_t pitch,
                         uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t period = (uintptr_t)pitch * sizeof(float), inner = 0;
    int d;
    for (d = 0; d < t->ndim; ++d)
        if (t->shape[d] > 1 && (size_t)t->stride[d] % pitch)
            inner += (uintptr_t)(t->shape[d] - 1) * (uintptr_t)t->stride[d];
    *lo = ((uintptr_t)t->data - origin) % period;
    *hi = *lo + (inner + 1) * sizeof(float);
    return inner < pitch && *hi <= period;
}

/* May two validated, non-empty views share a byte? Exact for disjoint
   address ranges; also proves apart the column blocks of one row-major
   buffer (two slices x[:, 0:3] and x[:, 3:5] of the same rows), by finding
   a common pitch in which their residues do not meet. Otherwise says yes. */
static int lin__views_overlap(const lin_tensor *p, const lin__info *pi,
                              const lin_tensor *q, const lin__info *qi)
{
    const lin_tensor *v[2];
    lin__span ps, qs;
    uintptr_t origin;
    int w, d;
    if (!pi->numel || !qi->numel) return 0;
    lin__span_set(&ps, p->data, pi->extent + 1, sizeof(float));
    lin__span_set(&qs, q->data, qi->extent + 1, sizeof(float));
    if (!lin__meet(&ps, &qs)) return 0;
    v[0] = p;
    v[1] = q;
    origin = (uintptr_t)p->data < (uintptr_t)q->data ? (uintptr_t)p->data : (uintptr_t)q->data;
    for (w = 0; w < 2; ++w) {
        for (d = 0; d < v[w]->ndim; ++d) {
            size_t pitch = (size_t)v[w]->stride[d];
            uintptr_t plo, phi, qlo, qhi;
            if (v[w]->shape[d] < 2 || pitch < 2 || pitch > LIN__MAX_OFFSET) continue;
            if (lin__residues(p, origin, pitch, &plo, &phi) &&
                lin__residues(q, origin, pitch, &qlo, &qhi) &&
                (phi <= qlo || qhi <= plo))
                return 0;
        }
    }
    return 1;
}

/* May two index tuples of t reach the same element? Sorting the dims by
   stride, each stride must pass the whole extent of the smaller ones: a
   sufficient test, so a few exotic interleavings count as overlapping. */
static int lin__self_overlap(const lin_tensor *t)
{
    int order[LIN_MAX_DIMS], n = 0, d, i, j;
    size_t reach = 0;
    for (d = 0; d < t->ndim; ++d) {
        if (t->shape[d] == 0) return 0;
        if (t->shape[d] > 1) order[n++] = d;
    }
    for (i = 1; i < n; ++i)             /* insertion sort by stride */
        for (j = i; j > 0 && t->stride[order[j - 1]] > t->stride[order[j]]; --j) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    for (i = 0; i < n; ++i) {
        size_t s = (size_t)t->stride[order[i]];
        if (s <= reach) return 1;       /* includes a stride of 0 */
        reach += (t->shape[order[i]] - 1) * s;
    }
    return 0;
}

/* A view with what lin__check_tensor learnt of it and its name, for the
   messages; t NULL: an optional operand that is absent. */
typedef struct lin__view { const lin_tensor *t; lin__info info; const char *name; } lin__view;

static lin_status lin__view_check(lin__view *v, const lin_tensor *t, const char *name, lin__msg *msg)
{
    v->t = t;
    v->name = name;
    v->info.numel = 0;
    v->info.extent = 0;
    return t ? lin__check_tensor(t, name, msg, &v->info) : LIN_OK;
}

/* Each output view apart from itself, from every input and from the
   outputs before it (absent ones skipped); msg names the first pair that
   meets. The one overlap check of every operation on views. */
static lin_status lin__views_apart(const lin__view *outs, int nout, const lin__view *ins, int nin,
                                   lin__msg *msg)
{
    int o, i;
    for (o = 0; o < nout; ++o) {
        if (!outs[o].t) continue;
        if (lin__self_overlap(outs[o].t)) {
            lin__puts(msg, outs[o].name);
            lin__puts(msg, " overlaps itself: its strides reach one element twice");
            return LIN_ERR_ALIAS;
        }
        for (i = 0; i < nin + o; ++i) {
            const lin__view *v = i < nin ? &ins[i] : &outs[i - nin];
            if (v->t && lin__views_overlap(outs[o].t, &outs[o].info, v->t, &v->info)) {
                lin__puts(msg, outs[o].name);
                lin__puts(msg, " overlaps ");
                lin__puts(msg, v->name);
                return LIN_ERR_ALIAS;
            }
        }
    }
    /* and every output's data apart from every lin_tensor of the call,
       whose data pointers, shapes and strides are read as it is written */
    for (o = 0; o < nout; ++o) {
        lin__span d, t;
        if (!outs[o].t || !outs[o].info.numel) continue;
        lin__span_set(&d, outs[o].t->data, outs[o].info.extent + 1, sizeof(float));
        for (i = 0; i < nin + nout; ++i) {
            const lin__view *v = i < nin ? &ins[i] : &outs[i - nin];
            lin__span_set(&t, v->t, 1, sizeof *v->t);
            if (lin__meet(&d, &t)) {
                lin__puts(msg, outs[o].name);
                lin__puts(msg, "'s data overlaps ");
                lin__puts(msg, v->name);
                lin__puts(msg, " (the lin_tensor)");
                return LIN_ERR_ALIAS;
            }
        }
    }
    return LIN_OK;
}

/* The operands of a call on views, each checked on its own into v[]:
   t[0..nreq) required (NULL is LIN_ERR_NULL, "x is NULL"), the n - nreq
   after them optional (a bias, the outputs); names[i] names t[i]. The one
   operand check of every operation on views. */
static lin_status lin__views_check(lin__view *v, const lin_tensor *const *t, const char *const *names,
                                   int nreq, int n, lin__msg *msg)
{
    lin_status s;
    int i;
    for (i = 0; i < nreq; ++i)
        if (!t[i]) {
            lin__puts(msg, names[i]);
            lin__puts(msg, " is NULL");
            return LIN_ERR_NULL;
        }
    for (i = 0; i < n; ++i)
        if ((s = lin__view_check(&v[i], t[i], names[i], msg)) != LIN_OK) return s;
    return LIN_OK;
}

/* ---- planning ---- */

/* One strided product out = bias + A*B per batch index, for lin__gemm. */
typedef struct lin__plan {
    size_t m, n, k;
    const float *a, *b, *bias;
    float *c;
    ptrdiff_t a_rs, a_cs, b_rs, b_cs, c_rs, c_cs, bias_s;
    int nbatch;                              /* broadcast batch dims */
    size_t batch[LIN_MAX_DIMS];
    ptrdiff_t a_bs[LIN_MAX_DIMS], b_bs[LIN_MAX_DIMS], c_bs[LIN_MAX_DIMS];
    int out_ndim;                            /* the result's shape */
    size_t out_shape[LIN_MAX_DIMS];
    size_t out_numel;
} lin__plan;

static lin_status lin__rank_error(lin__msg *msg, const char *op, int da, int db)
{
    lin__puts(msg, "both arguments to ");
    lin__puts(msg, op);
    lin__puts(msg, " need to be at least 1D, but they are ");
    lin__putu(msg, (size_t)da);
    lin__puts(msg, "D and ");
    lin__putu(msg, (size_t)db);
    lin__puts(msg, "D");
    return LIN_ERR_RANK;
}

static lin_status lin__mm_error(lin__msg *msg, size_t r1, size_t c1, size_t r2, size_t c2)
{
    lin__puts(msg, "mat1 and mat2 shapes cannot be multiplied (");
    lin__putmat(msg, r1, c1);
    lin__puts(msg, " and ");
    lin__putmat(msg, r2, c2);
    lin__puts(msg, ")");
    return LIN_ERR_SHAPE;
}

static lin_status lin__mv_error(lin__msg *msg, size_t rows, size_t cols, size_t vec)
{
    lin__puts(msg, "size mismatch, got ");
    lin__putu(msg, rows);
    lin__puts(msg, ", ");
    lin__putmat(msg, rows, cols);
    lin__puts(msg, ",");
    lin__putu(msg, vec);
    return LIN_ERR_SHAPE;
}

/* Does torch.matmul (1.13) fold t's batch into rows when the other operand
   has `other` dims? For 3-D and up against 1-D or 2-D, except a 3-D operand
   whose last two dims are transposed in memory (permute(0, 2, 1)), which it
   hands to bmm. Only the wording of an error depends on it. */
static int lin__torch_folds(const lin_tensor *t, int other)
{
    if (t->ndim < 3 || other > 2) return 0;
    return !(t->ndim == 3 && other == 2 && t->stride[2] != 1 &&
             (size_t)t->stride[0] == t->shape[1] * t->shape[2]);
}

/* The shapes of a @ b (both validated, ndim >= 1) with torch.matmul's rules
   and, when they do not fit, torch.matmul's message for the path it takes:
   dot, mv, mm, a fold of the batch into rows, or bmm with broadcasting. */
static lin_status lin__plan_shapes(const lin_tensor *a, const lin_tensor *b,
                                   lin__msg *msg, lin__plan *p)
{
    int da = a->ndim, db = b->ndim, na = da >= 2 ? da - 2 : 0, nb = db >= 2 ? db - 2 : 0;
    int nbatch = na > nb ? na : nb, d;
    size_t ka = a->shape[da - 1], kb = b->shape[db >= 2 ? db - 2 : 0];
    size_t m = da >= 2 ? a->shape[da - 2] : 1, n = db >= 2 ? b->shape[db - 1] : 1;

    LIN__MEMSET(p, 0, sizeof *p);
    if (ka != kb) {
        if (da == 1 && db == 1) {
            lin__puts(msg, "inconsistent tensor size, expected tensor [");
            lin__putu(msg, ka);
            lin__puts(msg, "] and src [");
            lin__putu(msg, kb);
            lin__puts(msg, "] to have the same number of elements, but got ");
            lin__putu(msg, ka);
            lin__puts(msg, " and ");
            lin__putu(msg, kb);
            lin__puts(msg, " elements respectively");
            return LIN_ERR_SHAPE;
        }
        if (da == 2 && db == 1) return lin__mv_error(msg, m, ka, kb);
        if (da == 1 && db == 2) return lin__mm_error(msg, 1, ka, kb, n);
        if (da == 2 && db == 2) return lin__mm_error(msg, m, ka, kb, n);
        if (lin__torch_folds(a, db)) {  /* (*, m, k) @ b: batch folded into rows */
            size_t rows = lin__prod(na, a->shape) * m;
            return db == 1 ? lin__mv_error(msg, rows, ka, kb) : lin__mm_error(msg, rows, ka, kb, n);
        }
        if (lin__torch_folds(b, da)) {  /* a @ (*, k, n) as (b^T @ a^T)^T, folded */
            size_t rows = lin__prod(nb, b->shape) * n;
            return da == 1 ? lin__mv_error(msg, rows, kb, ka) : lin__mm_error(msg, rows, kb, ka, m);
        }
        /* otherwise torch broadcasts and calls bmm: its messages follow */
    }
    /* broadcast the batch dims, aligned at the right; report the rightmost
       mismatch, as PyTorch's infer_size does */
    for (d = nbatch - 1; d >= 0; --d) {
        int ia = d - (nbatch - na), ib = d - (nbatch - nb);
        size_t sa = ia >= 0 ? a->shape[ia] : 1, sb = ib >= 0 ? b->shape[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            lin__puts(msg, "The size of tensor a (");
            lin__putu(msg, sa);
            lin__puts(msg, ") must match the size of tensor b (");
            lin__putu(msg, sb);
            lin__puts(msg, ") at non-singleton dimension ");
            lin__putu(msg, (size_t)d);
            return LIN_ERR_SHAPE;
        }
        p->batch[d] = sa == 1 ? sb : sa;
        p->a_bs[d] = ia >= 0 && sa > 1 ? a->stride[ia] : 0;
        p->b_bs[d] = ib >= 0 && sb > 1 ? b->stride[ib] : 0;
    }
    if (ka != kb) {
        size_t bsz = lin__prod(nbatch, p->batch);
        lin__puts(msg, "Expected size for first two dimensions of batch2 tensor to be: [");
        lin__putu(msg, bsz);
        lin__puts(msg, ", ");
        lin__putu(msg, ka);
        lin__puts(msg, "] but got: [");
        lin__putu(msg, bsz);
        lin__puts(msg, ", ");
        lin__putu(msg, kb);
        lin__puts(msg, "].");
        return LIN_ERR_SHAPE;
    }
    p->nbatch = nbatch;
    p->m = m;
    p->n = n;
    p->k = ka;
    p->a_rs = da >= 2 ? a->stride[da - 2] : 0;
    p->a_cs = a->stride[da - 1];
    p->b_rs = b->stride[db >= 2 ? db - 2 : 0];
    p->b_cs = db >= 2 ? b->stride[db - 1] : 0;
    p->out_ndim = nbatch;
    LIN__MEMCPY(p->out_shape, p->batch, (size_t)nbatch * sizeof(size_t));
    if (da >= 2) p->out_shape[p->out_ndim++] = m;
    if (db >= 2) p->out_shape[p->out_ndim++] = n;
    p->out_numel = lin__prod(p->out_ndim, p->out_shape);
    if (p->out_numel > (size_t)-1 / sizeof(float)) {
        lin__puts(msg, "the result of shape ");
        lin__putshape(msg, p->out_ndim, p->out_shape);
        lin__puts(msg, " has more bytes than size_t can count");
        return LIN_ERR_OVERFLOW;
    }
    return LIN_OK;
}

/* t, named name, has the shape (ndim, shape) of what (an operand, "the
   result"): LIN_ERR_SHAPE and "grad_x has shape [2, 3] but x has shape
   [2, 4]" otherwise. */
static lin_status lin__check_shape(const lin_tensor *t, const char *name, int ndim, const size_t *shape,
                                   const char *what, lin__msg *msg)
{
    if (lin__same_shape(t, ndim, shape)) return LIN_OK;
    lin__puts(msg, name);
    lin__puts(msg, " has shape ");
    lin__putshape(msg, t->ndim, t->shape);
    lin__puts(msg, " but ");
    lin__puts(msg, what);
    lin__puts(msg, " has shape ");
    lin__putshape(msg, ndim, shape);
    return LIN_ERR_SHAPE;
}

/* out has exactly the planned shape. */
static lin_status lin__check_out(const lin_tensor *out, const char *name, const lin__plan *p,
                                 lin__msg *msg)
{
    return lin__check_shape(out, name, p->out_ndim, p->out_shape, "the result", msg);
}

/* Fold batch dims into the rows (or columns) of the product where the
   strides line up, as torch.matmul folds (*, m, k) @ (k, n) into one mm:
   fewer, larger GEMMs, the same sums. */
static int lin__fold_into(size_t size, ptrdiff_t *stride, ptrdiff_t dim_stride)
{
    if (size == 1) { *stride = dim_stride; return 1; }
    return dim_stride == (ptrdiff_t)size * *stride;
}

static void lin__fold(lin__plan *p)
{
    while (p->nbatch > 0) {
        int d = p->nbatch - 1;
        size_t sz = p->batch[d];
        ptrdiff_t ars = p->a_rs, crs = p->c_rs, bcs = p->b_cs, ccs = p->c_cs;
        if (sz == 1) { p->nbatch--; continue; }
        if (p->b_bs[d] == 0 && lin__fold_into(p->m, &ars, p->a_bs[d]) &&
            lin__fold_into(p->m, &crs, p->c_bs[d])) {
            p->a_rs = ars;
            p->c_rs = crs;
            p->m *= sz;
        } else if (p->a_bs[d] == 0 && !(p->bias && p->bias_s) &&   /* bias is per column */
                   lin__fold_into(p->n, &bcs, p->b_bs[d]) &&
                   lin__fold_into(p->n, &ccs, p->c_bs[d])) {
            p->b_cs = bcs;
            p->c_cs = ccs;
            p->n *= sz;
        } else {
            break;
        }
        p->nbatch--;
    }
}

/* ---- core: GEMM operands ----

   Every float product of the library is one call of lin__gemm with a
   lin__gemm_op: C (m, n) = A (m, k) . B (k, n) in one of three named modes.
   Operands are strided matrices, built by the functions below, never by
   hand: a row-major buffer, its transpose, the last two dims of a view,
   a block of rows. They are filled field by field through pointers: a
   struct copy is a memcpy call on Cortex-M0 at -Os, and the core must not
   need libc. */

typedef enum lin__mode {
    LIN__SET,           /* C = bias + A . B (no bias: C = A . B)              */
    LIN__ADD,           /* C += A . B, as autograd accumulates .grad          */
    LIN__ADD_SCALED     /* C += alpha * (A . B), the product rounded first    */
} lin__mode;

/* An operand: element (i, j) at p[i*rs + j*cs]. */
typedef struct lin__mat { const float *p; ptrdiff_t rs, cs; } lin__mat;
/* The result: element (i, j) at p[i*rs + j*cs]. */
typedef struct lin__dst { float *p; ptrdiff_t rs, cs; } lin__dst;

typedef struct lin__gemm_op {
    lin__mode mode;
    size_t m, n, k;
    lin__mat a, b;
    lin__dst c;
    const float *bias;          /* LIN__SET: bias[j*bias_s] starts column j */
    ptrdiff_t bias_s;
    float alpha;                /* LIN__ADD_SCALED */
    int isa;                    /* the kernel family: -1 for the one that runs now */
    const float *bpre;          /* a prepared layer's packed B, or NULL */
    float *ws;                  /* the caller's scratch for the packed blocks, or NULL */
    size_t ws_floats;
} lin__gemm_op;

static void lin__op_init(lin__gemm_op *op, lin__mode mode, size_t m, size_t n, size_t k)
{
    op->mode = mode;
    op->m = m;
    op->n = n;
    op->k = k;
    op->bias = NULL;
    op->bias_s = 0;
    op->alpha = 1.0f;
    op->isa = -1;
    op->bpre = NULL;
    op->ws = NULL;
    op->ws_floats = 0;
}

/* m = the strided matrix at p */
static void lin__mat_strided(lin__mat *m, const float *p, ptrdiff_t rs, ptrdiff_t cs)
{
    m->p = p;
    m->rs = rs;
    m->cs = cs;
}

/* m = a row-major (rows, ld) buffer */
static void lin__mat_rows(lin__mat *m, const float *p, size_t ld)
{
    lin__mat_strided(m, p, (ptrdiff_t)ld, 1);
}

/* m = the transpose (ld, rows) of a row-major (rows, ld) buffer: for
   W (out, in), W^T (in, out), each column a row of W */
static void lin__mat_rows_t(lin__mat *m, const float *p, size_t ld)
{
    lin__mat_strided(m, p, 1, (ptrdiff_t)ld);
}

/* m = the last two dims of a view at element offset off (a 1-D view:
   one row); with transpose, their transpose */
static LIN__INLINE_KERNEL void lin__mat_view(lin__mat *m, const lin_tensor *t, ptrdiff_t off, int transpose)
{
    ptrdiff_t rs = t->ndim >= 2 ? t->stride[t->ndim - 2] : 0, cs = t->stride[t->ndim - 1];
    lin__mat_strided(m, t->data + off, transpose ? cs : rs, transpose ? rs : cs);
}

/* m = the block of `of` whose element (0, 0) is of's (i, j) */
static void lin__mat_block(lin__mat *m, const lin__mat *of, size_t i, size_t j)
{
    lin__mat_strided(m, of->p + (ptrdiff_t)i * of->rs + (ptrdiff_t)j * of->cs, of->rs, of->cs);
}

static void lin__dst_strided(lin__dst *c, float *p, ptrdiff_t rs, ptrdiff_t cs)
{
    c->p = p;
    c->rs = rs;
    c->cs = cs;
}

/* c = a row-major (rows, ld) buffer */
static void lin__dst_rows(lin__dst *c, float *p, size_t ld)
{
    lin__dst_strided(c, p, (ptrdiff_t)ld, 1);
}

/* c = the last two dims of a view at element offset off (1-D: one row) */
static LIN__INLINE_KERNEL void lin__dst_view(lin__dst *c, lin_tensor *t, ptrdiff_t off)
{
    lin__dst_strided(c, t->data + off, t->ndim >= 2 ? t->stride[t->ndim - 2] : 0, t->stride[t->ndim - 1]);
}

#define LIN__MIN(a, b) ((a) < (b) ? (a) : (b))

/* the first 64-byte boundary at or after p */
static float *lin__align64(float *p)
{
    return (float *)(void *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u);
}

/* ---- kernels: the direct path ---- */

/* Inlined where the packed GEMM is built (a call was a third of a 3 -> 2
   layer's time); out of line on Cortex-M (LIN_PACK 0), where every product
   takes it, so the callers' frames stay small. */
#if LIN_PACK
#define LIN__DIRECT_LINKAGE LIN__INLINE_KERNEL
#else
#define LIN__DIRECT_LINKAGE LIN__NOINLINE
#endif
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 5
/* Inlined into a caller that hands lin_linear_f32 an output overlapping
   too small an array (an error it refuses before this runs), GCC's
   -Warray-bounds still reasons about the stores below it never reaches. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
#ifdef LIN__HAS_MVE_F32
/* Helium (MVE with float): s[q] = x . w_q for rows (4, 2 or 1) rows
   w_q = w + q*ws of W, k long: x loaded once for them all, four lanes
   each, two vector steps a pass in the assembly (post-incremented loads
   and the low-overhead loop, which GCC's own two-step loop lost: 66k ->
   101k), the last one or two vectors tail-predicated in C (lanes past k
   load as 0 and add 0*0), the lanes summed at the end (MVE has no float
   add across a vector: four accumulators are transposed through memory).
   Each sum's order is (l0 + l1) + (l2 + l3) over its lanes whatever the
   number of rows: the bits do not depend on it. At -O2, 784 -> 128 went
   66.0k -> 61.8k instructions and 128 -> 10 1,313 -> 1,094 (the last two
   rows together, and the biases added four at a time); CMSIS-DSP 65.3k
   and 1,123. The price is flash at -O2: 860 -> 1,104 bytes (CMSIS-DSP
   1,012). Built for size (-Os) there is no two-row mode: one to three
   rows run as four, the missing ones copies of the last (800 bytes;
   CMSIS-DSP 906). */
#define LIN__MVE_X "vldrw.u32 %q[xv], [%[x]], #16\n\t"
#define LIN__MVE_ROW(a, w) "vldrw.u32 %q[t], [%[" w "]], #16\n\tvfma.f32 %q[" a "], %q[xv], %q[t]\n\t"
#define LIN__MVE_SUM(a) ((vgetq_lane_f32(a, 0) + vgetq_lane_f32(a, 1)) + (vgetq_lane_f32(a, 2) + vgetq_lane_f32(a, 3)))
LIN__NOINLINE static void lin__dot4_f32_mve(const float *x, const float *w, ptrdiff_t ws, size_t k, size_t rows,
                                            float *s)
{
#if LIN__LEAST_CODE
    /* built for size: four rows always, the missing ones copies of the
       last that exists (their sums dropped by the caller) */
    const float *w1 = rows > 1 ? w + ws : w, *w2 = rows > 2 ? w1 + ws : w1, *w3 = rows > 3 ? w2 + ws : w2;
#else
    const float *w1 = rows > 1 ? w + ws : w, *w2 = w1 + ws, *w3 = w2 + ws;
#endif
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0, xv;
#if LIN__MVE_ASM
    float32x4_t t;
#endif
    const size_t c = k / 8;
    size_t p;
    if (!LIN__LEAST_CODE && rows < 4) {     /* one or two rows (one: the row twice, the second sum dropped) */
#if !LIN__MVE_ASM
        for (p = 2 * c; p; --p, x += 4, w += 4, w1 += 4) {
            xv = vld1q_f32(x);
            a0 = vfmaq_f32(a0, xv, vld1q_f32(w));
            a1 = vfmaq_f32(a1, xv, vld1q_f32(w1));
        }
#else
        if (c)
            __asm__("dls lr, %[c]\n1:\n\t" LIN__MVE_X LIN__MVE_ROW("a0", "w0") LIN__MVE_ROW("a1", "w1")
                    LIN__MVE_X LIN__MVE_ROW("a0", "w0") LIN__MVE_ROW("a1", "w1") "le lr, 1b"
                    : [x] "+r"(x), [w0] "+r"(w), [w1] "+r"(w1), [a0] "+w"(a0), [a1] "+w"(a1), [xv] "=&w"(xv),
                      [t] "=&w"(t)
                    : [c] "r"(c)
                    : "lr", "memory");
#endif
        for (p = k % 8; p; p -= p < 4 ? p : 4, x += 4, w += 4, w1 += 4) {   /* the last one or two vectors */
            const mve_pred16_t pr = vctp32q((uint32_t)p);
            xv = vldrwq_z_f32(x, pr);
            a0 = vfmaq_f32(a0, xv, vldrwq_z_f32(w, pr));
            a1 = vfmaq_f32(a1, xv, vldrwq_z_f32(w1, pr));
        }
        s[0] = LIN__MVE_SUM(a0);
        s[1] = LIN__MVE_SUM(a1);
        return;
    }
#if !LIN__MVE_ASM
    for (p = 2 * c; p; --p, x += 4, w += 4, w1 += 4, w2 += 4, w3 += 4) {
        xv = vld1q_f32(x);
        a0 = vfmaq_f32(a0, xv, vld1q_f32(w));
        a1 = vfmaq_f32(a1, xv, vld1q_f32(w1));
        a2 = vfmaq_f32(a2, xv, vld1q_f32(w2));
        a3 = vfmaq_f32(a3, xv, vld1q_f32(w3));
    }
#else
    if (c)
        __asm__("dls lr, %[c]\n1:\n\t" LIN__MVE_X LIN__MVE_ROW("a0", "w0") LIN__MVE_ROW("a1", "w1")
                LIN__MVE_ROW("a2", "w2") LIN__MVE_ROW("a3", "w3") LIN__MVE_X LIN__MVE_ROW("a0", "w0")
                LIN__MVE_ROW("a1", "w1") LIN__MVE_ROW("a2", "w2") LIN__MVE_ROW("a3", "w3") "le lr, 1b"
                : [x] "+r"(x), [w0] "+r"(w), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [a0] "+w"(a0),
                  [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [xv] "=&w"(xv), [t] "=&w"(t)
                : [c] "r"(c)
                : "lr", "memory");
#endif
    for (p = k % 8; p; p -= p < 4 ? p : 4, x += 4, w += 4, w1 += 4, w2 += 4, w3 += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)p);
        xv = vldrwq_z_f32(x, pr);
        a0 = vfmaq_f32(a0, xv, vldrwq_z_f32(w, pr));
        a1 = vfmaq_f32(a1, xv, vldrwq_z_f32(w1, pr));
        a2 = vfmaq_f32(a2, xv, vldrwq_z_f32(w2, pr));
        a3 = vfmaq_f32(a3, xv, vldrwq_z_f32(w3, pr));
    }
    {   /* lane q of l.val[r] = lane r of accumulator q */
        float tr[16];
        float32x4x4_t l;
        vst1q_f32(tr, a0);
        vst1q_f32(tr + 4, a1);
        vst1q_f32(tr + 8, a2);
        vst1q_f32(tr + 12, a3);
        l = vld4q_f32(tr);
        vst1q_f32(s, vaddq_f32(vaddq_f32(l.val[0], l.val[1]), vaddq_f32(l.val[2], l.val[3])));
    }
}
#define LIN__DOT_ROWS 4
#define LIN__DOT_STEP(left) ((left) >= 4 ? 4 : (left) >= 2 ? 2 : 1)
#define LIN__DOT_F32_ARM(x, w, ws, k, rows, s) lin__dot4_f32_mve(x, w, ws, k, rows, s)
#elif !defined(LIN_NO_SIMD) && defined(__GNUC__) && defined(__ARM_FEATURE_FMA) && defined(__ARM_FP) && \
    (__ARM_FP & 4) && !defined(__aarch64__) && !defined(__ARM_NEON)
/* Cortex-M4F/M7/M33 (a single-precision FPU with vfma): s[q] = x . w_q for
   LIN__DOT_ROWS rows w_q = w + q*ws of W (ws = 0: the one row w, in s[0];
   k = 0: s untouched), one load of x for their fused multiply-adds. Four
   rows, two steps of k a pass (784 -> 128 on the M4 at -O2 in 191k
   instructions, CMSIS-DSP's mat-vec + add 277k), and one row alone where
   ws = 0 (the last n % 4 outputs). Built for size (-Os): two rows, one
   step a pass, ws = 0 as two copies of the row (354k instructions,
   CMSIS-DSP 378k; 36 bytes instead of 200). Any of these gives each
   output the same sum: the bits do not change. */
#if LIN__LEAST_CODE
#define LIN__DOT_ROWS 2
#else
#define LIN__DOT_ROWS 4
#endif
#define LIN__FMA_STEP(a, w) a = __builtin_fmaf(xv, *w++, a)
LIN__NOINLINE static void lin__dot_f32_fma(const float *x, const float *w, ptrdiff_t ws, size_t k, float *s)
{
    const float *w1 = w + ws;
    float a0 = 0.0f, a1 = 0.0f, xv;
#if LIN__DOT_ROWS == 4
    const float *w2 = w1 + ws, *w3 = w2 + ws;
    float a2 = 0.0f, a3 = 0.0f;
#endif
    size_t p = k;
    if (!p) return;     /* s untouched: the caller adds nothing to its bias */
#if LIN__DOT_ROWS == 4
    if (!ws) {
        do {
            xv = *x++;
            LIN__FMA_STEP(a0, w);
        } while (--p);
        s[0] = a0;
        return;
    }
#if defined(__GNUC__) || defined(__clang__)
    /* two steps of k a pass: x and each row two floats a load (vldmia),
       15 instructions per 8 multiply-adds where GCC's loop takes 22; the
       sums in the same order */
    for (p = k / 2; p; --p)
        __asm__("vldmia %[x]!, {s0-s1}\n\t"
                "vldmia %[w0]!, {s2-s3}\n\t"
                "vldmia %[w1]!, {s4-s5}\n\t"
                "vldmia %[w2]!, {s6-s7}\n\t"
                "vldmia %[w3]!, {s8-s9}\n\t"
                "vfma.f32 %[a0], s0, s2\n\t"
                "vfma.f32 %[a1], s0, s4\n\t"
                "vfma.f32 %[a2], s0, s6\n\t"
                "vfma.f32 %[a3], s0, s8\n\t"
                "vfma.f32 %[a0], s1, s3\n\t"
                "vfma.f32 %[a1], s1, s5\n\t"
                "vfma.f32 %[a2], s1, s7\n\t"
                "vfma.f32 %[a3], s1, s9"
                : [x] "+r"(x), [w0] "+r"(w), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [a0] "+t"(a0),
                  [a1] "+t"(a1), [a2] "+t"(a2), [a3] "+t"(a3)
                :
                : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "memory");
    if (k & 1) {
        xv = *x;
        LIN__FMA_STEP(a0, w);
        LIN__FMA_STEP(a1, w1);
        LIN__FMA_STEP(a2, w2);
        LIN__FMA_STEP(a3, w3);
    }
#else
    do {
        xv = *x++;
        LIN__FMA_STEP(a0, w);
        LIN__FMA_STEP(a1, w1);
        LIN__FMA_STEP(a2, w2);
        LIN__FMA_STEP(a3, w3);
    } while (--p);
#endif
    s[2] = a2;
    s[3] = a3;
#else
    do {    /* not a for loop: GCC at -Os keeps its test at the top in some programs (+1 a step) */
        xv = *x++;
        LIN__FMA_STEP(a0, w);
        LIN__FMA_STEP(a1, w1);
    } while (--p);
#endif
    s[0] = a0;
    s[1] = a1;
}
#define LIN__DOT_STEP(left) ((left) >= LIN__DOT_ROWS ? LIN__DOT_ROWS : 1)
#define LIN__DOT_F32_ARM(x, w, ws, k, rows, s) lin__dot_f32_fma(x, w, (rows) > 1 ? (ws) : 0, k, s)
#endif

/* C (m, n) = bias (n) + A (m, k) . B (k, n), or C += A . B with acc, straight
   from the strided operands, each sum in the order p = 0..k-1: no set-up,
   no scratch. With both operands contiguous along k (x and the rows of W,
   as every layer has them) two outputs share each load of A's row; the
   sums are the same. For tiny products, and for builds without packing
   (LIN_PACK 0, the default on Cortex-M). On Cortex-M cores with float
   vectors (Helium) or a fused multiply-add, LIN__DOT_ROWS outputs at a
   time take LIN__DOT_F32_ARM instead (each with its own order of the
   sums). */
static LIN__DIRECT_LINKAGE void lin__gemm_direct(size_t m, size_t n, size_t k, const lin__mat *a,
                                                 const lin__mat *b, const float *bias, ptrdiff_t bias_s,
                                                 int acc, float *c, ptrdiff_t c_rs, ptrdiff_t c_cs)
{
    LIN__NO_CONTRACT
    size_t i, j, p;
    for (i = 0; i < m; ++i) {
        const float *ai = a->p + (ptrdiff_t)i * a->rs;
        float *ci = c + (ptrdiff_t)i * c_rs;
        j = 0;
        if (a->cs == 1 && b->rs == 1) {
#ifdef LIN__DOT_F32_ARM
            /* LIN__DOT_ROWS rows of W at a time; each of the last ones alone
               (as copies of itself: the one kernel, the least code) */
            while (j < n) {
                float *cj = ci + (ptrdiff_t)j * c_cs, dots[LIN__DOT_ROWS];
                const size_t step = LIN__DOT_STEP(n - j);
                size_t q;
                LIN__DOT_F32_ARM(ai, b->p + (ptrdiff_t)j * b->cs, b->cs, k, step, dots);
                for (q = 0; q < step; ++q, ++j, cj += c_cs)
                    *cj = (acc ? *cj : bias ? bias[(ptrdiff_t)j * bias_s] : 0.0f) + dots[q];
            }
#else
            for (; j + 2 <= n; j += 2) {
                const float *b0 = b->p + (ptrdiff_t)j * b->cs, *b1 = b0 + b->cs;
                float *c0 = ci + (ptrdiff_t)j * c_cs, *c1 = c0 + c_cs;
                float s0 = acc ? *c0 : bias ? bias[(ptrdiff_t)j * bias_s] : 0.0f;
                float s1 = acc ? *c1 : bias ? bias[(ptrdiff_t)(j + 1) * bias_s] : 0.0f;
                for (p = 0; p < k; ++p) {
                    s0 += ai[p] * b0[p];
                    s1 += ai[p] * b1[p];
                }
                *c0 = s0;
                *c1 = s1;
            }
#endif
        }
        for (; j < n; ++j) {
            const float *ap = ai, *bp = b->p + (ptrdiff_t)j * b->cs;
            float *cj = ci + (ptrdiff_t)j * c_cs;
            float s = acc ? *cj : bias ? bias[(ptrdiff_t)j * bias_s] : 0.0f;
            if (a->cs == 1 && b->rs == 1) {
                for (p = 0; p < k; ++p) s += ap[p] * bp[p];
            } else {
                /* pointers step only between terms: never past the last element */
                for (p = 0; p < k; ap += a->cs, bp += b->rs) {
                    s += *ap * *bp;
                    if (++p == k) break;
                }
            }
            *cj = s;
        }
    }
}

/* y (m, n) = bias + x (m, k) . W (n, k)^T, all contiguous: lin__gemm_direct's
   sums (the same bits), without its strides and set-up. lin_linear_f32's
   tiniest layers where the GEMM is built (a 3 -> 2 layer's call was mostly
   the strided loop's bookkeeping); every layer of lin_linear_f32 on
   LIN_PACK 0 builds (Cortex-M). */
static LIN__INLINE_KERNEL void lin__linear_rows(const float *x, const float *w, const float *bias, float *y,
                                                size_t m, size_t k, size_t n)
{
    LIN__NO_CONTRACT
    size_t i, j;
#ifdef LIN__DOT_F32_ARM
    for (i = 0; i < m; ++i, x += k) {
        for (j = 0; j < n;) {
            float dots[LIN__DOT_ROWS];
            const size_t step = LIN__DOT_STEP(n - j);
            size_t q;
            LIN__DOT_F32_ARM(x, w + j * k, (ptrdiff_t)k, k, step, dots);
#ifdef LIN__HAS_MVE_F32
            if (step == 4 && k) {   /* the four sums and their biases in one vector: the same adds */
                const float32x4_t d = vld1q_f32(dots);
                vst1q_f32(y, vaddq_f32(bias ? vld1q_f32(bias + j) : vdupq_n_f32(0.0f), d));
                y += 4;
                j += 4;
                continue;
            }
#endif
            for (q = 0; q < step; ++q, ++j) {
                float s = bias ? bias[j] : 0.0f;
                if (k) s += dots[q];    /* in = 0: the bias as it is (-0 stays -0) */
                *y++ = s;
            }
        }
    }
#else
    size_t p;
    for (i = 0; i < m; ++i, x += k, y += n) {
        for (j = 0; j + 2 <= n; j += 2) {       /* two outputs share each load of x */
            const float *w0 = w + j * k, *w1 = w0 + k;
            float s0 = bias ? bias[j] : 0.0f, s1 = bias ? bias[j + 1] : 0.0f;
            for (p = 0; p < k; ++p) {
                s0 += x[p] * w0[p];
                s1 += x[p] * w1[p];
            }
            y[j] = s0;
            y[j + 1] = s1;
        }
        if (j < n) {
            const float *wj = w + j * k;
            float s = bias ? bias[j] : 0.0f;
            for (p = 0; p < k; ++p) s += x[p] * wj[p];
            y[j] = s;
        }
    }
#endif
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 5
#pragma GCC diagnostic pop
#endif

/* ---- kernels: families ----

   A family is one instruction set's kernels for the paths that set up:
   the packed GEMM's micro-kernel and packing, the dot products (batch 1-4,
   and 5-16 with long rows), and (AVX-512) the narrow kernel. The driver
   code around them (blocking, edge tiles, threads) is shared; lin__isa_now()
   is the one place that says which family runs (lin__family_of gives its
   table). */

enum { LIN__ISA_PORTABLE, LIN__ISA_SSE2, LIN__ISA_AVX2, LIN__ISA_AVX512, LIN__ISA_NEON, LIN__ISA_COUNT };

#if LIN_PACK
typedef void (*lin__ukernel_fn)(size_t kc, const float *ap, const float *bp, float *c, ptrdiff_t c_rs,
                                const float *init);
typedef void (*lin__ukernel_rows_fn)(size_t kc, const float *a, ptrdiff_t lda, size_t rows, const float *bp,
                                     float *c, ptrdiff_t c_rs, const float *init);
typedef void (*lin__pack_fn)(size_t rows, size_t kc, const lin__mat *src, float *dst);
typedef void (*lin__gemv_fn)(size_t m, size_t j0, size_t j1, size_t k, const lin__mat *a, const lin__mat *b,
                             const float *bias, ptrdiff_t bias_s, int acc, float *c, ptrdiff_t c_rs,
                             ptrdiff_t c_cs);

typedef struct lin__family {
    const char *name;           /* what lin_cpu_isa() says */
    int isa;
    size_t mr, nr;              /* the register tile */
    size_t kc, kc_rows, kc_own; /* k per block: within the stack budget with A packed, and with
                                   x read in place (B's block alone); where nothing is packed on
                                   the stack (a prepared layer read in place, caller scratch) */
    size_t mc, mc_rows, nc;     /* rows (packed; read in place) and outputs per block */
    lin__ukernel_fn ukernel;    /* C (MR, NR) = init + A (MR, kc) . B (kc, NR), packed */
    lin__ukernel_rows_fn ukernel_rows;  /* the same with A's rows read in place, lda apart (a last panel
                                           of fewer rows repeats its last); or NULL */
    lin__ukernel_fn ukernel_half_m;     /* C's first MR/2 rows alone from packed A (edge panels); or NULL */
    lin__ukernel_rows_fn ukernel_rows_half_m;   /* the same with A's rows read in place; or NULL */
    lin__ukernel_fn ukernel_half_n;     /* C's first NR/2 columns alone (edge tiles); or NULL */
    lin__ukernel_rows_fn ukernel_rows_half_n;   /* the same with A's rows read in place; or NULL */
    lin__ukernel_rows_fn ukernel_rows_four;     /* C's first four rows, A's rows read in place (MR 6:
                                                   a last 4, 7 or 8 rows as tiles of four); or NULL */
    lin__pack_fn pack_a;        /* A (rows, kc) -> panels of MR rows, k-major */
    lin__pack_fn pack_b;        /* B (kc, cols) -> panels of NR columns, k-major */
    lin__gemv_fn gemv;          /* the dot products: batch 1-4, and more with long enough rows */
} lin__family;

/* The rows of a register tile, unrolled by hand: at -O2 GCC unrolls no
   loop, and accumulators indexed in a loop live in memory (2-3x slower). */
#define LIN__ROWS3(X) X(0) X(1) X(2)
#define LIN__ROWS4(X) X(0) X(1) X(2) X(3)
#define LIN__ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define LIN__ROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
/* The row pointers of a tile reading x in place (a, lda floats apart):
   a last panel of rows < MR rows repeats its last row, whose extra sums
   land in the edge tile and are dropped (row min(i, rows - 1), without
   a branch) */
#define LIN__ROW_PTR(i)                                                                          \
    const float *a##i = a + (ptrdiff_t)((size_t)(i) - ((size_t)(i) >= rows) * ((size_t)(i) + 1u - rows)) * lda;
#define LIN__ROW_PTRS3 LIN__ROWS3(LIN__ROW_PTR)
#define LIN__ROW_PTRS4 LIN__ROWS4(LIN__ROW_PTR)
#define LIN__ROW_PTRS6 LIN__ROWS6(LIN__ROW_PTR)
#define LIN__ROW_PTRS8 LIN__ROWS8(LIN__ROW_PTR)
/* A micro-kernel's body, every family's alike: per row of the tile
   (ROWS) its accumulators declared (DECL) and loaded (LOAD); per step of
   k (LOOP) a row of B loaded (BLOAD, a declaration) and each row's FMAs
   (STEP); then the stores (STORE) */
#define LIN__UK_BODY(ROWS, DECL, LOAD, LOOP, BLOAD, STEP, STORE)            \
    { ROWS(DECL) ROWS(LOAD) LOOP { BLOAD; ROWS(STEP) } ROWS(STORE) }

/* Each family's blocks: KC steps of k (a B micro-panel of KC x NR stays
   in L1), MC rows of x and NC outputs, from the stack budget: what one
   call may hold on the stack (LIN_STACK_BUDGET) less LIN__STACK_RESERVE
   for the frames around the blocks holds a packed block of B (KC x NC)
   and one of A (MC x KC). KC comes first (up to the family's own, 256
   with AVX2 and AVX-512: C is reloaded once per KC steps), then NC, then
   MC, each at least one tile (NR, MR). The families that read x's rows in
   place (AVX2, AVX-512: x contiguous along k, as in every forward) pack
   no A and take the family's own MC rows per block, which cost no stack.
   Where x is read in place B's block has the budget alone (KC up to
   LIN__BUDGET_FLOATS / NR). At the default 32 KiB: AVX-512 KC 192 (144
   with A packed), NC 32; AVX2 KC 256, NC 16.
   Larger blocks (B packed once per 1024 outputs) come with the caller's
   scratch (lin_linear_f32_scratch) or a prepared layer, which packs B
   once. LIN_PACK_KC, _MC and _NC set the blocks for every family,
   whatever the budget. */
#define LIN__STACK_RESERVE 8192
#define LIN__BUDGET_FLOATS ((size_t)(LIN_STACK_BUDGET - LIN__STACK_RESERVE) / 4u)
#define LIN__MAXZ(a, b) ((a) > (b) ? (a) : (b))
#ifdef LIN_PACK_KC
#define LIN__KC(mr, nr, kc) ((size_t)LIN_PACK_KC)
#define LIN__KC_OWN(kc) ((size_t)LIN_PACK_KC)
#define LIN__KC_ROWS(nr, kc) ((size_t)LIN_PACK_KC)
#else
#define LIN__KC_OWN(kc) ((size_t)(kc))
/* x read in place: B's block alone in the budget, one panel of NR */
#define LIN__KC_ROWS(nr, kc) LIN__MIN((size_t)(kc), LIN__BUDGET_FLOATS / (nr) / 16u * 16u)
#define LIN__KC(mr, nr, kc) LIN__MIN((size_t)(kc), LIN__BUDGET_FLOATS / ((mr) + (nr)) / 16u * 16u)
#endif
#ifdef LIN_PACK_NC
#define LIN__NC(mr, nr, kc, nc) ((size_t)LIN_PACK_NC)
#else
#define LIN__NC(mr, nr, kc, nc)                                                                  \
    ((nr) * LIN__MAXZ((size_t)1, LIN__MIN((size_t)(nc) / (nr), (LIN__BUDGET_FLOATS - (mr) * LIN__KC(mr, nr, kc)) / \
                                                                 (LIN__KC(mr, nr, kc) * (nr)))))
#endif
#ifdef LIN_PACK_MC
#define LIN__MC(mr, nr, kc, mc, nc) ((size_t)LIN_PACK_MC)
#define LIN__MC_ROWS(mc) ((size_t)LIN_PACK_MC)
#else
#define LIN__MC(mr, nr, kc, mc, nc)                                                              \
    ((mr) * LIN__MAXZ((size_t)1, LIN__MIN((size_t)(mc) / (mr),                                   \
                                           (LIN__BUDGET_FLOATS - LIN__KC(mr, nr, kc) * LIN__NC(mr, nr, kc, nc)) / \
                                               (LIN__KC(mr, nr, kc) * (mr)))))
#define LIN__MC_ROWS(mc) ((size_t)(mc))
#endif
/* the family's own kc, mc, nc */
#define LIN__BLOCKS_AVX512 256, 64, 128
#define LIN__BLOCKS_AVX2 256, 48, 128
#define LIN__BLOCKS_SSE2 128, 64, 64
#define LIN__BLOCKS_NEON 128, 128, 64
#define LIN__BLOCKS_PORTABLE 128, 64, 256
/* the floats of a family's two packed blocks, A (MC, KC) and B (KC, NC) */
#define LIN__BLOCK_FLOATS_(mr, nr, kc, mc, nc)                                                          \
    LIN__MAXZ(LIN__KC(mr, nr, kc) * (LIN__MC(mr, nr, kc, mc, nc) + LIN__NC(mr, nr, kc, nc)),              \
              LIN__KC_ROWS(nr, kc) * LIN__NC(mr, nr, kc, nc))
#define LIN__BLOCK_FLOATS(mr, nr, blocks) LIN__BLOCK_FLOATS_(mr, nr, blocks)
#if defined(LIN__HAS_AVX512)
#define LIN__BLOCK_FLOATS_512 LIN__BLOCK_FLOATS(8u, 32u, LIN__BLOCKS_AVX512)
#else
#define LIN__BLOCK_FLOATS_512 0
#endif
#if defined(LIN__HAS_AVX2)
#define LIN__BLOCK_FLOATS_256 LIN__BLOCK_FLOATS(6u, 16u, LIN__BLOCKS_AVX2)
#else
#define LIN__BLOCK_FLOATS_256 0
#endif
#if defined(LIN__HAS_SSE2)
#define LIN__BLOCK_FLOATS_128 LIN__BLOCK_FLOATS(4u, 8u, LIN__BLOCKS_SSE2)
#elif defined(LIN__HAS_NEON)
#define LIN__BLOCK_FLOATS_128 LIN__BLOCK_FLOATS(8u, 8u, LIN__BLOCKS_NEON)
#else
#define LIN__BLOCK_FLOATS_128 LIN__BLOCK_FLOATS(4u, 32u, LIN__BLOCKS_PORTABLE)
#endif
/* the largest tile and blocks of the families compiled: the scratch */
#if defined(LIN__HAS_AVX512) || defined(LIN__HAS_PORTABLE)
#define LIN__NR_MAX 32
#elif defined(LIN__HAS_AVX2)
#define LIN__NR_MAX 16
#else
#define LIN__NR_MAX 8
#endif
#if defined(LIN__HAS_AVX512) || defined(LIN__HAS_NEON)
#define LIN__MR_MAX 8
#elif defined(LIN__HAS_AVX2)
#define LIN__MR_MAX 6
#else
#define LIN__MR_MAX 4
#endif


/* Whether the rows of W (B's columns) lie equally far past every 64-byte
   line (their stride a multiple of 16 floats), are float-aligned and are
   long enough (`from` floats or more: where the family's extra step
   pays) for the x86 dot products to start their steps early, so that W's
   loads do not cross lines; then the floats by which a row at w0 lies
   past a line of `line` bytes. */
static LIN__INLINE_KERNEL int lin__rows_on_lines(size_t k, size_t from, const lin__mat *b)
{
    return k >= from && (size_t)b->cs % 16 == 0 && !((uintptr_t)b->p & 3);
}

#if defined(LIN__HAS_AVX512) || defined(LIN__HAS_AVX2)
static LIN__INLINE_KERNEL size_t lin__line_shift(const float *w0, uintptr_t line)
{
    return (size_t)((uintptr_t)w0 & (line - 1)) / sizeof(float);
}
#endif

/* ---- kernels: packing (every family) ---- */

/* A (mr, kc) strided -> ap[p*MR + i], rows mr..MR-1 zero */
static LIN__INLINE_KERNEL void lin__pack_a_any(size_t MR, size_t mr, size_t kc, size_t p, const lin__mat *a,
                                               float *ap)
{
    size_t i;
    for (; p < kc; ++p) {
        const float *col = a->p + (ptrdiff_t)p * a->cs;
        for (i = 0; i < mr; ++i) ap[p * MR + i] = col[(ptrdiff_t)i * a->rs];
        for (; i < MR; ++i) ap[p * MR + i] = 0.0f;
    }
}

/* B (kc, nr) strided -> bp[p*NR + j] for the columns j0..nr-1, and the
   columns nr..NR-1 zero. For a weight W (out, in), B = W^T has unit row
   stride: each column is a row of W, read front to back. */
static LIN__INLINE_KERNEL void lin__pack_b_any(size_t NR, size_t j0, size_t nr, size_t kc, const lin__mat *b,
                                               float *bp)
{
    size_t j, p;
    if (b->rs == 1) {
        for (j = j0; j < nr; ++j) {
            const float *w = b->p + (ptrdiff_t)j * b->cs;
            for (p = 0; p < kc; ++p) bp[p * NR + j] = w[p];
        }
    } else {
        for (p = 0; p < kc; ++p) {
            const float *row = b->p + (ptrdiff_t)p * b->rs;
            for (j = j0; j < nr; ++j) bp[p * NR + j] = row[(ptrdiff_t)j * b->cs];
        }
    }
    for (j = nr; j < NR; ++j)
        for (p = 0; p < kc; ++p) bp[p * NR + j] = 0.0f;
}

/* A block of mc rows of A, or of nc columns of B, -> panels of MR rows
   (NR columns), panel q at dst + q*MR*kc, through the loops above: the
   rows from panel q0 on, the columns from column j on (those before them
   packed already); a last panel's missing rows or columns are zeros */
static LIN__INLINE_KERNEL void lin__pack_a_panels(size_t MR, size_t q0, size_t mc, size_t kc, const lin__mat *a,
                                                  float *ap)
{
    size_t i;
    for (i = q0 * MR; i < mc; i += MR) {
        lin__mat ai;
        lin__mat_block(&ai, a, i, 0);
        lin__pack_a_any(MR, LIN__MIN(MR, mc - i), kc, 0, &ai, ap + i * kc);
    }
}

static LIN__INLINE_KERNEL void lin__pack_b_panels(size_t NR, size_t j, size_t nc, size_t kc, const lin__mat *b,
                                                  float *bp)
{
    const size_t end = (nc + NR - 1) / NR * NR;
    while (j < end) {   /* from column j: the rest of its panel (or its zeros), then whole panels */
        size_t q0 = j / NR * NR;
        lin__mat bq;
        lin__mat_block(&bq, b, 0, q0);
        lin__pack_b_any(NR, j - q0, LIN__MIN(NR, nc - q0), kc, &bq, bp + q0 * kc);
        j = q0 + NR;
    }
}

/* A family's packing through the loops above: A in groups of MR rows, B
   in groups of NR columns (SSE2, NEON, portable C). */
#define LIN__DEFINE_PACKS(F, MR, NR)                                                            \
static void lin__pack_a_##F(size_t mc, size_t kc, const lin__mat *a, float *ap)                 \
{                                                                                               \
    lin__pack_a_panels(MR, 0, mc, kc, a, ap);                                                   \
}                                                                                               \
static void lin__pack_b_##F(size_t nc, size_t kc, const lin__mat *b, float *bp)                 \
{                                                                                               \
    lin__pack_b_panels(NR, 0, nc, kc, b, bp);                                                   \
}

#if defined(LIN__HAS_AVX2) || defined(LIN__HAS_AVX512)
/* dst (8, 8) = the rows r0..r7 transposed, dst_rs apart: packing either
   operand is a transpose (x and W are contiguous along k), eight rows at a
   time in registers rather than one float at a time. The stores go in
   order, so with dst_rs < 8 each overwrites the previous one's spill. */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__transpose8(__m256 r0, __m256 r1, __m256 r2, __m256 r3,
                                                                __m256 r4, __m256 r5, __m256 r6, __m256 r7,
                                                                float *dst, ptrdiff_t dst_rs)
{
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + dst_rs, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * dst_rs, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * dst_rs, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * dst_rs, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * dst_rs, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * dst_rs, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * dst_rs, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* dst (8, 8) = src (8, 8)^T, rows src_rs and dst_rs apart */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__transpose8x8(const float *src, ptrdiff_t src_rs, float *dst,
                                                                  ptrdiff_t dst_rs)
{
    lin__transpose8(_mm256_loadu_ps(src), _mm256_loadu_ps(src + src_rs), _mm256_loadu_ps(src + 2 * src_rs),
                    _mm256_loadu_ps(src + 3 * src_rs), _mm256_loadu_ps(src + 4 * src_rs),
                    _mm256_loadu_ps(src + 5 * src_rs), _mm256_loadu_ps(src + 6 * src_rs),
                    _mm256_loadu_ps(src + 7 * src_rs), dst, dst_rs);
}

/* rows (rows, kc), contiguous along k and rs apart -> panels of R (a
   multiple of 8) rows, panel q at dst + q*R*kc, element (i, p) of a
   panel at [p*R + i]: the groups of eight whole rows. Returns the rows
   packed (the last rows%8 are the caller's). */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL size_t lin__pack_rows_t8(size_t R, size_t rows, size_t kc,
                                                                    const float *src, ptrdiff_t rs, float *dst)
{
    size_t j, p, q, kv = kc - kc % 8;
    for (j = 0; j + 8 <= rows; j += 8) {
        const float *g = src + (ptrdiff_t)j * rs;
        float *d = dst + j / R * R * kc + j % R;
        for (p = 0; p < kv; p += 8) lin__transpose8x8(g + p, rs, d + p * R, (ptrdiff_t)R);
        for (; p < kc; ++p)
            for (q = 0; q < 8; ++q) d[p * R + q] = g[(ptrdiff_t)q * rs + (ptrdiff_t)p];
    }
    return j;
}

/* B (kc, nc) -> panels of NR columns: the rows of W through the
   transposes, the rest (and a B not contiguous along k) one by one */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__pack_b_t8(size_t NR, size_t nc, size_t kc, const lin__mat *b,
                                                              float *bp)
{
    size_t j = b->rs == 1 ? lin__pack_rows_t8(NR, nc, kc, b->p, b->cs, bp) : 0;
    lin__pack_b_panels(NR, j, nc, kc, b, bp);
}
#endif

/* ---- kernels: the AVX-512 family ---- */

#ifdef LIN__HAS_AVX512
#if defined(__GNUC__) && !defined(__clang__)
/* g++ 12 compiling these under a target attribute takes the undefined
   first operand of its own intrinsics (_mm512_undefined_ps) for an
   uninitialized read */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* x (8, kc) . B (kc, 32) -> C (8, 32): 16 zmm accumulators, two B vectors
   and a broadcast of A per step, enough independent FMAs to cover their
   latency. A's element (i, p) is ap[8p + i] in a packed panel; the
   twin below reads x's rows in place (a##i[p]). LOOP is the loop over
   k, STEP one row's step in it. */
#define LIN__UK512_LOAD(i)                                                  \
    c##i##a = _mm512_loadu_ps(init ? init : c + i * c_rs);                  \
    c##i##b = _mm512_loadu_ps(init ? init + 16 : c + i * c_rs + 16);
#define LIN__UK512_FMA(i, a_ip)                                             \
    { const __m512 av = _mm512_set1_ps(a_ip);                               \
      c##i##a = _mm512_fmadd_ps(av, b0, c##i##a);                           \
      c##i##b = _mm512_fmadd_ps(av, b1, c##i##b); }
#define LIN__UK512_STEP(i) LIN__UK512_FMA(i, ap[i])
#define LIN__UK512R_STEP(i) LIN__UK512_FMA(i, a##i[p])
#define LIN__UK512_STORE(i)                                                 \
    _mm512_storeu_ps(c + i * c_rs, c##i##a);                                \
    _mm512_storeu_ps(c + i * c_rs + 16, c##i##b);
#define LIN__UK512_DECL(i) __m512 c##i##a, c##i##b;
#define LIN__UK512_BLOAD const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16)
#define LIN__UK512_KERNEL(ROWS, LOOP, STEP)                                 \
    LIN__UK_BODY(ROWS, LIN__UK512_DECL, LIN__UK512_LOAD, LOOP, LIN__UK512_BLOAD, STEP, LIN__UK512_STORE)
static LIN__TARGET_AVX512 void lin__ukernel_avx512(size_t kc, const float *ap, const float *bp, float *c,
                                                   ptrdiff_t c_rs, const float *init)
{
    LIN__UK512_KERNEL(LIN__ROWS8, for (; kc; --kc, ap += 8, bp += 32), LIN__UK512_STEP)
}

/* The first four rows of the same panels alone: a last panel of 1-4 rows
   costs half a tile, not a whole one */
static LIN__TARGET_AVX512 void lin__ukernel_half_m_avx512(size_t kc, const float *ap, const float *bp, float *c,
                                                          ptrdiff_t c_rs, const float *init)
{
    LIN__UK512_KERNEL(LIN__ROWS4, for (; kc; --kc, ap += 8, bp += 32), LIN__UK512_STEP)
}

/* The same with A's eight rows read in place, lda floats apart (x itself,
   contiguous along k): no packing of x, the same sums in the same order.
   Packing x took 11% of a 512x2048x2048 layer on AMD Zen 5, as it is
   packed again for every block of 128 outputs (-O2, GFLOP/s, packed -> in
   place: 512x2048x2048 155-164 -> 169-190, 256x2048x2048 154 -> 159-180,
   128x1024x1024 159-162 -> 168-186; 64x512x512 and 32x256x256 even; the
   AVX2 family even, 91-101, at 95% of its peak). */
static LIN__TARGET_AVX512 void lin__ukernel_rows_avx512(size_t kc, const float *a, ptrdiff_t lda, size_t rows,
                                                        const float *bp, float *c, ptrdiff_t c_rs, const float *init)
{
    LIN__ROW_PTRS8
    size_t p;
    LIN__UK512_KERNEL(LIN__ROWS8, for (p = 0; p < kc; ++p, bp += 32), LIN__UK512R_STEP)
}
static LIN__TARGET_AVX512 void lin__ukernel_rows_half_m_avx512(size_t kc, const float *a, ptrdiff_t lda,
                                                               size_t rows, const float *bp, float *c,
                                                               ptrdiff_t c_rs, const float *init)
{
    LIN__ROW_PTRS4
    size_t p;
    LIN__UK512_KERNEL(LIN__ROWS4, for (p = 0; p < kc; ++p, bp += 32), LIN__UK512R_STEP)
}

/* The first 16 columns of the tile alone, A packed or in place: a last
   tile of 1-16 outputs costs half a tile (eight accumulators still cover
   the FMAs' latency) */
#define LIN__UK512N_DECL(i) __m512 c##i##a;
#define LIN__UK512N_LOAD(i) c##i##a = _mm512_loadu_ps(init ? init : c + i * c_rs);
#define LIN__UK512N_FMA(i, a_ip) c##i##a = _mm512_fmadd_ps(_mm512_set1_ps(a_ip), b0, c##i##a);
#define LIN__UK512N_STEP(i) LIN__UK512N_FMA(i, ap[i])
#define LIN__UK512NR_STEP(i) LIN__UK512N_FMA(i, a##i[p])
#define LIN__UK512N_STORE(i) _mm512_storeu_ps(c + i * c_rs, c##i##a);
#define LIN__UK512N_BLOAD const __m512 b0 = _mm512_loadu_ps(bp)
#define LIN__UK512N_KERNEL(LOOP, STEP)                                      \
    LIN__UK_BODY(LIN__ROWS8, LIN__UK512N_DECL, LIN__UK512N_LOAD, LOOP, LIN__UK512N_BLOAD, STEP, LIN__UK512N_STORE)
static LIN__TARGET_AVX512 void lin__ukernel_half_n_avx512(size_t kc, const float *ap, const float *bp, float *c,
                                                          ptrdiff_t c_rs, const float *init)
{
    LIN__UK512N_KERNEL(for (; kc; --kc, ap += 8, bp += 32), LIN__UK512N_STEP)
}
static LIN__TARGET_AVX512 void lin__ukernel_rows_half_n_avx512(size_t kc, const float *a, ptrdiff_t lda,
                                                               size_t rows, const float *bp, float *c,
                                                               ptrdiff_t c_rs, const float *init)
{
    LIN__ROW_PTRS8
    size_t p;
    LIN__UK512N_KERNEL(for (p = 0; p < kc; ++p, bp += 32), LIN__UK512NR_STEP)
}

/* A (mc, kc) -> 8-row panels: the rows of x through the transposes, a
   last panel of fewer rows through a zero-padded 8 x 8 */
static LIN__TARGET_AVX512 void lin__pack_a_avx512(size_t mc, size_t kc, const lin__mat *a, float *ap)
{
    size_t i = a->cs == 1 ? lin__pack_rows_t8(8, mc, kc, a->p, a->rs, ap) : 0, mr = mc - i, r, p = 0;
    if (a->cs == 1 && mr && kc >= 8) {  /* mr < 8 */
        float tmp[64], *dst = ap + i * kc;
        lin__mat ai;
        LIN__MEMSET(tmp, 0, sizeof tmp);
        for (; p + 8 <= kc; p += 8) {
            for (r = 0; r < mr; ++r) LIN__MEMCPY(tmp + r * 8, a->p + (ptrdiff_t)(i + r) * a->rs + p, 8 * sizeof(float));
            lin__transpose8x8(tmp, 8, dst + p * 8, 8);
        }
        lin__mat_block(&ai, a, i, 0);
        lin__pack_a_any(8, mr, kc, p, &ai, dst);
        i = mc;
    }
    lin__pack_a_panels(8, i / 8, mc, kc, a, ap);
}

static LIN__TARGET_AVX512 void lin__pack_b_avx512(size_t nc, size_t kc, const lin__mat *b, float *bp)
{
    lin__pack_b_t8(32, nc, kc, b, bp);
}

/* The four sums of v0..v3, each over its 16 lanes: pairs interleaved and
   added, then the 128-bit quarters, so four reductions share the work. */
/* quarter c of the result: the sums of v0..v3 over their lanes 4c .. 4c + 3 */
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL __m512 lin__quarters4_avx512(__m512 v0, __m512 v1, __m512 v2, __m512 v3)
{
    __m512 s01 = _mm512_add_ps(_mm512_unpacklo_ps(v0, v1), _mm512_unpackhi_ps(v0, v1));
    __m512 s23 = _mm512_add_ps(_mm512_unpacklo_ps(v2, v3), _mm512_unpackhi_ps(v2, v3));
    return _mm512_add_ps(_mm512_shuffle_ps(s01, s23, 0x44), _mm512_shuffle_ps(s01, s23, 0xee));
}
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL __m128 lin__sum4_avx512(__m512 v0, __m512 v1, __m512 v2, __m512 v3)
{
    __m512 s = lin__quarters4_avx512(v0, v1, v2, v3);
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* dots[b][q] = x_b . w_q for b < mb, q < 4: 4*mb zmm accumulators, lane
   l summing the products of k = l (mod 16) in order. mb is a constant in
   every copy (lin__gemv's switch): the rows past it vanish.

   W's loads start on a 64-byte line when its four rows sit equally far
   past one (s floats; a caller's malloc gives 16 bytes): the first step
   loads from s floats before the rows with lanes 0 .. s - 1 masked off (a
   masked load reads nothing there; the address is made as an integer,
   as it lies outside the arrays), the others load whole lines, and the
   accumulators are rotated back by s lanes at the end. Each lane then
   holds the same sum in the same order as with s = 0 (a masked lane adds
   +0 to a sum that started at +0, which is never -0): the same bits,
   whatever the address. A zmm load that crosses a line costs two: on AMD
   Zen 4, 1x256x256 with W 16 bytes past a line ran at 40 GFLOP/s, 52 on
   a line; shifted, 47-50 (2x512x512 71 -> 85). With 3-4 rows of x on
   Zen 4 the extra step and rotations cost about what they save below
   rows of 1024 (32x512x512, 64x512x512 5% slower) and pay from there
   (8x1024x1024 96 -> 101, 32x1024x1024 98 -> 102); on AMD Zen 5, whose
   512-bit FMA pipes are full width, the split loads weigh twice as much
   and the shift pays from rows of 256 (-O2, x and W 16 bytes past a
   line: 4x256x256 133 -> 163, 8x256x256 138 -> 163, 3x384x384 112 ->
   149, 4x512x512 132 -> 167, 16x512x512 134 -> 172, 12x256x1024 124 ->
   151; on a line, even), so it does from there. One or two rows of x
   shift from rows of 96 (Zen 4, 128: 1x64x64 37 -> 32 there; Zen 5, -O2:
   1x96x512 42 -> 53, 2x112x112 72 -> 94, 1x112x112 44 -> 47); rows of
   64-80 gain as often as they lose and stay as they are. */
#define LIN__D512_ROW(r, LOADX)                                             \
    { __m512 xv = LOADX;                                                    \
      LIN__IN_REGISTER(xv);                                                 \
      a##r##0 = _mm512_fmadd_ps(xv, w0, a##r##0);                           \
      a##r##1 = _mm512_fmadd_ps(xv, w1, a##r##1);                           \
      a##r##2 = _mm512_fmadd_ps(xv, w2, a##r##2);                           \
      a##r##3 = _mm512_fmadd_ps(xv, w3, a##r##3); }
/* one step of 16 from k = o, each row through LOAD */
#define LIN__D512_STEP(LOAD, o)                                             \
    { __m512 w0 = LOAD(w[0] + (o)), w1 = LOAD(w[1] + (o));                  \
      __m512 w2 = LOAD(w[2] + (o)), w3 = LOAD(w[3] + (o));                  \
      LIN__IN_REGISTER(w0); LIN__IN_REGISTER(w1);                           \
      LIN__IN_REGISTER(w2); LIN__IN_REGISTER(w3);                           \
      LIN__D512_ROW(0, LOAD(x0 + (o)))                                      \
      if (mb > 1) LIN__D512_ROW(1, LOAD(x1 + (o)))                          \
      if (mb > 2) LIN__D512_ROW(2, LOAD(x2 + (o)))                          \
      if (mb > 3) LIN__D512_ROW(3, LOAD(x3 + (o))) }
#define LIN__D512_FULL(p) _mm512_loadu_ps(p)
#define LIN__D512_MASKED(p) _mm512_maskz_loadu_ps(m, p)
#define LIN__D512_BEFORE(p) _mm512_maskz_loadu_ps(m, (const float *)((uintptr_t)(p) - s * sizeof(float)))
/* GCOVR_EXCL_BR_START: the kernels below are inlined once per row count,
   a constant: each copy takes one side of every "if (mb > r)" by design,
   so gcov's branch counts say nothing there (every family's results are
   what test_dispatch and test_kernels check). */
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL void lin__dot4_avx512(size_t mb, size_t k, const float *x,
                                                                  ptrdiff_t x_rs, const float *const w[4],
                                                                  int lines, float dots[4][4])
{
    const size_t s = (mb <= 2 || k >= 256) && lines ? lin__line_shift(w[0], 64) : 0;
    const float *x0 = x, *x1 = mb > 1 ? x + x_rs : x, *x2 = mb > 2 ? x + 2 * x_rs : x;
    const float *x3 = mb > 3 ? x + 3 * x_rs : x;
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    __m512 a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    __mmask16 m;
    size_t p = 0;
    if (s) {                            /* k = 0 .. 15 - s in lanes s .. 15 (k >= 96) */
        m = (__mmask16)(0xffffu << s);
        LIN__D512_STEP(LIN__D512_BEFORE, 0)
        p = 16 - s;
    }
    for (; p + 16 <= k; p += 16) LIN__D512_STEP(LIN__D512_FULL, p)
    if (p < k) {
        m = (__mmask16)((1u << (k - p)) - 1u);
        LIN__D512_STEP(LIN__D512_MASKED, p)
    }
    if (s) {                            /* lane l back from lane l + s */
        const __m512i back = _mm512_and_si512(
            _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                             _mm512_set1_epi32((int)s)),
            _mm512_set1_epi32(15));
#define LIN__D512_BACK(r)                                                   \
        a##r##0 = _mm512_permutexvar_ps(back, a##r##0);                     \
        a##r##1 = _mm512_permutexvar_ps(back, a##r##1);                     \
        a##r##2 = _mm512_permutexvar_ps(back, a##r##2);                     \
        a##r##3 = _mm512_permutexvar_ps(back, a##r##3);
        LIN__D512_BACK(0)
        if (mb > 1) { LIN__D512_BACK(1) }
        if (mb > 2) { LIN__D512_BACK(2) }
        if (mb > 3) { LIN__D512_BACK(3) }
#undef LIN__D512_BACK
    }
    _mm_storeu_ps(dots[0], lin__sum4_avx512(a00, a01, a02, a03));
    if (mb > 1) _mm_storeu_ps(dots[1], lin__sum4_avx512(a10, a11, a12, a13));
    if (mb > 2) _mm_storeu_ps(dots[2], lin__sum4_avx512(a20, a21, a22, a23));
    if (mb > 3) _mm_storeu_ps(dots[3], lin__sum4_avx512(a30, a31, a32, a33));
}
/* GCOVR_EXCL_BR_STOP */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

/* ---- kernels: the AVX2 + FMA family ---- */

#ifdef LIN__HAS_AVX2
/* x (6, kc) . B (kc, 16) -> C (6, 16): 12 ymm accumulators, two B vectors
   and a broadcast: 15 of the 16 registers. As the AVX-512 pair: packed
   panels (ap[6p + i]) and x's rows in place (a##i[p]). */
#define LIN__UK256_LOAD(i)                                                  \
    c##i##a = _mm256_loadu_ps(init ? init : c + i * c_rs);                  \
    c##i##b = _mm256_loadu_ps(init ? init + 8 : c + i * c_rs + 8);
#define LIN__UK256_FMA(i, a_ip)                                             \
    { const __m256 av = _mm256_broadcast_ss(&(a_ip));                       \
      c##i##a = _mm256_fmadd_ps(av, b0, c##i##a);                           \
      c##i##b = _mm256_fmadd_ps(av, b1, c##i##b); }
#define LIN__UK256_STEP(i) LIN__UK256_FMA(i, ap[i])
#define LIN__UK256R_STEP(i) LIN__UK256_FMA(i, a##i[p])
#define LIN__UK256_STORE(i)                                                 \
    _mm256_storeu_ps(c + i * c_rs, c##i##a);                                \
    _mm256_storeu_ps(c + i * c_rs + 8, c##i##b);
#define LIN__UK256_DECL(i) __m256 c##i##a, c##i##b;
#define LIN__UK256_BLOAD const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8)
#define LIN__UK256_KERNEL(ROWS, LOOP, STEP)                                 \
    LIN__UK_BODY(ROWS, LIN__UK256_DECL, LIN__UK256_LOAD, LOOP, LIN__UK256_BLOAD, STEP, LIN__UK256_STORE)
static LIN__TARGET_AVX2 void lin__ukernel_avx2(size_t kc, const float *ap, const float *bp, float *c,
                                               ptrdiff_t c_rs, const float *init)
{
    LIN__UK256_KERNEL(LIN__ROWS6, for (; kc; --kc, ap += 6, bp += 16), LIN__UK256_STEP)
}

/* The first three rows of the same panels alone: a last panel of 1-3
   rows costs half a tile (AMD Zen 5, AVX2, -O2: 32 rows ran at 81
   GFLOP/s where 30 ran at 96, a 256 -> 256 layer, before 32 rows took
   tiles of 6, 6, 6, 6, 4 and 4: lin__gemm_macro) */
static LIN__TARGET_AVX2 void lin__ukernel_half_m_avx2(size_t kc, const float *ap, const float *bp, float *c,
                                                      ptrdiff_t c_rs, const float *init)
{
    LIN__UK256_KERNEL(LIN__ROWS3, for (; kc; --kc, ap += 6, bp += 16), LIN__UK256_STEP)
}

/* The same with A's first N rows read in place, lda floats apart: all
   six, the three of a half tile, and four (eight accumulators, as many
   FMAs as their latency needs, where three rows keep six) */
#define LIN__DEFINE_UK256_ROWS(name, N)                                                          \
static LIN__TARGET_AVX2 void name(size_t kc, const float *a, ptrdiff_t lda, size_t rows, const float *bp, \
                                  float *c, ptrdiff_t c_rs, const float *init)                   \
{                                                                                               \
    LIN__ROW_PTRS##N                                                                            \
    size_t p;                                                                                   \
    LIN__UK256_KERNEL(LIN__ROWS##N, for (p = 0; p < kc; ++p, bp += 16), LIN__UK256R_STEP)      \
}
LIN__DEFINE_UK256_ROWS(lin__ukernel_rows_avx2, 6)
LIN__DEFINE_UK256_ROWS(lin__ukernel_rows_half_m_avx2, 3)
LIN__DEFINE_UK256_ROWS(lin__ukernel_rows_four_avx2, 4)
#undef LIN__DEFINE_UK256_ROWS

/* The first 8 columns of the tile alone, A packed or in place */
#define LIN__UK256N_DECL(i) __m256 c##i##a;
#define LIN__UK256N_LOAD(i) c##i##a = _mm256_loadu_ps(init ? init : c + i * c_rs);
#define LIN__UK256N_FMA(i, a_ip) c##i##a = _mm256_fmadd_ps(_mm256_broadcast_ss(&(a_ip)), b0, c##i##a);
#define LIN__UK256N_STEP(i) LIN__UK256N_FMA(i, ap[i])
#define LIN__UK256NR_STEP(i) LIN__UK256N_FMA(i, a##i[p])
#define LIN__UK256N_STORE(i) _mm256_storeu_ps(c + i * c_rs, c##i##a);
#define LIN__UK256N_BLOAD const __m256 b0 = _mm256_loadu_ps(bp)
#define LIN__UK256N_KERNEL(LOOP, STEP)                                      \
    LIN__UK_BODY(LIN__ROWS6, LIN__UK256N_DECL, LIN__UK256N_LOAD, LOOP, LIN__UK256N_BLOAD, STEP, LIN__UK256N_STORE)
static LIN__TARGET_AVX2 void lin__ukernel_half_n_avx2(size_t kc, const float *ap, const float *bp, float *c,
                                                      ptrdiff_t c_rs, const float *init)
{
    LIN__UK256N_KERNEL(for (; kc; --kc, ap += 6, bp += 16), LIN__UK256N_STEP)
}
static LIN__TARGET_AVX2 void lin__ukernel_rows_half_n_avx2(size_t kc, const float *a, ptrdiff_t lda,
                                                           size_t rows, const float *bp, float *c,
                                                           ptrdiff_t c_rs, const float *init)
{
    LIN__ROW_PTRS6
    size_t p;
    LIN__UK256N_KERNEL(for (p = 0; p < kc; ++p, bp += 16), LIN__UK256NR_STEP)
}

/* A (mc, kc) -> 6-row panels: six rows of x eight k at a time through the
   transpose (rows 6 and 7 repeat 4 and 5; each 8-float store's spill is
   overwritten by the next, the last one's by the k after), the last k of
   each panel and a last panel of fewer rows one by one */
static LIN__TARGET_AVX2 void lin__pack_a_avx2(size_t mc, size_t kc, const lin__mat *a, float *ap)
{
    const ptrdiff_t rs = a->rs;
    size_t i = 0, p;
    for (; a->cs == 1 && i + 6 <= mc; i += 6) {
        const float *g = a->p + (ptrdiff_t)i * rs;
        float *d = ap + i * kc;
        lin__mat ai;
        for (p = 0; p + 8 < kc; p += 8) {
            const __m256 r4 = _mm256_loadu_ps(g + 4 * rs + p), r5 = _mm256_loadu_ps(g + 5 * rs + p);
            lin__transpose8(_mm256_loadu_ps(g + p), _mm256_loadu_ps(g + rs + p), _mm256_loadu_ps(g + 2 * rs + p),
                            _mm256_loadu_ps(g + 3 * rs + p), r4, r5, r4, r5, d + p * 6, 6);
        }
        lin__mat_block(&ai, a, i, 0);
        lin__pack_a_any(6, 6, kc, p, &ai, d);
    }
    lin__pack_a_panels(6, i / 6, mc, kc, a, ap);
}

static LIN__TARGET_AVX2 void lin__pack_b_avx2(size_t nc, size_t kc, const lin__mat *b, float *bp)
{
    lin__pack_b_t8(16, nc, kc, b, bp);
}
#endif

/* ---- kernels: the SSE2 family ---- */

#ifdef LIN__HAS_SSE2
/* x (4, kc) . B (kc, 8) -> C (4, 8): 8 xmm accumulators; no FMA: a
   multiply, then an add */
#define LIN__UK128_LOAD(i)                                                  \
    c##i##a = _mm_loadu_ps(init ? init : c + i * c_rs);                     \
    c##i##b = _mm_loadu_ps(init ? init + 4 : c + i * c_rs + 4);
#define LIN__UK128_STEP(i)                                                  \
    { const __m128 av = _mm_set1_ps(ap[i]);                                 \
      c##i##a = _mm_add_ps(c##i##a, _mm_mul_ps(av, b0));                    \
      c##i##b = _mm_add_ps(c##i##b, _mm_mul_ps(av, b1)); }
#define LIN__UK128_STORE(i)                                                 \
    _mm_storeu_ps(c + i * c_rs, c##i##a);                                   \
    _mm_storeu_ps(c + i * c_rs + 4, c##i##b);
static void lin__ukernel_sse2(size_t kc, const float *ap, const float *bp, float *c, ptrdiff_t c_rs,
                              const float *init)
{
    __m128 c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b;
    LIN__ROWS4(LIN__UK128_LOAD)
    for (; kc; --kc, ap += 4, bp += 8) {
        const __m128 b0 = _mm_loadu_ps(bp), b1 = _mm_loadu_ps(bp + 4);
        LIN__ROWS4(LIN__UK128_STEP)
    }
    LIN__ROWS4(LIN__UK128_STORE)
}

LIN__DEFINE_PACKS(sse2, 4, 8)
#endif

/* ---- kernels: the NEON family ---- */

#ifdef LIN__HAS_NEON
/* x (8, kc) . B (kc, 8) -> C (8, 8): 16 q-register accumulators, A's
   column as two vectors, one FMA by lane per row and half */
#define LIN__UKNEON_LOAD(i)                                                 \
    c##i##a = vld1q_f32(init ? init : c + i * c_rs);                        \
    c##i##b = vld1q_f32(init ? init + 4 : c + i * c_rs + 4);
#define LIN__UKNEON_STEP(i)                                                 \
    c##i##a = vfmaq_laneq_f32(c##i##a, b0, LIN__NEON_A##i, LIN__NEON_L##i); \
    c##i##b = vfmaq_laneq_f32(c##i##b, b1, LIN__NEON_A##i, LIN__NEON_L##i);
/* row i of the tile: lane i % 4 of a0 (rows 0-3) or a1 (rows 4-7) */
#define LIN__NEON_A0 a0
#define LIN__NEON_A1 a0
#define LIN__NEON_A2 a0
#define LIN__NEON_A3 a0
#define LIN__NEON_A4 a1
#define LIN__NEON_A5 a1
#define LIN__NEON_A6 a1
#define LIN__NEON_A7 a1
#define LIN__NEON_L0 0
#define LIN__NEON_L1 1
#define LIN__NEON_L2 2
#define LIN__NEON_L3 3
#define LIN__NEON_L4 0
#define LIN__NEON_L5 1
#define LIN__NEON_L6 2
#define LIN__NEON_L7 3
#define LIN__UKNEON_STORE(i)                                                \
    vst1q_f32(c + i * c_rs, c##i##a);                                       \
    vst1q_f32(c + i * c_rs + 4, c##i##b);
static void lin__ukernel_neon(size_t kc, const float *ap, const float *bp, float *c, ptrdiff_t c_rs,
                              const float *init)
{
    float32x4_t c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b, c6a, c6b, c7a, c7b;
    LIN__ROWS8(LIN__UKNEON_LOAD)
    for (; kc; --kc, ap += 8, bp += 8) {
        const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4);
        const float32x4_t a0 = vld1q_f32(ap), a1 = vld1q_f32(ap + 4);
        LIN__ROWS8(LIN__UKNEON_STEP)
    }
    LIN__ROWS8(LIN__UKNEON_STORE)
}

LIN__DEFINE_PACKS(neon, 8, 8)
#endif

/* ---- kernels: the dot products of SSE2, AVX2 and NEON ----

   dots[b][q] = x_b . w_q for b < mb, q < 4, LANES at a time in vector
   accumulators, the lanes of four accumulators summed together in a tree
   (SUM4), then the tail of k in scalars added. At most two rows of x per
   call, so that the eight accumulators, four rows of W and a row of x fit
   16 registers; lin__gemv takes rows 2 and 3 in a second call, W then
   coming from L1.

   LINE names how a family moves W's loads onto whole lines, as the
   AVX-512 dot products do (see there): LINE##_SHIFT gives s, the lanes
   by which the steps start early (0: never, for SSE2 and NEON, whose
   loads of 16 bytes from a float array aligned as malloc's cross no
   line), LINE##_LOAD(LD, p) a step's load of the lanes in mk at p - s,
   LINE##_MASK(lo, hi) the mask of lanes lo .. hi - 1, LINE##_BACK(v) the
   rotation back by s lanes. The vector part's lanes keep their sums and
   order, so the bits stay. */
#define LIN__LD(LD, p) LD(p)
#define LIN__DV_ROW(r, LDM, LD, VFMA, o)                                    \
    { VEC_T xv = LDM(LD, x##r + (o));                                       \
      LIN__IN_REGISTER(xv);                                                 \
      a##r##0 = VFMA(a##r##0, xv, w0); a##r##1 = VFMA(a##r##1, xv, w1);     \
      a##r##2 = VFMA(a##r##2, xv, w2); a##r##3 = VFMA(a##r##3, xv, w3); }
#define LIN__DV_STEP(LDM, LD, VFMA, o)                                      \
    { VEC_T w0 = LDM(LD, w[0] + (o)), w1 = LDM(LD, w[1] + (o));             \
      VEC_T w2 = LDM(LD, w[2] + (o)), w3 = LDM(LD, w[3] + (o));             \
      LIN__IN_REGISTER(w0); LIN__IN_REGISTER(w1);                           \
      LIN__IN_REGISTER(w2); LIN__IN_REGISTER(w3);                           \
      LIN__DV_ROW(0, LDM, LD, VFMA, o)                                      \
      if (mb > 1) LIN__DV_ROW(1, LDM, LD, VFMA, o) }
#define LIN__DEFINE_DOT2(F, TARGET, VEC, LANES_N, VZERO, VLOAD, VFMA, SUM4, LINE)               \
static TARGET LIN__INLINE_KERNEL void lin__dot2_##F(size_t mb, size_t k, const float *x, ptrdiff_t x_rs, \
                                                     const float *const w[4], int lines,        \
                                                     float dots[][4])                           \
{                                                                                               \
    LIN__NO_CONTRACT                                                                            \
    typedef VEC VEC_T;                                                                          \
    const float *x0 = x, *x1 = mb > 1 ? x + x_rs : x;                                           \
    VEC_T a00 = VZERO(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;      \
    VEC_T a13 = a00;                                                                            \
    const size_t kv = k - k % LANES_N, s = LINE##_SHIFT(lines, w);                              \
    size_t p = 0, q;                                                                            \
    if (s) {                            /* k = 0 .. LANES_N - s - 1 in lanes s .. */            \
        const LINE##_MASK_T mk = LINE##_MASK(s, LANES_N);                                       \
        LIN__DV_STEP(LINE##_LOAD, VLOAD, VFMA, 0)                                               \
        p = LANES_N - s;                                                                        \
    }                                                                                           \
    for (; p < kv - s; p += LANES_N) LIN__DV_STEP(LIN__LD, VLOAD, VFMA, p)                     \
    if (s) {                            /* kv - s .. kv - 1 in lanes 0 .. s - 1 */              \
        const LINE##_MASK_T mk = LINE##_MASK(0, s);                                             \
        LIN__DV_STEP(LINE##_LOAD, VLOAD, VFMA, p + s)                                           \
        a00 = LINE##_BACK(a00); a01 = LINE##_BACK(a01);                                         \
        a02 = LINE##_BACK(a02); a03 = LINE##_BACK(a03);                                         \
        if (mb > 1) {                                                                           \
            a10 = LINE##_BACK(a10); a11 = LINE##_BACK(a11);                                     \
            a12 = LINE##_BACK(a12); a13 = LINE##_BACK(a13);                                     \
        }                                                                                       \
    }                                                                                           \
    SUM4(a00, a01, a02, a03, dots[0]);                                                          \
    if (mb > 1) SUM4(a10, a11, a12, a13, dots[1]);                                              \
    for (q = 0; q < 4 && kv < k; ++q) {     /* the tail of k, in scalars, added last */         \
        float t0 = 0.0f, t1 = 0.0f;                                                             \
        for (p = kv; p < k; ++p) {                                                              \
            t0 += x0[p] * w[q][p];                                                              \
            if (mb > 1) t1 += x1[p] * w[q][p];                                                  \
        }                                                                                       \
        dots[0][q] += t0;                                                                       \
        if (mb > 1) dots[1][q] += t1;                                                           \
    }                                                                                           \
}

/* SSE2 and NEON: no shift */
#define LIN__LINE_NONE_SHIFT(lines, w) ((void)(lines), (void)(w), (size_t)0)
#define LIN__LINE_NONE_MASK_T int
#define LIN__LINE_NONE_MASK(lo, hi) ((void)(lo), (void)(hi), 0)
#define LIN__LINE_NONE_LOAD(LD, p) ((void)mk, LD(p))
#define LIN__LINE_NONE_BACK(v) (v)

/* Batches of 5 to 16 rows with long enough rows also take the dot
   products (W streamed, never packed, in chunks that stay in L2) rather
   than the packed GEMM, whose packing of W costs about as much as a
   product of that few rows; with short rows the dot products' horizontal
   sums cost more. Measured on AMD Zen 4 (-O2), AVX-512 / AVX2 family,
   GFLOP/s packed -> dots: 8x1024x1024 52 -> 77-97 / 26 -> 60,
   16x1024x1024 73 -> 93 / 42 -> 59, 8x256x256 59 -> 86 / 32 -> 48; but
   8x64x64 59 -> 31. AVX-512's dot products, four rows of x against four
   of W in 16 zmm sums, stay ahead up to 64 rows of 256 or more (Zen 4,
   -O2, x and W 16 bytes past a line, packed -> dots: 16x256x256 82 ->
   103, 17x384x384 62 -> 99, 32x1024x1024 84 -> 92, 64x512x512 101 ->
   107, 64x256x256 99 -> 106; 128x1024x1024 even, 128x256x1024 105 -> 97,
   32x128x128 even). Past 32 rows they take rows of 512 or more only:
   there the gain is small. On AMD Zen 5, whose two FMA pipes are 512 bits
   wide, a batch that fills whole 8-row tiles runs faster packed (-O2,
   dots -> packed: 32x256x256 135 -> 164, 64x512x512 132 -> 173,
   64x784x128 142 -> 168, 64x1024x1024 135 -> 162, 24x384x384 131 ->
   147; 32x1024x1024 and 48x1024x256 even, 56x512x512 184 -> 174), and
   one that leaves a tile part empty still runs faster as dots (17x384x384
   103 -> 159, 20x1024x300 97 -> 170). Once the dots shifted onto W's
   lines from rows of 256 (lin__dot4_avx512), they won back the batches
   up to 32 (packed in place -> dots: 32x1024x1024 144 -> 161,
   24x384x384 144-146 -> 160-166, 32x256x256 147-161 -> 151-175) but not
   past them (64x1024x1024 168-170 -> 150-151, 64x512x512 158-174 ->
   142-167, 56x512x512 154-168 -> 141-164; 40x1024x1024, 48x1024x256
   even). So AVX-512 takes the dots up to 32 rows of 256 or more, and up
   to 64 rows of 512 or more for a batch that is not a multiple of 8: a
   choice made from the shape alone, so every CPU of the family gives
   the same bits.
   AVX2's dots, two rows of x per pass, do not (32x1024x1024 43 -> 35).
   Below 256 columns a sweep on Zen 5 (-O2, m 5-64 by k 16-256 by n
   16-256, W and x 16 bytes past a line) put the line lower for a few
   rows, where packing W costs the most per product and a batch of 5-7
   leaves an 8-row tile part empty: AVX-512 takes the dots for 5-7 rows
   from rows of 16, 8-10 from 48 and 11-12 from 128; AVX2 5 rows from
   16, 6-7 from 48, 8-10 from 64 (packed -> dots, ns: 6x64x100 1638 ->
   559, 5x200x200 7650 -> 3300, 9x100x100 2517 -> 1289, 7x200x3000
   100.5k -> 61.9k, 8x64x64 1294 -> 1132; AVX2 6x64x100 1351 -> 775,
   8x64x64 1465 -> 882; 16 rows or more, and 8-12 rows of 16-32, ran
   slower as dots). */
#define LIN__GEMV_MORE(isa, m, k)                                         \
    (((m) <= 8 && (k) >= 256) || ((m) <= 16 && (k) >= 512) ||            \
     ((isa) == LIN__ISA_AVX512 && (((m) <= 32 && (k) >= 256) || (((m) & 7) && (m) <= 64 && (k) >= 512) || \
                                    ((m) <= 7 && (k) >= 16) || ((m) <= 10 && (k) >= 48) || ((m) <= 12 && (k) >= 128))) || \
     ((isa) == LIN__ISA_AVX2 && (((m) <= 5 && (k) >= 16) || ((m) <= 7 && (k) >= 48) || ((m) <= 10 && (k) >= 64))))

/* Rows of W per chunk of the dot-product path: about 256 KiB of W, which
   every group of four rows of x then reads from L2 (a multiple of 4). */
#define LIN__GEMV_CHUNK(k) ((size_t)(k) >= 16384 ? (size_t)4 : ((size_t)65536 / ((size_t)(k) | 1) + 3) / 4 * 4)

/* GCOVR_EXCL_BR_START: lin__gemv_put and the loops below are inlined
   into every family's lin__gemv once per row count and per "on W's lines
   or not", constants: each copy takes one side of those tests by design
   (test_kernels and test_dispatch check every family's results) */
/* y's outputs j .. j + r of mb rows (a constant) from ci: bias (or y
   itself with acc) plus the dot products. Four outputs in a row and a
   bias of unit stride or none are added as vectors, the bias copied
   whole (read back as a vector right after four scalar stores, it
   stalled on a failed store forwarding: 40% of a 1x16x16 layer's
   time). */
static LIN__INLINE_KERNEL void lin__gemv_put(size_t mb, size_t r, size_t j, float dots[4][4], const float *bias,
                                             ptrdiff_t bias_s, int acc, int row4, float *ci, ptrdiff_t c_rs,
                                             ptrdiff_t c_cs)
{
    size_t i, q;
    if (r == 4 && row4) {
        float add[4];
        if (bias)
            for (q = 0; q < 4; ++q) add[q] = bias[j + q];
        else
            for (q = 0; q < 4; ++q) add[q] = 0.0f;
        for (i = 0; i < mb; ++i) {
            float *cq = ci + (ptrdiff_t)i * c_rs + (ptrdiff_t)j;
            for (q = 0; q < 4; ++q) cq[q] = (acc ? cq[q] : add[q]) + dots[i][q];
        }
        return;
    }
    for (i = 0; i < mb; ++i)
        for (q = 0; q < r; ++q) {
            float *cq = ci + (ptrdiff_t)i * c_rs + (ptrdiff_t)(j + q) * c_cs;
            *cq = (acc ? *cq : bias ? bias[(ptrdiff_t)(j + q) * bias_s] : 0.0f) + dots[i][q];
        }
}
/* lin__gemv's loop over groups of four rows of W (j from jc to jn) for MB
   rows of x, a constant, through CALLS (its dot products): one loop per
   row count, so that each keeps its pointers and counters in registers
   (one loop around a switch of every row count kept them on the stack,
   stored and reloaded for every group: 1x16x64 took 7.5 ns a group of
   four outputs on AMD Zen 4, -O2) */
#define LIN__GEMV_LOOP(MB, CALLS)                                                               \
    for (j = jc; j < jn; j += 4) {                                                              \
        const size_t r = LIN__MIN(4, j1 - j);                                                   \
        const float *w[4];                                                                      \
        w[0] = b->p + (ptrdiff_t)j * b->cs;                                                     \
        w[1] = r > 1 ? w[0] + b->cs : w[0];                                                     \
        w[2] = r > 2 ? w[1] + b->cs : w[0];                                                     \
        w[3] = r > 3 ? w[2] + b->cs : w[0];                                                     \
        CALLS                                                                                   \
        lin__gemv_put(MB, r, j, dots, bias, bias_s, acc, row4, ci, c_rs, c_cs);                 \
    }
/* GCOVR_EXCL_BR_STOP */
/* ... for mb rows of x (ROWS per call at most), the rows of W shifted onto
   lines or not (LINES, a constant) */
#define LIN__GEMV_ROWS(DOT, ROWS, LINES)                                                        \
    { switch (mb) {                                                                             \
    case 1: LIN__GEMV_LOOP(1, DOT(1, k, x, a->rs, w, LINES, dots);) break;                      \
    case 2: LIN__GEMV_LOOP(2, DOT(2, k, x, a->rs, w, LINES, dots);) break;                      \
    case 3:                                                                                     \
        if (ROWS == 2) {                                                                        \
            LIN__GEMV_LOOP(3, DOT(2, k, x, a->rs, w, LINES, dots);                              \
                              DOT(1, k, x + 2 * a->rs, a->rs, w, LINES, dots + 2);)             \
        } else {                                                                                \
            LIN__GEMV_LOOP(3, DOT(3, k, x, a->rs, w, LINES, dots);)                             \
        }                                                                                       \
        break;                                                                                  \
    default:                                                                                    \
        if (ROWS == 2) {                                                                        \
            LIN__GEMV_LOOP(4, DOT(2, k, x, a->rs, w, LINES, dots);                              \
                              DOT(2, k, x + 2 * a->rs, a->rs, w, LINES, dots + 2);)             \
        } else {                                                                                \
            LIN__GEMV_LOOP(4, DOT(4, k, x, a->rs, w, LINES, dots);)                             \
        }                                                                                       \
        break;                                                                                  \
    } }
/* y (m, j0..j1) = bias + x (m, k) . W (j0..j1, k)^T (or y += x . W^T with
   acc), x and W rows contiguous (unit stride along k): rows of x against
   four rows of W at a time. A last group of fewer than four rows of W
   repeats its first row and drops the extra results. Each family's copy
   calls its dot product with a constant row count (the switch), so the
   sums stay in registers; SHIFTS is the shortest row its dot product
   shifts onto W's lines (0: none). */
#define LIN__DEFINE_GEMV(F, TARGET, DOT, ROWS, SHIFTS)                                          \
static TARGET void lin__gemv_##F(size_t m, size_t j0, size_t j1, size_t k, const lin__mat *a,   \
                                 const lin__mat *b, const float *bias, ptrdiff_t bias_s, int acc, \
                                 float *c, ptrdiff_t c_rs, ptrdiff_t c_cs)                      \
{                                                                                               \
    float dots[4][4];                                                                           \
    size_t i0, j, jc, chunk = LIN__GEMV_CHUNK(k);                                               \
    const int row4 = c_cs == 1 && (!bias || bias_s == 1);                                       \
    const int lines = SHIFTS && lin__rows_on_lines(k, SHIFTS, b);                               \
    for (jc = j0; jc < j1; jc += chunk)                                                         \
    for (i0 = 0; i0 < m; i0 += 4) {                                                             \
        const size_t mb = LIN__MIN(4, m - i0), jn = LIN__MIN(j1, jc + chunk);                   \
        const float *x = a->p + (ptrdiff_t)i0 * a->rs;                                          \
        float *ci = c + (ptrdiff_t)i0 * c_rs;                                                   \
        if (lines)                      /* a constant in each copy of the dots */               \
            LIN__GEMV_ROWS(DOT, ROWS, 1)                                                        \
        else                                                                                    \
            LIN__GEMV_ROWS(DOT, ROWS, 0)                                                        \
    }                                                                                           \
}

/* The rows of x a row kernel takes one at a time: one, or two of 8 or
   fewer columns (there the four-output kernel shares nothing worth its
   sums; lin__path's LIN__ROW_SHORT) */
#define LIN__ROWS_ALONE(m, k) ((m) == 1 || ((m) == 2 && (k) <= 8))

/* lin__gemv_##F: lin__gemv_##F##_4, but rows of x taken alone
   (LIN__ROWS_ALONE) whose rows are SHORT (a test of k), in groups of N
   outputs through DOT where y and the bias have unit stride */
#define LIN__DEFINE_GEMV_ROW(F, TARGET, DOT, N, SHORT)                                          \
static TARGET void lin__gemv_##F(size_t m, size_t j0, size_t j1, size_t k, const lin__mat *a,   \
                                 const lin__mat *b, const float *bias, ptrdiff_t bias_s, int acc, \
                                 float *c, ptrdiff_t c_rs, ptrdiff_t c_cs)                      \
{                                                                                               \
    if (LIN__ROWS_ALONE(m, k) && (SHORT) && c_cs == 1 && (!bias || bias_s == 1) && j1 - j0 >= (N)) {  \
        const size_t jn = j1 - (j1 - j0) % (N);                                                 \
        size_t j, i;                                                                            \
        for (i = 0; i < m; ++i)                                                                 \
            for (j = j0; j < jn; j += (N))                                                      \
                DOT(k, a->p + (ptrdiff_t)i * a->rs, b->p + (ptrdiff_t)j * b->cs, b->cs, bias ? bias + j : NULL, acc, \
                    c + (ptrdiff_t)i * c_rs + j);                                               \
        if (jn == j1) return;                                                                   \
        j0 = jn;                                                                                \
    }                                                                                           \
    lin__gemv_##F##_4(m, j0, j1, k, a, b, bias, bias_s, acc, c, c_rs, c_cs);                    \
}

/* GCOVR_EXCL_BR_START: as above, the instances of LIN__DEFINE_DOT2 and _GEMV */
#ifdef LIN__HAS_AVX512
LIN__DEFINE_GEMV(avx512_4, LIN__TARGET_AVX512, lin__dot4_avx512, 4, 96)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push             /* as at lin__dot4_avx512 */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* y[0..15] = (y itself with acc, else the bias or 0) + x (k) . W (16
   rows, ldw floats apart)^T, k under 96 (none shifted onto lines):
   lin__dot4_avx512's sums bit for bit (lane l sums k = l mod 16 in
   order, the masked tail adds +0, and each output's lanes are added as
   lin__sum4_avx512 adds them: pairs, quads, then 128-bit quarters 0 + 2
   and 1 + 3, then those two), but sixteen outputs a reduction where it
   made four: on short rows the reductions were the dot products' time */
#define LIN__D16_FMA(r, LOAD, o) a##r = _mm512_fmadd_ps(xv, LOAD(w + (r) * ldw + (o)), a##r);
#define LIN__D16_STEP(LOAD, o)                                              \
    { const __m512 xv = LOAD(x + (o));                                      \
      LIN__D16_FMA(0, LOAD, o) LIN__D16_FMA(1, LOAD, o)                     \
      LIN__D16_FMA(2, LOAD, o) LIN__D16_FMA(3, LOAD, o)                     \
      LIN__D16_FMA(4, LOAD, o) LIN__D16_FMA(5, LOAD, o)                     \
      LIN__D16_FMA(6, LOAD, o) LIN__D16_FMA(7, LOAD, o)                     \
      LIN__D16_FMA(8, LOAD, o) LIN__D16_FMA(9, LOAD, o)                     \
      LIN__D16_FMA(10, LOAD, o) LIN__D16_FMA(11, LOAD, o)                   \
      LIN__D16_FMA(12, LOAD, o) LIN__D16_FMA(13, LOAD, o)                   \
      LIN__D16_FMA(14, LOAD, o) LIN__D16_FMA(15, LOAD, o) }
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL void lin__dot16_avx512(size_t k, const float *x, const float *w,
                                                                   ptrdiff_t ldw, const float *bias, int acc,
                                                                   float *y)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    __m512 q0, q1, q2, q3, u, v;
    __mmask16 m;
    size_t p = 0;
    for (; p + 16 <= k; p += 16) LIN__D16_STEP(LIN__D512_FULL, p)
    if (p < k) {
        m = (__mmask16)((1u << (k - p)) - 1u);
        LIN__D16_STEP(LIN__D512_MASKED, p)
    }
    q0 = lin__quarters4_avx512(a0, a1, a2, a3);     /* outputs 4g .. 4g + 3 in q_g */
    q1 = lin__quarters4_avx512(a4, a5, a6, a7);
    q2 = lin__quarters4_avx512(a8, a9, a10, a11);
    q3 = lin__quarters4_avx512(a12, a13, a14, a15);
    u = _mm512_add_ps(_mm512_shuffle_f32x4(q0, q1, 0x44), _mm512_shuffle_f32x4(q0, q1, 0xee));
    v = _mm512_add_ps(_mm512_shuffle_f32x4(q2, q3, 0x44), _mm512_shuffle_f32x4(q2, q3, 0xee));
    u = _mm512_add_ps(_mm512_shuffle_f32x4(u, v, 0x88), _mm512_shuffle_f32x4(u, v, 0xdd));
    _mm512_storeu_ps(y, _mm512_add_ps(acc ? _mm512_loadu_ps(y) : bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps(),
                                      u));
}
#undef LIN__D16_FMA
#undef LIN__D16_STEP

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* lin__gemv_avx512_4, but one row of x of 64 or fewer (none shifted
   onto lines) in groups of sixteen outputs where y and the bias have unit
   stride: the same bits (AMD Zen 4, -O2: 1x16x16 44 -> 36 ns, 1x32x32 76
   -> 65, 1x64x64 195 -> 170; rows of 80 and more, and two to four rows of
   x, which share each load of W in lin__dot4_avx512, ran slower, but for
   two rows of x of 8 or fewer columns: LIN__ROW_SHORT) */
LIN__DEFINE_GEMV_ROW(avx512, LIN__TARGET_AVX512, lin__dot16_avx512, 16, k <= 64)
#endif
#ifdef LIN__HAS_AVX2
#define LIN__FMA256(acc, x, y) _mm256_fmadd_ps(x, y, acc)
/* out[q] = the sum of v_q's 8 lanes: pairs, then quads, then the halves */
/* half c of the result: the sums of v0..v3 over their lanes 4c .. 4c + 3 */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256 lin__halves4_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3)
{
    return _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
}
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__sum4_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3, float *out)
{
    const __m256 h = lin__halves4_avx2(v0, v1, v2, v3);
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
/* AVX2's lines: 32 bytes (a ymm load from there crosses no 64-byte line),
   rows of 128 and more (AMD Zen 4, -O2, W and x 16 bytes past a line:
   1x256x256 44.7 -> 48.6-50.8 GFLOP/s, 54.9 on a line; 4x1024x1024 61 ->
   72; rows on a line: within 2%) */
#define LIN__LINE_AVX2_SHIFT(lines, w) ((lines) ? lin__line_shift(w[0], 32) : 0)
#define LIN__LINE_AVX2_MASK_T __m256i
#define LIN__LINE_AVX2_MASK(lo, hi)                                                        \
    _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(lo)), lin__iota8_avx2()), \
                        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(hi)), lin__iota8_avx2()))
#define LIN__LINE_AVX2_LOAD(LD, p) _mm256_maskload_ps((const float *)((uintptr_t)(p) - s * sizeof(float)), mk)
#define LIN__LINE_AVX2_BACK(v)                                                              \
    _mm256_permutevar8x32_ps(v, _mm256_and_si256(_mm256_add_epi32(lin__iota8_avx2(),        \
                                                                  _mm256_set1_epi32((int)s)), \
                                                 _mm256_set1_epi32(7)))
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__iota8_avx2(void)
{
    return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
}
LIN__DEFINE_DOT2(avx2, LIN__TARGET_AVX2, __m256, 8, _mm256_setzero_ps, _mm256_loadu_ps, LIN__FMA256,
                 lin__sum4_avx2, LIN__LINE_AVX2)
LIN__DEFINE_GEMV(avx2_4, LIN__TARGET_AVX2, lin__dot2_avx2, 2, 128)

/* y[0..7] = (y itself with acc, else the bias or 0) + x (k) . W (8
   rows, ldw floats apart)^T, k under 128 (none shifted onto lines):
   lin__dot2_avx2's sums bit for bit (lane l sums k = l mod 8 up to k - k
   % 8 in order; each output's lanes added as lin__sum4_avx2 adds them,
   two hadds then the halves; then the tail of k in a scalar sum from 0,
   unfused, added last), eight outputs a reduction where it made four */
#define LIN__D8_FMA(r) a##r = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + (r) * ldw + p), a##r);
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__dot8_avx2(size_t k, const float *x, const float *w,
                                                              ptrdiff_t ldw, const float *bias, int acc,
                                                              float *y)
{
    LIN__NO_CONTRACT
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, h0, h1, d;
    const size_t kv = k - k % 8;
    size_t p;
    for (p = 0; p < kv; p += 8) {
        const __m256 xv = _mm256_loadu_ps(x + p);
        LIN__D8_FMA(0) LIN__D8_FMA(1) LIN__D8_FMA(2) LIN__D8_FMA(3)
        LIN__D8_FMA(4) LIN__D8_FMA(5) LIN__D8_FMA(6) LIN__D8_FMA(7)
    }
    h0 = lin__halves4_avx2(a0, a1, a2, a3);
    h1 = lin__halves4_avx2(a4, a5, a6, a7);
    d = _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20), _mm256_permute2f128_ps(h0, h1, 0x31));
    if (kv < k) {
        float t[8];
        size_t q;
        for (q = 0; q < 8; ++q) {
            const float *wq = w + (ptrdiff_t)q * ldw;
            float s = 0.0f;
            for (p = kv; p < k; ++p) s += x[p] * wq[p];
            t[q] = s;
        }
        d = _mm256_add_ps(d, _mm256_loadu_ps(t));
    }
    _mm256_storeu_ps(y, _mm256_add_ps(acc ? _mm256_loadu_ps(y) : bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps(),
                                      d));
}
#undef LIN__D8_FMA

/* lin__gemv_avx2_4, but one row of x of under 128 (none shifted onto
   lines) in groups of eight outputs where y and the bias have unit
   stride: the same bits (AVX2 family on AMD Zen 4, -O2, ns: 1x16x16 45
   -> 29, 1x32x32 82 -> 59, 1x64x64 211 -> 170; rows of 80-127 2-7%) */
LIN__DEFINE_GEMV_ROW(avx2, LIN__TARGET_AVX2, lin__dot8_avx2, 8, k < 128)
#endif
#ifdef LIN__HAS_SSE2
#define LIN__MULADD128(acc, x, y) _mm_add_ps(acc, _mm_mul_ps(x, y))
/* out[q] = the sum of v_q's 4 lanes: lanes 0+2 and 1+3, then the two */
static LIN__INLINE_KERNEL void lin__sum4_sse2(__m128 v0, __m128 v1, __m128 v2, __m128 v3, float *out)
{
    const __m128 s01 = _mm_add_ps(_mm_unpacklo_ps(v0, v1), _mm_unpackhi_ps(v0, v1));
    const __m128 s23 = _mm_add_ps(_mm_unpacklo_ps(v2, v3), _mm_unpackhi_ps(v2, v3));
    _mm_storeu_ps(out, _mm_add_ps(_mm_movelh_ps(s01, s23), _mm_movehl_ps(s23, s01)));
}
LIN__DEFINE_DOT2(sse2, LIN__TARGET_BASE, __m128, 4, _mm_setzero_ps, _mm_loadu_ps, LIN__MULADD128, lin__sum4_sse2,
                 LIN__LINE_NONE)
LIN__DEFINE_GEMV(sse2, LIN__TARGET_BASE, lin__dot2_sse2, 2, 0)
#endif
#ifdef LIN__HAS_NEON
#define LIN__VZERO_NEON() vdupq_n_f32(0.0f)
#define LIN__FMA_NEON(acc, x, y) vfmaq_f32(acc, x, y)
/* out[q] = the sum of v_q's 4 lanes: pairwise, twice */
static LIN__INLINE_KERNEL void lin__sum4_neon(float32x4_t v0, float32x4_t v1, float32x4_t v2, float32x4_t v3,
                                              float *out)
{
    vst1q_f32(out, vpaddq_f32(vpaddq_f32(v0, v1), vpaddq_f32(v2, v3)));
}
LIN__DEFINE_DOT2(neon, LIN__TARGET_BASE, float32x4_t, 4, LIN__VZERO_NEON, vld1q_f32, LIN__FMA_NEON,
                 lin__sum4_neon, LIN__LINE_NONE)
LIN__DEFINE_GEMV(neon, LIN__TARGET_BASE, lin__dot2_neon, 2, 0)
#endif

/* GCOVR_EXCL_BR_STOP */

/* ---- kernels: the portable family ---- */

#ifdef LIN__HAS_PORTABLE
/* 4 x 32 in portable C: the columns of each row in the inner loop, all
   independent sums, so a compiler vectorises it without reassociating any
   sum (no -ffast-math). 32 columns make whole vectors at every width from
   SSE to AVX-512, which narrower tiles do not (measured with GCC 12). */
static void lin__ukernel_portable(size_t kc, const float *ap, const float *bp, float *c, ptrdiff_t c_rs,
                                  const float *init)
{
    LIN__NO_CONTRACT
    float acc[4][32];
    size_t p;
    int i, j;
    for (i = 0; i < 4; ++i)
        for (j = 0; j < 32; ++j) acc[i][j] = init ? init[j] : c[i * c_rs + j];
    for (p = 0; p < kc; ++p, ap += 4, bp += 32)
        for (i = 0; i < 4; ++i)
            for (j = 0; j < 32; ++j) acc[i][j] += ap[i] * bp[j];
    for (i = 0; i < 4; ++i)
        for (j = 0; j < 32; ++j) c[i * c_rs + j] = acc[i][j];
}

LIN__DEFINE_PACKS(portable, 4, 32)

/* dots[b][q] = x_b . w_q for b < mb, q < 4, over 8 independent partial
   sums per dot: portable C a compiler vectorises as it stands */
static LIN__INLINE_KERNEL void lin__dot4_portable(size_t mb, size_t k, const float *x, ptrdiff_t x_rs,
                                                   const float *const w[4], int lines, float dots[4][4])
{
    LIN__NO_CONTRACT
    float acc[4][4][8];
    size_t b, q, p, l, kv = k - k % 8;
    (void)lines;                        /* loads of any alignment: no shift */
    for (b = 0; b < mb; ++b)
        for (q = 0; q < 4; ++q)
            for (l = 0; l < 8; ++l) acc[b][q][l] = 0.0f;
    for (p = 0; p < kv; p += 8)
        for (b = 0; b < mb; ++b)
            for (q = 0; q < 4; ++q)
                for (l = 0; l < 8; ++l) acc[b][q][l] += x[(ptrdiff_t)b * x_rs + p + l] * w[q][p + l];
    for (b = 0; b < mb; ++b)
        for (q = 0; q < 4; ++q) {
            float s = 0.0f, t = 0.0f;
            for (l = 0; l < 8; ++l) s += acc[b][q][l];
            for (p = kv; p < k; ++p) t += x[(ptrdiff_t)b * x_rs + p] * w[q][p];
            dots[b][q] = s + t;
        }
}
LIN__DEFINE_GEMV(portable, LIN__TARGET_BASE, lin__dot4_portable, 4, 0)
#endif

/* ---- kernels: the narrow kernel (AVX-512) ---- */

#ifdef LIN__HAS_AVX512
#define LIN__NARROW_K 256
/* The longest rows (k) for which lin__gemm_narrow beats the other paths
   at m rows and n outputs, measured on a grid of m, n and k. */
static size_t lin__narrow_kmax(size_t m, size_t n)
{
    if (m >= 64) return n >= 16 ? 256 : n >= 10 ? 128 : n >= 8 ? 32 : n >= 3 ? 16 : 8;
    if (m >= 16) return n >= 16 ? 128 : n >= 8 ? 32 : n >= 3 ? 8 : 0;
    return n >= 16 ? 32 : n >= 8 ? 16 : 0;
}

/* y[r] += x (rows r < R, k) . bt (k, 16), bt's rows bt_rs apart: R
   independent chains */
/* GCOVR_EXCL_BR_START: inlined once per row count R, as above */
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL void lin__narrow_rows(size_t R, size_t k, const float *x,
                                                                  ptrdiff_t x_rs, ptrdiff_t x_cs,
                                                                  const float *bt, size_t bt_rs, __m512 *y)
{
    __m512 y0 = y[0], y1 = R > 1 ? y[1] : y0, y2 = R > 2 ? y[2] : y0, y3 = R > 3 ? y[3] : y0;
    __m512 y4 = R > 4 ? y[4] : y0, y5 = R > 5 ? y[5] : y0, y6 = R > 6 ? y[6] : y0, y7 = R > 7 ? y[7] : y0;
    size_t p;
    for (p = 0; p < k; ++p) {   /* the chains unrolled by hand: at -O2 an array of them lives in memory */
        const __m512 w = _mm512_loadu_ps(bt + p * bt_rs);
        const float *xp = x + (ptrdiff_t)p * x_cs;
        y0 = _mm512_fmadd_ps(_mm512_set1_ps(xp[0]), w, y0);
        if (R > 1) y1 = _mm512_fmadd_ps(_mm512_set1_ps(xp[x_rs]), w, y1);
        if (R > 2) y2 = _mm512_fmadd_ps(_mm512_set1_ps(xp[2 * x_rs]), w, y2);
        if (R > 3) y3 = _mm512_fmadd_ps(_mm512_set1_ps(xp[3 * x_rs]), w, y3);
        if (R > 4) y4 = _mm512_fmadd_ps(_mm512_set1_ps(xp[4 * x_rs]), w, y4);
        if (R > 5) y5 = _mm512_fmadd_ps(_mm512_set1_ps(xp[5 * x_rs]), w, y5);
        if (R > 6) y6 = _mm512_fmadd_ps(_mm512_set1_ps(xp[6 * x_rs]), w, y6);
        if (R > 7) y7 = _mm512_fmadd_ps(_mm512_set1_ps(xp[7 * x_rs]), w, y7);
    }
    y[0] = y0;
    if (R > 1) y[1] = y1;
    if (R > 2) y[2] = y2;
    if (R > 3) y[3] = y3;
    if (R > 4) y[4] = y4;
    if (R > 5) y[5] = y5;
    if (R > 6) y[6] = y6;
    if (R > 7) y[7] = y7;
}
/* GCOVR_EXCL_BR_STOP */

/* y (m, n <= 16) = bias + x (m, k) . B (k, n), or y += x . B with acc, for
   k <= LIN__NARROW_K: B packed into zero-padded 16-lane rows (16 KiB of
   stack at most; a prepared layer's 32-wide panel as it is), each row of y
   one 16-lane FMA chain over p = 0..k-1, eight rows at a time. Many rows
   with few outputs: no horizontal sums and no idle half of a 32-wide
   tile. Out of line: its stack stays out of the packed GEMM's frame. */
LIN__NOINLINE static LIN__TARGET_AVX512 void lin__gemm_narrow(size_t m, size_t n, size_t k, const lin__mat *a,
                                                             const lin__mat *b, const float *bpre,
                                                             const float *bias, ptrdiff_t bias_s, int acc,
                                                             float *c, ptrdiff_t c_rs, ptrdiff_t c_cs)
{
    float table[LIN__NARROW_K * 16], row[16];
    const __mmask16 mask = (__mmask16)((1u << n) - 1u);
    const float *bt = bpre ? bpre : table;
    const size_t bt_rs = bpre ? 32 : 16;
    __m512 start = _mm512_setzero_ps(), y[8];
    size_t i, j, p, r, rows;
    if (!bpre) {
        for (p = 0; p < k; ++p) _mm512_storeu_ps(table + p * 16, _mm512_setzero_ps());   /* the padding */
        j = 0;
        if (b->rs == 1) {               /* B = W^T: rows of W, eight by eight k transposed */
            for (; j + 8 <= n; j += 8) {
                for (p = 0; p + 8 <= k; p += 8)
                    lin__transpose8x8(b->p + (ptrdiff_t)j * b->cs + p, b->cs, table + p * 16 + j, 16);
                for (; p < k; ++p)
                    for (r = 0; r < 8; ++r) table[p * 16 + j + r] = b->p[(ptrdiff_t)(j + r) * b->cs + (ptrdiff_t)p];
            }
        }
        for (; j < n; ++j)
            for (p = 0; p < k; ++p) table[p * 16 + j] = b->p[(ptrdiff_t)p * b->rs + (ptrdiff_t)j * b->cs];
    }
    if (bias && !acc) {
        for (j = 0; j < 16; ++j) row[j] = j < n ? bias[(ptrdiff_t)j * bias_s] : 0.0f;
        start = _mm512_loadu_ps(row);
    }
    for (i = 0; i < m; i += rows) {
        const float *x = a->p + (ptrdiff_t)i * a->rs;
        rows = LIN__MIN(8, m - i);
        for (r = 0; r < rows; ++r) {
            float *cr = c + (ptrdiff_t)(i + r) * c_rs;
            if (!acc) {
                y[r] = start;
            } else if (c_cs == 1) {
                y[r] = _mm512_maskz_loadu_ps(mask, cr);
            } else {
                for (j = 0; j < 16; ++j) row[j] = j < n ? cr[(ptrdiff_t)j * c_cs] : 0.0f;
                y[r] = _mm512_loadu_ps(row);
            }
        }
        switch (rows) {                 /* a constant count keeps the chains in registers */
        case 8: lin__narrow_rows(8, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 7: lin__narrow_rows(7, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 6: lin__narrow_rows(6, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 5: lin__narrow_rows(5, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 4: lin__narrow_rows(4, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 3: lin__narrow_rows(3, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        case 2: lin__narrow_rows(2, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        default: lin__narrow_rows(1, k, x, a->rs, a->cs, bt, bt_rs, y); break;
        }
        for (r = 0; r < rows; ++r) {
            float *cr = c + (ptrdiff_t)(i + r) * c_rs;
            if (c_cs == 1) {
                _mm512_mask_storeu_ps(cr, mask, y[r]);
            } else {
                _mm512_storeu_ps(row, y[r]);
                for (j = 0; j < n; ++j) cr[(ptrdiff_t)j * c_cs] = row[j];
            }
        }
    }
}
#endif

/* ---- kernels: the table of families ---- */

#define LIN__FAMILY(name, isa, mr, nr, f, kc, mc, nc)                                          \
    { name, isa, mr, nr, LIN__KC(mr, nr, kc), LIN__KC_ROWS(nr, kc), LIN__KC_OWN(kc), LIN__MC(mr, nr, kc, mc, nc), \
      LIN__MC_ROWS(mc),                                                                         \
      LIN__NC(mr, nr, kc, nc), lin__ukernel_##f,                                                \
      LIN__UKERNEL_ROWS_##f, LIN__UKERNEL_HALF_M_##f, LIN__UKERNEL_ROWS_HALF_M_##f, LIN__UKERNEL_HALF_N_##f,     \
      LIN__UKERNEL_ROWS_HALF_N_##f, LIN__UKERNEL_ROWS_FOUR_##f,                                  \
      lin__pack_a_##f, lin__pack_b_##f, lin__gemv_##f }
/* the families whose micro-kernel also reads A in place, and those with
   half-tile kernels for edge tiles (half the rows, half the columns) */
#define LIN__UKERNEL_ROWS_avx512 lin__ukernel_rows_avx512
#define LIN__UKERNEL_ROWS_avx2 lin__ukernel_rows_avx2
#define LIN__UKERNEL_ROWS_sse2 NULL
#define LIN__UKERNEL_ROWS_neon NULL
#define LIN__UKERNEL_ROWS_portable NULL
#define LIN__UKERNEL_HALF_M_avx512 lin__ukernel_half_m_avx512
#define LIN__UKERNEL_HALF_M_avx2 lin__ukernel_half_m_avx2
#define LIN__UKERNEL_HALF_M_sse2 NULL
#define LIN__UKERNEL_HALF_M_neon NULL
#define LIN__UKERNEL_HALF_M_portable NULL
#define LIN__UKERNEL_ROWS_HALF_M_avx512 lin__ukernel_rows_half_m_avx512
#define LIN__UKERNEL_ROWS_HALF_M_avx2 lin__ukernel_rows_half_m_avx2
#define LIN__UKERNEL_ROWS_HALF_M_sse2 NULL
#define LIN__UKERNEL_ROWS_HALF_M_neon NULL
#define LIN__UKERNEL_ROWS_HALF_M_portable NULL
#define LIN__UKERNEL_HALF_N_avx512 lin__ukernel_half_n_avx512
#define LIN__UKERNEL_HALF_N_avx2 lin__ukernel_half_n_avx2
#define LIN__UKERNEL_HALF_N_sse2 NULL
#define LIN__UKERNEL_HALF_N_neon NULL
#define LIN__UKERNEL_HALF_N_portable NULL
#define LIN__UKERNEL_ROWS_HALF_N_avx512 lin__ukernel_rows_half_n_avx512
#define LIN__UKERNEL_ROWS_HALF_N_avx2 lin__ukernel_rows_half_n_avx2
#define LIN__UKERNEL_ROWS_HALF_N_sse2 NULL
#define LIN__UKERNEL_ROWS_HALF_N_neon NULL
#define LIN__UKERNEL_ROWS_HALF_N_portable NULL
#define LIN__UKERNEL_ROWS_FOUR_avx512 NULL
#define LIN__UKERNEL_ROWS_FOUR_avx2 lin__ukernel_rows_four_avx2
#define LIN__UKERNEL_ROWS_FOUR_sse2 NULL
#define LIN__UKERNEL_ROWS_FOUR_neon NULL
#define LIN__UKERNEL_ROWS_FOUR_portable NULL
/* The family of an instruction set, NULL if this build has none: the one
   list of the families, their tiles and their blocks (blocks, a list of
   three, is expanded before LIN__FAMILY_ sees it). */
#define LIN__FAMILY_CASE(isa, name, mr, nr, f, blocks)                                          \
    case isa: {                                                                                 \
        static const lin__family fam = LIN__FAMILY(name, isa, mr, nr, f, blocks);              \
        return &fam;                                                                            \
    }
static const lin__family *lin__family_of(int isa)
{
    switch (isa) {
#ifdef LIN__HAS_AVX512
    LIN__FAMILY_CASE(LIN__ISA_AVX512, "avx512", 8, 32, avx512, LIN__BLOCKS_AVX512)
#endif
#ifdef LIN__HAS_AVX2
    LIN__FAMILY_CASE(LIN__ISA_AVX2, "avx2", 6, 16, avx2, LIN__BLOCKS_AVX2)
#endif
#ifdef LIN__HAS_SSE2
    LIN__FAMILY_CASE(LIN__ISA_SSE2, "sse2", 4, 8, sse2, LIN__BLOCKS_SSE2)
#endif
#ifdef LIN__HAS_NEON
    LIN__FAMILY_CASE(LIN__ISA_NEON, "neon", 8, 8, neon, LIN__BLOCKS_NEON)
#endif
#ifdef LIN__HAS_PORTABLE
    LIN__FAMILY_CASE(LIN__ISA_PORTABLE, "portable", 4, 32, portable, LIN__BLOCKS_PORTABLE)
#endif
    default: return NULL;
    }
}
#endif /* LIN_PACK */

/* ---- kernels: the packed GEMM ---- */

#if LIN_PACK
/* The scratch of one thread: packed blocks of A (MC, KC) and B (KC, NC),
   64-byte aligned, on the stack, sized for the largest family compiled. */
#define LIN__SCRATCH_FLOATS \
    (LIN__MAXZ(LIN__MAXZ(LIN__BLOCK_FLOATS_512, LIN__BLOCK_FLOATS_256), LIN__BLOCK_FLOATS_128) + 16)


/* C (mc, nc) at (ic, jc) = the block of k at pc of A . B, packed (ap:
   panels of MR rows, bp: of NR columns; with lda, ap is A's block itself,
   rows lda apart, mc a multiple of MR), continuing the sums in C or, on
   the first block of k without acc, starting from the bias */
static void lin__gemm_macro(const lin__family *f, size_t mc, size_t nc, size_t kc, int first, const float *ap,
                            ptrdiff_t lda, const float *bp, size_t bp_ps, const float *bias, ptrdiff_t bias_s,
                            float *c, ptrdiff_t c_rs, ptrdiff_t c_cs)
{
    float tile[LIN__MR_MAX * LIN__NR_MAX], init[LIN__NR_MAX];
    const size_t MR = f->mr, NR = f->nr;
    size_t jr, ir, i, j, mr;
    for (i = 0; i < MR * NR; ++i) tile[i] = 0.0f;
    for (jr = 0; jr < nc; jr += NR, bp += bp_ps) {
        size_t nr = LIN__MIN(NR, nc - jr);
        const float *row = NULL;
        if (first) {
            for (j = 0; j < NR; ++j) init[j] = bias && j < nr ? bias[(ptrdiff_t)(jr + j) * bias_s] : 0.0f;
            row = init;
        }
        for (ir = 0; ir < mc; ir += mr) {
            const size_t rest = mc - ir;
            /* a last 4, 7 or 8 rows read in place as tiles of four, where
               the family has them (MR 6; AVX2 family on AMD Zen 5, -O2,
               the same bits: 32x256x256 114 -> 119 GFLOP/s, 20x512x512 97
               -> 102, 64x784x128 119 -> 123, 16x100x200 88 -> 97: 6 + 2
               rows ran the 2 through the three-row kernel, whose six
               accumulators cannot cover the FMAs' latency); else an edge
               tile of at most half the rows or half the columns through a
               kernel of half the tile (the families that have one) */
            const int four = lda && f->ukernel_rows_four && (rest == 4 || rest == 7 || rest == 8);
            const int half_m = !four && rest <= MR / 2 && (lda || f->ukernel_half_m);
            const int half_n = !four && !half_m && nr <= NR / 2 && (lda || f->ukernel_half_n);
            const size_t krows = four ? 4 : half_m ? MR / 2 : MR;      /* the rows the kernel writes */
            float *cij = c + (ptrdiff_t)ir * c_rs + (ptrdiff_t)jr * c_cs, *dst;
            ptrdiff_t dst_rs;
            int whole;
            mr = LIN__MIN(four ? 4 : MR, rest);
            /* a tile the kernel does not write exactly, or C with a column
               stride: through a full tile */
            whole = mr == krows && nr == (half_n ? NR / 2 : NR) && c_cs == 1;
            dst = whole ? cij : tile;
            dst_rs = whole ? c_rs : (ptrdiff_t)NR;
            for (i = 0; i < mr && !whole && !row; ++i)
                for (j = 0; j < nr; ++j) tile[i * NR + j] = cij[(ptrdiff_t)i * c_rs + (ptrdiff_t)j * c_cs];
            if (lda)
                (four     ? f->ukernel_rows_four
                 : half_m ? f->ukernel_rows_half_m     /* the families that read rows in place */
                 : half_n ? f->ukernel_rows_half_n     /* have both half kernels */
                          : f->ukernel_rows)(kc, ap + (ptrdiff_t)ir * lda, lda, mr, bp, dst, dst_rs, row);
            else
                (half_m   ? f->ukernel_half_m
                 : half_n ? f->ukernel_half_n
                          : f->ukernel)(kc, ap + ir * kc, bp, dst, dst_rs, row);
            for (i = 0; i < mr && !whole; ++i)
                for (j = 0; j < nr; ++j) cij[(ptrdiff_t)i * c_rs + (ptrdiff_t)j * c_cs] = tile[i * NR + j];
        }
    }
}

/* Whether family f reads A's rows in place: a micro-kernel that does,
   rows contiguous along k, and a row stride (a single row needs none;
   rows 0 apart, a broadcast x, are packed: lda 0 means packed below) */
static int lin__reads_rows(const lin__family *f, const lin__mat *a, size_t m)
{
    return f->ukernel_rows != NULL && a->cs == 1 && (a->rs != 0 || m == 1);
}

/* A's block (mc, kc) for lin__gemm_macro: read in place (*lda its row
   stride, any for a single row) where family f reads x's rows (inplace),
   else packed at apack (*lda 0) */
static const float *lin__block_a(const lin__family *f, int inplace, size_t mc, size_t kc, const lin__mat *ai,
                                 float *apack, ptrdiff_t *lda)
{
    *lda = inplace ? (ai->rs ? ai->rs : 1) : 0;
    if (*lda) return ai->p;
    f->pack_a(mc, kc, ai, apack);
    return apack;
}

/* C (m, n0..n1) = bias + A (m, k) . B (k, n0..n1), or C += A . B with acc:
   the columns one thread owns, blocked as BLIS does (NC columns, KC of k,
   MC rows) around family f's micro-kernel, A's block packed at apack and
   B's after it (MC x min(KC, k) and min(KC, k) x NC floats). Blocks of k run in order, each
   continuing the sums the previous one left in C, so every element keeps
   the order p = 0..k-1 whichever way the blocks nest: B's blocks outside
   A's (each block of B packed once, each of A once per block of B) or,
   where that packs fewer floats, A's outside B's. With bpre (a prepared
   layer: B's columns in groups of NR, group q k-major at bpre + q*k*NR, n0
   a multiple of NR), B is read as it is and the columns are one block:
   only x is packed, once. */
static void lin__gemm_packed_blocks(const lin__family *f, size_t KC, size_t MC, size_t NC, float *apack, size_t m,
                                    size_t n0, size_t n1, size_t k, const lin__mat *a, const lin__mat *b,
                                    const float *bpre, const float *bias, ptrdiff_t bias_s, int acc, float *c,
                                    ptrdiff_t c_rs, ptrdiff_t c_cs)
{
    const size_t n = n1 - n0;
    /* x's rows contiguous along k and a micro-kernel that reads them: A
       is read in place (blocks of MC rows that take no stack), and B's
       blocks go outside, each packed once, at the start of the scratch */
    const int inplace = lin__reads_rows(f, a, m);
    float *bpack = inplace ? apack : apack + MC * LIN__MIN(KC, k);
    size_t jc, pc, ic, mc, nc, kc;
    ptrdiff_t lda;
    const float *ablock;
    lin__mat ai, bj;
    /* the floats each nesting packs, per block of k: A once per block of
       B's columns and B once, or A once and B once per block of A's rows */
    if (bpre || (!inplace && m + n * ((m + MC - 1) / MC) <= m * ((n + NC - 1) / NC) + n)) {
        for (pc = 0; pc < k; pc += KC) {
            kc = LIN__MIN(KC, k - pc);
            for (ic = 0; ic < m; ic += MC) {
                mc = LIN__MIN(MC, m - ic);
                lin__mat_block(&ai, a, ic, pc);
                ablock = lin__block_a(f, inplace, mc, kc, &ai, apack, &lda);
                for (jc = n0; jc < n1; jc += NC) {
                    nc = LIN__MIN(NC, n1 - jc);
                    if (!bpre) {
                        lin__mat_block(&bj, b, pc, jc);
                        f->pack_b(nc, kc, &bj, bpack);
                    }
                    lin__gemm_macro(f, mc, nc, kc, pc == 0 && !acc, ablock, lda,
                                    bpre ? bpre + jc * k + pc * f->nr : bpack, (bpre ? k : kc) * f->nr,
                                    bias ? bias + (ptrdiff_t)jc * bias_s : NULL, bias_s,
                                    c + (ptrdiff_t)ic * c_rs + (ptrdiff_t)jc * c_cs, c_rs, c_cs);
                }
            }
        }
        return;
    }
    for (jc = n0; jc < n1; jc += NC) {
        nc = LIN__MIN(NC, n1 - jc);
        for (pc = 0; pc < k; pc += KC) {
            kc = LIN__MIN(KC, k - pc);
            lin__mat_block(&bj, b, pc, jc);
            f->pack_b(nc, kc, &bj, bpack);
            for (ic = 0; ic < m; ic += MC) {
                mc = LIN__MIN(MC, m - ic);
                lin__mat_block(&ai, a, ic, pc);
                ablock = lin__block_a(f, inplace, mc, kc, &ai, apack, &lda);
                lin__gemm_macro(f, mc, nc, kc, pc == 0 && !acc, ablock, lda, bpack, kc * f->nr,
                                bias ? bias + (ptrdiff_t)jc * bias_s : NULL, bias_s,
                                c + (ptrdiff_t)ic * c_rs + (ptrdiff_t)jc * c_cs, c_rs, c_cs);
            }
        }
    }
}

/* The same with family f's blocks in a scratch on the stack (a prepared
   B is one block of columns). Out of line: its frame holds the blocks. */
LIN__NOINLINE static void lin__gemm_packed_cols(const lin__family *f, size_t m, size_t n0, size_t n1, size_t k,
                                                const lin__mat *a, const lin__mat *b, const float *bpre,
                                                const float *bias, ptrdiff_t bias_s, int acc, float *c,
                                                ptrdiff_t c_rs, ptrdiff_t c_cs)
{
    float scratch[LIN__SCRATCH_FLOATS];
    /* x read in place: B's block alone on the stack (with a prepared B
       nothing, and the family's own KC), blocks of the family's own rows */
    const int inplace = lin__reads_rows(f, a, m);
    const size_t kc = inplace ? (bpre ? f->kc_own : f->kc_rows) : f->kc;
    lin__gemm_packed_blocks(f, kc, inplace ? f->mc_rows : f->mc, bpre ? n1 - n0 : f->nc, lin__align64(scratch), m,
                            n0, n1, k, a, b, bpre, bias, bias_s, acc, c, c_rs, c_cs);
}

/* The blocks with the caller's scratch (lin_linear_f32_scratch): up to
   144 rows of x (A's block in L2) and 1024 outputs (B's in L2 and L3),
   past the stack's 48-64 and 128, so x is packed once per 1024 outputs
   rather than per 128, fewer times reloading C (512x2048x2048 at -O2,
   Zen 4: AVX-512 93 -> 99, AVX2 78 -> 96 GFLOP/s). The floats one
   thread's share of (m, n, k) takes, with 16 for a 64-byte boundary;
   MC and NC whole tiles. */
#define LIN__WS_MC 144
#define LIN__WS_NC 1024
static size_t lin__ws_blocks(const lin__family *f, size_t m, size_t n, size_t k, size_t *mc, size_t *nc)
{
    *mc = LIN__MIN(LIN__WS_MC, (m + f->mr - 1) / f->mr * f->mr);
    *nc = LIN__MIN(LIN__WS_NC, (n + f->nr - 1) / f->nr * f->nr);
    return (*mc + *nc) * LIN__MIN(f->kc_own, k) + 16;
}
#endif /* LIN_PACK */

/* ---- kernels: dispatch ---- */

/* Which family runs: chosen once, the first time a product needs it, from
   what the CPU and the OS support (CPUID, and XGETBV for the registers the
   OS saves), and kept in the one piece of state the library has, read
   and written atomically (any thread may be first; they all find the same
   answer). Builds without run-time dispatch have their one family. */
#if defined(LIN__HAS_AVX512) && defined(__AVX512F__)
#define LIN__ISA_LOWEST LIN__ISA_AVX512
#elif defined(LIN__HAS_AVX2) && defined(__AVX2__) && defined(__FMA__)
#define LIN__ISA_LOWEST LIN__ISA_AVX2
#elif defined(LIN__HAS_SSE2)
#define LIN__ISA_LOWEST LIN__ISA_SSE2
#elif defined(LIN__HAS_AVX2)
#define LIN__ISA_LOWEST LIN__ISA_AVX2
#elif defined(LIN__HAS_AVX512)
#define LIN__ISA_LOWEST LIN__ISA_AVX512
#elif defined(LIN__HAS_NEON)
#define LIN__ISA_LOWEST LIN__ISA_NEON
#else
#define LIN__ISA_LOWEST LIN__ISA_PORTABLE
#endif

#if LIN__DISPATCH
/* 0 until detected, then 1 + (the family | LIN__CPU_VNNI where the CPU
   has AVX-512 VNNI with BW and VL | LIN__CPU_F16C where it has F16C):
   the one piece of state */
static int lin__cpu_state;
#define LIN__CPU_VNNI 16
#define LIN__CPU_F16C 32
#define LIN__CPU_FLAGS (LIN__CPU_VNNI | LIN__CPU_F16C)

/* GCOVR_EXCL_BR_START: which way each CPUID bit goes depends on the CPU
   the tests run on; every family below the detected one is forced and run */
/* The best x86 family this CPU runs and its OS supports, with
   LIN__CPU_VNNI where it has the int8 four-row kernel's instructions and
   LIN__CPU_F16C where AVX2 + FMA come with F16C (binary16 weights). */
static int lin__cpu_detect(void)
{
    unsigned int a, b, c, d, xcr0 = 0, xcr0_hi = 0;
    int fma, avx_os, zmm_os, vnni, f16c;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return LIN__ISA_SSE2;
    fma = (c >> 12) & 1u;
    f16c = (c >> 29) & 1u;
    if ((c >> 27) & (c >> 28) & 1u)     /* OSXSAVE and AVX: XCR0 says what the OS saves */
        __asm__ __volatile__("xgetbv" : "=a"(xcr0), "=d"(xcr0_hi) : "c"(0));
    (void)xcr0_hi;
    avx_os = (xcr0 & 0x6u) == 0x6u;     /* XMM and YMM state */
    zmm_os = (xcr0 & 0xe6u) == 0xe6u;   /* and the opmasks and all 32 ZMM registers */
    if (__get_cpuid_max(0, NULL) < 7) return LIN__ISA_SSE2;
    __cpuid_count(7, 0, a, b, c, d);
    /* AVX-512 BW, VL and VNNI (F is checked below) */
    vnni = ((b >> 30) & 1u) && ((b >> 31) & 1u) && ((c >> 11) & 1u);
    if (avx_os && fma && ((b >> 5) & 1u)) {                     /* AVX2 + FMA */
        if (zmm_os && ((b >> 16) & 1u))                         /* AVX-512F */
            return LIN__ISA_AVX512 | (vnni ? LIN__CPU_VNNI : 0) | (f16c ? LIN__CPU_F16C : 0);
        return LIN__ISA_AVX2 | (f16c ? LIN__CPU_F16C : 0);
    }
    return LIN__ISA_SSE2;
}
/* GCOVR_EXCL_BR_STOP */

static LIN__INLINE_KERNEL int lin__cpu_now(void)
{
    int s = __atomic_load_n(&lin__cpu_state, __ATOMIC_RELAXED);
    if (!s) {
        int found = lin__cpu_detect(), best = found & ~LIN__CPU_FLAGS;
        s = 1 + ((best < LIN__ISA_LOWEST ? LIN__ISA_LOWEST : best) | (found & LIN__CPU_FLAGS));
        __atomic_store_n(&lin__cpu_state, s, __ATOMIC_RELAXED);
    }
    return s - 1;
}

static LIN__INLINE_KERNEL int lin__isa_now(void)
{
    return lin__cpu_now() & ~LIN__CPU_FLAGS;
}

/* The int8 four-row kernel runs where the CPU has AVX-512 VNNI and the
   AVX-512 family is the one chosen (forcing a lower family turns it off
   too). */
static LIN__INLINE_KERNEL int lin__vnni_now(void)
{
    return (lin__cpu_now() & ~LIN__CPU_F16C) == (LIN__ISA_AVX512 | LIN__CPU_VNNI);
}

/* For the tests: run family isa from now on (-1: the detected one again);
   0, and no change, if this build or this CPU has no such family. */
LIN__TEST_HOOK int lin__isa_force(int isa)
{
    int found = lin__cpu_detect();
    if (isa < 0) {
        __atomic_store_n(&lin__cpu_state, 0, __ATOMIC_RELAXED);
        return 1;
    }
    if (isa < LIN__ISA_LOWEST || isa > (found & ~LIN__CPU_FLAGS) || isa > LIN__ISA_AVX512) return 0;
    __atomic_store_n(&lin__cpu_state, 1 + (isa | (found & LIN__CPU_FLAGS)), __ATOMIC_RELAXED);
    return 1;
}
#else
static int lin__isa_now(void)
{
    return LIN__ISA_LOWEST;
}

LIN__TEST_HOOK int lin__isa_force(int isa)
{
    return isa < 0 || isa == LIN__ISA_LOWEST;
}

/* the int8 four-row kernel runs wherever it was compiled in */
#define lin__vnni_now() 1
#endif

LIN_API const char *lin_cpu_isa(void)
{
#ifdef LIN__HAS_MVE_F32
    return "helium";
#else
    static const char *const names[LIN__ISA_COUNT] = {"portable", "sse2", "avx2", "avx512", "neon"};
    return LIN_PACK ? names[lin__isa_now()] : "portable";
#endif
}

/* Which path a product takes, from its shape, its strides and the family
   alone: the same operands take the same path, whatever the entry point
   (lin_linear_f32, lin_linear, lin_layer_forward, lin_matmul, the backward
   passes, a prepared layer) and the thread count, so they give the same
   bits. The thresholds come from `make bench-sweep` (bench/sweep.txt:
   about 40 small and odd shapes against OpenBLAS and the naive loop),
   measured on an Intel Xeon with AVX-512 (gcc 12, -O3 -march=native). B
   has k*n elements, a count that fits size_t. */
enum { LIN__DIRECT, LIN__GEMV, LIN__PACKED, LIN__NARROW };

/* 1 to 255 multiply-adds, on counts that cannot overflow (each product
   stays under 2^16, so also with a 16-bit size_t) */
#define LIN__TINY(m, n, k) \
    (((m) | (n) | (k)) < 256 && (n) * (k) - 1 < 255 && (m) * ((n) * (k)) - 1 < 255)

/* one row of x (or two of rows of 8 or fewer) and 16 or more outputs,
   where a family's row kernel takes 16 (AVX-512) or 8 (AVX2, rows of 8
   or more) outputs a call: faster there than one output at a time,
   however short the rows (Zen 5, -O2, ns: 1x8x512 1099 -> 264, 1x10x100
   279 -> 62, 1x4x64 97 -> 39, 2x8x64 258 -> 83; AVX2 1x8x512 1115 ->
   263, 1x10x100 281 -> 162, 2x8x64 260 -> 71; AVX2 with rows of 3-4
   slower: 1x3x1000 970 -> 1453) */
#define LIN__ROW_SHORT(isa, m, n, k) \
    (LIN__ROWS_ALONE(m, k) && (n) >= 16 && ((isa) == LIN__ISA_AVX512 || ((isa) == LIN__ISA_AVX2 && (k) >= 8)))

static int lin__path(int isa, size_t m, size_t n, size_t k, const lin__mat *a, const lin__mat *b)
{
#if LIN_PACK
    /* both operands contiguous along k: x and the rows of W */
    int rows = a->cs == 1 && b->rs == 1;
    /* under 256 multiply-adds (or none): nothing to set up beats any set-up */
    if (LIN__TINY(m, n, k) || !m || !n || !k) return LIN__DIRECT;
    /* rows too short for a vector, or at most 64 weights for 1-4 rows: the
       batch-1-to-4 path's horizontal sums cost more than the products
       (1x8x512 650 -> 430 ns, 1x10x10 27 -> 13 ns) */
    if (rows && ((m <= 4 && n * k <= 64) || (((m <= 2 && k <= 8) || (m == 1 && k <= 10)) && !LIN__ROW_SHORT(isa, m, n, k))))
        return LIN__DIRECT;
#if defined(LIN__HAS_AVX512)
    /* many rows, at most 16 outputs, rows short enough that one lane per
       output beats a dot product per output (a sweep of m, n, k) */
    if (isa == LIN__ISA_AVX512 && m > 4 && n <= 16 && k <= lin__narrow_kmax(m, n)) return LIN__NARROW;
#endif
    /* batch 1-4 streams W once; a few outputs would waste most of a tile,
       unless the rows are short and many: then the dot products' horizontal
       sums cost more than the tile's idle lanes (128x8x8: 723 -> 525 ns,
       16x16x16: 185 -> 143 ns; 64x16x8 and 8x8x8 stay faster as dots) */
    if (rows && (m <= 4 || LIN__GEMV_MORE(isa, m, k) || (n <= 16 && !(m >= 16 && ((n >= 12 && k <= 24) || (n >= 8 && k <= 12))))))
        return LIN__GEMV;
    return LIN__PACKED;
#else
    (void)isa; (void)m; (void)n; (void)k; (void)a; (void)b;
    return LIN__DIRECT;
#endif
}

#if LIN_PACK
/* The columns [n0, n1) of C through one of family f's paths that set up. */
static void lin__gemm_cols(const lin__family *f, int path, size_t m, size_t n0, size_t n1, size_t k,
                           const lin__mat *a, const lin__mat *b, const float *bpre, const float *bias,
                           ptrdiff_t bias_s, int acc, float *c, ptrdiff_t c_rs, ptrdiff_t c_cs, float *ws)
{
    if (path == LIN__GEMV) {
        f->gemv(m, n0, n1, k, a, b, bias, bias_s, acc, c, c_rs, c_cs);
        return;
    }
#if defined(LIN__HAS_AVX512)
    if (path == LIN__NARROW) {          /* n <= 16: one thread, n0 = 0 */
        lin__mat bj;
        lin__mat_block(&bj, b, 0, n0);
        lin__gemm_narrow(m, n1 - n0, k, a, &bj, bpre, bias ? bias + (ptrdiff_t)n0 * bias_s : NULL, bias_s,
                         acc, c + (ptrdiff_t)n0 * c_cs, c_rs, c_cs);
        return;
    }
#endif
    if (ws && !bpre) {                  /* the caller's scratch: larger blocks, none on the stack */
        size_t mc, nc;
        lin__ws_blocks(f, m, n1 - n0, k, &mc, &nc);
        lin__gemm_packed_blocks(f, f->kc_own, mc, nc, lin__align64(ws), m, n0, n1, k, a, b, bpre, bias, bias_s,
                                acc, c, c_rs, c_cs);
        return;
    }
    lin__gemm_packed_cols(f, m, n0, n1, k, a, b, bpre, bias, bias_s, acc, c, c_rs, c_cs);
}

#if LIN__OPENMP
/* Whether OpenMP splits an (m, n, k) product that sets up among threads:
   a million multiply-adds or more, threads to spare, not already inside a
   parallel region (the size query of caller scratch asks the same) */
#define LIN__OMP_SPLITS(m, n, k)                                                             \
    ((double)(m) * (double)(n) * (double)(k) >= 1e6 && omp_get_max_threads() > 1 && !omp_in_parallel())
#endif

/* A product large enough to set up: one thread or, with OpenMP, the
   columns split among threads at tile boundaries. Each element is computed
   by one thread in the same order, so the bits do not depend on the thread
   count. Out of line, as the tiniest layers need none of it. */
LIN__NOINLINE static void lin__gemm_setup(const lin__family *f, int path, const lin__gemm_op *op, int acc)
{
#if LIN__OPENMP
    if (path != LIN__DIRECT && LIN__OMP_SPLITS(op->m, op->n, op->k)) {
        size_t unit = path == LIN__GEMV ? 4 : f->nr, mc, nc, per = 0;
        int threads = omp_get_max_threads();
        /* the caller's scratch holds one share per thread: no more threads than shares */
        if (op->ws) {
            per = lin__ws_blocks(f, op->m, op->n, op->k, &mc, &nc);
            threads = (int)LIN__MIN((size_t)threads, op->ws_floats / per);
        }
        #pragma omp parallel num_threads(threads)
        {
            size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
            size_t units = (op->n + unit - 1) / unit;
            size_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
            size_t c0 = LIN__MIN(op->n, u0 * unit), c1 = LIN__MIN(op->n, u1 * unit);
            if (c0 < c1)
                lin__gemm_cols(f, path, op->m, c0, c1, op->k, &op->a, &op->b, op->bpre, op->bias, op->bias_s,
                               acc, op->c.p, op->c.rs, op->c.cs, op->ws ? op->ws + t * per : NULL);
        }
        return;
    }
#endif
    lin__gemm_cols(f, path, op->m, 0, op->n, op->k, &op->a, &op->b, op->bpre, op->bias, op->bias_s, acc,
                   op->c.p, op->c.rs, op->c.cs, op->ws);
}
#endif

static void lin__gemm(const lin__gemm_op *op);

/* LIN__ADD_SCALED: C += alpha * (A . B), each element's product rounded
   before it is scaled and added (loralib's W + (B @ A) * scaling), through
   a tile of C on the stack, a block at a time. */
#if LIN_PACK
#define LIN__TILE_M 16
#define LIN__TILE_N 32
#else
#define LIN__TILE_M 4
#define LIN__TILE_N 16
#endif
LIN__NOINLINE static void lin__gemm_scaled(const lin__gemm_op *op)
{
    LIN__NO_CONTRACT
    float t[LIN__TILE_M * LIN__TILE_N];
    lin__gemm_op blk;
    size_t i0, j0, i, j;
    lin__op_init(&blk, LIN__SET, 0, 0, op->k);
    lin__dst_rows(&blk.c, t, LIN__TILE_N);
    for (i0 = 0; i0 < op->m; i0 += LIN__TILE_M) {
        blk.m = LIN__MIN(LIN__TILE_M, op->m - i0);
        lin__mat_block(&blk.a, &op->a, i0, 0);
        for (j0 = 0; j0 < op->n; j0 += LIN__TILE_N) {
            blk.n = LIN__MIN(LIN__TILE_N, op->n - j0);
            lin__mat_block(&blk.b, &op->b, 0, j0);
            lin__gemm(&blk);
            for (i = 0; i < blk.m; ++i)
                for (j = 0; j < blk.n; ++j) {
                    float *cij = op->c.p + (ptrdiff_t)(i0 + i) * op->c.rs + (ptrdiff_t)(j0 + j) * op->c.cs;
                    *cij += op->alpha * t[i * LIN__TILE_N + j];
                }
        }
    }
}

/* The one GEMM entry, C (m, n) = A (m, k) . B (k, n) in op->mode: every
   float product of the library runs through it. Inlined into
   lin_linear_f32 (the tiniest layers pay no call), out of line as
   lin__gemm for everything else. A and B may be NULL when k is 0. */
static LIN__INLINE_KERNEL void lin__gemm_inline(const lin__gemm_op *op)
{
    int acc = op->mode != LIN__SET, path, isa;
    size_t i, j;
    if (op->k == 0 && acc) return;      /* C += nothing */
    if (op->k == 0) {                   /* C = bias: A and B have no elements, maybe no data */
        for (i = 0; i < op->m; ++i)
            for (j = 0; j < op->n; ++j)
                op->c.p[(ptrdiff_t)i * op->c.rs + (ptrdiff_t)j * op->c.cs] =
                    op->bias ? op->bias[(ptrdiff_t)j * op->bias_s] : 0.0f;
        return;
    }
    if (op->mode == LIN__ADD_SCALED) {
        lin__gemm_scaled(op);
        return;
    }
    isa = op->isa >= 0 ? op->isa : lin__isa_now();
    path = lin__path(isa, op->m, op->n, op->k, &op->a, &op->b);
#if LIN_PACK
    if (path != LIN__DIRECT) {
        lin__gemm_setup(lin__family_of(isa), path, op, acc);
        return;
    }
#endif
    (void)path;
    lin__gemm_direct(op->m, op->n, op->k, &op->a, &op->b, op->bias, op->bias_s, acc, op->c.p, op->c.rs,
                     op->c.cs);
}

LIN__NOINLINE static void lin__gemm(const lin__gemm_op *op)
{
    lin__gemm_inline(op);
}

/* Steps idx through shape[0..n) in row-major order (the last index
   fastest); 0 once every index has been visited. */
static int lin__step(size_t *idx, const size_t *shape, int n)
{
    int d;
    for (d = n - 1; d >= 0; --d) {
        if (++idx[d] < shape[d]) return 1;
        idx[d] = 0;
    }
    return 0;
}

/* sum_d idx[d] * stride[d] */
static ptrdiff_t lin__offset(const size_t *idx, const ptrdiff_t *stride, int n)
{
    ptrdiff_t off = 0;
    int d;
    for (d = 0; d < n; ++d) off += (ptrdiff_t)idx[d] * stride[d];
    return off;
}

/* Runs a validated plan: one GEMM per remaining batch index. */
static void lin__run(const lin__plan *p)
{
    size_t idx[LIN_MAX_DIMS];
    lin__gemm_op op;
    int d;
    for (d = 0; d < LIN_MAX_DIMS; ++d) idx[d] = 0;
    lin__op_init(&op, LIN__SET, p->m, p->n, p->k);
    op.bias = p->bias;
    op.bias_s = p->bias_s;
    do {
        /* with k = 0, A and B may be NULL: no arithmetic on them */
        lin__mat_strided(&op.a, p->k ? p->a + lin__offset(idx, p->a_bs, p->nbatch) : NULL, p->a_rs, p->a_cs);
        lin__mat_strided(&op.b, p->k ? p->b + lin__offset(idx, p->b_bs, p->nbatch) : NULL, p->b_rs, p->b_cs);
        lin__dst_strided(&op.c, p->c + lin__offset(idx, p->c_bs, p->nbatch), p->c_rs, p->c_cs);
        lin__gemm(&op);
    } while (lin__step(idx, p->batch, p->nbatch));
}

/* ---- ops ---- */

/* Spreads out's strides over the plan: the batch dims, then m and n where
   the operands had them (a 1-D operand's dim is gone from out). */
static void lin__plan_out(lin__plan *p, const lin_tensor *a, const lin_tensor *b, lin_tensor *out)
{
    int d = 0;
    p->a = a->data;
    p->b = b->data;
    p->c = out->data;
    for (; d < p->nbatch; ++d) p->c_bs[d] = out->stride[d];
    p->c_rs = a->ndim >= 2 ? out->stride[d++] : 0;
    p->c_cs = b->ndim >= 2 ? out->stride[d] : 0;
    if (p->k == 0) {
        /* A and B are empty and never read; their strides were never bounded
           by an extent, so they take no part in any offset */
        p->a_rs = p->a_cs = p->b_rs = p->b_cs = 0;
        for (d = 0; d < p->nbatch; ++d) p->a_bs[d] = p->b_bs[d] = 0;
    }
    lin__fold(p);
}

static lin_status lin__validate_matmul(const lin_tensor *a, const lin_tensor *b,
                                       const lin_tensor *out, lin__msg *msg, lin__plan *p)
{
    static const char *const names[3] = {"a", "b", "out"};
    const lin_tensor *t[3];
    lin__view v[3];
    lin_status s;
    t[0] = a;
    t[1] = b;
    t[2] = out;
    if ((s = lin__views_check(v, t, names, 2, 3, msg)) != LIN_OK) return s;
    if (a->ndim == 0 || b->ndim == 0) return lin__rank_error(msg, "matmul", a->ndim, b->ndim);
    if ((s = lin__plan_shapes(a, b, msg, p)) != LIN_OK) return s;
    if (!out) return LIN_OK;
    if ((s = lin__check_out(out, "out", p, msg)) != LIN_OK) return s;
    return lin__views_apart(&v[2], 1, v, 2, msg);
}

LIN_API lin_status lin_matmul(const lin_tensor *a, const lin_tensor *b, lin_tensor *out)
{
    lin__plan p;
    lin_status s;
    if (!a || !b || !out) return LIN_ERR_NULL;   /* also checked below: lets GCC see it */
    if ((s = lin__validate_matmul(a, b, out, NULL, &p)) != LIN_OK) return s;
    if (p.out_numel == 0) return LIN_OK;   /* out's strides may be anything then */
    lin__plan_out(&p, a, b, out);
    lin__run(&p);
    return LIN_OK;
}

LIN_API lin_status lin_matmul_shape(const lin_tensor *a, const lin_tensor *b,
                                    int *out_ndim, size_t out_shape[LIN_MAX_DIMS])
{
    lin__plan p;
    lin_status s;
    if (!out_ndim || !out_shape) return LIN_ERR_NULL;
    if ((s = lin__validate_matmul(a, b, NULL, NULL, &p)) != LIN_OK) return s;
    *out_ndim = p.out_ndim;
    LIN__MEMCPY(out_shape, p.out_shape, (size_t)p.out_ndim * sizeof(size_t));
    return LIN_OK;
}

LIN_API lin_status lin_matmul_explain(const lin_tensor *a, const lin_tensor *b,
                                      const lin_tensor *out, char *buf, size_t buf_size)
{
    lin__plan p;
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__validate_matmul(a, b, out, &m, &p);
}

/* PyTorch's is_contiguous: row-major strides, size-1 dims ignored. */
static int lin__contiguous(const lin_tensor *t)
{
    size_t expected = 1;
    int d;
    if (lin__prod(t->ndim, t->shape) == 0) return 1;
    for (d = t->ndim - 1; d >= 0; --d) {
        if (t->shape[d] == 1) continue;
        if ((size_t)t->stride[d] != expected) return 0;
        expected *= t->shape[d];
    }
    return 1;
}

/* F.linear with a bias calls addmm(bias, x, weight.T) for a 2-D x and for a
   contiguous 3-D x (viewed as 2-D), and matmul then an in-place add
   otherwise; errors take the words of the path taken. */
static int lin__linear_is_addmm(const lin_tensor *x)
{
    return x->ndim == 2 || (x->ndim == 3 && lin__contiguous(x));
}

/* A bias of nb elements against the product's n columns, refused. */
static lin_status lin__bias_error(const lin_tensor *x, const lin_tensor *bias, const lin__plan *p,
                                  lin__msg *msg)
{
    size_t nb = bias->shape[0];
    if (lin__linear_is_addmm(x)) {
        lin__puts(msg, "The expanded size of the tensor (");
        lin__putu(msg, p->n);
        lin__puts(msg, ") must match the existing size (");
        lin__putu(msg, nb);
        lin__puts(msg, ") at non-singleton dimension 1.  Target sizes: [");
        lin__putu(msg, lin__prod(x->ndim - 1, x->shape));
        lin__puts(msg, ", ");
        lin__putu(msg, p->n);
        lin__puts(msg, "].  Tensor sizes: ");
        lin__putshape(msg, bias->ndim, bias->shape);
    } else if (p->n == 1) {             /* out (*, 1) cannot grow to (*, nb) in place */
        size_t grown[LIN_MAX_DIMS];
        LIN__MEMCPY(grown, p->out_shape, sizeof grown);
        grown[p->out_ndim - 1] = nb;
        lin__puts(msg, "output with shape ");
        lin__putshape(msg, p->out_ndim, p->out_shape);
        lin__puts(msg, " doesn't match the broadcast shape ");
        lin__putshape(msg, p->out_ndim, grown);
    } else {
        lin__puts(msg, "The size of tensor a (");
        lin__putu(msg, p->n);
        lin__puts(msg, ") must match the size of tensor b (");
        lin__putu(msg, nb);
        lin__puts(msg, ") at non-singleton dimension ");
        lin__putu(msg, (size_t)(p->out_ndim - 1));
    }
    return LIN_ERR_SHAPE;
}

/* F.linear is matmul(x, weight.T) plus a bias broadcast over the rows;
   out_name names out in the messages. */
static lin_status lin__validate_linear(const lin_tensor *x, const lin_tensor *weight,
                                       const lin_tensor *bias, const lin_tensor *out,
                                       const char *out_name, lin__msg *msg, lin__plan *p)
{
    const char *names[4];
    const lin_tensor *t[4];
    lin__view v[4];
    lin_tensor wt;
    lin_status s;
    /* lin_layer_bias() of a layer without bias: a valid view without data */
    if (bias && bias->ndim >= 0 && bias->ndim <= LIN_MAX_DIMS && !bias->data) bias = NULL;
    names[0] = "x";
    names[1] = "weight";
    names[2] = "bias";
    names[3] = out_name;
    t[0] = x;
    t[1] = weight;
    t[2] = bias;
    t[3] = out;
    if ((s = lin__views_check(v, t, names, 2, 4, msg)) != LIN_OK) return s;
    if (weight->ndim > 2) {
        lin__puts(msg, "t() expects a tensor with <= 2 dimensions, but self is ");
        lin__putu(msg, (size_t)weight->ndim);
        lin__puts(msg, "D");
        return LIN_ERR_RANK;
    }
    if (x->ndim == 0 || weight->ndim == 0)
        return lin__rank_error(msg, "matmul", x->ndim, weight->ndim);
    if (bias && bias->ndim > 1) {
        lin__puts(msg, "bias must be 0-D or 1-D, but it is ");
        lin__putu(msg, (size_t)bias->ndim);
        lin__puts(msg, "D");
        return LIN_ERR_RANK;
    }
    if (bias && weight->ndim == 1) {    /* addmm's words; PyTorch takes it on a few other paths */
        lin__puts(msg, "mat2 must be a matrix, got 1-D tensor");
        return LIN_ERR_RANK;
    }
    if (bias && lin__linear_is_addmm(x) && x->shape[x->ndim - 1] != weight->shape[1])
        return lin__mm_error(msg, lin__prod(x->ndim - 1, x->shape), x->shape[x->ndim - 1],
                             weight->shape[1], weight->shape[0]);
    wt = lin_transpose(weight);
    if ((s = lin__plan_shapes(x, &wt, msg, p)) != LIN_OK) return s;
    if (bias) {
        size_t nb = bias->ndim ? bias->shape[0] : 1;
        if (nb != p->n && nb != 1) return lin__bias_error(x, bias, p, msg);
        p->bias = bias->data;
        p->bias_s = nb == 1 ? 0 : bias->stride[0];
    }
    if (!out) return LIN_OK;
    if ((s = lin__check_out(out, out_name, p, msg)) != LIN_OK) return s;
    return lin__views_apart(&v[3], 1, v, 3, msg);
}

LIN_API lin_status lin_linear(const lin_tensor *x, const lin_tensor *weight,
                              const lin_tensor *bias, lin_tensor *out)
{
    lin__plan p;
    lin_tensor wt;
    lin_status s;
    if (!x || !weight || !out) return LIN_ERR_NULL;   /* also checked below: lets GCC see it */
    if ((s = lin__validate_linear(x, weight, bias, out, "out", NULL, &p)) != LIN_OK) return s;
    if (p.out_numel == 0) return LIN_OK;
    wt = lin_transpose(weight);
    lin__plan_out(&p, x, &wt, out);
    lin__run(&p);
    return LIN_OK;
}

LIN_API lin_status lin_linear_explain(const lin_tensor *x, const lin_tensor *weight,
                                      const lin_tensor *bias, const lin_tensor *out,
                                      char *buf, size_t buf_size)
{
    lin__plan p;
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__validate_linear(x, weight, bias, out, "out", &m, &p);
}

#if LIN_PACK
/* y (batch, out) = x (batch, in) . W (out, in)^T + bias through family
   isa's dot products if lin__gemm would take them and split nothing
   among threads (1), the same call it would make; else 0, nothing done.
   Straight there, a 1x16x16 layer's call ran 100 instructions shorter
   (800 before; AMD Zen 4, -O2, 36 -> 24 ns with lin__dot16_avx512). */
static int lin__linear_gemv(int isa, const float *x, const float *weight, const float *bias, float *y,
                            size_t batch, size_t in, size_t out)
{
    lin__mat a, b;
    lin__mat_rows(&a, x, in);                   /* x (batch, in) */
    lin__mat_rows_t(&b, weight, in);            /* W^T (in, out) */
    if (lin__path(isa, batch, out, in, &a, &b) != LIN__GEMV) return 0;
#if LIN__OPENMP
    if (LIN__OMP_SPLITS(batch, out, in)) return 0;
#endif
    lin__family_of(isa)->gemv(batch, 0, out, in, &a, &b, bias, 1, 0, y, (ptrdiff_t)out, 1);
    return 1;
}
#endif

/* lin_linear_f32 past its tiniest layers: the checks, then the product
   (out of line where the GEMM is linked: the tiny path's frame stays
   small) */
#if LIN_PACK
LIN__NOINLINE
#endif
static lin_status lin__linear_f32(const float *x, const float *weight, const float *bias, float *y,
                                  size_t batch, size_t in, size_t out)
{
    lin__dims d;
    lin_status s = lin__check_layer_call(x, weight, bias, y, batch, in, out, sizeof(float), sizeof(float), &d);
    if (s != LIN_OK || !d.ny) return s;
#if LIN_PACK
    {
        lin__gemm_op op;
        if (lin__linear_gemv(lin__isa_now(), x, weight, bias, y, batch, in, out)) return LIN_OK;
        lin__op_init(&op, LIN__SET, batch, out, in);
        lin__mat_rows(&op.a, x, in);               /* x (batch, in) */
        lin__mat_rows_t(&op.b, weight, in);        /* W^T (in, out) */
        lin__dst_rows(&op.c, y, out);              /* y (batch, out) */
        op.bias = bias;
        op.bias_s = 1;
        lin__gemm(&op);
    }
#else
    lin__linear_rows(x, weight, bias, y, batch, in, out);  /* the least code (Cortex-M) */
#endif
    return LIN_OK;
}

LIN_API lin_status lin_linear_f32(const float *x, const float *weight, const float *bias,
                                  float *y, size_t batch, size_t in_features,
                                  size_t out_features)
{
#if LIN_PACK
    /* Layers of fewer than 256 products (what lin__path would choose for
       them) first: their counts cannot overflow and none is 0, so
       lin__check_layer_call's statuses, in its order, take a few
       instructions (a 3 -> 2 layer's call was mostly its checks; the
       general check costs 1.1 ns more, 16% of such a call) */
    if (LIN__TINY(batch, out_features, in_features)) {
        const uintptr_t yl = (uintptr_t)y;
        const size_t yn = batch * out_features * sizeof(float);
        if (!x || !weight || !y) return LIN_ERR_NULL;
        if (lin__hits_some(yl, yn, (uintptr_t)x, batch * in_features * sizeof(float)) |
            lin__hits_some(yl, yn, (uintptr_t)weight, out_features * in_features * sizeof(float)) |
            (bias && lin__hits_some(yl, yn, (uintptr_t)bias, out_features * sizeof(float))))
            return LIN_ERR_ALIAS;
        lin__linear_rows(x, weight, bias, y, batch, in_features, out_features);
        return LIN_OK;
    }
#endif
    return lin__linear_f32(x, weight, bias, y, batch, in_features, out_features);
}

/* The floats of caller scratch a (batch, in) x (out, in)^T product of
   family isa takes: one share per thread where OpenMP would split it, 0
   where it packs nothing or a count overflows. */
static size_t lin__scratch_floats(int isa, size_t batch, size_t in, size_t out, size_t *per)
{
#if LIN_PACK
    lin__dims d;
    lin__mat a, b;
    size_t mc, nc, n;
    if (!in || !batch || !out || !lin__layer_dims(batch, in, out, sizeof(float), &d) ||
        LIN__TINY(batch, out, in))
        return 0;
    lin__mat_rows(&a, NULL, in);
    lin__mat_rows_t(&b, NULL, in);
    if (lin__path(isa, batch, out, in, &a, &b) != LIN__PACKED) return 0;
    *per = lin__ws_blocks(lin__family_of(isa), batch, out, in, &mc, &nc);
    n = 1;
#if LIN__OPENMP
    if (LIN__OMP_SPLITS(batch, out, in)) n = (size_t)omp_get_max_threads();
#endif
    return lin__mul(*per, n, &n) && lin__fits(n, sizeof(float)) ? n : 0;
#else
    (void)isa; (void)batch; (void)in; (void)out;
    *per = 0;
    return 0;
#endif
}

LIN_API size_t lin_linear_scratch_size(size_t batch, size_t in_features, size_t out_features)
{
    size_t per;
    return lin__scratch_floats(lin__isa_now(), batch, in_features, out_features, &per) * sizeof(float);
}

LIN_API lin_status lin_linear_f32_scratch(const float *x, const float *weight, const float *bias,
                                          float *y, size_t batch, size_t in_features,
                                          size_t out_features, void *scratch, size_t scratch_bytes)
{
    lin__dims d;
    lin__gemm_op op;
    lin__span ws, ins[4];
    size_t per, floats;
    const int isa = lin__isa_now();
    lin_status s = lin__check_layer_call(x, weight, bias, y, batch, in_features, out_features,
                                         sizeof(float), sizeof(float), &d);
    if (s != LIN_OK) return s;
    floats = lin__scratch_floats(isa, batch, in_features, out_features, &per);
    if (floats && !scratch) return LIN_ERR_NULL;
    if (scratch_bytes < floats * sizeof(float)) return LIN_ERR_SIZE;
    lin__span_set(&ws, scratch, floats, sizeof(float));
    lin__fspan(&ins[0], x, d.nx);
    lin__fspan(&ins[1], weight, d.nw);
    lin__fspan(&ins[2], bias, out_features);
    lin__fspan(&ins[3], y, d.ny);
    if (!lin__apart(&ws, 1, ins, 4, NULL)) return LIN_ERR_ALIAS;
    if (!d.ny) return LIN_OK;
    lin__op_init(&op, LIN__SET, batch, out_features, in_features);
    lin__mat_rows(&op.a, x, in_features);
    lin__mat_rows_t(&op.b, weight, in_features);
    lin__dst_rows(&op.c, y, out_features);
    op.bias = bias;
    op.bias_s = 1;
    op.isa = isa;
    op.ws = floats ? (float *)scratch : NULL;
    op.ws_floats = floats;
    lin__gemm(&op);
    return LIN_OK;
}

/* ---- prepared layers ----

   The buffer, from its first 64-byte boundary: W (out, in) row-major, the
   bias rounded up to 16 floats, then (LIN_PACK) W^T in groups of NR
   outputs, each k-major over all of k and zero-padded to NR: the panels
   lin__gemm_packed_cols reads in place of packing B. */

/* The floats of each part, in order, and the bytes of the whole buffer
   (with 64 of alignment slack); 0 if a count overflows. */
static size_t lin__prepared_parts(int isa, size_t in, size_t out, size_t *nw, size_t *nb, size_t *np)
{
    size_t n;
    *nb = out + 15 - (out + 15) % 16;
    /* a row of panels is 8 to 32 times in floats: past this bound no
       buffer could be addressed (and the compiler sees the loops end) */
    if (*nb < out || (out && in > LIN__MAX_OFFSET / 32) || !lin__mul(out, in, nw)) return 0;
#if LIN_PACK
    {
        const size_t nr = lin__family_of(isa)->nr;
        size_t cols;                    /* out rounded up to whole groups of nr */
        if (!lin__mul(out / nr + (out % nr != 0), nr, &cols) || !lin__mul(cols, in, np)) return 0;
    }
#else
    (void)isa;
    *np = 0;
#endif
    n = *nw + *nb;
    if (n < *nw || n + *np < n || !lin__fits(n + *np, sizeof(float))) return 0;
    n = (n + *np) * sizeof(float);
    return n + 64 < n ? 0 : n + 64;
}

LIN_API size_t lin_prepared_size(size_t in_features, size_t out_features)
{
    size_t nw, nb, np;
    return lin__prepared_parts(lin__isa_now(), in_features, out_features, &nw, &nb, &np);
}

/* The buffer's parts, from checked sizes. Out of line and never cloned
   for constant arguments: GCC 12 at -O3 would otherwise follow a caller's
   overflowing sizes into these loops, which the checks never let run, and
   warn about them. */
LIN__OPAQUE void lin__prepare_fill(int isa, const float *weight, const float *bias, size_t in, size_t out,
                                   float *w, float *b, size_t nb, float *pk)
{
    size_t j, n = in * out;
    for (j = 0; j < n; ++j) w[j] = weight[j];
    for (j = 0; j < nb; ++j) b[j] = bias && j < out ? bias[j] : 0.0f;
#if LIN_PACK
    {
        const lin__family *f = lin__family_of(isa);
        lin__mat wt;
        lin__mat_rows_t(&wt, w, in);    /* W^T (in, out) */
        if (in) f->pack_b(out, in, &wt, pk);
    }
#else
    (void)isa;
    (void)pk;
#endif
}

LIN_API lin_status lin_prepare_f32(lin_prepared *p, const float *weight, const float *bias,
                                   size_t in_features, size_t out_features, void *buf,
                                   size_t buf_bytes)
{
    const int isa = lin__isa_now();
    size_t nw, nb, np;
    const size_t need = lin__prepared_parts(isa, in_features, out_features, &nw, &nb, &np);
    lin__span outs[2], ins[2];
    float *w, *b, *pk;
    if (!p || !buf) return LIN_ERR_NULL;
    if (!need) return LIN_ERR_OVERFLOW;
    if (nw && !weight) return LIN_ERR_NULL;
    if (buf_bytes < need) return LIN_ERR_SIZE;
    lin__span_set(&outs[0], buf, need, 1);
    lin__span_set(&outs[1], p, 1, sizeof *p);
    lin__fspan(&ins[0], weight, nw);
    lin__fspan(&ins[1], bias, out_features);
    if (!lin__apart(outs, 2, ins, 2, NULL)) return LIN_ERR_ALIAS;
    w = lin__align64((float *)buf);
    b = w + nw;
    pk = b + nb;
    lin__prepare_fill(isa, weight, bias, in_features, out_features, w, b, nb, pk);
    p->in_features = in_features;
    p->out_features = out_features;
    p->weight = w;
    p->bias = bias ? b : NULL;
    p->packed = LIN_PACK && np ? pk : NULL;
    p->buf = buf;
    p->buf_bytes = need;
    p->isa = isa;
    return LIN_OK;
}

LIN_API lin_status lin_linear_prepared_f32(const lin_prepared *p, const float *x, float *y, size_t batch)
{
    lin__dims d;
    lin__gemm_op op;
    if (!p) return LIN_ERR_NULL;
    if (!lin__layer_dims(batch, p->in_features, p->out_features, sizeof(float), &d)) return LIN_ERR_OVERFLOW;
    if ((d.nx && !x) || (d.ny && !y)) return LIN_ERR_NULL;
    if (!d.ny) return LIN_OK;
    /* y apart from x and from the buffer (which has bytes): a compare
       each, inline, as the prepared int8 layer does */
    if ((d.nx && lin__hits_some((uintptr_t)y, d.ny * sizeof(float), (uintptr_t)x, d.nx * sizeof(float))) |
        lin__hits_some((uintptr_t)y, d.ny * sizeof(float), (uintptr_t)p->buf, p->buf_bytes))
        return LIN_ERR_ALIAS;
#if LIN_PACK
    /* lin_linear_f32's tiniest layers take its loop (the same bits): the
       GEMM's set-up doubled a 3 -> 2 layer's call (AMD Zen 4, -O2: 15.2
       ns, lin_linear_f32 7.6) */
    if (LIN__TINY(batch, p->out_features, p->in_features)) {
        lin__linear_rows(x, p->weight, p->bias, y, batch, p->in_features, p->out_features);
        return LIN_OK;
    }
    if (lin__linear_gemv(p->isa, x, p->weight, p->bias, y, batch, p->in_features, p->out_features))
        return LIN_OK;
#endif
    lin__op_init(&op, LIN__SET, batch, p->out_features, p->in_features);
    lin__mat_rows(&op.a, x, p->in_features);
    lin__mat_rows_t(&op.b, p->weight, p->in_features);
    lin__dst_rows(&op.c, y, p->out_features);
    op.bias = p->bias;
    op.bias_s = 1;
    op.isa = p->isa;
    op.bpre = p->packed;
    lin__gemm(&op);
    return LIN_OK;
}

LIN_API lin_status lin_linear_f32_explain(const float *x, const float *weight, const float *bias,
                                          const float *y, size_t batch, size_t in_features,
                                          size_t out_features, char *buf, size_t buf_size)
{
    lin__dims d;
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s = lin__check_layer_call(x, weight, bias, y, batch, in_features, out_features,
                                         sizeof(float), sizeof(float), &d);
    return lin__say_layer_call(&m, s, x, weight, bias, y, batch, in_features, out_features,
                               sizeof(float), sizeof(float), &d);
}

/* a clamp [lo, hi] that is not an interval */
static lin_status lin__say_clamp(lin__msg *m, const char *lo_name, double lo, const char *hi_name,
                                 double hi)
{
    lin__puts(m, lo_name);
    lin__puts(m, " (");
    lin__putf(m, lo);
    lin__puts(m, ") must not exceed ");
    lin__puts(m, hi_name);
    lin__puts(m, " (");
    lin__putf(m, hi);
    lin__puts(m, ")");
    return LIN_ERR_VALUE;
}

LIN_API lin_status lin_linear_f32_clamp_explain(const float *x, const float *weight,
                                                const float *bias, const float *y, size_t batch,
                                                size_t in_features, size_t out_features,
                                                float act_min, float act_max, char *buf,
                                                size_t buf_size)
{
    lin__msg m = lin__msg_start(buf, buf_size);
    if (!(act_min <= act_max)) return lin__say_clamp(&m, "act_min", act_min, "act_max", act_max);
    return lin_linear_f32_explain(x, weight, bias, y, batch, in_features, out_features, buf, buf_size);
}

LIN_API lin_status lin_linear_f32_clamp(const float *x, const float *weight, const float *bias,
                                        float *y, size_t batch, size_t in_features,
                                        size_t out_features, float act_min, float act_max)
{
    size_t i;
    lin_status s;
    if (!(act_min <= act_max)) return LIN_ERR_VALUE;
    if ((s = lin_linear_f32(x, weight, bias, y, batch, in_features, out_features)) != LIN_OK) return s;
    for (i = 0; i < batch * out_features; ++i)
        y[i] = y[i] < act_min ? act_min : y[i] > act_max ? act_max : y[i];
    return LIN_OK;
}

/* ---- element types ---- */

static const char *const lin__dtype_names[15] = {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                                                 "BF16", "I32", "U32", "F32", "F64", "I64", "U64"};
static const unsigned char lin__dtype_sizes[15] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};

LIN_API size_t lin_dtype_size(lin_dtype dtype)
{
    return (unsigned)dtype < 15u ? lin__dtype_sizes[dtype] : 0;
}

LIN_API const char *lin_dtype_name(lin_dtype dtype)
{
    return (unsigned)dtype < 15u ? lin__dtype_names[dtype] : "?";
}

#if !defined(LIN_NO_WFORMATS) || !defined(LIN_NO_NPY)
static LIN__INLINE_KERNEL float lin__f32_from_bits(uint32_t u)
{
    float f;
    LIN__MEMCPY(&f, &u, sizeof f);
    return f;
}
#endif

#ifndef LIN_NO_WFORMATS
static LIN__INLINE_KERNEL uint32_t lin__bits_from_f32(float f)
{
    uint32_t u;
    LIN__MEMCPY(&u, &f, sizeof u);
    return u;
}
#endif

#if !defined(LIN_NO_NPY) || !defined(LIN_NO_SAFETENSORS)
/* the n (1 to 8) bytes at p as an unsigned integer, the least significant
   first (the files' little-endian) or, with big, last */
static uint64_t lin__uint_of_bytes(const unsigned char *p, size_t n, int big)
{
    uint64_t v = 0;
    size_t k;
    for (k = 0; k < n; ++k) v |= (uint64_t)p[big ? n - 1 - k : k] << (8 * k);
    return v;
}

/* 1 when this host stores integers least significant byte first */
static int lin__host_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    LIN__MEMCPY(&b, &one, 1);
    return b == 1;
}
#endif

#if !defined(LIN_NO_WFORMATS) || !defined(LIN_NO_NPY)
/* binary16 bits h -> float32 bits, exactly (subnormals normalized); out
   of line: the kernels call it for their tails alone */
static uint32_t lin__f16_to_bits32(uint32_t h)
{
    uint32_t s = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1fu) return s | 0x7f800000u | (m << 13);         /* inf, NaN (payload kept) */
    if (e) return s | ((e + 112u) << 23) | (m << 13);
    if (!m) return s;
    e = 113u;                                                  /* m * 2^-24 */
    do {
        m <<= 1;
        --e;
    } while (!(m & 0x400u));
    return s | (e << 23) | ((m & 0x3ffu) << 13);
}
#endif

/* ---- compressed weights: f16, bf16, int8 and int4 ----

   AVX-512 and AVX2 decode W in registers inside their dot products
   (lin__wf_fused). The other families decode a block of W (up to 16
   rows by LIN__WF_FLOATS / rows steps of k, on the stack) and run their
   float dot products on it against every row of x, adding the blocks
   along k into y, the first with the bias (lin__linear_wf_blocks).
   Builds without the packed kernels (LIN_PACK 0: firmware) decode blocks
   of 4 rows by 32 steps (512 bytes) for the float direct kernel. The
   decoded weights are exact (f16, bf16) or the float32 product scale * q
   (q8w, q4w), as the docs say W is. */
#ifndef LIN_NO_WFORMATS

/* the forms; LIN__WF_Q8S is q8 inside the AVX2 and AVX-512 dot products
   with the scale applied to each sum, where the operands allow it (see
   LIN__WF256_STORE_Q8S); LIN__WF_Q4S q4 inside the AVX2 ones with each
   block's scale applied to the block's sums (LIN__WF256_Q4S) */
enum { LIN__WF_F16, LIN__WF_BF16, LIN__WF_Q8, LIN__WF_Q4, LIN__WF_Q8S, LIN__WF_Q4S };

LIN_API float lin_f16_to_f32(uint16_t h)
{
    return lin__f32_from_bits(lin__f16_to_bits32(h));
}

LIN_API float lin_bf16_to_f32(uint16_t h)
{
    return lin__f32_from_bits((uint32_t)h << 16);
}

LIN_API uint16_t lin_f32_to_f16(float f)
{
    const uint32_t u = lin__bits_from_f32(f), s = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    uint32_t m, q, rem, half;
    int shift;
    if (a > 0x7f800000u) return (uint16_t)(s | 0x7e00u);      /* NaN */
    if (a >= 0x477ff000u) return (uint16_t)(s | 0x7c00u);     /* 65520 and up round to inf */
    if (a >= 0x38800000u) {                                    /* a normal half: 2^-14 and up */
        const uint32_t r = a - 0x38000000u;                    /* the exponent less 112 */
        return (uint16_t)(s | ((r + 0xfffu + ((r >> 13) & 1u)) >> 13));
    }
    /* a subnormal half: a / 2^-24 = m * 2^(e - 126), rounded to an integer */
    shift = 126 - (int)(a >> 23);
    if (shift >= 25) return (uint16_t)s;                       /* below 2^-25: zero */
    m = (a & 0x7fffffu) | 0x800000u;
    q = m >> shift;
    rem = m & (((uint32_t)1 << shift) - 1u);                   /* 32 bits also where int has 16 */
    half = (uint32_t)1 << (shift - 1);
    q += rem > half || (rem == half && (q & 1u));
    return (uint16_t)(s | q);                                  /* q = 1024 is 2^-14, as it should be */
}

LIN_API uint16_t lin_f32_to_bf16(float f)
{
    const uint32_t u = lin__bits_from_f32(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;       /* NaN */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* binary16 bits h -> float: on 32-bit Arm with the FPU's half-precision
   conversion (Cortex-M4F, M7, M33, M55) its vcvtb, exact
   for every half (a signalling NaN comes out quiet: y is NaN either way);
   elsewhere a normal half (most weights) by moving its bits and adding
   112 to the exponent, zeros, subnormals, infinities and NaN through
   lin__f16_to_bits32 */
#if defined(__GNUC__) && defined(__arm__) && !defined(__aarch64__) && defined(__ARM_FP) && !defined(LIN_NO_SIMD) && \
    ((__ARM_FP & 2) || ((defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)) && (__ARM_FP & 4)))
/* (ARMv7-M and ARMv8-M Mainline FPUs, the M4F, M7 and M33, have it
   though GCC leaves bit 1 clear without -mfp16-format) */
#define LIN__F16_VCVT 1
#endif
static LIN__INLINE_KERNEL float lin__f16_to_f32_quick(uint32_t h)
{
#ifdef LIN__F16_VCVT
    float r;
    const float v = lin__f32_from_bits(h);
    __asm__("vcvtb.f32.f16 %0, %1" : "=t"(r) : "t"(v));
    return r;
#else
    const uint32_t e = h & 0x7c00u;
    if (e == 0 || e == 0x7c00u) return lin__f32_from_bits(lin__f16_to_bits32(h));
    return lin__f32_from_bits(((h & 0x8000u) << 16) | (((h & 0x7fffu) << 13) + 0x38000000u));
#endif
}

#ifdef LIN__HAS_NEON
/* sc * v[i] for eight int8: widened, converted (exact) and multiplied,
   each product rounded once as the scalar decode's */
static LIN__INLINE_KERNEL float32x4x2_t lin__wf_s8x8_f32(int8x8_t v, float sc)
{
    const int16x8_t h = vmovl_s8(v);
    float32x4x2_t r;
    r.val[0] = vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h))), sc);
    r.val[1] = vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(h))), sc);
    return r;
}
/* ... stored at dst[0 .. 8] */
static LIN__INLINE_KERNEL void lin__wf_s8x8_neon(float *dst, int8x8_t v, float sc)
{
    vst1q_f32_x2(dst, lin__wf_s8x8_f32(v, sc));
}
#endif

/* dst (rows, n), rows n apart = W's rows j0 .. j0 + rows, steps k0 .. k0 + n
   decoded (q4: k0 and in even), one loop per form */
static void lin__wf_decode_portable(int form, const void *w, const float *scale, size_t in, size_t j0,
                                    size_t rows, size_t k0, size_t n, float *dst)
{
    size_t r, p;
    for (r = 0; r < rows; ++r, dst += n) {
        const size_t at = (j0 + r) * in + k0;
        p = 0;
        if (form == LIN__WF_F16) {
            const uint16_t *h = (const uint16_t *)w + at;
#ifdef LIN__HAS_NEON
            /* fcvtl: every half exact, subnormals, infinities and NaN too */
            for (; p + 4 <= n; p += 4) vst1q_f32(dst + p, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(h + p))));
#endif
            for (; p < n; ++p) dst[p] = lin__f16_to_f32_quick(h[p]);
        } else if (form == LIN__WF_BF16) {
            const uint16_t *h = (const uint16_t *)w + at;
#ifdef LIN__HAS_NEON
            for (; p + 4 <= n; p += 4) vst1q_f32(dst + p, vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(h + p), 16)));
#endif
#ifdef LIN__HAS_MVE_F32
            for (; p + 4 <= n; p += 4) vst1q_f32(dst + p, vreinterpretq_f32_u32(vshlq_n_u32(vldrhq_u32(h + p), 16)));
#endif
            for (; p < n; ++p) dst[p] = lin__f32_from_bits((uint32_t)h[p] << 16);
        } else if (form == LIN__WF_Q8) {
            const int8_t *q = (const int8_t *)w + at;
            const float sc = scale[j0 + r];
#ifdef LIN__HAS_MVE_F32
            /* four int8 widened, converted (exact) and scaled: the same
               product, rounded once, as below */
            for (; p + 4 <= n; p += 4) vst1q_f32(dst + p, vmulq_n_f32(vcvtq_f32_s32(vldrbq_s32(q + p)), sc));
#endif
#ifdef LIN__HAS_NEON
            for (; p + 8 <= n; p += 8) lin__wf_s8x8_neon(dst + p, vld1_s8(q + p), sc);
#endif
            for (; p < n; ++p) dst[p] = sc * (float)q[p];
        } else {                /* element at + p: nibble (at + p) % 2 of byte (at + p) / 2 */
            const uint8_t *q = (const uint8_t *)w + at / 2u;
#ifdef LIN__HAS_NEON
            /* whole blocks: 16 bytes, their low and high nibbles zipped
               into elements 0 .. 31, less 8, widened, converted (exact)
               and times the block's scale: the products below */
            if (at % 32u == 0)
                for (; p + 32 <= n; p += 32) {
                    const uint8x16_t b = vld1q_u8(q + p / 2u), lo = vandq_u8(b, vdupq_n_u8(15)), hi = vshrq_n_u8(b, 4);
                    const int8x16_t e0 = vsubq_s8(vreinterpretq_s8_u8(vzip1q_u8(lo, hi)), vdupq_n_s8(8));
                    const int8x16_t e1 = vsubq_s8(vreinterpretq_s8_u8(vzip2q_u8(lo, hi)), vdupq_n_s8(8));
                    const float sc = scale[(at + p) / 32u];
                    lin__wf_s8x8_neon(dst + p, vget_low_s8(e0), sc);
                    lin__wf_s8x8_neon(dst + p + 8, vget_high_s8(e0), sc);
                    lin__wf_s8x8_neon(dst + p + 16, vget_low_s8(e1), sc);
                    lin__wf_s8x8_neon(dst + p + 24, vget_high_s8(e1), sc);
                }
#endif
            for (; p < n; ++p) {
                const unsigned b = q[p / 2u];
                dst[p] = scale[(at + p) / 32u] * (float)((int)((p & 1u) ? b >> 4 : b & 15u) - 8);
            }
        }
    }
}

#if LIN_PACK && (defined(LIN__HAS_AVX2) || defined(LIN__HAS_AVX512))
#define LIN__WF_X86 1
/* the AVX2 kernels' target: F16C too (binary16), checked at run time */
#if LIN__DISPATCH
#define LIN__TARGET_WF __attribute__((target("avx2,fma,f16c")))
#else
#define LIN__TARGET_WF
#endif
#endif

#if !LIN_PACK && defined(LIN__F16_VCVT) && defined(__ARM_FEATURE_FMA)
#define LIN__WF_FPU 1           /* the FPU's fused dot products (M4F, M7, M33, M55), below */
#if defined(LIN__HAS_MVE_F32)
#define LIN__WF_MVE 1           /* and Helium's, for bf16 and q8 */
#endif
#endif

#if (LIN_PACK && (defined(LIN__WF_X86) || defined(LIN__HAS_NEON))) || defined(LIN__WF_FPU)
/* dots[i][r] = x_i . W_r for mb (1-4) rows of x, rows x_rs apart, and
   the four rows of W at w[r] (their scales at s[r]), of form, k steps */
typedef void (*lin__wf_dots_fn)(int form, size_t mb, size_t k, const float *x, ptrdiff_t x_rs,
                                const void *const w[4], const float *const s[4], float dots[4][4]);

/* y = bias + x . W^T through dots_fn (taking W as kform, decoded as
   form says): W in chunks of about 256 KiB, which each group of four
   rows of x then reads from L2 (at batch 1-4 one group: W read once) */
static void lin__wf_run_dots(lin__wf_dots_fn dots_fn, int form, int kform, const float *x, const void *w,
                             const float *scale, const float *bias, float *y, size_t batch, size_t in, size_t out)
{
    static const float one = 1.0f;              /* the scale f16 and bf16 do not have */
    const size_t row_bytes = form == LIN__WF_Q4 ? in / 2u + in / 8u : form == LIN__WF_Q8 ? in + 4u : 2u * in;
    const size_t chunk = row_bytes >= 65536u ? 4u : ((size_t)262144 / row_bytes + 3u) / 4u * 4u;
    size_t jc, i0, j, q, i;
    for (jc = 0; jc < out; jc += chunk)
        for (i0 = 0; i0 < batch; i0 += 4) {
            const size_t mb = LIN__MIN(4, batch - i0), jend = LIN__MIN(out, jc + chunk);
            const float *xi = x + i0 * in;
            float *yi = y + i0 * out;
            for (j = jc; j < jend; j += 4) {
                const size_t r = LIN__MIN(4, jend - j);
                const void *wr[4];
                const float *sr[4];
                float dots[4][4];
                for (q = 0; q < 4; ++q) {       /* a last group of fewer rows repeats its last */
                    const size_t o = j + LIN__MIN(q, r - 1);
                    wr[q] = form == LIN__WF_Q4 ? (const void *)((const uint8_t *)w + o * (in / 2u))
                          : form == LIN__WF_Q8 ? (const void *)((const int8_t *)w + o * in)
                          : (const void *)((const uint16_t *)w + o * in);
                    sr[q] = form == LIN__WF_Q4 ? scale + o * (in / 32u) : form == LIN__WF_Q8 ? scale + o : &one;
                }
                dots_fn(kform, mb, in, xi, (ptrdiff_t)in, wr, sr, dots);
                for (i = 0; i < mb; ++i)
                    for (q = 0; q < r; ++q) yi[i * out + j + q] = (bias ? bias[j + q] : 0.0f) + dots[i][q];
            }
        }
}
#endif

#ifdef LIN__WF_X86
/* GCOVR_EXCL_BR_START: the kernels below are inlined once per form and
   row count, constants: each copy takes one side of every "form ==" and
   "mb >" by design (test_wformats checks every form, row count and
   family against PyTorch and a double reference) */
/* The fused dot products: W's rows decoded in registers as they are
   read, never stored (at batch 1 a layer is bound by the bytes of W it
   reads). dots[i][r] = x_i . W_r for mb rows of x (a constant
   in each inlined copy) and four rows of W, decoded as the docs say
   (q8w, q4w: each weight times its scale first, as a float: a scale
   applied to the sum instead could overflow where W . x does not, but
   for q8 where x and the scales rule that out, Q8S below); s
   holds each row's scales (q8w: one, q4w: one per block). */
#define LIN__WF_XPTRS                                                                            \
    const float *x0 = x, *x1 = mb > 1 ? x + x_rs : x, *x2 = mb > 2 ? x + 2 * x_rs : x;           \
    const float *x3 = mb > 3 ? x + 3 * x_rs : x;
/* row i of x (XV, loaded once and kept in a register: GCC's znver
   tunings would fold the load into each of the four FMAs) against the
   four decoded rows v0..v3 */
#define LIN__WF_FMA4(FMA, i, XV)                                                                 \
    { LIN__WF_VEC xv = XV;                                                                       \
      LIN__IN_REGISTER(xv);                                                                      \
      a##i##0 = FMA(xv, v0, a##i##0); a##i##1 = FMA(xv, v1, a##i##1);                           \
      a##i##2 = FMA(xv, v2, a##i##2); a##i##3 = FMA(xv, v3, a##i##3); }
/* dots's scalar tail: k from p */
#define LIN__WF_TAIL(form, from)                                                                 \
    for (p = (from); p < k; ++p) {                                                               \
        size_t r;                                                                                \
        for (r = 0; r < 4; ++r) {                                                                \
            const float wv = (form) == LIN__WF_F16 ? lin__f32_from_bits(lin__f16_to_bits32(((const uint16_t *)w[r])[p])) \
                           : (form) == LIN__WF_BF16 ? lin__f32_from_bits((uint32_t)((const uint16_t *)w[r])[p] << 16) \
                           : s[r][0] * (float)((const int8_t *)w[r])[p];                         \
            dots[0][r] += x0[p] * wv;                                                            \
            if (mb > 1) dots[1][r] += x1[p] * wv;                                                \
            if (mb > 2) dots[2][r] += x2[p] * wv;                                                \
            if (mb > 3) dots[3][r] += x3[p] * wv;                                                \
        }                                                                                        \
    }

/* The four rows of W LIN__WF_AHEAD bytes ahead, once per 64-byte line of
   theirs (b: the byte offset the loop reads at, rowb: a row's bytes), for
   one or two rows of x. There the dot products stream W from memory, and
   with the hardware prefetcher alone the narrower forms' rows came in
   more slowly per byte than float's. The rows of a group are W's rows
   o .. o + 3, one after another, so a prefetch past the end of row r
   would fetch the start of row r + 1, which this group has read already:
   it goes to the same place in row r + 4, which the next group reads.
   Into L2 (T1), not L1. Speed over float's, 1x4096x4096, -O2, AVX2
   family: Zen 5 (2 KiB ahead into L1, no wrap) f16w 1.38-1.52 ->
   1.79-2.08, q4w 3.3-3.9 -> 3.4-5.2; Zen 4, loaded, that prefetch f16w
   1.19-1.35, q8w 2.5-2.9, none 1.6-1.8 and 2.8-3.4, this one 2.2-2.4 and
   3.8-4.6. With four rows of x per pass they cost f16w 15% at
   32x4096x4096, and float's own dot products gain nothing: neither has
   them. A prefetch past the end of W is a hint, never a fault; its
   address is formed as an integer, not as a pointer past the array. */
#define LIN__WF_AHEAD 4096
#define LIN__WF_PF(r, b, rowb)                                                                   \
    _mm_prefetch((const char *)((uintptr_t)w[r] + (b) + LIN__WF_AHEAD +                          \
                                ((b) + LIN__WF_AHEAD >= (rowb) ? 3u * (rowb) : 0u)), _MM_HINT_T1);
#define LIN__WF_PREFETCH(b, rowb)                                                                \
    if (mb <= 2 && ((b) & 63) == 0) {                                                            \
        LIN__WF_PF(0, b, rowb) LIN__WF_PF(1, b, rowb)                                            \
        LIN__WF_PF(2, b, rowb) LIN__WF_PF(3, b, rowb)                                            \
    }

/* the four rows of W at o, decoded by LOAD into v0 .. v3 (VEC) */
#define LIN__WF_ROWS4(VEC, LOAD, o)                                                              \
    VEC v0 = LOAD(form, 0, o), v1 = LOAD(form, 1, o), v2 = LOAD(form, 2, o), v3 = LOAD(form, 3, o); \
    LIN__IN_REGISTER(v0); LIN__IN_REGISTER(v1); LIN__IN_REGISTER(v2); LIN__IN_REGISTER(v3);
/* The f16, bf16 and q8 dot products' loop over k from p to kn, N steps at
   a time through STEP(i, o, all) (x0 into accumulators i, the other rows
   of x too if all); where TWO, one row of x runs 2N steps at a time, the
   second N into the second row's accumulators (else each sum waits on
   its own last FMA every N steps), added at the end with ADD */
#define LIN__WF_LOOPS(TWO, STEP, N, kn, ADD)                                                     \
    if (TWO) {                                                                                   \
        for (; p + 2 * (N) <= (kn); p += 2 * (N)) {                                              \
            LIN__WF_PREFETCH(esize * p, esize * k)                                               \
            STEP(0, p, 0)                                                                        \
            STEP(1, p + (N), 0)                                                                  \
        }                                                                                        \
        if (p < (kn)) STEP(0, p, 0)                                                              \
        a00 = ADD(a00, a10); a01 = ADD(a01, a11); a02 = ADD(a02, a12); a03 = ADD(a03, a13);      \
    } else {                                                                                     \
        for (; p < (kn); p += (N)) {                                                             \
            LIN__WF_PREFETCH(esize * p, esize * k)                                               \
            STEP(0, p, 1)                                                                        \
        }                                                                                        \
    }

/* q4: the eight nibbles of the 4-byte word at b, lane i shifted down to
   nibble i (shifts: 0, 4, .. 28; low: 15). Byte j's low nibble is element
   2j, its high one 2j + 1, and x86 is little-endian: nibble i of the
   word is element i. */
static LIN__INLINE_KERNEL int32_t lin__wf_word(const uint8_t *b)    /* the 4 bytes at b, as stored */
{
    int32_t b4;
    LIN__MEMCPY(&b4, b, 4);
    return b4;
}
static LIN__TARGET_WF LIN__INLINE_KERNEL __m256i lin__wf_q4_nibbles(const uint8_t *b, __m256i shifts, __m256i low)
{
    return _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(lin__wf_word(b)), shifts), low);
}

/* Q8S's condition on the four rows' scales: each at most 2^100 */
static LIN__INLINE_KERNEL int lin__wf_q8_sum_ok(const float *const s[4])
{
    int r, ok = 1;
    for (r = 0; r < 4; ++r) ok &= (lin__bits_from_f32(s[r][0]) & 0x7fffffffu) <= 0x71800000u;   /* 2^100 */
    return ok;
}

#ifdef LIN__HAS_AVX512
#if defined(__GNUC__) && !defined(__clang__)
/* as in the AVX-512 family: g++ 12's own _mm512_undefined_ps */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define LIN__WF512_LOAD(form, r, o)                                                              \
    ((form) == LIN__WF_F16 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)((const uint16_t *)w[r] + (o)))) \
     : (form) == LIN__WF_BF16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(                \
                                   _mm256_loadu_si256((const __m256i *)(const void *)((const uint16_t *)w[r] + (o)))), 16)) \
     : (form) == LIN__WF_Q8S ? LIN__WF512_Q8INT(r, o)                                            \
     : _mm512_mul_ps(sv##r, LIN__WF512_Q8INT(r, o)))
#define LIN__WF512_Q8INT(r, o)                                                                   \
    _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)((const int8_t *)w[r] + (o)))))
/* lin__wf_abs_at_most (below) with AVX-512F alone: whether the bits of
   every |v[i]| are at most most */
static LIN__TARGET_AVX512 int lin__wf_abs_at_most512(const float *v, size_t n, uint32_t most)
{
    const __m512i abs = _mm512_set1_epi32(0x7fffffff), m = _mm512_set1_epi32((int32_t)most);
    __mmask16 over = 0;
    size_t i;
    for (i = 0; i + 16 <= n; i += 16)
        over |= _mm512_cmpgt_epi32_mask(_mm512_and_si512(_mm512_loadu_si512((const void *)(v + i)), abs), m);
    if (i < n) {
        const __mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);
        over |= _mm512_mask_cmpgt_epi32_mask(tail, _mm512_and_si512(_mm512_maskz_loadu_epi32(tail, v + i), abs), m);
    }
    return !over;
}
/* f16, bf16, q8, q8s: 16 steps of k at a time, then the tail. q8 and
   q8s with one row of x take 32 at a time, the second 16 into the second
   row's sums, as the AVX2 dot products do (Zen 4, -O2, Gweights/s: q8w
   1x4096x4096 19 -> 22, with the scale on the sum 25, and 1x4096x128 22
   -> 30); f16 and bf16 are bound by memory there, and lost 10% by it. */
#define LIN__WF_VEC __m512
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL void lin__wf_dot4_avx512(int form, size_t mb, size_t k, const float *x,
                                                                     ptrdiff_t x_rs, const void *const w[4],
                                                                     const float *const s[4], float dots[4][4])
{
    LIN__WF_XPTRS
    const __m512 sv0 = _mm512_set1_ps(s[0][0]), sv1 = _mm512_set1_ps(s[1][0]);   /* q8: the rows' scales */
    const __m512 sv2 = _mm512_set1_ps(s[2][0]), sv3 = _mm512_set1_ps(s[3][0]);
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    __m512 a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    const size_t k16 = k & ~(size_t)15, esize = form == LIN__WF_Q8 || form == LIN__WF_Q8S ? 1u : 2u;
    size_t p = 0;
/* sixteen steps of k from o: x0 into accumulators i, x1 .. x3 too if mb says */
#define LIN__WF512_STEP(i, o, all)                                                               \
    {   LIN__WF_ROWS4(__m512, LIN__WF512_LOAD, o)                                                \
        LIN__WF_FMA4(_mm512_fmadd_ps, i, _mm512_loadu_ps(x0 + (o)))                              \
        if ((all) && mb > 1) LIN__WF_FMA4(_mm512_fmadd_ps, 1, _mm512_loadu_ps(x1 + (o)))         \
        if ((all) && mb > 2) LIN__WF_FMA4(_mm512_fmadd_ps, 2, _mm512_loadu_ps(x2 + (o)))         \
        if ((all) && mb > 3) LIN__WF_FMA4(_mm512_fmadd_ps, 3, _mm512_loadu_ps(x3 + (o))) }
    LIN__WF_LOOPS(mb == 1 && esize == 1, LIN__WF512_STEP, 16, k16, _mm512_add_ps)
#undef LIN__WF512_STEP
    if (form == LIN__WF_Q8S) {                  /* see LIN__WF256_STORE_Q8S */
        const __m128 sc = _mm_setr_ps(s[0][0], s[1][0], s[2][0], s[3][0]), z = _mm_setzero_ps();
        _mm_storeu_ps(dots[0], _mm_add_ps(_mm_mul_ps(sc, lin__sum4_avx512(a00, a01, a02, a03)), z));
        if (mb > 1) _mm_storeu_ps(dots[1], _mm_add_ps(_mm_mul_ps(sc, lin__sum4_avx512(a10, a11, a12, a13)), z));
        if (mb > 2) _mm_storeu_ps(dots[2], _mm_add_ps(_mm_mul_ps(sc, lin__sum4_avx512(a20, a21, a22, a23)), z));
        if (mb > 3) _mm_storeu_ps(dots[3], _mm_add_ps(_mm_mul_ps(sc, lin__sum4_avx512(a30, a31, a32, a33)), z));
    } else {
        _mm_storeu_ps(dots[0], lin__sum4_avx512(a00, a01, a02, a03));
        if (mb > 1) _mm_storeu_ps(dots[1], lin__sum4_avx512(a10, a11, a12, a13));
        if (mb > 2) _mm_storeu_ps(dots[2], lin__sum4_avx512(a20, a21, a22, a23));
        if (mb > 3) _mm_storeu_ps(dots[3], lin__sum4_avx512(a30, a31, a32, a33));
    }
    LIN__WF_TAIL(form, k16)
}
#undef LIN__WF_VEC

/* q4: blocks of 32. Byte j of a row's block widened to lane j: its low
   nibble (element 2j) and its high one (2j + 1) each pick their weight
   from a table of the 16 values scale x (n - 8), the block's scale times
   -8 .. 7, one multiply per block and row (vpermps reads an index's low
   4 bits, so the low nibble needs no mask); the weights as the docs
   decode them, against x's even and odd elements of the block. Before,
   each nibble was masked, less 8, converted and multiplied: 11
   operations a block and row, now 7 (Zen 4, -O2, Gweights/s: 1x4096x4096
   14.7 -> 21.0, 1x4096x128 15.6 -> 22.6, 16x4096x1024 33.5 -> 39.4; the
   same bits). */
#define LIN__WF512_Q4ROW(r)                                                                      \
    {   const __m512i d = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)((const uint8_t *)w[r] + p / 2u))); \
        const __m512 lut = _mm512_mul_ps(_mm512_set1_ps(s[r][p / 32u]), tab);                    \
        v##r = _mm512_permutexvar_ps(d, lut);                                                    \
        u##r = _mm512_permutexvar_ps(_mm512_srli_epi32(d, 4), lut); }
#define LIN__WF512_Q4X(i)                                                                        \
    { const __m512 xa = _mm512_loadu_ps(x##i + p), xb = _mm512_loadu_ps(x##i + p + 16);          \
      __m512 xe = _mm512_permutex2var_ps(xa, even, xb), xo = _mm512_permutex2var_ps(xa, odd, xb); \
      LIN__IN_REGISTER(xe); LIN__IN_REGISTER(xo);                                                \
      a##i##0 = _mm512_fmadd_ps(xo, u0, _mm512_fmadd_ps(xe, v0, a##i##0));                       \
      a##i##1 = _mm512_fmadd_ps(xo, u1, _mm512_fmadd_ps(xe, v1, a##i##1));                       \
      a##i##2 = _mm512_fmadd_ps(xo, u2, _mm512_fmadd_ps(xe, v2, a##i##2));                       \
      a##i##3 = _mm512_fmadd_ps(xo, u3, _mm512_fmadd_ps(xe, v3, a##i##3)); }
static LIN__TARGET_AVX512 LIN__INLINE_KERNEL void lin__wf_dot4_q4_avx512(size_t mb, size_t k, const float *x,
                                                                        ptrdiff_t x_rs, const void *const w[4],
                                                                        const float *const s[4], float dots[4][4])
{
    LIN__WF_XPTRS
    const __m512 tab = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    __m512 a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    size_t p;
    for (p = 0; p < k; p += 32) {
        __m512 v0, u0, v1, u1, v2, u2, v3, u3;
        LIN__WF_PREFETCH(p / 2u, k / 2u)
        LIN__WF512_Q4ROW(0) LIN__WF512_Q4ROW(1) LIN__WF512_Q4ROW(2) LIN__WF512_Q4ROW(3)
        LIN__WF512_Q4X(0)
        if (mb > 1) LIN__WF512_Q4X(1)
        if (mb > 2) LIN__WF512_Q4X(2)
        if (mb > 3) LIN__WF512_Q4X(3)
    }
    _mm_storeu_ps(dots[0], lin__sum4_avx512(a00, a01, a02, a03));
    if (mb > 1) _mm_storeu_ps(dots[1], lin__sum4_avx512(a10, a11, a12, a13));
    if (mb > 2) _mm_storeu_ps(dots[2], lin__sum4_avx512(a20, a21, a22, a23));
    if (mb > 3) _mm_storeu_ps(dots[3], lin__sum4_avx512(a30, a31, a32, a33));
}

/* the four rows of W against mb (1-4) rows of x, form and mb constants */
static LIN__TARGET_AVX512 void lin__wf_dots_avx512(int form, size_t mb, size_t k, const float *x, ptrdiff_t x_rs,
                                                   const void *const w[4], const float *const s[4],
                                                   float dots[4][4])
{
#define LIN__WF512_MB(F)                                                                         \
    switch (mb) {                                                                                \
    case 1: F(1); break;                                                                         \
    case 2: F(2); break;                                                                         \
    case 3: F(3); break;                                                                         \
    default: F(4); break;                                                                        \
    }
#define LIN__WF512_F16(n) lin__wf_dot4_avx512(LIN__WF_F16, n, k, x, x_rs, w, s, dots)
#define LIN__WF512_BF16(n) lin__wf_dot4_avx512(LIN__WF_BF16, n, k, x, x_rs, w, s, dots)
#define LIN__WF512_Q8(n) lin__wf_dot4_avx512(LIN__WF_Q8, n, k, x, x_rs, w, s, dots)
#define LIN__WF512_Q8S(n) lin__wf_dot4_avx512(LIN__WF_Q8S, n, k, x, x_rs, w, s, dots)
#define LIN__WF512_Q4(n) lin__wf_dot4_q4_avx512(n, k, x, x_rs, w, s, dots)
    switch (form) {
    case LIN__WF_F16: LIN__WF512_MB(LIN__WF512_F16) break;
    case LIN__WF_BF16: LIN__WF512_MB(LIN__WF512_BF16) break;
    case LIN__WF_Q8S:                           /* x is tame: the four scales too? */
        if (lin__wf_q8_sum_ok(s)) {
            LIN__WF512_MB(LIN__WF512_Q8S)
            break;
        }
        /* fall through */
    case LIN__WF_Q8: LIN__WF512_MB(LIN__WF512_Q8) break;
    default: LIN__WF512_MB(LIN__WF512_Q4) break;
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif /* LIN__HAS_AVX512 */

#ifdef LIN__HAS_AVX2
static LIN__TARGET_WF LIN__INLINE_KERNEL float lin__wf_sum256(__m256 v)
{
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    t = _mm_add_ps(t, _mm_movehl_ps(t, t));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}
/* binary16 with F16C; a build with -mavx2 and no F16C under
   LIN_NO_DISPATCH never runs this kernel on binary16 (lin__wf_fused) */
#if LIN__DISPATCH || defined(__F16C__)
#define LIN__WF256_CVTPH(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#else
#define LIN__WF256_CVTPH(p) _mm256_setzero_ps()
#endif
#define LIN__WF256_LOAD(form, r, o)                                                              \
    ((form) == LIN__WF_F16 ? LIN__WF256_CVTPH((const uint16_t *)w[r] + (o))                      \
     : (form) == LIN__WF_BF16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(                \
                                   _mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)w[r] + (o)))), 16)) \
     : (form) == LIN__WF_Q8S ? LIN__WF256_Q8INT(r, o)                                             \
     : _mm256_mul_ps(sv##r, LIN__WF256_Q8INT(r, o)))
#define LIN__WF256_Q8INT(r, o)                                                                   \
    _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)((const int8_t *)w[r] + (o)))))
#define LIN__WF256_STORE(i)                                                                      \
    { dots[i][0] = lin__wf_sum256(a##i##0); dots[i][1] = lin__wf_sum256(a##i##1);               \
      dots[i][2] = lin__wf_sum256(a##i##2); dots[i][3] = lin__wf_sum256(a##i##3); }
/* q8 with the scale applied to each row's sum, s x (x . q) (Q8S): a
   multiply fewer for every eight weights, the AVX2 family's bottleneck
   (Zen 5, -O2: 1x4096x4096 and 1x4096x128 ran at 24-26 Gweights/s
   whether W came from memory or from L2), and AVX-512's on a Zen 4
   (whose 512-bit operations take two cycles). Taken where it gives what the
   decoded weights s * q give, within the float32 bound: every x of
   magnitude below 2^64 (checked once per call: x . q stays below 2^71 K and
   cannot overflow where x . W does not) and every scale of the four rows
   at most 2^100 (no decoded weight is infinite, so none gives 0 x inf).
   Each x q is exact or rounded as x * W's products are (a subnormal x
   times an integer is exact), and s x sum rounds once where each s * q
   rounded. + 0.0f: the sums start at +0, and a negative scale would
   make a zero sum -0, which the weights' products never give. */
#define LIN__WF256_STORE_Q8S(i)                                                                  \
    { dots[i][0] = s[0][0] * lin__wf_sum256(a##i##0) + 0.0f;                                  \
      dots[i][1] = s[1][0] * lin__wf_sum256(a##i##1) + 0.0f;                                  \
      dots[i][2] = s[2][0] * lin__wf_sum256(a##i##2) + 0.0f;                                  \
      dots[i][3] = s[3][0] * lin__wf_sum256(a##i##3) + 0.0f; }
/* whether the bits of every |v[i]| are at most most (an infinity's and a
   NaN's are above any finite limit); eight at a time: the q4 kernel's
   scalar check of its scales cost the layer 30% */
static LIN__TARGET_WF int lin__wf_abs_at_most(const float *v, size_t n, uint32_t most)
{
    const __m256i abs = _mm256_set1_epi32(0x7fffffff), m = _mm256_set1_epi32((int32_t)most);
    __m256i over = _mm256_setzero_si256();
    uint32_t tail = 0;
    size_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(v + i));
        over = _mm256_or_si256(over, _mm256_cmpgt_epi32(_mm256_and_si256(b, abs), m));
    }
    for (; i < n; ++i) tail |= (lin__bits_from_f32(v[i]) & 0x7fffffffu) > most;
    return _mm256_testz_si256(over, over) && !tail;
}
/* AVX2 (16 registers): two rows of x at a time; f16, bf16, q8, q8s */
#define LIN__WF_VEC __m256
static LIN__TARGET_WF LIN__INLINE_KERNEL void lin__wf_dot4_avx2(int form, size_t mb, size_t k, const float *x,
                                                               ptrdiff_t x_rs, const void *const w[4],
                                                               const float *const s[4], float dots[4][4])
{
    const float *x0 = x, *x1 = mb > 1 ? x + x_rs : x, *x2 = x, *x3 = x;    /* two rows at most */
    const __m256 sv0 = _mm256_set1_ps(s[0][0]), sv1 = _mm256_set1_ps(s[1][0]);   /* q8: the rows' scales */
    const __m256 sv2 = _mm256_set1_ps(s[2][0]), sv3 = _mm256_set1_ps(s[3][0]);
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    __m256 a13 = a00;
    const size_t k8 = k & ~(size_t)7, esize = form == LIN__WF_Q8 || form == LIN__WF_Q8S ? 1u : 2u;
    size_t p = 0;
/* eight steps of k from o: x0 into accumulators i, x1 too if two */
#define LIN__WF256_STEP(i, o, two)                                                               \
    {   LIN__WF_ROWS4(__m256, LIN__WF256_LOAD, o)                                                \
        LIN__WF_FMA4(_mm256_fmadd_ps, i, _mm256_loadu_ps(x0 + (o)))                              \
        if (two) LIN__WF_FMA4(_mm256_fmadd_ps, 1, _mm256_loadu_ps(x1 + (o))) }
    /* one row of x: two chains of FMAs, else each sum waits on its own
       last FMA (4 cycles on Zen) every eight weights. Zen 5, -O2,
       1x4096x128 (W in L2), Gweights/s: f16 29 -> 37, bf16 29 -> 33,
       q8s 29 -> 34 */
    LIN__WF_LOOPS(mb == 1, LIN__WF256_STEP, 8, k8, _mm256_add_ps)
#undef LIN__WF256_STEP
    if (form == LIN__WF_Q8S) {
        LIN__WF256_STORE_Q8S(0)
        if (mb > 1) LIN__WF256_STORE_Q8S(1)
    } else {
        LIN__WF256_STORE(0)
        if (mb > 1) LIN__WF256_STORE(1)
    }
    LIN__WF_TAIL(form, k8)
}
#undef LIN__WF_VEC

/* q4, a block of 32 of row r: c0..c3 its weights, k .. k + 8 each. Each
   eight from a 4-byte word broadcast to every lane, lane i shifted down
   to nibble i (byte j's low nibble is element 2j, its high one 2j + 1,
   and x86 is little-endian: the word's nibbles are in order), then
   scale x (n - 8) as one fused s * n - 8s: 8s is exact and the fused
   result is the product rounded once, the bits of s * (float)(n - 8) (a
   zero weight aside, +0 where the product gives -0 for a negative scale:
   the sums start at +0 and never become -0, so they are the same). 20
   instructions a block, 27 with the bytes widened as the other forms'
   (Zen 5, AVX2 family, -O2, Gweights/s: 1x4096x4096 12.7 -> 15.2,
   1x4096x128 13.4 -> 16.3). A scale past 2^124 (8s overflows), infinite
   or NaN takes the plain product. */
#define LIN__WF256_Q4NIB(r, q) lin__wf_q4_nibbles((const uint8_t *)w[r] + p / 2u + 4u * (q), shifts, low)
/* (the compiler keeps one copy of 8s per block and one vector of 8s) */
#define LIN__WF256_Q4FUSED(r, q) _mm256_fmsub_ps(sc, _mm256_cvtepi32_ps(LIN__WF256_Q4NIB(r, q)), _mm256_set1_ps(8.0f * sf))
#define LIN__WF256_Q4PLAIN(r, q)                                                                 \
    _mm256_mul_ps(sc, _mm256_cvtepi32_ps(_mm256_sub_epi32(LIN__WF256_Q4NIB(r, q), _mm256_set1_epi32(8))))
/* whether every scale of the four rows (nb blocks) is within 2^124 as
   the fused form needs */
static LIN__TARGET_WF LIN__INLINE_KERNEL int lin__wf_q4_scales_fuse(const float *const s[4], size_t nb)
{
    return lin__wf_abs_at_most(s[0], nb, 0x7d800000u) && lin__wf_abs_at_most(s[1], nb, 0x7d800000u) &&
           lin__wf_abs_at_most(s[2], nb, 0x7d800000u) && lin__wf_abs_at_most(s[3], nb, 0x7d800000u);
}
/* ... then each row of x (DEC: FUSED or PLAIN) */
#define LIN__WF256_Q4ROW(DEC, r)                                                                 \
    {   const float sf = s[r][p / 32u];                                                          \
        const __m256 sc = _mm256_set1_ps(sf);                                                    \
        const __m256 c0 = DEC(r, 0), c1 = DEC(r, 1), c2 = DEC(r, 2), c3 = DEC(r, 3);             \
        a0##r = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p), c0, a0##r);                             \
        a0##r = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 8), c1, a0##r);                         \
        a0##r = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 16), c2, a0##r);                        \
        a0##r = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 24), c3, a0##r);                        \
        if (mb > 1) {                                                                            \
            a1##r = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p), c0, a1##r);                         \
            a1##r = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 8), c1, a1##r);                     \
            a1##r = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 16), c2, a1##r);                    \
            a1##r = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 24), c3, a1##r);                    \
        }                                                                                        \
    }
#define LIN__WF256_Q4LOOP(DEC)                                                                   \
    for (p = 0; p < k; p += 32) {                                                                \
        LIN__WF_PREFETCH(p / 2u, k / 2u)                                                         \
        LIN__WF256_Q4ROW(DEC, 0) LIN__WF256_Q4ROW(DEC, 1) LIN__WF256_Q4ROW(DEC, 2)               \
        LIN__WF256_Q4ROW(DEC, 3)                                                                 \
    }
/* LIN__WF_Q4S: the scale of each block applied to the block's sums, not
   to each weight: x . W_r = sum_b s_b (x_b . (n_b - 8)). Nibble i of a
   word is taken where it lies (lane i masked with 15 << 4i) less 8 << 4i:
   (n - 8) 2^4i, exact in int32 (lane 7 wraps to its signed value) and
   in float, four operations for eight weights where the fused form takes
   five (the shift, the multiply by s). Each block's eight lane sums then
   times s 2^-4i, exact for a scale of magnitude 0 or in [2^-98, 2^100]
   (the four rows' scales are checked, else the fused form), and every
   |x| below 2^64 (the call's x is checked once, as for Q8S): no product
   or sum overflows where x . W does not, and the result is within the
   float32 bound of the decoded weights' (one more rounding per block).
   The sums start at +0 and add +0 for a zero block. Zen 5, AVX2 family,
   -O2, us, fused -> this: 1x1024x1024 69 -> 58, 1x4096x4096 1100 ->
   1000, 2x4096x4096 1650 -> 1340, 3x1024x1024 149 -> 130. */
#define LIN__WF256_Q4S_W(r, q)                                                                   \
    _mm256_cvtepi32_ps(_mm256_sub_epi32(                                                         \
        _mm256_and_si256(_mm256_set1_epi32(lin__wf_word((const uint8_t *)w[r] + p / 2u + 4u * (q))), nib), \
        eight))
#define LIN__WF256_Q4S_ROW(r)                                                                    \
    {   const __m256 sc = _mm256_mul_ps(_mm256_set1_ps(s[r][p / 32u]), down);                    \
        __m256 v = LIN__WF256_Q4S_W(r, 0), b0 = _mm256_mul_ps(_mm256_loadu_ps(x0 + p), v), b1;     \
        b1 = mb > 1 ? _mm256_mul_ps(_mm256_loadu_ps(x1 + p), v) : b0;                             \
        v = LIN__WF256_Q4S_W(r, 1);                                                              \
        b0 = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 8), v, b0);                                \
        if (mb > 1) b1 = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 8), v, b1);                    \
        v = LIN__WF256_Q4S_W(r, 2);                                                              \
        b0 = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 16), v, b0);                               \
        if (mb > 1) b1 = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 16), v, b1);                   \
        v = LIN__WF256_Q4S_W(r, 3);                                                              \
        b0 = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + p + 24), v, b0);                               \
        if (mb > 1) b1 = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + p + 24), v, b1);                   \
        a0##r = _mm256_fmadd_ps(sc, b0, a0##r);                                                  \
        if (mb > 1) a1##r = _mm256_fmadd_ps(sc, b1, a1##r);                                      \
    }
/* whether every scale of the four rows (nb blocks) is 0 or of magnitude
   in [2^-98, 2^100], as LIN__WF_Q4S needs */
static LIN__TARGET_WF LIN__INLINE_KERNEL int lin__wf_q4s_scales_ok(const float *const s[4], size_t nb)
{
    const __m256i abs = _mm256_set1_epi32(0x7fffffff), lo = _mm256_set1_epi32(0x0e800000);
    const __m256i hi = _mm256_set1_epi32(0x71800000), zero = _mm256_setzero_si256();
    __m256i bad = zero;
    uint32_t tail = 0;
    size_t r, i;
    for (r = 0; r < 4; ++r) {
        for (i = 0; i + 8 <= nb; i += 8) {
            const __m256i b = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)(s[r] + i)), abs);
            bad = _mm256_or_si256(bad, _mm256_andnot_si256(_mm256_cmpeq_epi32(b, zero),
                                                           _mm256_or_si256(_mm256_cmpgt_epi32(b, hi),
                                                                           _mm256_cmpgt_epi32(lo, b))));
        }
        for (; i < nb; ++i) {
            const uint32_t b = lin__bits_from_f32(s[r][i]) & 0x7fffffffu;
            tail |= b != 0 && (b > 0x71800000u || b < 0x0e800000u);
        }
    }
    return _mm256_testz_si256(bad, bad) && !tail;
}
/* (scaled: kform is LIN__WF_Q4S, x checked) */
static LIN__TARGET_WF LIN__INLINE_KERNEL void lin__wf_dot4_q4_avx2(int scaled, size_t mb, size_t k, const float *x,
                                                                  ptrdiff_t x_rs, const void *const w[4],
                                                                  const float *const s[4], float dots[4][4])
{
    const float *x0 = x, *x1 = mb > 1 ? x + x_rs : x;
    const __m256i low = _mm256_set1_epi32(15);
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    __m256 a13 = a00;
    size_t p;
    if (scaled && lin__wf_q4s_scales_ok(s, k / 32u)) {
        __m256i nib = _mm256_setr_epi32(0xf, 0xf0, 0xf00, 0xf000, 0xf0000, 0xf00000, 0xf000000,
                                        -268435456 /* 0xf0000000 */);
        __m256i eight = _mm256_setr_epi32(0x8, 0x80, 0x800, 0x8000, 0x80000, 0x800000, 0x8000000, INT32_MIN);
        __m256 down = _mm256_setr_ps(1.0f, 0.0625f, 0.00390625f, 0.000244140625f, 1.52587890625e-05f,
                                     9.5367431640625e-07f, 5.9604644775390625e-08f, 3.7252902984619141e-09f);
        for (p = 0; p < k; p += 32) {
            /* the constants in registers (GCC -O2 read each from memory at every use: two more
               loads for eight weights, and the loop bound by its loads) */
            LIN__IN_REGISTER(nib);
            LIN__IN_REGISTER(eight);
            LIN__IN_REGISTER(down);
            LIN__WF_PREFETCH(p / 2u, k / 2u)
            LIN__WF256_Q4S_ROW(0) LIN__WF256_Q4S_ROW(1) LIN__WF256_Q4S_ROW(2) LIN__WF256_Q4S_ROW(3)
        }
    } else if (lin__wf_q4_scales_fuse(s, k / 32u)) {
        LIN__WF256_Q4LOOP(LIN__WF256_Q4FUSED)
    } else {
        LIN__WF256_Q4LOOP(LIN__WF256_Q4PLAIN)
    }
    LIN__WF256_STORE(0)
    if (mb > 1) LIN__WF256_STORE(1)
}

static LIN__TARGET_WF void lin__wf_dots_avx2(int form, size_t mb, size_t k, const float *x, ptrdiff_t x_rs,
                                             const void *const w[4], const float *const s[4], float dots[4][4])
{
    size_t i0;
    for (i0 = 0; i0 < mb; i0 += 2) {            /* two rows of x at a time */
        const float *xi = x + (ptrdiff_t)i0 * x_rs;
        float (*d)[4] = dots + i0;
        const int two = mb - i0 > 1;
        switch (form) {
        case LIN__WF_F16:
            if (two) lin__wf_dot4_avx2(LIN__WF_F16, 2, k, xi, x_rs, w, s, d);
            else lin__wf_dot4_avx2(LIN__WF_F16, 1, k, xi, x_rs, w, s, d);
            break;
        case LIN__WF_BF16:
            if (two) lin__wf_dot4_avx2(LIN__WF_BF16, 2, k, xi, x_rs, w, s, d);
            else lin__wf_dot4_avx2(LIN__WF_BF16, 1, k, xi, x_rs, w, s, d);
            break;
        case LIN__WF_Q8S:                       /* x is tame: the four scales too? */
            if (lin__wf_q8_sum_ok(s)) {
                if (two) lin__wf_dot4_avx2(LIN__WF_Q8S, 2, k, xi, x_rs, w, s, d);
                else lin__wf_dot4_avx2(LIN__WF_Q8S, 1, k, xi, x_rs, w, s, d);
                break;
            }
            /* fall through */
        case LIN__WF_Q8:
            if (two) lin__wf_dot4_avx2(LIN__WF_Q8, 2, k, xi, x_rs, w, s, d);
            else lin__wf_dot4_avx2(LIN__WF_Q8, 1, k, xi, x_rs, w, s, d);
            break;
        case LIN__WF_Q4S:
            if (two) lin__wf_dot4_q4_avx2(1, 2, k, xi, x_rs, w, s, d);
            else lin__wf_dot4_q4_avx2(1, 1, k, xi, x_rs, w, s, d);
            break;
        default:
            if (two) lin__wf_dot4_q4_avx2(0, 2, k, xi, x_rs, w, s, d);
            else lin__wf_dot4_q4_avx2(0, 1, k, xi, x_rs, w, s, d);
            break;
        }
    }
}
#endif /* LIN__HAS_AVX2 */

/* Decoded once, at larger batches: past a few rows of x the fused dot
   products decode W again for every group of rows, so blocks of W are
   decoded into the packed micro-kernels' panels (as a prepared layer
   holds them) and every row of x runs against each block. */

/* 8 floats: W's elements at (o, k .. k + 8), decoded: f16, bf16 or q8
   (q4 has lin__wf_pack_q4) */
static LIN__TARGET_WF LIN__INLINE_KERNEL __m256 lin__wf_dec8(int form, const void *w, const float *scale, size_t in,
                                                            size_t o, size_t k)
{
    const size_t at = o * in + k;
    if (form == LIN__WF_F16) {
#if LIN__DISPATCH || defined(__F16C__)
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)w + at)));
#else
        float t[8];
        lin__wf_decode_portable(form, w, scale, in, o, 1, k, 8, t);
        return _mm256_loadu_ps(t);
#endif
    }
    if (form == LIN__WF_BF16)
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)w + at))), 16));
    return _mm256_mul_ps(_mm256_set1_ps(scale[o]), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                                                       _mm_loadl_epi64((const __m128i *)(const void *)((const int8_t *)w + at)))));
}

/* q4's panels: the eight rows o[0 .. 7] at steps k .. k + n (k and n
   multiples of 32) into d, step p's eight at d + p*R, 64 steps at a time.
   Each row's 32 bytes are eight words of eight nibbles (nibble i of a
   word is element i: byte j holds 2j low and 2j + 1 high, x86 is
   little-endian), so a transpose of the eight rows' words puts word c of
   every row in one vector; shifted left then right (arithmetic), each of
   its eight nibbles, flipped in their top bit beforehand, comes out as
   nibble - 8 in every lane at once, and times the rows' scales it is a
   step's eight weights. The same products as lin__wf_dec8's (scale times
   nibble - 8, once), a transpose per 512 weights where that took one per
   64; the rows' scales gathered in registers (eight stores read back as
   one vector stalled the load). Zen 4, -O2, q4w GFLOP/s: AVX-512
   32x1024x1024 86 -> 90; AVX2 8x1024x1024 48 -> 55, 32x1024x1024 78 ->
   82. */
#define LIN__WF_Q4P_STEP(e)                                                                          _mm256_storeu_ps(d + (p + 8u * c + (e)) * R,                                                                      _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(t, 28 - 4 * (e)), 28)), sv));
#define LIN__WF_Q4P_LD256(b) _mm256_loadu_ps((const float *)(const void *)(b))
#define LIN__WF_Q4P_LD128(b) _mm256_castps128_ps256(_mm_loadu_ps((const float *)(const void *)(b)))
#define LIN__WF_Q4P_ROW(q, BITS) LIN__WF_Q4P_LD##BITS(w + (o[q] * in + k + p) / 2u)
static LIN__TARGET_WF void lin__wf_pack_q4(const uint8_t *w, const float *scale, size_t in, const size_t o[8],
                                           size_t k, size_t n, float *d, size_t R)
{
    float words[64];
    size_t p, c;
    for (p = 0; p < n; p += 64) {
        const size_t nc = LIN__MIN(64u, n - p) / 8u;    /* words per row: 8, or 4 in a last 32 steps */
        __m256 sv = _mm256_setzero_ps();
        if (nc == 8)
            lin__transpose8(LIN__WF_Q4P_ROW(0, 256), LIN__WF_Q4P_ROW(1, 256), LIN__WF_Q4P_ROW(2, 256),
                            LIN__WF_Q4P_ROW(3, 256), LIN__WF_Q4P_ROW(4, 256), LIN__WF_Q4P_ROW(5, 256),
                            LIN__WF_Q4P_ROW(6, 256), LIN__WF_Q4P_ROW(7, 256), words, 8);
        else
            lin__transpose8(LIN__WF_Q4P_ROW(0, 128), LIN__WF_Q4P_ROW(1, 128), LIN__WF_Q4P_ROW(2, 128),
                            LIN__WF_Q4P_ROW(3, 128), LIN__WF_Q4P_ROW(4, 128), LIN__WF_Q4P_ROW(5, 128),
                            LIN__WF_Q4P_ROW(6, 128), LIN__WF_Q4P_ROW(7, 128), words, 8);
        for (c = 0; c < nc; ++c) {
            __m256i t = _mm256_xor_si256(_mm256_castps_si256(_mm256_loadu_ps(words + 8u * c)),
                                         _mm256_set1_epi32((int)0x88888888u));
            if (c % 4u == 0) {  /* the rows' scales of this block of 32 steps */
                const float *sb = scale + (k + p) / 32u + c / 4u;
                const size_t nb = in / 32u;
                sv = _mm256_setr_ps(sb[o[0] * nb], sb[o[1] * nb], sb[o[2] * nb], sb[o[3] * nb], sb[o[4] * nb],
                                    sb[o[5] * nb], sb[o[6] * nb], sb[o[7] * nb]);
            }
            LIN__WF_Q4P_STEP(0) LIN__WF_Q4P_STEP(1) LIN__WF_Q4P_STEP(2) LIN__WF_Q4P_STEP(3)
            LIN__WF_Q4P_STEP(4) LIN__WF_Q4P_STEP(5) LIN__WF_Q4P_STEP(6) LIN__WF_Q4P_STEP(7)
        }
    }
}
#undef LIN__WF_Q4P_STEP
#undef LIN__WF_Q4P_LD256
#undef LIN__WF_Q4P_LD128
#undef LIN__WF_Q4P_ROW

/* dst = W's rows j0 .. j0 + rows, steps k0 .. k0 + n, decoded into panels
   of R (a multiple of 8) columns of W^T: panel q at dst + q*R*n, (p, j)
   at [p*R + j], eight rows by eight steps through a transpose; a last
   panel's missing rows repeat W's last (their sums are dropped) */
static LIN__TARGET_WF void lin__wf_pack(int form, const void *w, const float *scale, size_t in, size_t j0,
                                        size_t rows, size_t R, size_t k0, size_t n, float *dst)
{
    const size_t end = (rows + R - 1) / R * R, nv = n & ~(size_t)7;
    size_t g, p, q, o[8];
    float t[8];
    for (g = 0; g < end; g += 8) {
        float *d = dst + g / R * R * n + g % R;
        for (q = 0; q < 8; ++q) o[q] = j0 + LIN__MIN(g + q, rows - 1);
        if (form == LIN__WF_Q4) {
            lin__wf_pack_q4((const uint8_t *)w, scale, in, o, k0, n, d, R);
            continue;
        }
        for (p = 0; p < nv; p += 8)
            lin__transpose8(lin__wf_dec8(form, w, scale, in, o[0], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[1], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[2], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[3], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[4], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[5], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[6], k0 + p),
                            lin__wf_dec8(form, w, scale, in, o[7], k0 + p), d + p * R, (ptrdiff_t)R);
        for (q = 0; q < 8 && nv < n; ++q) {     /* the last n % 8 steps (never q4's) */
            lin__wf_decode_portable(form, w, scale, in, o[q], 1, k0 + nv, n - nv, t);
            for (p = nv; p < n; ++p) d[p * R + q] = t[p - nv];
        }
    }
}

/* The batch from which W is decoded once; below it the fused dot
   products, which decode W again for every four rows of x (AVX-512) or
   two (AVX2) but store nothing: sooner for the forms that cost more to
   decode (measured on Zen 5, 1024x1024 to 4096x4096 and 64x512x512) */
#define LIN__WF_PACK_BATCH(isa, form)                                                            \
    ((isa) == LIN__ISA_AVX512 ? ((form) == LIN__WF_Q4 ? 32u : (form) == LIN__WF_Q8 ? 48u : 64u)   \
                              : ((form) == LIN__WF_Q4 ? 8u : (form) == LIN__WF_Q8 ? 12u : 48u))

/* Rows of W per decoded block: 32 (a block of kc = 192 steps in the
   default budget, so that its sums run long between C's loads) */
#define LIN__WF_PACK_ROWS 32u

/* y (batch, out) = bias + x (batch, in) . W^T through family f's
   micro-kernels that read x's rows in place: each block of W (32 rows by
   all the steps the stack budget holds) decoded once into panels, then
   run against every row of x as a prepared layer's is, the blocks along
   k continuing the sums in y. 0 where f reads no rows in place. */
static LIN__NOINLINE int lin__wf_packed(int form, const lin__family *f, const float *x, const void *w,
                                        const float *scale, const float *bias, float *y, size_t batch, size_t in,
                                        size_t out)
{
    float buf[LIN__BUDGET_FLOATS];
    float *bp = lin__align64(buf);
    const size_t kc = (LIN__BUDGET_FLOATS - 16u) / LIN__WF_PACK_ROWS / 32u * 32u;
    size_t j0, k0;
    lin__mat a;
    if (!f->ukernel_rows || f->nr % 8u || LIN__WF_PACK_ROWS % f->nr) return 0;
    a.rs = (ptrdiff_t)in;
    a.cs = 1;
    for (j0 = 0; j0 < out; j0 += LIN__WF_PACK_ROWS) {
        const size_t r = LIN__MIN(LIN__WF_PACK_ROWS, out - j0);
        for (k0 = 0; k0 < in; k0 += kc) {
            const size_t n = LIN__MIN(kc, in - k0);
            lin__wf_pack(form, w, scale, in, j0, r, f->nr, k0, n, bp);
            a.p = x + k0;                       /* x (batch, k0 .. k0 + n), read in place */
            lin__gemm_packed_blocks(f, n, f->mc_rows, r, NULL, batch, 0, r, n, &a, &a, bp, bias ? bias + j0 : NULL,
                                    1, k0 > 0, y + j0, (ptrdiff_t)out, 1);
        }
    }
    return 1;
}

/* GCOVR_EXCL_BR_STOP */

/* y through the fused dot products where this family has them (AVX-512,
   AVX2): 1, or 0 where it has none (the caller decodes blocks instead).
   W in chunks of about 256 KiB, which each group of four rows of x then
   reads from L2 (at batch 1-4 one group: W read once). */
static int lin__wf_fused(int form, int isa, const float *x, const void *w, const float *scale, const float *bias,
                         float *y, size_t batch, size_t in, size_t out)
{
    lin__wf_dots_fn dots_fn = NULL;
    int kform = form;                           /* the form the dot products take */
#ifdef LIN__HAS_AVX512
    if (isa == LIN__ISA_AVX512) dots_fn = lin__wf_dots_avx512;
#endif
#ifdef LIN__HAS_AVX2
#if LIN__DISPATCH
    if (isa == LIN__ISA_AVX2 && (form != LIN__WF_F16 || (lin__cpu_now() & LIN__CPU_F16C))) dots_fn = lin__wf_dots_avx2;
#elif defined(__F16C__)
    if (isa == LIN__ISA_AVX2) dots_fn = lin__wf_dots_avx2;
#else
    if (isa == LIN__ISA_AVX2 && form != LIN__WF_F16) dots_fn = lin__wf_dots_avx2;
#endif
#endif
    (void)isa;
    if (!dots_fn) return 0;
    if (batch >= LIN__WF_PACK_BATCH(isa, form) &&
        lin__wf_packed(form, lin__family_of(isa), x, w, scale, bias, y, batch, in, out))
        return 1;
#ifdef LIN__HAS_AVX2
    if ((form == LIN__WF_Q8 || form == LIN__WF_Q4) && dots_fn == lin__wf_dots_avx2 &&
        lin__wf_abs_at_most(x, batch * in, 0x5f7fffffu))
        kform = form == LIN__WF_Q8 ? LIN__WF_Q8S : LIN__WF_Q4S;    /* every |x| below 2^64 */
#endif
#ifdef LIN__HAS_AVX512
    if (form == LIN__WF_Q8 && dots_fn == lin__wf_dots_avx512 && lin__wf_abs_at_most512(x, batch * in, 0x5f7fffffu))
        kform = LIN__WF_Q8S;
#endif
    lin__wf_run_dots(dots_fn, form, kform, x, w, scale, bias, y, batch, in, out);
    return 1;
}
#endif /* LIN__WF_X86 */

#if LIN_PACK && defined(LIN__HAS_NEON)
/* The NEON dot products' last steps p .. k of the four rows of W, by
   the scalar decoding, added last to d0 (x0's sums) and, with x1, d1 */
static void lin__wf_tail(int form, size_t k, size_t p, const float *x0, const float *x1, const void *const w[4],
                         const float *const s[4], float d0[4], float d1[4])
{
    float t[8];                                 /* k - p < 8 */
    size_t r, q;
    for (r = 0; r < 4 && p < k; ++r) {
        float t0 = 0.0f, t1 = 0.0f;
        lin__wf_decode_portable(form, w[r], s[r], k, 0, 1, p, k - p, t);
        for (q = p; q < k; ++q) {
            t0 += x0[q] * t[q - p];
            if (x1) t1 += x1[q] * t[q - p];
        }
        d0[r] += t0;
        if (x1) d1[r] += t1;
    }
}
#endif

#if LIN_PACK && defined(LIN__HAS_NEON)
/* The batch up to which aarch64 takes the fused dot products rather than
   decoded blocks: they decode W again for every two rows of x, which
   costs q8 and q4 more (instructions per call, QEMU, 256x256: the same at
   batch 4; f16 and bf16 fewer at batch 8: 376k and 343k against 437k) */
#define LIN__WF_NEON_BATCH(form) ((form) == LIN__WF_Q8 || (form) == LIN__WF_Q4 ? 4u : 8u)
/* GCOVR_EXCL_BR_START: inlined once per form, constants (as above) */
/* aarch64's fused dot products: as the AVX2 ones, four rows of W decoded
   in registers as they are read against two rows of x at a time, eight
   steps of k a pass (q4: a block of 32); halves by fcvtl (exact), bfloat16
   by a widening shift, q8 and q4 widened, converted and times their scale
   (each weight the float the docs decode); the last k % 8 steps decoded
   by the scalar code. */
/* row r's eight weights at p into lo, hi */
#define LIN__WF_NEON_DEC8(r)                                                                     \
    if (form == LIN__WF_F16) {                                                                   \
        const uint16x8_t h = vld1q_u16((const uint16_t *)w[r] + p);                              \
        lo = vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h)));                                \
        hi = vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h)));                               \
    } else if (form == LIN__WF_BF16) {                                                           \
        const uint16x8_t h = vld1q_u16((const uint16_t *)w[r] + p);                              \
        lo = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16));                            \
        hi = vreinterpretq_f32_u32(vshll_n_u16(vget_high_u16(h), 16));                           \
    } else {                                                                                     \
        const float32x4x2_t v = lin__wf_s8x8_f32(vld1_s8((const int8_t *)w[r] + p), s[r][0]);    \
        lo = v.val[0];                                                                           \
        hi = v.val[1];                                                                           \
    }
/* eight weights lo, hi of row r against x0 (and x1) at o */
#define LIN__WF_NEON_FMA8(r, o)                                                                  \
    a0##r = vfmaq_f32(vfmaq_f32(a0##r, vld1q_f32(x0 + (o)), lo), vld1q_f32(x0 + (o) + 4), hi);   \
    if (two) a1##r = vfmaq_f32(vfmaq_f32(a1##r, vld1q_f32(x1 + (o)), lo), vld1q_f32(x1 + (o) + 4), hi);
#define LIN__WF_NEON_ROW8(r) { float32x4_t lo, hi; LIN__WF_NEON_DEC8(r) LIN__WF_NEON_FMA8(r, p) }
/* row r's block of 32 at p: 16 bytes, low and high nibbles zipped into
   elements 0 .. 31, less 8, then as q8 with the block's scale */
#define LIN__WF_NEON_Q4ROW(r)                                                                    \
    {   const uint8x16_t b = vld1q_u8((const uint8_t *)w[r] + p / 2u);                           \
        const uint8x16_t lb = vandq_u8(b, vdupq_n_u8(15)), hb = vshrq_n_u8(b, 4);                \
        const int8x16_t e0 = vsubq_s8(vreinterpretq_s8_u8(vzip1q_u8(lb, hb)), vdupq_n_s8(8));    \
        const int8x16_t e1 = vsubq_s8(vreinterpretq_s8_u8(vzip2q_u8(lb, hb)), vdupq_n_s8(8));    \
        const float sc = s[r][p / 32u];                                                          \
        LIN__WF_NEON_Q4EIGHT(r, vget_low_s8(e0), p) LIN__WF_NEON_Q4EIGHT(r, vget_high_s8(e0), p + 8) \
        LIN__WF_NEON_Q4EIGHT(r, vget_low_s8(e1), p + 16) LIN__WF_NEON_Q4EIGHT(r, vget_high_s8(e1), p + 24) }
/* eight of them (v, int8) times the block's scale against x at o */
#define LIN__WF_NEON_Q4EIGHT(r, v, o)                                                            \
    {   const float32x4x2_t d = lin__wf_s8x8_f32(v, sc);                                         \
        const float32x4_t lo = d.val[0], hi = d.val[1];                                          \
        LIN__WF_NEON_FMA8(r, o) }
/* one or two (two) rows of x at x0, x1 against the four rows of W */
static LIN__INLINE_KERNEL void lin__wf_dot4_neon(int form, int two, size_t k, const float *x0, const float *x1,
                                                 const void *const w[4], const float *const s[4],
                                                 float dots[2][4])
{
    float32x4_t a00 = vdupq_n_f32(0.0f), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
    float32x4_t a13 = a00;
    size_t p = 0;
    if (form == LIN__WF_Q4) {                   /* k a multiple of 32 */
        for (; p < k; p += 32) {
            LIN__WF_NEON_Q4ROW(0) LIN__WF_NEON_Q4ROW(1) LIN__WF_NEON_Q4ROW(2) LIN__WF_NEON_Q4ROW(3)
        }
    } else {
        for (; p + 8 <= k; p += 8) {
            LIN__WF_NEON_ROW8(0) LIN__WF_NEON_ROW8(1) LIN__WF_NEON_ROW8(2) LIN__WF_NEON_ROW8(3)
        }
    }
    dots[0][0] = vaddvq_f32(a00); dots[0][1] = vaddvq_f32(a01);
    dots[0][2] = vaddvq_f32(a02); dots[0][3] = vaddvq_f32(a03);
    if (two) {
        dots[1][0] = vaddvq_f32(a10); dots[1][1] = vaddvq_f32(a11);
        dots[1][2] = vaddvq_f32(a12); dots[1][3] = vaddvq_f32(a13);
    }
    lin__wf_tail(form, k, p, x0, two ? x1 : NULL, w, s, dots[0], dots[1]);   /* the last k % 8 steps */
}
#undef LIN__WF_NEON_DEC8
#undef LIN__WF_NEON_FMA8
#undef LIN__WF_NEON_ROW8
#undef LIN__WF_NEON_Q4ROW
#undef LIN__WF_NEON_Q4EIGHT

static void lin__wf_dots_neon(int form, size_t mb, size_t k, const float *x, ptrdiff_t x_rs,
                              const void *const w[4], const float *const s[4], float dots[4][4])
{
    size_t i0;
    for (i0 = 0; i0 < mb; i0 += 2) {            /* two rows of x at a time */
        const float *x0 = x + (ptrdiff_t)i0 * x_rs, *x1 = x0 + x_rs;
        float (*d)[4] = dots + i0;
#define LIN__WF_NEON_CASE(F)                                                                     \
    case F:                                                                                      \
        if (mb - i0 > 1) lin__wf_dot4_neon(F, 1, k, x0, x1, w, s, d);                            \
        else lin__wf_dot4_neon(F, 0, k, x0, x0, w, s, d);                                        \
        break;
        switch (form) {
        LIN__WF_NEON_CASE(LIN__WF_F16)
        LIN__WF_NEON_CASE(LIN__WF_BF16)
        LIN__WF_NEON_CASE(LIN__WF_Q8)
        default: LIN__WF_NEON_CASE(LIN__WF_Q4)
        }
#undef LIN__WF_NEON_CASE
    }
}
/* GCOVR_EXCL_BR_STOP */
#endif

#ifdef LIN__WF_FPU
/* Cortex-M cores with a single-precision FPU without packing: f16, bf16
   and q8 as fused dot products, four rows of W against one row of x,
   each weight decoded as it is read (halves two a load by the FPU's
   vcvtb and vcvtt, exact; bfloat16 by a shift; q8 converted, exact, and times the row's scale:
   the floats the docs decode) into a fused multiply-add. Before, blocks
   of 4 x 32 were decoded into the stack and run through the float
   kernel. q4 keeps the blocks. */
#define LIN__WF_FPU_W(r, sc)                                                                     \
    (form == LIN__WF_F16 ? lin__f16_to_f32_quick(((const uint16_t *)w[r])[p])                    \
     : form == LIN__WF_BF16 ? lin__f32_from_bits((uint32_t)((const uint16_t *)w[r])[p] << 16)    \
     : (sc) * (float)((const int8_t *)w[r])[p])
/* row r's halves p and p + 1 into lo and hi: one 32-bit load (unaligned
   where the row starts on an odd half, which these cores allow), then
   vcvtb and vcvtt on the two halves of the word */
#if defined(__ARM_BIG_ENDIAN)
#define LIN__WF_FPU_CVT2 "vcvtt.f32.f16 %0, %2\n\tvcvtb.f32.f16 %1, %2"
#else
#define LIN__WF_FPU_CVT2 "vcvtb.f32.f16 %0, %2\n\tvcvtt.f32.f16 %1, %2"
#endif
#define LIN__WF_FPU_F16X2(r, lo, hi)                                                             \
    {   uint32_t u;                                                                              \
        LIN__MEMCPY(&u, (const uint16_t *)w[r] + p, 4);                                          \
        __asm__(LIN__WF_FPU_CVT2 : "=&t"(lo), "=t"(hi) : "t"(lin__f32_from_bits(u)));             \
    }
static LIN__INLINE_KERNEL void lin__wf_dot4_fpu(int form, size_t k, const float *x, const void *const w[4],
                                                const float *const s[4], float dots[4])
{
    const float sc0 = s[0][0], sc1 = s[1][0], sc2 = s[2][0], sc3 = s[3][0];
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    size_t p = 0;
    if (form == LIN__WF_F16)    /* two halves a load: 3 instructions a weight, not 4 */
        for (; p + 2 <= k; p += 2) {
            const float x0 = x[p], x1 = x[p + 1];
            float lo, hi;
            LIN__WF_FPU_F16X2(0, lo, hi) a0 = __builtin_fmaf(x1, hi, __builtin_fmaf(x0, lo, a0));
            LIN__WF_FPU_F16X2(1, lo, hi) a1 = __builtin_fmaf(x1, hi, __builtin_fmaf(x0, lo, a1));
            LIN__WF_FPU_F16X2(2, lo, hi) a2 = __builtin_fmaf(x1, hi, __builtin_fmaf(x0, lo, a2));
            LIN__WF_FPU_F16X2(3, lo, hi) a3 = __builtin_fmaf(x1, hi, __builtin_fmaf(x0, lo, a3));
        }
    for (; p < k; ++p) {
        const float xv = x[p];
        a0 = __builtin_fmaf(xv, LIN__WF_FPU_W(0, sc0), a0);
        a1 = __builtin_fmaf(xv, LIN__WF_FPU_W(1, sc1), a1);
        a2 = __builtin_fmaf(xv, LIN__WF_FPU_W(2, sc2), a2);
        a3 = __builtin_fmaf(xv, LIN__WF_FPU_W(3, sc3), a3);
    }
    dots[0] = a0;
    dots[1] = a1;
    dots[2] = a2;
    dots[3] = a3;
}
#undef LIN__WF_FPU_W
#undef LIN__WF_FPU_F16X2
#undef LIN__WF_FPU_CVT2
#endif

#ifdef LIN__WF_MVE
/* Helium (M55, M85) without packing: bf16 and q8 as fused dot products,
   four rows of W against one row of x, four steps of k a pass, each
   row's four weights widened from memory into the lanes and decoded
   there (bfloat16 by a shift; q8 converted, exact, and times the row's
   scale: the floats the docs decode), the last k % 4 steps through the
   scalar decoding. Before, blocks of 4 x 32 were decoded into the stack
   and run through the float kernel. f16 takes the FPU's (above): the
   vector vcvtb that would widen halves is assembled wrongly by binutils
   2.40 for a source register above q0 (Debian 12's arm-none-eabi: the
   register's bits one place off), which QEMU then runs on another
   register or refuses. q4 keeps the blocks. */
/* four weights at wp, decoded (sc: a q8 row's scale) */
#define LIN__WF_MVE_W(wp, sc)                                                                    \
    (form == LIN__WF_BF16 ? vreinterpretq_f32_u32(vshlq_n_u32(vldrhq_u32((const uint16_t *)(const void *)(wp)), 16)) \
                          : vmulq_n_f32(vcvtq_f32_s32(vldrbq_s32((const int8_t *)(const void *)(wp))), sc))
static LIN__INLINE_KERNEL void lin__wf_dot4_mve(int form, size_t k, const float *x, const void *const w[4],
                                                const float *const s[4], float dots[4])
{
    const size_t step = form == LIN__WF_BF16 ? 8u : 4u;      /* the bytes of four weights */
    const unsigned char *w0 = (const unsigned char *)w[0], *w1 = (const unsigned char *)w[1];
    const unsigned char *w2 = (const unsigned char *)w[2], *w3 = (const unsigned char *)w[3];
    const float sc0 = s[0][0], sc1 = s[1][0], sc2 = s[2][0], sc3 = s[3][0];
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    float t[4];
    size_t p, q, r;
    for (p = 0; p + 4 <= k; p += 4, w0 += step, w1 += step, w2 += step, w3 += step) {
        const float32x4_t xv = vld1q_f32(x + p);
        a0 = vfmaq_f32(a0, xv, LIN__WF_MVE_W(w0, sc0));
        a1 = vfmaq_f32(a1, xv, LIN__WF_MVE_W(w1, sc1));
        a2 = vfmaq_f32(a2, xv, LIN__WF_MVE_W(w2, sc2));
        a3 = vfmaq_f32(a3, xv, LIN__WF_MVE_W(w3, sc3));
    }
    dots[0] = LIN__MVE_SUM(a0);
    dots[1] = LIN__MVE_SUM(a1);
    dots[2] = LIN__MVE_SUM(a2);
    dots[3] = LIN__MVE_SUM(a3);
    for (r = 0; r < 4 && p < k; ++r) {          /* the last k % 4 steps, added last */
        float t0 = 0.0f;
        lin__wf_decode_portable(form, w[r], s[r], k, 0, 1, p, k - p, t);
        for (q = p; q < k; ++q) t0 += x[q] * t[q - p];
        dots[r] += t0;
    }
}
#undef LIN__WF_MVE_W
#endif

#ifdef LIN__WF_FPU
/* the fused dot products of a Cortex-M core with an FPU, one row of x
   at a time: Helium's for bf16 and q8 where there is Helium */
static void lin__wf_dots_m(int form, size_t mb, size_t k, const float *x, ptrdiff_t x_rs, const void *const w[4],
                           const float *const s[4], float dots[4][4])
{
    size_t i;
    for (i = 0; i < mb; ++i, x += x_rs) {
#ifdef LIN__WF_MVE
        if (form == LIN__WF_BF16) lin__wf_dot4_mve(LIN__WF_BF16, k, x, w, s, dots[i]);
        else if (form == LIN__WF_Q8) lin__wf_dot4_mve(LIN__WF_Q8, k, x, w, s, dots[i]);
        else lin__wf_dot4_fpu(LIN__WF_F16, k, x, w, s, dots[i]);
#else
        if (form == LIN__WF_F16) lin__wf_dot4_fpu(LIN__WF_F16, k, x, w, s, dots[i]);
        else if (form == LIN__WF_BF16) lin__wf_dot4_fpu(LIN__WF_BF16, k, x, w, s, dots[i]);
        else lin__wf_dot4_fpu(LIN__WF_Q8, k, x, w, s, dots[i]);
#endif
    }
}
#endif

#if LIN_PACK
/* The decoded block: 16 KiB, less where LIN_STACK_BUDGET is smaller */
#define LIN__WF_FLOATS LIN__MIN((size_t)4096, LIN__BUDGET_FLOATS / 2u / 512u * 512u)

/* y (batch, out) = bias + x (batch, in) . W^T from decoded blocks of W:
   four rows of W per block at batch 1-4 (the dot products take four at
   a time; long runs along k), sixteen past it (each row of x read once
   per sixteen outputs); out of line, so that the fused path keeps the
   block off its stack */
static LIN__NOINLINE void lin__linear_wf_blocks(int form, int isa, const float *x, const void *w, const float *scale,
                                                const float *bias, float *y, size_t batch, size_t in, size_t out)
{
    float buf[LIN__WF_FLOATS];
    const lin__family *f = lin__family_of(isa);
    const size_t rows = batch <= 4 ? 4u : 16u, kc = LIN__WF_FLOATS / rows / 32u * 32u;
    size_t j, k0;
    lin__mat a, b;
    for (j = 0; j < out; j += rows) {
        const size_t r = LIN__MIN(rows, out - j);
        for (k0 = 0; k0 < in; k0 += kc) {
            const size_t n = LIN__MIN(kc, in - k0);
            lin__wf_decode_portable(form, w, scale, in, j, r, k0, n, buf);
            a.p = x + k0;                       /* x (batch, k0 .. k0 + n) */
            a.rs = (ptrdiff_t)in;
            a.cs = 1;
            b.p = buf;                          /* the block's W^T (n, r) */
            b.rs = 1;
            b.cs = (ptrdiff_t)n;
            f->gemv(batch, 0, r, n, &a, &b, bias ? bias + j : NULL, 1, k0 > 0, y + j, (ptrdiff_t)out, 1);
        }
    }
}
#endif

/* y (batch, out) = bias + x (batch, in) . W^T, W of form; checked */
static void lin__linear_wf(int form, const float *x, const void *w, const float *scale, const float *bias,
                           float *y, size_t batch, size_t in, size_t out)
{
    size_t i, j;
    if (!in) {                                  /* the bias as it is (-0 stays -0), or zeros */
        for (i = 0; i < batch; ++i)
            for (j = 0; j < out; ++j) y[i * out + j] = bias ? bias[j] : 0.0f;
        return;
    }
    {
#if LIN_PACK
        const int isa = lin__isa_now();
#ifdef LIN__WF_X86
        if (lin__wf_fused(form, isa, x, w, scale, bias, y, batch, in, out)) return;
#endif
#ifdef LIN__HAS_NEON
        if (isa == LIN__ISA_NEON && batch <= LIN__WF_NEON_BATCH(form)) {
            lin__wf_run_dots(lin__wf_dots_neon, form, form, x, w, scale, bias, y, batch, in, out);
            return;
        }
#endif
        lin__linear_wf_blocks(form, isa, x, w, scale, bias, y, batch, in, out);
#else
        /* blocks of four rows by 32 steps of k decoded (512 bytes of
           stack), each through the float layer's direct kernel (Helium,
           FPU dot products), the first with the bias, the others added */
        float buf[4 * 32];
        size_t k0;
        lin__mat a, b;
#ifdef LIN__WF_FPU
        if (form != LIN__WF_Q4) {
            lin__wf_run_dots(lin__wf_dots_m, form, form, x, w, scale, bias, y, batch, in, out);
            return;
        }
#endif
        for (j = 0; j < out; j += 4) {
            const size_t r = LIN__MIN(4u, out - j);
            for (k0 = 0; k0 < in; k0 += 32) {
                const size_t n = LIN__MIN(32u, in - k0);
                lin__wf_decode_portable(form, w, scale, in, j, r, k0, n, buf);
                a.p = x + k0;                   /* x (batch, k0 .. k0 + n) */
                a.rs = (ptrdiff_t)in;
                a.cs = 1;
                b.p = buf;                      /* the block's W^T (n, r) */
                b.rs = 1;
                b.cs = (ptrdiff_t)n;
                lin__gemm_direct(batch, r, n, &a, &b, bias ? bias + j : NULL, 1, k0 > 0, y + j, (ptrdiff_t)out,
                                 1);
            }
        }
#endif
    }
}

/* The checks of a layer with W of form, in lin_linear_f32's order after
   q4's shape: the sizes, a pointer for every buffer with elements, y
   apart from every input. */
static lin_status lin__check_wf(int form, const float *x, const void *w, const float *scale, const float *bias,
                                const float *y, size_t batch, size_t in, size_t out)
{
    lin__dims d;
    lin__span ys, ins[4];
    size_t wbytes, ns;
    if (form == LIN__WF_Q4 && in % 32u) return LIN_ERR_SHAPE;
    if (!lin__layer_dims(batch, in, out, sizeof(float), &d) || !lin__fits(out, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    wbytes = form == LIN__WF_Q8 ? d.nw : form == LIN__WF_Q4 ? d.nw / 2u : d.nw * 2u;
    ns = form == LIN__WF_Q8 ? out : form == LIN__WF_Q4 ? d.nw / 32u : 0;
    if ((d.nx && !x) || (wbytes && !w) || (ns && !scale) || (d.ny && !y)) return LIN_ERR_NULL;
    lin__fspan(&ys, y, d.ny);
    lin__fspan(&ins[0], x, d.nx);
    lin__span_set(&ins[1], w, wbytes, 1);
    lin__fspan(&ins[2], scale, ns);
    lin__fspan(&ins[3], bias, bias ? out : 0);
    return lin__apart(&ys, 1, ins, 4, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

static lin_status lin__layer_wf(int form, const float *x, const void *w, const float *scale, const float *bias,
                                float *y, size_t batch, size_t in, size_t out)
{
    const lin_status s = lin__check_wf(form, x, w, scale, bias, y, batch, in, out);
    if (s == LIN_OK && batch && out) lin__linear_wf(form, x, w, scale, bias, y, batch, in, out);
    return s;
}

LIN_API lin_status lin_linear_f16w(const float *x, const uint16_t *weight, const float *bias, float *y,
                                   size_t batch, size_t in_features, size_t out_features)
{
    return lin__layer_wf(LIN__WF_F16, x, weight, NULL, bias, y, batch, in_features, out_features);
}

LIN_API lin_status lin_linear_bf16w(const float *x, const uint16_t *weight, const float *bias, float *y,
                                    size_t batch, size_t in_features, size_t out_features)
{
    return lin__layer_wf(LIN__WF_BF16, x, weight, NULL, bias, y, batch, in_features, out_features);
}

LIN_API lin_status lin_linear_q8w(const float *x, const int8_t *weight, const float *scale, const float *bias,
                                  float *y, size_t batch, size_t in_features, size_t out_features)
{
    return lin__layer_wf(LIN__WF_Q8, x, weight, scale, bias, y, batch, in_features, out_features);
}

LIN_API lin_status lin_linear_q4w(const float *x, const uint8_t *weight, const float *scale, const float *bias,
                                  float *y, size_t batch, size_t in_features, size_t out_features)
{
    return lin__layer_wf(LIN__WF_Q4, x, weight, scale, bias, y, batch, in_features, out_features);
}

/* A quantizer's level of weight w at scale sc: w / sc rounded to nearest,
   ties to even, clamped to [lo, hi]; 0 where sc is 0. |w / sc| stays
   under 2^8 (sc is at least max|w| / 127 less a subnormal's rounding). */
static int lin__wf_level(float w, float sc, int lo, int hi)
{
    const float v = sc != 0.0f ? w / sc : 0.0f, a = v < 0.0f ? -v : v;
    float t = (float)(int32_t)a;
    const float d = a - t;                      /* exact */
    int q;
    if (d > 0.5f || (d == 0.5f && ((int32_t)t & 1))) t += 1.0f;
    q = (int)(v < 0.0f ? -t : t);
    return q < lo ? lo : q > hi ? hi : q;
}

/* The common checks of the quantizers: sizes, pointers, q and scale
   apart from weight and from each other, every weight finite. */
static lin_status lin__check_quantize_w(const float *weight, const void *q, size_t qbytes, const float *scale,
                                        size_t ns, size_t nw)
{
    lin__span outs[2], in;
    size_t i;
    if ((nw && (!weight || !q)) || (ns && !scale)) return LIN_ERR_NULL;
    lin__span_set(&outs[0], q, qbytes, 1);
    lin__fspan(&outs[1], scale, ns);
    lin__fspan(&in, weight, nw);
    if (!lin__apart(outs, 2, &in, 1, NULL)) return LIN_ERR_ALIAS;
    for (i = 0; i < nw; ++i)
        if (weight[i] - weight[i] != 0.0f) return LIN_ERR_VALUE;   /* NaN or infinite */
    return LIN_OK;
}

LIN_API lin_status lin_quantize_q8w(const float *weight, int8_t *q, float *scale, size_t in_features,
                                    size_t out_features)
{
    size_t nw, j, p;
    lin_status s;
    if (!lin__mul(in_features, out_features, &nw) || !lin__fits(nw, sizeof(float)) ||
        !lin__fits(out_features, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    if ((s = lin__check_quantize_w(weight, q, nw, scale, out_features, nw)) != LIN_OK) return s;
    for (j = 0; j < out_features; ++j) {
        const float *w = weight + j * in_features;
        int8_t *qj = q + j * in_features;
        float amax = 0.0f, sc;
        for (p = 0; p < in_features; ++p) {
            const float a = w[p] < 0.0f ? -w[p] : w[p];
            if (a > amax) amax = a;
        }
        sc = amax / 127.0f;
        scale[j] = sc;
        for (p = 0; p < in_features; ++p) qj[p] = (int8_t)lin__wf_level(w[p], sc, -127, 127);
    }
    return LIN_OK;
}

LIN_API lin_status lin_quantize_q4w(const float *weight, uint8_t *q, float *scale, size_t in_features,
                                    size_t out_features)
{
    size_t nw, blk, i;
    lin_status s;
    if (in_features % 32u) return LIN_ERR_SHAPE;
    if (!lin__mul(in_features, out_features, &nw) || !lin__fits(nw, sizeof(float))) return LIN_ERR_OVERFLOW;
    if ((s = lin__check_quantize_w(weight, q, nw / 2u, scale, nw / 32u, nw)) != LIN_OK) return s;
    for (blk = 0; blk < nw / 32u; ++blk) {
        const float *w = weight + blk * 32u;
        float m = 0.0f, am = 0.0f, sc;
        for (i = 0; i < 32; ++i) {
            const float a = w[i] < 0.0f ? -w[i] : w[i];
            if (a > am) {
                am = a;
                m = w[i];
            }
        }
        sc = m / -8.0f;
        if (sc == 0.0f) sc = 0.0f;              /* zeros (or a scale that underflows): +0 */
        scale[blk] = sc;
        for (i = 0; i < 16; ++i)                /* element 2i low, 2i + 1 high */
            q[blk * 16u + i] = (uint8_t)((unsigned)(lin__wf_level(w[2 * i], sc, -8, 7) + 8) |
                                         (unsigned)(lin__wf_level(w[2 * i + 1], sc, -8, 7) + 8) << 4);
    }
    return LIN_OK;
}

#endif /* LIN_NO_WFORMATS */

/* ---- rng ---- */

LIN_API uint32_t lin_rng_next_u32(lin_rng *rng)
{
    uint64_t old = rng->state;
    uint32_t xorshifted, rot;
    rng->state = old * UINT64_C(6364136223846793005) + rng->inc;
    xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

LIN_API void lin_rng_seed(lin_rng *rng, uint64_t seed)
{
    rng->state = 0;
    rng->inc = (UINT64_C(0xda3e39cb94b95bdb) << 1) | 1u;  /* one fixed stream */
    lin_rng_next_u32(rng);
    rng->state += seed;
    lin_rng_next_u32(rng);
}

/* An exact float in [-1, 1) on a grid of 2^-23. */
static float lin__rng_signed_unit(lin_rng *rng)
{
    int32_t j = (int32_t)(lin_rng_next_u32(rng) >> 8) - (int32_t)0x800000;
    return (float)j * (1.0f / 8388608.0f);
}

/* The largest float below f (f finite or +inf, not NaN). */
static float lin__float_below(float f)
{
    uint32_t u;
    if (f == 0.0f) return -1.40129846e-45f;
    LIN__MEMCPY(&u, &f, sizeof u);
    u = f > 0.0f ? u - 1u : u + 1u;
    LIN__MEMCPY(&f, &u, sizeof f);
    return f;
}

LIN_API float lin_rng_uniform(lin_rng *rng, float lo, float hi)
{
    /* mid + half*s with s exact: for lo == -hi, mid is 0 and the one
       rounding of half*s cannot differ by FMA contraction or by x87's wider
       registers, so every platform gives the same bits. */
    float s = lin__rng_signed_unit(rng);
    float mid = 0.5f * lo + 0.5f * hi, half = 0.5f * hi - 0.5f * lo;
    float r = mid + half * s;
    if (lo < hi) {
        if (r >= hi) r = lin__float_below(hi);
        if (r < lo) r = lo;
    }
    return r;
}

#if LIN__MATH
LIN_API float lin_rng_normal(lin_rng *rng)
{
    for (;;) {
        float u = lin__rng_signed_unit(rng), v = lin__rng_signed_unit(rng);
        /* u^2, v^2 are exact in double (46-bit integers times 2^-46), so is
           their sum: the accept test is the same everywhere */
        double s = (double)u * u + (double)v * v;
        if (s < 1.0 && s > 0.0) {
            float sf = (float)s;
            return u * LIN_SQRTF(-2.0f * LIN_LOGF(sf) / sf);
        }
    }
}
#endif

/* ---- layer ---- */

static LIN__INLINE_KERNEL lin_status lin__check_layer(size_t in_features, size_t out_features,
                                                      const float *weight, const float *bias, size_t *nw)
{
    lin__span ws, bs;
    if (!lin__mul(out_features, in_features, nw) || !lin__fits(*nw, sizeof(float)) ||
        !lin__fits(out_features, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    if (*nw && !weight) return LIN_ERR_NULL;
    lin__span_set(&ws, weight, *nw, sizeof(float));
    lin__span_set(&bs, bias, out_features, sizeof(float));
    return lin__meet(&ws, &bs) ? LIN_ERR_ALIAS : LIN_OK;
}

#if LIN__MATH || defined(LIN__TORCH_RNG)
/* A generator's fill: the n floats at out (n checked) apart from the
   generator's state (state_bytes at state), which the fill reads and
   writes as it goes. Inline, as the other checks that only compare
   addresses: out of line, GCC took the unwritten out for a read
   (-Wmaybe-uninitialized). */
static LIN__INLINE_KERNEL int lin__fill_apart(const void *out, size_t n, const void *state, size_t state_bytes)
{
    lin__span os, ss;
    lin__span_set(&os, out, n, sizeof(float));
    lin__span_set(&ss, state, 1, state_bytes);
    return !lin__meet(&os, &ss);
}
#endif

#if LIN__MATH
/* A layer's parameters, checked by lin__check_layer, apart from the
   generator that draws them and from *layer (read as they are written) */
static lin_status lin__reset_apart(const lin_layer *layer, size_t nw, const void *state, size_t state_bytes)
{
    return lin__fill_apart(layer->weight, nw, state, state_bytes) &&
                   lin__fill_apart(layer->bias, layer->out_features, state, state_bytes) &&
                   lin__fill_apart(layer->weight, nw, layer, sizeof *layer) &&
                   lin__fill_apart(layer->bias, layer->out_features, layer, sizeof *layer)
               ? LIN_OK
               : LIN_ERR_ALIAS;
}
#endif

LIN_API lin_status lin_layer_init(lin_layer *layer, size_t in_features, size_t out_features,
                                  float *weight, float *bias)
{
    size_t nw;
    lin_status s;
    if (!layer) return LIN_ERR_NULL;
    if ((s = lin__check_layer(in_features, out_features, weight, bias, &nw)) != LIN_OK) return s;
    layer->in_features = in_features;
    layer->out_features = out_features;
    layer->weight = weight;
    layer->bias = bias;
    return LIN_OK;
}

LIN_API lin_status lin_layer_init_explain(size_t in_features, size_t out_features,
                                          const float *weight, const float *bias, char *buf,
                                          size_t buf_size)
{
    size_t nw = 0;
    lin__named w, b;
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s = lin__check_layer(in_features, out_features, weight, bias, &nw);
    if (s == LIN_ERR_OVERFLOW) {
        lin__puts(&m, "a weight (");
        lin__putu(&m, out_features);
        lin__puts(&m, ", ");
        lin__putu(&m, in_features);
        lin__puts(&m, ") or bias has more bytes than size_t can count");
        return s;
    }
    lin__name(&w, "weight", weight, nw, sizeof(float));
    lin__name(&b, "bias", bias, bias ? out_features : 0, sizeof(float));
    return lin__say_buffers(&m, s, &b, 1, &w, 1);
}

#if LIN__MATH
/* The resets' bodies out of line: inlined after an init whose status the
   caller did not test, GCC -O2 took the layer for one maybe unwritten
   (-Wmaybe-uninitialized in the user's build) */
LIN__NOINLINE static lin_status lin__layer_reset(lin_layer *layer, lin_rng *rng)
{
    size_t nw, i;
    float bound;
    lin_status s;
    if (!layer || !rng) return LIN_ERR_NULL;
    s = lin__check_layer(layer->in_features, layer->out_features, layer->weight, layer->bias, &nw);
    if (s == LIN_OK) s = lin__reset_apart(layer, nw, rng, sizeof *rng);
    if (s != LIN_OK) return s;
    /* kaiming_uniform_(a=sqrt(5)): gain sqrt(2/(1+5)), bound = sqrt(3)*gain/sqrt(fan_in) = 1/sqrt(fan_in);
       the bias uses the same bound (0 when fan_in is 0, as PyTorch) */
    bound = layer->in_features ? 1.0f / LIN_SQRTF((float)layer->in_features) : 0.0f;
    for (i = 0; i < nw; ++i) layer->weight[i] = lin_rng_uniform(rng, -bound, bound);
    if (layer->bias)
        for (i = 0; i < layer->out_features; ++i) layer->bias[i] = lin_rng_uniform(rng, -bound, bound);
    return LIN_OK;
}

LIN_API lin_status lin_layer_reset_parameters(lin_layer *layer, lin_rng *rng)
{
    return lin__layer_reset(layer, rng);
}
#endif

/* ---- PyTorch's generator (lin_torch_rng) ---- */
#ifdef LIN__TORCH_RNG

LIN_API void lin_torch_rng_seed(lin_torch_rng *g, uint64_t seed)
{
    uint32_t j;
    if (!g) return;
    g->state[0] = (uint32_t)(seed & 0xFFFFFFFFu);
    for (j = 1; j < 624; ++j)
        g->state[j] = (uint32_t)(1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j);
    g->next = 624;
    g->has_normal = 0;
    g->normal = 0.0;
}

/* mt19937: the 624 words of state twisted at once, then tempered one by one. */
LIN_API uint32_t lin_torch_rng_u32(lin_torch_rng *g)
{
    uint32_t y;
    if (g->next >= 624) {
        uint32_t k;
        for (k = 0; k < 624; ++k) {
            y = (g->state[k] & 0x80000000u) | (g->state[k + 1 < 624 ? k + 1 : 0] & 0x7FFFFFFFu);
            g->state[k] = g->state[k + 397 < 624 ? k + 397 : k + 397 - 624] ^ (y >> 1) ^
                          ((y & 1u) ? 0x9908B0DFu : 0u);
        }
        g->next = 0;
    }
    y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C5680u;
    y ^= (y << 15) & 0xEFC60000u;
    return y ^ (y >> 18);
}

/* torch.rand's float in [0, 1): 24 bits of a word, exact. */
static float lin__torch_unit(lin_torch_rng *g)
{
    return (float)(lin_torch_rng_u32(g) & 0xFFFFFFu) * (1.0f / 16777216.0f);
}

/* a * b + c rounded once to float, as an FMA instruction gives it, without
   one: the product of two floats is exact in double; the double sum s and
   its exact error e (two-sum) give the float unless s lies exactly halfway
   between two floats with e != 0, where the float on e's side is the one. No
   float product meets a float add here, so contraction cannot change it. */
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ == 2
typedef long double lin__torch_wide;    /* x87: its own precision, so two-sum holds */
#else
typedef double lin__torch_wide;
#endif
static float lin__torch_fma(float a, float b, float c)
{
    lin__torch_wide p = (lin__torch_wide)a * b, s = p + c, bp = s - p;
    lin__torch_wide e = (p - (s - bp)) + (c - bp);
    float f = (float)s;
    if (e != 0 && s != f) {
        lin__torch_wide other = 2 * s - f;         /* the neighbour, if s is halfway */
        if ((lin__torch_wide)(float)other == other && (e > 0) == (other > f)) f = (float)other;
    }
    return f;
}

/* g and out[n]: LIN_ERR_NULL, LIN_ERR_OVERFLOW (n floats' bytes),
   LIN_ERR_ALIAS (out over *g) */
static LIN__INLINE_KERNEL lin_status lin__torch_fill_check(const lin_torch_rng *g, const void *out, size_t n)
{
    lin_status s;
    if (!g) return LIN_ERR_NULL;
    if ((s = lin__check_buffer(out, n)) != LIN_OK) return s;
    return lin__fill_apart(out, n, g, sizeof *g) ? LIN_OK : LIN_ERR_ALIAS;
}

LIN_API lin_status lin_torch_rand_f32(lin_torch_rng *g, float *out, size_t n)
{
    size_t i;
    lin_status s = lin__torch_fill_check(g, out, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) out[i] = lin__torch_unit(g);
    return LIN_OK;
}

LIN_API lin_status lin_torch_uniform_f32(lin_torch_rng *g, float *out, size_t n, double from,
                                         double to)
{
    const double fmax = 3.4028234663852886e38;   /* FLT_MAX */
    size_t i;
    float f, d;
    lin_status s = lin__torch_fill_check(g, out, n);
    if (s != LIN_OK) return s;
    /* PyTorch: from <= to, both finite, to - from <= FLT_MAX */
    if (!(from <= to) || !(from >= -fmax) || !(to <= fmax) || !(to - from <= fmax))
        return LIN_ERR_VALUE;
    f = (float)from;
    d = (float)to - f;
    if (!((double)d <= fmax)) return LIN_ERR_VALUE;
    for (i = 0; i < n; ++i) out[i] = lin__torch_fma(lin__torch_unit(g), d, f);
    return LIN_OK;
}

#if LIN__MATH
LIN__NOINLINE static lin_status lin__torch_reset(lin_layer *layer, lin_torch_rng *g)
{
    size_t nw;
    double fan_in, wb, bb;
    lin_status s;
    if (!layer || !g) return LIN_ERR_NULL;
    s = lin__check_layer(layer->in_features, layer->out_features, layer->weight, layer->bias, &nw);
    if (s == LIN_OK) s = lin__reset_apart(layer, nw, g, sizeof *g);
    if (s != LIN_OK) return s;
    /* Python's doubles: gain = sqrt(2 / (1 + sqrt(5)**2)) (a constant, so
       no contraction of 1 + a*a can move it), std = gain / sqrt(fan_in),
       bound = sqrt(3) * std; the bias's 1 / sqrt(fan_in), 0 for fan_in 0 */
    fan_in = (double)layer->in_features;
    wb = fan_in > 0.0 ? LIN_SQRT(3.0) * (0.5773502691896257 / LIN_SQRT(fan_in)) : 0.0;
    bb = fan_in > 0.0 ? 1.0 / LIN_SQRT(fan_in) : 0.0;
    if (nw) lin_torch_uniform_f32(g, layer->weight, nw, -wb, wb);
    if (layer->bias) lin_torch_uniform_f32(g, layer->bias, layer->out_features, -bb, bb);
    return LIN_OK;
}

LIN_API lin_status lin_torch_reset_parameters(lin_layer *layer, lin_torch_rng *g)
{
    return lin__torch_reset(layer, g);
}
#endif

#ifdef LIN__TORCH_RANDN
/* log(x) for x in [2^-24, 1] as PyTorch's AVX2 kernel computes it (the
   cephes polynomial of avx_mathfun.h, with the multiply-adds GCC fuses
   there: the Horner steps, y*z + e*q1, x + e*q2; z*0.5 is exact). */
static float lin__torch_log(float v)
{
    uint32_t b;
    float x, e, y, z;
    LIN__MEMCPY(&b, &v, sizeof b);
    e = (float)((int32_t)(b >> 23) - 127) + 1.0f;
    b = (b & 0x807FFFFFu) | 0x3F000000u;             /* the mantissa in [0.5, 1) */
    LIN__MEMCPY(&x, &b, sizeof x);
    if (x < 0.707106781186547524f) {
        e -= 1.0f;
        x = (x - 1.0f) + x;                          /* exact */
    } else {
        x = x - 1.0f;
    }
    z = x * x;
    y = lin__torch_fma(7.0376836292E-2f, x, -1.1514610310E-1f);
    y = lin__torch_fma(y, x, 1.1676998740E-1f);
    y = lin__torch_fma(y, x, -1.2420140846E-1f);
    y = lin__torch_fma(y, x, 1.4249322787E-1f);
    y = lin__torch_fma(y, x, -1.6668057665E-1f);
    y = lin__torch_fma(y, x, 2.0000714765E-1f);
    y = lin__torch_fma(y, x, -2.4999993993E-1f);
    y = lin__torch_fma(y, x, 3.3333331174E-1f);
    y = y * x;
    y = lin__torch_fma(y, z, e * -2.12194440e-4f);
    y = y - 0.5f * z;
    return lin__torch_fma(e, 0.693359375f, x + y);
}

/* sin and cos of t in [0, 2*pi) as PyTorch's AVX2 sincos: octant j, the
   three-part reduction by pi/4 and the two cephes polynomials. */
static void lin__torch_sincos(float t, float *sn, float *cs)
{
    int32_t j = (int32_t)(t * 1.27323954473516f);
    float x = t, y, z, c, p;
    j = (j + 1) & ~(int32_t)1;
    y = (float)j;
    x = lin__torch_fma(y, -0.78515625f, x);
    x = lin__torch_fma(y, -2.4187564849853515625e-4f, x);
    x = lin__torch_fma(y, -3.77489497744594108e-8f, x);
    z = x * x;
    c = lin__torch_fma(2.443315711809948E-005f, z, -1.388731625493765E-003f);
    c = lin__torch_fma(c, z, 4.166664568298827E-002f);
    c = c * z;
    c = lin__torch_fma(c, z, -(0.5f * z)) + 1.0f;
    p = lin__torch_fma(-1.9515295891E-4f, z, 8.3321608736E-3f);
    p = lin__torch_fma(p, z, -1.6666654611E-1f);
    p = p * z;
    p = lin__torch_fma(p, x, x);
    /* octants 0, 3, 4, 7 (j & 2 == 0): sin from the odd polynomial */
    if ((j & 2) == 0) {
        *sn = p + 0.0f;
        *cs = c + 0.0f;
    } else {
        *sn = c + 0.0f;
        *cs = p + 0.0f;
    }
    if (j & 4) *sn = -*sn;
    if (!((j - 2) & 4)) *cs = -*cs;
}

/* d[16] (uniforms in [0, 1)) -> 16 normals: PyTorch's normal_fill_16_AVX2. */
static void lin__torch_normal16(float *d)
{
    int j;
    for (j = 0; j < 8; ++j) {
        float r = (float)LIN_SQRT((double)(-2.0f * lin__torch_log(1.0f - d[j])));
        float sn, cs;
        lin__torch_sincos(6.2831854820251465f * d[j + 8], &sn, &cs);
        d[j] = r * cs;
        d[j + 8] = r * sn;
    }
}

/* 53 bits of two words (the first high), in [0, 1): the double uniform. */
static double lin__torch_unit53(lin_torch_rng *g)
{
    uint32_t hi = lin_torch_rng_u32(g), lo = lin_torch_rng_u32(g);
    return (double)((((uint64_t)hi << 32) | lo) & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

LIN_API lin_status lin_torch_randn_f32(lin_torch_rng *g, float *out, size_t n)
{
    size_t i;
    lin_status s = lin__torch_fill_check(g, out, n);
    if (s != LIN_OK) return s;
    if (n < 16) {
        for (i = 0; i < n; ++i) {
            double u1, u2, r, theta;
            if (g->has_normal) {
                out[i] = (float)g->normal;
                g->has_normal = 0;
                continue;
            }
            u1 = lin__torch_unit53(g);
            u2 = lin__torch_unit53(g);
            r = LIN_SQRT(-2.0 * LIN_LOG1P(-u2));
            theta = 6.283185307179586 * u1;          /* 2 * pi, exact in double */
            g->normal = r * LIN_SIN(theta);
            g->has_normal = 1;
            out[i] = (float)(r * LIN_COS(theta));
        }
        return LIN_OK;
    }
    for (i = 0; i < n; ++i) out[i] = lin__torch_unit(g);
    for (i = 0; i + 16 <= n; i += 16) lin__torch_normal16(out + i);
    if (n % 16) {
        for (i = n - 16; i < n; ++i) out[i] = lin__torch_unit(g);
        lin__torch_normal16(out + n - 16);
    }
    return LIN_OK;
}
#endif
#endif /* LIN__TORCH_RNG */

LIN_API lin_tensor lin_layer_weight(const lin_layer *layer)
{
    if (!layer) return lin__invalid_view();
    return lin_matrix(layer->weight, layer->out_features, layer->in_features);
}

LIN_API lin_tensor lin_layer_bias(const lin_layer *layer)
{
    if (!layer) return lin__invalid_view();
    return lin_vector(layer->bias, layer->out_features);
}

LIN_API lin_status lin_layer_forward(const lin_layer *layer, const lin_tensor *x, lin_tensor *y)
{
    lin_tensor w, b;
    if (!layer) return LIN_ERR_NULL;
    w = lin_layer_weight(layer);
    b = lin_layer_bias(layer);
    return lin_linear(x, &w, layer->bias ? &b : NULL, y);
}

LIN_API lin_status lin_layer_forward_explain(const lin_layer *layer, const lin_tensor *x,
                                             const lin_tensor *y, char *buf, size_t buf_size)
{
    lin_tensor w, b;
    lin__plan p;
    lin__msg m = lin__msg_start(buf, buf_size);
    if (!layer || !y) {
        lin__puts(&m, !layer ? "layer is NULL" : "y is NULL");
        return LIN_ERR_NULL;
    }
    w = lin_layer_weight(layer);
    b = lin_layer_bias(layer);
    return lin__validate_linear(x, &w, layer->bias ? &b : NULL, y, "y", &m, &p);
}

/* ---- activations ---- */

/* y and x either the same buffer (in place) or apart; inlined, so that
   GCC sees the loops after it never run on the counts it refuses (a
   call out of line left -Waggressive-loop-optimizations false alarms at
   -O1 in callers passing such counts) */
static LIN__INLINE_KERNEL lin_status lin__check_elementwise(const float *in, float *out, size_t n)
{
    lin_status s;
    lin__span is, os;
    if ((s = lin__check_buffer(in, n)) != LIN_OK) return s;
    if ((s = lin__check_buffer(out, n)) != LIN_OK) return s;
    lin__fspan(&is, in, n);
    lin__fspan(&os, out, n);
    return (const float *)out != in && lin__meet(&is, &os) ? LIN_ERR_ALIAS : LIN_OK;
}

/* ReLU, ReLU6 and LeakyReLU need no libm */
LIN_API lin_status lin_relu_f32(const float *x, float *y, size_t n)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
    return LIN_OK;
}

LIN_API lin_status lin_relu6_f32(const float *x, float *y, size_t n)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i] > 6.0f ? 6.0f : x[i];
    return LIN_OK;
}

LIN_API lin_status lin_leaky_relu_f32(const float *x, float *y, size_t n, float negative_slope)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * negative_slope;
    return LIN_OK;
}

#if defined(LIN_TANHF)
LIN_API lin_status lin_tanh_f32(const float *x, float *y, size_t n)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = LIN_TANHF(x[i]);
    return LIN_OK;
}
#endif

#if LIN__MATH
LIN_API lin_status lin_sigmoid_f32(const float *x, float *y, size_t n)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + LIN_EXPF(-x[i]));
    return LIN_OK;
}

LIN_API lin_status lin_silu_f32(const float *x, float *y, size_t n)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) y[i] = x[i] / (1.0f + LIN_EXPF(-x[i]));
    return LIN_OK;
}

/* the largest of x[0..n) (n >= 1); a NaN anywhere in the row makes its
   sum of exponentials NaN, so every output NaN, as PyTorch's */
static float lin__row_max(const float *x, size_t n)
{
    float m = x[0];
    size_t j;
    for (j = 1; j < n; ++j)
        if (x[j] > m) m = x[j];
    return m;
}

LIN_API lin_status lin_softmax_f32(const float *x, float *y, size_t rows, size_t n)
{
    size_t count, r, j;
    lin_status s = lin__mul(rows, n, &count) ? lin__check_elementwise(x, y, count) : LIN_ERR_OVERFLOW;
    if (s != LIN_OK) return s;
    for (r = 0; r < count; r += n) {   /* count 0 when n is */
        const float m = lin__row_max(x + r, n);
        float sum = 0.0f, inv;
        for (j = r; j < r + n; ++j) {
            y[j] = LIN_EXPF(x[j] - m);
            sum += y[j];
        }
        inv = 1.0f / sum;
        for (j = r; j < r + n; ++j) y[j] *= inv;
    }
    return LIN_OK;
}

LIN_API lin_status lin_log_softmax_f32(const float *x, float *y, size_t rows, size_t n)
{
    size_t count, r, j;
    lin_status s = lin__mul(rows, n, &count) ? lin__check_elementwise(x, y, count) : LIN_ERR_OVERFLOW;
    if (s != LIN_OK) return s;
    for (r = 0; r < count; r += n) {
        const float m = lin__row_max(x + r, n);
        float sum = 0.0f, lse;
        for (j = r; j < r + n; ++j) sum += LIN_EXPF(x[j] - m);
        lse = LIN_LOGF(sum);
        for (j = r; j < r + n; ++j) y[j] = (x[j] - m) - lse;
    }
    return LIN_OK;
}
#endif /* LIN__MATH */

/* GELU 'tanh''s constants as PyTorch writes them: sqrt(2/pi), 0.044715 */
#define LIN__GELU_BETA 0.79788456080286536f
#define LIN__GELU_KAPPA 0.044715f
#if defined(LIN_TANHF) && defined(LIN_ERFF)
LIN_API lin_status lin_gelu_f32(const float *x, float *y, size_t n, int approximate)
{
    size_t i;
    lin_status s = lin__check_elementwise(x, y, n);
    if (s != LIN_OK) return s;
    if (approximate != LIN_GELU_NONE && approximate != LIN_GELU_TANH) return LIN_ERR_VALUE;
    for (i = 0; i < n; ++i) {
        const float v = x[i];
        if (approximate == LIN_GELU_TANH)
            y[i] = 0.5f * v * (1.0f + LIN_TANHF(LIN__GELU_BETA * (v + LIN__GELU_KAPPA * (v * v * v))));
        else
            y[i] = v * 0.5f * (1.0f + LIN_ERFF(v * 0.70710678118654752f));
    }
    return LIN_OK;
}
#endif

#ifndef LIN_NO_TRAIN
/* ---- training: buffers ---- */

/* The leading dims of t (all but the last) as rows of one strided matrix,
   when they fold (a contiguous batch does): *rows and their stride. */
static int lin__fold_rows(const lin_tensor *t, size_t *rows, ptrdiff_t *rs)
{
    size_t n = 1;
    ptrdiff_t s = 0;
    int d;
    for (d = t->ndim - 2; d >= 0; --d) {
        if (t->shape[d] == 1) continue;
        if (n > 1 && t->stride[d] != (ptrdiff_t)n * s) return 0;
        if (n == 1) s = t->stride[d];
        n *= t->shape[d];
    }
    *rows = lin__prod(t->ndim - 1 < 0 ? 0 : t->ndim - 1, t->shape);
    *rs = s;
    return 1;
}


LIN_API lin_status lin_zero_f32(float *p, size_t n)
{
    size_t i;
    lin_status s = lin__check_buffer(p, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) p[i] = 0.0f;
    return LIN_OK;
}

/* ---- training: backward ---- */

/* acc (nj) += row (nj), row's elements cs apart; nj 64 with cs 1 is a
   loop of constant length, which GCC vectorises at -O2 */
static LIN__INLINE_KERNEL void lin__add_row(float *acc, const float *row, size_t nj, ptrdiff_t cs)
{
    size_t j;
    if (cs == 1 && nj == 64)
        for (j = 0; j < 64; ++j) acc[j] += row[j];
    else
        for (j = 0; j < nj; ++j) acc[j] += row[(ptrdiff_t)j * cs];
}

/* dst (n) += the column sums of G (rows, n): each sum taken first, the rows
   in order, then added, as autograd accumulates .grad. G's element (row,
   j) is at g[off(row) + j*cs], the rows running row-major over the leading
   dims (nd, shape, stride). 64 columns at a time, so each row is read along
   its length and the sums stay independent (vectorisable). */
static void lin__colsum_add(size_t n, const float *g, ptrdiff_t cs, int nd, const size_t *shape,
                            const ptrdiff_t *stride, float *dst, ptrdiff_t ds)
{
    float acc[64];
    size_t idx[LIN_MAX_DIMS], rows = lin__prod(nd, shape), j0, j, nj, r;
    int d;
    for (j0 = 0; j0 < n; j0 += nj) {
        const float *g0 = rows ? g + (ptrdiff_t)j0 * cs : NULL;    /* no rows: g may be NULL */
        nj = LIN__MIN(64, n - j0);
        for (j = 0; j < nj; ++j) acc[j] = 0.0f;
        if (nd == 1) {                  /* one dim of rows: a stride */
            for (r = 0; r < rows; ++r) lin__add_row(acc, g0 + (ptrdiff_t)r * stride[0], nj, cs);
        } else if (rows) {
            for (d = 0; d < nd; ++d) idx[d] = 0;
            do lin__add_row(acc, g0 + lin__offset(idx, stride, nd), nj, cs);
            while (lin__step(idx, shape, nd));
        }
        for (j = 0; j < nj; ++j) dst[(ptrdiff_t)(j0 + j) * ds] += acc[j];
    }
}

/* The checks of lin_linear_backward; msg as lin_linear_explain's. */
static lin_status lin__validate_backward(const lin_tensor *x, const lin_tensor *weight,
                                         const lin_tensor *grad_y, const lin_tensor *grad_x,
                                         const lin_tensor *grad_weight, const lin_tensor *grad_bias,
                                         lin__msg *msg, lin__plan *p)
{
    static const char *const names[6] = {"x", "weight", "grad_y", "grad_x", "grad_weight", "grad_bias"};
    const lin_tensor *t[6];
    lin__view v[6];
    lin_tensor wt;
    lin_status s;
    size_t out_f;
    t[0] = x;
    t[1] = weight;
    t[2] = grad_y;
    t[3] = grad_x;
    t[4] = grad_weight;
    t[5] = grad_bias;
    if ((s = lin__views_check(v, t, names, 3, 6, msg)) != LIN_OK) return s;
    if (weight->ndim != 2 || x->ndim == 0) {
        lin__puts(msg, weight->ndim != 2 ? "weight must be 2-D, but it is "
                                         : "x must be at least 1-D, but it is ");
        lin__putu(msg, (size_t)(weight->ndim != 2 ? weight->ndim : x->ndim));
        lin__puts(msg, "-D");
        return LIN_ERR_RANK;
    }
    wt = lin_transpose(weight);
    if ((s = lin__plan_shapes(x, &wt, msg, p)) != LIN_OK) return s;
    out_f = weight->shape[0];
    if ((s = lin__check_shape(grad_y, "grad_y", p->out_ndim, p->out_shape, "the output", msg)) != LIN_OK ||
        (grad_x && (s = lin__check_shape(grad_x, "grad_x", x->ndim, x->shape, "x", msg)) != LIN_OK) ||
        (grad_weight &&
         (s = lin__check_shape(grad_weight, "grad_weight", 2, weight->shape, "weight", msg)) != LIN_OK) ||
        (grad_bias && (s = lin__check_shape(grad_bias, "grad_bias", 1, &out_f, "the bias", msg)) != LIN_OK))
        return s;
    return lin__views_apart(v + 3, 3, v, 3, msg);
}

LIN_API lin_status lin_linear_backward_explain(const lin_tensor *x, const lin_tensor *weight,
                                               const lin_tensor *grad_y, const lin_tensor *grad_x,
                                               const lin_tensor *grad_weight,
                                               const lin_tensor *grad_bias, char *buf,
                                               size_t buf_size)
{
    lin__plan p;
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__validate_backward(x, weight, grad_y, grad_x, grad_weight, grad_bias, &m, &p);
}

LIN_API lin_status lin_linear_backward(const lin_tensor *x, const lin_tensor *weight,
                                       const lin_tensor *grad_y, lin_tensor *grad_x,
                                       lin_tensor *grad_weight, lin_tensor *grad_bias)
{
    lin__plan p;
    lin__gemm_op op;
    lin_status s;
    size_t rows, in_f, out_f;
    ptrdiff_t x_rs, gy_rs, gx_rs, gy_cs;
    if (!x || !weight || !grad_y) return LIN_ERR_NULL;  /* also checked below: lets GCC see it */
    s = lin__validate_backward(x, weight, grad_y, grad_x, grad_weight, grad_bias, NULL, &p);
    if (s != LIN_OK) return s;
    out_f = weight->shape[0];
    in_f = weight->shape[1];

    gy_cs = grad_y->stride[grad_y->ndim - 1];
    if (lin__fold_rows(x, &rows, &x_rs) && lin__fold_rows(grad_y, &rows, &gy_rs) &&
        (!grad_x || lin__fold_rows(grad_x, &rows, &gx_rs))) {
        if (grad_x && rows && in_f) {   /* grad_x (rows, in) = grad_y (rows, out) . W (out, in) */
            lin__op_init(&op, LIN__SET, rows, in_f, out_f);
            lin__mat_strided(&op.a, grad_y->data, gy_rs, gy_cs);
            lin__mat_view(&op.b, weight, 0, 0);
            lin__dst_strided(&op.c, grad_x->data, gx_rs, grad_x->stride[grad_x->ndim - 1]);
            lin__gemm(&op);
        }
        if (grad_weight && out_f && in_f) { /* grad_W (out, in) += grad_y^T (out, rows) . x (rows, in) */
            lin__op_init(&op, LIN__ADD, out_f, in_f, rows);
            lin__mat_strided(&op.a, grad_y->data, gy_cs, gy_rs);
            lin__mat_strided(&op.b, x->data, x_rs, x->stride[x->ndim - 1]);
            lin__dst_view(&op.c, grad_weight, 0);
            lin__gemm(&op);
        }
    } else if (in_f) {                  /* leading dims that do not fold: a row at a time */
        size_t idx[LIN_MAX_DIMS];
        int nd = x->ndim - 1, d;
        for (d = 0; d < nd; ++d) idx[d] = 0;
        if (lin__prod(nd, x->shape)) {
            do {
                const float *gyr = grad_y->data + lin__offset(idx, grad_y->stride, nd);
                if (grad_x) {           /* grad_x row (1, in) = grad_y row (1, out) . W (out, in) */
                    lin__op_init(&op, LIN__SET, 1, in_f, out_f);
                    lin__mat_strided(&op.a, gyr, 0, gy_cs);
                    lin__mat_view(&op.b, weight, 0, 0);
                    lin__dst_strided(&op.c, grad_x->data + lin__offset(idx, grad_x->stride, nd), 0,
                                     grad_x->stride[nd]);
                    lin__gemm(&op);
                }
                if (grad_weight && out_f) { /* grad_W (out, in) += grad_y row^T (out, 1) . x row (1, in) */
                    lin__op_init(&op, LIN__ADD, out_f, in_f, 1);
                    lin__mat_strided(&op.a, gyr, gy_cs, 0);
                    lin__mat_strided(&op.b, x->data + lin__offset(idx, x->stride, nd), 0, x->stride[nd]);
                    lin__dst_view(&op.c, grad_weight, 0);
                    lin__gemm(&op);
                }
            } while (lin__step(idx, x->shape, nd));
        }
    }
    if (grad_bias)                      /* grad_b += the column sums of grad_y */
        lin__colsum_add(out_f, grad_y->data, gy_cs, grad_y->ndim - 1, grad_y->shape, grad_y->stride,
                        grad_bias->data, grad_bias->stride[0]);
    return LIN_OK;
}

/* The buffers of lin_linear_backward_f32: x, weight, grad_y read;
   grad_x, grad_weight, grad_bias written (each may be NULL). */
static void lin__backward_f32_names(lin__named o[3], lin__named i[3], const float *x, const float *weight,
                                    const float *grad_y, const float *grad_x, const float *grad_weight,
                                    const float *grad_bias, size_t out_features, const lin__dims *d)
{
    lin__name(&i[0], "x", x, d->nx, sizeof(float));
    lin__name(&i[1], "weight", weight, d->nw, sizeof(float));
    lin__name(&i[2], "grad_y", grad_y, d->ny, sizeof(float));
    lin__name(&o[0], "grad_x", grad_x, grad_x ? d->nx : 0, sizeof(float));
    lin__name(&o[1], "grad_weight", grad_weight, grad_weight ? d->nw : 0, sizeof(float));
    lin__name(&o[2], "grad_bias", grad_bias, grad_bias ? out_features : 0, sizeof(float));
}

static lin_status lin__check_backward_f32(const float *x, const float *weight, const float *grad_y,
                                          const float *grad_x, const float *grad_weight,
                                          const float *grad_bias, size_t batch, size_t in_features,
                                          size_t out_features, lin__dims *d)
{
    lin__span outs[3], ins[3];
    if (!lin__layer_dims(batch, in_features, out_features, sizeof(float), d) ||
        !lin__fits(out_features, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    if ((d->nx && !x) || (d->nw && !weight) || (d->ny && !grad_y)) return LIN_ERR_NULL;
    lin__fspan(&ins[0], x, d->nx);
    lin__fspan(&ins[1], weight, d->nw);
    lin__fspan(&ins[2], grad_y, d->ny);
    lin__fspan(&outs[0], grad_x, d->nx);
    lin__fspan(&outs[1], grad_weight, d->nw);
    lin__fspan(&outs[2], grad_bias, out_features);
    return lin__apart(outs, 3, ins, 3, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

LIN_API lin_status lin_linear_backward_f32_explain(const float *x, const float *weight,
                                                   const float *grad_y, const float *grad_x,
                                                   const float *grad_weight, const float *grad_bias,
                                                   size_t batch, size_t in_features,
                                                   size_t out_features, char *buf, size_t buf_size)
{
    lin__dims d;
    lin__named o[3], i[3];
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s = lin__check_backward_f32(x, weight, grad_y, grad_x, grad_weight, grad_bias, batch,
                                           in_features, out_features, &d);
    if (s == LIN_ERR_OVERFLOW) return lin__say_dims(&m, batch, in_features, out_features);
    lin__backward_f32_names(o, i, x, weight, grad_y, grad_x, grad_weight, grad_bias, out_features, &d);
    return lin__say_buffers(&m, s, o, 3, i, 3);
}

LIN_API lin_status lin_linear_backward_f32(const float *x, const float *weight, const float *grad_y,
                                           float *grad_x, float *grad_weight, float *grad_bias,
                                           size_t batch, size_t in_features, size_t out_features)
{
    lin__dims d;
    lin__gemm_op op;
    size_t rows[1];
    ptrdiff_t rs[1];
    lin_status s = lin__check_backward_f32(x, weight, grad_y, grad_x, grad_weight, grad_bias, batch,
                                           in_features, out_features, &d);
    if (s != LIN_OK) return s;
    if (grad_x && d.nx) {               /* grad_x (batch, in) = grad_y (batch, out) . W (out, in) */
        lin__op_init(&op, LIN__SET, batch, in_features, out_features);
        lin__mat_rows(&op.a, grad_y, out_features);
        lin__mat_rows(&op.b, weight, in_features);
        lin__dst_rows(&op.c, grad_x, in_features);
        lin__gemm(&op);
    }
    if (grad_weight && d.nw) {          /* grad_W (out, in) += grad_y^T (out, batch) . x (batch, in) */
        lin__op_init(&op, LIN__ADD, out_features, in_features, batch);
        lin__mat_rows_t(&op.a, grad_y, out_features);
        lin__mat_rows(&op.b, x, in_features);
        lin__dst_rows(&op.c, grad_weight, in_features);
        lin__gemm(&op);
    }
    if (grad_bias) {                    /* grad_b += the column sums of grad_y */
        rows[0] = batch;
        rs[0] = (ptrdiff_t)out_features;
        lin__colsum_add(out_features, grad_y, 1, 1, rows, rs, grad_bias, 1);
    }
    return LIN_OK;
}

/* The checks of lin_matmul_backward; msg as lin_matmul_explain's. */
static lin_status lin__validate_matmul_backward(const lin_tensor *a, const lin_tensor *b,
                                                const lin_tensor *grad_out, const lin_tensor *grad_a,
                                                const lin_tensor *grad_b, lin__msg *msg, lin__plan *p)
{
    static const char *const names[5] = {"a", "b", "grad_out", "grad_a", "grad_b"};
    const lin_tensor *t[5];
    lin__view v[5];
    lin_status s;
    t[0] = a;
    t[1] = b;
    t[2] = grad_out;
    t[3] = grad_a;
    t[4] = grad_b;
    if ((s = lin__views_check(v, t, names, 3, 5, msg)) != LIN_OK) return s;
    if (a->ndim == 0 || b->ndim == 0) return lin__rank_error(msg, "matmul", a->ndim, b->ndim);
    if ((s = lin__plan_shapes(a, b, msg, p)) != LIN_OK) return s;
    if ((s = lin__check_shape(grad_out, "grad_out", p->out_ndim, p->out_shape, "the result", msg)) !=
            LIN_OK ||
        (grad_a && (s = lin__check_shape(grad_a, "grad_a", a->ndim, a->shape, "a", msg)) != LIN_OK) ||
        (grad_b && (s = lin__check_shape(grad_b, "grad_b", b->ndim, b->shape, "b", msg)) != LIN_OK))
        return s;
    return lin__views_apart(v + 3, 2, v, 3, msg);
}

LIN_API lin_status lin_matmul_backward_explain(const lin_tensor *a, const lin_tensor *b,
                                               const lin_tensor *grad_out, const lin_tensor *grad_a,
                                               const lin_tensor *grad_b, char *buf, size_t buf_size)
{
    lin__plan p;
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__validate_matmul_backward(a, b, grad_out, grad_a, grad_b, &m, &p);
}

LIN_API lin_status lin_matmul_backward(const lin_tensor *a, const lin_tensor *b,
                                       const lin_tensor *grad_out, lin_tensor *grad_a,
                                       lin_tensor *grad_b)
{
    lin__plan p;
    lin__gemm_op opa, opb;
    lin_status s;
    size_t idx[LIN_MAX_DIMS];
    ptrdiff_t ga_bs[LIN_MAX_DIMS], gb_bs[LIN_MAX_DIMS];
    ptrdiff_t go_rs, go_cs, ga_rs = 0, ga_cs = 0, gb_rs = 0, gb_cs = 0;
    int d, na, nb;
    if (!a || !b || !grad_out) return LIN_ERR_NULL;     /* also checked below: lets GCC see it */
    if ((s = lin__validate_matmul_backward(a, b, grad_out, grad_a, grad_b, NULL, &p)) != LIN_OK) return s;
    if (p.out_numel == 0 || p.k == 0) return LIN_OK;   /* nothing flows back */

    /* each gradient block goes where its operand's block came from: a
       broadcast dim (size 1 or absent) has stride 0, so blocks add up */
    na = a->ndim >= 2 ? a->ndim - 2 : 0;
    nb = b->ndim >= 2 ? b->ndim - 2 : 0;
    for (d = 0; d < p.nbatch; ++d) {
        int ia = d - (p.nbatch - na), ib = d - (p.nbatch - nb);
        ga_bs[d] = grad_a && ia >= 0 && a->shape[ia] > 1 ? grad_a->stride[ia] : 0;
        gb_bs[d] = grad_b && ib >= 0 && b->shape[ib] > 1 ? grad_b->stride[ib] : 0;
        idx[d] = 0;
    }
    go_rs = a->ndim >= 2 ? grad_out->stride[p.nbatch] : 0;
    go_cs = b->ndim >= 2 ? grad_out->stride[grad_out->ndim - 1] : 0;
    if (grad_a) {
        ga_rs = a->ndim >= 2 ? grad_a->stride[a->ndim - 2] : 0;
        ga_cs = grad_a->stride[a->ndim - 1];
    }
    if (grad_b) {
        gb_rs = grad_b->stride[b->ndim >= 2 ? b->ndim - 2 : 0];
        gb_cs = b->ndim >= 2 ? grad_b->stride[b->ndim - 1] : 0;
    }
    lin__op_init(&opa, LIN__ADD, p.m, p.k, p.n);    /* grad_a (m, k) += grad_out (m, n) . b^T (n, k) */
    lin__op_init(&opb, LIN__ADD, p.k, p.n, p.m);    /* grad_b (k, n) += a^T (k, m) . grad_out (m, n) */
    do {
        const float *go = grad_out->data + lin__offset(idx, grad_out->stride, p.nbatch);
        if (grad_a) {
            lin__mat_strided(&opa.a, go, go_rs, go_cs);
            lin__mat_strided(&opa.b, b->data + lin__offset(idx, p.b_bs, p.nbatch), p.b_cs, p.b_rs);
            lin__dst_strided(&opa.c, grad_a->data + lin__offset(idx, ga_bs, p.nbatch), ga_rs, ga_cs);
            lin__gemm(&opa);
        }
        if (grad_b) {
            lin__mat_strided(&opb.a, a->data + lin__offset(idx, p.a_bs, p.nbatch), p.a_cs, p.a_rs);
            lin__mat_strided(&opb.b, go, go_rs, go_cs);
            lin__dst_strided(&opb.c, grad_b->data + lin__offset(idx, gb_bs, p.nbatch), gb_rs, gb_cs);
            lin__gemm(&opb);
        }
    } while (lin__step(idx, p.batch, p.nbatch));
    return LIN_OK;
}

/* ---- training: activations and losses ---- */

/* A backward pass's buffers: grad_x is grad_y or apart from it, and
   apart from the saved forward input or output */
static LIN__INLINE_KERNEL lin_status lin__check_backward(const float *saved, const float *grad_y, float *grad_x,
                                                         size_t n)
{
    lin__span xs, gs;
    lin_status s = lin__check_elementwise(grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    if ((s = lin__check_buffer(saved, n)) != LIN_OK) return s;
    lin__fspan(&xs, saved, n);
    lin__fspan(&gs, grad_x, n);
    return lin__meet(&xs, &gs) ? LIN_ERR_ALIAS : LIN_OK;
}

LIN_API lin_status lin_relu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n)
{
    size_t i;
    lin_status s = lin__check_backward(x, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) grad_x[i] = x[i] <= 0.0f ? 0.0f : grad_y[i];
    return LIN_OK;
}

LIN_API lin_status lin_relu6_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n)
{
    size_t i;
    lin_status s = lin__check_backward(x, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) grad_x[i] = x[i] > 0.0f && x[i] < 6.0f ? grad_y[i] : 0.0f;
    return LIN_OK;
}

LIN_API lin_status lin_leaky_relu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n,
                                               float negative_slope)
{
    size_t i;
    lin_status s = lin__check_backward(x, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) grad_x[i] = x[i] > 0.0f ? grad_y[i] : grad_y[i] * negative_slope;
    return LIN_OK;
}

#if defined(LIN_TANHF)
LIN_API lin_status lin_tanh_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t n)
{
    size_t i;
    lin_status s = lin__check_backward(y, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) grad_x[i] = grad_y[i] * (1.0f - y[i] * y[i]);
    return LIN_OK;
}
#endif

#if LIN__MATH
LIN_API lin_status lin_sigmoid_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t n)
{
    size_t i;
    lin_status s = lin__check_backward(y, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) grad_x[i] = grad_y[i] * (1.0f - y[i]) * y[i];
    return LIN_OK;
}

LIN_API lin_status lin_silu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n)
{
    size_t i;
    lin_status s = lin__check_backward(x, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    for (i = 0; i < n; ++i) {
        const float sg = 1.0f / (1.0f + LIN_EXPF(-x[i]));
        grad_x[i] = grad_y[i] * sg * (1.0f + x[i] * (1.0f - sg));
    }
    return LIN_OK;
}

LIN_API lin_status lin_softmax_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t rows,
                                            size_t n)
{
    size_t count, r, j;
    lin_status s = lin__mul(rows, n, &count) ? lin__check_backward(y, grad_y, grad_x, count) : LIN_ERR_OVERFLOW;
    if (s != LIN_OK) return s;
    for (r = 0; r < count; r += n) {   /* count 0 when n is */
        float dot = 0.0f;
        for (j = r; j < r + n; ++j) dot += grad_y[j] * y[j];
        for (j = r; j < r + n; ++j) grad_x[j] = (grad_y[j] - dot) * y[j];
    }
    return LIN_OK;
}

LIN_API lin_status lin_log_softmax_backward_f32(const float *y, const float *grad_y, float *grad_x, size_t rows,
                                                size_t n)
{
    size_t count, r, j;
    lin_status s = lin__mul(rows, n, &count) ? lin__check_backward(y, grad_y, grad_x, count) : LIN_ERR_OVERFLOW;
    if (s != LIN_OK) return s;
    for (r = 0; r < count; r += n) {
        float sum = 0.0f;
        for (j = r; j < r + n; ++j) sum += grad_y[j];
        for (j = r; j < r + n; ++j) grad_x[j] = grad_y[j] - LIN_EXPF(y[j]) * sum;
    }
    return LIN_OK;
}
#endif /* LIN__MATH */

#if defined(LIN_TANHF) && defined(LIN_ERFF)
LIN_API lin_status lin_gelu_backward_f32(const float *x, const float *grad_y, float *grad_x, size_t n,
                                         int approximate)
{
    size_t i;
    lin_status s = lin__check_backward(x, grad_y, grad_x, n);
    if (s != LIN_OK) return s;
    if (approximate != LIN_GELU_NONE && approximate != LIN_GELU_TANH) return LIN_ERR_VALUE;
    for (i = 0; i < n; ++i) {
        const float v = x[i];
        if (approximate == LIN_GELU_TANH) {     /* PyTorch's terms, in its order */
            const float sq = v * v, t = LIN_TANHF(LIN__GELU_BETA * (v + LIN__GELU_KAPPA * (sq * v)));
            const float left = 0.5f * v, right = 1.0f + t;
            const float inner_d = LIN__GELU_BETA * (1.0f + 3.0f * LIN__GELU_KAPPA * sq);
            grad_x[i] = grad_y[i] * (0.5f * right + left * (1.0f - t * t) * inner_d);
        } else {                                /* cdf + x pdf */
            const float cdf = 0.5f * (1.0f + LIN_ERFF(v * 0.70710678118654752f));
            const float pdf = 0.39894228040143268f * LIN_EXPF(v * v * -0.5f);
            grad_x[i] = grad_y[i] * (cdf + v * pdf);
        }
    }
    return LIN_OK;
}
#endif

LIN_API lin_status lin_mse_loss_f32(const float *input, const float *target, size_t n,
                                    float *loss, float *grad_input)
{
    size_t i;
    float sum = 0.0f, nf = (float)n;
    lin__span outs[2], ins[2];
    lin_status s;
    if ((s = lin__check_buffer(input, n)) != LIN_OK) return s;
    if ((s = lin__check_buffer(target, n)) != LIN_OK) return s;
    lin__fspan(&outs[0], grad_input, n);
    lin__fspan(&outs[1], loss, 1);
    lin__fspan(&ins[0], input, n);
    lin__fspan(&ins[1], target, n);
    if (!lin__apart(outs, 2, ins, 2, NULL)) return LIN_ERR_ALIAS;
    for (i = 0; i < n; ++i) {
        float d = input[i] - target[i];
        sum += d * d;
        if (grad_input) grad_input[i] = 2.0f * d / nf;
    }
    if (loss) *loss = sum / nf;         /* 0/0 = NaN for n = 0, as PyTorch */
    return LIN_OK;
}

/* The checks of lin_cross_entropy_f32, the targets included (nothing is
   written for a bad one); *n the logits, *counted the rows not ignored. */
static lin_status lin__check_cross_entropy(const float *logits, const int32_t *target, size_t batch,
                                           size_t classes, const float *loss, const float *grad_logits,
                                           lin__msg *msg, size_t *n, size_t *counted)
{
    lin__span outs[2], ins[2];
    lin__named on[2], in[2];
    size_t i;
    lin_status s = LIN_OK;
    *counted = 0;
    if (!lin__mul(batch, classes, n) || !lin__fits(*n, sizeof(float)) || !lin__fits(batch, sizeof(int32_t))) {
        lin__puts(msg, "logits (");
        lin__putu(msg, batch);
        lin__puts(msg, ", ");
        lin__putu(msg, classes);
        lin__puts(msg, ") have more bytes than size_t can count");
        return LIN_ERR_OVERFLOW;
    }
    if ((*n && !logits) || (batch && !target)) s = LIN_ERR_NULL;
    lin__fspan(&outs[0], grad_logits, *n);
    lin__fspan(&outs[1], loss, 1);
    lin__fspan(&ins[0], logits, *n);
    lin__span_set(&ins[1], target, batch, sizeof(int32_t));
    if (s == LIN_OK && !lin__apart(outs, 2, ins, 2, NULL)) s = LIN_ERR_ALIAS;
    if (s != LIN_OK) {
        if (!msg) return s;
        lin__name(&on[0], "grad_logits", grad_logits, grad_logits ? *n : 0, sizeof(float));
        lin__name(&on[1], "loss", loss, loss ? 1 : 0, sizeof(float));
        lin__name(&in[0], "logits", logits, *n, sizeof(float));
        lin__name(&in[1], "target", target, batch, sizeof(int32_t));
        return lin__say_buffers(msg, s, on, 2, in, 2);
    }
    for (i = 0; i < batch; ++i) {
        if (target[i] == -100) continue;
        if (target[i] < 0 || (size_t)target[i] >= classes) {
            lin__puts(msg, "Target ");       /* PyTorch's IndexError */
            lin__puti(msg, target[i]);
            lin__puts(msg, " is out of bounds.");
            return LIN_ERR_INDEX;
        }
        ++*counted;
    }
    return LIN_OK;
}

LIN_API lin_status lin_cross_entropy_explain(const float *logits, const int32_t *target,
                                             size_t batch, size_t classes, const float *loss,
                                             const float *grad_logits, char *buf, size_t buf_size)
{
    size_t n, counted;
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__check_cross_entropy(logits, target, batch, classes, loss, grad_logits, &m, &n, &counted);
}

#if LIN__MATH
/* The rows of a checked cross-entropy: the sum of the counted rows'
   losses, and their gradients. Out of line and never cloned for constant
   arguments: GCC would otherwise follow a wrong call's sizes, which the
   checks refuse, into this loop and warn about it. */
LIN__OPAQUE float lin__cross_entropy_rows(const float *logits, const int32_t *target, size_t batch,
                                          size_t classes, size_t counted, float *grad_logits)
{
    size_t i, c;
    float sum = 0.0f;
    for (i = 0; i < batch; ++i) {
        const float *l = logits + i * classes;
        float m, e = 0.0f, lse;
        if (target[i] == -100) {
            if (grad_logits)
                for (c = 0; c < classes; ++c) grad_logits[i * classes + c] = 0.0f;
            continue;
        }
        m = l[0];                       /* log-softmax around the largest logit */
        for (c = 1; c < classes; ++c) m = l[c] > m || l[c] != l[c] ? l[c] : m;
        for (c = 0; c < classes; ++c) e += LIN_EXPF(l[c] - m);
        lse = m + LIN_LOGF(e);
        sum += lse - l[target[i]];
        if (grad_logits)
            for (c = 0; c < classes; ++c)
                grad_logits[i * classes + c] =
                    (LIN_EXPF(l[c] - lse) - ((size_t)target[i] == c ? 1.0f : 0.0f)) / (float)counted;
    }
    return sum;
}

LIN_API lin_status lin_cross_entropy_f32(const float *logits, const int32_t *target, size_t batch,
                                         size_t classes, float *loss, float *grad_logits)
{
    size_t n, counted;
    float sum;
    lin_status s = lin__check_cross_entropy(logits, target, batch, classes, loss, grad_logits, NULL, &n,
                                            &counted);
    if (s != LIN_OK) return s;
    sum = lin__cross_entropy_rows(logits, target, batch, classes, counted, grad_logits);
    if (loss) *loss = sum / (float)counted;
    return LIN_OK;
}
#endif

/* ---- training: optimizers ---- */

LIN_API lin_sgd lin_sgd_defaults(float lr)
{
    lin_sgd o;
    LIN__MEMSET(&o, 0, sizeof o);
    o.lr = lr;
    return o;
}

LIN_API lin_adam lin_adam_defaults(void)
{
    lin_adam o;
    LIN__MEMSET(&o, 0, sizeof o);
    o.lr = 1e-3f;
    o.beta1 = 0.9f;
    o.beta2 = 0.999f;
    o.eps = 1e-8f;
    return o;
}

LIN_API lin_adam lin_adamw_defaults(void)
{
    lin_adam o = lin_adam_defaults();
    o.weight_decay = 1e-2f;
    o.decoupled_weight_decay = 1;
    return o;
}

/* param, grad and the state buffers (named names[0..nstate)): each n
   floats, all apart; the written ones (param, the state, *step) apart
   from what the step reads (grad, and *opt of opt_bytes, read on every
   element); msg names the one refused. */
static lin_status lin__check_optim(const void *opt, size_t opt_bytes, const float *param, const float *grad,
                                   const float *const state[], const char *const names[], int nstate,
                                   const uint64_t *step, size_t n, lin__msg *msg)
{
    lin__span outs[5], ins[2];
    lin__named on[5], in[2];
    lin_status s = LIN_OK;
    int i;
    if (!lin__fits(n, sizeof(float))) {
        lin__puts(msg, "n (");
        lin__putu(msg, n);
        lin__puts(msg, ") floats have more bytes than size_t can count");
        return LIN_ERR_OVERFLOW;
    }
    if (n && (!param || !grad)) s = LIN_ERR_NULL;
    for (i = 0; i < nstate; ++i)
        if (n && !state[i]) s = LIN_ERR_NULL;
    lin__fspan(&outs[0], param, n);     /* param, the state and the count: written */
    for (i = 0; i < nstate; ++i) lin__fspan(&outs[1 + i], state[i], n);
    lin__span_set(&outs[1 + nstate], step, 1, sizeof *step);
    lin__fspan(&ins[0], grad, n);
    lin__span_set(&ins[1], opt, 1, opt_bytes);
    if (s == LIN_OK && !lin__apart(outs, 2 + nstate, ins, 2, NULL)) s = LIN_ERR_ALIAS;
    if (s == LIN_OK || !msg) return s;
    lin__name(&on[0], "param", param, n, sizeof(float));
    for (i = 0; i < nstate; ++i) lin__name(&on[1 + i], names[i], state[i], n, sizeof(float));
    lin__name(&on[1 + nstate], "step", step, 1, sizeof *step);
    lin__name(&in[0], "grad", grad, n, sizeof(float));
    lin__name(&in[1], "opt", opt, 1, opt_bytes);
    return lin__say_buffers(msg, s, on, 2 + nstate, in, 2);
}

/* PyTorch's words for a hyper-parameter its constructor refuses */
static lin_status lin__say_invalid(lin__msg *msg, const char *what, double v)
{
    lin__puts(msg, "Invalid ");
    lin__puts(msg, what);
    lin__puts(msg, ": ");
    lin__putf(msg, v);
    return LIN_ERR_VALUE;
}

static lin_status lin__check_sgd(const lin_sgd *opt, const float *param, const float *grad,
                                 const float *momentum_buf, const uint64_t *step, size_t n, lin__msg *msg)
{
    static const char *const names[1] = {"momentum_buf"};
    const float *state[1];
    if (!opt || !step) {
        lin__puts(msg, !opt ? "opt is NULL" : "step is NULL");
        return LIN_ERR_NULL;
    }
    if (!(opt->lr >= 0.0f)) return lin__say_invalid(msg, "learning rate", opt->lr);
    if (!(opt->momentum >= 0.0f)) return lin__say_invalid(msg, "momentum value", opt->momentum);
    if (!(opt->weight_decay >= 0.0f)) return lin__say_invalid(msg, "weight_decay value", opt->weight_decay);
    if (opt->nesterov && (opt->momentum <= 0.0f || opt->dampening != 0.0f)) {
        lin__puts(msg, "Nesterov momentum requires a momentum and zero dampening");
        return LIN_ERR_VALUE;
    }
    state[0] = momentum_buf;
    return lin__check_optim(opt, sizeof *opt, param, grad, state, names, opt->momentum != 0.0f, step, n, msg);
}

LIN_API lin_status lin_sgd_step_explain(const lin_sgd *opt, const float *param, const float *grad,
                                        const float *momentum_buf, const uint64_t *step, size_t n,
                                        char *buf, size_t buf_size)
{
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__check_sgd(opt, param, grad, momentum_buf, step, n, &m);
}

LIN_API lin_status lin_sgd_step(const lin_sgd *opt, float *param, const float *grad,
                                float *momentum_buf, uint64_t *step, size_t n)
{
    float neg_lr, keep, *mbuf;
    size_t i;
    lin_status s;
    if ((s = lin__check_sgd(opt, param, grad, momentum_buf, step, n, NULL)) != LIN_OK) return s;
    /* (both checked: they let GCC see the loop's bound, and at -O3 that a
       NULL param or grad never reaches it) */
    if (!lin__fits(n, sizeof(float))) return LIN_ERR_OVERFLOW;
    if (n && (!param || !grad)) return LIN_ERR_NULL;
    neg_lr = -opt->lr;
    keep = (float)(1.0 - (double)opt->dampening);   /* Python's 1 - dampening, then float */
    /* the buffer where momentum uses it (checked: there it is not NULL;
       GCC -O3 could not see that and warned of a NULL one) */
    mbuf = opt->momentum != 0.0f ? momentum_buf : NULL;
    for (i = 0; i < n; ++i) {
        float d = opt->maximize ? -grad[i] : grad[i];
        if (opt->weight_decay != 0.0f) d = d + opt->weight_decay * param[i];
        if (mbuf) {
            float *buf = mbuf + i;
            *buf = *step == 0 ? d : *buf * opt->momentum + keep * d;
            d = opt->nesterov ? d + opt->momentum * *buf : *buf;
        }
        param[i] = param[i] + neg_lr * d;
    }
    ++*step;
    return LIN_OK;
}

#if LIN__MATH
/* base^e in double, by squaring: Python's beta ** step without libm's pow */
static double lin__powi(double base, uint64_t e)
{
    double r = 1.0;
    while (e) {
        if (e & 1u) r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}
#endif

static lin_status lin__check_adam(const lin_adam *opt, const float *param, const float *grad,
                                  const float *exp_avg, const float *exp_avg_sq,
                                  const float *max_exp_avg_sq, const uint64_t *step, size_t n,
                                  lin__msg *msg)
{
    static const char *const names[3] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    const float *state[3];
    if (!opt || !step) {
        lin__puts(msg, !opt ? "opt is NULL" : "step is NULL");
        return LIN_ERR_NULL;
    }
    if (!(opt->lr >= 0.0f)) return lin__say_invalid(msg, "learning rate", opt->lr);
    if (!(opt->eps >= 0.0f)) return lin__say_invalid(msg, "epsilon value", opt->eps);
    if (!(opt->beta1 >= 0.0f && opt->beta1 < 1.0f))
        return lin__say_invalid(msg, "beta parameter at index 0", opt->beta1);
    if (!(opt->beta2 >= 0.0f && opt->beta2 < 1.0f))
        return lin__say_invalid(msg, "beta parameter at index 1", opt->beta2);
    if (!(opt->weight_decay >= 0.0f)) return lin__say_invalid(msg, "weight_decay value", opt->weight_decay);
    state[0] = exp_avg;
    state[1] = exp_avg_sq;
    state[2] = max_exp_avg_sq;
    return lin__check_optim(opt, sizeof *opt, param, grad, state, names, opt->amsgrad ? 3 : 2, step, n, msg);
}

LIN_API lin_status lin_adam_step_explain(const lin_adam *opt, const float *param, const float *grad,
                                         const float *exp_avg, const float *exp_avg_sq,
                                         const float *max_exp_avg_sq, const uint64_t *step,
                                         size_t n, char *buf, size_t buf_size)
{
    lin__msg m = lin__msg_start(buf, buf_size);
    return lin__check_adam(opt, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, n, &m);
}

#if LIN__MATH
LIN_API lin_status lin_adam_step(const lin_adam *opt, float *param, const float *grad,
                                 float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq,
                                 uint64_t *step, size_t n)
{
    double step_size, bc2_sqrt;
    float neg_step, bc2s, one_b1, one_b2, shrink;
    size_t i;
    lin_status s;
    s = lin__check_adam(opt, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, n, NULL);
    if (s != LIN_OK) return s;
    if (!lin__fits(n, sizeof(float))) return LIN_ERR_OVERFLOW;   /* lets GCC see the loop's bound */
    /* the scalars as PyTorch computes them: in double, used as float */
    step_size = (double)opt->lr / (1.0 - lin__powi(opt->beta1, *step + 1));
    bc2_sqrt = LIN_SQRT(1.0 - lin__powi(opt->beta2, *step + 1));
    neg_step = (float)-step_size;
    bc2s = (float)bc2_sqrt;
    one_b1 = (float)(1.0 - (double)opt->beta1);
    one_b2 = (float)(1.0 - (double)opt->beta2);
    shrink = (float)(1.0 - (double)opt->lr * (double)opt->weight_decay);
    for (i = 0; i < n; ++i) {
        float g = opt->maximize ? -grad[i] : grad[i], v, denom;
        if (opt->decoupled_weight_decay) param[i] = param[i] * shrink;          /* AdamW */
        else if (opt->weight_decay != 0.0f) g = g + opt->weight_decay * param[i];  /* Adam */
        exp_avg[i] = exp_avg[i] * opt->beta1 + one_b1 * g;
        exp_avg_sq[i] = exp_avg_sq[i] * opt->beta2 + one_b2 * g * g;
        v = exp_avg_sq[i];
        if (opt->amsgrad) {             /* torch.maximum: NaN wins */
            float mx = max_exp_avg_sq[i];
            max_exp_avg_sq[i] = v != v || v > mx ? v : mx;
            v = max_exp_avg_sq[i];
        }
        denom = LIN_SQRTF(v) / bc2s + opt->eps;
        param[i] = param[i] + neg_step * exp_avg[i] / denom;
    }
    ++*step;
    return LIN_OK;
}
#endif

#endif /* LIN_NO_TRAIN */

#ifndef LIN_NO_LORA
/* ---- training: LoRA ---- */

/* The element counts of a LoRA adapter: W (out, in), A (rank, in),
   B (out, rank). */
typedef struct lin__lora_dims { size_t nw, na, nb; } lin__lora_dims;

static lin_status lin__check_lora(const lin_lora *lora, lin__lora_dims *d)
{
    lin_status s;
    if (!lora || !lora->base) return LIN_ERR_NULL;
    if (lora->rank == 0) return LIN_ERR_VALUE;
    if ((s = lin__check_layer(lora->base->in_features, lora->base->out_features, lora->base->weight,
                              lora->base->bias, &d->nw)) != LIN_OK)
        return s;
    if (!lin__mul(lora->rank, lora->base->in_features, &d->na) || !lin__fits(d->na, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    if (d->na && !lora->A) return LIN_ERR_NULL;
    if (!lin__mul(lora->base->out_features, lora->rank, &d->nb) || !lin__fits(d->nb, sizeof(float)))
        return LIN_ERR_OVERFLOW;
    if (d->nb && !lora->B) return LIN_ERR_NULL;
    return LIN_OK;
}

/* The adapter's parameters, W, bias, A, B, as spans. */
static void lin__lora_spans(const lin_lora *lora, const lin__lora_dims *d, lin__span w[4])
{
    const lin_layer *l = lora->base;
    lin__fspan(&w[0], l->weight, d->nw);
    lin__fspan(&w[1], l->bias, l->out_features);
    lin__fspan(&w[2], lora->A, d->na);
    lin__fspan(&w[3], lora->B, d->nb);
}

LIN_API lin_status lin_lora_init(lin_lora *lora, lin_layer *base, size_t rank, float alpha,
                                 float *A, float *B)
{
    lin_lora l;
    lin__lora_dims d;
    lin__span w[4];
    lin_status s;
    if (!lora) return LIN_ERR_NULL;
    l.base = base;
    l.rank = rank;
    l.A = A;
    l.B = B;
    l.scaling = rank ? alpha / (float)rank : 0.0f;
    l.merged = 0;
    if ((s = lin__check_lora(&l, &d)) != LIN_OK) return s;
    lin__lora_spans(&l, &d, w);
    if (!lin__apart(&w[2], 2, w, 2, NULL)) return LIN_ERR_ALIAS;  /* A and B apart from W, bias and each other */
    *lora = l;
    return LIN_OK;
}

/* As lin_lora_init requires, A and B apart from W, the bias and each
   other; then what the call writes apart from all it reads: merge and
   unmerge (state NULL) write W and lora->merged, and read the bias, A, B
   and the base layer; reset writes A, B and the generator (state_bytes at
   state) and reads W, the bias, *lora and the base layer. */
static lin_status lin__lora_apart(const lin_lora *lora, const lin__lora_dims *d, const void *state,
                                  size_t state_bytes)
{
    lin__span w[4], s[3], outs[3], ins[4];
    lin__lora_spans(lora, d, w);
    if (!lin__apart(&w[2], 2, w, 2, NULL)) return LIN_ERR_ALIAS;
    lin__span_set(&s[0], lora, 1, sizeof *lora);
    lin__span_set(&s[1], lora->base, 1, sizeof *lora->base);
    lin__span_set(&s[2], state, 1, state_bytes);
    if (!state) {
        outs[0] = w[0];
        outs[1] = s[0];
        ins[0] = w[1];
        ins[1] = w[2];
        ins[2] = w[3];
        ins[3] = s[1];
        return lin__apart(outs, 2, ins, 4, NULL) ? LIN_OK : LIN_ERR_ALIAS;
    }
    outs[0] = w[2];
    outs[1] = w[3];
    outs[2] = s[2];
    ins[0] = w[0];
    ins[1] = w[1];
    ins[2] = s[0];
    ins[3] = s[1];
    return lin__apart(outs, 3, ins, 4, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

#if LIN__MATH
LIN_API lin_status lin_lora_reset_parameters(lin_lora *lora, lin_rng *rng)
{
    lin_layer a;
    lin__lora_dims d;
    lin_status s;
    size_t i;
    if (!rng) return LIN_ERR_NULL;
    if ((s = lin__check_lora(lora, &d)) != LIN_OK) return s;
    if ((s = lin__lora_apart(lora, &d, rng, sizeof *rng)) != LIN_OK) return s;
    a.in_features = lora->base->in_features;   /* A is a bias-less layer (rank, in) */
    a.out_features = lora->rank;
    a.weight = lora->A;
    a.bias = NULL;
    if ((s = lin_layer_reset_parameters(&a, rng)) != LIN_OK) return s;
    for (i = 0; i < d.nb; ++i) lora->B[i] = 0.0f;
    return LIN_OK;
}
#endif

LIN_API size_t lin_lora_scratch_size(const lin_lora *lora, size_t batch)
{
    size_t n;
    if (!lora || !lin__mul(batch, lora->rank, &n) || n > (size_t)-1 / 2) return (size_t)-1;
    return 2 * n;
}

/* The checks of a forward or backward call: the adapter, the sizes of x
   (batch, in), y or grad_y (batch, out) and h (batch, rank), the scratch
   (LIN_ERR_SIZE if shorter than need_h blocks of h), and the buffers
   written (y, the gradients, the scratch) apart from everything else. */
static lin_status lin__check_lora_call(const lin_lora *lora, size_t batch, const float *x, const float *y,
                                       const float *const grads[3], const float *scratch, size_t scratch_len,
                                       int need_h, lin__lora_dims *d, size_t *nx, size_t *ny, size_t *nh)
{
    lin__span outs[4], ins[8];
    lin_status s;
    size_t in, out;
    int n = 0;
    if ((s = lin__check_lora(lora, d)) != LIN_OK) return s;
    if (grads && lora->merged) return LIN_ERR_STATE;   /* a merged adapter has no gradients */
    in = lora->base->in_features;
    out = lora->base->out_features;
    if (!lin__mul(batch, in, nx) || !lin__fits(*nx, sizeof(float)) || !lin__mul(batch, out, ny) ||
        !lin__fits(*ny, sizeof(float)) || !lin__mul(batch, lora->rank, nh) || *nh > (size_t)-1 / 8)
        return LIN_ERR_OVERFLOW;
    if (scratch_len < (size_t)need_h * *nh) return LIN_ERR_SIZE;
    if ((s = lin__check_buffer(x, *nx)) != LIN_OK) return s;
    if ((s = lin__check_buffer(y, *ny)) != LIN_OK) return s;
    if ((s = lin__check_buffer(scratch, (size_t)need_h * *nh)) != LIN_OK) return s;
    lin__lora_spans(lora, d, ins);
    lin__fspan(&ins[4], x, *nx);
    lin__span_set(&ins[5], lora, 1, sizeof *lora);     /* the structs, read between the products */
    lin__span_set(&ins[6], lora->base, 1, sizeof *lora->base);
    lin__fspan(&outs[n++], scratch, (size_t)need_h * *nh);
    if (!grads) {                       /* the forward writes y */
        lin__fspan(&outs[n++], y, *ny);
    } else {                            /* the backward reads grad_y, writes the gradients */
        lin__fspan(&ins[7], y, *ny);
        lin__fspan(&outs[n++], grads[0], *nx);
        lin__fspan(&outs[n++], grads[1], d->na);
        lin__fspan(&outs[n++], grads[2], d->nb);
    }
    return lin__apart(outs, n, ins, grads ? 8 : 7, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

/* The words for what lin__check_lora_call refused (status s); d, nx, ny,
   nh as it left them (zero where it did not get to). */
static lin_status lin__say_lora_call(lin__msg *m, lin_status s, const lin_lora *lora, const float *x,
                                     const float *y, const float *const grads[3], const float *scratch,
                                     size_t scratch_len, int need_h, const lin__lora_dims *d, size_t nx,
                                     size_t ny, size_t nh)
{
    lin__named on[4], in[8];
    int n = 0;
    if (s == LIN_OK) return s;
    if (!lora || !lora->base) {
        lin__puts(m, !lora ? "lora is NULL" : "lora->base is NULL");
        return s;
    }
    if (s == LIN_ERR_VALUE) {
        lin__puts(m, "lora->rank is 0: LoRA needs a rank above 0");
    } else if (s == LIN_ERR_STATE) {
        lin__puts(m, "the adapter is merged: it has no gradients of its own (unmerge it first)");
    } else if (s == LIN_ERR_OVERFLOW) {
        lin__puts(m, "a buffer of the adapter's or the batch's sizes has more bytes than size_t can count");
    } else if (s == LIN_ERR_SIZE) {
        lin__puts(m, "scratch_len is ");
        lin__putu(m, scratch_len);
        lin__puts(m, " floats but the call needs ");
        lin__putu(m, (size_t)need_h * nh);
    } else {
        lin__name(&in[0], "the base layer's weight", lora->base->weight, d->nw, sizeof(float));
        lin__name(&in[1], "the base layer's bias", lora->base->bias,
                  lora->base->bias ? lora->base->out_features : 0, sizeof(float));
        lin__name(&in[2], "lora->A", lora->A, d->na, sizeof(float));
        lin__name(&in[3], "lora->B", lora->B, d->nb, sizeof(float));
        lin__name(&in[4], "x", x, nx, sizeof(float));
        lin__name(&in[5], "lora (the lin_lora)", lora, 1, sizeof *lora);
        lin__name(&in[6], "lora->base (the lin_layer)", lora->base, 1, sizeof *lora->base);
        lin__name(&on[n++], "scratch", scratch, (size_t)need_h * nh, sizeof(float));
        if (!grads) {
            lin__name(&on[n++], "y", y, ny, sizeof(float));
        } else {
            lin__name(&in[7], "grad_y", y, ny, sizeof(float));
            lin__name(&on[n++], "grad_x", grads[0], grads[0] ? nx : 0, sizeof(float));
            lin__name(&on[n++], "grad_A", grads[1], grads[1] ? d->na : 0, sizeof(float));
            lin__name(&on[n++], "grad_B", grads[2], grads[2] ? d->nb : 0, sizeof(float));
        }
        if (s == LIN_ERR_ALIAS && lin__check_layer(lora->base->in_features, lora->base->out_features,
                                                   lora->base->weight, lora->base->bias, &nx) == s) {
            lin__puts(m, "the base layer's bias overlaps its weight");
            return s;
        }
        return lin__say_buffers(m, s, on, n, in, grads ? 8 : 7);
    }
    return s;
}

LIN_API lin_status lin_lora_forward_explain(const lin_lora *lora, const float *x, const float *y,
                                            size_t batch, const float *scratch, size_t scratch_len,
                                            char *buf, size_t buf_size)
{
    lin__lora_dims d = {0, 0, 0};
    size_t nx = 0, ny = 0, nh = 0;
    int need = lora && !lora->merged;
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s = lin__check_lora_call(lora, batch, x, y, NULL, scratch, scratch_len, need, &d, &nx, &ny,
                                        &nh);
    return lin__say_lora_call(&m, s, lora, x, y, NULL, scratch, scratch_len, need, &d, nx, ny, nh);
}

LIN_API lin_status lin_lora_backward_explain(const lin_lora *lora, const float *x,
                                             const float *grad_y, const float *grad_x,
                                             const float *grad_A, const float *grad_B, size_t batch,
                                             const float *scratch, size_t scratch_len, char *buf,
                                             size_t buf_size)
{
    lin__lora_dims d = {0, 0, 0};
    size_t nx = 0, ny = 0, nh = 0;
    const float *grads[3];
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s;
    grads[0] = grad_x;
    grads[1] = grad_A;
    grads[2] = grad_B;
    s = lin__check_lora_call(lora, batch, x, grad_y, grads, scratch, scratch_len, 2, &d, &nx, &ny, &nh);
    return lin__say_lora_call(&m, s, lora, x, grad_y, grads, scratch, scratch_len, 2, &d, nx, ny, nh);
}

LIN_API lin_status lin_lora_forward_f32(const lin_lora *lora, const float *x, float *y, size_t batch,
                                        float *scratch, size_t scratch_len)
{
    lin__lora_dims d;
    lin__gemm_op op;
    size_t nx, ny, nh, in, out, r;
    lin_status s;
    int need = lora && !lora->merged;
    if ((s = lin__check_lora_call(lora, batch, x, y, NULL, scratch, scratch_len, need, &d, &nx, &ny, &nh)) !=
        LIN_OK)
        return s;
    in = lora->base->in_features;
    out = lora->base->out_features;
    r = lora->rank;
    if ((s = lin_linear_f32(x, lora->base->weight, lora->base->bias, y, batch, in, out)) != LIN_OK)
        return s;
    if (lora->merged || !ny) return LIN_OK;
    /* h (batch, r) = x . A^T; y += scaling * (h . B^T), as loralib rounds it */
    if ((s = lin_linear_f32(x, lora->A, NULL, scratch, batch, in, r)) != LIN_OK) return s;
    lin__op_init(&op, LIN__ADD_SCALED, batch, out, r);
    op.alpha = lora->scaling;
    lin__mat_rows(&op.a, scratch, r);
    lin__mat_rows_t(&op.b, lora->B, r);
    lin__dst_rows(&op.c, y, out);
    lin__gemm(&op);
    return LIN_OK;
}

LIN_API lin_status lin_lora_backward_f32(const lin_lora *lora, const float *x, const float *grad_y,
                                         float *grad_x, float *grad_A, float *grad_B, size_t batch,
                                         float *scratch, size_t scratch_len)
{
    lin__lora_dims d;
    lin__gemm_op op;
    const float *grads[3];
    float *h, *gh;
    size_t nx, ny, nh, in, out, r;
    lin_status s;
    grads[0] = grad_x;
    grads[1] = grad_A;
    grads[2] = grad_B;
    if ((s = lin__check_lora_call(lora, batch, x, grad_y, grads, scratch, scratch_len, 2, &d, &nx, &ny,
                                  &nh)) != LIN_OK)
        return s;
    if (!batch) return LIN_OK;          /* no rows: grad_x is empty, nothing to add */
    in = lora->base->in_features;
    out = lora->base->out_features;
    r = lora->rank;
    h = scratch;
    gh = scratch + nh;
    /* y = base(x) + s*(h . B^T), h = x . A^T: with g = s*grad_y, as autograd
       forms it, grad_B = g^T . h, grad_h = g . B, grad_A = grad_h^T . x,
       grad_x = grad_y . W + grad_h . A; s is applied to each product */
    if ((s = lin_linear_f32(x, lora->A, NULL, h, batch, in, r)) != LIN_OK) return s;
    lin__op_init(&op, LIN__SET, batch, r, out);             /* gh (batch, r) = grad_y . B */
    lin__mat_rows(&op.a, grad_y, out);
    lin__mat_rows(&op.b, lora->B, r);
    lin__dst_rows(&op.c, gh, r);
    lin__gemm(&op);
    if (grad_B) {                       /* grad_B (out, r) += s * (grad_y^T . h) */
        lin__op_init(&op, LIN__ADD_SCALED, out, r, batch);
        op.alpha = lora->scaling;
        lin__mat_rows_t(&op.a, grad_y, out);
        lin__mat_rows(&op.b, h, r);
        lin__dst_rows(&op.c, grad_B, r);
        lin__gemm(&op);
    }
    if (grad_A && in) {                 /* grad_A (r, in) += s * (gh^T . x) */
        lin__op_init(&op, LIN__ADD_SCALED, r, in, batch);
        op.alpha = lora->scaling;
        lin__mat_rows_t(&op.a, gh, r);
        lin__mat_rows(&op.b, x, in);
        lin__dst_rows(&op.c, grad_A, in);
        lin__gemm(&op);
    }
    if (grad_x && in) {                 /* grad_x = grad_y . W + s * (gh . A) */
        lin__op_init(&op, LIN__SET, batch, in, out);
        lin__mat_rows(&op.a, grad_y, out);
        lin__mat_rows(&op.b, lora->base->weight, in);
        lin__dst_rows(&op.c, grad_x, in);
        lin__gemm(&op);
        lin__op_init(&op, LIN__ADD_SCALED, batch, in, r);
        op.alpha = lora->scaling;
        lin__mat_rows(&op.a, gh, r);
        lin__mat_rows(&op.b, lora->A, in);
        lin__dst_rows(&op.c, grad_x, in);
        lin__gemm(&op);
    }
    return LIN_OK;
}

/* W += s * (B . A) (merge) or W += -s * (B . A) (unmerge): one GEMM, each
   product rounded before it is scaled, as loralib's (lora_B @ lora_A) *
   scaling */
static lin_status lin__lora_fold(lin_lora *lora, int merge)
{
    lin__lora_dims d;
    lin__gemm_op op;
    size_t in, out;
    lin_status s;
    if ((s = lin__check_lora(lora, &d)) != LIN_OK) return s;
    if ((s = lin__lora_apart(lora, &d, NULL, 0)) != LIN_OK) return s;
    if (lora->merged == merge) return LIN_ERR_STATE;
    in = lora->base->in_features;
    out = lora->base->out_features;
    lin__op_init(&op, LIN__ADD_SCALED, out, in, lora->rank);
    op.alpha = merge ? lora->scaling : -lora->scaling;
    lin__mat_rows(&op.a, lora->B, lora->rank);
    lin__mat_rows(&op.b, lora->A, in);
    lin__dst_rows(&op.c, lora->base->weight, in);
    lin__gemm(&op);
    lora->merged = merge;
    return LIN_OK;
}

LIN_API lin_status lin_lora_merge(lin_lora *lora) { return lin__lora_fold(lora, 1); }
LIN_API lin_status lin_lora_unmerge(lin_lora *lora) { return lin__lora_fold(lora, 0); }

#endif /* LIN_NO_LORA */

#ifndef LIN_NO_NPY
/* ---- serialization: .npy ---- */

/* The header dict, as numpy.save writes it, into m (or counted only). */
static void lin__npy_dict(const lin_tensor *t, lin__msg *m)
{
    int d;
    lin__puts(m, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (d = 0; d < t->ndim; ++d) {
        if (d) lin__puts(m, ", ");
        lin__putu(m, t->shape[d]);
    }
    lin__puts(m, t->ndim == 1 ? ",), }" : "), }");
}

/* bytes of magic, version, length and dict, padded to 64 as numpy pads */
static size_t lin__npy_header_size(const lin_tensor *t)
{
    char buf[32 + LIN_MAX_DIMS * 24];
    lin__msg m;
    m.buf = buf;
    m.cap = sizeof buf;
    m.len = 0;
    lin__npy_dict(t, &m);
    return (10 + m.len + 1 + 63) / 64 * 64;
}

LIN_API size_t lin_npy_size(const lin_tensor *t)
{
    size_t n;
    if (!t || t->ndim < 0 || t->ndim > LIN_MAX_DIMS) return 0;
    n = lin__prod(t->ndim, t->shape);
    if (n > ((size_t)-1 - 4096) / sizeof(float)) return 0;
    return lin__npy_header_size(t) + n * sizeof(float);
}

/* The checks of lin_npy_encode (written, NULL from the explain function,
   checked for NULL by the caller): *header and *total the bytes of the
   header and the file. */
/* buf and written are not read (non-const for GCC's flow warnings on a
   buffer not yet written) */
static lin_status lin__check_npy_encode(const lin_tensor *t, void *buf, size_t buf_size,
                                        size_t *written, lin__msg *msg, lin__info *info, size_t *header,
                                        size_t *total)
{
    lin__span bs, ts;
    lin_status s;
    if (!t || !buf) {
        lin__puts(msg, !t ? "t is NULL" : "buf is NULL");
        return LIN_ERR_NULL;
    }
    if ((s = lin__check_tensor(t, "t", msg, info)) != LIN_OK) return s;
    if (info->numel > ((size_t)-1 - 4096) / sizeof(float)) {
        lin__puts(msg, "a .npy of t's ");
        lin__putu(msg, info->numel);
        lin__puts(msg, " floats has more bytes than size_t can count");
        return LIN_ERR_OVERFLOW;
    }
    *header = lin__npy_header_size(t);
    *total = *header + info->numel * sizeof(float);
    if (buf_size < *total) {
        lin__puts(msg, "buf_size is ");
        lin__putu(msg, buf_size);
        lin__puts(msg, " bytes but the .npy needs ");
        lin__putu(msg, *total);
        lin__puts(msg, " (lin_npy_size)");
        return LIN_ERR_SIZE;
    }
    lin__span_set(&bs, buf, *total, 1);
    lin__span_set(&ts, t->data, info->numel ? info->extent + 1 : 0, sizeof(float));
    if (lin__meet(&bs, &ts)) {
        lin__puts(msg, "buf overlaps t's data");
        return LIN_ERR_ALIAS;
    }
    lin__span_set(&ts, t, 1, sizeof *t);        /* its shape and strides, read as buf is written */
    if (lin__meet(&bs, &ts)) {
        lin__puts(msg, "buf overlaps t (the lin_tensor)");
        return LIN_ERR_ALIAS;
    }
    lin__span_set(&ts, written, 1, sizeof *written);   /* written last, over the file's bytes */
    if (lin__meet(&bs, &ts)) {
        lin__puts(msg, "buf overlaps written");
        return LIN_ERR_ALIAS;
    }
    return LIN_OK;
}

LIN_API lin_status lin_npy_encode_explain(const lin_tensor *t, const void *buf, size_t buf_size,
                                          char *msg, size_t msg_size)
{
    lin__info info;
    size_t header, total;
    lin__msg m = lin__msg_start(msg, msg_size);
    return lin__check_npy_encode(t, (void *)(uintptr_t)buf, buf_size, NULL, &m, &info, &header, &total);
}

LIN_API lin_status lin_npy_encode(const lin_tensor *t, void *buf, size_t buf_size, size_t *written)
{
    lin__info info;
    lin__msg m;
    unsigned char *out = (unsigned char *)buf;
    size_t header, total, i, idx[LIN_MAX_DIMS];
    int d;
    lin_status s;
    if (!t || !buf || !written) return LIN_ERR_NULL;
    if ((s = lin__check_npy_encode(t, buf, buf_size, written, NULL, &info, &header, &total)) != LIN_OK) return s;
    LIN__MEMCPY(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (unsigned char)((header - 10) & 0xff);
    out[9] = (unsigned char)((header - 10) >> 8);
    m.buf = (char *)out + 10;
    m.cap = header - 10;
    m.len = 0;
    lin__npy_dict(t, &m);
    for (i = 10 + m.len; i < header - 1; ++i) out[i] = ' ';
    out[header - 1] = '\n';
    for (d = 0; d < t->ndim; ++d) idx[d] = 0;
    for (i = 0; i < info.numel; ++i, lin__step(idx, t->shape, t->ndim)) {
        /* little-endian bytes, whatever the host's order */
        float f = t->data[lin__offset(idx, t->stride, t->ndim)];
        uint32_t u;
        unsigned char *o = out + header + 4 * i;
        LIN__MEMCPY(&u, &f, sizeof u);
        o[0] = (unsigned char)(u & 0xff);
        o[1] = (unsigned char)((u >> 8) & 0xff);
        o[2] = (unsigned char)((u >> 16) & 0xff);
        o[3] = (unsigned char)(u >> 24);
    }
    *written = total;
    return LIN_OK;
}

/* Finds key in the header dict and returns what follows ": " (or NULL). */
static const char *lin__npy_field(const char *dict, size_t len, const char *key)
{
    size_t k = LIN__STRLEN(key), i;
    for (i = 0; i + k + 2 < len; ++i)
        if (!LIN__MEMCMP(dict + i, key, k) && dict[i + k] == ':') {
            i += k + 1;
            while (i < len && dict[i] == ' ') ++i;
            return dict + i;
        }
    return NULL;
}

/* What a .npy header says. */
typedef struct lin__npy_head {
    size_t header;                      /* bytes before the data */
    int ndim, fortran;
    size_t shape[LIN_MAX_DIMS];
    const char *descr;                  /* the dtype string, without quotes */
    size_t descr_len;
    char byteorder, kind;               /* '<' 'f' for '<f4'; kind 0 if not a simple dtype */
    size_t itemsize;
    int too_many_dims;                  /* the shape has more than LIN_MAX_DIMS */
} lin__npy_head;

static lin_status lin__npy_bad(lin__msg *msg, const char *why)
{
    lin__puts(msg, "not a .npy file this reads: ");
    lin__puts(msg, why);
    return LIN_ERR_FORMAT;
}

/* "(3, 4)", "(3,)", "()": a shape as Python prints a tuple */
static void lin__puttuple(lin__msg *m, int ndim, const size_t *shape)
{
    int d;
    lin__puts(m, "(");
    for (d = 0; d < ndim; ++d) {
        if (d) lin__puts(m, ", ");
        lin__putu(m, shape[d]);
    }
    lin__puts(m, ndim == 1 ? ",)" : ")");
}

/* "float64", "int64", "uint8", "bool", or the descr quoted ('<U10') */
static void lin__putdtype(lin__msg *m, const lin__npy_head *h)
{
    const char *name = h->kind == 'f' ? "float" : h->kind == 'i' ? "int" : h->kind == 'u' ? "uint"
                       : h->kind == 'c' ? "complex" : NULL;
    if (h->kind == 'b' && h->itemsize == 1) {
        lin__puts(m, "bool");
    } else if (name && h->itemsize && h->itemsize <= 32) {
        lin__puts(m, name);
        lin__putu(m, h->itemsize * 8);
        if (h->byteorder == '>' && h->itemsize > 1) lin__puts(m, " (big-endian)");
    } else {
        char c[2];
        size_t i;
        c[1] = '\0';
        lin__puts(m, "dtype '");
        for (i = 0; i < h->descr_len && i < 32; ++i) {
            c[0] = h->descr[i] >= ' ' && h->descr[i] <= '~' ? h->descr[i] : '?';
            lin__puts(m, c);
        }
        lin__puts(m, "'");
    }
}

/* Reads the magic, the version, the header length and the header dict:
   LIN_ERR_FORMAT and why if any is malformed. */
static lin_status lin__npy_head_parse(const unsigned char *in, size_t size, lin__npy_head *h, lin__msg *msg)
{
    const char *dict, *descr, *order, *shp, *end;
    size_t hlen, i;
    LIN__MEMSET(h, 0, sizeof *h);
    if (size < 10 || LIN__MEMCMP(in, "\x93NUMPY", 6))
        return lin__npy_bad(msg, "it does not start with \\x93NUMPY");
    if (in[6] == 1) {
        hlen = (size_t)in[8] | (size_t)in[9] << 8;
        h->header = 10 + hlen;
    } else if ((in[6] == 2 || in[6] == 3) && size >= 12) {
        const uint32_t h32 = (uint32_t)in[8] | (uint32_t)in[9] << 8 | (uint32_t)in[10] << 16 |
                             (uint32_t)in[11] << 24;
        hlen = (size_t)h32;
        if ((uint32_t)hlen != h32) return lin__npy_bad(msg, "the header runs past the end");   /* 16-bit size_t */
        h->header = 12 + hlen;
    } else {
        return lin__npy_bad(msg, "format version not 1.0, 2.0 or 3.0");
    }
    if (h->header > size || h->header < hlen) return lin__npy_bad(msg, "the header runs past the end");
    dict = (const char *)in + (h->header - hlen);
    end = dict + hlen;
    descr = lin__npy_field(dict, hlen, "'descr'");
    order = lin__npy_field(dict, hlen, "'fortran_order'");
    shp = lin__npy_field(dict, hlen, "'shape'");
    if (!descr || !order || !shp || descr >= end || shp >= end)
        return lin__npy_bad(msg, "the header lacks 'descr', 'fortran_order' or 'shape'");
    if (end - order >= 4 && !LIN__MEMCMP(order, "True", 4))
        h->fortran = 1;
    else if (end - order < 5 || LIN__MEMCMP(order, "False", 5))
        return lin__npy_bad(msg, "'fortran_order' is not True or False");
    if (*descr == '\'' || *descr == '"') {      /* '<f4': byte order, kind, item size */
        char q = *descr++, bo;
        h->descr = descr;
        while (descr < end && *descr != q) ++descr;
        if (descr >= end) return lin__npy_bad(msg, "'descr' is not closed");
        h->descr_len = (size_t)(descr - h->descr);
        bo = h->descr_len >= 2 ? h->descr[0] : '\0';
        if (bo == '<' || bo == '>' || bo == '|' || bo == '=') {
            h->byteorder = bo;
            h->kind = h->descr[1];
            for (i = 2; i < h->descr_len && h->descr[i] >= '0' && h->descr[i] <= '9' && h->itemsize < 1000;
                 ++i)
                h->itemsize = h->itemsize * 10 + (size_t)(h->descr[i] - '0');
            if (i != h->descr_len) h->kind = 0;
        }
    } else {                                    /* a structured dtype: a list */
        h->descr = descr;
        h->descr_len = 1;
    }
    if (*shp++ != '(') return lin__npy_bad(msg, "'shape' is not a tuple");
    while (shp < end && *shp != ')') {          /* "(2, 3)", "(3,)" or "()" */
        size_t v = 0;
        if (*shp == ' ' || *shp == ',') { ++shp; continue; }
        if (*shp < '0' || *shp > '9') return lin__npy_bad(msg, "'shape' holds something other than sizes");
        if (h->ndim == LIN_MAX_DIMS) {
            h->too_many_dims = 1;
            return lin__npy_bad(msg, "'shape' has more dims than LIN_MAX_DIMS");
        }
        while (shp < end && *shp >= '0' && *shp <= '9') {
            if (v > ((size_t)-1 - 9) / 10) return lin__npy_bad(msg, "a size in 'shape' overflows size_t");
            v = v * 10 + (size_t)(*shp++ - '0');
        }
        h->shape[h->ndim++] = v;
    }
    if (shp >= end) return lin__npy_bad(msg, "'shape' is not closed");
    return LIN_OK;
}

/* "the file holds (3, 4) float64, expected (3, 4) float32" */
static void lin__say_npy_holds(lin__msg *msg, const lin__npy_head *h, const lin_tensor *out)
{
    lin__puts(msg, "the file holds ");
    lin__puttuple(msg, h->ndim, h->shape);
    lin__puts(msg, " ");
    lin__putdtype(msg, h);
    lin__puts(msg, ", expected ");
    lin__puttuple(msg, out->ndim, out->shape);
    lin__puts(msg, " float32");
}

/* The checks of lin_npy_decode, in this order: out, the header, the
   layout, the dtype, the shape, the data's length, the overlap. */
static lin_status lin__check_npy_decode(const void *buf, size_t size, const lin_tensor *out, lin__msg *msg,
                                        lin__npy_head *h, lin__info *info)
{
    lin__span bs, os;
    lin_status s;
    size_t n;
    if (!buf || !out) {
        lin__puts(msg, !buf ? "buf is NULL" : "out is NULL");
        return LIN_ERR_NULL;
    }
    if ((s = lin__check_tensor(out, "out", msg, info)) != LIN_OK) return s;
    if ((s = lin__npy_head_parse((const unsigned char *)buf, size, h, msg)) != LIN_OK) return s;
    if (h->fortran) return lin__npy_bad(msg, "it holds a Fortran-order array (only C order is read)");
    if (h->kind != 'f' || h->itemsize != 4 || (h->byteorder != '<' && h->byteorder != '>')) {
        lin__say_npy_holds(msg, h, out);
        return LIN_ERR_DTYPE;
    }
    if (!lin__same_shape(out, h->ndim, h->shape)) {
        lin__say_npy_holds(msg, h, out);
        return LIN_ERR_SHAPE;
    }
    n = info->numel * sizeof(float);
    if (size - h->header < n) {
        lin__puts(msg, "the file is truncated: its data needs ");
        lin__putu(msg, n);
        lin__puts(msg, " bytes and ");
        lin__putu(msg, size - h->header);
        lin__puts(msg, " follow the header");
        return LIN_ERR_FORMAT;
    }
    lin__span_set(&bs, buf, size, 1);
    lin__span_set(&os, out->data, info->numel ? info->extent + 1 : 0, sizeof(float));
    if (lin__meet(&bs, &os)) {
        lin__puts(msg, "out overlaps buf");
        return LIN_ERR_ALIAS;
    }
    lin__span_set(&bs, out, 1, sizeof *out);    /* its shape and strides, read as its data is written */
    if (lin__meet(&os, &bs)) {
        lin__puts(msg, "out's data overlaps out itself (the lin_tensor)");
        return LIN_ERR_ALIAS;
    }
    return LIN_OK;
}

LIN_API lin_status lin_npy_decode_explain(const void *buf, size_t size, const lin_tensor *out,
                                          char *msg, size_t msg_size)
{
    lin__npy_head h;
    lin__info info;
    lin__msg m = lin__msg_start(msg, msg_size);
    return lin__check_npy_decode(buf, size, out, &m, &h, &info);
}

LIN_API lin_status lin_npy_decode(const void *buf, size_t size, lin_tensor *out)
{
    const unsigned char *in = (const unsigned char *)buf;
    size_t i, idx[LIN_MAX_DIMS];
    int big, d;
    lin__npy_head h;
    lin__info info;
    lin_status s;
    if ((s = lin__check_npy_decode(buf, size, out, NULL, &h, &info)) != LIN_OK) return s;
    big = h.byteorder == '>';
    for (d = 0; d < out->ndim; ++d) idx[d] = 0;
    for (i = 0; i < info.numel; ++i) {
        out->data[lin__offset(idx, out->stride, out->ndim)] =
            lin__f32_from_bits((uint32_t)lin__uint_of_bytes(in + h.header + 4 * i, 4, big));
        lin__step(idx, out->shape, out->ndim);
    }
    return LIN_OK;
}


/* ---- .npy of any plain numeric dtype ---- */

/* the lin_dtype of a parsed header, or -1 */
static int lin__npy_dtype(const lin__npy_head *h)
{
    if (h->byteorder != '<' && h->byteorder != '>' && h->byteorder != '|' && h->byteorder != '=') return -1;
    if (h->kind == 'b' && h->itemsize == 1) return LIN_DTYPE_BOOL;
    if (h->kind == 'f') return h->itemsize == 2 ? LIN_DTYPE_F16 : h->itemsize == 4 ? LIN_DTYPE_F32
                             : h->itemsize == 8 ? LIN_DTYPE_F64 : -1;
    if (h->kind == 'i') return h->itemsize == 1 ? LIN_DTYPE_I8 : h->itemsize == 2 ? LIN_DTYPE_I16
                             : h->itemsize == 4 ? LIN_DTYPE_I32 : h->itemsize == 8 ? LIN_DTYPE_I64 : -1;
    if (h->kind == 'u') return h->itemsize == 1 ? LIN_DTYPE_U8 : h->itemsize == 2 ? LIN_DTYPE_U16
                             : h->itemsize == 4 ? LIN_DTYPE_U32 : h->itemsize == 8 ? LIN_DTYPE_U64 : -1;
    return -1;
}

/* the header into *meta, checked: lin_npy_info's statuses, why in msg */
static lin_status lin__npy_meta(const void *buf, size_t size, lin_npy_meta *meta, lin__msg *msg)
{
    lin__npy_head h;
    lin_status s;
    size_t count = 1, bytes = 0;
    int d, dt, over = 0;
    if (!buf) {
        lin__puts(msg, "buf is NULL");
        return LIN_ERR_NULL;
    }
    if ((s = lin__npy_head_parse((const unsigned char *)buf, size, &h, msg)) != LIN_OK)
        return h.too_many_dims ? LIN_ERR_RANK : s;
    dt = lin__npy_dtype(&h);
    if (dt < 0) {
        lin__puts(msg, "the file holds ");
        lin__putdtype(msg, &h);
        lin__puts(msg, ", not bool, an integer or a float of 2 to 8 bytes");
        return LIN_ERR_DTYPE;
    }
    for (d = 0; d < h.ndim && !over; ++d) over = !lin__mul(count, h.shape[d], &count);
    if (over || !lin__mul(count, h.itemsize, &bytes)) {
        lin__puts(msg, "the shape's bytes overflow size_t");
        return LIN_ERR_OVERFLOW;
    }
    if (size - h.header < bytes) {
        lin__puts(msg, "the file is truncated: its data needs ");
        lin__putu(msg, bytes);
        lin__puts(msg, " bytes and ");
        lin__putu(msg, size - h.header);
        lin__puts(msg, " follow the header");
        return LIN_ERR_FORMAT;
    }
    meta->dtype = (lin_dtype)dt;
    meta->big_endian = h.byteorder == '>' || (h.byteorder == '=' && !lin__host_little());
    meta->fortran_order = h.fortran;
    meta->ndim = h.ndim;
    for (d = 0; d < LIN_MAX_DIMS; ++d) meta->shape[d] = d < h.ndim ? h.shape[d] : 0;
    meta->count = count;
    meta->data_offset = h.header;
    meta->data_bytes = bytes;
    return LIN_OK;
}

LIN_API lin_status lin_npy_info(const void *buf, size_t size, lin_npy_meta *meta)
{
    lin_npy_meta m;
    lin_status s;
    if (!meta) return LIN_ERR_NULL;
    s = lin__npy_meta(buf, size, &m, NULL);
    if (s == LIN_OK) *meta = m;
    return s;
}

LIN_API lin_status lin_npy_info_explain(const void *buf, size_t size, char *msg, size_t msg_size)
{
    static const char *const names[15] = {"bool", "uint8", "int8", "", "", "int16", "uint16", "float16", "",
                                          "int32", "uint32", "float32", "float64", "int64", "uint64"};
    lin__msg m = lin__msg_start(msg, msg_size);
    lin_npy_meta meta;
    lin_status s = lin__npy_meta(buf, size, &meta, &m);
    if (s != LIN_OK) return s;
    lin__puttuple(&m, meta.ndim, meta.shape);
    lin__puts(&m, " ");
    lin__puts(&m, names[meta.dtype]);
    if (meta.big_endian && lin_dtype_size(meta.dtype) > 1) lin__puts(&m, " (big-endian)");
    lin__puts(&m, meta.fortran_order ? ", Fortran order" : ", C order");
    lin__puts(&m, ", data at byte ");
    lin__putu(&m, meta.data_offset);
    return LIN_OK;
}

/* element i (in C order) of the file's data: its offset in elements
   (a Fortran-order file's strides run the other way); count > 0 */
static size_t lin__npy_at(const lin_npy_meta *m, size_t i)
{
    size_t idx[LIN_MAX_DIMS], at = 0, stride = 1;
    int d;
    if (!m->fortran_order || m->ndim < 2) return i;
    for (d = m->ndim - 1; d >= 0; --d) {        /* the C index's digits, last dim first */
        idx[d] = i % m->shape[d];
        i /= m->shape[d];
    }
    for (d = 0; d < m->ndim; ++d) {
        at += idx[d] * stride;
        stride *= m->shape[d];
    }
    return at;
}

/* the checks of both decoders: the header, the count (or bytes), out,
   the overlap */
static lin_status lin__npy_decode_check(const void *buf, size_t size, const void *out, size_t out_count,
                                        size_t elem, lin_npy_meta *m)
{
    lin__span bs, os;
    lin_status s = lin__npy_meta(buf, size, m, NULL);
    if (s != LIN_OK) return s;
    if (elem ? out_count != m->count : out_count != m->data_bytes) return elem ? LIN_ERR_SHAPE : LIN_ERR_SIZE;
    if (!out && m->count) return LIN_ERR_NULL;
    lin__span_set(&bs, buf, size, 1);
    lin__span_set(&os, out, elem ? m->count * elem : m->data_bytes, 1);
    return lin__meet(&bs, &os) ? LIN_ERR_ALIAS : LIN_OK;
}

LIN_API lin_status lin_npy_decode_f32(const void *buf, size_t size, float *out, size_t count)
{
    lin_npy_meta m;
    size_t i, n;
    lin_status s = lin__npy_decode_check(buf, size, out, count, sizeof(float), &m);
    if (s != LIN_OK) return s;
    n = lin__dtype_sizes[m.dtype];
    for (i = 0; i < m.count; ++i) {
        const uint64_t v = lin__uint_of_bytes((const unsigned char *)buf + m.data_offset + lin__npy_at(&m, i) * n, n,
                                         m.big_endian);
        float f;
        switch (m.dtype) {
        case LIN_DTYPE_BOOL: f = v ? 1.0f : 0.0f; break;
        case LIN_DTYPE_U8: case LIN_DTYPE_U16: case LIN_DTYPE_U32: case LIN_DTYPE_U64: f = (float)v; break;
        case LIN_DTYPE_I8: f = (float)(int8_t)(uint8_t)v; break;
        case LIN_DTYPE_I16: f = (float)(int16_t)(uint16_t)v; break;
        case LIN_DTYPE_I32: f = (float)(int32_t)(uint32_t)v; break;
        case LIN_DTYPE_I64: f = (float)(int64_t)v; break;
        case LIN_DTYPE_F16: f = lin__f32_from_bits(lin__f16_to_bits32((uint32_t)v)); break;
        case LIN_DTYPE_F32: f = lin__f32_from_bits((uint32_t)v); break;
        default: {                              /* float64, rounded to nearest */
            double dv;
            LIN__MEMCPY(&dv, &v, sizeof dv);
            f = (float)dv;
        }
        }
        out[i] = f;
    }
    return LIN_OK;
}

LIN_API lin_status lin_npy_decode_raw(const void *buf, size_t size, void *out, size_t out_bytes)
{
    lin_npy_meta m;
    size_t i, k, n;
    int swap;
    lin_status s = lin__npy_decode_check(buf, size, out, out_bytes, 0, &m);
    if (s != LIN_OK) return s;
    n = lin__dtype_sizes[m.dtype];
    swap = n > 1 && m.big_endian == lin__host_little();
    for (i = 0; i < m.count; ++i) {
        const unsigned char *p = (const unsigned char *)buf + m.data_offset + lin__npy_at(&m, i) * n;
        unsigned char *q = (unsigned char *)out + i * n;
        for (k = 0; k < n; ++k) q[k] = p[swap ? n - 1 - k : k];
    }
    return LIN_OK;
}

#endif /* LIN_NO_NPY */

#ifndef LIN_NO_SAFETENSORS
/* ---- serialization: safetensors ---- */

/* s[0..n) is UTF-8 as Rust's str::from_utf8 takes it: no overlong form,
   no surrogate, nothing past U+10FFFF */
static int lin__utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0, k, q;
    while (i < n) {
        const unsigned c = s[i];
        uint32_t cp, least;
        if (c < 0x80u) {
            ++i;
            continue;
        }
        if (c >= 0xC2u && c <= 0xDFu) { k = 1; cp = c & 0x1Fu; least = 0x80u; }
        else if (c >= 0xE0u && c <= 0xEFu) { k = 2; cp = c & 0x0Fu; least = 0x800u; }
        else if (c >= 0xF0u && c <= 0xF4u) { k = 3; cp = c & 0x07u; least = 0x10000u; }
        else return 0;
        if (n - i <= k) return 0;
        for (q = 1; q <= k; ++q) {
            if ((s[i + q] & 0xC0u) != 0x80u) return 0;
            cp = cp << 6 | (uint32_t)(s[i + q] & 0x3Fu);
        }
        if (cp < least || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) return 0;
        i += k + 1;
    }
    return 1;
}

/* A JSON reader over [p, end): RFC 8259, as serde_json reads it */
typedef struct lin__js { const char *p, *end; } lin__js;

static void lin__js_ws(lin__js *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) ++j->p;
}

/* the next character after spaces is c: 1, past it; else 0 */
static int lin__js_is(lin__js *j, char c)
{
    lin__js_ws(j);
    if (j->p < j->end && *j->p == c) {
        ++j->p;
        return 1;
    }
    return 0;
}

static int lin__js_digit(const lin__js *j, const char *p)
{
    return p < j->end && *p >= '0' && *p <= '9';
}

/* four hex digits at p (4 readable) */
static int lin__hex4(const char *p, uint32_t *v)
{
    int i;
    *v = 0;
    for (i = 0; i < 4; ++i) {
        const char c = p[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return 0;
        *v = *v << 4 | (uint32_t)d;
    }
    return 1;
}

/* a string after spaces: *s, *n its text between the quotes, as written;
   no raw control character, every escape valid, a \u surrogate paired */
static int lin__js_string(lin__js *j, const char **s, size_t *n)
{
    const char *p;
    lin__js_ws(j);
    if (j->p >= j->end || *j->p != '"') return 0;
    p = j->p + 1;
    while (p < j->end && *p != '"') {
        uint32_t u;
        if ((unsigned char)*p < 0x20u) return 0;
        if (*p != '\\') {
            ++p;
            continue;
        }
        if (j->end - p < 2) return 0;
        if (p[1] != 'u') {
            if (p[1] != '"' && p[1] != '\\' && p[1] != '/' && p[1] != 'b' && p[1] != 'f' && p[1] != 'n' &&
                p[1] != 'r' && p[1] != 't')
                return 0;
            p += 2;
            continue;
        }
        if (j->end - p < 6 || !lin__hex4(p + 2, &u) || (u >= 0xDC00u && u <= 0xDFFFu)) return 0;
        p += 6;
        if (u >= 0xD800u && u <= 0xDBFFu &&     /* a high surrogate: its low one next */
            (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' || !lin__hex4(p + 2, &u) || u < 0xDC00u || u > 0xDFFFu))
            return 0;
        if (u >= 0xDC00u && u <= 0xDFFFu) p += 6;
    }
    if (p >= j->end) return 0;
    *s = j->p + 1;
    *n = (size_t)(p - (j->p + 1));
    j->p = p + 1;
    return 1;
}

/* code point u as UTF-8 into b: its length */
static size_t lin__utf8_put(uint32_t u, unsigned char *b)
{
    if (u < 0x80u) { b[0] = (unsigned char)u; return 1; }
    if (u < 0x800u) { b[0] = (unsigned char)(0xC0u | u >> 6); b[1] = (unsigned char)(0x80u | (u & 0x3Fu)); return 2; }
    if (u < 0x10000u) {
        b[0] = (unsigned char)(0xE0u | u >> 12);
        b[1] = (unsigned char)(0x80u | (u >> 6 & 0x3Fu));
        b[2] = (unsigned char)(0x80u | (u & 0x3Fu));
        return 3;
    }
    b[0] = (unsigned char)(0xF0u | u >> 18);
    b[1] = (unsigned char)(0x80u | (u >> 12 & 0x3Fu));
    b[2] = (unsigned char)(0x80u | (u >> 6 & 0x3Fu));
    b[3] = (unsigned char)(0x80u | (u & 0x3Fu));
    return 4;
}

/* the string raw[0..n) (checked by lin__js_string), escapes decoded,
   equals want[0..wn) */
static int lin__js_eq(const char *raw, size_t n, const char *want, size_t wn)
{
    size_t i = 0, k = 0, q, nb;
    unsigned char b[4];
    while (i < n) {
        if (raw[i] != '\\') {
            b[0] = (unsigned char)raw[i++];
            nb = 1;
        } else if (raw[i + 1] != 'u') {
            const char e = raw[i + 1];
            b[0] = (unsigned char)(e == 'b' ? 8 : e == 'f' ? 12 : e == 'n' ? 10 : e == 'r' ? 13 : e == 't' ? 9 : e);
            nb = 1;
            i += 2;
        } else {
            uint32_t u, lo;
            (void)lin__hex4(raw + i + 2, &u);
            i += 6;
            if (u >= 0xD800u && u <= 0xDBFFu) {
                (void)lin__hex4(raw + i + 2, &lo);
                i += 6;
                u = 0x10000u + ((u - 0xD800u) << 10) + (lo - 0xDC00u);
            }
            nb = lin__utf8_put(u, b);
        }
        for (q = 0; q < nb; ++q, ++k)
            if (k >= wn || (unsigned char)want[k] != b[q]) return 0;
    }
    return k == wn;
}

/* an integer within size_t, as serde reads a usize: digits without a
   leading zero ("-0" is 0), no fraction, no exponent */
static int lin__js_size(lin__js *j, size_t *v)
{
    size_t r = 0;
    int neg = 0;
    lin__js_ws(j);
    if (j->p < j->end && *j->p == '-') {
        neg = 1;
        ++j->p;
    }
    if (!lin__js_digit(j, j->p)) return 0;
    if (*j->p == '0') {
        ++j->p;
    } else {
        if (neg) return 0;
        while (lin__js_digit(j, j->p)) {
            const size_t d = (size_t)(*j->p++ - '0');
            if (r > ((size_t)-1 - d) / 10u) return 0;
            r = r * 10u + d;
        }
    }
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E' || lin__js_digit(j, j->p))) return 0;
    *v = r;
    return 1;
}

/* a number, true, false or null */
static int lin__js_scalar(lin__js *j)
{
    const char *p = j->p;
    const size_t left = (size_t)(j->end - p);
    if (left >= 4 && (!LIN__MEMCMP(p, "true", 4) || !LIN__MEMCMP(p, "null", 4))) {
        j->p += 4;
        return 1;
    }
    if (left >= 5 && !LIN__MEMCMP(p, "false", 5)) {
        j->p += 5;
        return 1;
    }
    if (p < j->end && *p == '-') ++p;
    if (!lin__js_digit(j, p)) return 0;
    if (*p == '0') ++p;
    else while (lin__js_digit(j, p)) ++p;
    if (p < j->end && *p == '.') {
        if (!lin__js_digit(j, ++p)) return 0;
        while (lin__js_digit(j, p)) ++p;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < j->end && (*p == '+' || *p == '-')) ++p;
        if (!lin__js_digit(j, p)) return 0;
        while (lin__js_digit(j, p)) ++p;
    }
    j->p = p;
    return 1;
}

/* serde_json's nesting limit (128 levels, counting the header's object
   and a tensor's) for the value of a field it ignores */
#define LIN__JS_DEPTH 125

/* any JSON value (a field the format does not define), without recursion */
static int lin__js_skip(lin__js *j)
{
    char open[LIN__JS_DEPTH];
    int depth = 0;
    const char *s;
    size_t n;
    for (;;) {
        lin__js_ws(j);                          /* a value */
        if (j->p >= j->end) return 0;
        if (*j->p == '{' || *j->p == '[') {
            if (depth == LIN__JS_DEPTH) return 0;
            open[depth++] = *j->p++;
            if (lin__js_is(j, open[depth - 1] == '{' ? '}' : ']')) {
                --depth;
            } else {
                if (open[depth - 1] == '{' && (!lin__js_string(j, &s, &n) || !lin__js_is(j, ':'))) return 0;
                continue;
            }
        } else if (*j->p == '"' ? !lin__js_string(j, &s, &n) : !lin__js_scalar(j)) {
            return 0;
        }
        for (;;) {                              /* after a value: the next one, or the ends */
            if (!depth) return 1;
            if (lin__js_is(j, ',')) {
                if (open[depth - 1] == '{' && (!lin__js_string(j, &s, &n) || !lin__js_is(j, ':'))) return 0;
                break;
            }
            if (!lin__js_is(j, open[depth - 1] == '{' ? '}' : ']')) return 0;
            --depth;
        }
    }
}

/* One tensor of the header, as parsed */
typedef struct lin__st_entry {
    const char *name;
    size_t name_len;
    int dtype;
    size_t ndim, shape[LIN_MAX_DIMS];
    size_t nbytes;              /* product(shape) x element size */
    int too_big;                /* ... past size_t */
    size_t begin, end;          /* data_offsets */
} lin__st_entry;

/* why's text, 0 */
static int lin__st_bad(lin__msg *why, const lin__st_entry *e, const char *what)
{
    if (why && !why->len) {
        if (e) {
            lin__puts(why, "tensor '");
            if (e->name_len < 200) {            /* the name as written, if short */
                size_t i;
                for (i = 0; i < e->name_len; ++i) {
                    char c[2];
                    c[0] = e->name[i];
                    c[1] = '\0';
                    lin__puts(why, c);
                }
            }
            lin__puts(why, "': ");
        }
        lin__puts(why, what);
    }
    return 0;
}

/* a tensor's object: dtype, shape, data_offsets (each once), other fields
   skipped */
static int lin__st_info(lin__js *j, lin__st_entry *e, lin__msg *why)
{
    unsigned have = 0;
    size_t elems = 1;
    const char *k;
    size_t kn;
    e->too_big = 0;
    e->ndim = 0;
    if (!lin__js_is(j, '{')) return lin__st_bad(why, e, "not an object");
    if (!lin__js_is(j, '}')) {
        do {
            unsigned bit;
            if (!lin__js_string(j, &k, &kn) || !lin__js_is(j, ':'))
                return lin__st_bad(why, e, "malformed JSON in its object");
            bit = lin__js_eq(k, kn, "dtype", 5) ? 1u : lin__js_eq(k, kn, "shape", 5) ? 2u
                : lin__js_eq(k, kn, "data_offsets", 12) ? 4u : 0u;
            if (have & bit) return lin__st_bad(why, e, "a field given twice");
            have |= bit;
            if (bit == 1u) {
                const char *v;
                size_t vn;
                int d;
                if (!lin__js_string(j, &v, &vn)) return lin__st_bad(why, e, "dtype is not a string");
                for (d = 0; d < 15 && !lin__js_eq(v, vn, lin__dtype_names[d], LIN__STRLEN(lin__dtype_names[d])); ++d) {
                }
                if (d == 15) return lin__st_bad(why, e, "dtype is none of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64");
                e->dtype = d;
            } else if (bit == 2u) {
                if (!lin__js_is(j, '[')) return lin__st_bad(why, e, "shape is not a list");
                if (!lin__js_is(j, ']')) {
                    do {
                        size_t v;
                        if (!lin__js_size(j, &v)) return lin__st_bad(why, e, "a dim of shape is not an integer in size_t");
                        if (e->ndim < LIN_MAX_DIMS) e->shape[e->ndim] = v;
                        ++e->ndim;
                        if (!e->too_big && !lin__mul(elems, v, &elems)) e->too_big = 1;
                    } while (lin__js_is(j, ','));
                    if (!lin__js_is(j, ']')) return lin__st_bad(why, e, "shape is not a list of integers");
                }
            } else if (bit == 4u) {
                if (!lin__js_is(j, '[') || !lin__js_size(j, &e->begin) || !lin__js_is(j, ',') ||
                    !lin__js_size(j, &e->end) || !lin__js_is(j, ']'))
                    return lin__st_bad(why, e, "data_offsets is not [begin, end], integers in size_t");
            } else if (!lin__js_skip(j)) {
                return lin__st_bad(why, e, "malformed JSON in a field");
            }
        } while (lin__js_is(j, ','));
        if (!lin__js_is(j, '}')) return lin__st_bad(why, e, "malformed JSON in its object");
    }
    if (have != 7u) return lin__st_bad(why, e, "dtype, shape or data_offsets missing");
    if (!e->too_big && !lin__mul(elems, lin__dtype_sizes[e->dtype], &e->nbytes)) e->too_big = 1;
    return 1;
}

/* "__metadata__": null, or a map of strings to strings */
static int lin__st_meta(lin__js *j)
{
    const char *s;
    size_t n;
    lin__js_ws(j);
    if ((size_t)(j->end - j->p) >= 4 && !LIN__MEMCMP(j->p, "null", 4)) {
        j->p += 4;
        return 1;
    }
    if (!lin__js_is(j, '{')) return 0;
    if (lin__js_is(j, '}')) return 1;
    do {
        if (!lin__js_string(j, &s, &n) || !lin__js_is(j, ':') || !lin__js_string(j, &s, &n)) return 0;
    } while (lin__js_is(j, ','));
    return lin__js_is(j, '}');
}

/* The header's tensors in order */
typedef struct lin__st_it {
    lin__js j;
    int started, meta;
} lin__st_it;

static void lin__st_begin(lin__st_it *it, const char *header, size_t n)
{
    it->j.p = header + 1;                       /* past '{' */
    it->j.end = header + n;
    it->started = 0;
    it->meta = 0;
}

/* the next tensor into e: 1; 0 at the end (the object closed, only
   spaces after it); -1 malformed */
static int lin__st_next(lin__st_it *it, lin__st_entry *e, lin__msg *why)
{
    const char *k;
    size_t kn;
    for (;;) {
        if (lin__js_is(&it->j, '}')) {
            lin__js_ws(&it->j);
            if (it->j.p == it->j.end) return 0;
            return lin__st_bad(why, NULL, "characters after the header's object") - 1;
        }
        if (it->started && !lin__js_is(&it->j, ',')) return lin__st_bad(why, NULL, "malformed JSON") - 1;
        it->started = 1;
        if (!lin__js_string(&it->j, &k, &kn) || !lin__js_is(&it->j, ':'))
            return lin__st_bad(why, NULL, "malformed JSON") - 1;
        if (!lin__js_eq(k, kn, "__metadata__", 12)) break;
        if (it->meta++) return lin__st_bad(why, NULL, "__metadata__ given twice") - 1;
        if (!lin__st_meta(&it->j)) return lin__st_bad(why, NULL, "__metadata__ is not a map of strings to strings") - 1;
    }
    e->name = k;
    e->name_len = kn;
    return lin__st_info(&it->j, e, why) ? 1 : -1;
}

/* Out-of-order offsets: the non-empty ranges pairwise apart, summing to
   the last end (so they tile [0, end)), and each empty one at 0 or at the
   end of a non-empty one: what ordering them and walking from 0 accepts.
   One pass over the header per tensor. */
static int lin__st_tiles(const char *header, size_t n, size_t data_bytes, size_t *last, lin__msg *why)
{
    lin__st_it a, b;
    lin__st_entry ea, eb;
    size_t ia = 0, ib, sum = 0, top = 0;
    lin__st_begin(&a, header, n);
    while (lin__st_next(&a, &ea, NULL) == 1) {
        int found = ea.begin == 0;
        sum += ea.end - ea.begin;               /* each at most data_bytes: no overflow below */
        if (sum > data_bytes) return lin__st_bad(why, &ea, "data_offsets overlap another's");
        top = ea.end > top ? ea.end : top;
        lin__st_begin(&b, header, n);
        for (ib = 0; lin__st_next(&b, &eb, NULL) == 1; ++ib) {
            if (ib == ia || eb.end == eb.begin) continue;
            if (ea.end > ea.begin && ea.begin < eb.end && eb.begin < ea.end)
                return lin__st_bad(why, &ea, "data_offsets overlap another's");
            found |= eb.end == ea.begin;
        }
        if (ea.end == ea.begin && !found) return lin__st_bad(why, &ea, "data_offsets leave a gap before it");
        ++ia;
    }
    if (sum != top) return lin__st_bad(why, NULL, "the tensors' data_offsets leave a gap");
    *last = top;
    return 1;
}

static lin_status lin__st_open(lin_safetensors *st, const void *file, size_t file_bytes, lin__msg *why)
{
    const unsigned char *f = (const unsigned char *)file;
    const char *header;
    uint64_t n64;
    size_t n, data_bytes, expect = 0, count = 0, last = 0;
    int ordered = 1, r;
    lin__st_it it;
    lin__st_entry e;
    if (!file && file_bytes) return LIN_ERR_NULL;
    if (file_bytes < 8) return lin__st_bad(why, NULL, "shorter than the 8 bytes of the header's length"), LIN_ERR_FORMAT;
    n64 = lin__uint_of_bytes(f, 8, 0);
    if (n64 > 100000000u) return lin__st_bad(why, NULL, "a header length past 100,000,000 bytes"), LIN_ERR_FORMAT;
    n = (size_t)n64;
    if (n > file_bytes - 8) return lin__st_bad(why, NULL, "a header length past the file's end"), LIN_ERR_FORMAT;
    header = (const char *)(const void *)(f + 8);
    if (!lin__utf8_ok(f + 8, n)) return lin__st_bad(why, NULL, "a header that is not UTF-8"), LIN_ERR_FORMAT;
    if (!n || header[0] != '{') return lin__st_bad(why, NULL, "a header that does not start with '{'"), LIN_ERR_FORMAT;
    data_bytes = file_bytes - 8 - n;
    lin__st_begin(&it, header, n);
    while ((r = lin__st_next(&it, &e, why)) == 1) {
        if (e.too_big) return lin__st_bad(why, &e, "product(shape) x element size past size_t"), LIN_ERR_FORMAT;
        if (e.end < e.begin) return lin__st_bad(why, &e, "data_offsets end before they begin"), LIN_ERR_FORMAT;
        if (e.end - e.begin != e.nbytes) {
            if (why && !why->len) {
                lin__st_bad(why, &e, "data_offsets [");
                lin__putu(why, e.begin);
                lin__puts(why, ", ");
                lin__putu(why, e.end);
                lin__puts(why, "] hold ");
                lin__putu(why, e.end - e.begin);
                lin__puts(why, " bytes, shape ");
                lin__putshape(why, e.ndim < LIN_MAX_DIMS ? (int)e.ndim : LIN_MAX_DIMS, e.shape);
                lin__puts(why, " of ");
                lin__puts(why, lin__dtype_names[e.dtype]);
                lin__puts(why, " needs ");
                lin__putu(why, e.nbytes);
            }
            return LIN_ERR_FORMAT;
        }
        if (e.end > data_bytes) return lin__st_bad(why, &e, "data_offsets past the file's end"), LIN_ERR_FORMAT;
        if (ordered && e.begin != expect) ordered = 0;
        expect = e.end;
        ++count;
    }
    if (r < 0) return LIN_ERR_FORMAT;
    if (ordered) last = count ? expect : 0;
    else if (!lin__st_tiles(header, n, data_bytes, &last, why)) return LIN_ERR_FORMAT;
    if (last != data_bytes) {
        if (why && !why->len) {
            lin__puts(why, "the tensors end at byte ");
            lin__putu(why, last);
            lin__puts(why, " of a data buffer of ");
            lin__putu(why, data_bytes);
        }
        return LIN_ERR_FORMAT;
    }
    if (st) {
        st->file = f;
        st->file_bytes = file_bytes;
        st->header = header;
        st->header_bytes = n;
        st->data = f + 8 + n;
        st->count = count;
    }
    return LIN_OK;
}

LIN_API lin_status lin_safetensors_open(lin_safetensors *st, const void *file, size_t file_bytes)
{
    if (!st) return LIN_ERR_NULL;
    return lin__st_open(st, file, file_bytes, NULL);
}

LIN_API lin_status lin_safetensors_open_explain(const void *file, size_t file_bytes, char *msg, size_t msg_size)
{
    lin__msg m = lin__msg_start(msg, msg_size);
    lin_status s = lin__st_open(NULL, file, file_bytes, &m);
    if (s == LIN_ERR_NULL) lin__puts(&m, "file is NULL with bytes");
    return s;
}

LIN_API size_t lin_safetensors_count(const lin_safetensors *st)
{
    return st ? st->count : 0;
}

/* An output of out_bytes at out apart from *st and the file's bytes (read
   as it is written) */
static LIN__INLINE_KERNEL int lin__st_apart(const lin_safetensors *st, const void *out, size_t out_bytes)
{
    lin__span os, ss;
    lin__span_set(&os, out, out_bytes, 1);
    lin__span_set(&ss, st, 1, sizeof *st);
    if (lin__meet(&os, &ss)) return 0;
    lin__span_set(&ss, st->file, st->file_bytes, 1);
    return !lin__meet(&os, &ss);
}

static void lin__st_out(const lin_safetensors *st, const lin__st_entry *e, lin_st_tensor *t)
{
    size_t d;
    t->name = e->name;
    t->name_len = e->name_len;
    t->dtype = (lin_dtype)e->dtype;
    t->ndim = (int)e->ndim;
    for (d = 0; d < LIN_MAX_DIMS; ++d) t->shape[d] = d < e->ndim ? e->shape[d] : 0;
    t->data = st->data + e->begin;
    t->data_bytes = e->nbytes;
}

LIN_API lin_status lin_safetensors_tensor(const lin_safetensors *st, size_t i, lin_st_tensor *t)
{
    lin__st_it it;
    lin__st_entry e;
    size_t k;
    if (!st || !t || !st->header) return LIN_ERR_NULL;
    if (!lin__st_apart(st, t, sizeof *t)) return LIN_ERR_ALIAS;
    if (i >= st->count) return LIN_ERR_INDEX;
    lin__st_begin(&it, st->header, st->header_bytes);
    for (k = 0; k <= i; ++k)
        if (lin__st_next(&it, &e, NULL) != 1) return LIN_ERR_FORMAT;   /* not an opened file */
    lin__st_out(st, &e, t);
    return LIN_OK;
}

LIN_API lin_status lin_safetensors_find(const lin_safetensors *st, const char *name, lin_st_tensor *t)
{
    lin__st_it it;
    lin__st_entry e;
    size_t len;
    int r;
    if (!st || !name || !t || !st->header) return LIN_ERR_NULL;
    if (!lin__st_apart(st, t, sizeof *t)) return LIN_ERR_ALIAS;
    len = LIN__STRLEN(name);
    lin__st_begin(&it, st->header, st->header_bytes);
    while ((r = lin__st_next(&it, &e, NULL)) == 1)
        if (lin__js_eq(e.name, e.name_len, name, len)) {
            lin__st_out(st, &e, t);
            return LIN_OK;
        }
    return r < 0 ? LIN_ERR_FORMAT : LIN_ERR_INDEX;
}

/* want's answer from the file alone (LIN_OK: found as described) */
static lin_status lin__st_want(const lin_safetensors *st, const lin_st_want *w, lin_st_tensor *t)
{
    lin_status s;
    int d;
    if (w->ndim < 0 || w->ndim > LIN_MAX_DIMS) return LIN_ERR_RANK;
    s = lin_safetensors_find(st, w->name, t);
    if (s != LIN_OK) return s;
    if (t->dtype != w->dtype) return LIN_ERR_DTYPE;
    if (t->ndim != w->ndim) return LIN_ERR_SHAPE;
    for (d = 0; d < w->ndim; ++d)
        if (t->shape[d] != w->shape[d]) return LIN_ERR_SHAPE;
    return LIN_OK;
}

LIN_API lin_status lin_safetensors_bind(const lin_safetensors *st, const lin_st_want *want, size_t count,
                                        const void **data)
{
    lin_status host = LIN_OK;   /* the first tensor this host cannot read in place */
    lin_st_tensor t;
    size_t i;
    lin__span ds, ws;
    if (!st || !st->header || (count && (!want || !data))) return LIN_ERR_NULL;
    for (i = 0; i < count; ++i)
        if (!want[i].name) return LIN_ERR_NULL;
    if (count) {                        /* data[count], written last, apart from all that is read */
        if (!lin__fits(count, sizeof *data) || !lin__fits(count, sizeof *want)) return LIN_ERR_OVERFLOW;
        lin__span_set(&ds, data, count, sizeof *data);
        lin__span_set(&ws, want, count, sizeof *want);
        if (!lin__st_apart(st, data, ds.n) || lin__meet(&ds, &ws)) return LIN_ERR_ALIAS;
        for (i = 0; i < count; ++i) {
            lin__span_set(&ws, want[i].name, LIN__STRLEN(want[i].name) + 1, 1);
            if (lin__meet(&ds, &ws)) return LIN_ERR_ALIAS;
        }
    }
    for (i = 0; i < count; ++i) {
        const lin_status s = lin__st_want(st, &want[i], &t);
        size_t size;
        if (s != LIN_OK) return s;
        size = lin_dtype_size(t.dtype);     /* a dtype of the file's: listed, 1 or more */
        if (host == LIN_OK && size > 1 && !lin__host_little()) host = LIN_ERR_DTYPE;
        if (host == LIN_OK && (uintptr_t)t.data % size) host = LIN_ERR_VALUE;
    }
    if (host != LIN_OK) return host;
    for (i = 0; i < count; ++i) {
        (void)lin_safetensors_find(st, want[i].name, &t);  /* LIN_OK: found above */
        data[i] = t.data;
    }
    return LIN_OK;
}

LIN_API lin_status lin_safetensors_view(const lin_st_tensor *t, lin_tensor *view)
{
    if (!t || !view || (!t->data && t->data_bytes)) return LIN_ERR_NULL;
    if (t->dtype != LIN_DTYPE_F32 || !lin__host_little()) return LIN_ERR_DTYPE;
    if (t->ndim < 0 || t->ndim > LIN_MAX_DIMS) return LIN_ERR_RANK;
    if ((uintptr_t)t->data % sizeof(float)) return LIN_ERR_VALUE;
    *view = lin_tensor_view((float *)(uintptr_t)t->data, t->ndim, t->shape);
    return LIN_OK;
}

/* ---- safetensors: the writer ---- */

/* bytes out, or counted only (p NULL) */
typedef struct lin__bytes { unsigned char *p; size_t len; } lin__bytes;

static void lin__put_bytes(lin__bytes *o, const char *s, size_t n)
{
    if (o->p) LIN__MEMCPY(o->p + o->len, s, n);
    o->len += n;
}

static void lin__put_str(lin__bytes *o, const char *s)
{
    lin__put_bytes(o, s, LIN__STRLEN(s));
}

static void lin__put_size(lin__bytes *o, size_t v)
{
    char d[3 * sizeof(size_t) + 1];
    lin__put_str(o, lin__udigits(v, d + sizeof d - 1));
}

/* name as a JSON string, escaped as serde_json escapes */
static void lin__put_json_string(lin__bytes *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    lin__put_str(o, "\"");
    for (i = 0; i < n; ++i) {
        const unsigned char c = (unsigned char)s[i];
        char e[6];
        if (c == '"' || c == '\\') { e[0] = '\\'; e[1] = (char)c; lin__put_bytes(o, e, 2); }
        else if (c == '\b') lin__put_str(o, "\\b");
        else if (c == '\f') lin__put_str(o, "\\f");
        else if (c == '\n') lin__put_str(o, "\\n");
        else if (c == '\r') lin__put_str(o, "\\r");
        else if (c == '\t') lin__put_str(o, "\\t");
        else if (c < 0x20u) {
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15u];
            lin__put_bytes(o, e, 6);
        } else lin__put_bytes(o, s + i, 1);
    }
    lin__put_str(o, "\"");
}

/* The header of tensors in the writer's order (element size 8, 4, 2, 1;
   the given order within one), padded with spaces to a multiple of 8; *data
   the bytes of the tensors after it */
static void lin__st_header(const lin_st_tensor *ts, size_t count, lin__bytes *o, size_t *data)
{
    static const unsigned char sizes[4] = {8, 4, 2, 1};
    size_t off = 0, q, i, first = 1;
    int d;
    lin__put_str(o, "{");
    for (q = 0; q < 4; ++q)
        for (i = 0; i < count; ++i) {
            const lin_st_tensor *t = &ts[i];
            if (lin__dtype_sizes[t->dtype] != sizes[q]) continue;
            if (!first) lin__put_str(o, ",");
            first = 0;
            lin__put_json_string(o, t->name, t->name_len);
            lin__put_str(o, ":{\"dtype\":\"");
            lin__put_str(o, lin__dtype_names[t->dtype]);
            lin__put_str(o, "\",\"shape\":[");
            for (d = 0; d < t->ndim; ++d) {
                if (d) lin__put_str(o, ",");
                lin__put_size(o, t->shape[d]);
            }
            lin__put_str(o, "],\"data_offsets\":[");
            lin__put_size(o, off);
            lin__put_str(o, ",");
            off += t->data_bytes;
            lin__put_size(o, off);
            lin__put_str(o, "]}");
        }
    lin__put_str(o, "}");
    while (o->len % 8u) lin__put_str(o, " ");
    *data = off;
}

/* the writer's checks; *total the file's bytes */
static lin_status lin__st_check_write(const lin_st_tensor *ts, size_t count, size_t *total)
{
    size_t i, k, data = 0, hdr, bound = 0;
    lin__bytes o;
    if (!ts && count) return LIN_ERR_NULL;
    for (i = 0; i < count; ++i) {
        const lin_st_tensor *t = &ts[i];
        size_t elems = 1, nb;
        int d;
        if (!t->name || (!t->data && t->data_bytes)) return LIN_ERR_NULL;
        if ((unsigned)t->dtype >= 15u) return LIN_ERR_VALUE;
        if (t->ndim < 0 || t->ndim > LIN_MAX_DIMS) return LIN_ERR_RANK;
        for (d = 0; d < t->ndim; ++d)
            if (!lin__mul(elems, t->shape[d], &elems)) return LIN_ERR_OVERFLOW;
        if (!lin__mul(elems, lin__dtype_sizes[t->dtype], &nb)) return LIN_ERR_OVERFLOW;
        if (nb != t->data_bytes) return LIN_ERR_SHAPE;
        if (!lin__utf8_ok((const unsigned char *)t->name, t->name_len) ||
            (t->name_len == 12 && !LIN__MEMCMP(t->name, "__metadata__", 12)))
            return LIN_ERR_VALUE;
        for (k = 0; k < t->name_len; ++k)
            if (!t->name[k]) return LIN_ERR_VALUE;
        for (k = 0; k < i; ++k)
            if (ts[k].name_len == t->name_len && !LIN__MEMCMP(ts[k].name, t->name, t->name_len)) return LIN_ERR_VALUE;
        if (data > (size_t)-1 - nb) return LIN_ERR_OVERFLOW;
        data += nb;
        /* the header's bytes for this tensor: at most 6 a name byte (\u00XX), 64 besides, 21 a
           number (three dims' worth past the offsets) */
        if (!lin__mul(t->name_len, 6u, &nb) || nb > (size_t)-1 - 64u - 21u * (LIN_MAX_DIMS + 2u) ||
            bound > (size_t)-1 - (nb + 64u + 21u * (LIN_MAX_DIMS + 2u)))
            return LIN_ERR_OVERFLOW;
        bound += nb + 64u + 21u * (LIN_MAX_DIMS + 2u);
    }
    if (bound > (size_t)-1 - 16u - data) return LIN_ERR_OVERFLOW;
    o.p = NULL;
    o.len = 0;
    lin__st_header(ts, count, &o, &k);
    hdr = o.len;                                /* at most bound + 9 */
    *total = 8 + hdr + data;
    return LIN_OK;
}

LIN_API size_t lin_safetensors_size(const lin_st_tensor *tensors, size_t count)
{
    size_t total = 0;
    return lin__st_check_write(tensors, count, &total) == LIN_OK ? total : 0;
}

LIN_API lin_status lin_safetensors_write(const lin_st_tensor *tensors, size_t count, void *buf, size_t buf_size,
                                         size_t *written)
{
    size_t total = 0, i, q, data;
    lin__bytes o;
    lin__span out, in;
    lin_status s = lin__st_check_write(tensors, count, &total);
    if (s != LIN_OK) return s;
    if (!buf) return LIN_ERR_NULL;
    if (buf_size < total) return LIN_ERR_SIZE;
    lin__span_set(&out, buf, total, 1);
    for (i = 0; i < count; ++i) {
        lin__span_set(&in, tensors[i].name, tensors[i].name_len, 1);
        if (lin__meet(&out, &in)) return LIN_ERR_ALIAS;
        lin__span_set(&in, tensors[i].data, tensors[i].data_bytes, 1);
        if (lin__meet(&out, &in)) return LIN_ERR_ALIAS;
    }
    /* the array itself (read again as the header and the data are
       written: a shape or a length changed midway would write past what
       was measured) and *written (stored last, into the file) */
    lin__span_set(&in, tensors, count, sizeof *tensors);
    if (lin__meet(&out, &in)) return LIN_ERR_ALIAS;
    lin__span_set(&in, written, 1, sizeof *written);
    if (lin__meet(&out, &in)) return LIN_ERR_ALIAS;
    o.p = (unsigned char *)buf + 8;
    o.len = 0;
    lin__st_header(tensors, count, &o, &data);
    for (i = 0; i < 8; ++i) ((unsigned char *)buf)[i] = (unsigned char)((uint64_t)o.len >> (8 * i));
    o.p = (unsigned char *)buf;
    o.len += 8;
    for (q = 8; q; q /= 2)                      /* the data in the header's order */
        for (i = 0; i < count; ++i)
            if (lin__dtype_sizes[tensors[i].dtype] == q && tensors[i].data_bytes)
                lin__put_bytes(&o, (const char *)tensors[i].data, tensors[i].data_bytes);
    if (written) *written = o.len;
    return LIN_OK;
}
#endif /* LIN_NO_SAFETENSORS */

#ifndef LIN_NO_INT8
/* ---- int8: requantization ---- */

#ifndef LIN_SINGLE_ROUNDING
/* the int32 whose two's complement bits are u (a plain cast is
   implementation-defined from 2^31 on; this compiles to nothing) */
static int32_t lin__i32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) + INT32_MIN;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul, as TFLite uses it: a*b
   over 2^31, with the nudge +2^30 for a positive product and 1 - 2^30 for
   a negative one before a division that truncates toward zero. For a
   negative product that is floor((a*b + 2^30) / 2^31) as well, so one
   floor serves both signs, without a branch on the sign (which random
   data mispredicts half the time). INT32_MIN*INT32_MIN, the one product
   that does not fit, saturates to INT32_MAX. */
#if !defined(LIN__MUL_PARTS) && defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1 && \
    !defined(__ARM_ARCH_ISA_ARM)
#define LIN__MUL_PARTS 1    /* Thumb-1 only (Cortex-M0/M0+/M23): no 32x32 -> 64 multiply */
#endif
static int32_t lin__doubling_high_mul(int32_t a, int32_t b)
{
#if LIN__MUL_PARTS
    /* the product's two's complement bits from four 16x16 products (no
       call to libgcc's 64-bit multiply), then a sign correction: for a < 0
       the unsigned product holds b's bits 2^32 times too many, and alike */
    const uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    const uint32_t ll = (ua & 0xffffu) * (ub & 0xffffu), lh = (ua & 0xffffu) * (ub >> 16);
    const uint32_t hl = (ua >> 16) * (ub & 0xffffu), hh = (ua >> 16) * (ub >> 16);
    const uint32_t mid = (ll >> 16) + (lh & 0xffffu) + (hl & 0xffffu);
    uint32_t lo = (mid << 16) | (ll & 0xffffu);
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16) - (a < 0 ? ub : 0u) - (b < 0 ? ua : 0u);
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    lo += (uint32_t)1 << 30;
    hi += lo < ((uint32_t)1 << 30);     /* the carry */
    return lin__i32((hi << 1) | (lo >> 31));
#else
    uint64_t p;
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    /* the sum's bits 31..62 are the floor's (it fits int32): a logical
       shift of its two's complement bits, no 64-bit arithmetic shift */
    p = (uint64_t)((int64_t)a * (int64_t)b) + ((uint64_t)1 << 30);
    return lin__i32((uint32_t)(p >> 31));
#endif
}

#endif

/* x >> e as an arithmetic shift, for negative x too (C leaves that to the
   implementation): floor(x / 2^e), 0 <= e <= 62. Single rounding and
   lin_linear_s16 use it. */
static int64_t lin__asr(int64_t x, int e)
{
    return x >= 0 ? x >> e : ~(~x >> e);
}

#ifndef LIN_SINGLE_ROUNDING
/* x >> e as an arithmetic shift in 32 bits (0 <= e <= 31) */
static int32_t lin__asr32(int32_t x, int e)
{
    return x >= 0 ? x >> e : ~(~x >> e);
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e rounded to nearest, ties away
   from zero (0 <= e <= 31): x >> e, plus one when the remainder passes
   half (half is one more for a negative x). All in 32 bits. */
static int32_t lin__divide_by_pot(int32_t x, int e)
{
    const uint32_t mask = ((uint32_t)1 << e) - 1u;
    const uint32_t rem = (uint32_t)x & mask, threshold = (mask >> 1) + (uint32_t)(x < 0);
    return lin__asr32(x, e) + (rem > threshold);
}

/* acc * 2^left (0 <= left <= 30), saturated to int32 */
static int32_t lin__shl_sat32(int32_t acc, int left)
{
    if (acc > (INT32_MAX >> left)) return INT32_MAX;
    if (acc < lin__asr32(INT32_MIN, left)) return INT32_MIN;
    return acc * ((int32_t)1 << left);
}
#else
static int32_t lin__sat32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}
#endif

/* TFLite's MultiplyByQuantizedMultiplier: acc * multiplier * 2^(shift-31),
   rounded. shift in [-31, 30], multiplier >= 0 (validated). */
static int32_t lin__requantize(int32_t acc, int32_t multiplier, int32_t shift)
{
#ifdef LIN_SINGLE_ROUNDING
    /* one rounding: (acc*multiplier + 2^(total-1)) >> total, total = 31 - shift,
       so ties go up, as TFLite's and CMSIS-NN's single-rounding builds do */
    const int total = 31 - (int)shift;
    return lin__sat32(lin__asr((int64_t)acc * multiplier + ((int64_t)1 << (total - 1)), total));
#else
    /* two roundings: a left shift for a multiplier above 1 (saturating, where
       TFLite's int32 product would overflow), the doubling high multiply,
       then the rounding right shift for a multiplier below 1 */
    const int left = shift > 0 ? (int)shift : 0, right = shift > 0 ? 0 : (int)-shift;
    return lin__divide_by_pot(lin__doubling_high_mul(lin__shl_sat32(acc, left), multiplier), right);
#endif
}

LIN_API lin_status lin_quantize_multiplier(double real_multiplier, int32_t *multiplier,
                                           int32_t *shift)
{
    double q = real_multiplier;
    int64_t q_fixed;
    int s = 0;
    if (!multiplier || !shift) return LIN_ERR_NULL;
    if (!(q >= 0.0) || q >= 1073741824.0) return LIN_ERR_VALUE;   /* NaN, < 0, >= 2^30, Inf */
    if (q == 0.0) {
        *multiplier = 0;
        *shift = 0;
        return LIN_OK;
    }
    /* frexp without libm: q*2^-s in [0.5, 1), every step exact */
    while (q >= 1.0) { q *= 0.5; ++s; }
    while (q < 0.5 && s > -64) { q *= 2.0; --s; }
    q_fixed = (int64_t)(q * 2147483648.0 + 0.5);     /* round, ties away (q > 0) */
    if (q_fixed == (int64_t)1 << 31) {              /* rounded up to 1.0: renormalise */
        q_fixed /= 2;
        ++s;
    }
    if (s < -31) {                      /* every bit would shift out: TFLite makes it 0 */
        q_fixed = 0;
        s = 0;
    }
    if (s > 30) return LIN_ERR_VALUE;
    *multiplier = (int32_t)q_fixed;
    *shift = s;
    return LIN_OK;
}

/* ---- int8: the layer ---- */

/* sum_p (x[p] + xo)*w[p], exact in int32 under the in_features bound: with
   |x + xo| <= mx and |w| <= 128 <= mw, every partial sum is within
   in*mx*mw. The weight offset is added once per row of x, as
   wo*sum_p (x[p] + xo) (lin__sum_s8), so the inner loops never see it. */
/* the reference: one product at a time */
static LIN__INLINE_KERNEL int32_t lin__dot_s8_portable(const int8_t *x, const int8_t *w, size_t n, int32_t xo)
{
    int32_t sum = 0;
    size_t p;
    for (p = 0; p < n; ++p) sum += ((int32_t)x[p] + xo) * w[p];
    return sum;
}

/* The x86 four-row kernels' tail of k, p..n-1, added to s0[r] (and
   s1[r] with two) one product at a time */
static LIN__INLINE_KERNEL void lin__dot4_s8_tail(int two, const int8_t *x0, const int8_t *x1,
                                                 const int8_t *const w[4], size_t p, size_t n, int32_t xo,
                                                 int32_t *s0, int32_t *s1)
{
    size_t r;
    for (; p < n; ++p)
        for (r = 0; r < 4; ++r) {
            s0[r] += ((int32_t)x0[p] + xo) * w[r][p];
            if (two) s1[r] += ((int32_t)x1[p] + xo) * w[r][p];
        }
}

#if !defined(LIN_NO_SIMD) && (defined(__AVX2__) || LIN__DISPATCH)
#define LIN__DOT_S8_AVX2 1
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m128i lin__hsum4_avx2(__m256i a0, __m256i a1, __m256i a2, __m256i a3)
{
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* the 16 bytes at p widened to int16 */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__load_s8x16_avx2(const int8_t *p)
{
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* two int16 as a dword: lo in the low half (x86 is little-endian: as two
   int16 in memory, lo first) */
static LIN__INLINE_KERNEL int32_t lin__pair16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xffffu));
}

/* x[n - 16 .. n) + xo widened to int16 (n >= 16), the lanes of the steps
   before p (already taken) 0: the last n - p steps of a row as one step
   over its last 16 bytes, with W's last 16 */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__last16_s8_avx2(const int8_t *x, size_t n, size_t p,
                                                                      __m256i vxo)
{
    const __m256i keep = _mm256_cmpgt_epi16(_mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm256_set1_epi16((short)(15 - (int)(n - p))));
    return _mm256_and_si256(_mm256_add_epi16(lin__load_s8x16_avx2(x + n - 16), vxo), keep);
}

/* d[q] = the pair (x[2q] + xo, x[2q + 1] + xo) as a dword, x[in] as 0:
   a row of x widened once, for the dot products' blocks and the tiles */
static LIN__TARGET_AVX2 void lin__pairs_s8_avx2(const int8_t *x, size_t in, int32_t xo, int32_t *d)
{
    const __m256i vxo = _mm256_set1_epi16((short)xo);
    size_t p;
    for (p = 0; p + 16 <= in; p += 16)
        _mm256_storeu_si256((__m256i *)(void *)(d + p / 2), _mm256_add_epi16(lin__load_s8x16_avx2(x + p), vxo));
    for (; p < in; p += 2) d[p / 2] = lin__pair16(x[p] + xo, p + 1 < in ? x[p + 1] + xo : 0);
}

/* AVX2: s0[r] (and s1[r] with two) = the sums of x0 (and of x1)
   against the four rows w[r], 16 at a time: widened to int16, the offset
   added to x, pairs multiplied and added into int32 (vpmaddwd). Each row
   of W widened once for the rows of x, the sums in registers. x0 + xo
   (x1 + xo) come widened in h0 (h1, by lin__pairs_s8_avx2) where those
   are given, else are widened here, once for four rows of W: vpmovsxbw
   runs once a cycle on Zen 4 (vpmaddwd twice), so a row of x widened
   once per block of W left the loop widening W alone (AMD Zen 4, AVX2
   family, -O2, the same bytes out, us: 32x1024x1024 621 -> 523,
   64x784x128 118 -> 106; batch 1 within 4%). Inlined with two and the
   h's constant into the kernels below (two rows of x; one, for batch 1
   and a last odd row). Where rows of x are many and short,
   lin__linear_s8_tiles_avx2. */
/* GCOVR_EXCL_BR_START: inlined with two and the h's constant (as the
   tiles below) */
#define LIN__DOT4_S8_X(h, x) \
    ((h) ? _mm256_loadu_si256((const __m256i *)(const void *)((h) + p / 2)) \
         : _mm256_add_epi16(lin__load_s8x16_avx2((x) + p), vxo))
#define LIN__DOT4_S8_ROW(r)                                                                          \
    wv = lin__load_s8x16_avx2(w[r] + p);                                                             \
    a0##r = _mm256_add_epi32(a0##r, _mm256_madd_epi16(u, wv));                                      \
    if (two) a1##r = _mm256_add_epi32(a1##r, _mm256_madd_epi16(v, wv));
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__dot4_s8_avx2(int two, const int8_t *x0, const int8_t *x1,
                                                                  const int32_t *h0, const int32_t *h1,
                                                                  const int8_t *const w[4], size_t n, int32_t xo,
                                                                  int32_t *s0, int32_t *s1)
{
    const __m256i vxo = _mm256_set1_epi16((short)xo);
    __m256i a00 = _mm256_setzero_si256(), a01 = a00, a02 = a00, a03 = a00;
    __m256i a10 = a00, a11 = a00, a12 = a00, a13 = a00, u, v = a00, wv;
    size_t p = 0;
    for (; p + 16 <= n; p += 16) {
        u = LIN__DOT4_S8_X(h0, x0);
        if (two) v = LIN__DOT4_S8_X(h1, x1);
        LIN__DOT4_S8_ROW(0) LIN__DOT4_S8_ROW(1) LIN__DOT4_S8_ROW(2) LIN__DOT4_S8_ROW(3)
    }
    if (p < n && n >= 16) {             /* the last n % 16: the rows' last 16, steps taken masked off in x */
        u = lin__last16_s8_avx2(x0, n, p, vxo);
        if (two) v = lin__last16_s8_avx2(x1, n, p, vxo);
        p = n - 16;
        LIN__DOT4_S8_ROW(0) LIN__DOT4_S8_ROW(1) LIN__DOT4_S8_ROW(2) LIN__DOT4_S8_ROW(3)
        p = n;
    }
    _mm_storeu_si128((__m128i *)(void *)s0, lin__hsum4_avx2(a00, a01, a02, a03));
    if (two) _mm_storeu_si128((__m128i *)(void *)s1, lin__hsum4_avx2(a10, a11, a12, a13));
    lin__dot4_s8_tail(two, x0, x1, w, p, n, xo, s0, s1);
}
#undef LIN__DOT4_S8_X

static LIN__TARGET_AVX2 void lin__dot4x2_s8_avx2(const int8_t *x0, const int8_t *x1, const int8_t *const w[4],
                                                 size_t n, int32_t xo, int32_t *s0, int32_t *s1)
{
    lin__dot4_s8_avx2(1, x0, x1, NULL, NULL, w, n, xo, s0, s1);
}

static LIN__TARGET_AVX2 void lin__dot4x1_s8_avx2(const int8_t *x0, const int8_t *const w[4], size_t n, int32_t xo,
                                                 int32_t *s0)
{
    lin__dot4_s8_avx2(0, x0, NULL, NULL, NULL, w, n, xo, s0, NULL);
}

static LIN__TARGET_AVX2 void lin__dot4x2_s8w_avx2(const int8_t *x0, const int8_t *x1, const int32_t *h0,
                                                  const int32_t *h1, const int8_t *const w[4], size_t n,
                                                  int32_t xo, int32_t *s0, int32_t *s1)
{
    lin__dot4_s8_avx2(1, x0, x1, h0, h1, w, n, xo, s0, s1);
}

static LIN__TARGET_AVX2 void lin__dot4x1_s8w_avx2(const int8_t *x0, const int32_t *h0, const int8_t *const w[4],
                                                  size_t n, int32_t xo, int32_t *s0)
{
    lin__dot4_s8_avx2(0, x0, NULL, h0, NULL, w, n, xo, s0, NULL);
}
/* GCOVR_EXCL_BR_STOP */

/* s0[r] = x0 . (row r of W at w0, rows n apart), r < 8, n >= 16: one row
   of x (given widened in h0) against eight rows of W, their sums out as
   one vector; past the first `rows` rows row 0 repeats (sums the caller
   drops). The rows' pointers made here, in registers (made by the
   caller into an array, they took 66 instructions a call). For a lone row of x,
   where the four-row kernel's calls and reductions were most of the time
   (AMD Zen 5, AVX2 family, -O2, ns: 1x64x64 170 -> 151, 1x256x256 1286 ->
   1183; with the last step below, 1x64x64 143) */
#define LIN__DOT8_S8_ROW(r) a##r = _mm256_add_epi32(a##r, _mm256_madd_epi16(u, lin__load_s8x16_avx2(w[r] + p)));
/* the last n % 16 (n >= 16): the 16 steps that end the rows, x's lanes
   of the steps already taken 0 */
#define LIN__DOT8_S8_LAST(r) a##r = _mm256_add_epi32(a##r, _mm256_madd_epi16(u, lin__load_s8x16_avx2(w[r] + n - 16)));
static LIN__TARGET_AVX2 void lin__dot8x1_s8w_avx2(const int8_t *x0, const int32_t *h0, const int8_t *w0,
                                                  size_t rows, size_t n, int32_t xo, int32_t *s0)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, u;
    size_t p = 0;
    const int8_t *w[8];
    w[0] = w0;
    w[1] = rows > 1 ? w0 + n : w0;
    w[2] = rows > 2 ? w[1] + n : w0;
    w[3] = rows > 3 ? w[2] + n : w0;
    w[4] = rows > 4 ? w[3] + n : w0;
    w[5] = rows > 5 ? w[4] + n : w0;
    w[6] = rows > 6 ? w[5] + n : w0;
    w[7] = rows > 7 ? w[6] + n : w0;
    for (; p + 16 <= n; p += 16) {
        u = _mm256_loadu_si256((const __m256i *)(const void *)(h0 + p / 2));
        LIN__DOT8_S8_ROW(0) LIN__DOT8_S8_ROW(1) LIN__DOT8_S8_ROW(2) LIN__DOT8_S8_ROW(3)
        LIN__DOT8_S8_ROW(4) LIN__DOT8_S8_ROW(5) LIN__DOT8_S8_ROW(6) LIN__DOT8_S8_ROW(7)
    }
    if (p < n) {
        u = lin__last16_s8_avx2(x0, n, p, _mm256_set1_epi16((short)xo));
        LIN__DOT8_S8_LAST(0) LIN__DOT8_S8_LAST(1) LIN__DOT8_S8_LAST(2) LIN__DOT8_S8_LAST(3)
        LIN__DOT8_S8_LAST(4) LIN__DOT8_S8_LAST(5) LIN__DOT8_S8_LAST(6) LIN__DOT8_S8_LAST(7)
    }
    /* each half of a0 holds rows 0-3's sums over its lanes, of a4 rows 4-7's */
    a0 = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    a4 = _mm256_hadd_epi32(_mm256_hadd_epi32(a4, a5), _mm256_hadd_epi32(a6, a7));
    a0 = _mm256_add_epi32(_mm256_permute2x128_si256(a0, a4, 0x20), _mm256_permute2x128_si256(a0, a4, 0x31));
    _mm256_storeu_si256((__m256i *)(void *)s0, a0);
}
#undef LIN__DOT8_S8_ROW
#undef LIN__DOT8_S8_LAST
#endif

#if !defined(LIN_NO_SIMD) && !defined(__AVX2__) && (defined(__SSE2__) || defined(_M_X64))
#define LIN__DOT_S8_SSE2 1
/* SSE2 (x86-64's baseline), where AVX2 may not run: the same four rows of
   W against one or two rows of x, 16 bytes at a time, split into their
   even and odd bytes, each sign-extended to int16 in place (a shift left
   and an arithmetic shift right, or that shift alone); even bytes of x
   meet even bytes of W in pmaddwd, odd meet odd. Every product is summed
   once whichever lane holds it: the same exact sums. */
static LIN__INLINE_KERNEL __m128i lin__hsum4_sse2(__m128i a0, __m128i a1, __m128i a2, __m128i a3)
{
    const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(a0, a1), _mm_unpackhi_epi32(a0, a1));
    const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(a2, a3), _mm_unpackhi_epi32(a2, a3));
    return _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
}

#define LIN__DOT4_S8_SSE2_ROW(r)                                                            \
    wv = _mm_loadu_si128((const __m128i *)(const void *)(w[r] + p));                        \
    we = _mm_srai_epi16(_mm_slli_epi16(wv, 8), 8);                                          \
    wv = _mm_srai_epi16(wv, 8);                                                             \
    a0##r = _mm_add_epi32(a0##r, _mm_add_epi32(_mm_madd_epi16(ue, we), _mm_madd_epi16(uo, wv))); \
    if (two) a1##r = _mm_add_epi32(a1##r, _mm_add_epi32(_mm_madd_epi16(ve, we), _mm_madd_epi16(vo, wv)));
static LIN__INLINE_KERNEL void lin__dot4_s8_sse2(int two, const int8_t *x0, const int8_t *x1,
                                                 const int8_t *const w[4], size_t n, int32_t xo, int32_t *s0,
                                                 int32_t *s1)
{
    const __m128i vxo = _mm_set1_epi16((short)xo);
    __m128i a00 = _mm_setzero_si128(), a01 = a00, a02 = a00, a03 = a00;
    __m128i a10 = a00, a11 = a00, a12 = a00, a13 = a00, ue, uo, ve = a00, vo = a00, wv, we;
    size_t p = 0;
    for (; p + 16 <= n; p += 16) {
        wv = _mm_loadu_si128((const __m128i *)(const void *)(x0 + p));
        ue = _mm_add_epi16(_mm_srai_epi16(_mm_slli_epi16(wv, 8), 8), vxo);
        uo = _mm_add_epi16(_mm_srai_epi16(wv, 8), vxo);
        if (two) {
            wv = _mm_loadu_si128((const __m128i *)(const void *)(x1 + p));
            ve = _mm_add_epi16(_mm_srai_epi16(_mm_slli_epi16(wv, 8), 8), vxo);
            vo = _mm_add_epi16(_mm_srai_epi16(wv, 8), vxo);
        }
        LIN__DOT4_S8_SSE2_ROW(0) LIN__DOT4_S8_SSE2_ROW(1) LIN__DOT4_S8_SSE2_ROW(2) LIN__DOT4_S8_SSE2_ROW(3)
    }
    _mm_storeu_si128((__m128i *)(void *)s0, lin__hsum4_sse2(a00, a01, a02, a03));
    if (two) _mm_storeu_si128((__m128i *)(void *)s1, lin__hsum4_sse2(a10, a11, a12, a13));
    lin__dot4_s8_tail(two, x0, x1, w, p, n, xo, s0, s1);
}
#endif

#if !defined(LIN_NO_SIMD) && defined(__ARM_NEON) && defined(__aarch64__)
#define LIN__DOT_S8_NEON 1
/* 8 at a time: widened to int16, the offset added to x, multiply-accumulated
   into int32 lanes (smlal) */
static int32_t lin__dot_s8_neon(const int8_t *x, const int8_t *w, size_t n, int32_t xo)
{
    int32x4_t acc = vdupq_n_s32(0);
    int16x8_t vxo = vdupq_n_s16((int16_t)xo);
    int32_t sum;
    size_t p = 0;
    for (; p + 8 <= n; p += 8) {
        int16x8_t xv = vaddq_s16(vmovl_s8(vld1_s8(x + p)), vxo);
        int16x8_t wv = vmovl_s8(vld1_s8(w + p));
        acc = vmlal_s16(acc, vget_low_s16(xv), vget_low_s16(wv));
        acc = vmlal_s16(acc, vget_high_s16(xv), vget_high_s16(wv));
    }
    sum = vaddvq_s32(acc);
    for (; p < n; ++p) sum += ((int32_t)x[p] + xo) * w[p];
    return sum;
}
#endif

/* Whether the AVX2 kernel may run: asked once per layer, not per output. */
#if defined(LIN__DOT_S8_AVX2) && !defined(__AVX2__)
#define LIN__DOT_S8_WIDE() (lin__isa_now() >= LIN__ISA_AVX2)
#else
#define LIN__DOT_S8_WIDE() 1
#endif

/* One output's sum (x86 runs the four-row kernels instead) */
static int32_t lin__dot_s8(const int8_t *x, const int8_t *w, size_t n, int32_t xo)
{
#if defined(LIN__DOT_S8_NEON)
    return lin__dot_s8_neon(x, w, n, xo);
#else
    return lin__dot_s8_portable(x, w, n, xo);
#endif
}

#if !defined(LIN_NO_SIMD) && defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#define LIN__DOT2_S8 1
/* Cortex-M4/M7/M33/M55: two rows of W against one x, four int8 per word.
   x's bytes 0,2 and 1,3 are sign-extended to 16-bit pairs with the offset
   added in the same instruction (sxtab16), once for both rows; each row's
   word is sign-extended likewise (sxtb16), and smlad multiplies both pairs
   and adds them to the row's sum. */
#if defined(__GNUC__) || defined(__clang__)
/* bytes 1 and 3 of v sign-extended to halfwords (+ a's halfwords): the
   rotation is part of the instruction, which GCC 12 does not see through
   __sxtb16(v >> 8) (one instruction more, three times a step) */
static LIN__INLINE_KERNEL uint32_t lin__sxtb16_ror8(uint32_t v)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}
static LIN__INLINE_KERNEL uint32_t lin__sxtab16_ror8(uint32_t a, uint32_t v)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
    return r;
}
#else
#define lin__sxtb16_ror8(v) __sxtb16((v) >> 8)
#define lin__sxtab16_ror8(a, v) __sxtab16((a), (v) >> 8)
#endif
/* one word (four columns) of x against both rows, in the kernel's
   assembly below: x's halfwords with the offset, each row's, two smlad */
#define LIN__DSP_WORD \
    "ldr %[xw], [%[x]], #4\n\t"                  \
    "ldr %[w0w], [%[w0]], #4\n\t"                \
    "ldr %[w1w], [%[w1]], #4\n\t"                \
    "sxtab16 %[x02], %[pxo], %[xw]\n\t"          \
    "sxtab16 %[x13], %[pxo], %[xw], ror #8\n\t"  \
    "sxtb16 %[t], %[w0w]\n\t"                    \
    "smlad %[a0], %[x02], %[t], %[a0]\n\t"       \
    "sxtb16 %[t], %[w0w], ror #8\n\t"            \
    "smlad %[a0], %[x13], %[t], %[a0]\n\t"       \
    "sxtb16 %[t], %[w1w]\n\t"                    \
    "smlad %[a1], %[x02], %[t], %[a1]\n\t"       \
    "sxtb16 %[t], %[w1w], ror #8\n\t"            \
    "smlad %[a1], %[x13], %[t], %[a1]"
LIN__NOINLINE static void lin__dot2_s8(const int8_t *x, const int8_t *w0, const int8_t *w1, size_t n,
                                      int32_t xo, int32_t *s0, int32_t *s1)
{
    const uint32_t pxo = ((uint32_t)(uint16_t)xo << 16) | (uint16_t)xo;
    int32_t a0 = 0, a1 = 0;
    size_t p = n / 4;
#if !LIN__LEAST_CODE && (defined(__GNUC__) || defined(__clang__))
    /* eight columns a pass (LIN__DSP_WORD twice) and the loop in the
       assembly, every load post-incrementing its pointer: 28 instructions
       per 16 multiply-adds (GCC's own unrolled loop took 36) */
    if (p >= 2) {
        uint32_t xw, w0w, w1w, x02, x13, t, c = (uint32_t)(p / 2);
        __asm__("1:\n\t" LIN__DSP_WORD "\n\t" LIN__DSP_WORD "\n\t"
                "subs %[c], %[c], #1\n\t"
                "bne 1b"
                : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [a0] "+r"(a0), [a1] "+r"(a1), [c] "+r"(c),
                  [xw] "=&r"(xw), [w0w] "=&r"(w0w), [w1w] "=&r"(w1w), [x02] "=&r"(x02), [x13] "=&r"(x13),
                  [t] "=&r"(t)
                : [pxo] "r"(pxo)
                : "cc", "memory");
        p %= 2;
    }
#endif
    /* a do-while: at -Os GCC may leave a for loop's test at the top, with a
       jump back to it on every step (whether it does changed with the
       program around the call: 20 or 23 instructions a step) */
    if (p) do {
        uint32_t xw, ww, x02, x13;
        LIN__MEMCPY(&xw, x, 4);
        x02 = __sxtab16(pxo, xw);               /* x bytes 0 and 2, plus the offset */
        x13 = lin__sxtab16_ror8(pxo, xw);       /* x bytes 1 and 3, plus the offset */
        LIN__MEMCPY(&ww, w0, 4);
        a0 = __smlad(x02, __sxtb16(ww), a0);
        a0 = __smlad(x13, lin__sxtb16_ror8(ww), a0);
        LIN__MEMCPY(&ww, w1, 4);
        a1 = __smlad(x02, __sxtb16(ww), a1);
        a1 = __smlad(x13, lin__sxtb16_ror8(ww), a1);
        x += 4;
        w0 += 4;
        w1 += 4;
    } while (--p);
    for (p = n % 4; p; --p) {
        a0 += ((int32_t)*x + xo) * *w0++;
        a1 += ((int32_t)*x++ + xo) * *w1++;
    }
    *s0 = a0;
    *s1 = a1;
}

#if !LIN__LEAST_CODE && defined(__OPTIMIZE__) && !defined(__ARM_FEATURE_MVE) && defined(__GNUC__) && \
    !defined(__clang__)
#define LIN__DOT4_S8_DSP 1      /* (GCC at -O0, and clang, find no registers for its assembly) */
/* One word of x against four rows, in the assembly below: x's halfwords
   with the offset (x13 over xw), then each row's word (rows 1-3 at the
   strides s, 2s and s3 = 3s past row 0, row 0 last with its pointer
   stepped) sign-extended and multiplied into its sum */
#define LIN__DSP_ROW(a, addr) \
    "ldr %[ww], " addr "\n\t"                    \
    "sxtb16 %[t], %[ww]\n\t"                     \
    "smlad %[" a "], %[x02], %[t], %[" a "]\n\t" \
    "sxtb16 %[t], %[ww], ror #8\n\t"             \
    "smlad %[" a "], %[xw], %[t], %[" a "]\n\t"
#define LIN__DSP_WORD4                                \
    "ldr %[xw], [%[x]], #4\n\t"                     \
    "sxtab16 %[x02], %[pxo], %[xw]\n\t"             \
    "sxtab16 %[xw], %[pxo], %[xw], ror #8\n\t"      \
    LIN__DSP_ROW("a1", "[%[w], %[s]]")                \
    LIN__DSP_ROW("a2", "[%[w], %[s], lsl #1]")        \
    LIN__DSP_ROW("a3", "[%[w], %[s3]]")               \
    LIN__DSP_ROW("a0", "[%[w]], #4")
/* s[0..3] (int32) = sum_p (x[p] + xo) * w[r*n + p], r = 0..3: four rows of W
   (n apart) against one x, 23 instructions per 16 multiply-adds (the
   two-row kernel takes 26): x's word is loaded and widened once for four
   rows. Eight columns a pass, the loop in the assembly (ended by x
   reaching its end, read from memory); the last words and bytes in C. */
LIN__NOINLINE static void lin__dot4_s8_dsp(const int8_t *x, const int8_t *w, size_t n, int32_t xo, int32_t *s)
{
    const uint32_t pxo = ((uint32_t)(uint16_t)xo << 16) | (uint16_t)xo;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t p = n / 4, k;
    if (p >= 2) {
        uint32_t xw, ww, x02, t;
        const size_t s3 = 3 * n;
        /* the end in memory: with r7 kept for a frame (-fno-omit-frame-pointer)
           the other 13 operands take every register there is */
        const int8_t *const xe = x + 8 * (p / 2);
        __asm__("1:\n\t" LIN__DSP_WORD4 LIN__DSP_WORD4
                "ldr %[t], %[xe]\n\t"
                "cmp %[x], %[t]\n\t"
                "bne 1b"
                : [x] "+r"(x), [w] "+r"(w), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
                  [xw] "=&r"(xw), [ww] "=&r"(ww), [x02] "=&r"(x02), [t] "=&r"(t)
                : [pxo] "r"(pxo), [s] "r"(n), [s3] "r"(s3), [xe] "m"(xe)
                : "cc", "memory");
        p %= 2;
    }
    if (p) {
        uint32_t xw, ww, x02, x13;
        LIN__MEMCPY(&xw, x, 4);
        x02 = __sxtab16(pxo, xw);
        x13 = lin__sxtab16_ror8(pxo, xw);
        LIN__MEMCPY(&ww, w, 4);
        a0 = __smlad(x13, lin__sxtb16_ror8(ww), __smlad(x02, __sxtb16(ww), a0));
        LIN__MEMCPY(&ww, w + n, 4);
        a1 = __smlad(x13, lin__sxtb16_ror8(ww), __smlad(x02, __sxtb16(ww), a1));
        LIN__MEMCPY(&ww, w + 2 * n, 4);
        a2 = __smlad(x13, lin__sxtb16_ror8(ww), __smlad(x02, __sxtb16(ww), a2));
        LIN__MEMCPY(&ww, w + 3 * n, 4);
        a3 = __smlad(x13, lin__sxtb16_ror8(ww), __smlad(x02, __sxtb16(ww), a3));
        x += 4;
        w += 4;
    }
    for (k = 0; k < n % 4; ++k) {
        const int32_t v = (int32_t)x[k] + xo;
        a0 += v * w[k];
        a1 += v * w[n + k];
        a2 += v * w[2 * n + k];
        a3 += v * w[3 * n + k];
    }
    s[0] = a0;
    s[1] = a1;
    s[2] = a2;
    s[3] = a3;
}
#endif
#endif

#if !defined(LIN__DOT2_S8) && !defined(LIN_NO_SIMD) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1 && !defined(__ARM_ARCH_ISA_ARM)
#define LIN__DOT2_S8 1
/* Thumb-1 (Cortex-M0/M0+/M23): the plain C kernel below in ten
   instructions per two multiply-adds. GCC 12 keeps the offset and a row
   pointer on the stack there (14); here the index runs from -n up to 0,
   so the add that steps it ends the loop, the offset sits in a high
   register (ip) and everything else in the eight low ones. Where r7 may be
   a frame pointer (-O0, -fno-omit-frame-pointer) the two sums go to high
   registers instead (Thumb-1's add reaches them); GCC gives -Os no high
   register but ip, so -Os with -fno-omit-frame-pointer cannot build this
   kernel: define LIN_NO_SIMD there. (clang keeps r7 for its frame and
   takes the C.) */
#ifdef __OPTIMIZE_SIZE__
#define LIN__T1_SUM(a) "+l"(a)
#else
#define LIN__T1_SUM(a) "+h"(a)
#endif
LIN__NOINLINE static void lin__dot2_s8(const int8_t *x, const int8_t *w0, const int8_t *w1, size_t n,
                                      int32_t xo, int32_t *s0, int32_t *s1)
{
    int32_t a0 = 0, a1 = 0, v, t;
    uint32_t i = 0u - (uint32_t)n;
    if (n)
        __asm__(".syntax unified\n"
                "1:\n\t"
                "ldrsb %[v], [%[x], %[i]]\n\t"
                "add %[v], %[xo]\n\t"
                "ldrsb %[t], [%[w0], %[i]]\n\t"
                "muls %[t], %[v]\n\t"
                "add %[a0], %[t]\n\t"
                "ldrsb %[t], [%[w1], %[i]]\n\t"
                "muls %[t], %[v]\n\t"
                "add %[a1], %[t]\n\t"
                "adds %[i], #1\n\t"
                "bne 1b"
                : [a0] LIN__T1_SUM(a0), [a1] LIN__T1_SUM(a1), [i] "+l"(i), [v] "=&l"(v), [t] "=&l"(t)
                : [x] "l"(x + n), [w0] "l"(w0 + n), [w1] "l"(w1 + n), [xo] "h"(xo)
                : "cc", "memory");
    *s0 = a0;
    *s1 = a1;
}
#endif

#if !defined(LIN__DOT2_S8) && !defined(LIN__DOT_S8_NEON)
#define LIN__DOT2_S8 1
/* Elsewhere (Cortex-M0/M3, portable builds): the same two rows against
   one x in plain C, each x loaded once for both, out of line so that its
   pointers, index and sums have the registers to themselves (inlined into
   the layer, the M0 spilled them: 17 instructions per multiply-add, now
   7; the M3 7.1 -> 5.1) */
LIN__NOINLINE static void lin__dot2_s8(const int8_t *x, const int8_t *w0, const int8_t *w1, size_t n,
                                      int32_t xo, int32_t *s0, int32_t *s1)
{
    int32_t a0 = 0, a1 = 0;
    size_t p = 0;
    if (n) do {                         /* a do-while, as the DSP kernel's */
        const int32_t v = (int32_t)x[p] + xo;
        a0 += v * w0[p];
        a1 += v * w1[p];
    } while (++p < n);
    *s0 = a0;
    *s1 = a1;
}
#endif

#if !defined(LIN_NO_SIMD) && ((defined(__AVX512VNNI__) && defined(__AVX512BW__)) || LIN__DISPATCH)
#define LIN__DOT4_S8 1
#define LIN__DOT4_S8_VNNI 1
#define LIN__DOT4_XO_FREE 128     /* the input offset whose sum w term vanishes */
#if defined(__GNUC__) && !defined(__clang__)
/* as in the AVX-512 float family: g++ takes the undefined operands of its
   own intrinsics for uninitialized reads */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* AVX-512 VNNI: vpdpbusd multiplies 64 unsigned bytes by 64 signed bytes
   and adds each group of four products to an int32 lane. x + 128 is x's
   byte with its top bit flipped, unsigned; so a row's sum is
   sum (x + 128)*w, and sum (x + xo)*w = sum (x + 128)*w + (xo - 128)*sum w. The
   lanes wrap (no saturation); the sum they wrap to is the exact one,
   which fits int32 under the in_features bound. */
static LIN__TARGET_VNNI LIN__INLINE_KERNEL __mmask64 lin__mask64(size_t r) /* the low r of 64 bytes, 0 < r < 64 */
{
    return (__mmask64)(~(uint64_t)0 >> (64 - r));
}

/* The bytes p[0 .. r - 1] of a 64-byte tail where m = lin__mask64(r),
   0 elsewhere (nothing past them is read) */
static LIN__TARGET_VNNI LIN__UNSANITIZED_LOAD __m512i lin__tail64(__mmask64 m, const int8_t *p)
{
    return _mm512_maskz_loadu_epi8(m, p);
}

/* The sums of four vectors' 16 lanes, as the four lanes of one (wrapping) */
static LIN__TARGET_VNNI LIN__INLINE_KERNEL __m128i lin__hsum4(__m512i a0, __m512i a1, __m512i a2, __m512i a3)
{
    const __m256i b0 = _mm256_add_epi32(_mm512_castsi512_si256(a0), _mm512_extracti64x4_epi64(a0, 1));
    const __m256i b1 = _mm256_add_epi32(_mm512_castsi512_si256(a1), _mm512_extracti64x4_epi64(a1, 1));
    const __m256i b2 = _mm256_add_epi32(_mm512_castsi512_si256(a2), _mm512_extracti64x4_epi64(a2, 1));
    const __m256i b3 = _mm256_add_epi32(_mm512_castsi512_si256(a3), _mm512_extracti64x4_epi64(a3, 1));
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(b0, b1), _mm256_hadd_epi32(b2, b3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* sum_p w[r*n + p] for the four rows r of a block (vpdpbusd against
   ones), the four rows in step: four sums in flight, not one chain at a
   time (AMD Zen 5, -O2, 4x1024x1024: about 175 -> 235 GOP/s) */
#define LIN__WSUM4_ROW(r, LOADW) a##r = _mm512_dpbusd_epi32(a##r, ones, LOADW);
static LIN__TARGET_VNNI void lin__wsum4_s8(const int8_t *w, size_t n, int32_t *sum)
{
    const __m512i ones = _mm512_set1_epi8(1);
    const int8_t *w1 = w + n, *w2 = w1 + n, *w3 = w2 + n;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    size_t p = 0;
    for (; p + 64 <= n; p += 64) {
        LIN__WSUM4_ROW(0, _mm512_loadu_si512((const void *)(w + p)))
        LIN__WSUM4_ROW(1, _mm512_loadu_si512((const void *)(w1 + p)))
        LIN__WSUM4_ROW(2, _mm512_loadu_si512((const void *)(w2 + p)))
        LIN__WSUM4_ROW(3, _mm512_loadu_si512((const void *)(w3 + p)))
    }
    if (p < n) {
        const __mmask64 m = lin__mask64(n - p);
        LIN__WSUM4_ROW(0, lin__tail64(m, w + p))
        LIN__WSUM4_ROW(1, lin__tail64(m, w1 + p))
        LIN__WSUM4_ROW(2, lin__tail64(m, w2 + p))
        LIN__WSUM4_ROW(3, lin__tail64(m, w3 + p))
    }
    _mm_storeu_si128((__m128i *)(void *)sum, lin__hsum4(a0, a1, a2, a3));
}

/* s0[r] = sum_p (x0[p] + xo)*w[r*n + p] for the four rows of a block,
   given their sum w from lin__wsum4_s8, and s1[r] those of x1 with two:
   each load of W serves both rows of x, and the eight sums in flight
   cover vpdpbusd's latency where the four of one row did not. With the
   four-row pass of lin__wsum4_s8 (AMD Zen 5, -O2, GOP/s): 32x1024x1024
   185-222 -> 318-321, 16x512x512 148-175 -> 256-258, 8x256x256 98-130
   -> 177-181, 64x784x128 208-232 -> 331-334; the same bits. */
#define LIN__DOT4_VNNI_ROW(r, LOADW)                                        \
    { __m512i wv = LOADW;                                                   \
      LIN__IN_REGISTER(wv);                                                 \
      a##r = _mm512_dpbusd_epi32(a##r, u, wv);                              \
      if (two) b##r = _mm512_dpbusd_epi32(b##r, v, wv); }
static LIN__TARGET_VNNI LIN__INLINE_KERNEL void lin__dot4_s8_vnni(int two, const int8_t *x0, const int8_t *x1,
                                                                  const int8_t *w, size_t n, int32_t xo,
                                                                  const int32_t *wsum, int32_t *s0, int32_t *s1)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const int8_t *w1 = w + n, *w2 = w1 + n, *w3 = w2 + n;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, u, v = a0;
    __m128i c;
    size_t p = 0;
    for (; p + 64 <= n; p += 64) {
        u = _mm512_xor_si512(_mm512_loadu_si512((const void *)(x0 + p)), flip);
        if (two) v = _mm512_xor_si512(_mm512_loadu_si512((const void *)(x1 + p)), flip);
        LIN__DOT4_VNNI_ROW(0, _mm512_loadu_si512((const void *)(w + p)))
        LIN__DOT4_VNNI_ROW(1, _mm512_loadu_si512((const void *)(w1 + p)))
        LIN__DOT4_VNNI_ROW(2, _mm512_loadu_si512((const void *)(w2 + p)))
        LIN__DOT4_VNNI_ROW(3, _mm512_loadu_si512((const void *)(w3 + p)))
    }
    if (p < n) {    /* the tail: bytes past n load as 0, and a zero weight adds nothing */
        const __mmask64 m = lin__mask64(n - p);
        u = _mm512_xor_si512(lin__tail64(m, x0 + p), flip);
        if (two) v = _mm512_xor_si512(lin__tail64(m, x1 + p), flip);
        LIN__DOT4_VNNI_ROW(0, lin__tail64(m, w + p))
        LIN__DOT4_VNNI_ROW(1, lin__tail64(m, w1 + p))
        LIN__DOT4_VNNI_ROW(2, lin__tail64(m, w2 + p))
        LIN__DOT4_VNNI_ROW(3, lin__tail64(m, w3 + p))
    }
    /* + (xo - 128)*sum w, all modulo 2^32 like the lanes: the exact sums */
    c = _mm_mullo_epi32(_mm_set1_epi32(xo - 128), _mm_loadu_si128((const __m128i *)(const void *)wsum));
    _mm_storeu_si128((__m128i *)(void *)s0, _mm_add_epi32(lin__hsum4(a0, a1, a2, a3), c));
    if (two) _mm_storeu_si128((__m128i *)(void *)s1, _mm_add_epi32(lin__hsum4(b0, b1, b2, b3), c));
}

static LIN__TARGET_VNNI void lin__dot4_s8(const int8_t *x, const int8_t *w, size_t n, int32_t xo,
                                          const int32_t *wsum, int32_t *s)
{
    lin__dot4_s8_vnni(0, x, NULL, w, n, xo, wsum, s, NULL);
}

static LIN__TARGET_VNNI void lin__dot4x2_s8(const int8_t *x0, const int8_t *x1, const int8_t *w, size_t n,
                                            int32_t xo, const int32_t *wsum, int32_t *s0, int32_t *s1)
{
    lin__dot4_s8_vnni(1, x0, x1, w, n, xo, wsum, s0, s1);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

#if !defined(LIN_NO_SIMD) && defined(__ARM_FEATURE_DOTPROD) && defined(__aarch64__)
#define LIN__DOT4_S8 1
#define LIN__DOT4_XO_FREE 0
#define LIN__WSUM_S8(w, n, rows, sum) lin__wsum4_s8(w, n, sum)   /* rows: always 4 here */
/* aarch64 with the dot product extension: sdot multiplies 16 signed bytes
   by 16 signed bytes and adds each group of four products to an int32
   lane. sum (x + xo)*w = sum x*w + xo*sum w, both parts within the in_features
   bound; their sum is taken modulo 2^32, which gives the exact one. */
static void lin__wsum4_s8(const int8_t *w, size_t n, int32_t *sum)
{
    const int8x16_t ones = vdupq_n_s8(1);
    int r;
    for (r = 0; r < 4; ++r, w += n) {
        int32x4_t acc = vdupq_n_s32(0);
        int32_t t;
        size_t p = 0;
        for (; p + 16 <= n; p += 16) acc = vdotq_s32(acc, ones, vld1q_s8(w + p));
        t = vaddvq_s32(acc);
        for (; p < n; ++p) t += w[p];
        sum[r] = t;
    }
}

static void lin__dot4_s8(const int8_t *x, const int8_t *w, size_t n, int32_t xo, const int32_t *wsum,
                         int32_t *s)
{
    const int8_t *w1 = w + n, *w2 = w1 + n, *w3 = w2 + n;
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    int32_t t[4];
    size_t p = 0;
    int r;
    for (; p + 16 <= n; p += 16) {
        const int8x16_t xv = vld1q_s8(x + p);
        a0 = vdotq_s32(a0, xv, vld1q_s8(w + p));
        a1 = vdotq_s32(a1, xv, vld1q_s8(w1 + p));
        a2 = vdotq_s32(a2, xv, vld1q_s8(w2 + p));
        a3 = vdotq_s32(a3, xv, vld1q_s8(w3 + p));
    }
    t[0] = vaddvq_s32(a0);
    t[1] = vaddvq_s32(a1);
    t[2] = vaddvq_s32(a2);
    t[3] = vaddvq_s32(a3);
    for (; p < n; ++p) {
        t[0] += x[p] * w[p];
        t[1] += x[p] * w1[p];
        t[2] += x[p] * w2[p];
        t[3] += x[p] * w3[p];
    }
    for (r = 0; r < 4; ++r) {
        const uint32_t u = (uint32_t)t[r] + (uint32_t)xo * (uint32_t)wsum[r];
        s[r] = u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
    }
}
#endif

#if !defined(LIN_NO_SIMD) && defined(__ARM_FEATURE_MVE) && !defined(__aarch64__) && !defined(LIN__DOT4_S8)
#define LIN__DOT4_S8 1
#define LIN__DOT4_XO_FREE 0
/* Helium (M-profile vector extension): vmladavaq multiplies 16 signed
   bytes by 16 and adds all the products to a scalar; the tail predicate
   (vctp8q) loads only the bytes that exist and zeroes the rest.
   sum (x + xo)*w = sum x*w + xo*sum w, summed modulo 2^32: the exact sum. */
#define LIN__WSUM_S8(w, n, rows, sum) lin__wsum_s8(w, n, rows, sum)
/* sum[r] = the sum of row r of W (n long), r < rows */
static void lin__wsum_s8(const int8_t *w, size_t n, size_t rows, int32_t *sum)
{
    size_t r;
    for (r = 0; r < rows; ++r) {
        int32_t t = 0;
        size_t p;
        for (p = n / 16; p; --p, w += 16) t = vaddvaq_s8(t, vld1q_s8(w));
        if (n % 16) {
            const mve_pred16_t pr = vctp8q((uint32_t)(n % 16));
            t = vaddvaq_p_s8(t, vldrbq_z_s8(w, pr), pr);
            w += n % 16;
        }
        sum[r] = t;
    }
}

/* the sums in registers, whole vectors in the loop, the last part of a row
   tail-predicated once. rows (1 to 4): the rows of W that exist; the
   others repeat the first, and their sums are dropped */
#define LIN__MVE_S8_ROW(t, w) "vldrb.u8 %q[wv], [%[" w "]], #16\n\tvmladava.s8 %[" t "], %q[xv], %q[wv]\n\t"
static void lin__dot4_s8_part(const int8_t *x, const int8_t *w, size_t n, size_t rows, int32_t xo,
                              const int32_t *wsum, int32_t *s)
{
    const int8_t *w1 = rows > 1 ? w + n : w, *w2 = rows > 2 ? w1 + n : w, *w3 = rows > 3 ? w2 + n : w;
    int32_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    const size_t c = n / 16;
#if LIN__MVE_ASM
    if (c) {    /* whole vectors: the loop in the assembly (GCC at -Os kept the pointers on the stack) */
        int8x16_t xv, wv;
        __asm__("dls lr, %[c]\n1:\n\t"
                "vldrb.u8 %q[xv], [%[x]], #16\n\t" LIN__MVE_S8_ROW("t0", "w0") LIN__MVE_S8_ROW("t1", "w1")
                LIN__MVE_S8_ROW("t2", "w2") LIN__MVE_S8_ROW("t3", "w3") "le lr, 1b"
                : [x] "+r"(x), [w0] "+r"(w), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [t0] "+Te"(t0),
                  [t1] "+Te"(t1), [t2] "+Te"(t2), [t3] "+Te"(t3), [xv] "=&w"(xv), [wv] "=&w"(wv)
                : [c] "r"(c)
                : "lr", "memory");
    }
#else
    size_t p;
    for (p = c; p; --p, x += 16, w += 16, w1 += 16, w2 += 16, w3 += 16) {
        const int8x16_t xv = vld1q_s8(x);
        t0 = vmladavaq_s8(t0, xv, vld1q_s8(w));
        t1 = vmladavaq_s8(t1, xv, vld1q_s8(w1));
        t2 = vmladavaq_s8(t2, xv, vld1q_s8(w2));
        t3 = vmladavaq_s8(t3, xv, vld1q_s8(w3));
    }
#endif
    if (n % 16) {
        const mve_pred16_t pr = vctp8q((uint32_t)(n % 16));
        const int8x16_t xv = vldrbq_z_s8(x, pr);
        t0 = vmladavaq_s8(t0, xv, vldrbq_z_s8(w, pr));
        t1 = vmladavaq_s8(t1, xv, vldrbq_z_s8(w1, pr));
        t2 = vmladavaq_s8(t2, xv, vldrbq_z_s8(w2, pr));
        t3 = vmladavaq_s8(t3, xv, vldrbq_z_s8(w3, pr));
    }
    s[0] = t0;
    s[1] = t1;
    s[2] = t2;
    s[3] = t3;
    /* + xo * wsum in int32 lanes, which wrap modulo 2^32 */
    vst1q_s32(s, vmlaq_n_s32(vld1q_s32(s), vld1q_s32(wsum), xo));
}
#endif

/* sum_p (x[p] + xo), for the weight offset's share of every output of a row:
   within in*mx <= INT32_MAX / mw, so exact in int32 */
static int32_t lin__sum_s8(const int8_t *x, size_t n, int32_t xo)
{
    int32_t sum = 0;
    size_t p;
    for (p = 0; p < n; ++p) sum += (int32_t)x[p] + xo;
    return sum;
}

/* The largest |v + o| of an int8 v, for an offset o in [-127, 128]: 128
   to 256 */
static uint32_t lin__s8_reach(int32_t o)
{
    return (uint32_t)(o > 0 ? 127 + o : 128 - o);
}

/* The largest in_features whose sums stay exact in int32 (for the
   message; the check below divides nothing). */
static size_t lin__s8_max_in(int32_t xo, int32_t wo)
{
    return (size_t)((uint32_t)INT32_MAX / (lin__s8_reach(xo) * lin__s8_reach(wo)));
}

/* Whether in products of at most r = reach(xo)*reach(wo) in magnitude (r
   in [2^14, 2^16]) could pass INT32_MAX: in*r >= 2^31, in 32-bit
   arithmetic (no 64-bit division from libgcc on every call of an int8
   layer on a 32-bit MCU). Past 2^17 rows they always do; below, with r =
   4a + b, in*r >= 2^31 exactly when in*a + (in*b)/4 >= 2^29, each term
   within 32 bits. */
static int lin__s8_too_long(size_t in, int32_t xo, int32_t wo)
{
    const uint32_t r = lin__s8_reach(xo) * lin__s8_reach(wo);
    uint32_t n;
    if (in >> 8 >> 9) return 1;          /* in >= 2^17, each shift within a 16-bit size_t */
    n = (uint32_t)in;
    return n * (r >> 2) + n * (r & 3u) / 4u >= (uint32_t)1 << 29;
}

static int lin__shift_ok(int32_t multiplier, int32_t shift)
{
    return multiplier >= 0 && shift >= -31 && shift <= 30;
}

/* The first quantization parameter out of range: 0 none; 1 input_offset,
   2 weight_offset, 3 output_offset, 4 act_min, 5 act_max, 6 act_min above
   act_max, 7 q's multiplier or shift, 8 + j channel j's. */
static size_t lin__s8_bad(const lin_quant *q, const int32_t *multiplier, const int32_t *shift, size_t out,
                          int per_channel)
{
    size_t j;
    if (q->input_offset < -127 || q->input_offset > 128) return 1;
    if (q->weight_offset < -127 || q->weight_offset > 128) return 2;
    if (q->output_offset < -128 || q->output_offset > 127) return 3;
    if (q->act_min < -128) return 4;
    if (q->act_max > 127) return 5;
    if (q->act_min > q->act_max) return 6;
    if (!per_channel) return lin__shift_ok(q->multiplier, q->shift) ? 0 : 7;
    for (j = 0; j < out; ++j)
        if (!lin__shift_ok(multiplier[j], shift[j])) return 8 + j;
    return 0;
}

static lin_status lin__check_s8(const int8_t *x, const int8_t *weight, const int32_t *bias, int8_t *y,
                                size_t batch, size_t in, size_t out, const lin_quant *q,
                                const int32_t *multiplier, const int32_t *shift, int per_channel)
{
    lin__dims d;
    lin__span ys, ins[6];
    if (!q) return LIN_ERR_NULL;
    if (!lin__layer_dims(batch, in, out, 1, &d) || !lin__fits(out, sizeof(int32_t))) return LIN_ERR_OVERFLOW;
    if ((d.nx && !x) || (d.nw && !weight) || (d.ny && !y) || (per_channel && out && (!multiplier || !shift)))
        return LIN_ERR_NULL;
    if (lin__s8_bad(q, multiplier, shift, out, per_channel)) return LIN_ERR_VALUE;
    if (lin__s8_too_long(in, q->input_offset, q->weight_offset)) return LIN_ERR_OVERFLOW;
#if LIN_PACK
    if (!per_channel) {                 /* hosts: the comparisons inline, where lin__apart's loop took
                                           about 70 instructions a call (x86, callgrind; on the
                                           Cortex-M0 at -O2 they took 96 more bytes) */
        return lin__s8_meets((uintptr_t)y, d.ny, x, d.nx, weight, d.nw, bias, out, q, sizeof *q, q, sizeof *q)
                   ? LIN_ERR_ALIAS
                   : LIN_OK;
    }
#endif
    lin__span_set(&ys, y, d.ny, 1);
    lin__span_set(&ins[0], x, d.nx, 1);
    lin__span_set(&ins[1], weight, d.nw, 1);
    lin__span_set(&ins[2], bias, out, sizeof(int32_t));
    lin__span_set(&ins[3], multiplier, per_channel ? out : 0, sizeof(int32_t));
    lin__span_set(&ins[4], shift, per_channel ? out : 0, sizeof(int32_t));
    lin__span_set(&ins[5], q, 1, sizeof *q);
    return lin__apart(&ys, 1, ins, 6, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

/* A layer's per-tensor requantization, read once from its lin_quant: an
   output's figures are then not loaded again after every store of y
   (int8, which may alias anything). lo and hi: the clamp less the zero
   point. */
/* Where the per-tensor requantization with a shift of 0 or less (the
   usual case) takes its own step inline, lin__rq_down: hosts (LIN_PACK
   1), and of the boards only the cores without a 64-bit multiply built
   for speed (Cortex-M0, M0+, M23 at -O2: 560 -> 499 instructions for a
   4 -> 2 layer, 784 -> 128 522.6k -> 518.6k, 188 fewer bytes). On the M4
   it saved nothing (its constants spill) for 180 more bytes, on RISC-V
   and AVR it took 194 and 800 more, and Helium requantizes every output
   in its vector step. */
#if !defined(LIN_SINGLE_ROUNDING) && (LIN_PACK || (defined(LIN__MUL_PARTS) && !LIN__LEAST_CODE))
#define LIN__RQ_DOWN 1
#endif
/* right and mask (LIN__RQ_DOWN): for a shift of 0 or less, the rounding
   right shift's count and its remainder's mask, made once */
typedef struct lin__rq {
    int32_t mult, shift, off, lo, hi;
#ifdef LIN__RQ_DOWN
    int32_t right;
    uint32_t mask;
#endif
} lin__rq;

static void lin__rq_set(lin__rq *r, const lin_quant *q)
{
    r->mult = q->multiplier;
    r->shift = q->shift;
    r->off = q->output_offset;
    r->lo = q->act_min - q->output_offset;
    r->hi = q->act_max - q->output_offset;
#ifdef LIN__RQ_DOWN
    r->right = q->shift < 0 ? -q->shift : 0;
    r->mask = ((uint32_t)1 << r->right) - 1u;   /* right <= 31 (validated) */
#endif
}

#ifdef LIN__RQ_DOWN
/* lin__requantize for the layer's own multiplier and a shift of 0 or
   less: no left shift, the multiplier >= 0 (validated: INT32_MIN squared
   cannot occur) and the rounding's constants from rq. The same bits. */
static LIN__INLINE_KERNEL int32_t lin__rq_down(int32_t v, const lin__rq *rq)
{
    uint32_t rem;
#if LIN__MUL_PARTS
    v = lin__doubling_high_mul(v, rq->mult);
#else
    v = lin__i32((uint32_t)(((uint64_t)((int64_t)v * (int64_t)rq->mult) + ((uint64_t)1 << 30)) >> 31));
#endif
    rem = (uint32_t)v & rq->mask;
    return lin__asr32(v, rq->right) + (rem > (rq->mask >> 1) + (uint32_t)(v < 0));
}
#endif

/* One output: acc (the exact sum of the products, which fits int32 under
   lin__s8_too_long's bound) + bias, requantized, plus the zero point,
   clamped (the requantized value clamped to [lo, hi] before the zero point
   is added: no sum passes int32). */
#if !LIN_PACK && !LIN__LEAST_CODE && !LIN__MUL_PARTS
#define LIN__OUTPUT_LINKAGE LIN__INLINE_KERNEL
#else
#define LIN__OUTPUT_LINKAGE
#endif
static LIN__OUTPUT_LINKAGE int8_t lin__output_s8(int32_t acc, const int32_t *bias, const lin__rq *rq,
                                                 const int32_t *multiplier, const int32_t *shift, size_t j)
{
    int32_t v = acc;
    if (bias) {     /* after the products, as TFLite adds it; saturating, in 32 bits */
        const int32_t b = bias[j];
#if (defined(__GNUC__) && __GNUC__ >= 5) || defined(__clang__)
        if (__builtin_add_overflow(v, b, &v)) v = b > 0 ? INT32_MAX : INT32_MIN;   /* adds, bvs */
#else
        v = b > 0 ? (v > INT32_MAX - b ? INT32_MAX : v + b) : (v < INT32_MIN - b ? INT32_MIN : v + b);
#endif
    }
#ifdef LIN__RQ_DOWN
    if (!multiplier && rq->shift <= 0)
        v = lin__rq_down(v, rq);
    else
#endif
        v = lin__requantize(v, multiplier ? multiplier[j] : rq->mult, shift ? shift[j] : rq->shift);
    v = v < rq->lo ? rq->lo : v;
    v = v > rq->hi ? rq->hi : v;
    return (int8_t)(v + rq->off);
}

#if defined(LIN__DOT4_S8) && defined(__ARM_FEATURE_MVE) && !defined(__aarch64__)
#define LIN__OUTPUT4_S8 1
/* lin__output_s8 for four outputs in the lanes of one Helium vector, the
   same bits: the sums s plus ws, the bias added with saturation (vqadd),
   then, twice rounded, the saturating left shift (vqshl), the doubling
   high multiply, which rounds half up as TFLite's does (vqrdmulh: the
   multiplier is >= 0, so it saturates nowhere), and the rounding right
   shift, whose ties vrshl takes up: a negative value is first made one
   less (saturating), which turns them away from zero as gemmlowp's
   remainder test does. Once rounded, for shifts below 0 only: vqdmulh
   floors acc * m / 2^31 exactly and vrshl rounds that by 2^-shift, which
   is the one rounding of acc * m / 2^(31 - shift); 0 (nothing written)
   when a shift is 0 or more there. Then the clamp, the zero point and a
   narrowing store. m, sh: this group's per channel figures or NULL; rows:
   how many of the four outputs exist (1 to 4: the loads and the store of
   the others are predicated off). */
#ifdef LIN_SINGLE_ROUNDING
/* the shifts of the lanes past rows: -1, which the vector step takes (a
   loaded 0 sent every per channel tail group to the scalar step) */
#define LIN__SHIFT_PAST(v, pr) vpselq_s32(v, vdupq_n_s32(-1), pr)
#else
#define LIN__SHIFT_PAST(v, pr) (v)
#endif
static LIN__INLINE_KERNEL int lin__output4_s8(const int32_t *s, int32_t ws, const int32_t *bias,
                                              const lin__rq *rq, const int32_t *m, const int32_t *sh, int8_t *y,
                                              size_t rows)
{
    const mve_pred16_t pr = vctp32q((uint32_t)rows);     /* the outputs that exist */
    const int32x4_t mv = !m ? vdupq_n_s32(rq->mult) : rows == 4 ? vldrwq_s32(m) : vldrwq_z_s32(m, pr);
    const int32x4_t shv = !sh ? vdupq_n_s32(rq->shift) : rows == 4 ? vldrwq_s32(sh)
                          : LIN__SHIFT_PAST(vldrwq_z_s32(sh, pr), pr);
    int32x4_t v = vaddq_n_s32(vldrwq_s32(s), ws);
#ifdef LIN_SINGLE_ROUNDING
    if (vmaxvq_s32(INT32_MIN, shv) >= 0) return 0;
#endif
    if (bias) v = vqaddq_s32(v, rows == 4 ? vldrwq_s32(bias) : vldrwq_z_s32(bias, pr));
#ifdef LIN_SINGLE_ROUNDING
    v = vrshlq_s32(vqdmulhq_s32(v, mv), shv);
#else
    {
        const int32x4_t zero = vdupq_n_s32(0), right = vminq_s32(shv, zero);
        v = vqrdmulhq_s32(vqshlq_s32(v, vmaxq_s32(shv, zero)), mv);
        v = vrshlq_s32(vqaddq_s32(v, vshrq_n_s32(vandq_s32(v, right), 31)), right);
    }
#endif
    v = vminq_s32(vmaxq_s32(v, vdupq_n_s32(rq->lo)), vdupq_n_s32(rq->hi));
    if (rows == 4)
        vstrbq_s32(y, vaddq_n_s32(v, rq->off));
    else
        vstrbq_p_s32(y, vaddq_n_s32(v, rq->off), pr);
    return 1;
}
#endif

#if defined(LIN__DOT_S8_AVX2) || defined(LIN__DOT_S8_SSE2)
#define LIN__DOT4_S8_X86 1
#ifdef LIN__DOT_S8_SSE2
#define LIN__DOT4_S8_X86_RUNS(wide) 1       /* SSE2 where AVX2 may not run */
#else
#define LIN__DOT4_S8_X86_RUNS(wide) (wide)
#endif
/* s0[0..3] = the sums of x0 against the four rows w[r] of W, and s1[0..3]
   those of x1 unless it is NULL: AVX2 where wide, else SSE2 */
static void lin__dot4_s8_x86(int wide, const int8_t *x0, const int8_t *x1, const int8_t *const w[4], size_t n,
                             int32_t xo, int32_t *s0, int32_t *s1)
{
#ifdef LIN__DOT_S8_AVX2
    if (wide) {
        if (x1)
            lin__dot4x2_s8_avx2(x0, x1, w, n, xo, s0, s1);
        else
            lin__dot4x1_s8_avx2(x0, w, n, xo, s0);
        return;
    }
#endif
#ifdef LIN__DOT_S8_SSE2
    if (x1)
        lin__dot4_s8_sse2(1, x0, x1, w, n, xo, s0, s1);
    else
        lin__dot4_s8_sse2(0, x0, NULL, w, n, xo, s0, NULL);
#endif
    (void)wide;
}

#ifdef LIN__DOT_S8_AVX2
/* v + b with int32 saturation: where both have a sign their wrapped sum
   lacks, the bound of v's sign */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__add_sat8_avx2(__m256i v, __m256i b)
{
    const __m256i t = _mm256_add_epi32(v, b);
    return _mm256_castps_si256(_mm256_blendv_ps(
        _mm256_castsi256_ps(t), _mm256_castsi256_ps(_mm256_xor_si256(_mm256_srai_epi32(v, 31), _mm256_set1_epi32(INT32_MAX))),
        _mm256_castsi256_ps(_mm256_and_si256(_mm256_xor_si256(v, t), _mm256_xor_si256(b, t)))));
}

/* gemmlowp's doubling high multiply of v by the multipliers mv (>= 0, so
   the 64-bit products fit and INT32_MIN squared cannot occur): bits
   31..62 of v * m + 2^30, two 64-bit products per pair of lanes */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__dhmul8_avx2(__m256i v, __m256i mv)
{
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    const __m256i lo = _mm256_add_epi64(_mm256_mul_epi32(v, mv), nudge);
    const __m256i hi = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), _mm256_srli_epi64(mv, 32)), nudge);
    return _mm256_blend_epi32(_mm256_srli_epi64(lo, 31), _mm256_slli_epi64(hi, 1), 0xaa);
}

/* y[0 .. cnt - 1] = the lanes of v clamped to [lo, hi] (the bounds less
   the zero point: in int32 lanes a value near INT32_MIN or INT32_MAX
   would wrap), plus the zero point off, as bytes */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__store8_s8_avx2(__m256i v, __m256i lo, __m256i hi, __m256i off,
                                                                    int8_t *y, size_t cnt)
{
    __m128i b;
    v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, lo), hi), off);
    v = _mm256_packs_epi16(_mm256_packs_epi32(v, v), v);    /* bytes 0-3 of each half: lanes 0-3, 4-7 */
    b = _mm_unpacklo_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    if (cnt == 8) {
        _mm_storel_epi64((__m128i *)(void *)y, b);
    } else {
        int8_t b8[8];
        size_t r;
        _mm_storel_epi64((__m128i *)(void *)b8, b);
        for (r = 0; r < cnt; ++r) y[r] = b8[r];
    }
}

/* lin__output_s8 for eight outputs, in int32 lanes, the same bits: the
   exact sums s (the weight offset 0) plus the bias, saturated (where both
   have a sign their wrapped sum lacks); then, twice rounded, the
   saturating left shift (where shifting back loses bits), the doubling
   high multiply as bits 31..62 of two 64-bit products per pair of lanes
   (the multiplier is validated >= 0: the product fits, INT32_MIN squared
   cannot occur), and gemmlowp's rounding right shift as it writes it,
   remainder against threshold, which nothing overflows; or, once rounded,
   the product and its nudge shifted in 64-bit lanes (an arithmetic shift
   made of a logical one between two sign flips) and saturated. Then the
   clamp and the zero point. The first cnt (1 to 8) of them: bias, m and
   sh point at their own (per channel) or are NULL, read masked (lanes
   past cnt 0); s has 8 readable. */
static LIN__TARGET_AVX2 void lin__output8_s8_avx2(const int32_t *s, const int32_t *bias, const lin_quant *q,
                                                  const int32_t *m, const int32_t *sh, int8_t *y, size_t cnt)
{
    const __m256i in = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)cnt), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i mv = m ? _mm256_maskload_epi32((const int *)(const void *)m, in) : _mm256_set1_epi32(q->multiplier);
    const __m256i shv = sh ? _mm256_maskload_epi32((const int *)(const void *)sh, in) : _mm256_set1_epi32(q->shift);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)s);
    if (bias) v = lin__add_sat8_avx2(v, _mm256_maskload_epi32((const int *)(const void *)bias, in));
#ifdef LIN_SINGLE_ROUNDING
    {
        const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xffffffff);
        const __m256i total = _mm256_sub_epi32(_mm256_set1_epi32(31), shv);
        const __m256i te = _mm256_and_si256(total, low), to = _mm256_srli_epi64(total, 32);
        const __m256i zero = _mm256_setzero_si256(), max64 = _mm256_set1_epi64x(INT32_MAX);
        const __m256i min64 = _mm256_set1_epi64x(INT32_MIN);
        __m256i sg, lo, hi;
        lo = _mm256_add_epi64(_mm256_mul_epi32(v, mv), _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one)));
        hi = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), _mm256_srli_epi64(mv, 32)),
                              _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one)));
        sg = _mm256_cmpgt_epi64(zero, lo);
        lo = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(lo, sg), te), sg);
        sg = _mm256_cmpgt_epi64(zero, hi);
        hi = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(hi, sg), to), sg);
        lo = _mm256_blendv_epi8(lo, max64, _mm256_cmpgt_epi64(lo, max64));
        lo = _mm256_blendv_epi8(lo, min64, _mm256_cmpgt_epi64(min64, lo));
        hi = _mm256_blendv_epi8(hi, max64, _mm256_cmpgt_epi64(hi, max64));
        hi = _mm256_blendv_epi8(hi, min64, _mm256_cmpgt_epi64(min64, hi));
        v = _mm256_blend_epi32(lo, _mm256_slli_epi64(hi, 32), 0xaa);
    }
#else
    {
        const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
        const __m256i left = _mm256_max_epi32(shv, zero), right = _mm256_max_epi32(_mm256_sub_epi32(zero, shv), zero);
        const __m256i t = _mm256_sllv_epi32(v, left);
        __m256i mask, rem, thr;
        v = _mm256_blendv_epi8(_mm256_xor_si256(_mm256_srai_epi32(v, 31), _mm256_set1_epi32(INT32_MAX)), t,
                               _mm256_cmpeq_epi32(_mm256_srav_epi32(t, left), v));
        v = lin__dhmul8_avx2(v, mv);
        mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
        rem = _mm256_and_si256(v, mask);
        thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_srai_epi32(v, 31));
        v = _mm256_sub_epi32(_mm256_srav_epi32(v, right), _mm256_cmpgt_epi32(rem, thr));
    }
#endif
    lin__store8_s8_avx2(v, _mm256_set1_epi32(q->act_min - q->output_offset),
                        _mm256_set1_epi32(q->act_max - q->output_offset), _mm256_set1_epi32(q->output_offset), y, cnt);
}

#ifndef LIN_SINGLE_ROUNDING
/* lin__output8_s8_avx2 for a row of n outputs, per tensor, with a shift
   of 0 or less (TFLite's usual: multipliers in [2^30, 2^31), scales under
   1): no left shift, so none of its saturation, and the constants made
   once per row rather than once per eight. The same steps otherwise, the
   same bits. rows such rows (a tile's), s_rs and y_rs apart; s has n
   rounded up to 8 readable. */
static LIN__TARGET_AVX2 void lin__output_row8_s8_avx2(const int32_t *s, size_t s_rs, size_t rows, size_t n,
                                                      const int32_t *bias, const lin_quant *q, int8_t *y, size_t y_rs)
{
    const __m256i mv = _mm256_set1_epi32(q->multiplier), lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int right = -q->shift;
    const __m128i rc = _mm_cvtsi32_si128(right);
    const __m256i mask = _mm256_set1_epi32((int32_t)(((uint32_t)1 << right) - 1u)), half = _mm256_srli_epi32(mask, 1);
    const __m256i lo = _mm256_set1_epi32(q->act_min - q->output_offset);
    const __m256i hi = _mm256_set1_epi32(q->act_max - q->output_offset);
    const __m256i off = _mm256_set1_epi32(q->output_offset);
    size_t r, i;
    for (i = 0; i < rows; ++i, s += s_rs, y += y_rs)
    for (r = 0; r < n; r += 8) {
        const size_t cnt = LIN__MIN(8, n - r);
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + r)), t;
        if (bias)
            v = lin__add_sat8_avx2(v, cnt == 8 ? _mm256_loadu_si256((const __m256i *)(const void *)(bias + r))
                                               : _mm256_maskload_epi32((const int *)(const void *)(bias + r),
                                                                       _mm256_cmpgt_epi32(_mm256_set1_epi32((int)cnt), lane)));
        v = lin__dhmul8_avx2(v, mv);
        t = _mm256_sub_epi32(half, _mm256_srai_epi32(v, 31));
        v = _mm256_sub_epi32(_mm256_sra_epi32(v, rc), _mm256_cmpgt_epi32(_mm256_and_si256(v, mask), t));
        lin__store8_s8_avx2(v, lo, hi, off, y + r, cnt);
    }
}
#ifdef LIN__HAS_AVX512
#define LIN__OUTPUT_ROW16_S8 1
#if defined(__GNUC__) && !defined(__clang__)
/* as in the AVX-512 float family: g++ takes the undefined operands of its
   own intrinsics for uninitialized reads */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* lin__output_row8_s8_avx2 in 16 lanes, for the AVX-512 family: the same
   steps and bits; the bias's saturation and the rounding's carry as
   masks, s read whole (it has n rounded up to 16 readable) and the bias
   masked past n, the bytes by vpmovsdb into a register (the clamped
   lanes fit; its form that stores, masked, ran five times slower on Zen
   5), stored whole or the last ones as eight bytes and one by one. Each
   step as the eight-lane one
   but on twice the lanes: about a third of its instructions an output
   (AMD Zen 5, -O2, ns: 1x64x64 102 -> 97, 8x64x64 555 -> 526, 64x128x10
   1482 -> 1373, 4x16x16 63 -> 59). */
static LIN__TARGET_AVX512 void lin__output_row16_s8_avx512(const int32_t *s, size_t s_rs, size_t rows, size_t n,
                                                           const int32_t *bias, const lin_quant *q, int8_t *y,
                                                           size_t y_rs)
{
    const __m512i mv = _mm512_set1_epi32(q->multiplier), nudge = _mm512_set1_epi64((int64_t)1 << 30);
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1), big = _mm512_set1_epi32(INT32_MAX);
    const int right = -q->shift;
    const __m128i rc = _mm_cvtsi32_si128(right);
    const __m512i mask = _mm512_set1_epi32((int32_t)(((uint32_t)1 << right) - 1u)), half = _mm512_srli_epi32(mask, 1);
    const __m512i lo = _mm512_set1_epi32(q->act_min - q->output_offset);
    const __m512i hi = _mm512_set1_epi32(q->act_max - q->output_offset);
    const __m512i off = _mm512_set1_epi32(q->output_offset);
    size_t r, i;
    for (i = 0; i < rows; ++i, s += s_rs, y += y_rs)
    for (r = 0; r < n; r += 16) {
        const __mmask16 k = (__mmask16)(n - r >= 16 ? 0xffffu : (1u << (n - r)) - 1u);
        __m512i v = _mm512_loadu_si512((const void *)(s + r)), t;
        if (bias) {
            const __m512i b = _mm512_maskz_loadu_epi32(k, bias + r);
            t = _mm512_add_epi32(v, b);
            v = _mm512_mask_mov_epi32(
                t, _mm512_cmplt_epi32_mask(_mm512_and_si512(_mm512_xor_si512(v, t), _mm512_xor_si512(b, t)), zero),
                _mm512_xor_si512(_mm512_srai_epi32(v, 31), big));
        }
        /* bits 31..62 of v * m + 2^30: even lanes' products, odd lanes' */
        t = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(v, 32), mv), nudge);
        v = _mm512_add_epi64(_mm512_mul_epi32(v, mv), nudge);
        v = _mm512_mask_blend_epi32((__mmask16)0xaaaau, _mm512_srli_epi64(v, 31), _mm512_slli_epi64(t, 1));
        t = _mm512_sub_epi32(half, _mm512_srai_epi32(v, 31));
        v = _mm512_mask_add_epi32(_mm512_sra_epi32(v, rc), _mm512_cmpgt_epi32_mask(_mm512_and_si512(v, mask), t),
                                  _mm512_sra_epi32(v, rc), one);
        v = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(v, lo), hi), off);
        if (n - r >= 16) {
            _mm_storeu_si128((__m128i *)(void *)(y + r), _mm512_cvtsepi32_epi8(v));
        } else {                        /* eight bytes, then one by one */
            int8_t b16[16], *yr = y + r;
            size_t c = n - r, e;
            __m128i b = _mm512_cvtsepi32_epi8(v);
            if (c & 8) {
                _mm_storel_epi64((__m128i *)(void *)yr, b);
                b = _mm_srli_si128(b, 8);
                yr += 8;
            }
            _mm_storeu_si128((__m128i *)(void *)b16, b);
            for (e = 0; e < (c & 7); ++e) yr[e] = b16[e];
        }
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
#endif
#endif

/* y[r] = the output of the sum s[r] + ws for output j + r, r < n (s has
   n rounded up to 8 readable): eight at a time where AVX2 runs (wide) and
   ws is 0 (no weight offset); else one at a time */
static void lin__output_row_s8(int wide, const int32_t *s, size_t n, int64_t ws, const int32_t *bias,
                               const lin_quant *q, const lin__rq *rq, const int32_t *multiplier,
                               const int32_t *shift, size_t j, int8_t *y)
{
    size_t r = 0;
#ifdef LIN__DOT_S8_AVX2
#ifndef LIN_SINGLE_ROUNDING
    if (wide && !ws && !multiplier && !shift && q->shift <= 0) {
#ifdef LIN__OUTPUT_ROW16_S8
        /* a lone row in 16 lanes where they fill whole vectors (with a
           last part, the eight-lane steps were faster: AMD Zen 5, -O2,
           ns, 16 -> 8 lanes: 64x128x10 1604 -> 1544, 16x100x30 871 ->
           839; whole, 8 -> 16: 1x64x64 102 -> 97) */
        if (!(n & 15) && lin__isa_now() == LIN__ISA_AVX512) {
            lin__output_row16_s8_avx512(s, 0, 1, n, bias ? bias + j : NULL, q, y, 0);
            return;
        }
#endif
        lin__output_row8_s8_avx2(s, 0, 1, n, bias ? bias + j : NULL, q, y, 0);
        return;
    }
#endif
    if (wide && !ws) {
        for (; r < n; r += 8)
            lin__output8_s8_avx2(s + r, bias ? bias + j + r : NULL, q, multiplier ? multiplier + j + r : NULL,
                                 shift ? shift + j + r : NULL, y + r, LIN__MIN(8, n - r));
        return;
    }
#endif
    (void)wide;
    (void)q;
    for (; r < n; ++r) y[r] = lin__output_s8((int32_t)(s[r] + ws), bias, rq, multiplier, shift, j + r);
}

#if defined(LIN__DOT_S8_AVX2) && LIN_PACK && (defined(LIN__HAS_AVX2) || defined(LIN__HAS_AVX512))
#define LIN__S8_TILES_AVX2 1
/* AVX2, two or more rows of x and rows of at most LIN__S8_TILE_K: a GEMM
   in int16 pairs instead of dot products. A block of 16 rows of W is
   packed once (step pairs (w[2q], w[2q + 1]) of the 16 rows, 64 bytes
   a pair of steps), each row of x widened once with its offset, and a
   tile of up to four rows of x by 16 outputs sums in eight registers:
   each pair (x[2q] + xo, x[2q + 1] + xo) broadcast, times the packed
   pairs by vpmaddwd (exact: 383*128*2 fits an int32 lane), 16 outputs'
   sums in order, no reductions. The dot products widened every row of W
   for every two rows of x (vpmovsxbw, once a cycle on Zen 4) and reduced
   every four outputs; here vpmaddwd (twice a cycle) is all the loop
   does. The same exact sums. An odd last step pairs with 0 on both
   sides. */
/* (its buffers: 40 bytes a column, 20 KiB at 512, within the packed
   GEMM's default stack budget; 5 KiB at 128 under a smaller one) */
#if LIN_STACK_BUDGET >= 32768
#define LIN__S8_TILE_K 512
#else
#define LIN__S8_TILE_K 128
#endif
/* d (q, 16) = the pairs of W's rows o .. o + 15 of this block (rows past
   nr: zero; rows ld apart, in of each) at steps 0 .. kp - 1, as dwords */
static LIN__TARGET_AVX2 void lin__pack_s8_pairs_avx2(const int8_t *w, size_t ld, size_t in, size_t nr, int32_t *d)
{
    const size_t kp = (in + 1) / 2;
    size_t q = 0, o, g;
    for (; 2 * q + 16 <= in; q += 8)    /* eight pairs of each row: one transpose per eight rows */
        for (g = 0; g < 16; g += 8) {
#define LIN__PAIRS_ROW(r)                                                                            \
    (g + (r) < nr ? _mm256_castsi256_ps(lin__load_s8x16_avx2(w + (g + (r)) * ld + 2 * q)) : _mm256_setzero_ps())
            lin__transpose8(LIN__PAIRS_ROW(0), LIN__PAIRS_ROW(1), LIN__PAIRS_ROW(2), LIN__PAIRS_ROW(3),
                            LIN__PAIRS_ROW(4), LIN__PAIRS_ROW(5), LIN__PAIRS_ROW(6), LIN__PAIRS_ROW(7),
                            (float *)(void *)(d + 16 * q + g), 16);
#undef LIN__PAIRS_ROW
        }
    for (; q < kp; ++q)
        for (o = 0; o < 16; ++o) {
            const int8_t *wo = w + o * ld;
            d[16 * q + o] = lin__pair16(o < nr ? wo[2 * q] : 0, o < nr && 2 * q + 1 < in ? wo[2 * q + 1] : 0);
        }
}

/* GCOVR_EXCL_BR_START: the tiles below are inlined once per row count
   mr, a constant: each copy takes one side of every "if (mr > i)" by
   design (test_s8 checks every row count against the reference) */
/* s (mr, 16) = the mr (1-4) rows of pairs h (rows h_rs apart) against
   the packed block d, kp steps */
#define LIN__S8_TILE_ROW(i)                                                                          \
    if (mr > i) {                                                                                    \
        const __m256i b = _mm256_set1_epi32(h[i * h_rs + q]);                                        \
        c##i##0 = _mm256_add_epi32(c##i##0, _mm256_madd_epi16(b, w0));                               \
        c##i##1 = _mm256_add_epi32(c##i##1, _mm256_madd_epi16(b, w1));                               \
    }
#define LIN__S8_TILE_STORE(i)                                                                        \
    if (mr > i) {                                                                                    \
        _mm256_storeu_si256((__m256i *)(void *)(s + 16 * i), c##i##0);                               \
        _mm256_storeu_si256((__m256i *)(void *)(s + 16 * i + 8), c##i##1);                           \
    }
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__s8_tile_avx2(int mr, const int32_t *d, const int32_t *h,
                                                                  size_t h_rs, size_t kp, int32_t *s)
{
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00;
    size_t q;
    for (q = 0; q < kp; ++q) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)(const void *)(d + 16 * q));
        const __m256i w1 = _mm256_loadu_si256((const __m256i *)(const void *)(d + 16 * q + 8));
        LIN__S8_TILE_ROW(0) LIN__S8_TILE_ROW(1) LIN__S8_TILE_ROW(2) LIN__S8_TILE_ROW(3)
    }
    LIN__S8_TILE_STORE(0) LIN__S8_TILE_STORE(1) LIN__S8_TILE_STORE(2) LIN__S8_TILE_STORE(3)
}
#undef LIN__S8_TILE_ROW
#undef LIN__S8_TILE_STORE

#ifdef LIN__DOT4_S8_VNNI
/* The same tile where AVX-512 VNNI runs: each row's 16 outputs in one
   zmm, each packed pair step one load and, per row of x, a broadcast and
   one vpdpwssd (the pairs' products added into the lanes, wrapping as
   vpmaddwd's and the add do: the same exact sums), where AVX2 took two
   loads and, per row, two multiplies and two adds (AMD Zen 5, -O2, ns:
   8x64x64 660 -> 577, 128x64x64 9.0k -> 7.7k, 16x48x100 1853 -> 1670;
   with four chains, one a row, vpdpwssd's latency held it to 2-5%). The
   dot products stay ahead from rows of 128 (8x128x128 1492 against
   1597 by tiles, 32x256x256 13.8k against 19.4k). */
#define LIN__S8_TILE512_ROW(i, c, q)                                                                 \
    if (mr > i) c##i = quads ? _mm512_dpbusd_epi32(c##i, _mm512_set1_epi32(h[i * h_rs + (q)]), wv)   \
                             : _mm512_dpwssd_epi32(c##i, _mm512_set1_epi32(h[i * h_rs + (q)]), wv);
#define LIN__S8_TILE512_STEP(c, q)                                                                   \
    { const __m512i wv = _mm512_loadu_si512((const void *)(d + 16 * (q)));                          \
      LIN__S8_TILE512_ROW(0, c, q) LIN__S8_TILE512_ROW(1, c, q) LIN__S8_TILE512_ROW(2, c, q)        \
      LIN__S8_TILE512_ROW(3, c, q) }
#define LIN__S8_TILE512_STORE(i) \
    if (mr > i) _mm512_storeu_si512((void *)(s + 16 * i), _mm512_add_epi32(c##i, e##i));
/* (even steps into c, odd into e: eight chains cover vpdpwssd's latency
   where four did not). quads: each step a quad of bytes instead, x's
   unsigned (x + 128) against W's signed, by vpdpbusd (the quads
   below). */
static LIN__TARGET_VNNI LIN__INLINE_KERNEL void lin__s8_tile_vnni_rows(int quads, int mr, const int32_t *d,
                                                                      const int32_t *h, size_t h_rs, size_t kp,
                                                                      const int32_t *init, int32_t *s)
{
    const __m512i c = init ? _mm512_loadu_si512((const void *)init) : _mm512_setzero_si512();
    __m512i c0 = c, c1 = c, c2 = c, c3 = c, e0 = _mm512_setzero_si512(), e1 = e0, e2 = e0, e3 = e0;
    size_t q;
    for (q = 0; q + 2 <= kp; q += 2) {
        LIN__S8_TILE512_STEP(c, q)
        LIN__S8_TILE512_STEP(e, q + 1)
    }
    if (q < kp) LIN__S8_TILE512_STEP(c, q)
    LIN__S8_TILE512_STORE(0) LIN__S8_TILE512_STORE(1) LIN__S8_TILE512_STORE(2) LIN__S8_TILE512_STORE(3)
}
#undef LIN__S8_TILE512_ROW
#undef LIN__S8_TILE512_STEP
#undef LIN__S8_TILE512_STORE
static LIN__TARGET_VNNI void lin__s8_tile_vnni(size_t mr, const int32_t *d, const int32_t *h, size_t h_rs, size_t kp,
                                               int32_t *s)
{
    switch (mr) {
    case 1: lin__s8_tile_vnni_rows(0, 1, d, h, h_rs, kp, NULL, s); break;
    case 2: lin__s8_tile_vnni_rows(0, 2, d, h, h_rs, kp, NULL, s); break;
    case 3: lin__s8_tile_vnni_rows(0, 3, d, h, h_rs, kp, NULL, s); break;
    default: lin__s8_tile_vnni_rows(0, 4, d, h, h_rs, kp, NULL, s); break;
    }
}
/* in quads of bytes, each row's 16 sums starting at init */
static LIN__TARGET_VNNI void lin__s8_tile_quads_vnni(size_t mr, const int32_t *d, const int32_t *h, size_t h_rs,
                                                     size_t kq, const int32_t *init, int32_t *s)
{
    switch (mr) {
    case 1: lin__s8_tile_vnni_rows(1, 1, d, h, h_rs, kq, init, s); break;
    case 2: lin__s8_tile_vnni_rows(1, 2, d, h, h_rs, kq, init, s); break;
    case 3: lin__s8_tile_vnni_rows(1, 3, d, h, h_rs, kq, init, s); break;
    default: lin__s8_tile_vnni_rows(1, 4, d, h, h_rs, kq, init, s); break;
    }
}
#endif
/* GCOVR_EXCL_BR_STOP */

#ifdef LIN__DOT4_S8_VNNI
#define LIN__S8_QUADS_VNNI 1
/* The tiles (lin__linear_s8_tiles_avx2) where AVX-512 VNNI runs, in
   quads of bytes: vpdpbusd multiplies four unsigned bytes of x + 128
   (x's sign bit flipped) by four signed bytes of W and adds them to a
   lane, 64 products an instruction where the int16 pairs took 32, and x
   and W are not widened. A block of 16 rows of W is packed as quads
   (quad q of row r at d[16q + r]; past in and past the block's rows 0),
   its sums w taken from the packed quads against ones, and sum (x +
   xo)*w = sum (x + 128)*w + (xo - 128)*sum w, the second term where a
   tile's sums start: the same exact sums (the lanes wrap to the exact
   value, which fits int32 under the in_features bound). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push             /* as at lin__output_row16_s8_avx512 */
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
static LIN__TARGET_VNNI void lin__quads_u8_vnni(const int8_t *x, size_t in, int32_t *h)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const size_t bytes = (in + 3) / 4 * 4;
    size_t p;
    for (p = 0; p < bytes; p += 64) {
        const __m512i v = _mm512_xor_si512(in - p >= 64 ? _mm512_loadu_si512((const void *)(x + p))
                                                        : lin__tail64(lin__mask64(in - p), x + p),
                                           flip);
        if (bytes - p >= 64)
            _mm512_storeu_si512((void *)(h + p / 4), v);
        else
            _mm512_mask_storeu_epi8(h + p / 4, lin__mask64(bytes - p), v);
    }
}

/* d (kq, 16) = the quads of W's rows w .. w + (nr - 1)*ld (in bytes
   each), 0 past them (kq rounded up to 16 written), and corr (16) = (xo
   - 128) * their sums: 64 bytes of each row (masked past in), then a
   transpose of 16 x 16 quads in registers:
   dwords within 128-bit lanes (unpack by 32, then by 64: lane L of t[4b
   + c] holds quad 4L + c of rows 4b .. 4b + 3), then the lanes across
   registers (two rounds of vshufi32x4) */
static LIN__TARGET_VNNI void lin__pack_s8_quads_vnni(const int8_t *w, size_t ld, size_t in, size_t nr, int32_t xo,
                                                   int32_t *d, int32_t *corr)
{
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i sum = _mm512_setzero_si512(), v[16], t[16];
    size_t p, r, c;
    for (p = 0; p < in; p += 64, d += 256) {
        const __mmask64 m = in - p >= 64 ? ~(__mmask64)0 : lin__mask64(in - p);
        for (r = 0; r < 16; ++r) v[r] = r < nr ? lin__tail64(m, w + r * ld + p) : _mm512_setzero_si512();
        for (r = 0; r < 16; r += 2) {
            t[r] = _mm512_unpacklo_epi32(v[r], v[r + 1]);
            t[r + 1] = _mm512_unpackhi_epi32(v[r], v[r + 1]);
        }
        for (r = 0; r < 16; r += 4) {
            v[r] = _mm512_unpacklo_epi64(t[r], t[r + 2]);
            v[r + 1] = _mm512_unpackhi_epi64(t[r], t[r + 2]);
            v[r + 2] = _mm512_unpacklo_epi64(t[r + 1], t[r + 3]);
            v[r + 3] = _mm512_unpackhi_epi64(t[r + 1], t[r + 3]);
        }
        for (c = 0; c < 4; ++c) {       /* quads 4L + c, L = 0..3: rows 0-3, 4-7, 8-11, 12-15 of lane L */
            const __m512i a01 = _mm512_shuffle_i32x4(v[c], v[4 + c], 0x44), a23 = _mm512_shuffle_i32x4(v[c], v[4 + c], 0xee);
            const __m512i b01 = _mm512_shuffle_i32x4(v[8 + c], v[12 + c], 0x44);
            const __m512i b23 = _mm512_shuffle_i32x4(v[8 + c], v[12 + c], 0xee);
            t[c] = _mm512_shuffle_i32x4(a01, b01, 0x88);
            t[4 + c] = _mm512_shuffle_i32x4(a01, b01, 0xdd);
            t[8 + c] = _mm512_shuffle_i32x4(a23, b23, 0x88);
            t[12 + c] = _mm512_shuffle_i32x4(a23, b23, 0xdd);
        }
        for (r = 0; r < 16; ++r) {
            _mm512_storeu_si512((void *)(d + 16 * r), t[r]);
            sum = _mm512_dpbusd_epi32(sum, ones, t[r]);
        }
    }
    _mm512_storeu_si512((void *)corr, _mm512_mullo_epi32(_mm512_set1_epi32(xo - 128), sum));
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

/* h = a row of x as the tiles' steps: quads of x + 128 (kind 2), else
   pairs of x + xo */
static LIN__TARGET_AVX2 void lin__s8_steps_avx2(int kind, const int8_t *x, size_t in, int32_t xo, int32_t *h)
{
#ifdef LIN__S8_QUADS_VNNI
    if (kind == 2) {
        lin__quads_u8_vnni(x, in, h);
        return;
    }
#else
    (void)kind;
#endif
    lin__pairs_s8_avx2(x, in, xo, h);
}

/* lin__linear_s8's x86 part by tiles (batch >= 2). kind, a constant or
   0/1: 0 AVX2's int16 pairs, 1 the pairs through VNNI's vpdpwssd, 2 quads
   of bytes through vpdpbusd (their correction the tile's start). Every
   row of x goes into steps once, before the blocks, where they all fit h
   (rows of ku steps, ku apart); else each tile's rows for each block.
   Rows longer than LIN__S8_TILE_K go in blocks of k that long, chunks
   of LIN__S8_TILE_MB rows of x at a time, each tile's sums kept in acc
   from one block to the next (a subset's sum is within the bound of the
   whole: int32 holds it) and requantized after the last. */
#define LIN__S8_TILE_MB 32
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__s8_tiles(int kind, const int8_t *x, const int8_t *weight,
                                                              const int32_t *bias, int8_t *y, size_t batch, size_t in,
                                                              size_t out, const lin_quant *q, const lin__rq *rq,
                                                              const int32_t *multiplier, const int32_t *shift)
{
    int32_t d[16 * (LIN__S8_TILE_K / 2)], h[4 * (LIN__S8_TILE_K / 2)], s[4 * 16], corr[16] = {0};
    int32_t acc[LIN__S8_TILE_MB * 16];
    const int blocks = in > LIN__S8_TILE_K;
    const size_t ku = kind == 2 ? (in + 3) / 4 : (in + 1) / 2;
    const int32_t xo = q->input_offset, wo = q->weight_offset;
    const int once = !blocks && batch * ku <= sizeof h / sizeof h[0];
    const size_t h_rs = once ? ku : LIN__S8_TILE_K / 2, chunk = blocks ? LIN__S8_TILE_MB : batch;
    /* a tile's rows requantized in one call (per tensor, no left shift,
       no weight offset): 16 lanes where the AVX-512 family runs, else 8;
       else row by row */
    int lanes = 0;
    size_t i, j, r, i0, k0;
#ifndef LIN_SINGLE_ROUNDING
    if (!wo && !multiplier && !shift && q->shift <= 0) lanes = 8;
#ifdef LIN__OUTPUT_ROW16_S8
    if (lanes && lin__isa_now() == LIN__ISA_AVX512) lanes = 16;
#endif
#endif
    for (i = 0; once && i < batch; ++i) lin__s8_steps_avx2(kind, x + i * in, in, xo, h + i * ku);
    for (i0 = 0; i0 < batch; i0 += chunk)
    for (j = 0; j < out; j += 16)
    for (k0 = 0; k0 < in; k0 += LIN__S8_TILE_K) {
        const size_t nr = LIN__MIN(16, out - j), kn = LIN__MIN(LIN__S8_TILE_K, in - k0);
        const size_t kun = kind == 2 ? (kn + 3) / 4 : (kn + 1) / 2, i1 = LIN__MIN(batch, i0 + chunk);
#ifdef LIN__S8_QUADS_VNNI
        if (kind == 2)
            lin__pack_s8_quads_vnni(weight + j * in + k0, in, kn, nr, xo, d, corr);
        else
#endif
        lin__pack_s8_pairs_avx2(weight + j * in + k0, in, kn, nr, d);
        for (i = i0; i < i1; i += 4) {
            const size_t mr = LIN__MIN(4, i1 - i);
            const int32_t *hi = once ? h + i * ku : h;
            int32_t *ai = blocks ? acc + (i - i0) * 16 : acc;   /* (acc holds one chunk) */
            for (r = 0; !once && r < mr; ++r) lin__s8_steps_avx2(kind, x + (i + r) * in + k0, kn, xo, h + r * h_rs);
#ifdef LIN__DOT4_S8_VNNI
            if (kind == 2)
                lin__s8_tile_quads_vnni(mr, d, hi, h_rs, kun, corr, s);
            else if (kind)
                lin__s8_tile_vnni(mr, d, hi, h_rs, kun, s);
            else
#endif
            switch (mr) {
            case 1: lin__s8_tile_avx2(1, d, hi, h_rs, kun, s); break;
            case 2: lin__s8_tile_avx2(2, d, hi, h_rs, kun, s); break;
            case 3: lin__s8_tile_avx2(3, d, hi, h_rs, kun, s); break;
            default: lin__s8_tile_avx2(4, d, hi, h_rs, kun, s); break;
            }
            if (blocks) {               /* the blocks before this one's sums, then this one's for the next */
                for (r = 0; r < 16 * mr; r += 8) {
                    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + r));
                    if (k0) v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)(const void *)(ai + r)));
                    _mm256_storeu_si256((__m256i *)(void *)(k0 + kn < in ? ai + r : s + r), v);
                }
                if (k0 + kn < in) continue;
            }
#ifdef LIN__OUTPUT_ROW16_S8
            if (lanes == 16) {
                lin__output_row16_s8_avx512(s, 16, mr, nr, bias ? bias + j : NULL, q, y + i * out + j, out);
                continue;
            }
#endif
#ifndef LIN_SINGLE_ROUNDING
            if (lanes) {
                lin__output_row8_s8_avx2(s, 16, mr, nr, bias ? bias + j : NULL, q, y + i * out + j, out);
                continue;
            }
#endif
            for (r = 0; r < mr; ++r) {
                const int8_t *xr = x + (i + r) * in;
                const int64_t ws = wo ? (int64_t)wo * lin__sum_s8(xr, in, xo) : 0;
                lin__output_row_s8(1, s + 16 * r, nr, ws, bias, q, rq, multiplier, shift, j, y + (i + r) * out + j);
            }
        }
    }
    (void)corr;                         /* (builds without the quads) */
    (void)lanes;                        /* (and LIN_SINGLE_ROUNDING's) */
}
/* the tiles' two copies: the int16 pairs (vnni: through VNNI's
   vpdpwssd), and the quads, where the quads' steps inline */
LIN__NOINLINE static LIN__TARGET_AVX2 void lin__linear_s8_tiles_avx2(int vnni, const int8_t *x, const int8_t *weight,
                                                                    const int32_t *bias, int8_t *y, size_t batch,
                                                                    size_t in, size_t out, const lin_quant *q,
                                                                    const lin__rq *rq, const int32_t *multiplier,
                                                                    const int32_t *shift)
{
    lin__s8_tiles(vnni != 0, x, weight, bias, y, batch, in, out, q, rq, multiplier, shift);   /* (never the quads) */
}
#ifdef LIN__S8_QUADS_VNNI
LIN__NOINLINE static LIN__TARGET_VNNI void lin__linear_s8_quads_vnni(const int8_t *x, const int8_t *weight,
                                                                   const int32_t *bias, int8_t *y, size_t batch,
                                                                   size_t in, size_t out, const lin_quant *q,
                                                                   const lin__rq *rq, const int32_t *multiplier,
                                                                   const int32_t *shift)
{
    lin__s8_tiles(2, x, weight, bias, y, batch, in, out, q, rq, multiplier, shift);
}
#endif
#endif
#endif

/* y (batch, out) int8 = clamp(requant(x (batch, in) * W (out, in)^T + b) + zero point) */
/* wsum_pre: each row's sum of W from a prepared layer, or NULL */
LIN__NOINLINE static void lin__linear_s8(const int8_t *x, const int8_t *weight, const int32_t *bias,
                                         int8_t *y, size_t batch, size_t in, size_t out,
                                         const lin_quant *q, const int32_t *multiplier,
                                         const int32_t *shift, const int32_t *wsum_pre)
{
    const int32_t xo = q->input_offset, wo = q->weight_offset;
    size_t i, j, j0 = 0;
    lin__rq rq;
    lin__rq_set(&rq, q);
    (void)wsum_pre;                     /* read where the kernels need the sums of W */
    if (!out) return;                   /* y may be NULL: no arithmetic on it */
    if (!in) {                          /* x and weight may be NULL: y = requant(bias) */
        for (i = 0; i < batch; ++i)
            for (j = 0; j < out; ++j) y[i * out + j] = lin__output_s8(0, bias, &rq, multiplier, shift, j);
        return;
    }
    /* sum (x + xo)(w + wo) = sum (x + xo)*w + wo*sum (x + xo), each term and
       the sum within int32 under lin__s8_too_long's bound; wo is 0 for the
       symmetric weights TFLite uses */
#if defined(LIN__DOT4_S8) && !defined(LIN__DOT4_S8_X86)
    /* Arm: four rows of W at a time, each block against every row of x:
       the block stays in L1 and its sum w is taken once. Helium: the last
       out % 4 rows too, as one more block whose missing rows repeat its
       first (lin__dot4_s8_part), their outputs left alone
       (lin__output4_s8); elsewhere they take the loop further down. */
#ifdef LIN__OUTPUT4_S8
    j0 = out;
#else
    j0 = out - out % 4;
#endif
    for (j = 0; j < j0; j += 4) {
        int32_t wsum[4];
        const int32_t *wsj = wsum;
#ifdef LIN__OUTPUT4_S8
        const size_t rows = LIN__MIN(4, out - j);
#else
        const size_t rows = 4;
#endif
        size_t r;
        wsum[0] = wsum[1] = wsum[2] = wsum[3] = 0;
        if (wsum_pre && rows == 4)
            wsj = wsum_pre + j;             /* a prepared layer's */
        else if (wsum_pre) {                /* the last one to three (not a loop: GCC made it memcpy) */
            wsum[0] = wsum_pre[j];
            wsum[1] = rows > 1 ? wsum_pre[j + 1] : 0;
            wsum[2] = rows > 2 ? wsum_pre[j + 2] : 0;
        }
        else if (xo != LIN__DOT4_XO_FREE)   /* else their factor is 0 */
            LIN__WSUM_S8(weight + j * in, in, rows, wsum);
        for (i = 0; i < batch; ++i) {
            const int8_t *xi = x + i * in;
            const int32_t ws = wo ? wo * lin__sum_s8(xi, in, xo) : 0;     /* fits: see below */
            int32_t s[4];
#ifdef LIN__OUTPUT4_S8
            lin__dot4_s8_part(xi, weight + j * in, in, rows, xo, wsj, s);
            if (lin__output4_s8(s, ws, bias ? bias + j : NULL, &rq, multiplier ? multiplier + j : NULL,
                                shift ? shift + j : NULL, y + i * out + j, rows))
                continue;
#else
            lin__dot4_s8(xi, weight + j * in, in, xo, wsj, s);
#endif
            for (r = 0; r < rows; ++r)
                y[i * out + j + r] = lin__output_s8(s[r] + ws, bias, &rq, multiplier, shift, j + r);
        }
    }
    if (j0 == out) return;
#endif
#ifdef LIN__DOT4_S8_X86
    /* x86: a block of 16 rows of W (8 past 1024 columns: the block stays
       in L1 or near) against two rows of x at a time, four rows of W per
       kernel call (AVX-512 VNNI, else AVX2, else SSE2; the VNNI kernel
       with each block's sums w taken once), then the block's outputs of
       each row of x requantized together. A last group of fewer than four
       rows of W repeats its first row and drops the extra sums. */
    /* up to 16 outputs of rows under 16, which these kernels take all in
       their scalar tails, go to the loop at the end instead (AMD Zen 4,
       -O2: 3 -> 2 49 -> 33 ns; their set-up was most of it; with more
       outputs their vector requantization wins: 2x8x15 243 -> 253) */
    if (LIN__DOT4_S8_X86_RUNS(LIN__DOT_S8_WIDE()) &&
        !(in < 16 && batch <= 16 && out <= 16 && batch * out <= 16)) {
        const int wide = LIN__DOT_S8_WIDE();
        const size_t rows = in <= 1024 ? 16 : 8;
#ifdef LIN__DOT4_S8_VNNI
        /* rows under 64 bytes fill a part of VNNI's vectors: there AVX2's
           kernel is faster, unless the rows fill half of them and its sums
           w serve eight or more rows of x (AVX-512 family on Zen 4, -O2:
           1x16x16 140 -> 88 ns, 1x32x64 390 -> 214 ns, 4x16x16 201 -> 154
           ns; 8x32x64 1370 with VNNI, 1475 without); a lone row of x,
           whose sums w serve it alone, up to rows of 127 (AVX2's eight
           rows a call, Zen 5, -O2, ns: 1x64x64 159 -> 138, 1x80x80 239 ->
           198; 1x128x128 356 with VNNI, 387 without) */
        const int vnni = lin__vnni_now() && (in >= 128 || (in >= 64 && batch >= 2) || (in >= 32 && batch >= 8));
#else
        const int vnni = 0;
#endif
#ifdef LIN__DOT_S8_AVX2
        /* AVX2: each pair of rows of x widened once per block, where a row
           fits the buffer (rows of W of 16 or more: the buffer's set-up
           costs what it saves below) */
        int32_t h[2][512];
        const int widen = wide && !vnni && in >= 16 && in <= 1024;
#endif
        /* rows of W per block; a lone row of x widened once, for blocks of
           64 (its sums go out together; no second row shares the block) */
        size_t blk = rows;
        (void)vnni;
#ifdef LIN__DOT_S8_AVX2
        if (widen && batch == 1) {
            blk = 64;
            lin__pairs_s8_avx2(x, in, xo, h[0]);
        }
#endif
#ifdef LIN__S8_TILES_AVX2
#ifdef LIN__S8_QUADS_VNNI
        /* by quads where a block of W serves enough rows of x to pay for
           its packing: 8 or more rows of 64-256 columns, 24 or more of
           257-512, 32 or more under 64 (AMD Zen 5, -O2, ns, from VNNI's
           dot products or the int16 pairs: 16x100x30 790 -> 450, 64x128x10
           1472 -> 911, 8x128x128 1528 -> 1099, 32x256x256 13.5k -> 10.9k,
           64x512x512 78.2k -> 65.0k, 128x64x64 6260 -> 4667, 48x24x24
           1032 -> 661; slower: 4x512x512 6460 -> 11528, 16x512x512 21.4k
           -> 23.0k, 16x32x32 268 -> 297, 8x32x32 149 -> 178) */
        if (lin__vnni_now() && wide && in <= LIN__S8_TILE_K &&
            (in >= 64 ? batch >= 8 && (in <= 256 || batch >= 24) : batch >= 32)) {
            lin__linear_s8_quads_vnni(x, weight, bias, y, batch, in, out, q, &rq, multiplier, shift);
            return;
        }
#endif
        /* packing a block costs what three to eight rows of x gain by
           it, more the longer the rows (AMD Zen 4, AVX2 family, -O2, ns,
           dot products -> tiles: 2x16x16 90 -> 67, 2x64x64 378 -> 379,
           2x256x256 3150 -> 4363, 4x256x256 6234 -> 6040, 4x512x512
           20.9k -> 22.2k, 8x256x256 12.5k -> 10.2k, 16x512x512 84.1k ->
           65.8k, 6x100x30 1108 -> 599); ahead of VNNI's dot products up
           to rows of 64 (AVX-512 family: 128x64x64 12.8k -> 11.8k,
           16x48x100 3781 -> 3158; behind from 128: 8x128x128 1989 ->
           2766), from three rows there (2x64x64 by VNNI's dot products:
           Zen 5, 254 -> 217 ns); rows past 512 in blocks of k (AVX2
           family, Zen 5, -O2, dot products -> tiles, us: 32x1024x1024
           466 -> 419, 64x1024x1024 916 -> 836, 20x768x768 168 -> 151,
           32x600x256 73.9 -> 63.1, 96x4096x256 1355 -> 1252; 17x600x100
           15.4 -> 16.0) */
        if (wide && (!vnni || in <= 64) && batch >= (size_t)(2 + vnni) && batch * 64 >= in + 64) {
            lin__linear_s8_tiles_avx2(vnni, x, weight, bias, y, batch, in, out, q, &rq, multiplier, shift);
            return;
        }
#endif
        for (j = 0; j < out; j += blk) {
            const size_t nr = LIN__MIN(blk, out - j);
            int32_t s0[64], s1[64];
            size_t g;
#ifdef LIN__DOT4_S8_VNNI
            size_t r;
            int32_t wsum[16];
            const int32_t *wsj = wsum_pre ? wsum_pre + j : wsum;   /* the prepared layer's, or these */
            for (g = 0; vnni && !wsum_pre && g + 4 <= nr; g += 4) {
                if (xo != LIN__DOT4_XO_FREE)   /* else its factor is 0: skip the pass */
                    lin__wsum4_s8(weight + (j + g) * in, in, wsum + g);
                else
                    for (r = 0; r < 4; ++r) wsum[g + r] = 0;
            }
#endif
            for (i = 0; i < batch; i += 2) {
                const int8_t *x0 = x + i * in, *x1 = i + 1 < batch ? x0 + in : NULL;
                const int64_t ws0 = wo ? (int64_t)wo * lin__sum_s8(x0, in, xo) : 0;
                const int64_t ws1 = wo && x1 ? (int64_t)wo * lin__sum_s8(x1, in, xo) : 0;
#ifdef LIN__DOT_S8_AVX2
                if (widen && batch > 1) {
                    lin__pairs_s8_avx2(x0, in, xo, h[0]);
                    if (x1) lin__pairs_s8_avx2(x1, in, xo, h[1]);
                }
#endif
                g = 0;
#ifdef LIN__DOT_S8_AVX2
                for (; widen && !vnni && !x1 && g < nr; g += 8)    /* a lone row: eight rows of W a call */
                    lin__dot8x1_s8w_avx2(x0, h[0], weight + (j + g) * in, nr - g, in, xo, s0 + g);
#endif
                for (; g < nr; g += 4) {
                    const int8_t *w[4];
#ifdef LIN__DOT4_S8_VNNI
                    if (vnni && g + 4 <= nr) {
                        if (x1)
                            lin__dot4x2_s8(x0, x1, weight + (j + g) * in, in, xo, wsj + g, s0 + g, s1 + g);
                        else
                            lin__dot4_s8(x0, weight + (j + g) * in, in, xo, wsj + g, s0 + g);
                        continue;
                    }
#endif
                    w[0] = weight + (j + g) * in;       /* (no loop: GCC made each a multiply) */
                    w[1] = g + 1 < nr ? w[0] + in : w[0];
                    w[2] = g + 2 < nr ? w[1] + in : w[0];
                    w[3] = g + 3 < nr ? w[2] + in : w[0];
#ifdef LIN__DOT_S8_AVX2
                    if (widen) {
                        if (x1)
                            lin__dot4x2_s8w_avx2(x0, x1, h[0], h[1], w, in, xo, s0 + g, s1 + g);
                        else
                            lin__dot4x1_s8w_avx2(x0, h[0], w, in, xo, s0 + g);
                        continue;
                    }
#endif
                    lin__dot4_s8_x86(wide, x0, x1, w, in, xo, s0 + g, s1 + g);
                }
                lin__output_row_s8(wide, s0, nr, ws0, bias, q, &rq, multiplier, shift, j, y + i * out + j);
                if (x1) lin__output_row_s8(wide, s1, nr, ws1, bias, q, &rq, multiplier, shift, j, y + (i + 1) * out + j);
            }
        }
        return;
    }
#endif
    for (i = 0; i < batch; ++i) {
        const int8_t *xi = x + i * in;
        /* |wo * sum (x + xo)| <= reach(wo) * reach(xo) * in < 2^31, as is the
           whole sum (lin__s8_too_long): int32, no 64-bit multiply on a
           32-bit MCU */
        const int32_t ws = wo ? wo * lin__sum_s8(xi, in, xo) : 0;
        int8_t *yi = y + i * out;
        j = j0;
        /* four rows of W a pass where the kernel exists, else two, then one;
           one output step for all (inlined once) */
        while (j < out) {
            int32_t a[4];
            size_t r, rows = 1;
#ifdef LIN__DOT4_S8_DSP
            if (out - j >= 4) {
                rows = 4;
                lin__dot4_s8_dsp(xi, weight + j * in, in, xo, a);
            } else
#endif
#ifdef LIN__DOT2_S8
            if (out - j >= 2) {
                rows = 2;
                lin__dot2_s8(xi, weight + j * in, weight + (j + 1) * in, in, xo, &a[0], &a[1]);
            } else
#endif
                a[0] = lin__dot_s8(xi, weight + j * in, in, xo);
            for (r = 0; r < rows; ++r, ++j) yi[j] = lin__output_s8(a[r] + ws, bias, &rq, multiplier, shift, j);
        }
    }
}

LIN_API size_t lin_prepared_s8_size(size_t in_features, size_t out_features)
{
    size_t n;
    if (!lin__mul(in_features, out_features, &n) || !lin__fits(out_features, sizeof(int32_t)) ||
        out_features * sizeof(int32_t) > (size_t)-1 - 3)
        return 0;
    return out_features * sizeof(int32_t) + 3;
}

LIN_API lin_status lin_prepare_s8(lin_prepared_s8 *p, const int8_t *weight, const int32_t *bias,
                                  size_t in_features, size_t out_features, const lin_quant *q,
                                  void *buf, size_t buf_bytes)
{
    const size_t need = lin_prepared_s8_size(in_features, out_features);
    lin__span bs, ins[4];
    int32_t *ws;
    size_t j;
    if (!p || !q || !buf) return LIN_ERR_NULL;
    if (!need) return LIN_ERR_OVERFLOW;
    if (in_features && out_features && !weight) return LIN_ERR_NULL;
    if (lin__s8_bad(q, NULL, NULL, out_features, 0)) return LIN_ERR_VALUE;
    if (lin__s8_too_long(in_features, q->input_offset, q->weight_offset)) return LIN_ERR_OVERFLOW;
    if (buf_bytes < need) return LIN_ERR_SIZE;
    lin__span_set(&bs, buf, need, 1);
    lin__span_set(&ins[0], weight, in_features * out_features, 1);
    lin__span_set(&ins[1], bias, out_features, sizeof(int32_t));
    lin__span_set(&ins[2], q, 1, sizeof *q);
    lin__span_set(&ins[3], p, 1, sizeof *p);
    /* buf apart from the inputs and *p; *p, written too, apart from the inputs */
    if (!lin__apart(&bs, 1, ins, 4, NULL) || !lin__apart(&ins[3], 1, ins, 3, NULL)) return LIN_ERR_ALIAS;
    ws = (int32_t *)(void *)(((uintptr_t)buf + 3u) & ~(uintptr_t)3u);
    for (j = 0; j < out_features; ++j)      /* |sum| <= 128 * in_features: exact */
        ws[j] = in_features ? lin__sum_s8(weight + j * in_features, in_features, 0) : 0;   /* W may be NULL */
    p->in_features = in_features;
    p->out_features = out_features;
    p->weight = weight;
    p->bias = bias;
    p->wsum = ws;
    /* field by field: a struct assignment is a memcpy call at -Os on
       RISC-V, and the prepared int8 path calls no C library function */
    p->q.input_offset = q->input_offset;
    p->q.weight_offset = q->weight_offset;
    p->q.output_offset = q->output_offset;
    p->q.multiplier = q->multiplier;
    p->q.shift = q->shift;
    p->q.act_min = q->act_min;
    p->q.act_max = q->act_max;
    p->buf = buf;
    p->buf_bytes = buf_bytes;
    return LIN_OK;
}

LIN_API lin_status lin_linear_prepared_s8(const lin_prepared_s8 *p, const int8_t *x, int8_t *y, size_t batch)
{
    lin__dims d;
    uintptr_t yl;
    if (!p) return LIN_ERR_NULL;
#if LIN__LEAST_CODE
    if (!lin__layer_dims(batch, p->in_features, p->out_features, 1, &d)) return LIN_ERR_OVERFLOW;
#else
    /* the byte counts of x and y (W's was checked when it was prepared):
       the products inline where no factor reaches half of size_t's bits */
    d.nw = p->in_features * p->out_features;
    if ((batch | p->in_features | p->out_features) < (size_t)1 << (sizeof(size_t) * 4)) {
        d.nx = batch * p->in_features;
        d.ny = batch * p->out_features;
    } else if (!lin__mul(batch, p->in_features, &d.nx) || !lin__mul(batch, p->out_features, &d.ny)) {
        return LIN_ERR_OVERFLOW;
    }
#endif
    if ((d.nx && !x) || (d.ny && !y)) return LIN_ERR_NULL;
    /* y apart from x and from the layer's W, b and buffer (their sizes
       were checked when it was prepared): the comparisons inline, where
       lin__apart's loop over spans cost about 50 instructions a call;
       built for size, each a call that also takes empty spans */
    yl = (uintptr_t)y;
#if LIN__LEAST_CODE
    if (d.ny && (lin__hits(yl, d.ny, (uintptr_t)x, d.nx) | lin__hits(yl, d.ny, (uintptr_t)p->weight, d.nw) |
                 lin__hits(yl, d.ny, (uintptr_t)p->bias, p->bias ? p->out_features * sizeof(int32_t) : 0) |
                 lin__hits(yl, d.ny, (uintptr_t)p->buf, p->buf_bytes) | lin__hits(yl, d.ny, (uintptr_t)p, sizeof *p)))
        return LIN_ERR_ALIAS;
#else
    /* one compare each, on spans that have bytes (x and W have them
       together, when y has some; the buffer always): with the products
       inline, a 4 -> 2 layer's call on a Cortex-M4 at -O2 takes 32 fewer
       instructions (QEMU trace, 339 -> 307) */
    if (lin__s8_meets(yl, d.ny, x, d.nx, p->weight, d.nw, p->bias, p->out_features, p->buf, p->buf_bytes, p,
                      sizeof *p))       /* *p: its q is read as y is written */
        return LIN_ERR_ALIAS;
#endif
    lin__linear_s8(x, p->weight, p->bias, y, batch, p->in_features, p->out_features, &p->q, NULL, NULL, p->wsum);
    return LIN_OK;
}

LIN_API lin_status lin_linear_s8(const int8_t *x, const int8_t *weight, const int32_t *bias, int8_t *y,
                                 size_t batch, size_t in_features, size_t out_features,
                                 const lin_quant *q)
{
    lin_status s = lin__check_s8(x, weight, bias, y, batch, in_features, out_features, q, NULL, NULL, 0);
    if (s != LIN_OK) return s;
    lin__linear_s8(x, weight, bias, y, batch, in_features, out_features, q, NULL, NULL, NULL);
    return LIN_OK;
}

/* The words for what lin__check_s8 refused (status s). */
static lin_status lin__say_s8(lin__msg *m, lin_status s, const int8_t *x, const int8_t *weight,
                              const int32_t *bias, const int8_t *y, size_t batch, size_t in, size_t out,
                              const lin_quant *q, const int32_t *multiplier, const int32_t *shift,
                              int per_channel)
{
    static const char *const field[5] = {"input_offset", "weight_offset", "output_offset", "act_min",
                                         "act_max"};
    static const char *const range[5] = {"[-127, 128]", "[-127, 128]", "[-128, 127]", "[-128, 127]",
                                         "[-128, 127]"};
    lin__dims d;
    lin__named o, i[6];
    size_t bad;
    if (s == LIN_OK) return s;
    if (!q) {
        lin__puts(m, "q is NULL");
        return s;
    }
    if (!lin__layer_dims(batch, in, out, 1, &d) || !lin__fits(out, sizeof(int32_t)))
        return lin__say_dims(m, batch, in, out);
    if (s == LIN_ERR_VALUE && (!per_channel || (multiplier && shift)) &&
        (bad = lin__s8_bad(q, multiplier, shift, out, per_channel)) != 0) {
        int32_t vals[5];
        vals[0] = q->input_offset;
        vals[1] = q->weight_offset;
        vals[2] = q->output_offset;
        vals[3] = q->act_min;
        vals[4] = q->act_max;
        if (bad <= 5) {
            lin__puts(m, field[bad - 1]);
            lin__puts(m, " is ");
            lin__puti(m, vals[bad - 1]);
            lin__puts(m, ", outside ");
            lin__puts(m, range[bad - 1]);
        } else if (bad == 6) {
            return lin__say_clamp(m, "act_min", q->act_min, "act_max", q->act_max);
        } else {
            int32_t mul = bad == 7 ? q->multiplier : multiplier[bad - 8];
            int32_t sh = bad == 7 ? q->shift : shift[bad - 8];
            if (bad == 7) {
                lin__puts(m, "q's");
            } else {
                lin__puts(m, "channel ");
                lin__putu(m, bad - 8);
                lin__puts(m, "'s");
            }
            lin__puts(m, mul < 0 ? " multiplier " : " shift ");
            lin__puti(m, mul < 0 ? mul : sh);
            lin__puts(m, mul < 0 ? " is negative" : " is outside [-31, 30]");
        }
        return s;
    }
    if (s == LIN_ERR_OVERFLOW) {
        lin__puts(m, "in_features ");
        lin__putu(m, in);
        lin__puts(m, " exceeds ");
        lin__putu(m, lin__s8_max_in(q->input_offset, q->weight_offset));
        lin__puts(m, ", the most whose sums are exact in int32 with these offsets");
        return s;
    }
    lin__name(&o, "y", y, d.ny, 1);
    lin__name(&i[0], "x", x, d.nx, 1);
    lin__name(&i[1], "weight", weight, d.nw, 1);
    lin__name(&i[2], "bias", bias, bias ? out : 0, sizeof(int32_t));
    lin__name(&i[3], "multiplier", multiplier, per_channel ? out : 0, sizeof(int32_t));
    lin__name(&i[4], "shift", shift, per_channel ? out : 0, sizeof(int32_t));
    lin__name(&i[5], "q", q, 1, sizeof *q);
    return lin__say_buffers(m, s, &o, 1, i, 6);
}

LIN_API lin_status lin_linear_s8_explain(const int8_t *x, const int8_t *weight,
                                         const int32_t *bias, const int8_t *y, size_t batch,
                                         size_t in_features, size_t out_features,
                                         const lin_quant *q, char *buf, size_t buf_size)
{
    lin__msg m = lin__msg_start(buf, buf_size);
    /* the check only reads y's address (it takes it non-const for GCC's flow warnings) */
    lin_status s = lin__check_s8(x, weight, bias, (int8_t *)(uintptr_t)y, batch, in_features, out_features,
                                 q, NULL, NULL, 0);
    return lin__say_s8(&m, s, x, weight, bias, y, batch, in_features, out_features, q, NULL, NULL, 0);
}

LIN_API lin_status lin_linear_s8_per_channel_explain(const int8_t *x, const int8_t *weight,
                                                     const int32_t *bias, const int8_t *y,
                                                     size_t batch, size_t in_features,
                                                     size_t out_features, const lin_quant *q,
                                                     const int32_t *multiplier,
                                                     const int32_t *shift, char *buf,
                                                     size_t buf_size)
{
    lin__msg m = lin__msg_start(buf, buf_size);
    lin_status s = lin__check_s8(x, weight, bias, (int8_t *)(uintptr_t)y, batch, in_features, out_features,
                                 q, multiplier, shift, 1);
    return lin__say_s8(&m, s, x, weight, bias, y, batch, in_features, out_features, q, multiplier, shift, 1);
}

LIN_API lin_status lin_linear_s8_per_channel(const int8_t *x, const int8_t *weight,
                                             const int32_t *bias, int8_t *y, size_t batch,
                                             size_t in_features, size_t out_features,
                                             const lin_quant *q, const int32_t *multiplier,
                                             const int32_t *shift)
{
    lin_status s = lin__check_s8(x, weight, bias, y, batch, in_features, out_features, q, multiplier,
                                 shift, 1);
    if (s != LIN_OK) return s;
    lin__linear_s8(x, weight, bias, y, batch, in_features, out_features, q, multiplier, shift, NULL);
    return LIN_OK;
}

/* ---- int8: quantization ---- */

/* round(v) with ties away from zero, saturated to [lo, hi], without libm:
   v + 0.5 is exact in double for a float v */
static int32_t lin__round_sat(double v, int32_t lo, int32_t hi)
{
    if (v != v) return 0;
    if (v >= (double)hi + 1.0) return hi;
    if (v <= (double)lo - 1.0) return lo;
    v = v >= 0.0 ? (double)(int64_t)(v + 0.5) : -(double)(int64_t)(-v + 0.5);
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* Do n int8 values at q and n floats at x share a byte? */
static int lin__s8_meets_f32(const int8_t *q, const float *x, size_t n)
{
    lin__span qs, xs;
    lin__span_set(&qs, q, n, 1);
    lin__fspan(&xs, x, n);
    return lin__meet(&qs, &xs);
}

static int lin__scale_ok(float scale)
{
    return scale > 0.0f && scale <= 3.4028235e38f;
}

LIN_API lin_status lin_quantize_s8(const float *x, int8_t *q, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    lin_status s;
    if ((s = lin__check_buffer(x, n)) != LIN_OK) return s;
    if (n && !q) return LIN_ERR_NULL;
    if (!lin__scale_ok(scale) || zero_point < -128 || zero_point > 127) return LIN_ERR_VALUE;
    if (lin__s8_meets_f32(q, x, n)) return LIN_ERR_ALIAS;
    for (i = 0; i < n; ++i) {
        float v = x[i] / scale;         /* TFLite: the float quotient, then round */
        /* round the quotient, then add the zero point, then saturate */
        q[i] = (int8_t)(v != v ? zero_point
                               : lin__round_sat((double)lin__round_sat((double)v, -1000, 1000) + zero_point,
                                                -128, 127));
    }
    return LIN_OK;
}

LIN_API lin_status lin_dequantize_s8(const int8_t *q, float *x, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    lin_status s;
    if ((s = lin__check_buffer(x, n)) != LIN_OK) return s;
    if (n && !q) return LIN_ERR_NULL;
    if (!(scale == scale) || zero_point < -128 || zero_point > 127) return LIN_ERR_VALUE;
    if (lin__s8_meets_f32(q, x, n)) return LIN_ERR_ALIAS;
    for (i = 0; i < n; ++i) x[i] = scale * (float)((int32_t)q[i] - zero_point);
    return LIN_OK;
}

LIN_API lin_status lin_quant_params(float input_scale, int32_t input_zero_point,
                                    float weight_scale, int32_t weight_zero_point,
                                    float output_scale, int32_t output_zero_point,
                                    lin_activation act, lin_quant *q)
{
    lin_quant r;
    lin_status s;
    if (!q) return LIN_ERR_NULL;
    if (!lin__scale_ok(input_scale) || !lin__scale_ok(weight_scale) || !lin__scale_ok(output_scale) ||
        input_zero_point < -128 || input_zero_point > 127 || weight_zero_point < -128 ||
        weight_zero_point > 127 || output_zero_point < -128 || output_zero_point > 127 ||
        (act != LIN_ACT_NONE && act != LIN_ACT_RELU && act != LIN_ACT_RELU6))
        return LIN_ERR_VALUE;
    s = lin_quantize_multiplier((double)input_scale * (double)weight_scale / (double)output_scale,
                                &r.multiplier, &r.shift);
    if (s != LIN_OK) return s;
    r.input_offset = -input_zero_point;
    r.weight_offset = -weight_zero_point;
    r.output_offset = output_zero_point;
    /* TFLite's CalculateActivationRangeQuantized: 0 and 6 quantized like the output */
    r.act_min = act == LIN_ACT_NONE ? -128 : output_zero_point;
    r.act_max = act == LIN_ACT_RELU6
                    ? lin__round_sat((double)lin__round_sat((double)(6.0f / output_scale), -1000, 1000) +
                                         output_zero_point, -128, 127)
                    : 127;
    *q = r;
    return LIN_OK;
}

LIN_API lin_status lin_quant_per_channel(float input_scale, const float *weight_scales,
                                         float output_scale, size_t n, int32_t *multiplier,
                                         int32_t *shift)
{
    size_t i;
    lin__span outs[2], ws;
    if (n && (!weight_scales || !multiplier || !shift)) return LIN_ERR_NULL;
    if (!lin__fits(n, sizeof(int32_t))) return LIN_ERR_OVERFLOW;
    if (!lin__scale_ok(input_scale) || !lin__scale_ok(output_scale)) return LIN_ERR_VALUE;
    lin__span_set(&outs[0], multiplier, n, sizeof(int32_t));
    lin__span_set(&outs[1], shift, n, sizeof(int32_t));
    lin__fspan(&ws, weight_scales, n);
    if (!lin__apart(outs, 2, &ws, 1, NULL)) return LIN_ERR_ALIAS;
    for (i = 0; i < n; ++i) {           /* everything checked before anything is written */
        int32_t m, s;
        if (!lin__scale_ok(weight_scales[i]) ||
            lin_quantize_multiplier((double)input_scale * (double)weight_scales[i] / (double)output_scale,
                                    &m, &s) != LIN_OK)
            return LIN_ERR_VALUE;
    }
    for (i = 0; i < n; ++i)
        lin_quantize_multiplier((double)input_scale * (double)weight_scales[i] / (double)output_scale,
                                &multiplier[i], &shift[i]);
    return LIN_OK;
}

LIN_API lin_status lin_quant_from_i32(const int32_t *v, lin_quant *q)
{
    lin_quant r;
    if (!v || !q) return LIN_ERR_NULL;
    r.input_offset = v[0];
    r.weight_offset = v[1];
    r.output_offset = v[2];
    r.multiplier = v[3];
    r.shift = v[4];
    r.act_min = v[5];
    r.act_max = v[6];
    *q = r;                             /* all read before q is written */
    return LIN_OK;
}

/* ---- int16 activations, int8 weights (lin_linear_s16) ---- */

/* s[r] = sum_k x[k] * w[r][k] for four rows w[r] of W ((1, n) . (4, n)^T),
   exact: int32 runs of 256 products (each at most 2^22 in size, so a run
   stays under 2^30) added into int64. */
static void lin__dot4_s16(const int16_t *x, const int8_t *const w[4], size_t n, int64_t *s)
{
    const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    size_t p = 0;
    s[0] = s[1] = s[2] = s[3] = 0;
    while (p < n) {
        const size_t e = n - p > 256 ? p + 256 : n;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (; p < e; ++p) {
            const int32_t v = x[p];
            a0 += v * w0[p];
            a1 += v * w1[p];
            a2 += v * w2[p];
            a3 += v * w3[p];
        }
        s[0] += a0;
        s[1] += a1;
        s[2] += a2;
        s[3] += a3;
    }
}

#ifdef LIN__DOT_S8_AVX2
/* the sums of the four int64 vectors c0 .. c3, one in each lane */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__sum4_s64(__m256i c0, __m256i c1, __m256i c2, __m256i c3)
{
    const __m256i d01 = _mm256_add_epi64(_mm256_unpacklo_epi64(c0, c1), _mm256_unpackhi_epi64(c0, c1));
    const __m256i d23 = _mm256_add_epi64(_mm256_unpacklo_epi64(c2, c3), _mm256_unpackhi_epi64(c2, c3));
    return _mm256_add_epi64(_mm256_permute2x128_si256(d01, d23, 0x20), _mm256_permute2x128_si256(d01, d23, 0x31));
}

/* s[0 .. 3] += e's four int64 lanes */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__add4_s64(__m256i e, int64_t *s)
{
    _mm256_storeu_si256((__m256i *)(void *)s, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(const void *)s), e));
}

/* a's 8 int32 lanes (each at most 2^29 in size) as 4 int64 with the same
   sum: its halves added (under 2^30), then widened */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL __m256i lin__wide_s16_avx2(__m256i a)
{
    return _mm256_cvtepi32_epi64(_mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)));
}

/* s[0 .. 3] += the sums of a0 .. a3's lanes after a run of the s16
   kernels: summed across in int32 after a short run (under 512 columns,
   so under 2^31 in size), else widened first */
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__fold4_s16_avx2(int brief, __m256i a0, __m256i a1, __m256i a2,
                                                                    __m256i a3, int64_t *s)
{
    lin__add4_s64(brief ? _mm256_cvtepi32_epi64(lin__hsum4_avx2(a0, a1, a2, a3))
                        : lin__sum4_s64(lin__wide_s16_avx2(a0), lin__wide_s16_avx2(a1), lin__wide_s16_avx2(a2),
                                        lin__wide_s16_avx2(a3)),
                  s);
}

/* GCOVR_EXCL_BR_START: the s16 kernels below are inlined once per row
   count of x, a constant: each copy takes one side of its "if (two)" and
   "if (m > r)" by design (test_s16_random_against_reference checks every
   family's results against the reference, all row counts) */
/* lin__dot4_s16 with AVX2 for one or two rows of x ((two + 1, n) .
   (4, n)^T, s[4*i + r] for row i of x and row r of W): 16 columns at a
   time, W widened to int16 once for both rows of x, pairs multiplied and
   added into int32 (vpmaddwd: at most 2^23 a pair, x's -32768 times W's
   -128 included); every 1024 columns each lane (at most 2^29) is added
   into int64, the last n % 16 one product at a time. The empty asm keeps
   each row's loads next to its multiply-adds: GCC -O2 otherwise hoisted
   all four loads, ran out of registers and kept a sum on the stack (Zen 4,
   32x1024x1024: 73 GOP/s, 111 without the spill). */
#define LIN__DOT4_S16_ROW(r)                                                                       \
    wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(w[r] + p)));        \
    LIN__IN_REGISTER(wv);                                                                         \
    a0##r = _mm256_add_epi32(a0##r, _mm256_madd_epi16(u, wv));                                    \
    LIN__IN_REGISTER(a0##r);                                                                      \
    if (two) { a1##r = _mm256_add_epi32(a1##r, _mm256_madd_epi16(v, wv)); LIN__IN_REGISTER(a1##r); }
static LIN__TARGET_AVX2 LIN__INLINE_KERNEL void lin__dot4_s16_avx2(int two, const int16_t *x0, const int16_t *x1,
                                                                   const int8_t *const w[4], size_t n, int64_t *s)
{
    size_t p = 0, r;
    for (r = 0; r < 8; ++r) s[r] = 0;
    while (p + 16 <= n) {
        const size_t e = n - p > 1024 ? p + 1024 : n;
        const int brief = e - p < 512;
        __m256i a00 = _mm256_setzero_si256(), a01 = a00, a02 = a00, a03 = a00;
        __m256i a10 = a00, a11 = a00, a12 = a00, a13 = a00, u, v = a00, wv;
        for (; p + 16 <= e; p += 16) {
            u = _mm256_loadu_si256((const __m256i *)(const void *)(x0 + p));
            if (two) v = _mm256_loadu_si256((const __m256i *)(const void *)(x1 + p));
            LIN__DOT4_S16_ROW(0) LIN__DOT4_S16_ROW(1) LIN__DOT4_S16_ROW(2) LIN__DOT4_S16_ROW(3)
        }
        lin__fold4_s16_avx2(brief, a00, a01, a02, a03, s);
        if (two) lin__fold4_s16_avx2(brief, a10, a11, a12, a13, s + 4);
    }
    for (; p < n; ++p)
        for (r = 0; r < 4; ++r) {
            s[r] += (int32_t)x0[p] * w[r][p];
            if (two) s[4 + r] += (int32_t)x1[p] * w[r][p];
        }
}
#undef LIN__DOT4_S16_ROW

static LIN__TARGET_AVX2 void lin__dot4x2_s16_avx2(const int16_t *const x[4], const int8_t *const w[4], size_t n,
                                                  int64_t *s)
{
    lin__dot4_s16_avx2(1, x[0], x[1], w, n, s);
}

static LIN__TARGET_AVX2 void lin__dot4x1_s16_avx2(const int16_t *const x[4], const int8_t *const w[4], size_t n,
                                                  int64_t *s)
{
    lin__dot4_s16_avx2(0, x[0], NULL, w, n, s);
}
#endif

#ifdef LIN__DOT4_S8_VNNI
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push     /* as at the int8 VNNI kernel */
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* a's 16 int32 lanes (each at most 2^29 in size) as 4 int64 with the
   same sum: its halves added (under 2^30), widened, and their halves added */
static LIN__TARGET_VNNI LIN__INLINE_KERNEL __m256i lin__wide_s16_vnni(__m512i a)
{
    const __m512i q = _mm512_cvtepi32_epi64(_mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1)));
    return _mm256_add_epi64(_mm512_castsi512_si256(q), _mm512_extracti64x4_epi64(q, 1));
}

/* lin__fold4_s16_avx2 for AVX-512's 16 lanes */
static LIN__TARGET_VNNI LIN__INLINE_KERNEL void lin__fold4_s16_vnni(int brief, __m512i a0, __m512i a1, __m512i a2,
                                                                    __m512i a3, int64_t *s)
{
    lin__add4_s64(brief ? _mm256_cvtepi32_epi64(lin__hsum4(a0, a1, a2, a3))
                        : lin__sum4_s64(lin__wide_s16_vnni(a0), lin__wide_s16_vnni(a1), lin__wide_s16_vnni(a2),
                                        lin__wide_s16_vnni(a3)),
                  s);
}

/* lin__dot4_s16 with AVX-512 VNNI for m = 1, 2 or 4 rows of x, (m, n) .
   (4, n)^T, s[4*i + r] for row i of x and row r of W: 32 columns at a
   time, each row of W widened to int16 once for the m rows of x, each
   row of x loaded once for the four of W, pairs multiplied and added into
   int32 (vpdpwssd: at most 2^23 a pair, no saturation); the last n % 32
   masked (nothing past n is read: zeros); every 2048 columns each lane
   (at most 2^29) is added into int64. */
#define LIN__DOT4_S16_VNNI_ROW(r, W)                                        \
    { const __m512i wv = _mm512_cvtepi8_epi16(W);                           \
      a0##r = _mm512_dpwssd_epi32(a0##r, u0, wv);                           \
      if (m > 1) a1##r = _mm512_dpwssd_epi32(a1##r, u1, wv);                \
      if (m > 2) {                                                          \
          a2##r = _mm512_dpwssd_epi32(a2##r, u2, wv);                       \
          a3##r = _mm512_dpwssd_epi32(a3##r, u3, wv); } }
#define LIN__DOT4_S16_VNNI_STEP(LX, LW)                                     \
    u0 = LX(x[0]);                                                          \
    if (m > 1) u1 = LX(x[1]);                                               \
    if (m > 2) { u2 = LX(x[2]); u3 = LX(x[3]); }                            \
    LIN__DOT4_S16_VNNI_ROW(0, LW(w[0])) LIN__DOT4_S16_VNNI_ROW(1, LW(w[1])) \
    LIN__DOT4_S16_VNNI_ROW(2, LW(w[2])) LIN__DOT4_S16_VNNI_ROW(3, LW(w[3]))
#define LIN__S16_LOADX(q) _mm512_loadu_si512((const void *)((q) + p))
#define LIN__S16_LOADW(q) _mm256_loadu_si256((const __m256i *)(const void *)((q) + p))
#define LIN__S16_TAILX(q) lin__tail64(mx, (const int8_t *)(const void *)((q) + p))
#define LIN__S16_TAILW(q) _mm512_castsi512_si256(lin__tail64(mw, (q) + p))
#define LIN__S16_FOLD(i) lin__fold4_s16_vnni(brief, a##i##0, a##i##1, a##i##2, a##i##3, s + 4 * i);
static LIN__TARGET_VNNI LIN__INLINE_KERNEL void lin__dot4_s16_vnni(int m, const int16_t *const x[4],
                                                                   const int8_t *const w[4], size_t n, int64_t *s)
{
    size_t p = 0, i;
    for (i = 0; i < 16; ++i) s[i] = 0;
    while (p < n) {
        const size_t e = n - p > 2048 ? p + 2048 : n;
        const int brief = e - p < 512;
        __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
        __m512i a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        __m512i u0, u1 = a00, u2 = a00, u3 = a00;
        for (; p + 32 <= e; p += 32) {
            LIN__DOT4_S16_VNNI_STEP(LIN__S16_LOADX, LIN__S16_LOADW)
        }
        if (p < e) {
            const __mmask64 mx = lin__mask64(2 * (e - p)), mw = lin__mask64(e - p);
            LIN__DOT4_S16_VNNI_STEP(LIN__S16_TAILX, LIN__S16_TAILW)
            p = e;
        }
        LIN__S16_FOLD(0)
        if (m > 1) LIN__S16_FOLD(1)
        if (m > 2) { LIN__S16_FOLD(2) LIN__S16_FOLD(3) }
    }
}
#undef LIN__DOT4_S16_VNNI_ROW
#undef LIN__DOT4_S16_VNNI_STEP
#undef LIN__S16_LOADX
#undef LIN__S16_LOADW
#undef LIN__S16_TAILX
#undef LIN__S16_TAILW
#undef LIN__S16_FOLD

static LIN__TARGET_VNNI void lin__dot4x4_s16_vnni(const int16_t *const x[4], const int8_t *const w[4], size_t n,
                                                  int64_t *s)
{
    lin__dot4_s16_vnni(4, x, w, n, s);
}

static LIN__TARGET_VNNI void lin__dot4x2_s16_vnni(const int16_t *const x[4], const int8_t *const w[4], size_t n,
                                                  int64_t *s)
{
    lin__dot4_s16_vnni(2, x, w, n, s);
}

static LIN__TARGET_VNNI void lin__dot4x1_s16_vnni(const int16_t *const x[4], const int8_t *const w[4], size_t n,
                                                  int64_t *s)
{
    lin__dot4_s16_vnni(1, x, w, n, s);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
/* GCOVR_EXCL_BR_STOP */

/* q outside lin_linear_s16's ranges: 0 none; 1 an offset, 2 the clamp,
   3 the multiplier or shift */
static int lin__s16_bad(const lin_quant *q)
{
    if (q->input_offset || q->weight_offset || q->output_offset) return 1;
    if (q->act_min < -32768 || q->act_max > 32767 || q->act_min > q->act_max) return 2;
    if (q->multiplier < 0 || q->shift < -31 || q->shift > 7) return 3;
    return 0;
}

static lin_status lin__check_s16(const int16_t *x, const int8_t *weight, const int64_t *bias, int16_t *y,
                                 size_t batch, size_t in, size_t out, const lin_quant *q)
{
    lin__dims d;
    lin__span ys, ins[4];
    if (!q) return LIN_ERR_NULL;
    /* in_features of 2^40 and more: the sum could pass int64 */
    if (!lin__layer_dims(batch, in, out, sizeof(int16_t), &d) || !lin__fits(out, sizeof(int64_t)) ||
        in / 1048576uL / 1048576uL)
        return LIN_ERR_OVERFLOW;
    if ((d.nx && !x) || (d.nw && !weight) || (d.ny && !y)) return LIN_ERR_NULL;
    if (lin__s16_bad(q)) return LIN_ERR_VALUE;
    lin__span_set(&ys, y, d.ny, sizeof(int16_t));
    lin__span_set(&ins[0], x, d.nx, sizeof(int16_t));
    lin__span_set(&ins[1], weight, d.nw, 1);
    lin__span_set(&ins[2], bias, out, sizeof(int64_t));
    lin__span_set(&ins[3], q, 1, sizeof *q);
    return lin__apart(&ys, 1, ins, 4, NULL) ? LIN_OK : LIN_ERR_ALIAS;
}

/* One output of lin_linear_s16: the exact sum acc (under 2^62 in size)
   and the bias, each step clamped to TFLite's domain [-2^47, 2^47), times
   the reduced multiplier m (under 2^15: no product passes 2^62), plus
   half of 2^t, floored by 2^t, clamped to [lo, hi]. */
static int16_t lin__output_s16(int64_t acc, const int64_t *bias, size_t j, int32_t m, int t, int32_t lo,
                               int32_t hi)
{
    const int64_t top = ((int64_t)1 << 47) - 1, bot = -((int64_t)1 << 47);
    int64_t v = acc > top ? top : acc < bot ? bot : acc, r;
    if (bias) {     /* v + b within [bot, top]: neither difference overflows */
        const int64_t b = bias[j];
        v = b > top - v ? top : b < bot - v ? bot : v + b;
    }
    r = lin__asr(v * m + ((int64_t)1 << (t - 1)), t);
    return (int16_t)(r < lo ? lo : r > hi ? hi : r);
}

/* y (batch, out) = requant(x (batch, in) . W (out, in)^T + bias): four
   rows of W at a time (the four rows stay in L1 or near) against every
   row of x, in blocks of mb rows (AVX-512 VNNI 4, AVX2 2, else 1); a last
   group of fewer rows of W, or a last block of fewer rows of x, repeats
   its last row and drops the extra sums. Out of line, as lin__linear_s8:
   inlined into a call with constant sizes, GCC's loop analysis would warn
   of the sizes the checks refuse. */
LIN__NOINLINE static void lin__linear_s16(const int16_t *x, const int8_t *weight, const int64_t *bias, int16_t *y,
                            size_t batch, size_t in, size_t out, const lin_quant *q)
{
    const int32_t m = q->multiplier < 0x7FFF0000 ? (q->multiplier + 32768) >> 16 : 0x7FFF;
    const int t = 15 - (int)q->shift;
    size_t i, j, r, k, mb = 1;
#ifdef LIN__DOT4_S8_VNNI
    const int vnni = lin__vnni_now();
    if (vnni) mb = 4;
    else
#endif
    {
#ifdef LIN__DOT_S8_AVX2
        if (LIN__DOT_S8_WIDE()) mb = 2;
#endif
    }
    if (!out) return;   /* batch may be huge with no outputs */
    if (!in) {          /* x and weight may be NULL: y = requant(bias) */
        for (i = 0; i < batch; ++i)
            for (j = 0; j < out; ++j) y[i * out + j] = lin__output_s16(0, bias, j, m, t, q->act_min, q->act_max);
        return;
    }
    for (j = 0; j < out; j += 4) {
        const size_t nr = LIN__MIN(4, out - j);
        const int8_t *w[4];
        for (r = 0; r < 4; ++r) w[r] = weight + (j + (r < nr ? r : nr - 1)) * in;
        for (i = 0; i < batch; i += mb) {
            const size_t nb = LIN__MIN(mb, batch - i);
            const int16_t *xr[4];
            int64_t s[16];
            for (k = 0; k < 4; ++k) xr[k] = x + (i + (k < nb ? k : nb - 1)) * in;
#ifdef LIN__DOT4_S8_VNNI
            if (vnni && (nb > 1 || in > 256)) {   /* else AVX2's, faster there */
                if (nb > 2)
                    lin__dot4x4_s16_vnni(xr, w, in, s);
                else if (nb == 2)
                    lin__dot4x2_s16_vnni(xr, w, in, s);
                else
                    lin__dot4x1_s16_vnni(xr, w, in, s);
            } else
#endif
#ifdef LIN__DOT_S8_AVX2
            if (mb >= 2) {
                if (nb > 1)
                    lin__dot4x2_s16_avx2(xr, w, in, s);
                else
                    lin__dot4x1_s16_avx2(xr, w, in, s);
            } else
#endif
                lin__dot4_s16(xr[0], w, in, s);
            for (k = 0; k < nb; ++k)
                for (r = 0; r < nr; ++r)
                    y[(i + k) * out + j + r] = lin__output_s16(s[4 * k + r], bias, j + r, m, t, q->act_min, q->act_max);
        }
    }
}

LIN_API lin_status lin_linear_s16(const int16_t *x, const int8_t *weight, const int64_t *bias, int16_t *y,
                                  size_t batch, size_t in_features, size_t out_features, const lin_quant *q)
{
    lin_status s = lin__check_s16(x, weight, bias, y, batch, in_features, out_features, q);
    if (s != LIN_OK) return s;
    lin__linear_s16(x, weight, bias, y, batch, in_features, out_features, q);
    return LIN_OK;
}

#endif /* LIN_NO_INT8 */

#ifdef LIN__POP_OPTIONS
#pragma GCC pop_options
#endif
#endif /* LIN__DEFINE */

#ifdef __cplusplus
}
#endif

#endif /* LINEAR_H */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 The linear.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
