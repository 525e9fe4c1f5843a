/* test_stack.c - the stack each entry point takes: every call runs on a
   thread of its own whose 64 KiB stack (the suite's own memory, painted
   first) is then searched for the deepest byte the call changed. What a
   call used, less what an empty thread uses, must stay within
   LIN_STACK_BUDGET (32 KiB by default): the packed GEMM's blocks and the
   frames around them. Unoptimized (-O0, the coverage build) and under the
   sanitizers, whose frames are larger, the stacks are 1 MiB and the
   figures are printed, not held to the budget.
   The suite prints one line per entry point: the README's stack table.
   Hosts with POSIX threads; firmware measures its stacks in
   examples/firmware (stack.c, fw_stack.h). */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <pthread.h>

#include "test_util.h"

/* Under valgrind (make valgrind builds with TEST_VALGRIND) the stack a
   thread has left is no longer addressable to memcheck: the search reads
   it after saying so. */
#ifdef TEST_VALGRIND
#include <valgrind/memcheck.h>
#define STACK_READABLE(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define STACK_READABLE(p, n) ((void)(p), (void)(n))
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STACK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STACK_SANITIZED 1
#endif
#endif
#ifndef STACK_SANITIZED
#define STACK_SANITIZED 0
#endif
/* the budget holds for optimized builds without the sanitizers */
#if defined(__OPTIMIZE__) && !STACK_SANITIZED
#define STACK_HELD 1
#else
#define STACK_HELD 0
#endif

/* 64 KiB, or the least a thread may have where that is more (aarch64
   Linux: 128 KiB) */
#if defined(PTHREAD_STACK_MIN)
#define STACK_MIN ((size_t)PTHREAD_STACK_MIN)
#else
#define STACK_MIN ((size_t)0)
#endif
#define STACK_SMALL ((size_t)64 << 10 > STACK_MIN ? (size_t)64 << 10 : STACK_MIN)
#define STACK_BYTES (STACK_HELD ? STACK_SMALL : (size_t)1 << 20)
#define PAINT 0xa5u

/* the operands, in the heap: big enough for every path (the packed GEMM
   past its blocks, the dot products, the narrow kernel, int8) */
enum { B = 96, IN = 640, OUT = 520 };
static float *x, *w, *bias, *y, *gy, *gx, *gw, *gb, *buf;
static void *pbuf;
static size_t pbytes;
static lin_prepared prep;
#ifndef LIN_NO_INT8
static int8_t *x8, *w8, *y8;
static int32_t *b8;
static int64_t *b16;
static lin_prepared_s8 prep8;
static lin_quant q;
#endif

typedef lin_status (*call_fn)(void);

static lin_status c_empty(void) { return LIN_OK; }
static lin_status c_f32(void) { return lin_linear_f32(x, w, bias, y, B, IN, OUT); }
static lin_status c_f32_b1(void) { return lin_linear_f32(x, w, bias, y, 1, IN, OUT); }
static lin_status c_f32_b4(void) { return lin_linear_f32(x, w, bias, y, 4, IN, OUT); }
static lin_status c_f32_narrow(void) { return lin_linear_f32(x, w, bias, y, B, 200, 10); }
static lin_status c_f32_odd(void) { return lin_linear_f32(x, w, bias, y, 37, 333, 77); }
static lin_status c_prepare(void) { return lin_prepare_f32(&prep, w, bias, IN, OUT, pbuf, pbytes); }
static lin_status c_prepared(void) { return lin_linear_prepared_f32(&prep, x, y, B); }
static lin_status c_matmul(void)
{
    lin_tensor a = lin_matrix(x, B, IN), bt = lin_matrix(w, IN, OUT), out = lin_matrix(y, B, OUT);
    return lin_matmul(&a, &bt, &out);
}
static lin_status c_linear(void)
{
    lin_tensor xt = lin_matrix(x, B, IN), wt = lin_matrix(w, OUT, IN), bt = lin_vector(bias, OUT),
               out = lin_matrix(y, B, OUT);
    return lin_linear(&xt, &wt, &bt, &out);
}
#ifndef LIN_NO_TRAIN
static lin_status c_backward(void) { return lin_linear_backward_f32(x, w, gy, gx, gw, gb, B, IN, OUT); }
static lin_status c_matmul_backward(void)
{
    lin_tensor a = lin_matrix(x, B, IN), bt = lin_matrix(w, IN, OUT), g = lin_matrix(gy, B, OUT),
               ga = lin_matrix(gx, B, IN), gbt = lin_matrix(gw, IN, OUT);
    return lin_matmul_backward(&a, &bt, &g, &ga, &gbt);
}
#endif
#ifndef LIN_NO_LORA
static lin_status c_lora(void)
{
    lin_layer base;
    lin_lora lora;
    lin_status s = lin_layer_init(&base, IN, OUT, w, bias);
    if (s == LIN_OK) s = lin_lora_init(&lora, &base, 8, 16.0f, gx, gw);
    if (s == LIN_OK) s = lin_lora_forward_f32(&lora, x, y, B, buf, lin_lora_scratch_size(&lora, B));
    if (s == LIN_OK) s = lin_lora_merge(&lora);     /* W += (B @ A) * scaling, a tile at a time */
    if (s == LIN_OK) s = lin_lora_unmerge(&lora);
    return s;
}
#endif
#ifndef LIN_NO_INT8
static lin_status c_s8(void) { return lin_linear_s8(x8, w8, b8, y8, B, IN, OUT, &q); }
static lin_status c_s8_b1(void) { return lin_linear_s8(x8, w8, b8, y8, 1, IN, OUT, &q); }
static lin_status c_prepare_s8(void) { return lin_prepare_s8(&prep8, w8, b8, IN, OUT, &q, pbuf, pbytes); }
static lin_status c_prepared_s8(void) { return lin_linear_prepared_s8(&prep8, x8, y8, B); }
/* x's and y's float bytes read as int16, the bias of each int64 from its
   own array */
static lin_status c_s16(void)
{
    static const lin_quant q16 = {0, 0, 0, 1518500250, -14, -32768, 32767};
    return lin_linear_s16((const int16_t *)(void *)x, w8, b16, (int16_t *)(void *)y, B, IN, OUT, &q16);
}
#endif
/* the activations over y's rows: no stack of their own to speak of */
static lin_status c_softmax(void) { return lin_softmax_f32(x, y, B, OUT); }
static lin_status c_gelu(void) { return lin_gelu_f32(x, y, B * OUT, LIN_GELU_TANH); }
#ifndef LIN_NO_TRAIN
static lin_status c_log_softmax_backward(void) { return lin_log_softmax_backward_f32(x, bias, y, 1, OUT); }
#endif
#ifndef LIN_NO_SAFETENSORS
/* x and W written as a safetensors file into st_buf, then opened and found */
#define ST_BUF_BYTES (sizeof(float) * ((size_t)B * IN + (size_t)OUT * IN) + 4096)
static unsigned char *st_buf;
static size_t st_bytes;
static lin_status c_st_write(void)
{
    lin_st_tensor t[2];
    memset(t, 0, sizeof t);
    t[0].name = "x";
    t[1].name = "fc.weight \"escaped\"";
    t[0].name_len = 1;
    t[1].name_len = strlen(t[1].name);
    t[0].dtype = t[1].dtype = LIN_DTYPE_F32;
    t[0].ndim = t[1].ndim = 2;
    t[0].shape[0] = B;
    t[0].shape[1] = t[1].shape[1] = IN;
    t[1].shape[0] = OUT;
    t[0].data = x;
    t[1].data = w;
    t[0].data_bytes = sizeof(float) * B * IN;
    t[1].data_bytes = sizeof(float) * OUT * IN;
    return lin_safetensors_write(t, 2, st_buf, ST_BUF_BYTES, &st_bytes);
}
static lin_status c_st_open(void)
{
    lin_safetensors st;
    lin_st_tensor t;
    lin_status s = lin_safetensors_open(&st, st_buf, st_bytes);
    return s == LIN_OK ? lin_safetensors_find(&st, "fc.weight \"escaped\"", &t) : s;
}
#endif
#ifndef LIN_NO_WFORMATS
/* W's bytes read as each form (any bits do: the stack is what counts);
   the scales from gw */
static lin_status c_f16w(void) { return lin_linear_f16w(x, (const uint16_t *)(void *)w, bias, y, B, IN, OUT); }
static lin_status c_f16w_b1(void) { return lin_linear_f16w(x, (const uint16_t *)(void *)w, bias, y, 1, IN, OUT); }
static lin_status c_bf16w(void) { return lin_linear_bf16w(x, (const uint16_t *)(void *)w, bias, y, B, IN, OUT); }
static lin_status c_q8w_b4(void) { return lin_linear_q8w(x, (const int8_t *)(void *)w, gw, bias, y, 4, IN, OUT); }
static lin_status c_q4w(void) { return lin_linear_q4w(x, (const uint8_t *)(void *)w, gw, bias, y, B, IN, OUT); }
static lin_status c_q4w_b1(void) { return lin_linear_q4w(x, (const uint8_t *)(void *)w, gw, bias, y, 1, IN, OUT); }
static lin_status c_quantize_q4w(void) { return lin_quantize_q4w(w, (uint8_t *)(void *)gx, gb, IN, 4); }
#endif

typedef struct {
    call_fn fn;
    lin_status status;
} job;

static void *run_job(void *arg)
{
    job *j = (job *)arg;
    j->status = j->fn();
    return NULL;
}

/* the bytes of a fresh, painted stack of STACK_BYTES that fn's thread
   changed (the thread's own start included) */
static size_t stack_used(call_fn fn)
{
    pthread_attr_t attr;
    pthread_t t;
    job j;
    size_t i;
    unsigned char *mem = (unsigned char *)malloc(STACK_BYTES);
    assert_non_null(mem);
    memset(mem, PAINT, STACK_BYTES);
    j.fn = fn;
    j.status = LIN_ERR_VALUE;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstack(&attr, mem, STACK_BYTES), 0);
    assert_int_equal(pthread_create(&t, &attr, run_job, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(j.status, LIN_OK);
    STACK_READABLE(mem, STACK_BYTES);
    for (i = 0; i < STACK_BYTES && mem[i] == PAINT; ++i) {
    }
    free(mem);
    assert_true(i > 0);     /* the deepest call stayed inside the stack */
    return STACK_BYTES - i;
}

static float *floats(size_t n, unsigned seed)
{
    float *p = (float *)malloc(n * sizeof *p);
    size_t i;
    assert_non_null(p);
    for (i = 0; i < n; ++i) p[i] = (float)((i * 2654435761u + seed) % 1000u) / 1000.0f - 0.5f;
    return p;
}

#ifndef LIN_NO_INT8
/* the int8 operands and a quantization in range */
static int setup_s8(void)
{
    size_t i;
    x8 = (int8_t *)malloc((size_t)B * IN);
    w8 = (int8_t *)malloc((size_t)OUT * IN);
    y8 = (int8_t *)malloc((size_t)B * OUT);
    b8 = (int32_t *)malloc(OUT * sizeof *b8);
    b16 = (int64_t *)malloc(OUT * sizeof *b16);
    if (!x8 || !w8 || !y8 || !b8 || !b16) return -1;
    for (i = 0; i < (size_t)B * IN; ++i) x8[i] = (int8_t)(i * 7 % 255 - 127);
    for (i = 0; i < (size_t)OUT * IN; ++i) w8[i] = (int8_t)(i * 13 % 255 - 127);
    for (i = 0; i < OUT; ++i) b8[i] = (int32_t)(i * 31 % 2001) - 1000;
    for (i = 0; i < OUT; ++i) b16[i] = (int64_t)b8[i] * 65536;
    q.input_offset = 3;
    q.weight_offset = 0;
    q.output_offset = -5;
    q.multiplier = 1518500250;   /* 0.7071 in Q31 */
    q.shift = -10;
    q.act_min = -128;
    q.act_max = 127;
    return 0;
}
#endif

static int setup(void **state)
{
    (void)state;
    x = floats((size_t)B * IN, 1);
    w = floats((size_t)OUT * IN, 2);
    bias = floats(OUT, 3);
    y = floats((size_t)B * OUT, 4);
    gy = floats((size_t)B * OUT, 5);
    gx = floats((size_t)B * IN, 6);
    gw = floats((size_t)OUT * IN, 7);
    gb = floats(OUT, 8);
    buf = floats((size_t)2 * B * OUT + (size_t)2 * B * 8, 9);
    pbytes = lin_prepared_size(IN, OUT);
#ifndef LIN_NO_INT8
    if (lin_prepared_s8_size(IN, OUT) > pbytes) pbytes = lin_prepared_s8_size(IN, OUT);
    if (setup_s8() != 0) return -1;
#endif
    pbuf = malloc(pbytes);
#ifndef LIN_NO_SAFETENSORS
    st_buf = (unsigned char *)malloc(ST_BUF_BYTES);
    if (!st_buf) return -1;
#endif
    return pbuf ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(x); free(w); free(bias); free(y); free(gy); free(gx); free(gw); free(gb); free(buf);
    free(pbuf);
#ifndef LIN_NO_SAFETENSORS
    free(st_buf);
#endif
#ifndef LIN_NO_INT8
    free(x8); free(w8); free(y8); free(b8); free(b16);
#endif
    return 0;
}

/* Each entry point on a 64 KiB thread stack: it completes (a call past
   the stack would have crashed the suite), and in optimized builds outside the sanitizers
   takes at most LIN_STACK_BUDGET beyond an empty thread. */
static void test_stack_per_entry_point(void **state)
{
    static const struct {
        const char *name;
        call_fn fn;
    } calls[] = {
        {"lin_linear_f32 96x640x520 (packed GEMM)", c_f32},
        {"lin_linear_f32 37x333x77 (edge tiles)", c_f32_odd},
        {"lin_linear_f32 1x640x520 (dot products)", c_f32_b1},
        {"lin_linear_f32 4x640x520 (dot products)", c_f32_b4},
        {"lin_linear_f32 96x200x10 (narrow outputs)", c_f32_narrow},
        {"lin_prepare_f32 640x520", c_prepare},
        {"lin_linear_prepared_f32 96x640x520", c_prepared},
        {"lin_matmul 96x640 @ 640x520", c_matmul},
        {"lin_linear (tensors) 96x640x520", c_linear},
#ifndef LIN_NO_TRAIN
        {"lin_linear_backward_f32 96x640x520", c_backward},
        {"lin_matmul_backward 96x640 @ 640x520", c_matmul_backward},
#endif
#ifndef LIN_NO_LORA
        {"lin_lora_forward_f32, _merge, _unmerge (rank 8)", c_lora},
#endif
#ifndef LIN_NO_INT8
        {"lin_linear_s8 96x640x520", c_s8},
        {"lin_linear_s8 1x640x520", c_s8_b1},
        {"lin_prepare_s8 640x520", c_prepare_s8},
        {"lin_linear_prepared_s8 96x640x520", c_prepared_s8},
        {"lin_linear_s16 96x640x520", c_s16},
#endif
#ifndef LIN_NO_SAFETENSORS
        {"lin_safetensors_write 96x640, 520x640", c_st_write},
        {"lin_safetensors_open + _find", c_st_open},
#endif
        {"lin_softmax_f32 96x520", c_softmax},
        {"lin_gelu_f32 96x520", c_gelu},
#ifndef LIN_NO_TRAIN
        {"lin_log_softmax_backward_f32 1x520", c_log_softmax_backward},
#endif
#ifndef LIN_NO_WFORMATS
        {"lin_linear_f16w 96x640x520", c_f16w},
        {"lin_linear_f16w 1x640x520", c_f16w_b1},
        {"lin_linear_bf16w 96x640x520", c_bf16w},
        {"lin_linear_q8w 4x640x520", c_q8w_b4},
        {"lin_linear_q4w 96x640x520", c_q4w},
        {"lin_linear_q4w 1x640x520", c_q4w_b1},
        {"lin_quantize_q4w 640x4", c_quantize_q4w},
#endif
    };
    size_t i, base = stack_used(c_empty), most = 0;
    (void)state;
    print_message("stack of an empty thread: %zu bytes; each call beyond it (budget %d, %s, kernels %s):\n",
                  base, (int)LIN_STACK_BUDGET, STACK_HELD ? "held to it" : "-O0 or sanitizers: not held to it",
                  lin_cpu_isa());
    for (i = 0; i < sizeof calls / sizeof calls[0]; ++i) {
        size_t used = stack_used(calls[i].fn), beyond = used > base ? used - base : 0;
        print_message("  %-44s %6zu bytes\n", calls[i].name, beyond);
        if (beyond > most) most = beyond;
        if (STACK_HELD && beyond > (size_t)LIN_STACK_BUDGET)
            fail_msg("%s took %zu bytes of stack, over the budget of %d", calls[i].name, beyond,
                     (int)LIN_STACK_BUDGET);
    }
    print_message("  the most: %zu bytes\n", most);
    assert_true(most > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_per_entry_point),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
