#!/usr/bin/python3
"""Writes tests/fixtures/npy/dtypes/: .npy files numpy.save wrote for every
plain numeric dtype (both byte orders), Fortran order, 0-d, empty and
version 2.0 arrays, and dtypes lin_npy_info refuses; and manifest.txt,
which tests/test_npy.c reads.

Run with Debian's python3-numpy: /usr/bin/python3 tests/gen_npy_fixtures.py
(or `make fixtures`).

manifest.txt, one line per file:

    <name> ok <dtype> <big 0|1> <fortran 0|1> <ndim> <dims...|-> <data offset> <data bytes>
        f <count float32 bits, C order: numpy's astype(float32)>
        r <the elements' bytes, little-endian, C order>
    <name> dtype                 (a dtype lin_npy_info refuses)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "npy", "dtypes")
NAMES = {"?": "BOOL", "u1": "U8", "i1": "I8", "i2": "I16", "u2": "U16", "f2": "F16", "i4": "I32", "u4": "U32",
         "f4": "F32", "f8": "F64", "i8": "I64", "u8": "U64"}


def values(rng, dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        v = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, n, dtype=dt.newbyteorder("="), endpoint=True)
        v[:min(n, 2)] = [info.min, info.max][:min(n, 2)]
        v = v.astype(dt)
    else:
        v = (rng.standard_normal(n) * 1000).astype(dt)
        specials = np.array([np.inf, -np.inf, np.nan, -0.0, np.finfo(dt).tiny / 4, np.finfo(dt).max], dtype=dt)
        v[:min(n, 6)] = specials[:min(n, 6)]
    return v.reshape(shape)


def main():
    rng = np.random.default_rng(20261205)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    cases = []
    for code in ["?", "u1", "i1", "<i2", ">i2", "<u2", ">u2", "<f2", ">f2", "<i4", ">i4", "<u4", ">u4", "<f4", ">f4",
                 "<f8", ">f8", "<i8", ">i8", "<u8", ">u8"]:
        cases.append(("%s" % code.replace("<", "le_").replace(">", "be_").replace("?", "bool"),
                      values(rng, code, (3, 4)), False))
    cases.append(("fortran_2d_f8", np.asfortranarray(values(rng, "<f8", (3, 5))), True))
    cases.append(("fortran_3d_i2", np.asfortranarray(values(rng, ">i2", (2, 3, 4))), True))
    cases.append(("scalar_f8", np.array(2.5, dtype="<f8"), False))
    cases.append(("empty_i8", np.zeros((0, 3), dtype="<i8"), False))
    cases.append(("vector_u8", values(rng, "<u8", (7,)), False))
    cases.append(("big_int64_rounding", np.array([2 ** 53 + 1, 2 ** 62 + 2 ** 38 + 1, -(2 ** 63), 2 ** 24 + 1],
                                                 dtype="<i8"), False))
    lines = []
    for name, a, fortran in cases:
        path = os.path.join(OUT, name + ".npy")
        np.save(path, a)
        with open(path, "rb") as f:
            blob = f.read()
        hlen = int.from_bytes(blob[8:10], "little") + 10
        code = a.dtype.str[1:] if a.dtype.kind != "b" else "?"
        shape = " ".join(str(d) for d in a.shape) or "-"
        c = np.ascontiguousarray(a)
        lines.append("%s ok %s %d %d %d %s %d %d" % (name, NAMES[code], int(a.dtype.byteorder == ">"),
                                                    int(fortran), a.ndim, shape, hlen, c.nbytes))
        with np.errstate(over="ignore", invalid="ignore"):
            f32 = c.astype(np.float32).reshape(-1)
        lines.append("f " + (" ".join("%x" % v for v in f32.view(np.uint32)) or "-"))
        lines.append("r " + (c.astype(c.dtype.newbyteorder("<")).tobytes().hex() or "-"))
    # a version 2.0 header
    a = values(rng, "<i4", (2, 3))
    path = os.path.join(OUT, "version2_i4.npy")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    with open(path, "rb") as f:
        blob = f.read()
    hlen = int.from_bytes(blob[8:12], "little") + 12
    lines.append("version2_i4 ok I32 0 0 2 2 3 %d %d" % (hlen, a.nbytes))
    lines.append("f " + " ".join("%x" % v for v in a.astype(np.float32).reshape(-1).view(np.uint32)))
    lines.append("r " + a.tobytes().hex())
    for name, a in [("complex64", np.ones((2,), dtype="<c8")), ("unicode", np.array(["ab", "c"])),
                    ("record", np.zeros((2,), dtype=[("a", "<i4"), ("b", "<f4")])),
                    ("datetime", np.array(["2026-12-05"], dtype="datetime64[D]")),
                    ("float128", np.ones((2,), dtype=np.longdouble))]:
        np.save(os.path.join(OUT, name + ".npy"), a)
        lines.append("%s dtype" % name)
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT, len(lines), "lines")


if __name__ == "__main__":
    main()
