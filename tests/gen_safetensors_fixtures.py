#!/usr/bin/python3
"""Writes tests/fixtures/safetensors/: safetensors files, valid and not,
and manifest.txt, which tests/test_safetensors.c reads.

Run with /usr/bin/python3 tests/gen_safetensors_fixtures.py (or `make
fixtures`); plain Python, no torch. Every file's verdict is checked with
the independent reader tests/safetensors_check.py, except where that
reader is more lenient than the reference (Rust, serde_json): a lone
surrogate escape and nesting past serde_json's 128 levels, which Python's
json takes and the reference refuses.

manifest.txt, one line per file, then one per tensor of a valid file:

    file <name> ok <tensors>         or   file <name> bad
    t <index> <name: UTF-8 bytes in hex, or -> <dtype> <ndim> <dims...> <bytes> <sum of the bytes>
"""
import os
import random
import struct

from safetensors_check import SIZES, Invalid, read

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "safetensors")


def blob(header_text, data, pad=True):
    h = header_text.encode("utf-8") if isinstance(header_text, str) else header_text
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def entry(name_json, dtype, shape, begin, end, extra=""):
    return '%s:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]%s}' % (
        name_json, dtype, ",".join(str(d) for d in shape), begin, end, extra)


def tensors_file(items, meta=None, order=None, ws=""):
    """items: (json name, dtype, shape, bytes); data in the items' order,
    the header's entries in `order` (default the same)"""
    parts, data, off = [], b"", 0
    spans = []
    for name, dtype, shape, b in items:
        spans.append((off, off + len(b)))
        data += b
        off += len(b)
    idx = order if order is not None else range(len(items))
    for i in idx:
        name, dtype, shape, b = items[i]
        parts.append(entry(name, dtype, shape, *spans[i]))
    if meta is not None:
        parts.insert(0, '"__metadata__":' + meta)
    return blob("{" + ("," + ws).join(parts) + "}", data)


def rand_bytes(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def count(shape):
    c = 1
    for d in shape:
        c *= d
    return c


def main():
    rng = random.Random(20261205)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    good, bad = [], []

    # the worked example as a model: W (2, 3) = [[1,2,3],[4,5,6]], b = [0, 1], in float32, f16 and bf16
    w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    f32 = struct.pack("<6f", *w)
    f16 = struct.pack("<6e", *w)
    bf16 = b"".join(struct.pack("<f", v)[2:] for v in w)       # exact: the top 16 bits
    good.append(("model", tensors_file([('"fc.weight"', "F32", [2, 3], f32), ('"fc.bias"', "F32", [2], struct.pack("<2f", 0, 1)),
                                        ('"fc.weight_f16"', "F16", [2, 3], f16), ('"fc.weight_bf16"', "BF16", [2, 3], bf16)],
                                       meta='{"format":"pt","note":"the article\'s W"}')))
    # every dtype, ranks 0 to 9 (past LIN_MAX_DIMS), an empty tensor
    items = []
    shapes = [[2, 3], [5], [], [0], [1, 2, 1, 2], [3, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 2], [7], [1, 3], [4],
              [2, 0, 3], [1], [3], [2]]
    for (dtype, size), shape in zip(sorted(SIZES.items(), key=lambda kv: -kv[1]), shapes):
        items.append(('"t_%s"' % dtype.lower(), dtype, shape, rand_bytes(rng, count(shape) * size)))
    good.append(("dtypes", tensors_file(items)))
    # entries out of offset order, empty tensors at 0, between and at the end, listed anywhere
    items = [('"e0"', "F32", [0], b""), ('"a"', "F32", [3], rand_bytes(rng, 12)), ('"e1"', "I8", [0, 4], b""),
             ('"b"', "U8", [5], rand_bytes(rng, 5)), ('"c"', "I16", [2], rand_bytes(rng, 4)), ('"e2"', "F64", [0], b"")]
    good.append(("unordered", tensors_file(items, order=[3, 5, 1, 2, 4, 0])))
    good.append(("unordered_meta_null", tensors_file(items, meta="null", order=[4, 0, 2, 1, 5, 3])))
    # names with escapes and raw UTF-8, whitespace everywhere, fields in any order, fields the format ignores
    b1, b2 = rand_bytes(rng, 8), rand_bytes(rng, 4)
    hdr = ('{ \n\t"a\\"b\\\\c\\/d" : { "shape" : [ 2 ] , "ignored" : {"x": [1, 2.5e-3, -0.0, true, false, null, "s"]},'
           ' "data_offsets" : [ 0 , 8 ] , "dtype" : "F32" } ,\r\n'
           ' "caf\\u00e9 \\ud83d\\ude00 \u00fc\\t" : {"dtype":"I32","data_offsets":[8,12],"shape":[1],"more":[[[]]]},'
           ' "z" : {"dtype":"U8","shape":[-0],"data_offsets":[12,12]},'
           ' "__metadata__" : { "k" : "v\\n" , "empty" : "" } }  ')
    good.append(("escapes", blob(hdr, b1 + b2)))
    good.append(("empty", blob("{}", b"")))
    good.append(("empty_unpadded", blob("{ }", b"", pad=False)))
    depth_ok = "[" * 125 + "]" * 125
    good.append(("deep_ok", blob('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":%s}}' % depth_ok, b"\x07")))
    many = [('"w%03d"' % i, "F32", [i % 3 + 1], rand_bytes(rng, 4 * (i % 3 + 1))) for i in range(40)]
    good.append(("many", tensors_file(many)))
    good.append(("many_unordered", tensors_file(many, order=list(range(39, -1, -1)))))

    # malformed: one fault each
    ok1 = '{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    d8 = rand_bytes(rng, 8)
    bad += [
        ("short", b"\x08\x00\x00\x00\x00\x00\x00"),
        ("len_huge", struct.pack("<Q", 100_000_001) + b"{}"),
        ("len_2p63", struct.pack("<Q", 1 << 63) + b"{}"),
        ("len_past_file", struct.pack("<Q", 64) + b"{}      "),
        ("empty_header", struct.pack("<Q", 0)),
        ("not_utf8", blob(b'{"t\xff":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("overlong_utf8", blob(b'{"t\xc0\xaf":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("surrogate_utf8", blob(b'{"t\xed\xa0\x80":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("leading_space", blob(" " + ok1, d8, pad=False)),
        ("top_array", blob("[]", b"")),
        ("trailing_garbage", blob(ok1 + " x", d8)),
        ("trailing_comma", blob('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},}', d8)),
        ("missing_colon", blob('{"t" {"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("unterminated", blob('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'[:-3], d8)),
        ("raw_control", blob('{"t\x01":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("bad_escape", blob('{"t\\x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("short_u_escape", blob('{"t\\u12":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("dtype_unknown", blob(ok1.replace("F32", "F128"), d8)),
        ("dtype_lowercase", blob(ok1.replace("F32", "f32"), d8)),
        ("dtype_number", blob(ok1.replace('"F32"', "32"), d8)),
        ("shape_negative", blob(ok1.replace("[2]", "[-2]"), d8)),
        ("shape_float", blob(ok1.replace("[2]", "[2.0]"), d8)),
        ("shape_exponent", blob(ok1.replace("[2]", "[2e0]"), d8)),
        ("shape_leading_zero", blob(ok1.replace("[2]", "[02]"), d8)),
        ("shape_not_list", blob(ok1.replace("[2]", "2"), d8)),
        ("shape_2p64", blob(ok1.replace("[2]", "[18446744073709551616]"), d8)),
        ("shape_product_overflow", blob(ok1.replace("[2]", "[4294967296,4294967296,4294967296]"), d8)),
        ("bytes_overflow", blob(ok1.replace("[2]", "[4611686018427387904]"), d8)),
        ("offsets_three", blob(ok1.replace("[0,8]", "[0,4,8]"), d8)),
        ("offsets_one", blob(ok1.replace("[0,8]", "[8]"), d8)),
        ("offsets_reversed", blob(ok1.replace("[0,8]", "[8,0]"), d8)),
        ("offsets_not_from_0", blob(ok1.replace("[0,8]", "[4,12]"), d8 + d8[:4])),
        ("size_mismatch", blob(ok1.replace("[2]", "[3]"), d8)),
        ("tail_byte", blob(ok1, d8 + b"\x00")),
        ("data_short", blob(ok1, d8[:7])),
        ("missing_dtype", blob('{"t":{"shape":[2],"data_offsets":[0,8]}}', d8)),
        ("missing_shape", blob('{"t":{"dtype":"F32","data_offsets":[0,8]}}', d8)),
        ("missing_offsets", blob('{"t":{"dtype":"F32","shape":[2]}}', d8)),
        ("duplicate_field", blob('{"t":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("tensor_not_object", blob('{"t":[1,2]}', b"")),
        ("meta_number_value", blob('{"__metadata__":{"k":1}}', b"")),
        ("meta_array", blob('{"__metadata__":["k"]}', b"")),
        ("meta_twice", blob('{"__metadata__":{},"__metadata__":{}}', b"")),
        ("nan_literal", blob('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":NaN}}', d8)),
        ("gap", blob('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}',
                     rand_bytes(rng, 10))),
        ("overlap_unordered", blob('{"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}',
                                   rand_bytes(rng, 6))),
        ("empty_inside_unordered", blob('{"e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}',
                                        rand_bytes(rng, 4))),
        ("empty_past_end", blob('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"e":{"dtype":"U8","shape":[0],"data_offsets":[8,8]}}',
                                rand_bytes(rng, 4))),
        ("gap_unordered", blob('{"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}',
                               rand_bytes(rng, 8))),
        ("deep_ignored", blob('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":%s}}' % ("[" * 126 + "]" * 126), b"\x07")),
        ("lone_surrogate", blob('{"t\\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
        ("lone_low_surrogate", blob('{"t\\udc00x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', d8)),
    ]
    lenient = {"deep_ignored", "lone_surrogate", "lone_low_surrogate"}     # Python's json takes these

    lines = []
    for name, b in good:
        tensors, _ = read(b)                    # raises if our own reader disagrees
        lines.append("file %s ok %d" % (name, len(tensors)))
        for i, (tname, (dtype, shape, data)) in enumerate(tensors.items()):
            lines.append("t %d %s %s %d %s %d %d" % (i, tname.encode("utf-8").hex() or "-", dtype, len(shape),
                                                    " ".join(str(d) for d in shape) or "-", len(data), sum(data)))
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(b)
    for name, b in bad:
        try:
            read(b)
            if name not in lenient:
                raise SystemExit("%s: the independent reader takes it" % name)
        except Invalid:
            if name in lenient:
                raise SystemExit("%s: expected the independent reader to take it" % name)
        lines.append("file %s bad" % name)
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(b)
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT, len(good), "valid and", len(bad), "malformed files")


if __name__ == "__main__":
    main()
