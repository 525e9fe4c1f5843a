#!/usr/bin/python3
"""Writes the compressed-weight fixtures of tests/fixtures/export/: a real
model, the digits MLP (scikit-learn's 8x8 handwritten digits, 64 inputs, 10
classes: nn.Linear(64, 64), ReLU, nn.Linear(64, 10)), trained here
deterministically on 80% of the 1797 images, and

  digits.pt         its state_dict
  digits_f32.h      tools/export_torch.py's float export      (--prefix digits)
  digits_f16.h      ... --weights f16                          (--prefix digits_f16)
  digits_bf16.h     ... --weights bf16                         (--prefix digits_bf16)
  digits_q8w.h      ... --weights q8w                          (--prefix digits_q8w)
  digits_q4w.h      ... --weights q4w                          (--prefix digits_q4w)
  digits_test.h     the held-out 360 images (pixels 0..16; the model reads
                    pixel / 16) and labels, and what PyTorch computed for
                    each form on them: the number classified right and the
                    largest |logit - float model's logit|

PyTorch runs each form on its decoded weights: f16 and bf16 as PyTorch's
own .half() / .bfloat16() of the float weights (checked here to be the
header's bits), q8w and q4w as the float32 products scale * level of the
header's values; the logits in float64. tests/test_export.c runs the same
headers through linear.h and must give the same counts.

Run with Debian's python3-torch and python3-sklearn (the digits ship with
it): /usr/bin/python3 tests/gen_export_wforms.py
"""
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "export")
TOOL = os.path.join(HERE, "..", "tools", "export_torch.py")
FORMS = ["f16", "bf16", "q8w", "q4w"]
N_TEST = 360


def data():
    from sklearn.datasets import load_digits
    d = load_digits()
    pixels = d.data.astype(np.int64)                  # 0..16
    labels = d.target.astype(np.int64)
    perm = np.random.RandomState(0).permutation(len(labels))
    test, train = perm[:N_TEST], perm[N_TEST:]
    return pixels[train], labels[train], pixels[test], labels[test]


def train(px, lab):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    x = torch.tensor(px, dtype=torch.float32) / 16.0
    y = torch.tensor(lab)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(60):
        for idx in torch.randperm(len(y), generator=gen).split(32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return model


def read_arrays(path):
    """name -> list of numbers, from a header export_torch.py wrote"""
    arrays, name, vals = {}, None, []
    for line in open(path):
        line = line.strip()
        if line.startswith("static const") and line.endswith("{"):
            name, vals = line.split()[3].split("[")[0], []
        elif name and line == "};":
            arrays[name], name = vals, None
        elif name:
            vals += [v.strip() for v in line.rstrip(",").split(",")]
    return arrays


def decoded(form, arrays, cid, w):
    """the float32 weight the form gives, from the header's arrays"""
    out_f, in_f = w.shape
    v = arrays[cid + "_weight"]
    if form in ("f16", "bf16"):
        bits = torch.tensor([int(t, 16) for t in v], dtype=torch.int32)
        theirs = (w.half() if form == "f16" else w.bfloat16()).reshape(-1)
        mine = (bits - ((bits >= 0x8000).int() << 16)).short()                  # the bits as int16
        assert torch.equal(mine, theirs.view(torch.int16)), f"{cid}: not PyTorch's {form}"
        return theirs.float().reshape(out_f, in_f)
    scale = torch.tensor([float(t.rstrip("f")) for t in arrays[cid + "_scale"]], dtype=torch.float32)
    if form == "q8w":
        q = torch.tensor([int(t) for t in v], dtype=torch.float32).reshape(out_f, in_f)
        return scale[:, None] * q                                          # float32 products
    b = torch.tensor([int(t, 16) for t in v], dtype=torch.int64).reshape(-1, 16)
    nib = torch.stack([b & 15, b >> 4], dim=2).reshape(-1, 32).float() - 8.0   # element 2j low, 2j+1 high
    return (scale[:, None] * nib).reshape(out_f, in_f)


def logits(weights, state, x):
    h = torch.relu(x @ weights["0"].double().T + state["0.bias"].double())
    return h @ weights["2"].double().T + state["2.bias"].double()


def c_array(ctype, name, vals, per_line=32):
    rows = [", ".join(str(v) for v in vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    return f"static const {ctype} {name}[{len(vals)}] = {{\n    " + ",\n    ".join(rows) + "\n};\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    trp, trl, tep, tel = data()
    model = train(trp, trl)
    state = {k: v.detach() for k, v in model.state_dict().items()}
    pt = os.path.join(OUT, "digits.pt")
    torch.save(model.state_dict(), pt)
    subprocess.run([sys.executable, TOOL, pt, "-o", os.path.join(OUT, "digits_f32.h"), "--prefix", "digits"],
                   check=True)
    x = torch.tensor(tep, dtype=torch.float64) / 16.0
    labels = torch.tensor(tel)
    with torch.no_grad():
        f32_logits = model(x.float())                        # PyTorch as a user runs it
    ref = logits({"0": state["0.weight"], "2": state["2.weight"]}, state, x)
    assert torch.equal(f32_logits.argmax(1), ref.argmax(1))
    rows = [("float", int((ref.argmax(1) == labels).sum()), 0.0, 4)]
    margins = {"float": ref}
    for form in FORMS:
        header = os.path.join(OUT, f"digits_{form}.h")
        subprocess.run([sys.executable, TOOL, pt, "-o", header, "--prefix", f"digits_{form}", "--weights", form],
                       check=True)
        arrays = read_arrays(header)
        w = {n: decoded(form, arrays, f"digits_{form}_{n}", state[n + ".weight"]) for n in ("0", "2")}
        y = logits(w, state, x)
        margins[form] = y
        rows.append((form, int((y.argmax(1) == labels).sum()), float((y - ref).abs().max()),
                     {"f16": 2, "bf16": 2, "q8w": 1, "q4w": 0.5}[form]))
    # the C logits differ from these float64 ones by float32 rounding (about
    # 1e-6 here): every image's two highest logits must be far further apart
    # for the C counts to be these
    worst = min(float((t.topk(2).values[:, 0] - t.topk(2).values[:, 1]).min()) for t in margins.values())
    assert worst > 1e-3, f"an image's two highest logits are {worst} apart: too close to compare counts"
    with open(os.path.join(OUT, "digits_test.h"), "w") as f:
        f.write("/* digits_test.h - the digits MLP's held-out test set and PyTorch's figures\n"
                "   for each weight form, for tests/test_export.c; by tests/gen_export_wforms.py,\n"
                "   do not edit. The model reads pixel / 16. Smallest gap between an image's two\n"
                f"   highest logits, over every form: {worst:.3g}. */\n")
        f.write(f"#define DIGITS_TEST_N {N_TEST}\n")
        f.write(c_array("unsigned char", "digits_test_pixels", tep.reshape(-1).tolist()))
        f.write(c_array("unsigned char", "digits_test_labels", tel.tolist()))
        f.write("/* images classified right, and the largest |logit - float logit|, float64 logits */\n")
        for form, correct, diff, _ in rows:
            up = form.upper()
            f.write(f"#define DIGITS_CORRECT_{up} {correct}\n")
            d = format(diff, ".17g")
            f.write(f"#define DIGITS_MAXDIFF_{up} {d if any(c in d for c in '.e') else d + '.0'}\n")
    print("form    bytes/weight  accuracy          max |logit - float|", file=sys.stderr)
    for form, correct, diff, size in rows:
        print(f"{form:<7} {size:<13} {100.0 * correct / N_TEST:6.2f}% ({correct}/{N_TEST})  {diff:.3g}",
              file=sys.stderr)
    print(f"wrote {OUT}/digits*", file=sys.stderr)


if __name__ == "__main__":
    main()
