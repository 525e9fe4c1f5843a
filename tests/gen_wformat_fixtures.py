#!/usr/bin/python3
"""Writes tests/fixtures/wformats.txt: the compressed-weight layers
(lin_linear_f16w, _bf16w, _q8w, _q4w) and the binary16 / bfloat16
conversions, run through PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 tests/gen_wformat_fixtures.py
(or `make fixtures`). The file is committed, so the C tests need no torch.

Plain text, one item per line:

    conv <n>                 then n lines: float32 bits, PyTorch's
                             .to(torch.float16) bits, .to(torch.bfloat16) bits
    half <n>                 then n lines: binary16 bits, PyTorch's float32 bits
    case <f16|bf16|q8w|q4w> <batch> <in> <out> <bias 0|1>
    x <batch*in float32 bits>
    w <the weight: f16/bf16 bits, int8 values, or q4 bytes>
    s <scale float32 bits>   (q8w: out, q4w: out*in/32; absent otherwise)
    b <out float32 bits>     (with a bias)
    y <batch*out: float64 x @ W^T + b, W decoded as the docs say>
    m <batch*out: float64 |x| @ |W|^T + |b|, for the tolerance>
    end

W is decoded in PyTorch: f16 and bf16 by viewing the bits as
torch.float16 / torch.bfloat16 and converting to float32 (exact); q8w as
the float32 product scale[o] * q; q4w as the float32 product
scale[o][b] * (nibble - 8), the nibbles unpacked here (element 2j in the
low nibble of byte j of a block of 32). The references are float64 from
those float32 weights.
"""
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "wformats.txt")


def f32_bits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def hexf(t):
    """float32 tensor -> its bits, hex"""
    return " ".join("%x" % (b & 0xFFFFFFFF) for b in t.contiguous().view(torch.int32).reshape(-1).tolist())


def hex16(t):
    return " ".join("%x" % (b & 0xFFFF) for b in t.contiguous().view(torch.int16).reshape(-1).tolist())


def conversions(gen):
    pats = [0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x7FC00000,
            0xFFC00000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000]
    for v in [65504.0, 65505.0, 65519.0, 65519.996, 65520.0, 65535.0, 65536.0, 1e5,
              2.0 ** -14, 2.0 ** -14 * (1 - 2.0 ** -11), 2.0 ** -24, 2.0 ** -25,
              2.0 ** -25 * (1 + 2.0 ** -20), 2.0 ** -26, 3 * 2.0 ** -25, 5 * 2.0 ** -25,
              1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8,
              1 + 2.0 ** -8 + 2.0 ** -20, 3.3895314e38, 3.3961776e38, 0.1, 1 / 3, 2.0 ** -133,
              1023.5 * 2.0 ** -24, 1023.75 * 2.0 ** -24, 0.5 * 2.0 ** -24 * 3]:
        pats.append(f32_bits(v))
        pats.append(f32_bits(-v))
    # every rounding case near each binary16 exponent: the tie, and a unit either side
    for e in range(-24, 16):
        for m in (0, 1, 2, 0x3FF):
            base = (1 + m / 1024.0) * 2.0 ** e
            b = f32_bits(base)
            pats += [b, b + 0x1000, b + 0xFFF, b + 0x1001, b + 0x3000, b + 0x8000, b + 0x18000]
    r = torch.randint(0, 2 ** 32, (1500,), generator=gen, dtype=torch.int64)
    for v in r.tolist():
        e = 103 + v % 40         # exponents around binary16's range
        pats.append((v & 0x807FFFFF) | (e << 23))
    pats += torch.randint(0, 2 ** 32, (500,), generator=gen, dtype=torch.int64).tolist()
    pats = [p for p in pats if (p & 0x7FFFFFFF) <= 0x7F800000 or p in (0x7FC00000, 0xFFC00000)]
    t = torch.tensor([p - 2 ** 32 if p >= 2 ** 31 else p for p in pats], dtype=torch.int32).view(torch.float32)
    h = t.to(torch.float16).view(torch.int16)
    bf = t.to(torch.bfloat16).view(torch.int16)
    lines = ["conv %d" % len(pats)]
    for p, a, c in zip(pats, h.tolist(), bf.tolist()):
        lines.append("%x %x %x" % (p, a & 0xFFFF, c & 0xFFFF))
    halves = list(range(0, 0x420)) + list(range(0x7BF0, 0x7E01)) + list(range(0x8000, 0x8420)) + \
        list(range(0xFBF0, 0xFE01)) + torch.randint(0, 65536, (1500,), generator=gen).tolist()
    ht = torch.tensor([v - 65536 if v >= 32768 else v for v in halves], dtype=torch.int16)
    f = ht.view(torch.float16).to(torch.float32)
    lines.append("half %d" % len(halves))
    for v, b in zip(halves, f.view(torch.int32).tolist()):
        lines.append("%x %x" % (v, b & 0xFFFFFFFF))
    return lines


def unpack_q4(w, out, inn):
    b = w.to(torch.int32).reshape(out, inn // 2)
    n = torch.stack([b & 15, b >> 4], dim=2).reshape(out, inn)
    return (n - 8).to(torch.float32)


def case(gen, form, batch, inn, out, with_bias, edges):
    x = torch.randn(batch, inn, generator=gen, dtype=torch.float32)
    s = None
    if form in ("f16", "bf16"):
        dt = torch.float16 if form == "f16" else torch.bfloat16
        w = (torch.randn(out, inn, generator=gen) * 0.5).to(dt).view(torch.int16)
        if edges:       # subnormals, the largest finite half (bfloat16: 2^63), signed zeros
            flat = w.reshape(-1)
            picks = [0x0001, 0x8001, 0x03FF, 0x0200, 0x8200, 0x0400, 0x7BFF, 0xFBFF, 0x0000, 0x8000] \
                if form == "f16" else [0x0001, 0x8001, 0x007F, 0x0080, 0x5F00, 0xDF00, 0x0000, 0x8000]
            for i, p in enumerate(picks):
                flat[(i * 7919) % flat.numel()] = p - 65536 if p >= 32768 else p
        wd = w.view(dt).to(torch.float32)
        wtxt = hex16(w)
    elif form == "q8w":
        w = torch.randint(-128, 128, (out, inn), generator=gen, dtype=torch.int32).to(torch.int8)
        s = torch.rand(out, generator=gen) * 0.02
        if edges:
            s[0] = 0.0
            w.reshape(-1)[:4] = torch.tensor([-128, 127, -127, 0], dtype=torch.int8)
        wd = s[:, None] * w.to(torch.float32)
        wtxt = " ".join(str(v) for v in w.reshape(-1).tolist())
    else:
        w = torch.randint(0, 256, (out * inn // 2,), generator=gen, dtype=torch.int32).to(torch.uint8)
        s = (torch.rand(out, inn // 32, generator=gen) - 0.3) * 0.1
        if edges:
            s.reshape(-1)[0] = 0.0
            w[:4] = torch.tensor([0x00, 0xFF, 0x0F, 0xF0], dtype=torch.uint8)
        wd = s.repeat_interleave(32, dim=1) * unpack_q4(w, out, inn)
        wtxt = " ".join("%x" % v for v in w.tolist())
    b = torch.randn(out, generator=gen) if with_bias else None
    y = x.double() @ wd.double().T
    m = x.double().abs() @ wd.double().abs().T
    if b is not None:
        y = y + b.double()
        m = m + b.double().abs()
    lines = ["case %s %d %d %d %d" % (form, batch, inn, out, 1 if with_bias else 0),
             "x " + hexf(x), "w " + wtxt]
    if s is not None:
        lines.append("s " + hexf(s.to(torch.float32)))
    if b is not None:
        lines.append("b " + hexf(b))
    lines.append("y " + " ".join("%.17g" % v for v in y.reshape(-1).tolist()))
    lines.append("m " + " ".join("%.17g" % v for v in m.reshape(-1).tolist()))
    lines.append("end")
    return lines


def main():
    gen = torch.Generator().manual_seed(20261205)
    lines = conversions(gen)
    # batch 1-4 (blocks of 4 rows of W) and past it (16), in_features 32
    # and 4096, k across blocks (1000, 4099), outputs not a multiple of 4
    shapes = [(1, 32, 1), (1, 3, 2), (2, 64, 5), (4, 96, 7), (3, 37, 5), (5, 128, 17), (7, 160, 12),
              (4, 1000, 5), (16, 64, 40), (33, 96, 6), (1, 4096, 3), (1, 4099, 2), (64, 32, 10),
              (9, 544, 9)]
    for form in ("f16", "bf16", "q8w", "q4w"):
        for i, (batch, inn, out) in enumerate(shapes):
            if form == "q4w" and inn % 32:
                continue
            lines += case(gen, form, batch, inn, out, i % 3 != 1, i % 2 == 0)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
