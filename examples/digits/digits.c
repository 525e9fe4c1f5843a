/* digits.c - a model trained in PyTorch, run in C, in float and in int8.

   PyTorch (train_digits.py, run once; its output is committed):
     model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
     ... trained on scikit-learn's 8x8 digits, x = pixels / 16 ...
     export_torch.py: digits.h + digits.safetensors          (float)
                      digits_s8.h + digits_s8.safetensors    (int8)

   C (this file), for the 360 held-out images:
     read each file into a buffer of ours (linear.h does no file I/O and no
     allocation: every byte below is the caller's memory)
     digits_load            the weights, pointed into digits.safetensors
     digits_forward_weights PyTorch's model(x) on those weights
     digits_forward         the same on the weights baked into digits.h
     argmax, accuracy, and agreement with PyTorch's own predictions
   then the same with the int8 model (digits_s8_*).

   Build and run from the repository root (make run does both):
     cc -std=c99 -O2 -Iinclude examples/digits/digits.c -o digits -lm
     ./digits examples/digits */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digits.h"     /* generated: DIGITS_IN, digits_forward, digits_load, ... */
#include "digits_s8.h"  /* generated: the int8 model, prefix digits_s8 */

/* Every lin_status is checked: a failure says which step and why. */
static void check(lin_status s, const char *what)
{
    if (s != LIN_OK) {
        fprintf(stderr, "digits: %s: %s\n", what, lin_status_str(s));
        exit(1);
    }
}

/* The whole file dir/name in a malloc'd buffer (malloc's alignment suits
   the safetensors tensors, which the format aligns within the file). */
static void *read_file(const char *dir, const char *name, size_t *bytes)
{
    char path[1024];
    FILE *f;
    long n;
    void *buf;
    sprintf(path, "%.900s/%.100s", dir, name);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "digits: cannot read %s (run from the repository root, or give the directory)\n", path);
        exit(1);
    }
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "digits: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *bytes = (size_t)n;
    return buf;
}

/* An int64 .npy of `count` elements (labels, predictions), as numpy.save
   wrote it: lin_npy_info says what the file holds, lin_npy_decode_raw
   copies the elements in this host's byte order. */
static int64_t *read_labels(const char *dir, const char *name, size_t count)
{
    size_t bytes;
    void *file = read_file(dir, name, &bytes);
    lin_npy_meta meta;
    int64_t *out;
    check(lin_npy_info(file, bytes, &meta), name);
    if (meta.dtype != LIN_DTYPE_I64 || meta.ndim != 1 || meta.count != count) {
        fprintf(stderr, "digits: %s: expected (%lu,) int64\n", name, (unsigned long)count);
        exit(1);
    }
    out = (int64_t *)malloc(meta.data_bytes);
    if (!out) exit(1);
    check(lin_npy_decode_raw(file, bytes, out, meta.data_bytes), name);
    free(file);
    return out;
}

/* The class of each row: the index of its largest logit (torch.argmax). */
static void argmax_rows(const float *logits, size_t rows, size_t classes, int64_t *pred)
{
    size_t i, j;
    for (i = 0; i < rows; ++i) {
        const float *r = logits + i * classes;
        size_t best = 0;
        for (j = 1; j < classes; ++j)
            if (r[j] > r[best]) best = j;
        pred[i] = (int64_t)best;
    }
}

static size_t count_equal(const int64_t *a, const int64_t *b, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n; ++i) k += a[i] == b[i];
    return k;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "examples/digits";
    size_t x_bytes, st_bytes, st8_bytes, n, i, right, same, torch_right;
    void *x_file, *st_file, *st8_file, *scratch;
    float *x, *logits, *baked;
    int64_t *labels, *torch_pred, *pred;
    lin_npy_meta meta;
    digits_weights w;
    digits_s8_weights w8;

    /* The test images: (n, 64) pixels 0..16, stored as uint8 to keep the
       file small. lin_npy_decode_f32 converts any numeric dtype to float;
       then the model's own preprocessing, x = pixels / 16, as in training. */
    x_file = read_file(dir, "digits_test_x.npy", &x_bytes);
    check(lin_npy_info(x_file, x_bytes, &meta), "digits_test_x.npy");
    if (meta.ndim != 2 || meta.shape[1] != DIGITS_IN) {
        fprintf(stderr, "digits: digits_test_x.npy: expected (n, %d)\n", DIGITS_IN);
        return 1;
    }
    n = meta.shape[0];
    x = (float *)malloc(n * DIGITS_IN * sizeof(float));
    logits = (float *)malloc(n * DIGITS_OUT * sizeof(float));
    baked = (float *)malloc(n * DIGITS_OUT * sizeof(float));
    pred = (int64_t *)malloc(n * sizeof(int64_t));
    /* one scratch buffer for both models: the larger of their needs */
    scratch = malloc(DIGITS_FORWARD_SCRATCH(n) > DIGITS_S8_FORWARD_SCRATCH(n) ? DIGITS_FORWARD_SCRATCH(n)
                                                                              : DIGITS_S8_FORWARD_SCRATCH(n));
    if (!x || !logits || !baked || !pred || !scratch) {
        fprintf(stderr, "digits: out of memory\n");
        return 1;
    }
    check(lin_npy_decode_f32(x_file, x_bytes, x, n * DIGITS_IN), "digits_test_x.npy");
    for (i = 0; i < n * DIGITS_IN; ++i) x[i] /= 16.0f;
    labels = read_labels(dir, "digits_test_y.npy", n);
    torch_pred = read_labels(dir, "digits_torch_pred.npy", n);       /* PyTorch's float model's classes */
    torch_right = count_equal(torch_pred, labels, n);

    /* float: the weights from digits.safetensors. digits_load opens the file
       (lin_safetensors_open) and points w into it, checking each tensor's
       name, dtype and shape: the buffer must outlive w. */
    st_file = read_file(dir, "digits.safetensors", &st_bytes);
    check(digits_load(&w, st_file, st_bytes), "digits_load(digits.safetensors)");
    check(digits_forward_weights(&w, x, logits, n, scratch), "digits_forward_weights");
    /* the other way: the weights compiled into digits.h, no file at all */
    check(digits_forward(x, baked, n, scratch), "digits_forward");
    if (memcmp(logits, baked, n * DIGITS_OUT * sizeof(float)) != 0) {
        fprintf(stderr, "digits: digits_forward and digits_forward_weights disagree\n");
        return 1;
    }
    argmax_rows(logits, n, DIGITS_OUT, pred);
    right = count_equal(pred, labels, n);
    same = count_equal(pred, torch_pred, n);
    printf("float: C %.4f (%lu/%lu), PyTorch %.4f, predictions equal to PyTorch's: %lu/%lu\n",
           (double)right / (double)n, (unsigned long)right, (unsigned long)n,
           (double)torch_right / (double)n, (unsigned long)same, (unsigned long)n);

    /* int8: the same steps with the digits_s8 names. The forward takes float
       x and gives float logits: it quantizes the input, runs both layers in
       int8 (lin_linear_s8_per_channel, the ReLU fused into the first one's
       clamp) and dequantizes the output. */
    st8_file = read_file(dir, "digits_s8.safetensors", &st8_bytes);
    check(digits_s8_load(&w8, st8_file, st8_bytes), "digits_s8_load(digits_s8.safetensors)");
    check(digits_s8_forward_weights(&w8, x, logits, n, scratch), "digits_s8_forward_weights");
    check(digits_s8_forward(x, baked, n, scratch), "digits_s8_forward");
    if (memcmp(logits, baked, n * DIGITS_S8_OUT * sizeof(float)) != 0) {
        fprintf(stderr, "digits: digits_s8_forward and digits_s8_forward_weights disagree\n");
        return 1;
    }
    argmax_rows(logits, n, DIGITS_S8_OUT, pred);
    right = count_equal(pred, labels, n);
    same = count_equal(pred, torch_pred, n);
    printf("int8:  C %.4f (%lu/%lu), PyTorch float %.4f, predictions equal to PyTorch's: %lu/%lu\n",
           (double)right / (double)n, (unsigned long)right, (unsigned long)n,
           (double)torch_right / (double)n, (unsigned long)same, (unsigned long)n);

    free(st8_file);
    free(st_file);
    free(torch_pred);
    free(labels);
    free(scratch);
    free(pred);
    free(baked);
    free(logits);
    free(x);
    free(x_file);
    return 0;
}
