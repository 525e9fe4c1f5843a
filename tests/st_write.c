/* st_write.c - writes safetensors files with lin_safetensors_write into
   the directory given, for the independent reader: `make test` runs
   python3 tests/safetensors_check.py on them (every dtype, escaped and
   UTF-8 names, rank 0, empty tensors, an empty file). */
#define LIN_IMPLEMENTATION
#include "linear.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int save(const char *dir, const char *name, const lin_st_tensor *ts, size_t count)
{
    char path[512];
    size_t size = lin_safetensors_size(ts, count), written = 0;
    unsigned char *buf = (unsigned char *)malloc(size ? size : 1);
    FILE *f;
    int ok;
    if (!buf || !size || lin_safetensors_write(ts, count, buf, size, &written) != LIN_OK || written != size) {
        fprintf(stderr, "%s: lin_safetensors_write failed\n", name);
        free(buf);
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    f = fopen(path, "wb");
    ok = f && fwrite(buf, 1, size, f) == size;
    if (f) ok &= fclose(f) == 0;
    free(buf);
    if (!ok) fprintf(stderr, "%s: cannot write\n", path);
    return ok;
}

static lin_st_tensor tensor(const char *name, lin_dtype dtype, int ndim, const size_t *shape, const void *data)
{
    lin_st_tensor t;
    int d;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.name_len = strlen(name);
    t.dtype = dtype;
    t.ndim = ndim;
    t.data_bytes = lin_dtype_size(dtype);
    for (d = 0; d < ndim; ++d) {
        t.shape[d] = shape[d];
        t.data_bytes *= shape[d];
    }
    t.data = data;
    return t;
}

int main(int argc, char **argv)
{
    static const size_t s23[2] = {2, 3}, s4[1] = {4}, s0[2] = {3, 0}, s8[8] = {1, 1, 2, 1, 1, 1, 1, 1};
    static unsigned char bytes[256];
    static const float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1};
    lin_st_tensor ts[16];
    size_t i, n = 0;
    int ok = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: st_write DIR\n");
        return 2;
    }
    for (i = 0; i < sizeof bytes; ++i) bytes[i] = (unsigned char)(i * 131u + 7u);
    for (i = 0; i < 15; ++i) {
        static char names[15][16];
        snprintf(names[i], sizeof names[i], "t.%s", lin_dtype_name((lin_dtype)i));
        ts[n++] = tensor(names[i], (lin_dtype)i, i % 3 == 0 ? 2 : 1, i % 3 == 0 ? s23 : s4, bytes + i);
    }
    ts[n++] = tensor("quote \" back \\ nl \n tab \t bell \x07 del \x7f caf\xc3\xa9 \xf0\x9f\x98\x80", LIN_DTYPE_F32, 0,
                     NULL, bytes);
    ok &= save(argv[1], "dtypes", ts, n);
    n = 0;
    ts[n++] = tensor("fc.weight", LIN_DTYPE_F32, 2, s23, w);
    ts[n++] = tensor("fc.bias", LIN_DTYPE_F32, 1, s23, b);
    ts[n++] = tensor("empty", LIN_DTYPE_BF16, 2, s0, NULL);
    ts[n++] = tensor("rank8", LIN_DTYPE_I16, 8, s8, bytes);
    ts[n++] = tensor("", LIN_DTYPE_U8, 1, s4, bytes + 1);
    ok &= save(argv[1], "model", ts, n);
    ok &= save(argv[1], "empty", NULL, 0);
    return ok ? 0 : 1;
}
