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
      CALIB.pt a calibration batch (a tensor of inputs); MODEL.pt must be
      an nn.Sequential (see the forward pass below). Activations get
      asymmetric int8 (scale and zero point from the calibration range,
      0 included), weights symmetric per-channel int8, biases int32 at
      input_scale*weight_scale; an nn.ReLU right after a Linear is fused
      into its clamp. The header holds the int8 weights, int32 biases, the
      per-channel multipliers and shifts (TFLite's QuantizeMultiplier), a
      lin_quant per layer, and each layer's input and output scale and zero
      point for lin_quantize_s8 / lin_dequantize_s8.

  The forward pass: when MODEL.pt is an nn.Sequential saved whole (nested
      Sequentials too, names "0", "2.1") of nn.Linear, ReLU, ReLU6,
      LeakyReLU, Tanh, Sigmoid, GELU ('none' or 'tanh'), SiLU, Softmax and
      LogSoftmax (dim -1 or 1), Flatten() (a no-op on rows), Identity and
      Dropout (eval: a no-op), each of the exports above also writes
        <P>_IN, <P>_OUT, <P>_FORWARD_SCRATCH(batch) (bytes, float-aligned)
        lin_status <p>_forward(const float *x, float *y, size_t batch, void *scratch)
        <p>_weights, <p>_forward_weights(w, x, y, batch, scratch) and
        <p>_load(w, file, bytes) (tensors of a safetensors file in memory)
      with a comment per step naming the PyTorch module. Any other module,
      or a Linear whose in_features does not chain, is an error naming it.
      With --int8, ReLU / ReLU6 right after a Linear are fused into its
      clamp, each layer's output quantization is the next one's input
      quantization, activations before the first / after the last Linear
      run in float; any other activation between int8 layers is an error.
      --safetensors FILE.safetensors also writes the forward's tensors
      (float: the state_dict's names, F32; compressed: F16/BF16/I8/U8
      weights and F32 <name>.weight_scale; int8: I8 weights, I32 biases,
      multipliers, shifts and <name>.quant) for <p>_load.

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


# ---- the forward pass of an nn.Sequential ----

ACTS = ("relu", "relu6", "leaky_relu", "tanh", "sigmoid", "gelu", "silu", "softmax", "log_softmax")


def describe(m):
    """How a module is named in messages and comments: nn.GELU(approximate='tanh')"""
    t = type(m)
    if t.__module__.startswith("torch.nn"):
        r = repr(m)
        return "nn." + (r if "\n" not in r else t.__name__ + "(...)")
    return f"{t.__module__}.{t.__qualname__} (a custom module)"


def leaves(seq, path=""):
    """(name, module) of an nn.Sequential's modules in order, nested nn.Sequentials opened
    ("2.1"), as its forward runs them"""
    for key, m in seq.named_children():
        name = f"{path}.{key}" if path else key
        if type(m) is torch.nn.Sequential:
            yield from leaves(m, name)
        else:
            yield name, m


def refuse(name, m, why="has no linear.h counterpart"):
    sys.exit(f"{name}: {describe(m)} {why}; not exported")


def plan(model):
    """The steps of an nn.Sequential's forward on (batch, features) rows: dicts
    with kind, name, desc, the module, and for a Linear its shape. Anything
    linear.h cannot run is an error naming the module."""
    nn = torch.nn
    steps, width = [], None
    for name, m in leaves(model):
        st = {"name": name, "desc": describe(m), "mod": m}
        t = type(m)
        if t is nn.Linear:
            out_f, in_f = m.weight.shape
            if width is not None and width != in_f:
                sys.exit(f"{name}: {describe(m)} takes {in_f} features, the step before gives {width}; "
                         f"not exported")
            st.update(kind="linear", in_f=in_f, out_f=out_f)
            width = out_f
        elif t is nn.ReLU:
            st["kind"] = "relu"
        elif t is nn.ReLU6:
            st["kind"] = "relu6"
        elif t is nn.LeakyReLU:
            st.update(kind="leaky_relu", slope=float(m.negative_slope))
        elif t is nn.Tanh:
            st["kind"] = "tanh"
        elif t is nn.Sigmoid:
            st["kind"] = "sigmoid"
        elif t is nn.GELU:
            approx = getattr(m, "approximate", "none")
            if approx not in ("none", "tanh"):
                refuse(name, m)
            st.update(kind="gelu", approximate=approx)
        elif t is nn.SiLU:
            st["kind"] = "silu"
        elif t in (nn.Softmax, nn.LogSoftmax):
            if m.dim not in (-1, 1):
                refuse(name, m, "works over another dim than the last of (batch, features) rows "
                                "(linear.h's runs over dim=-1)")
            st["kind"] = "softmax" if t is nn.Softmax else "log_softmax"
        elif t is nn.Flatten:
            if (m.start_dim, m.end_dim) != (1, -1):
                refuse(name, m, "is not the default Flatten(1, -1), the only one that leaves "
                                "(batch, features) rows as they are")
            st["kind"] = "noop"
        elif t in (nn.Identity, nn.Dropout):
            st["kind"] = "noop"             # Dropout: the forward is the eval-mode one
        else:
            refuse(name, m)
        st["width"] = width
        steps.append(st)
    if width is None:
        sys.exit("the nn.Sequential has no nn.Linear: not exported")
    first = next(s for s in steps if s["kind"] == "linear")
    for s in steps:                         # the rows before the first Linear are its input's
        if s["width"] is None:
            s["width"] = first["in_f"]
    return steps


def is_sequential(obj):
    return isinstance(obj, torch.nn.Module) and type(obj) is torch.nn.Sequential


def act_call(st, src, dst, n, rows, width):
    """The C call of an activation step from src to dst (may be the same)"""
    k = st["kind"]
    if k == "relu":
        return [f"    s = lin_relu_f32({src}, {dst}, {n});"]
    if k == "leaky_relu":
        return [f"    s = lin_leaky_relu_f32({src}, {dst}, {n}, {c_float(st['slope'])});"]
    if k == "gelu":
        a = "LIN_GELU_TANH" if st["approximate"] == "tanh" else "LIN_GELU_NONE"
        return [f"    s = lin_gelu_f32({src}, {dst}, {n}, {a});"]
    if k in ("softmax", "log_softmax"):
        return [f"    s = lin_{k}_f32({src}, {dst}, {rows}, {width});"]
    return [f"    s = lin_{k}_f32({src}, {dst}, {n});"]


C_TYPES = {"F32": "float", "F16": "uint16_t", "BF16": "uint16_t", "I8": "int8_t", "U8": "uint8_t",
           "I32": "int32_t"}
ST_SIZE = {"F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I8": 1, "U8": 1}


def tensor(field, st_name, dtype, shape, array, values, scalar=False):
    """One tensor of the forward's weights: its member in <prefix>_weights, its
    name in the safetensors file, and the baked array (or, scalar, the value)"""
    return {"field": field, "st": st_name, "dtype": dtype, "shape": tuple(shape), "array": array,
            "values": values, "scalar": scalar}


def write_safetensors(path, tensors):
    """A safetensors file as linear.h's writer makes it: the header without
    spaces, padded with spaces to a multiple of 8, the tensors by element size,
    largest first, each aligned to its element size."""
    import json
    import struct
    fmt = {"F32": "f", "I32": "i", "F16": "H", "BF16": "H", "I8": "b", "U8": "B"}
    order = sorted(tensors, key=lambda t: -ST_SIZE[t["dtype"]])
    header, blobs, off = {}, [], 0
    for t in order:
        vals = t["values"]
        b = struct.pack(f"<{len(vals)}{fmt[t['dtype']]}", *vals)
        n = 1
        for d in t["shape"]:
            n *= d
        assert len(b) == n * ST_SIZE[t["dtype"]], t["st"]
        header[t["st"]] = {"dtype": t["dtype"], "shape": list(t["shape"]), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def forward_code(args, steps, tensors, body, decls, scratch, form_note):
    """The C of the forward: the macros, <prefix>_weights, the shared body, the
    baked forward, and the safetensors loader"""
    p, P = c_name(args.prefix), c_name(args.prefix).upper()
    lin_first = next(s for s in steps if s["kind"] == "linear")
    out_w = steps[-1]["width"]
    L = [f"/* ---- {p}_forward: the nn.Sequential's forward ({form_note}) ----",
         "",
         f"   lin_status {p}_forward(const float *x, float *y, size_t batch, void *scratch);",
         f"       x (batch, {P}_IN) -> y (batch, {P}_OUT), rows as PyTorch's model(x) in eval mode;",
         f"       scratch: {P}_FORWARD_SCRATCH(batch) bytes, aligned for float (malloc's, or a float",
         "       array's), overlapping neither x nor y; y may be x. Returns LIN_OK or the first",
         "       status of a step that fails (LIN_ERR_NULL: x, y or scratch NULL with batch > 0;",
         "       LIN_ERR_OVERFLOW: the scratch size of batch overflows size_t); y is written only",
         "       when every step succeeded.",
         f"   lin_status {p}_forward_weights(const {p}_weights *w, const float *x, float *y,",
         "                                  size_t batch, void *scratch);",
         f"       the same on weights held elsewhere ({p}_load: read from a safetensors file);",
         "       w NULL is LIN_ERR_NULL.",
         f"   lin_status {p}_load({p}_weights *w, const void *file, size_t bytes);",
         "       (without LIN_NO_SAFETENSORS) points *w into a safetensors file in memory, as",
         "       export_torch.py --safetensors writes it: every tensor found with its dtype and shape,",
         "       or LIN_ERR_NULL (w NULL, file NULL with bytes), LIN_ERR_FORMAT (not safetensors),",
         "       LIN_ERR_INDEX (a tensor missing), LIN_ERR_DTYPE (another dtype, or a big-endian",
         "       host), LIN_ERR_SHAPE (another shape) or LIN_ERR_VALUE (data not aligned to its",
         "       element); *w is written only on LIN_OK. The file must outlive *w. */",
         "#ifndef LIN_GEN_API",
         "#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)",
         "#define LIN_GEN_API static inline",
         "#elif defined(__GNUC__)",
         "#define LIN_GEN_API static __inline__",
         "#else",
         "#define LIN_GEN_API static",
         "#endif",
         "#endif",
         ]
    kinds = {s["kind"] for s in steps}
    if "tanh" in kinds or "gelu" in kinds:
        L += ["#if !defined(LIN_TANHF)",
              f'#error "{p}_forward: nn.Tanh and nn.GELU run through linear.h\'s LIN_TANHF (tanhf): define it"',
              "#endif"]
    if any(s["kind"] == "gelu" and s["approximate"] == "none" for s in steps):
        L += ["#if !defined(LIN_ERFF)",
              f'#error "{p}_forward: nn.GELU(approximate=\'none\') runs through linear.h\'s LIN_ERFF (erff, C99): '
              f'define it"',
              "#endif"]
    L += [f"#define {P}_IN {lin_first['in_f']}", f"#define {P}_OUT {out_w}",
         f"#define {P}_FORWARD_SCRATCH(batch) ((size_t)(batch) * {scratch})", "",
         f"typedef struct {p}_weights {{"]
    for t in tensors:
        if t["scalar"]:
            L.append(f"    {t['ctype']} {t['field']};")
        else:
            L.append(f"    const {C_TYPES[t['dtype']]} *{t['field']};   /* {t['st']} {t['dtype']} "
                     f"{tuple(t['shape'])} */")
    L += [f"}} {p}_weights;", ""]
    L += [f"LIN_GEN_API lin_status {p}_forward_weights(const {p}_weights *w, const float *x, float *y, "
          f"size_t batch,", "                                             void *scratch)", "{"]
    L += decls + ["    size_t i;", "    lin_status s;",
                  "    if (!w) return LIN_ERR_NULL;",
                  "    if (batch == 0) return LIN_OK;",
                  "    if (!x || !y || !scratch) return LIN_ERR_NULL;",
                  f"    if (batch > (size_t)-1 / ({scratch})) return LIN_ERR_OVERFLOW;"]
    L += body + ["    return LIN_OK;", "}", ""]
    init = []
    for t in tensors:
        init.append(f"    {t['array']}" if not t["scalar"] else f"    {t['init']}")
    L += [f"static const {p}_weights {p}_baked_weights = {{", ",\n".join(init), "};", "",
          f"LIN_GEN_API lin_status {p}_forward(const float *x, float *y, size_t batch, void *scratch)",
          "{", f"    return {p}_forward_weights(&{p}_baked_weights, x, y, batch, scratch);", "}", ""]
    # the loader: a table of what each tensor must be, and linear.h's checks
    n = len(tensors)
    want = ",\n".join(f'        {{"{t["st"]}", LIN_DTYPE_{t["dtype"]}, {len(t["shape"])}, '
                       "{" + ", ".join(str(d) for d in (list(t["shape"]) or [0])) + "}}"
                       for t in tensors)
    L += ["#ifndef LIN_NO_SAFETENSORS",
          f"LIN_GEN_API lin_status {p}_load({p}_weights *w, const void *file, size_t bytes)", "{",
          f"    static const lin_st_want want[{n}] = {{", want, "    };",
          f"    const void *d[{n}];", "    lin_safetensors st;", "    lin_status s;",
          "    if (!w) return LIN_ERR_NULL;",
          "    s = lin_safetensors_open(&st, file, bytes);",
          f"    if (s == LIN_OK) s = lin_safetensors_bind(&st, want, {n}, d);",
          "    if (s != LIN_OK) return s;"]
    for i, t in enumerate(tensors):
        ct = C_TYPES[t["dtype"]]
        if not t["scalar"]:
            L.append(f"    w->{t['field']} = (const {ct} *)d[{i}];")
        else:
            L += t["load"](f"d[{i}]")
    L += ["    return LIN_OK;", "}", "#endif /* LIN_NO_SAFETENSORS */", ""]
    return L


def float_forward(args, steps, layer, form):
    """The forward of float or compressed weights: two float buffers in turn.
    layer(name) gives (cid, bias or None, weight values, scales or None) of a Linear."""
    P = c_name(args.prefix).upper()
    dtype = {"float": "F32", "f16": "F16", "bf16": "BF16", "q8w": "I8", "q4w": "U8"}[form]
    fn = "lin_linear_f32" if form == "float" else WFORMS[form][1]
    tensors, body, cur, used, width = [], [], "x", set(), 0
    for st in steps:
        head = f"    /* {st['name']}: {st['desc']} */"
        if st["kind"] == "noop":
            body.append(head[:-3] + ": nothing to do on (batch, features) rows */")
            continue
        body.append(head)
        width = max(width, st["width"])
        if st["kind"] == "linear":
            cid, b, vals, scales = layer(st["name"])
            cn = c_name(st["name"])
            in_f, out_f = st["in_f"], st["out_f"]
            wshape = (out_f, in_f // 2) if form == "q4w" else (out_f, in_f)
            tensors.append(tensor(f"weight_{cn}", f"{st['name']}.weight", dtype, wshape, f"{cid}_weight", vals))
            scale = ""
            if scales is not None:
                sshape = (out_f, in_f // 32) if form == "q4w" else (out_f,)
                tensors.append(tensor(f"scale_{cn}", f"{st['name']}.weight_scale", "F32", sshape,
                                      f"{cid}_scale", scales))
                scale = f"w->scale_{cn}, "
            bias = "NULL"
            if b is not None:
                tensors.append(tensor(f"bias_{cn}", f"{st['name']}.bias", "F32", (out_f,), f"{cid}_bias", b))
                bias = f"w->bias_{cn}"
            dst = "b" if cur == "a" else "a"
            body.append(f"    s = {fn}({cur}, w->weight_{cn}, {scale}{bias}, {dst}, batch, {in_f}, {out_f});")
        else:
            dst = "a" if cur == "x" else cur
            body += act_call(st, cur, dst, f"batch * {st['width']}", "batch", st["width"])
        body.append("    if (s != LIN_OK) return s;")
        used.add(dst)
        cur = dst
    body.append(f"    for (i = 0; i < batch * {P}_OUT; ++i) y[i] = {cur}[i];   /* y only now: every step succeeded */")
    nbuf = len(used)
    decls = [f"    float *a = (float *)scratch;"] if "a" in used else []
    if "b" in used:
        decls.append("    float *b;")
        body.insert(0, f"    b = a + batch * {width};")
    scratch = f"{nbuf * width} * sizeof(float)" if nbuf else "sizeof(float)"
    if not used:
        decls.append("    (void)scratch;")
    return tensors, body, decls, scratch


def int8_plan(steps):
    """Splits an nn.Sequential's steps for the int8 path: float steps before
    the first Linear, the int8 Linear layers each with its fused ReLU / ReLU6
    (or none), float steps after the last. Anything else between two Linear
    layers is an error naming it."""
    lin_idx = [i for i, s in enumerate(steps) if s["kind"] == "linear"]
    first, last = lin_idx[0], lin_idx[-1]
    layers, fused_at = [], set()
    for i in lin_idx:
        act = None
        for j in range(i + 1, len(steps)):
            if steps[j]["kind"] == "noop":
                continue
            if steps[j]["kind"] in ("relu", "relu6"):
                act = j
                fused_at.add(j)
            break
        layers.append((i, act))
    for j in range(first, last):
        s = steps[j]
        if s["kind"] in ("linear", "noop") or j in fused_at:
            continue
        prev = max(i for i in lin_idx if i < j)
        nxt = min(i for i in lin_idx if i > j)
        refuse(s["name"], s["mod"], f"between the int8 layers {steps[prev]['name']} and {steps[nxt]['name']} "
               f"cannot be carried exactly by the int8 path (only a ReLU or ReLU6 right after a Linear, "
               f"fused into its clamp, and Identity, Dropout, Flatten)")
    post = [j for j in range(last + 1, len(steps)) if j not in fused_at]
    return list(range(first)), layers, post


def int8_forward(args, steps, pre, layers, post, layer_tensors, in_q, out_q):
    """The int8 forward: float steps before, lin_quantize_s8, the int8 layers in
    two int8 buffers in turn, lin_dequantize_s8, float steps after."""
    P = c_name(args.prefix).upper()
    body, tensors = [], []
    fw = steps[-1]["width"]
    cur = "x"
    for j in pre:
        st = steps[j]
        if st["kind"] == "noop":
            body.append(f"    /* {st['name']}: {st['desc']}: nothing to do on (batch, features) rows */")
            continue
        body.append(f"    /* {st['name']}: {st['desc']}, in float before the input is quantized */")
        fw = max(fw, st["width"])
        body += act_call(st, cur, "f", f"batch * {st['width']}", "batch", st["width"])
        body.append("    if (s != LIN_OK) return s;")
        cur = "f"
    in_w = steps[layers[0][0]]["in_f"]
    body += [f"    /* the input, quantized as {steps[layers[0][0]]['name']} takes it */",
             f"    s = lin_quantize_s8({cur}, qa, batch * {in_w}, w->input_scale, w->input_zero_point);",
             "    if (s != LIN_OK) return s;"]
    qcur, qw, qused = "qa", in_w, {"qa"}
    tensors += [tensor("input_scale", "input_scale", "F32", (1,), None, [in_q[0]], True),
                tensor("input_zero_point", "input_zero_point", "I32", (1,), None, [in_q[1]], True)]
    tensors[-2].update(ctype="float", init=c_float(in_q[0]),
                       load=lambda d: [f"    w->input_scale = *(const float *){d};"])
    tensors[-1].update(ctype="int32_t", init=str(in_q[1]),
                       load=lambda d: [f"    w->input_zero_point = *(const int32_t *){d};"])
    done = set()
    for i, act in layers:
        st = steps[i]
        cn = c_name(st["name"])
        body.append(f"    /* {st['name']}: {st['desc']} */")
        for j in range(i + 1, (act if act is not None else i) + 1):
            s2 = steps[j]
            if s2["kind"] == "noop":
                body.append(f"    /* {s2['name']}: {s2['desc']}: nothing to do */")
            else:
                body.append(f"    /* {s2['name']}: {s2['desc']}: fused, the clamp of {st['name']}'s output */")
            done.add(j)
        dst = "qb" if qcur == "qa" else "qa"
        body += [f"    s = lin_linear_s8_per_channel({qcur}, w->weight_{cn}, w->bias_{cn}, {dst}, batch, "
                 f"{st['in_f']}, {st['out_f']},",
                 f"                                  &w->quant_{cn}, w->multiplier_{cn}, w->shift_{cn});",
                 "    if (s != LIN_OK) return s;"]
        qw = max(qw, st["out_f"])
        qused.add(dst)
        qcur = dst
        tensors += layer_tensors(st["name"])
        # noops between this layer (and its fused activation) and the next Linear
        stop = next((k for k, _ in layers if k > i), None)
        start = (act if act is not None else i) + 1
        if stop is not None:
            for j in range(start, stop):
                if steps[j]["kind"] == "noop":
                    body.append(f"    /* {steps[j]['name']}: {steps[j]['desc']}: nothing to do */")
    out_w = steps[layers[-1][0]]["out_f"]
    body += [f"    /* the output, dequantized as {steps[layers[-1][0]]['name']} gives it */",
             f"    s = lin_dequantize_s8({qcur}, f, batch * {out_w}, w->output_scale, w->output_zero_point);",
             "    if (s != LIN_OK) return s;"]
    tensors += [tensor("output_scale", "output_scale", "F32", (1,), None, [out_q[0]], True),
                tensor("output_zero_point", "output_zero_point", "I32", (1,), None, [out_q[1]], True)]
    tensors[-2].update(ctype="float", init=c_float(out_q[0]),
                       load=lambda d: [f"    w->output_scale = *(const float *){d};"])
    tensors[-1].update(ctype="int32_t", init=str(out_q[1]),
                       load=lambda d: [f"    w->output_zero_point = *(const int32_t *){d};"])
    for j in post:
        st = steps[j]
        if st["kind"] == "noop":
            body.append(f"    /* {st['name']}: {st['desc']}: nothing to do on (batch, features) rows */")
            continue
        body.append(f"    /* {st['name']}: {st['desc']}, in float on the dequantized output */")
        body += act_call(st, "f", "f", f"batch * {st['width']}", "batch", st["width"])
        body.append("    if (s != LIN_OK) return s;")
    body.append(f"    for (i = 0; i < batch * {P}_OUT; ++i) y[i] = f[i];   /* y only now: every step succeeded */")
    nq = len(qused)
    decls = ["    float *f = (float *)scratch;", "    int8_t *qa;" + (" int8_t *qb;" if nq == 2 else "")]
    body.insert(0, f"    qa = (int8_t *)(f + batch * {fw});" + (f" qb = qa + batch * {qw};" if nq == 2 else ""))
    scratch = f"({fw} * sizeof(float) + {nq * qw})"
    return tensors, body, decls, scratch


def load_model(args):
    """(state_dict, the forward's steps or None): steps for an nn.Sequential
    saved whole, whose every module must then have a linear.h counterpart"""
    obj = torch.load(args.model, map_location="cpu")
    steps = None
    if is_sequential(obj):
        obj.eval()
        steps = plan(obj)
    elif args.safetensors:
        sys.exit("--safetensors goes with the generated forward: MODEL.pt must be an nn.Sequential "
                 "saved whole (torch.save(model))")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        sys.exit(f"{args.model}: neither a state_dict nor a module")
    return obj, steps


def finish(args, lines, steps, tensors, body, decls, scratch, note, needs=None):
    """Appends the forward to the header's lines (within #ifndef needs: the
    module of linear.h it calls), writes the header and, with --safetensors,
    the tensors"""
    guard_end = lines.pop()
    if steps is not None:
        code = forward_code(args, steps, tensors, body, decls, scratch, note)
        lines += [f"#ifndef {needs}"] + code + [f"#endif /* {needs} */", ""] if needs else code
        if args.safetensors:
            write_safetensors(args.safetensors, tensors)
    lines.append(guard_end)
    lines.append("")
    with open(args.output, "w") as f:
        f.write("\n".join(lines))


def export(args):
    state, steps = load_model(args)
    layers = linears(state)
    if not layers:
        sys.exit(f"{args.model}: no nn.Linear weights found")
    if steps is not None:
        for name, w, b, A, B in layers:
            if A is not None:
                sys.exit(f"{name}: a LoRA adapter: the generated forward runs plain nn.Linear layers; "
                         f"merge it into the weight first (W += alpha/rank * B @ A)")
    if args.weights != "float":
        return export_compressed(args, layers, steps)
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
    lines.append(f"#endif /* {guard} */")
    tensors = body = decls = scratch = None
    if steps is not None:
        byname = {n: (w, b) for n, w, b, A, B in layers}

        def layer(name):
            w, b = byname[name]
            flat = lambda t: [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]
            return (c_name(f"{args.prefix}_{name}"), flat(b) if b is not None else None, flat(w), None)
        tensors, body, decls, scratch = float_forward(args, steps, layer, "float")
    finish(args, lines, steps, tensors, body, decls, scratch, "float weights")
    print(f"{args.output}: {len(layers)} layer(s){', and the forward' if steps else ''}: " +
          ", ".join(f"{n or '(root)'} {tuple(w.shape)}" + (" +LoRA" if A is not None else "")
                    for n, w, b, A, B in layers), file=sys.stderr)


def export_compressed(args, layers, steps=None):
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
    made = {}
    for name, w, b, A, B in layers:
        cid = c_name(f"{args.prefix}_{name}" if name else args.prefix)
        up = cid.upper()
        out_f, in_f = w.shape
        vals, scales = compress(form, w)
        made[name] = (cid, [float(v) for v in b.detach().to(torch.float32).reshape(-1).tolist()]
                      if b is not None else None, vals, scales)
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
    lines.append(f"#endif /* {guard} */")
    tensors = body = decls = scratch = None
    if steps is not None:
        tensors, body, decls, scratch = float_forward(args, steps, lambda n: made[n], form)
    finish(args, lines, steps, tensors, body, decls, scratch, f"weights {form}, run by {fn}")
    print(f"{args.output}: {len(layers)} layer(s){', and the forward' if steps else ''}, weights {form}: " +
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
    if not is_sequential(model):
        sys.exit(f"--int8 needs an nn.Sequential saved whole (its modules in order are its forward); "
                 f"{describe(model)} is not one: not exported")
    calib = torch.load(args.int8, map_location="cpu").float()
    model.eval()
    steps = plan(model)
    pre, layers, post = int8_plan(steps)
    acts, h = [], calib                 # each step's output on the calibration batch
    with torch.no_grad():
        for st in steps:
            h = st["mod"](h)
            acts.append(h)
    i0 = layers[0][0]
    x0 = acts[i0 - 1] if i0 else calib
    scale, zp = asymmetric(float(x0.min()), float(x0.max()))
    q_in = (f32(scale), zp)
    first_in = q_in
    base = os.path.basename(args.output)
    guard = c_name(base).upper().lstrip("_") or "WEIGHTS_H"
    lines = [f"/* {base} - int8 weights by tools/export_torch.py --int8 from {os.path.basename(args.model)},",
             f"   calibrated on {os.path.basename(args.int8)} ({calib.shape[0]} rows); do not edit.",
             "   Weights symmetric per-channel, activations asymmetric, as TFLite quantizes; each",
             "   layer's output scale and zero point are the next layer's input ones. */",
             f"#ifndef {guard}", f"#define {guard}", "", '#include "linear.h"', ""]
    made = {}
    for i, act in layers:
        st = steps[i]
        name, m = st["name"], st["mod"]
        in_scale, in_zp = q_in
        y = acts[act] if act is not None else acts[i]     # what the next layer receives
        out_scale, out_zp = asymmetric(float(y.min()), float(y.max()))
        out_scale = f32(out_scale)
        W = m.weight.detach().double()
        w_scale = W.abs().amax(1) / 127.0
        w_scale = torch.where(w_scale > 0, w_scale, torch.ones_like(w_scale)).float().double()
        wq = torch.clamp(round_away(W / w_scale[:, None]), -127, 127).to(torch.int8)
        b = m.bias.detach().double() if m.bias is not None else torch.zeros(W.shape[0], dtype=torch.float64)
        bq = round_away(b / (in_scale * w_scale)).clamp(-2**31, 2**31 - 1).to(torch.int64)
        mult, shift = zip(*(quantize_multiplier(in_scale * float(ws) / out_scale) for ws in w_scale.tolist()))
        kind = steps[act]["kind"] if act is not None else None
        act_min = out_zp if kind else -128
        act_max = min(127, out_zp + int(math.floor(6.0 / out_scale + 0.5))) if kind == "relu6" else 127
        cid = c_name(f"{args.prefix}_{name}")
        up = cid.upper()
        out_f, in_f = W.shape
        fused = f" + {steps[act]['desc']} (fused: the clamp)" if act is not None else ""
        quant = [-in_zp, 0, out_zp, 0, 0, act_min, act_max]     # lin_quant_from_i32's order
        lines += [f"/* {name}: nn.Linear({in_f}, {out_f}){fused} */",
                  f"#define {up}_IN {in_f}", f"#define {up}_OUT {out_f}",
                  f"#define {up}_INPUT_SCALE {c_float(in_scale)}", f"#define {up}_INPUT_ZERO_POINT {in_zp}",
                  f"#define {up}_OUTPUT_SCALE {c_float(out_scale)}", f"#define {up}_OUTPUT_ZERO_POINT {out_zp}",
                  f"static const int8_t {cid}_weight[{out_f * in_f}] = {{",
                  ints(wq.reshape(-1).tolist(), str), "};",
                  f"static const int32_t {cid}_bias[{out_f}] = {{", ints(bq.tolist(), str), "};",
                  f"static const float {cid}_weight_scale[{out_f}] = {{",
                  floats_list([float(v) for v in w_scale.tolist()]), "};",
                  f"static const int32_t {cid}_multiplier[{out_f}] = {{", ints(list(mult), str), "};",
                  f"static const int32_t {cid}_shift[{out_f}] = {{", ints(list(shift), str), "};",
                  f"/* lin_quant {cid}_q = {up}_QUANT; (multiplier and shift: the per-channel arrays) */",
                  f"#define {up}_QUANT {{ {', '.join(str(v) for v in quant)} }}", ""]
        made[name] = (cid, up, wq.reshape(-1).tolist(), bq.tolist(), list(mult), list(shift), quant, in_f, out_f)
        q_in = (out_scale, out_zp)

    def layer_tensors(name):
        cid, up, wq, bq, mult, shift, quant, in_f, out_f = made[name]
        cn = c_name(name)
        t = [tensor(f"weight_{cn}", f"{name}.weight", "I8", (out_f, in_f), f"{cid}_weight", wq),
             tensor(f"bias_{cn}", f"{name}.bias", "I32", (out_f,), f"{cid}_bias", bq),
             tensor(f"multiplier_{cn}", f"{name}.multiplier", "I32", (out_f,), f"{cid}_multiplier", mult),
             tensor(f"shift_{cn}", f"{name}.shift", "I32", (out_f,), f"{cid}_shift", shift),
             tensor(f"quant_{cn}", f"{name}.quant", "I32", (7,), None, quant, True)]
        t[-1].update(ctype="lin_quant", init=f"{up}_QUANT",       # LIN_OK: neither pointer is NULL
                     load=lambda d: [f"    lin_quant_from_i32((const int32_t *){d}, &w->quant_{cn});"])
        return t
    lines.append(f"#endif /* {guard} */")
    tensors, body, decls, scratch = int8_forward(args, steps, pre, layers, post, layer_tensors, first_in, q_in)
    finish(args, lines, steps, tensors, body, decls, scratch, "int8 layers, lin_linear_s8_per_channel",
           "LIN_NO_INT8")
    print(f"{args.output}: {len(layers)} int8 layer(s) and the forward", file=sys.stderr)


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
    ap.add_argument("--safetensors", metavar="FILE.safetensors",
                    help="also write the forward's tensors there, for <prefix>_load")
    args = ap.parse_args()
    if args.weights != "float" and (args.do_import or args.int8):
        ap.error("--weights is for the export of a state_dict, not with --import or --int8")
    if args.safetensors and args.do_import:
        ap.error("--safetensors is for an export, not with --import")
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
