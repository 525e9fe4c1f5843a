/* test_npy.c - .npy files of any dtype (lin_npy_info, lin_npy_decode_f32,
   lin_npy_decode_raw):
   - every file numpy.save wrote in tests/fixtures/npy/dtypes (from
     tests/gen_npy_fixtures.py): bool, int8..int64, uint8..uint64,
     float16/32/64 in both byte orders, Fortran order, 0-d, empty, a
     version 2.0 header: the header's account, the floats bit for bit
     numpy's astype(float32) (NaN as NaN), the raw elements byte for byte;
   - the dtypes refused (complex, unicode, records, datetime, float128);
   - every error with the outputs untouched, and every proper prefix of
     a file refused. */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

#ifndef LIN_NO_NPY

static unsigned char *load(const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURE_DIR "/npy/dtypes/%s.npy", name);
    return test_read_file(path, n);
}

static void test_numpy_files(void **state)
{
    FILE *m = fopen(FIXTURE_DIR "/npy/dtypes/manifest.txt", "r");
    char name[64], verdict[8];
    int ok = 0, refused = 0;
    (void)state;
    if (!m) fail_msg("%s", "cannot open " FIXTURE_DIR "/npy/dtypes/manifest.txt");
    while (fscanf(m, "%63s %7s", name, verdict) == 2) {
        size_t n, i, k;
        unsigned char *file = load(name, &n);
        lin_npy_meta meta;
        char msg[160];
        memset(&meta, 0, sizeof meta);
        if (!strcmp(verdict, "dtype")) {
            expect_int(lin_npy_info(file, n, &meta), LIN_ERR_DTYPE);
            expect_int(lin_npy_info_explain(file, n, msg, sizeof msg), LIN_ERR_DTYPE);
            expect_true(strstr(msg, "the file holds") != NULL);
            ++refused;
        } else {
            char dtype[12], word[4], dim[24];
            unsigned long big, fortran, off, bytes, v;
            int ndim, d;
            float *f;
            unsigned char *raw;
            assert_int_equal(fscanf(m, "%11s %lu %lu %d", dtype, &big, &fortran, &ndim), 4);
            expect_int(lin_npy_info(file, n, &meta), LIN_OK);
            expect_true(!strcmp(lin_dtype_name(meta.dtype), dtype));
            expect_int(meta.big_endian, big);
            expect_int(meta.fortran_order, fortran);
            expect_int(meta.ndim, ndim);
            if (!ndim) assert_int_equal(fscanf(m, "%23s", dim), 1);
            for (d = 0; d < ndim; ++d) {
                assert_int_equal(fscanf(m, "%lu", &v), 1);
                expect_int(meta.shape[d], v);
            }
            assert_int_equal(fscanf(m, "%lu %lu", &off, &bytes), 2);
            expect_int(meta.data_offset, off);
            expect_int(meta.data_bytes, bytes);
            expect_int(lin_npy_info_explain(file, n, msg, sizeof msg), LIN_OK);
            expect_true(strstr(msg, fortran ? "Fortran order" : "C order") != NULL);
            f = (float *)malloc((meta.count + 1) * sizeof *f);
            raw = (unsigned char *)malloc(meta.data_bytes + 1);
            assert_true(f && raw);
            fill_sentinel(f, meta.count + 1);
            expect_int(lin_npy_decode_f32(file, n, f, meta.count), LIN_OK);
            expect_true(is_sentinel(f[meta.count]));
            assert_int_equal(fscanf(m, "%3s", word), 1);
            assert_string_equal(word, "f");
            if (!meta.count) assert_int_equal(fscanf(m, "%23s", dim), 1);
            for (i = 0; i < meta.count; ++i) {
                const uint32_t got = bits_of(f[i]);
                assert_int_equal(fscanf(m, "%lx", &v), 1);
#ifdef TEST_VALGRIND
                /* valgrind's emulation converts 64-bit integers to float through a double: one rounding
                   more, one unit in the last place off (the native runs check every bit) */
                if (!strcmp(name, "big_int64_rounding") && (got + 1u == (uint32_t)v || got == (uint32_t)v + 1u))
                    continue;
#endif
                if ((v & 0x7fffffffu) > 0x7f800000u ? !isnan(f[i]) : got != (uint32_t)v) {
                    print_error("%s [%zu]: %08x, numpy %08lx\n", name, i, (unsigned)got, v);
                    ++test_failures;
                }
            }
            raw[meta.data_bytes] = 0x5a;
            expect_int(lin_npy_decode_raw(file, n, raw, meta.data_bytes), LIN_OK);
            expect_int(raw[meta.data_bytes], 0x5a);
            assert_int_equal(fscanf(m, "%3s", word), 1);
            assert_string_equal(word, "r");
            {   /* little-endian hex, element by element */
                const size_t es = lin_dtype_size(meta.dtype);
                char hex[3];
                if (!meta.data_bytes) assert_int_equal(fscanf(m, "%23s", dim), 1);
                for (i = 0; i < meta.data_bytes; i += es)
                    for (k = 0; k < es; ++k) {
                        const unsigned char b = raw[i + (test_host_little() ? k : es - 1 - k)];
                        assert_int_equal(fscanf(m, " %2c", hex), 1);
                        hex[2] = '\0';
                        if (strtoul(hex, NULL, 16) != b) {
                            print_error("%s raw byte %zu: %02x, numpy %s\n", name, i + k, b, hex);
                            ++test_failures;
                        }
                    }
            }
            /* a count or size not the file's, out inside the file: refused, untouched */
            fill_sentinel(f, meta.count + 1);
            expect_int(lin_npy_decode_f32(file, n, f, meta.count + 1), LIN_ERR_SHAPE);
            if (meta.count) expect_int(lin_npy_decode_f32(file, n, NULL, meta.count), LIN_ERR_NULL);
            assert_untouched(f, meta.count + 1);
            expect_int(lin_npy_decode_raw(file, n, raw, meta.data_bytes + 1), LIN_ERR_SIZE);
            if (meta.count) {
                expect_int(lin_npy_decode_f32(file, n, (float *)(void *)file, meta.count), LIN_ERR_ALIAS);
                expect_int(lin_npy_decode_raw(file, n, file + 1, meta.data_bytes), LIN_ERR_ALIAS);
            }
            for (k = 0; k < n; ++k) {   /* every proper prefix: not a whole file */
                unsigned char *p = (unsigned char *)malloc(k ? k : 1);
                lin_npy_meta spare;
                assert_non_null(p);
                memcpy(p, file, k);
                memset(&spare, 0xA5, sizeof spare);
                if (lin_npy_info(p, k, &spare) == LIN_OK) {
                    print_error("%s: a prefix of %zu bytes taken\n", name, k);
                    ++test_failures;
                }
                free(p);
            }
            free(f);
            free(raw);
            ++ok;
        }
        free(file);
    }
    fclose(m);
    expect_int(ok, 28);
    expect_int(refused, 5);
}

/* a header by hand: dict text, 10-byte version 1.0 preamble, data bytes */
static size_t npy_by_hand(unsigned char *b, const char *dict, size_t data)
{
    size_t len = strlen(dict), i;
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(len & 255u);
    b[9] = (unsigned char)(len >> 8);
    memcpy(b + 10, dict, len);
    for (i = 0; i < data; ++i) b[10 + len + i] = (unsigned char)i;
    return 10 + len + data;
}

static void test_errors(void **state)
{
    unsigned char b[256];
    lin_npy_meta meta;
    float f[4];
    char msg[120];
    size_t n;
    (void)state;
    n = npy_by_hand(b, "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", 4);
    expect_int(lin_npy_info(b, n, NULL), LIN_ERR_NULL);
    expect_int(lin_npy_info(NULL, n, &meta), LIN_ERR_NULL);
    expect_int(lin_npy_info_explain(NULL, n, msg, sizeof msg), LIN_ERR_NULL);
    expect_int(lin_npy_decode_f32(NULL, n, f, 2), LIN_ERR_NULL);
    expect_int(lin_npy_info(b, n - 1, &meta), LIN_ERR_FORMAT);       /* data short */
    expect_int(lin_npy_info_explain(b, n - 1, msg, sizeof msg), LIN_ERR_FORMAT);
    expect_true(strstr(msg, "truncated") != NULL);
    expect_int(lin_npy_decode_f32(b, n, f, 2), LIN_OK);
    expect_true(f[0] == 256.0f && f[1] == 770.0f);                     /* bytes 0 1, 2 3 little-endian */
    n = npy_by_hand(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", 4);
    expect_int(lin_npy_info(b, n, &meta), LIN_ERR_RANK);
    n = npy_by_hand(b, "{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", 0);
    expect_int(lin_npy_info(b, n, &meta), sizeof(size_t) >= 8 ? LIN_ERR_OVERFLOW : LIN_ERR_FORMAT);
    n = npy_by_hand(b, "{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }", 3);
    expect_int(lin_npy_info(b, n, &meta), LIN_ERR_DTYPE);
    n = npy_by_hand(b, "{'descr': '|b2', 'fortran_order': False, 'shape': (1,), }", 2);
    expect_int(lin_npy_info(b, n, &meta), LIN_ERR_DTYPE);
    n = npy_by_hand(b, "{'descr': '<i16', 'fortran_order': False, 'shape': (1,), }", 16);
    expect_int(lin_npy_info(b, n, &meta), LIN_ERR_DTYPE);
    n = npy_by_hand(b, "{'descr': '<u3', 'fortran_order': False, 'shape': (1,), }", 3);
    expect_int(lin_npy_info_explain(b, n, msg, sizeof msg), LIN_ERR_DTYPE);
    expect_true(strstr(msg, "uint24") != NULL);
    n = npy_by_hand(b, "{'descr': '>u2', 'fortran_order': True, 'shape': (2, 1), }", 4);
    memset(&meta, 0, sizeof meta);
    expect_int(lin_npy_info(b, n, &meta), LIN_OK);
    expect_int(meta.dtype, LIN_DTYPE_U16);
    expect_int(meta.big_endian, 1);
    expect_int(lin_npy_decode_f32(b, n, f, 2), LIN_OK);
    expect_true(f[0] == 1.0f && f[1] == 515.0f);                       /* 00 01, 02 03 big-endian */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_numpy_files),
        TEST(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
    return 0;
}
#endif
