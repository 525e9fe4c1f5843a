/* test_tensor.c - views and statuses: lin_tensor_view, lin_vector,
   lin_matrix, lin_transpose, lin_numel, lin_status_str. */
#include "test_util.h"

static void test_status_str_every_value(void **state)
{
    int s;
    (void)state;
    assert_string_equal(lin_status_str(LIN_OK), "ok");
    for (s = LIN_OK; s <= LIN_ERR_ALIAS; ++s) {
        const char *text = lin_status_str((lin_status)s);
        assert_non_null(text);
        assert_true(strlen(text) > 1);
        assert_string_not_equal(text, "unknown lin_status");
    }
    assert_string_equal(lin_status_str((lin_status)99), "unknown lin_status");
    assert_string_equal(lin_status_str((lin_status)-1), "unknown lin_status");
    assert_string_not_equal(lin_status_str(LIN_ERR_NULL), lin_status_str(LIN_ERR_ALIAS));
}

static void test_tensor_view_contiguous(void **state)
{
    float d[24];
    size_t shape[3] = {2, 3, 4};
    lin_tensor t = lin_tensor_view(d, 3, shape);
    (void)state;
    assert_ptr_equal(t.data, d);
    assert_int_equal(t.ndim, 3);
    assert_int_equal(t.shape[0], 2);
    assert_int_equal(t.shape[2], 4);
    assert_int_equal(t.stride[0], 12);
    assert_int_equal(t.stride[1], 4);
    assert_int_equal(t.stride[2], 1);
    assert_int_equal(lin_numel(&t), 24);
}

/* a zero-size dim does not zero the strides of the dims before it
   (PyTorch counts it as 1 for the strides) */
static void test_tensor_view_zero_dim(void **state)
{
    size_t shape[3] = {2, 0, 4};
    lin_tensor t = lin_tensor_view(NULL, 3, shape);
    (void)state;
    assert_int_equal(t.stride[0], 4);
    assert_int_equal(t.stride[1], 4);
    assert_int_equal(lin_numel(&t), 0);
}

static void test_tensor_view_scalar_and_invalid(void **state)
{
    float one = 1.0f;
    size_t shape[1] = {3};
    lin_tensor t = lin_tensor_view(&one, 0, NULL);
    (void)state;
    assert_int_equal(t.ndim, 0);
    assert_int_equal(lin_numel(&t), 1);
    assert_int_equal(lin_tensor_view(&one, -1, shape).ndim, -1);
    assert_int_equal(lin_tensor_view(&one, LIN_MAX_DIMS + 1, shape).ndim, -1);
    assert_int_equal(lin_tensor_view(&one, 1, NULL).ndim, -1);
    t = lin_tensor_view(&one, 1, NULL);
    assert_int_equal(lin_numel(&t), 0);
    assert_int_equal(lin_numel(NULL), 0);
}

/* strides too large for ptrdiff_t saturate; the op reports the overflow */
static void test_tensor_view_stride_saturates(void **state)
{
    float d[4] = {0};
    size_t shape[3] = {2, (size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)};
    lin_tensor t = lin_tensor_view(d, 3, shape), v = lin_vector(d, 4), out = lin_vector(d, 2);
    (void)state;
    assert_int_equal(t.stride[0], PTRDIFF_MAX);
    assert_int_equal(lin_numel(&t), (size_t)-1);
    assert_int_equal(lin_matmul(&t, &v, &out), LIN_ERR_OVERFLOW);
}

static void test_vector_matrix(void **state)
{
    float d[6];
    lin_tensor v = lin_vector(d, 6), m = lin_matrix(d, 2, 3);
    (void)state;
    assert_int_equal(v.ndim, 1);
    assert_int_equal(v.shape[0], 6);
    assert_int_equal(v.stride[0], 1);
    assert_int_equal(m.ndim, 2);
    assert_int_equal(m.shape[0], 2);
    assert_int_equal(m.shape[1], 3);
    assert_int_equal(m.stride[0], 3);
    assert_int_equal(m.stride[1], 1);
}

static void test_transpose(void **state)
{
    float d[24];
    size_t shape[3] = {2, 3, 4};
    lin_tensor m = lin_matrix(d, 2, 3), mt = lin_transpose(&m), mtt = lin_transpose(&mt);
    lin_tensor t3 = lin_tensor_view(d, 3, shape), t3t = lin_transpose(&t3);
    lin_tensor v = lin_vector(d, 5), vt = lin_transpose(&v), s = lin_tensor_view(d, 0, NULL);
    lin_tensor st = lin_transpose(&s);
    (void)state;
    assert_int_equal(mt.shape[0], 3);
    assert_int_equal(mt.shape[1], 2);
    assert_int_equal(mt.stride[0], 1);
    assert_int_equal(mt.stride[1], 3);
    assert_memory_equal(&mtt, &m, sizeof m);       /* .T.T is the tensor again */
    assert_int_equal(t3t.shape[0], 4);             /* .T reverses all dims */
    assert_int_equal(t3t.shape[2], 2);
    assert_int_equal(t3t.stride[0], 1);
    assert_int_equal(t3t.stride[2], 12);
    assert_memory_equal(&vt, &v, sizeof v);        /* 1-D and 0-d: unchanged */
    assert_int_equal(st.ndim, 0);
    assert_int_equal(lin_transpose(NULL).ndim, -1);
    m.ndim = 99;
    assert_int_equal(lin_transpose(&m).ndim, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_status_str_every_value),
        TEST(test_tensor_view_contiguous),
        TEST(test_tensor_view_zero_dim),
        TEST(test_tensor_view_scalar_and_invalid),
        TEST(test_tensor_view_stride_saturates),
        TEST(test_vector_matrix),
        TEST(test_transpose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
