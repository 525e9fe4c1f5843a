#!/usr/bin/python3
"""Writes tests/fixtures/export/fwd_*: nn.Sequential models through
tools/export_torch.py's generated forward, for tests/test_export_forward.c.

  fwd_a_{f32,f16,bf16,q8w,q4w}.h  model A, every supported module at least
                once (nested Sequentials, Flatten, Identity, Dropout, ReLU,
                ReLU6, LeakyReLU(0.2), Tanh, Sigmoid, GELU 'none' and 'tanh',
                SiLU, Softmax at the end), in float and each compressed form
  fwd_b.h       model B: Tanh before the first Linear, LeakyReLU(0.01),
                LogSoftmax(dim=1) at the end
  fwd_s8.h      int8: Flatten, Linear, ReLU, Dropout, Linear, ReLU6, Identity,
                Linear, Softmax
  fwd_s8b.h     int8: Tanh (in float, before quantizing), Linear, Linear (no
                activation between), LogSoftmax
  fwd_*.safetensors  the same tensors, for <prefix>_load
  fwd_expected.h     inputs, references, error bounds, PyTorch's outputs

The references are computed in float64 from the weights as the headers hold
them (parsed back and decoded here), with a bound per output element:

  float and compressed forms: a Linear's float32 sum of K products and a bias
    is within (K + 2) * 2^-24 * (sum_k |x_k w_k| + |b|) of the exact sum
    (the standard bound for any order of summation, one more rounding for
    the bias and one for a compressed form's scale); the error e of its
    input adds |W| . e. An activation adds its Lipschitz constant times the
    incoming error (ReLU, ReLU6, Tanh 1, LeakyReLU max(1, |slope|), Sigmoid
    1/4, SiLU 1.1, GELU 1.13; Softmax y * expm1(2 max e), LogSoftmax 2 max e)
    and its own float rounding, a few units of 2^-24 of |y| (and of |x| for
    GELU, whose 1 + erf cancels).
  int8: the reference runs the same integers' real values (input quantized
    as the C code does, weights wq * w_scale, biases bq * in_scale *
    w_scale) in float64 with each layer's clamp, without rounding between
    layers. The C result of a layer is its exact integer sum requantized:
    within one output step of the clamped real sum of its own input (0.5
    for the rounding, the rest for TFLite's double rounding), so with e the
    input's error, e_out = |W| . e + out_scale: one step per layer, carried
    through the following layers' |W|. The input gets one step too (a tie
    may round either way after the float steps before it). Float steps
    after the dequantization add their bounds as above.

The compressed forms' and int8's distances to PyTorch's float model are
printed here and by the C test; they are the quantization's, not the code's.
The script also runs the tool on models it must refuse and fails unless
each exits non-zero naming the module.

Run with Debian's python3-torch: /usr/bin/python3 tests/gen_export_forward.py
"""
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "export")
TOOL = os.path.join(HERE, "..", "tools", "export_torch.py")
ROWS = 7
U = 2.0 ** -24
nn = torch.nn


def model_a():
    torch.manual_seed(21)
    return nn.Sequential(
        nn.Flatten(),
        nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Dropout(0.25)),
        nn.Linear(32, 32), nn.Tanh(), nn.Identity(),
        nn.Sequential(nn.GELU(), nn.Sequential(nn.Linear(32, 32), nn.GELU(approximate="tanh"))),
        nn.SiLU(),
        nn.Linear(32, 32), nn.LeakyReLU(0.2), nn.ReLU6(), nn.Sigmoid(),
        nn.Linear(32, 10), nn.Softmax(dim=-1))


def model_b():
    torch.manual_seed(22)
    return nn.Sequential(nn.Tanh(), nn.Linear(12, 16), nn.LeakyReLU(), nn.Linear(16, 5), nn.LogSoftmax(dim=1))


def model_s8():
    torch.manual_seed(23)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Dropout(), nn.Linear(32, 24),
                         nn.ReLU6(), nn.Identity(), nn.Linear(24, 10), nn.Softmax(dim=-1))


def model_s8b():
    torch.manual_seed(24)
    return nn.Sequential(nn.Tanh(), nn.Linear(12, 20), nn.Linear(20, 6), nn.LogSoftmax(dim=-1))


def run_tool(args, ok=True):
    r = subprocess.run([sys.executable, TOOL] + args, capture_output=True, text=True)
    if ok and r.returncode != 0:
        sys.exit(f"export_torch.py {' '.join(args)} failed:\n{r.stderr}")
    return r


def parse_header(path):
    """The arrays and #defines of a generated header, as numbers"""
    text = open(path).read()
    arrays = {}
    for ctype, name, body in re.findall(r"static const (float|u?int(?:8|16|32)_t) (\w+)\[\d+\] = \{(.*?)\};", text, re.S):
        vals = [v.strip() for v in body.replace("\n", " ").split(",") if v.strip() and "/*" not in v]
        if ctype == "float":
            arrays[name] = np.array([float(v.rstrip("f")) for v in vals], dtype=np.float32)
        else:
            arrays[name] = np.array([int(v, 0) for v in vals], dtype=np.int64)
    defines = dict(re.findall(r"#define (\w+) ([^\n]+)\n", text))
    return arrays, defines


def decode(form, arr, cid, out_f, in_f):
    """The float32 weight (out, in) a compressed form's arrays hold"""
    w = arr[cid + "_weight"]
    if form == "f32":
        return w.reshape(out_f, in_f).astype(np.float64)
    if form == "f16":
        return w.astype(np.uint16).view(np.float16).astype(np.float64).reshape(out_f, in_f)
    if form == "bf16":
        return (w.astype(np.uint32) << 16).view(np.float32).astype(np.float64).reshape(out_f, in_f)
    sc = arr[cid + "_scale"].astype(np.float64)
    if form == "q8w":
        return w.reshape(out_f, in_f) * sc[:, None]
    nib = np.stack([w & 15, w >> 4], axis=1).reshape(-1) - 8          # q4w: low nibble first
    return (nib.reshape(-1, 32) * sc[:, None]).reshape(out_f, in_f)


LIPSCHITZ = {"relu": 1.0, "relu6": 1.0, "tanh": 1.0, "sigmoid": 0.25, "silu": 1.1, "gelu": 1.13}


def act_ref(m, v, e):
    """A float activation on the reference v (float64, (rows, n)) with incoming
    error bound e: (output, bound)"""
    t = torch.from_numpy(v)
    y = m(t).numpy() if not isinstance(m, (nn.Softmax, nn.LogSoftmax)) else None
    n = v.shape[1]
    if isinstance(m, nn.ReLU):
        return y, e
    if isinstance(m, nn.ReLU6):
        return y, e
    if isinstance(m, nn.LeakyReLU):
        return y, max(1.0, abs(m.negative_slope)) * e + U * np.abs(y)
    if isinstance(m, nn.Tanh):
        return y, e + 4 * U * np.abs(y)
    if isinstance(m, nn.Sigmoid):
        return y, 0.25 * e + 6 * U * np.abs(y)
    if isinstance(m, nn.SiLU):
        return y, 1.1 * e + 8 * U * np.abs(y)
    if isinstance(m, nn.GELU):
        return y, 1.13 * e + 8 * U * (np.abs(y) + np.abs(v))
    E = e.max(axis=1, keepdims=True)
    if isinstance(m, nn.Softmax):
        y = torch.softmax(t, dim=-1).numpy()
        return y, y * np.expm1(2 * E) + (n + 6) * U * y
    y = torch.log_softmax(t, dim=-1).numpy()
    lse = np.abs(v - y)
    return y, 2 * E + 4 * U * (np.abs(y) + lse) + (n + 4) * U


def leaves(seq):
    for m in seq.children():
        if type(m) is nn.Sequential:
            yield from leaves(m)
        else:
            yield m


def float_reference(model, form, hdr, prefix, x):
    """PyTorch's forward in float64 on the header's (decoded) weights, and the bound"""
    arr, _ = parse_header(hdr)
    v = x.reshape(x.shape[0], -1).astype(np.float64)
    e = np.zeros_like(v)
    names = dict((m, n) for n, m in model.named_modules())
    for m in leaves(model):
        if isinstance(m, nn.Linear):
            out_f, in_f = m.weight.shape
            cid = re.sub(r"[^0-9A-Za-z_]", "_", f"{prefix}_{names[m]}")
            W = decode(form, arr, cid, out_f, in_f)
            b = arr[cid + "_bias"].astype(np.float64)
            mag = (np.abs(v) + e) @ np.abs(W).T + np.abs(b)
            e = e @ np.abs(W).T + (in_f + 2) * U * mag
            v = v @ W.T + b
        elif isinstance(m, (nn.Flatten, nn.Identity, nn.Dropout)):
            pass
        else:
            v, e = act_ref(m, v, e)
    return v, e


def round_away(a):
    return np.sign(a) * np.floor(np.abs(a) + 0.5)


def int8_reference(model, hdr, prefix, x):
    """The int8 forward's reference and bound (see the top comment)"""
    arr, d = parse_header(hdr)
    P = prefix.upper()
    names = dict((m, n) for n, m in model.named_modules())
    mods = list(leaves(model))
    lin = [i for i, m in enumerate(mods) if isinstance(m, nn.Linear)]
    v = x.reshape(x.shape[0], -1).astype(np.float64)
    for m in mods[:lin[0]]:                      # float steps before the first Linear
        if not isinstance(m, (nn.Flatten, nn.Identity, nn.Dropout)):
            v = m(torch.from_numpy(v)).numpy()
    first = re.sub(r"[^0-9A-Za-z_]", "_", f"{prefix}_{names[mods[lin[0]]]}").upper()
    s_in, z_in = np.float32(float(d[first + "_INPUT_SCALE"].rstrip("f"))), int(d[first + "_INPUT_ZERO_POINT"])
    q = np.clip(round_away((v.astype(np.float32) / s_in).astype(np.float64)) + z_in, -128, 127)
    v = float(s_in) * (q - z_in)
    e = np.full_like(v, float(s_in))
    steps = []
    for i in lin:
        m = mods[i]
        cid = re.sub(r"[^0-9A-Za-z_]", "_", f"{prefix}_{names[m]}")
        up = cid.upper()
        out_f, in_f = m.weight.shape
        s_i, s_o = float(d[up + "_INPUT_SCALE"].rstrip("f")), float(d[up + "_OUTPUT_SCALE"].rstrip("f"))
        z_o = int(d[up + "_OUTPUT_ZERO_POINT"])
        quant = [int(t) for t in re.findall(r"-?\d+", d[up + "_QUANT"] if up + "_QUANT" in d else "")]
        ws = arr[cid + "_weight_scale"].astype(np.float64)
        W = arr[cid + "_weight"].reshape(out_f, in_f) * ws[:, None]
        b = arr[cid + "_bias"] * s_i * ws
        lo, hi = s_o * (quant[5] - z_o), s_o * (quant[6] - z_o)
        v = np.clip(v @ W.T + b, lo, hi)
        e = e @ np.abs(W).T + s_o
        steps.append(s_o)
    for m in mods[lin[-1] + 1:]:
        if isinstance(m, (nn.Flatten, nn.Identity, nn.Dropout, nn.ReLU, nn.ReLU6)):
            continue                             # a ReLU / ReLU6 here is fused (the clamp above)
        v, e = act_ref(m, v, e)
    return v, e, steps[-1]


def c_floats(name, a):
    vals = ", ".join(format(float(v), ".9g") + ("" if "." in format(float(v), ".9g") or "e" in format(float(v), ".9g") else ".0") + "f"
                     for v in np.asarray(a, dtype=np.float32).reshape(-1))
    return f"static const float {name}[{a.size}] = {{{vals}}};\n"


def c_doubles(name, a):
    return f"static const double {name}[{a.size}] = {{{', '.join(format(float(v), '.17g') for v in a.reshape(-1))}}};\n"


def refusals(tmp):
    """Models the tool must refuse, each by the name of the offending module"""
    calib = os.path.join(tmp, "calib16.pt")
    torch.save(torch.randn(32, 16), calib)
    cases = [
        (nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Sequential(nn.Linear(16, 8), nn.BatchNorm1d(8))), [],
         "2.1: nn.BatchNorm1d(8"),
        (nn.Sequential(nn.Conv1d(1, 2, 3), nn.Flatten(), nn.Linear(28, 4)), [], "0: nn.Conv1d(1, 2"),
        (nn.Sequential(nn.Linear(16, 8), nn.Hardtanh(), nn.Linear(8, 4)), [], "1: nn.Hardtanh("),
        (nn.Sequential(nn.Linear(16, 8), nn.Softmax(dim=0)), [], "1: nn.Softmax(dim=0)"),
        (nn.Sequential(nn.Linear(16, 8), nn.Flatten(0)), [], "1: nn.Flatten(start_dim=0"),
        (nn.Sequential(nn.Linear(16, 8), nn.Linear(9, 4)), [], "1: nn.Linear(in_features=9"),
        (nn.Sequential(nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 4)), ["--int8", calib],
         "1: nn.Tanh() between the int8 layers 0 and 2 cannot be carried exactly by the int8 path"),
        (nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.GELU(), nn.Linear(8, 4)), ["--int8", calib],
         "2: nn.GELU(approximate='none') between the int8 layers 0 and 3 cannot be carried exactly"),
        (nn.Sequential(nn.Linear(16, 8), nn.Sigmoid()), ["--weights", "q4w"], "0: --weights q4w needs"),
    ]
    for k, (m, extra, want) in enumerate(cases):
        pt = os.path.join(tmp, f"bad{k}.pt")
        torch.save(m, pt)
        r = run_tool([pt, "-o", os.path.join(tmp, f"bad{k}.h")] + extra, ok=False)
        if r.returncode == 0 or want not in r.stderr:
            sys.exit(f"refusal {k} ({want!r}): exit {r.returncode}, stderr {r.stderr!r}")
        print(f"refused as it must be: {r.stderr.strip()}", file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(31)
    exp = ["/* fwd_expected.h - inputs, float64 references, error bounds and PyTorch's float\n"
           "   outputs for tests/test_export_forward.c; by tests/gen_export_forward.py. */\n"]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        a = model_a().eval()
        pa = os.path.join(tmp, "a.pt")
        torch.save(a, pa)
        xa = (torch.randn(ROWS, 32, generator=g) * 1.5)
        for form in ("f32", "f16", "bf16", "q8w", "q4w"):
            jobs.append((a, pa, xa, f"fwd_a_{form}", form,
                         ["--weights", "float" if form == "f32" else form]))
        b = model_b().eval()
        pb = os.path.join(tmp, "b.pt")
        torch.save(b, pb)
        jobs.append((b, pb, torch.randn(ROWS, 12, generator=g) * 2.0, "fwd_b", "f32", []))
        for name, mk, fin in (("fwd_s8", model_s8, 16), ("fwd_s8b", model_s8b, 12)):
            m = mk().eval()
            pt, cpt = os.path.join(tmp, name + ".pt"), os.path.join(tmp, name + "_calib.pt")
            torch.save(m, pt)
            torch.save(torch.randn(256, fin, generator=g), cpt)
            jobs.append((m, pt, torch.randn(ROWS, fin, generator=g), name, "s8", ["--int8", cpt]))
        for m, pt, x, prefix, form, extra in jobs:
            hdr = os.path.join(OUT, prefix + ".h")
            run_tool([pt, "-o", hdr, "--prefix", prefix, "--safetensors", os.path.join(OUT, prefix + ".safetensors")]
                     + extra)
            xf = x.float().numpy()
            with torch.no_grad():
                torch_y = m(x.float()).double().numpy()
            if form == "s8":
                ref, bound, step = int8_reference(m, hdr, prefix, xf)
                note = f"int8, output step {step:.3g}"
            else:
                ref, bound = float_reference(m, form, hdr, prefix, xf)
                note = form
            print(f"{prefix} ({note}): bound up to {bound.max():.3g}; PyTorch's float model "
                  f"{np.abs(ref - torch_y).max():.3g} from the reference", file=sys.stderr)
            exp += [c_floats(f"{prefix}_x", xf), c_doubles(f"{prefix}_ref", ref), c_doubles(f"{prefix}_bound", bound),
                    c_doubles(f"{prefix}_torch", torch_y)]
        refusals(tmp)
    with open(os.path.join(OUT, "fwd_expected.h"), "w") as f:
        f.write("".join(exp))
    subprocess.run(["python3", os.path.join(HERE, "safetensors_check.py")] +
                   [os.path.join(OUT, p) for p in sorted(os.listdir(OUT)) if p.startswith("fwd_") and
                    p.endswith(".safetensors")], check=True)
    print(f"wrote {OUT}/fwd_*", file=sys.stderr)


if __name__ == "__main__":
    main()
