#!/usr/bin/python3
"""Writes tests/fixtures/int16_sample.txt: reference vectors for
lin_linear_s16, the int16x8 fully connected layer (int16 activations, int8
weights, int64 bias), which tests/test_s8.c checks bit for bit.

The expected outputs are derived here twice, independently, from the
published arithmetic of the two libraries the layer must match, in plain
Python integers (no PyTorch, no C), and every case must give the same bits
both ways:

  TFLite   reference_integer_ops::FullyConnected for int16 input: an int64
           sum of (w + weight_offset) * x, plus the bias, then the 64-bit
           MultiplyByQuantizedMultiplier (the multiplier reduced to 16 bits
           with rounding, 0x7FFF from 0x7FFF0000 up; one shift by
           15 - shift with the half added first; the same code in its
           single- and double-rounding builds), then the clamp.
  CMSIS-NN arm_fully_connected_s16 / arm_nn_vec_mat_mult_t_s16: the same
           int64 sum, REDUCE_MULTIPLIER, then arm_nn_requantize_s64: the
           product shifted by 14 - shift into an int32, then
           (result + 1) >> 1, then the clamp.

Multipliers and shifts come from real multipliers through TFLite's
QuantizeMultiplier (frexp, the mantissa times 2^31 rounded half away from
zero). Only cases inside both libraries' domains are written: TFLite's
stated one (|sum + bias| < 2^47, the scaled result within int32), and
CMSIS-NN's narrower one, where twice the scaled result (its value before
the last shift) fits the int32 it is kept in; elsewhere the two disagree
(a wrapped int32), TFLite's result is undefined, and tests/test_s8.c
checks linear.h's saturation on its own.

CMSIS-NN's portable C kernel sums in int64 as above. Its DSP (SMLAD) and
Helium kernels add the first min(in, 512) products in an int32 first,
which wraps only when those 512 products sum to 2^31: x -32768 and w -128
throughout. The cases max_products_* are such layers on purpose; there the
expected y is TFLite's and portable CMSIS-NN's (linear.h keeps the exact
sum), and a DSP build of CMSIS-NN differs.

Run: python3 tests/gen_s16_fixtures.py   (any Python 3; deterministic)
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "int16_sample.txt")


def wrap(v, bits):
    """v as a two's complement integer of the given width (C's conversion on every target we run)"""
    m = 1 << bits
    v &= m - 1
    return v - m if v >= m >> 1 else v


def quantize_multiplier(real):
    """TFLite's QuantizeMultiplier: real = q * 2^(shift - 31), q in [2^30, 2^31)"""
    if real == 0.0:
        return 0, 0
    mant, shift = math.frexp(real)
    q = int(math.floor(mant * (1 << 31) + 0.5))     # std::round, mant > 0
    assert q <= 1 << 31
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        return (1 << 31) - 1, 30
    return q, shift


def tflite_fc16(x, w, b, batch, n_in, n_out, mult, shift, lo, hi):
    """TFLite's reference_integer_ops::FullyConnected, int16 x, int8 w, int64 bias"""
    assert mult >= 0 and -31 <= shift < 8
    reduced = (mult + (1 << 15)) >> 16 if mult < 0x7FFF0000 else 0x7FFF
    total = 15 - shift
    y = []
    for i in range(batch):
        for j in range(n_out):
            acc = 0
            for k in range(n_in):
                acc += w[j * n_in + k] * x[i * n_in + k]     # weight_offset 0
            if b is not None:
                acc += b[j]
            if not -(1 << 47) <= acc < (1 << 47):
                return None                                  # outside TFLite's domain
            prod = acc * reduced + (1 << (total - 1))
            assert -(1 << 63) <= prod < (1 << 63)
            r = prod >> total                                 # Python's >> floors, as the int64 shift
            if not -(1 << 31) <= r < (1 << 31):
                return None                                  # result beyond int32: undefined
            y.append(min(max(r, lo), hi))
    return y


def cmsis_fc16(x, w, b, batch, n_in, n_out, mult, shift, lo, hi):
    """CMSIS-NN's arm_fully_connected_s16, in its own steps"""
    reduced = (mult + (1 << 15)) >> 16 if mult < 0x7FFF0000 else 0x7FFF    # REDUCE_MULTIPLIER
    y = []
    for i in range(batch):
        row = []
        for j in range(n_out):
            acc = 0
            for k in range(n_in):
                acc = wrap(acc + x[i * n_in + k] * w[j * n_in + k], 64)
            if b is not None:
                acc = wrap(acc + b[j], 64)
            new_val = wrap(acc * reduced, 64)
            result = new_val >> (14 - shift)                  # the 64 -> 32 bit reduction
            if result != wrap(result, 32):
                return None             # twice the result passes int32: its int32 wraps
            result = wrap(result + 1, 32) >> 1                # the last shift, with the round
            row.append(min(max(result, lo), hi))
        y.extend(row)
    return y


def values(rng, n, kind, lo, hi):
    if kind == "uniform":
        return [rng.randint(lo, hi) for _ in range(n)]
    if kind == "extreme":
        return [rng.choice((lo, hi, lo + 1, hi - 1, 0, -1, 1)) for _ in range(n)]
    if kind == "min":
        return [lo] * n
    if kind == "small":
        return [rng.randint(-3, 3) for _ in range(n)]
    if kind == "normal":            # activations of a trained layer: mostly small
        s = (hi - lo) / 12.0
        return [min(max(int(round(rng.gauss(0.0, s))), lo), hi) for _ in range(n)]
    raise ValueError(kind)


def main():
    rng = random.Random(1616)
    cases = []

    def add(name, batch, n_in, n_out, xkind, wkind, bias, real=None, mult_shift=None, act=(-32768, 32767),
            tries=40):
        for _ in range(tries):
            x = values(rng, batch * n_in, xkind, -32768, 32767)
            w = values(rng, n_out * n_in, wkind, -128, 127)
            if bias == "none":
                b = None
            elif bias == "small":
                b = [rng.randint(-1 << 20, 1 << 20) for _ in range(n_out)]
            elif bias == "large":
                b = [rng.randint(-(1 << 40), 1 << 40) for _ in range(n_out)]
            elif bias == "edge":        # sums with the bias at the ends of TFLite's domain
                b = [rng.choice((-(1 << 47) + (1 << 30), (1 << 47) - 1 - (1 << 30))) for _ in range(n_out)]
            else:
                raise ValueError(bias)
            if mult_shift is not None:
                mult, shift = mult_shift
            else:
                r = real if real is not None else 2.0 ** rng.uniform(-24, -8)
                mult, shift = quantize_multiplier(r)
            yt = tflite_fc16(x, w, b, batch, n_in, n_out, mult, shift, act[0], act[1])
            yc = cmsis_fc16(x, w, b, batch, n_in, n_out, mult, shift, act[0], act[1])
            if yt is None or yc is None:
                continue
            assert yt == yc, name
            cases.append((name, batch, n_in, n_out, mult, shift, act, x, w, b, yt))
            return
        raise SystemExit(f"{name}: no case inside TFLite's domain in {tries} tries")

    # shapes: the tails of 16-wide vectors and of 4-row groups, 256-column runs
    for n_in in (1, 2, 15, 16, 17, 31, 33, 255, 256, 257, 300, 513):
        for n_out in (1, 3, 4, 5, 9):
            batch = rng.choice((1, 2, 3, 5))
            bias = rng.choice(("none", "small", "large"))
            xk = rng.choice(("uniform", "normal", "extreme"))
            add(f"shape_b{batch}_i{n_in}_o{n_out}", batch, n_in, n_out, xk, "uniform", bias)
    add("long_i4096", 1, 4096, 2, "normal", "uniform", "small")
    add("long_i1024_b4", 4, 1024, 6, "uniform", "uniform", "large")
    # the largest products: -32768 * -128 = 2^22 everywhere, sums past int32
    add("max_products_i600", 2, 600, 5, "min", "min", "none", real=2.0 ** -20)
    add("max_products_i2048", 1, 2048, 3, "min", "min", "small", real=2.0 ** -22)
    add("extremes_i77", 3, 77, 7, "extreme", "extreme", "small", real=2.0 ** -14)
    # multipliers and shifts at their ends
    for name, ms in (("mult_0", (0, 0)), ("mult_2p30", (1 << 30, -10)),
                     ("mult_below_7fff0000", (0x7FFF0000 - 1, -12)), ("mult_7fff0000", (0x7FFF0000, -12)),
                     ("mult_max", (0x7FFFFFFF, -12)), ("mult_rounds_half", ((1 << 30) + (1 << 15), -9)),
                     ("mult_rounds_below_half", ((1 << 30) + (1 << 15) - 1, -9)),
                     ("shift_min", (0x7FFFFFFF, -31)), ("shift_max", (1 << 30, 7)), ("shift_0", (1 << 30, 0))):
        k = "small" if ms[1] > 0 else "uniform"
        bias = "none" if ms[1] > 0 else "large" if ms[1] <= -20 else "small"
        add(name, 2, 19, 5, k, k, bias, mult_shift=ms)
    for real in (1.0, 0.5, 0.75, 2.0 ** -31 * 1.5, 2.0 ** -30, 3.0, 100.0, 127.9):
        small = real >= 1.0
        add(f"real_{real!r}", 2, 23, 4, "small" if small else "uniform", "small" if small else "uniform",
            "none" if small else "small", real=real)
    # ties: sums that land exactly on half a step, positive and negative
    add("ties", 4, 8, 4, "small", "small", "small", mult_shift=(1 << 30, -3))
    # clamps: ReLU (0 up) and a narrow range; the bias at the domain's ends
    add("relu", 3, 40, 6, "uniform", "uniform", "small", act=(0, 32767))
    add("narrow_clamp", 3, 40, 6, "uniform", "uniform", "small", act=(-100, 100))
    add("one_value_clamp", 1, 40, 3, "uniform", "uniform", "small", act=(7, 7))
    add("bias_domain_edges", 2, 8, 4, "small", "small", "edge", mult_shift=(1 << 30, -31), tries=1)
    add("bias_dominates", 2, 16, 4, "uniform", "uniform", "large", real=2.0 ** -26)

    lines = [
        "LININT16 1",
        "# int16x8 fully connected layer: reference vectors for lin_linear_s16, derived by",
        "# tests/gen_s16_fixtures.py from TFLite's and CMSIS-NN's published arithmetic (both agree on",
        "# every case; the same bits in their single- and double-rounding builds; max_products_* sum",
        "# 512 products of 2^22, past the int32 CMSIS-NN's DSP and Helium kernels first add them in,",
        "# so only its portable C gives their y). One block per case:",
        "#   case ID NAME",
        "#   dims BATCH IN OUT",
        "#   q MULTIPLIER SHIFT ACT_MIN ACT_MAX     (offsets 0: symmetric)",
        "#   x ...                BATCH*IN int16, row-major",
        "#   w ...                OUT*IN int8, row-major (out, in)",
        "#   b ... | b none       OUT int64, or no bias",
        "#   y ...                BATCH*OUT expected int16",
        "#   end",
        "# Long value lists continue on the following lines.",
        f"ncases {len(cases)}",
    ]

    def put(key, vals):
        chunk = [str(v) for v in vals]
        first = True
        while chunk or first:
            part, chunk = chunk[:20], chunk[20:]
            lines.append((key + " " if first else "") + " ".join(part))
            first = False

    for cid, (name, batch, n_in, n_out, mult, shift, act, x, w, b, y) in enumerate(cases):
        lines.append(f"case {cid} {name}")
        lines.append(f"dims {batch} {n_in} {n_out}")
        lines.append(f"q {mult} {shift} {act[0]} {act[1]}")
        put("x", x)
        put("w", w)
        if b is None:
            lines.append("b none")
        else:
            put("b", b)
        put("y", y)
        lines.append("end")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
