/* test_safetensors.c - safetensors in and out (lin_safetensors_open ...
   lin_safetensors_write):
   - every file of tests/fixtures/safetensors (from
     tests/gen_safetensors_fixtures.py, each verdict checked there with the
     independent reader tests/safetensors_check.py): the valid ones' tensors
     by index and by name (dtype, shape, bytes), the malformed ones refused
     with st untouched and a message, and every proper prefix of every
     valid file refused, read from a buffer of exactly its size;
   - the writer: a round trip of every dtype, escaped and UTF-8 names,
     rank 0 and empty tensors, each element aligned; every error with the
     buffer untouched;
   - tensors feeding the layers: an F32 view into lin_linear, F16 and BF16
     weights into lin_linear_f16w and lin_linear_bf16w (the worked
     example, y = [14, 33]);
   - lin_safetensors_bind: tensors as asked, the order of its answers;
   - the statuses of every entry point. (tests/st_write.c writes files the
     independent reader checks in `make test`.) */
#include "test_util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

#ifndef LIN_NO_SAFETENSORS

/* fixture file name, whole, malloc'd; *n its bytes */
static unsigned char *load(const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURE_DIR "/safetensors/%s.safetensors", name);
    return test_read_file(path, n);
}

/* hex (or "-": empty) -> a NUL-terminated string in out */
static void unhex(const char *hex, char *out, size_t cap)
{
    size_t i = 0;
    unsigned v;
    if (!strcmp(hex, "-")) hex = "";
    for (; hex[0] && hex[1] && i + 1 < cap; hex += 2) {
        assert_int_equal(sscanf(hex, "%2x", &v), 1);
        out[i++] = (char)v;
    }
    out[i] = '\0';
}

static unsigned long byte_sum(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    unsigned long s = 0;
    size_t i;
    for (i = 0; i < n; ++i) s += b[i];
    return s;
}

static void fill_bytes(void *p, size_t n)
{
    memset(p, 0xA5, n);
}

static int all_filled(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; ++i)
        if (b[i] != 0xA5) return 0;
    return 1;
}

/* every proper prefix of file, in a buffer of its own size, is refused
   (on the micro:bit, whose 16 KiB hold two copies of the smaller files
   alone, for files up to 1200 bytes) */
static void prefixes_refused(const unsigned char *file, size_t n)
{
    size_t k;
    if (n > TEST_SIZE((size_t)-1, (size_t)1200)) return;
    for (k = 0; k < n; ++k) {
        unsigned char *p = (unsigned char *)malloc(k ? k : 1);
        lin_safetensors st;
        assert_non_null(p);
        memcpy(p, file, k);
        fill_bytes(&st, sizeof st);
        expect_int(lin_safetensors_open(&st, p, k), LIN_ERR_FORMAT);
        expect_true(all_filled(&st, sizeof st));
        free(p);
    }
}

static void test_fixture_files(void **state)
{
    FILE *m = fopen(FIXTURE_DIR "/safetensors/manifest.txt", "r");
    char word[16], name[64], verdict[8];
    int good = 0, bad = 0;
    (void)state;
    if (!m) fail_msg("%s", "cannot open " FIXTURE_DIR "/safetensors/manifest.txt");
    while (fscanf(m, "%15s", word) == 1) {
        size_t n, i;
        unsigned char *file;
        lin_safetensors st;
        char msg[160];
        assert_string_equal(word, "file");
        assert_int_equal(fscanf(m, "%63s %7s", name, verdict), 2);
        file = load(name, &n);
        fill_bytes(&st, sizeof st);
        if (!strcmp(verdict, "bad")) {
            if (lin_safetensors_open(&st, file, n) != LIN_ERR_FORMAT || !all_filled(&st, sizeof st)) {
                print_error("%s: taken, or st written\n", name);
                ++test_failures;
            }
            expect_int(lin_safetensors_open_explain(file, n, msg, sizeof msg), LIN_ERR_FORMAT);
            expect_true(msg[0] != '\0');
            ++bad;
        } else {
            size_t count;
            unsigned long ul;                   /* newlib's scanf has no %zu */
            assert_int_equal(fscanf(m, "%lu", &ul), 1);
            count = (size_t)ul;
            if (lin_safetensors_open(&st, file, n) != LIN_OK) {
                expect_int(lin_safetensors_open_explain(file, n, msg, sizeof msg), LIN_OK);
                print_error("%s: refused: %s\n", name, msg);
                ++test_failures;
                free(file);
                continue;
            }
            expect_int(lin_safetensors_open_explain(file, n, msg, sizeof msg), LIN_OK);
            expect_true(msg[0] == '\0');
            expect_int(lin_safetensors_count(&st), count);
            for (i = 0; i < count; ++i) {
                char hex[128], tname[64], dtype[12], dim[24];
                size_t idx, bytes;
                unsigned long sum;
                int ndim, d;
                lin_st_tensor t, byname;
                memset(&t, 0, sizeof t);
                byname = t;
                assert_int_equal(fscanf(m, "%15s %lu %127s %11s %d", word, &ul, hex, dtype, &ndim), 5);
                idx = (size_t)ul;
                assert_string_equal(word, "t");
                assert_int_equal(idx, i);
                unhex(hex, tname, sizeof tname);
                expect_int(lin_safetensors_tensor(&st, i, &t), LIN_OK);
                expect_int(lin_safetensors_find(&st, tname, &byname), LIN_OK);
                expect_true(byname.data == t.data && byname.name == t.name);
                expect_true(!strcmp(lin_dtype_name(t.dtype), dtype));
                expect_int(t.ndim, ndim);
                if (!ndim) assert_int_equal(fscanf(m, "%23s", dim), 1);
                for (d = 0; d < ndim; ++d) {
                    size_t v;
                    assert_int_equal(fscanf(m, "%lu", &ul), 1);
                    v = (size_t)ul;
                    if (d < LIN_MAX_DIMS) expect_int(t.shape[d], v);
                }
                assert_int_equal(fscanf(m, "%lu %lu", &ul, &sum), 2);
                bytes = (size_t)ul;
                expect_int(t.data_bytes, bytes);
                expect_int(byte_sum(t.data, t.data_bytes), sum);
                expect_true((const unsigned char *)t.data >= file + 8 &&
                            (const unsigned char *)t.data + t.data_bytes <= file + n);
                expect_true(t.name > (const char *)file + 8 && t.name + t.name_len < (const char *)file + n);
            }
            {
                lin_st_tensor spare;
                fill_bytes(&spare, sizeof spare);
                expect_int(lin_safetensors_tensor(&st, count, &spare), LIN_ERR_INDEX);
                expect_int(lin_safetensors_find(&st, "no such tensor", &spare), LIN_ERR_INDEX);
                expect_true(all_filled(&spare, sizeof spare));
            }
            prefixes_refused(file, n);
            ++good;
        }
        free(file);
    }
    fclose(m);
    expect_int(good, 10);
    expect_int(bad, 52);
}

/* ---- the JSON's corners, one header each ---- */

/* 8 bytes of length, the header, data_bytes bytes of data */
static int open_header(const char *header, size_t header_len, size_t data_bytes)
{
    size_t n = 8 + header_len + data_bytes, i;
    unsigned char *b = (unsigned char *)malloc(n);
    lin_safetensors st;
    int s;
    char msg[120];
    assert_non_null(b);
    for (i = 0; i < 8; ++i) b[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
    memcpy(b + 8, header, header_len);
    memset(b + 8 + header_len, 0x3c, data_bytes);
    s = lin_safetensors_open(&st, b, n);
    expect_int(lin_safetensors_open_explain(b, n, msg, sizeof msg), s);
    free(b);
    return s;
}

static void test_json_corners(void **state)
{
    /* each: a tensor "t" of 2 U8 around what is tested, or a whole header */
    static const struct { const char *json; int ok; } cases[] = {
        /* strings: every escape, hex digits of both cases, surrogate pairs */
        {"{\"t\\b\\f\\n\\r\\t\\/\\\\\\\"\\u00aB\\u00Cd\\ud83d\\ude00\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 1},
        {"{\"t\\ud800\\u0041\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\\ud800x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\\ud800\\udbff\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\\u00g0\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\\", 0},
        {"{\"t\\ud800\\u", 0},
        {"{\"t", 0},
        {"{1:{}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}\"u\":{}}", 0},
        /* UTF-8 of 2, 3 and 4 bytes in a name; broken ones */
        {"{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 1},
        {"{\"\xe0\x80\x80\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"\xf4\x90\x80\x80\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"\xf5\x80\x80\x80\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"\xc3\x41\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}\xe2\x82", 0},
        /* the fields the format ignores: every kind of JSON value */
        {"{\"t\":{\"a\":1.5,\"b\":-2e+3,\"c\":1E-2,\"d\":0.5,\"e\":-0,\"f\":[true,false,null,\"s\",{}],\"g\":{\"h\":{\"i\":[[]]}},"
         "\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 1},
        {"{\"t\":{\"a\":-,\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":1.,\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":1e,\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":01,\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":tru,\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":{1:2},\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":{\"k\" 2},\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":{\"k\":2,3},\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":[1,],\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"a\":[1}", 0},
        {"{\"t\":{\"a\":", 0},
        {"{\"t\":{\"a\":[", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],}}", 0},
        {"{\"t\":{\"dtype\":\"U8\" \"shape\":[2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]", 0},
        {"{\"t\":{\"dtype\":\"U\\u0038\",\"sh\\u0061pe\":[2],\"data_offsets\":[0,2]}}", 1},    /* names decoded */
        /* shape and data_offsets */
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[1,],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[1 2],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[1,2],\"data_offsets\":[0 2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[-01],\"data_offsets\":[0,2]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2.0]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2,]}}", 0},
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[ 2 ],\"data_offsets\":[ 0 , 2 ]}}", 1},
        /* __metadata__ */
        {"{\"__metadata__\":nul}", 0},
        {"{\"__metadata__\":{\"a\":\"b\",}}", 0},
        {"{\"__metadata__\":{\"a\"}}", 0},
        {"{\"__metadata__\":{\"a\":\"b\" \"c\":\"d\"}}", 0},
        {"{\"__metadata__\":{}, \"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 1},
        {"{\"__meta\\u0064ata__\":{\"a\":\"b\"}, \"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 1},
        /* the top level */
        {"{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]} \"u\":1}", 0},
        {"{\"t\" {}}", 0},
        {"{", 0},
        {"{ \t\r\n}", 1},
    };
    size_t c;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        const char *j = cases[c].json;
        const int has_t = strstr(j, "\"data_offsets\":[0,2]") || strstr(j, "[ 0 , 2 ]");
        const int s = open_header(j, strlen(j), has_t ? 2 : 0);
        if ((s == LIN_OK) != cases[c].ok) {
            print_error("header %zu: %s, expected %s\n", c, lin_status_str((lin_status)s), cases[c].ok ? "ok" : "refused");
            ++test_failures;
        }
        if (s != LIN_OK && s != LIN_ERR_FORMAT) ++test_failures;
    }
    /* the decoded name finds its tensor */
    {
        static const char hdr[] = "{\"a\\u00e9\\ud83d\\ude00\\\"\\n\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        unsigned char b[8 + sizeof hdr - 1 + 2];
        size_t i;
        lin_safetensors st;
        lin_st_tensor t;
        memset(&t, 0, sizeof t);
        for (i = 0; i < 8; ++i) b[i] = (unsigned char)((uint64_t)(sizeof hdr - 1) >> (8 * i));
        memcpy(b + 8, hdr, sizeof hdr - 1);
        b[sizeof b - 2] = 1;
        b[sizeof b - 1] = 2;
        assert_int_equal(lin_safetensors_open(&st, b, sizeof b), LIN_OK);
        expect_int(lin_safetensors_find(&st, "a\xc3\xa9\xf0\x9f\x98\x80\"\n", &t), LIN_OK);
        expect_int(t.data_bytes, 2);
        expect_int(lin_safetensors_find(&st, "a\xc3\xa9\xf0\x9f\x98\x80\"", &t), LIN_ERR_INDEX);   /* a prefix */
        expect_int(lin_safetensors_find(&st, "a\xc3\xa9\xf0\x9f\x98\x80\"\n!", &t), LIN_ERR_INDEX);
        expect_int(lin_safetensors_find(&st, "a\xc3\xa9\xf0\x9f\x98\x81\"\n", &t), LIN_ERR_INDEX);
    }
}

/* ---- the writer ---- */

static lin_st_tensor make(const char *name, lin_dtype dtype, int ndim, const size_t *shape, const void *data)
{
    lin_st_tensor t;
    size_t d, n = lin_dtype_size(dtype);
    memset(&t, 0, sizeof t);
    t.name = name;
    t.name_len = strlen(name);
    t.dtype = dtype;
    t.ndim = ndim;
    for (d = 0; d < (size_t)ndim; ++d) {
        if (d < LIN_MAX_DIMS) t.shape[d] = shape[d];
        n *= shape[d];
    }
    t.data = data;
    t.data_bytes = n;
    return t;
}

static void test_writer_round_trip(void **state)
{
    static const size_t s23[2] = {2, 3}, s5[1] = {5}, s0[1] = {0}, s8[8] = {1, 2, 1, 1, 1, 1, 1, 2};
    unsigned char bytes[64];
    lin_st_tensor ts[9];
    size_t size, written = 0, i, k;
    unsigned char *buf;
    lin_safetensors st;
    int d;
    (void)state;
    for (i = 0; i < sizeof bytes; ++i) bytes[i] = (unsigned char)(i * 37u + 11u);
    ts[0] = make("fc.weight", LIN_DTYPE_U8, 2, s23, bytes);
    ts[1] = make("a \"quoted\" \\ name\n\t\x01\b\f\r\x1f", LIN_DTYPE_F64, 1, s5, bytes);
    ts[2] = make("caf\xc3\xa9 \xf0\x9f\x98\x80", LIN_DTYPE_F16, 2, s23, bytes + 1);
    ts[3] = make("scalar", LIN_DTYPE_I32, 0, NULL, bytes + 3);
    ts[4] = make("empty", LIN_DTYPE_BF16, 1, s0, NULL);
    ts[5] = make("rank8", LIN_DTYPE_F32, 8, s8, bytes + 5);
    ts[6] = make("", LIN_DTYPE_BOOL, 1, s5, bytes + 7);
    ts[7] = make("u64", LIN_DTYPE_U64, 1, s5 , bytes + 2);
    ts[8] = make("f8", LIN_DTYPE_F8_E4M3, 2, s23, bytes + 9);
    size = lin_safetensors_size(ts, 9);
    assert_true(size > 8);
    buf = (unsigned char *)malloc(size + 8);
    assert_non_null(buf);
    fill_bytes(buf, size + 8);
    expect_int(lin_safetensors_write(ts, 9, buf, size + 8, &written), LIN_OK);
    expect_int(written, size);
    expect_true(all_filled(buf + size, 8));             /* nothing past it */
    expect_true(8u + buf[0] + 256u * buf[1] < size);   /* the header, then the data */
    expect_int((buf[0] + 256u * buf[1]) % 8u, 0);       /* the header padded to 8 */
    expect_int(lin_safetensors_open(&st, buf, size), LIN_OK);
    expect_int(lin_safetensors_count(&st), 9);
    for (i = 0; i < 9; ++i) {
        lin_st_tensor t;
        char name[64];
        memset(&t, 0, sizeof t);
        memcpy(name, ts[i].name, ts[i].name_len);
        name[ts[i].name_len] = '\0';
        expect_int(lin_safetensors_find(&st, name, &t), LIN_OK);
        expect_int(t.dtype, ts[i].dtype);
        expect_int(t.ndim, ts[i].ndim);
        for (d = 0; d < t.ndim; ++d) expect_int(t.shape[d], ts[i].shape[d]);
        expect_int(t.data_bytes, ts[i].data_bytes);
        expect_true(!t.data_bytes || !memcmp(t.data, ts[i].data, t.data_bytes));
        /* each element aligned to its size within the file */
        expect_int((size_t)((const unsigned char *)t.data - buf) % lin_dtype_size(t.dtype), 0);
    }
    /* the header's order: element sizes 8, 4, 2, 1, the given order within */
    for (i = 0, k = 8; i < 9; ++i) {
        lin_st_tensor t;
        memset(&t, 0, sizeof t);
        expect_int(lin_safetensors_tensor(&st, i, &t), LIN_OK);
        expect_true(lin_dtype_size(t.dtype) <= k);
        k = lin_dtype_size(t.dtype);
    }
    /* an empty file: "{}" padded */
    expect_int(lin_safetensors_size(NULL, 0), 16);
    expect_int(lin_safetensors_write(NULL, 0, buf, 16, &written), LIN_OK);
    expect_int(written, 16);
    expect_true(!memcmp(buf, "\x08\0\0\0\0\0\0\0{}      ", 16));
    expect_int(lin_safetensors_open(&st, buf, 16), LIN_OK);
    expect_int(lin_safetensors_count(&st), 0);
    free(buf);
}

static void test_writer_errors(void **state)
{
    static const size_t s2[1] = {2}, big[2] = {(size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)};
    unsigned char data[16], buf[256];
    lin_st_tensor ts[2], t;
    size_t written = 12345;
    (void)state;
    memset(data, 1, sizeof data);
    ts[0] = make("a", LIN_DTYPE_F32, 1, s2, data);
    ts[1] = make("b", LIN_DTYPE_U8, 1, s2, data + 8);
    fill_bytes(buf, sizeof buf);
    expect_int(lin_safetensors_write(NULL, 1, buf, sizeof buf, &written), LIN_ERR_NULL);
    expect_int(lin_safetensors_write(ts, 2, NULL, sizeof buf, &written), LIN_ERR_NULL);
    t = ts[1]; ts[1].name = NULL;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_NULL);
    ts[1] = t; ts[1].data = NULL;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_NULL);
    ts[1] = t; ts[1].dtype = (lin_dtype)15;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_VALUE);
    ts[1] = t; ts[1].name = "a";                        /* given twice */
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_VALUE);
    ts[1].name = "__metadata__"; ts[1].name_len = 12;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_VALUE);
    ts[1].name = "x\xff"; ts[1].name_len = 2;          /* not UTF-8 */
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_VALUE);
    ts[1].name = "x\0y"; ts[1].name_len = 3;           /* a NUL */
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_VALUE);
    ts[1] = t; ts[1].ndim = LIN_MAX_DIMS + 1;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_RANK);
    ts[1].ndim = -1;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_RANK);
    ts[1] = t; ts[1].data_bytes = 3;
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_SHAPE);
    ts[1] = make("b", LIN_DTYPE_U8, 2, big, data);
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_OVERFLOW);
    expect_int(lin_safetensors_size(ts, 2), 0);
    ts[1] = t;
    expect_int(lin_safetensors_write(ts, 2, buf, lin_safetensors_size(ts, 2) - 1, &written), LIN_ERR_SIZE);
    ts[1].data = buf + 100;                             /* data inside the output */
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_ALIAS);
    ts[1] = t; ts[1].name = (const char *)buf + 3;      /* a name inside it */
    buf[3] = 'z';
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, &written), LIN_ERR_ALIAS);
    expect_int(buf[3], 'z');
    buf[3] = 0xA5;
    expect_true(all_filled(buf, sizeof buf));
    expect_int(written, 12345);
    ts[1] = t;
    {   /* the tensors array (read as the header is written) or *written inside the output */
        union { lin_st_tensor t[2]; unsigned char b[256 + 2 * sizeof(lin_st_tensor)]; } u;
        size_t wbuf[64];
        memcpy(u.t, ts, sizeof ts);
        expect_int(lin_safetensors_write(u.t, 2, u.b, sizeof u.b, NULL), LIN_ERR_ALIAS);
        expect_true(memcmp(u.t, ts, sizeof ts) == 0);
        wbuf[5] = 777;
        expect_int(lin_safetensors_write(ts, 2, wbuf, sizeof wbuf, &wbuf[5]), LIN_ERR_ALIAS);
        expect_int(wbuf[5], 777);
    }
    expect_int(lin_safetensors_write(ts, 2, buf, sizeof buf, NULL), LIN_OK);    /* written may be NULL */
}

/* ---- into the layers ---- */

static void test_tensors_feed_layers(void **state)
{
    size_t n;
    unsigned char *file = load("model", &n);
    lin_safetensors st;
    lin_st_tensor w, b, h, bf;
    lin_tensor wv, bv, xv, yv;
    float x[3] = {1, 2, 3}, y[2];
    (void)state;
    memset(&w, 0, sizeof w);
    h = b = bf = w;
    assert_int_equal(lin_safetensors_open(&st, file, n), LIN_OK);
    assert_int_equal(lin_safetensors_find(&st, "fc.weight", &w), LIN_OK);
    assert_int_equal(lin_safetensors_find(&st, "fc.bias", &b), LIN_OK);
    assert_int_equal(lin_safetensors_find(&st, "fc.weight_f16", &h), LIN_OK);
    assert_int_equal(lin_safetensors_find(&st, "fc.weight_bf16", &bf), LIN_OK);
    expect_int(lin_safetensors_view(&h, &wv), LIN_ERR_DTYPE);
    if (!test_host_little()) {                          /* big-endian: the file's floats are not this host's */
        expect_int(lin_safetensors_view(&w, &wv), LIN_ERR_DTYPE);
        free(file);
        return;
    }
    assert_int_equal(lin_safetensors_view(&w, &wv), LIN_OK);
    assert_int_equal(lin_safetensors_view(&b, &bv), LIN_OK);
    expect_int(wv.ndim, 2);
    expect_int(wv.shape[0], 2);
    expect_int(wv.shape[1], 3);
    xv = lin_vector(x, 3);
    yv = lin_vector(y, 2);
    expect_int(lin_linear(&xv, &wv, &bv, &yv), LIN_OK);
    expect_true(y[0] == 14.0f && y[1] == 33.0f);
#ifndef LIN_NO_WFORMATS
    y[0] = y[1] = 0;
    expect_int(lin_linear_f16w(x, (const uint16_t *)h.data, (const float *)bv.data, y, 1, 3, 2), LIN_OK);
    expect_true(y[0] == 14.0f && y[1] == 33.0f);
    y[0] = y[1] = 0;
    expect_int(lin_linear_bf16w(x, (const uint16_t *)bf.data, (const float *)bv.data, y, 1, 3, 2), LIN_OK);
    expect_true(y[0] == 14.0f && y[1] == 33.0f);
#endif
    free(file);
}

/* ---- statuses ---- */

/* want: name, dtype, rank, shape (a, b) */
static lin_st_want want_of(const char *name, lin_dtype dtype, int ndim, size_t a, size_t b)
{
    lin_st_want w;
    memset(&w, 0, sizeof w);
    w.name = name;
    w.dtype = dtype;
    w.ndim = ndim;
    w.shape[0] = a;
    w.shape[1] = b;
    return w;
}

/* lin_safetensors_bind (the generated loaders' call): every tensor as
   asked, pointed at in place; the file's answers (rank, missing, dtype,
   shape) in the order asked and the same on every host, before this
   host's (byte order, alignment); data untouched on every error. */
static void test_bind(void **state)
{
    static const size_t s23[2] = {2, 3}, s2[1] = {2}, s0[1] = {0};
    static const float wv[6] = {1, 2, 3, 4, 5, 6}, bv[2] = {0, 1};
    static const int8_t qv[6] = {-1, 2, -3, 4, -5, 6};
    static const int32_t sv = 7;
    lin_st_tensor ts[5];
    lin_st_want want[5], bad[2];
    const void *data[5], *found[5];
    int sentinel;
    unsigned char *buf, *odd;
    size_t size, i;
    lin_safetensors st, st_odd;
    const lin_status host = test_host_little() ? LIN_OK : LIN_ERR_DTYPE;
    (void)state;
    ts[0] = make("fc.weight", LIN_DTYPE_F32, 2, s23, wv);
    ts[1] = make("fc.bias", LIN_DTYPE_F32, 1, s2, bv);
    ts[2] = make("q.weight", LIN_DTYPE_I8, 2, s23, qv);
    ts[3] = make("scale", LIN_DTYPE_I32, 0, NULL, &sv);
    ts[4] = make("empty", LIN_DTYPE_BF16, 1, s0, NULL);
    size = lin_safetensors_size(ts, 5);
    buf = (unsigned char *)malloc(2 * size + 8);
    assert_non_null(buf);
    odd = buf + size + 1;                       /* the same file one byte off its alignment */
    expect_int(lin_safetensors_write(ts, 5, buf, size, NULL), LIN_OK);
    memcpy(odd, buf, size);
    expect_int(lin_safetensors_open(&st, buf, size), LIN_OK);
    expect_int(lin_safetensors_open(&st_odd, odd, size), LIN_OK);
    /* asked in another order than the file's */
    want[0] = want_of("q.weight", LIN_DTYPE_I8, 2, 2, 3);
    want[1] = want_of("fc.bias", LIN_DTYPE_F32, 1, 2, 99);     /* dims past ndim ignored */
    want[2] = want_of("scale", LIN_DTYPE_I32, 0, 5, 5);
    want[3] = want_of("empty", LIN_DTYPE_BF16, 1, 0, 0);
    want[4] = want_of("fc.weight", LIN_DTYPE_F32, 2, 2, 3);
    for (i = 0; i < 5; ++i) {
        lin_st_tensor t;
        memset(&t, 0, sizeof t);
        expect_int(lin_safetensors_find(&st, want[i].name, &t), LIN_OK);
        found[i] = t.data;
        data[i] = &sentinel;
    }
    expect_int(lin_safetensors_bind(&st, want, 5, data), host);
    for (i = 0; i < 5; ++i) expect_true(data[i] == (host == LIN_OK ? found[i] : (const void *)&sentinel));
    if (host == LIN_OK) {
        expect_true(!memcmp(data[4], wv, sizeof wv));
        expect_true(!memcmp(data[2], &sv, sizeof sv));
    }
    /* bytes alone: in place on every host, aligned or not */
    expect_int(lin_safetensors_bind(&st_odd, want, 1, data), LIN_OK);
    expect_true(data[0] == (const void *)((const unsigned char *)found[0] - buf + odd));
    expect_true(!memcmp(data[0], qv, sizeof qv));
    expect_int(lin_safetensors_bind(&st, want, 0, NULL), LIN_OK);
    expect_int(lin_safetensors_bind(&st, NULL, 0, data), LIN_OK);

    for (i = 0; i < 5; ++i) data[i] = &sentinel;
#define EXPECT_BIND(stp, w, n, status)                                                           \
    do {                                                                                         \
        expect_int(lin_safetensors_bind(stp, w, n, data), status);                               \
        for (i = 0; i < 5; ++i) expect_true(data[i] == (const void *)&sentinel);                 \
    } while (0)
    /* the file's answers, in the order asked */
    bad[0] = want[4];
    bad[1] = want_of("fc.nothing", LIN_DTYPE_F32, 1, 2, 0);
    EXPECT_BIND(&st, bad, 2, LIN_ERR_INDEX);
    bad[0].dtype = LIN_DTYPE_F16;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_DTYPE);
    bad[0].dtype = LIN_DTYPE_F32;
    bad[0].shape[1] = 4;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_SHAPE);
    bad[0].shape[1] = 3;
    bad[0].ndim = 1;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_SHAPE);
    bad[0].ndim = 3;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_SHAPE);
    bad[0].ndim = -1;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_RANK);
    bad[0].ndim = LIN_MAX_DIMS + 1;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_RANK);
    bad[0] = bad[1];                            /* missing first, a wrong shape after it */
    bad[1] = want[4];
    bad[1].shape[0] = 3;
    EXPECT_BIND(&st, bad, 2, LIN_ERR_INDEX);
    /* ... before this host's: misaligned floats (big-endian: their byte
       order) first, a wrong shape after them answers */
    bad[0] = want[4];
    bad[1] = want[0];
    bad[1].shape[0] = 3;
    EXPECT_BIND(&st_odd, bad, 2, LIN_ERR_SHAPE);
    EXPECT_BIND(&st, bad, 2, LIN_ERR_SHAPE);
    bad[1].shape[0] = 2;
    EXPECT_BIND(&st_odd, bad, 2, test_host_little() ? LIN_ERR_VALUE : LIN_ERR_DTYPE);
    EXPECT_BIND(&st_odd, want, 5, test_host_little() ? LIN_ERR_VALUE : LIN_ERR_DTYPE);
    /* NULLs */
    EXPECT_BIND(NULL, want, 5, LIN_ERR_NULL);
    EXPECT_BIND(&st, NULL, 5, LIN_ERR_NULL);
    expect_int(lin_safetensors_bind(&st, want, 5, NULL), LIN_ERR_NULL);
    bad[0] = want[0];
    bad[1] = want[1];
    bad[1].name = NULL;
    bad[0].shape[0] = 7;                        /* a NULL name answers before any lookup */
    EXPECT_BIND(&st, bad, 2, LIN_ERR_NULL);
    {   /* outputs over what is read as they are written: *st, the file,
           want[] or a name; refused with everything as it was */
        union { lin_safetensors s; lin_st_tensor t; const void *p[8]; } us;
        union { lin_st_want w[2]; const void *p[4]; } uw;
        union { const void *p[4]; char c[4 * sizeof(void *)]; } un;
        const size_t past = (8 + sizeof(void *) - 1) / sizeof(void *);   /* the first slot after "fc.bias" */
        lin_st_want w1;
        us.s = st;
        expect_int(lin_safetensors_bind(&us.s, want, 1, us.p + 1), LIN_ERR_ALIAS);
        expect_true(!memcmp(&us.s, &st, sizeof st));
        expect_int(lin_safetensors_tensor(&us.s, 0, &us.t), LIN_ERR_ALIAS);
        expect_int(lin_safetensors_find(&us.s, "fc.bias", &us.t), LIN_ERR_ALIAS);
        expect_true(!memcmp(&us.s, &st, sizeof st));
        expect_int(lin_safetensors_bind(&st, want, 1, (const void **)(void *)(buf + size - 8)), LIN_ERR_ALIAS);
        expect_int(lin_safetensors_tensor(&st, 1, (lin_st_tensor *)(void *)buf), LIN_ERR_ALIAS);
        expect_int(lin_safetensors_find(&st, "fc.bias", (lin_st_tensor *)(void *)(buf + 8)), LIN_ERR_ALIAS);
        expect_true(!memcmp(buf, odd, size));
        uw.w[0] = want[1];
        uw.w[1] = want[0];
        expect_int(lin_safetensors_bind(&st, uw.w, 2, uw.p + 3), LIN_ERR_ALIAS);
        expect_true(!memcmp(&uw.w[0], &want[1], sizeof want[1]));
        memset(un.c, 0, sizeof un.c);
        memset(un.c, 'x', sizeof(void *));      /* a name whose NUL is p[1]'s first byte */
        w1 = want[1];
        w1.name = un.c;
        expect_int(lin_safetensors_bind(&st, &w1, 1, un.p + 1), LIN_ERR_ALIAS);
        expect_true(strlen(un.c) == sizeof(void *) && un.c[sizeof(void *)] == 0);
        for (i = 0; i < 5; ++i) expect_true(data[i] == (const void *)&sentinel);
        /* right after a name: found */
        memset(un.c, 0, sizeof un.c);
        strcpy(un.c, "fc.bias");
        expect_int(lin_safetensors_bind(&st, &w1, 1, un.p + past), host);
        expect_true(un.p[past] == (host == LIN_OK ? found[1] : NULL));
    }
    memset(&st, 0, sizeof st);                  /* not opened */
    EXPECT_BIND(&st, want, 5, LIN_ERR_NULL);
#undef EXPECT_BIND
    free(buf);
}

static void test_entry_point_errors(void **state)
{
    static const unsigned char empty[16] = {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    static const size_t s9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    lin_safetensors st;
    lin_st_tensor t;
    lin_tensor v;
    float f[4] = {0};
    char msg[80];
    (void)state;
    expect_int(lin_safetensors_open(NULL, empty, 16), LIN_ERR_NULL);
    fill_bytes(&st, sizeof st);
    expect_int(lin_safetensors_open(&st, NULL, 16), LIN_ERR_NULL);
    expect_int(lin_safetensors_open(&st, NULL, 0), LIN_ERR_FORMAT);
    expect_true(all_filled(&st, sizeof st));
    expect_int(lin_safetensors_open_explain(NULL, 16, msg, sizeof msg), LIN_ERR_NULL);
    expect_int(lin_safetensors_open_explain(empty, 7, msg, sizeof msg), LIN_ERR_FORMAT);
    expect_true(strstr(msg, "8 bytes") != NULL);
    expect_int(lin_safetensors_open_explain(empty, 16, NULL, 0), LIN_OK);
    expect_int(lin_safetensors_open(&st, empty, 16), LIN_OK);
    expect_int(lin_safetensors_count(NULL), 0);
    expect_int(lin_safetensors_tensor(NULL, 0, &t), LIN_ERR_NULL);
    expect_int(lin_safetensors_tensor(&st, 0, NULL), LIN_ERR_NULL);
    expect_int(lin_safetensors_tensor(&st, 0, &t), LIN_ERR_INDEX);
    expect_int(lin_safetensors_find(&st, NULL, &t), LIN_ERR_NULL);
    expect_int(lin_safetensors_find(NULL, "a", &t), LIN_ERR_NULL);
    expect_int(lin_safetensors_find(&st, "a", NULL), LIN_ERR_NULL);
    expect_int(lin_safetensors_find(&st, "a", &t), LIN_ERR_INDEX);
    /* views */
    t = make("t", LIN_DTYPE_F32, 1, s9, f);
    expect_int(lin_safetensors_view(NULL, &v), LIN_ERR_NULL);
    expect_int(lin_safetensors_view(&t, NULL), LIN_ERR_NULL);
    t.data = (const unsigned char *)(const void *)f + 1;
    expect_int(lin_safetensors_view(&t, &v), test_host_little() ? LIN_ERR_VALUE : LIN_ERR_DTYPE);
    t = make("t", LIN_DTYPE_F32, 9, s9, f);
    expect_int(lin_safetensors_view(&t, &v), test_host_little() ? LIN_ERR_RANK : LIN_ERR_DTYPE);
    t = make("t", LIN_DTYPE_I32, 1, s9, f);
    expect_int(lin_safetensors_view(&t, &v), LIN_ERR_DTYPE);
    expect_int(lin_dtype_size((lin_dtype)99), 0);
    expect_true(!strcmp(lin_dtype_name((lin_dtype)99), "?"));
    expect_true(!strcmp(lin_dtype_name(LIN_DTYPE_F8_E5M2), "F8_E5M2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_fixture_files),
        TEST(test_json_corners),
        TEST(test_writer_round_trip),
        TEST(test_writer_errors),
        TEST(test_tensors_feed_layers),
        TEST(test_bind),
        TEST(test_entry_point_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
    return 0;
}
#endif
