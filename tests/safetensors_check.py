#!/usr/bin/python3
"""An independent safetensors reader, written from the format's
specification (huggingface/safetensors: the README's layout and the
rules its reader enforces), in plain Python (Debian 12 has no
safetensors package). tests/gen_safetensors_fixtures.py checks its
fixtures with it; `make test` runs it on the files linear.h's writer
wrote (tests/st_write.c):

    python3 tests/safetensors_check.py FILE...     exit status 0: all valid

The rules: 8 bytes of little-endian header length N <= 100,000,000;
8 + N within the file; the header UTF-8 JSON, starting with '{', an
object whose keys are tensor names, each an object with "dtype" (one of
the names below), "shape" (a list of non-negative integers) and
"data_offsets" ([begin, end] non-negative integers), other fields ignored;
"__metadata__" null or an object of strings; the tensors sorted by
(begin, end) contiguous from 0 (each begin the previous end, end >=
begin), end - begin = product(shape) x element size; the last end the
data buffer's size exactly (no tail).
"""
import json
import struct
import sys

SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
         "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
MAX_HEADER = 100_000_000


class Invalid(Exception):
    pass


def _uint(v, what):
    # JSON integers only (bool is an int in Python: not one here), >= 0, within 64 bits
    if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v >= 1 << 64:
        raise Invalid("%s is not a non-negative integer" % what)
    return v


def _pairs(pairs):
    names = [k for k, _ in pairs]
    if len(names) != len(set(names)):
        raise Invalid("a key given twice")
    return dict(pairs)


def read(blob):
    """the tensors of a safetensors file, {name: (dtype, shape, bytes)} in the
    header's order, and the metadata; Invalid for anything the format does
    not allow"""
    if len(blob) < 8:
        raise Invalid("shorter than 8 bytes")
    n = struct.unpack("<Q", blob[:8])[0]
    if n > MAX_HEADER:
        raise Invalid("header length past 100,000,000")
    if 8 + n > len(blob):
        raise Invalid("header length past the file")
    raw = blob[8:8 + n]
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Invalid("header not UTF-8")
    if not text.startswith("{"):
        raise Invalid("header does not start with '{'")
    try:
        header = json.loads(text, object_pairs_hook=_pairs, parse_constant=lambda c: (_ for _ in ()).throw(Invalid(c)))
    except (ValueError, RecursionError) as e:
        raise Invalid("header not JSON: %s" % e)
    if not isinstance(header, dict):
        raise Invalid("header not an object")
    meta = header.pop("__metadata__", None)
    if meta is not None:
        if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
            raise Invalid("__metadata__ not a map of strings")
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise Invalid("%r: not an object" % name)
        for field in ("dtype", "shape", "data_offsets"):
            if field not in info:
                raise Invalid("%r: %s missing" % (name, field))
        dtype = info["dtype"]
        if not isinstance(dtype, str) or dtype not in SIZES:
            raise Invalid("%r: dtype %r" % (name, dtype))
        shape = info["shape"]
        if not isinstance(shape, list):
            raise Invalid("%r: shape not a list" % name)
        shape = [_uint(d, "a dim") for d in shape]
        offs = info["data_offsets"]
        if not isinstance(offs, list) or len(offs) != 2:
            raise Invalid("%r: data_offsets not [begin, end]" % name)
        begin, end = (_uint(o, "an offset") for o in offs)
        count = 1
        for d in shape:
            count *= d
            if count >= 1 << 64:
                raise Invalid("%r: shape overflows" % name)
        nbytes = count * SIZES[dtype]
        if nbytes >= 1 << 64:
            raise Invalid("%r: bytes overflow" % name)
        entries.append((begin, end, name, dtype, shape, nbytes))
    order = [e[2] for e in entries]             # the header's order, for the caller
    entries.sort(key=lambda e: (e[0], e[1]))
    at = 0
    data = blob[8 + n:]
    out = {}
    for begin, end, name, dtype, shape, nbytes in entries:
        if begin != at or end < begin:
            raise Invalid("%r: data_offsets [%d, %d] not contiguous" % (name, begin, end))
        if end - begin != nbytes:
            raise Invalid("%r: %d bytes for %d" % (name, end - begin, nbytes))
        at = end
        out[name] = (dtype, shape, data[begin:end])
    if at != len(data):
        raise Invalid("tensors end at %d of %d bytes" % (at, len(data)))
    return {name: out[name] for name in order}, meta


def main(paths):
    bad = 0
    for p in paths:
        with open(p, "rb") as f:
            blob = f.read()
        try:
            tensors, meta = read(blob)
            print("%s: valid, %d tensors" % (p, len(tensors)))
        except Invalid as e:
            print("%s: INVALID: %s" % (p, e))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
