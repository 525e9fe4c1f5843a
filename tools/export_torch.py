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

  export_torch.py --import MODEL.pt NAME=FILE.npy ... -o UPDATED.pt
      The way back: tensors the C program wrote with lin_npy_encode replace
      NAME in the state_dict (same shape), saved as a new state_dict.

Needs Debian's python3-torch (and python3-numpy for --import).
"""
import argparse
import math
import os
import re
import sys

import torch


def load_state(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        sys.exit(f"{path}: neither a state_dict nor a module")
    return obj


def c_name(s):
    return re.sub(r"[^0-9A-Za-z_]", "_", s)


def floats(t):
    vals = t.detach().to(torch.float32).reshape(-1).tolist()
    for v in vals:
        if not math.isfinite(v):
            sys.exit("a weight is not finite: not exported")
    out, line = [], []
    for v in vals:
        line.append(format(v, ".9g") + "f")
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


def export(args):
    state = load_state(args.model)
    layers = linears(state)
    if not layers:
        sys.exit(f"{args.model}: no nn.Linear weights found")
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
            lines += [f"#define {up}_LORA_RANK {r}", f"#define {up}_LORA_ALPHA {alpha!r}f",
                      f"static {qual}float {cid}_lora_A[{r * in_f}] = {{", floats(A), "};",
                      f"static {qual}float {cid}_lora_B[{out_f * r}] = {{", floats(B), "};"]
        lines.append("")
    lines += [f"#endif /* {guard} */", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print(f"{args.output}: {len(layers)} layer(s): " +
          ", ".join(f"{n or '(root)'} {tuple(w.shape)}" + (" +LoRA" if A is not None else "")
                    for n, w, b, A, B in layers), file=sys.stderr)


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
    args = ap.parse_args()
    import_npy(args) if args.do_import else export(args)


if __name__ == "__main__":
    main()
