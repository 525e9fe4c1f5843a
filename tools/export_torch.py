#!/usr/bin/python3
"""export_torch.py - PyTorch weights to a C header for linear.h, and back.

  export_torch.py MODEL.pt -o weights.h [--prefix model] [--lora-alpha A] [--mutable]
      MODEL.pt holds a state_dict (torch.save(model.state_dict(), ...)) or a
      whole module (torch.save(model, ...)). Every nn.Linear (a "<name>.weight"
      of two dims, with "<name>.bias" if it has one) becomes float arrays and
      a ready lin_layer initialiser; loralib's "<name>.lora_A" / ".lora_B"
      become the adapter's arrays, with its rank and scaling (alpha/rank;
      loralib does not save alpha: give it with --lora-alpha, default rank).
      Shapes are checked; a mismatch is an error, not a guess. Arrays are
      `static const` (flash on a microcontroller) unless --mutable is given,
      for training on the device.

  export_torch.py MODEL.pt -o weights.h --weights f16|bf16|q8w|q4w [--prefix model]
      The same export with each nn.Linear's weight in a compressed form
      (the bias stays float), for linear.h's compressed-weight layers
      (linear.h built without LIN_NO_WFORMATS). The bytes and scales are
      those of linear.h's own converters, bit for bit:
        f16   uint16_t <p>_weight[out*in]: IEEE binary16 bits, as
              lin_f32_to_f16 (round to nearest even); run by lin_linear_f16w
        bf16  uint16_t <p>_weight[out*in]: bfloat16 bits, as
              lin_f32_to_bf16 (round to nearest even); lin_linear_bf16w
        q8w   int8_t <p>_weight[out*in] and float <p>_scale[out], as
              lin_quantize_q8w (per row scale = max|w| / 127, ties to
              even); lin_linear_q8w
        q4w   uint8_t <p>_weight[out*in/2] (blocks of 32 weights in 16
              bytes, element 2j in the low nibble of byte j, value
              nibble - 8) and float <p>_scale[out*in/32], as
              lin_quantize_q4w; lin_linear_q4w. A layer whose in_features
              is not a multiple of 32 is an error naming it.
      Each layer gets <P>_IN, <P>_OUT and <P>_FORWARD(x, y, batch), the
      call of its lin_linear_*w function on the header's arrays (a
      lin_status), in place of the float export's <P>_LAYER. A LoRA
      adapter is an error with a compressed form (linear.h's adapters run
      on a float layer): merge it into the weight first (W += alpha/rank *
      B @ A, e.g. loralib's merge on model.eval()) or export float.
      --mutable is refused: only float weights train on the device.

  export_torch.py MODEL.pt --int8 CALIB.pt -o weights_s8.h [--prefix model]
      Post-training quantization as TFLite does it: MODEL.pt is a whole
      module (torch.save(model)) whose nn.Linear layers run in order,
      CALIB.pt a calibration batch (a tensor of inputs). Activations get
      asymmetric int8 (scale and zero point from the calibration range,
      0 included), weights symmetric per-channel int8, biases int32 at
      input_scale*weight_scale; an nn.ReLU right after a Linear is fused
      into its clamp. The header holds the int8 weights, int32 biases, the
      per-channel multipliers and shifts (TFLite's QuantizeMultiplier), a
      lin_quant per layer, and each layer's input and output scale and zero
      point for lin_quantize_s8 / lin_dequantize_s8.

  export_torch.py --import MODEL.pt NAME=FILE.npy ... -o UPDATED.pt
      The way back: tensors the C program wrote with lin_npy_encode replace
      NAME in the state_dict (same shape), saved as a new state_dict.

Needs Debian's python3-torch (and python3-numpy, which it brings, for
--import and --weights); --help does not. `make install` installs this
tool as $PREFIX/bin/linear-export.
"""
import argparse
import math
import os
import re
import sys

torch = None  # imported in main(), after the arguments: --help works without PyTorch


def load_state(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        sys.exit(f"{path}: neither a state_dict nor a module")
    return obj


def c_float(v):
    """v as a C float literal that reads back exactly: 9 digits, always a point or exponent"""
    s = format(v, ".9g")
    return (s if any(c in s for c in ".en") else s + ".0") + "f"


def c_name(s):
    return re.sub(r"[^0-9A-Za-z_]", "_", s)


def floats(t):
    vals = t.detach().to(torch.float32).reshape(-1).tolist()
    for v in vals:
        if not math.isfinite(v):
            sys.exit("a weight is not finite: not exported")
    out, line = [], []
    for v in vals:
        line.append(c_float(v))
        if len(line) == 6:
            out.append("    " + ", ".join(line) + ",")
            line = []
    if line:
        out.append("    " + ", ".join(line) + ",")
    return "\n".join(out) if out else "    0.0f /* empty */"


def linears(state):
    """(name, weight, bias or None, lora_A or None, lora_B or None) per nn.Linear"""
    found = []
    for key, w in state.items():
        if not key.endswith(".weight") and key != "weight":
            continue
        name = key[: -len(".weight")] if key != "weight" else ""
        if w.dim() != 2:
            continue                    # not a Linear (a norm's or an embedding's is 1-D or other)
        pre = name + "." if name else ""
        b = state.get(pre + "bias")
        A, B = state.get(pre + "lora_A"), state.get(pre + "lora_B")
        out_f, in_f = w.shape
        if b is not None and tuple(b.shape) != (out_f,):
            sys.exit(f"{pre}bias has shape {tuple(b.shape)}, expected ({out_f},)")
        if (A is None) != (B is None):
            sys.exit(f"{name}: lora_A and lora_B come together")
        if A is not None:
            r = A.shape[0]
            if tuple(A.shape) != (r, in_f) or tuple(B.shape) != (out_f, r):
                sys.exit(f"{name}: lora_A {tuple(A.shape)} and lora_B {tuple(B.shape)} do not fit "
                         f"weight {tuple(w.shape)}: expected ({r}, {in_f}) and ({out_f}, {r})")
        found.append((name, w, b, A, B))
    return found


# --weights FORM: the C type of the weight, the layer function, a description
WFORMS = {
    "f16": ("uint16_t", "lin_linear_f16w", "IEEE binary16 bits, as lin_f32_to_f16 (round to nearest even)"),
    "bf16": ("uint16_t", "lin_linear_bf16w", "bfloat16 bits, as lin_f32_to_bf16 (round to nearest even)"),
    "q8w": ("int8_t", "lin_linear_q8w", "int8 with one float scale per output row, as lin_quantize_q8w"),
    "q4w": ("uint8_t", "lin_linear_q4w",
            "int4 in blocks of 32 along in_features (16 bytes, element 2j in the low nibble of byte j, "
            "value nibble - 8) with one float scale per block, as lin_quantize_q4w"),
}


def levels(np, w, sc, lo, hi):
    """linear.h's lin__wf_level: w / sc in float32, rounded to nearest, ties
    to even, clamped to [lo, hi]; 0 where sc is 0. sc broadcasts over w."""
    safe = np.where(sc != 0, sc, np.float32(1))
    v = np.where(sc != 0, w / safe, np.float32(0)).astype(np.float32)
    return np.clip(np.rint(v), lo, hi).astype(np.int64)


def compress(form, w):
    """The weight (out, in) as linear.h's converters give it: (values, scales
    or None), values as integers (bits, levels or bytes), scales float32 as
    Python floats. Every step in float32 (no float64 intermediate), so the
    bytes and scales are lin_f32_to_f16 / lin_f32_to_bf16 / lin_quantize_q8w /
    lin_quantize_q4w's, bit for bit."""
    import numpy as np
    a = np.ascontiguousarray(w.detach().to(torch.float32).cpu().numpy(), dtype=np.float32)
    out_f, in_f = a.shape
    if form == "f16":                   # numpy's float16 cast: round to nearest even, overflow to inf
        with np.errstate(over="ignore"):
            return a.astype(np.float16).view(np.uint16).reshape(-1).tolist(), None
    if form == "bf16":                  # lin_f32_to_bf16's integer rounding, as it is written
        u = a.view(np.uint32).astype(np.uint64).reshape(-1)
        return (((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF).tolist(), None
    if form == "q8w":
        sc = (np.abs(a).max(axis=1) if in_f else np.zeros(out_f, np.float32)) / np.float32(127)
        sc = sc.astype(np.float32)
        q = levels(np, a, sc[:, None], -127, 127)
        return q.reshape(-1).tolist(), [float(v) for v in sc]
    blocks = a.reshape(-1, 32)          # q4w: in_f % 32 == 0, checked before
    first = np.abs(blocks).argmax(axis=1)                # the first of equal magnitudes
    m = blocks[np.arange(blocks.shape[0]), first]
    sc = (m / np.float32(-8)).astype(np.float32)
    sc = np.where(sc == 0, np.float32(0), sc).astype(np.float32)   # zeros (or an underflow): +0
    nib = levels(np, blocks, sc[:, None], -8, 7) + 8
    return (nib[:, 0::2] | (nib[:, 1::2] << 4)).reshape(-1).tolist(), [float(v) for v in sc]


def ints(vals, fmt):
    out = []
    for i in range(0, len(vals), 16):
        out.append("    " + ", ".join(fmt(v) for v in vals[i:i + 16]) + ",")
    return "\n".join(out) if out else "    0 /* empty */"


def floats_list(vals):
    return floats(torch.tensor(vals, dtype=torch.float32))


def export(args):
    state = load_state(args.model)
    layers = linears(state)
    if not layers:
        sys.exit(f"{args.model}: no nn.Linear weights found")
    if args.weights != "float":
        return export_compressed(args, layers)
    base = os.path.basename(args.output)
    guard = c_name(base).upper().lstrip("_") or "WEIGHTS_H"
    qual = "" if args.mutable else "const "
    lines = [f"/* {base} - exported by tools/export_torch.py from {os.path.basename(args.model)}; do not edit.",
             f"   {len(layers)} linear layer(s); weights (out_features, in_features), row-major. */",
             f"#ifndef {guard}", f"#define {guard}", "", '#include "linear.h"', ""]
    for name, w, b, A, B in layers:
        cid = c_name(f"{args.prefix}_{name}" if name else args.prefix)
        up = cid.upper()
        out_f, in_f = w.shape
        lines += [f"/* {name or '(root)'}: nn.Linear({in_f}, {out_f}{', bias=False' if b is None else ''}) */",
                  f"#define {up}_IN {in_f}", f"#define {up}_OUT {out_f}",
                  f"static {qual}float {cid}_weight[{max(out_f * in_f, 1)}] = {{", floats(w), "};"]
        if b is not None:
            lines += [f"static {qual}float {cid}_bias[{max(out_f, 1)}] = {{", floats(b), "};"]
        cast = "(float *)" if not args.mutable else ""
        bias = f"{cast}{cid}_bias" if b is not None else "NULL"
        lines += [f"/* lin_layer {cid} = {up}_LAYER;{' (the forward never writes the weights)' if not args.mutable else ''} */",
                  f"#define {up}_LAYER {{ {in_f}, {out_f}, {cast}{cid}_weight, {bias} }}"]
        if A is not None:
            r = A.shape[0]
            alpha = args.lora_alpha if args.lora_alpha is not None else float(r)
            lines += [f"#define {up}_LORA_RANK {r}", f"#define {up}_LORA_ALPHA {c_float(alpha)}",
                      f"static {qual}float {cid}_lora_A[{r * in_f}] = {{", floats(A), "};",
                      f"static {qual}float {cid}_lora_B[{out_f * r}] = {{", floats(B), "};"]
        lines.append("")
    lines += [f"#endif /* {guard} */", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print(f"{args.output}: {len(layers)} layer(s): " +
          ", ".join(f"{n or '(root)'} {tuple(w.shape)}" + (" +LoRA" if A is not None else "")
                    for n, w, b, A, B in layers), file=sys.stderr)


def export_compressed(args, layers):
    """--weights f16|bf16|q8w|q4w: each Linear's weight in that form, the bias float"""
    form = args.weights
    ctype, fn, what = WFORMS[form]
    for name, w, b, A, B in layers:
        out_f, in_f = w.shape
        if A is not None:
            sys.exit(f"{name or '(root)'}: a LoRA adapter with --weights {form}: linear.h runs adapters on a float "
                     f"layer; merge it into the weight first (W += alpha/rank * B @ A) or export float")
        if form == "q4w" and in_f % 32:
            sys.exit(f"{name or '(root)'}: --weights q4w needs in_features a multiple of 32 "
                     f"(blocks of 32 weights); nn.Linear({in_f}, {out_f}) has {in_f}")
        if not torch.isfinite(w).all():
            sys.exit(f"{name or '(root)'}: a weight is not finite: not exported")
    base = os.path.basename(args.output)
    guard = c_name(base).upper().lstrip("_") or "WEIGHTS_H"
    lines = [f"/* {base} - exported by tools/export_torch.py --weights {form} from {os.path.basename(args.model)};",
             "   do not edit.",
             f"   {len(layers)} linear layer(s), weights (out_features, in_features) row-major as {what};",
             f"   biases float. Each layer runs as <P>_FORWARD(x, y, batch), a call of {fn}. */",
             f"#ifndef {guard}", f"#define {guard}", "", '#include "linear.h"', "",
             "#ifdef LIN_NO_WFORMATS",
             f'#error "{base}: compressed weights need linear.h without LIN_NO_WFORMATS"',
             "#endif", ""]
    for name, w, b, A, B in layers:
        cid = c_name(f"{args.prefix}_{name}" if name else args.prefix)
        up = cid.upper()
        out_f, in_f = w.shape
        vals, scales = compress(form, w)
        fmt = {"f16": lambda v: "0x%04x" % v, "bf16": lambda v: "0x%04x" % v,
               "q8w": str, "q4w": lambda v: "0x%02x" % v}[form]
        lines += [f"/* {name or '(root)'}: nn.Linear({in_f}, {out_f}{', bias=False' if b is None else ''}), "
                  f"weight {form} */",
                  f"#define {up}_IN {in_f}", f"#define {up}_OUT {out_f}",
                  f"static const {ctype} {cid}_weight[{max(len(vals), 1)}] = {{", ints(vals, fmt), "};"]
        if scales is not None:
            lines += [f"static const float {cid}_scale[{max(len(scales), 1)}] = {{", floats_list(scales), "};"]
        if b is not None:
            lines += [f"static const float {cid}_bias[{max(out_f, 1)}] = {{", floats(b), "};"]
        bias = f"{cid}_bias" if b is not None else "NULL"
        scale = f"{cid}_scale, " if scales is not None else ""
        lines += [f"/* lin_status s = {up}_FORWARD(x, y, batch);  x (batch, {in_f}) -> y (batch, {out_f}) */",
                  f"#define {up}_FORWARD(x, y, batch) \\",
                  f"    {fn}((x), {cid}_weight, {scale}{bias}, (y), (batch), {in_f}, {out_f})", ""]
    lines += [f"#endif /* {guard} */", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print(f"{args.output}: {len(layers)} layer(s), weights {form}: " +
          ", ".join(f"{n or '(root)'} {tuple(w.shape)}" for n, w, b, A, B in layers), file=sys.stderr)


def quantize_multiplier(real):
    """TFLite's QuantizeMultiplier: real = m * 2^(shift - 31), m in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(math.floor(q * (1 << 31) + 0.5))      # round, ties away (q > 0)
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        sys.exit(f"a requantization multiplier of {real} is out of range")
    return q_fixed, shift


def asymmetric(lo, hi):
    """int8 scale and zero point covering [lo, hi] and 0, as TFLite's calibration does."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zp = int(max(-128, min(127, round(-128 - lo / scale))))
    return scale, zp


def f32(v):
    """v rounded to float32: the scales are stored as floats, as in a TFLite model,
    and the multipliers and biases computed from those floats"""
    return float(torch.tensor(v, dtype=torch.float32))


def round_away(x):
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def export_int8(args):
    model = torch.load(args.model, map_location="cpu")
    if not isinstance(model, torch.nn.Module):
        sys.exit("--int8 needs a whole module (torch.save(model)), to run it on the calibration batch")
    calib = torch.load(args.int8, map_location="cpu").float()
    model.eval()
    mods = list(model.named_modules())
    linears = [(n, m) for n, m in mods if isinstance(m, torch.nn.Linear)]
    if not linears:
        sys.exit("no nn.Linear in the model")
    ranges = {}

    def hook(name):
        def f(mod, inp, out):
            ranges[name] = (inp[0].detach(), out.detach())
        return f
    handles = [m.register_forward_hook(hook(n)) for n, m in linears]
    with torch.no_grad():
        model(calib)
    for h in handles:
        h.remove()
    followed_by_relu = set()
    for i, (n, m) in enumerate(mods):
        if isinstance(m, torch.nn.Linear) and i + 1 < len(mods) and isinstance(mods[i + 1][1], torch.nn.ReLU):
            followed_by_relu.add(n)
    base = os.path.basename(args.output)
    guard = c_name(base).upper().lstrip("_") or "WEIGHTS_H"
    lines = [f"/* {base} - int8 weights by tools/export_torch.py --int8 from {os.path.basename(args.model)},",
             f"   calibrated on {os.path.basename(args.int8)} ({calib.shape[0]} rows); do not edit.",
             "   Weights symmetric per-channel, activations asymmetric, as TFLite quantizes. */",
             f"#ifndef {guard}", f"#define {guard}", "", '#include "linear.h"', ""]
    for name, m in linears:
        x, y = ranges[name]
        relu = name in followed_by_relu
        in_scale, in_zp = asymmetric(float(x.min()), float(x.max()))
        out = torch.relu(y) if relu else y
        out_scale, out_zp = asymmetric(float(out.min()), float(out.max()))
        in_scale, out_scale = f32(in_scale), f32(out_scale)
        W = m.weight.detach().double()
        w_scale = W.abs().amax(1) / 127.0
        w_scale = torch.where(w_scale > 0, w_scale, torch.ones_like(w_scale)).float().double()
        wq = torch.clamp(round_away(W / w_scale[:, None]), -127, 127).to(torch.int8)
        b = m.bias.detach().double() if m.bias is not None else torch.zeros(W.shape[0], dtype=torch.float64)
        bq = round_away(b / (in_scale * w_scale)).clamp(-2**31, 2**31 - 1).to(torch.int64)
        mult, shift = zip(*(quantize_multiplier(in_scale * float(ws) / out_scale) for ws in w_scale.tolist()))
        act_min = out_zp if relu else -128
        cid = c_name(f"{args.prefix}_{name}")
        up = cid.upper()
        out_f, in_f = W.shape
        lines += [f"/* {name}: nn.Linear({in_f}, {out_f}){' + ReLU' if relu else ''} */",
                  f"#define {up}_IN {in_f}", f"#define {up}_OUT {out_f}",
                  f"#define {up}_INPUT_SCALE {c_float(in_scale)}", f"#define {up}_INPUT_ZERO_POINT {in_zp}",
                  f"#define {up}_OUTPUT_SCALE {c_float(out_scale)}", f"#define {up}_OUTPUT_ZERO_POINT {out_zp}",
                  f"static const int8_t {cid}_weight[{out_f * in_f}] = {{",
                  "    " + ", ".join(str(v) for v in wq.reshape(-1).tolist()), "};",
                  f"static const int32_t {cid}_bias[{out_f}] = {{", "    " + ", ".join(str(v) for v in bq.tolist()), "};",
                  f"static const float {cid}_weight_scale[{out_f}] = {{",
                  "    " + ", ".join(c_float(float(v)) for v in w_scale.tolist()), "};",
                  f"static const int32_t {cid}_multiplier[{out_f}] = {{", "    " + ", ".join(str(v) for v in mult), "};",
                  f"static const int32_t {cid}_shift[{out_f}] = {{", "    " + ", ".join(str(v) for v in shift), "};",
                  f"/* lin_quant {cid}_q = {up}_QUANT; (multiplier and shift: the per-channel arrays) */",
                  f"#define {up}_QUANT {{ {-in_zp}, 0, {out_zp}, 0, 0, {act_min}, 127 }}", ""]
    lines += [f"#endif /* {guard} */", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print(f"{args.output}: {len(linears)} int8 layer(s)", file=sys.stderr)


def import_npy(args):
    import numpy as np
    state = load_state(args.model)
    for spec in args.tensors:
        name, _, path = spec.partition("=")
        if name not in state:
            sys.exit(f"{name}: not in {args.model}")
        arr = np.load(path)
        if tuple(arr.shape) != tuple(state[name].shape):
            sys.exit(f"{path}: shape {arr.shape}, {name} has {tuple(state[name].shape)}")
        state[name] = torch.from_numpy(arr.astype(np.float32)).to(state[name].dtype)
    torch.save(state, args.output)
    print(f"{args.output}: {len(args.tensors)} tensor(s) replaced", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("tensors", nargs="*", help="with --import: NAME=FILE.npy")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--prefix", default="model")
    ap.add_argument("--lora-alpha", type=float)
    ap.add_argument("--mutable", action="store_true")
    ap.add_argument("--import", dest="do_import", action="store_true")
    ap.add_argument("--int8", metavar="CALIB.pt")
    ap.add_argument("--weights", choices=["float", "f16", "bf16", "q8w", "q4w"], default="float",
                    help="the form of each nn.Linear's weight (default float)")
    args = ap.parse_args()
    if args.weights != "float" and (args.do_import or args.int8):
        ap.error("--weights is for the export of a state_dict, not with --import or --int8")
    if args.weights != "float" and args.mutable:
        ap.error("--mutable is for training on the device, which needs float weights: not with --weights")
    global torch
    try:
        import torch
    except ImportError:
        sys.exit(f"{ap.prog}: needs PyTorch: apt-get install python3-torch, and run it with /usr/bin/python3")
    if args.do_import:
        import_npy(args)
    elif args.int8:
        export_int8(args)
    else:
        export(args)


if __name__ == "__main__":
    main()
