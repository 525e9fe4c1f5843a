#!/usr/bin/python3
"""Writes tests/fixtures/export/: a real PyTorch model (nn.Linear(8, 16),
ReLU, then an nn.Linear(16, 4) with a loralib-style rank-2 adapter), its
state_dict (model.pt), the header tools/export_torch.py makes of it
(model_weights.h) and PyTorch's outputs on fixed inputs (expected.h).
tests/test_export.c compiles both headers and must give PyTorch's outputs.

Run with Debian's python3-torch: /usr/bin/python3 tests/gen_export_fixtures.py
"""
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "export")


class LoRALinear(torch.nn.Linear):
    """loralib's Linear: the frozen weight and bias, lora_A (r, in), lora_B (out, r)."""

    def __init__(self, fin, fout, r, alpha):
        super().__init__(fin, fout)
        self.lora_A = torch.nn.Parameter(torch.randn(r, fin) * 0.3)
        self.lora_B = torch.nn.Parameter(torch.randn(fout, r) * 0.3)
        self.scaling = alpha / r

    def forward(self, x):
        return super().forward(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


def c_float(v):
    s = format(v, ".9g")
    return (s if any(c in s for c in ".en") else s + ".0") + "f"


def c_array(name, t):
    vals = ", ".join(format(float(v), ".17g") for v in t.reshape(-1).tolist())
    return f"static const double {name}[{max(t.numel(), 1)}] = {{{vals}}};\n"


def int8_model():
    """A float MLP, a calibration batch, the --int8 export of it, and
    PyTorch's float outputs on that batch (expected_s8.h)."""
    torch.manual_seed(11)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    calib = torch.randn(64, 8)
    mpt, cpt = os.path.join(OUT, "mlp.pt"), os.path.join(OUT, "calib.pt")
    torch.save(model, mpt)
    torch.save(calib, cpt)
    subprocess.run([sys.executable, os.path.join(HERE, "..", "tools", "export_torch.py"), mpt, "--int8", cpt,
                    "-o", os.path.join(OUT, "mlp_s8.h"), "--prefix", "q"], check=True)
    with torch.no_grad():
        h = torch.relu(model[0](calib))
        y = model[2](h)
    with open(os.path.join(OUT, "expected_s8.h"), "w") as f:
        f.write("/* expected_s8.h - the calibration batch and PyTorch's float outputs of\n"
                "   each layer, for tests/test_export.c; by tests/gen_export_fixtures.py. */\n")
        f.write(f"static const float calib_x[{calib.numel()}] = {{{', '.join(c_float(float(v)) for v in calib.reshape(-1).tolist())}}};\n")
        f.write(f"static const float calib_h[{h.numel()}] = {{{', '.join(c_float(float(v)) for v in h.reshape(-1).tolist())}}};\n")
        f.write(f"static const float calib_y[{y.numel()}] = {{{', '.join(c_float(float(v)) for v in y.reshape(-1).tolist())}}};\n")


def main():
    torch.manual_seed(7)
    os.makedirs(OUT, exist_ok=True)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), LoRALinear(16, 4, 2, 8.0))
    pt = os.path.join(OUT, "model.pt")
    torch.save(model.state_dict(), pt)
    header = os.path.join(OUT, "model_weights.h")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "tools", "export_torch.py"), pt,
                    "-o", header, "--prefix", "net", "--lora-alpha", "8"], check=True)
    x = torch.randn(5, 8)
    with torch.no_grad():
        d = {k: v.double() for k, v in model.state_dict().items()}
        h = torch.relu(x.double() @ d["0.weight"].T + d["0.bias"])
        y = h @ d["2.weight"].T + d["2.bias"] + (h @ d["2.lora_A"].T @ d["2.lora_B"].T) * 4.0
        ha = (x.double().abs() @ d["0.weight"].abs().T + d["0.bias"].abs())
        mag = ha @ d["2.weight"].abs().T + d["2.bias"].abs() + (ha @ d["2.lora_A"].abs().T @ d["2.lora_B"].abs().T) * 4.0
    with open(os.path.join(OUT, "expected.h"), "w") as f:
        f.write("/* expected.h - inputs and PyTorch's outputs for tests/test_export.c,\n"
                "   written by tests/gen_export_fixtures.py; do not edit. */\n")
        f.write(f"static const float export_x[40] = {{{', '.join(c_float(float(v)) for v in x.reshape(-1).tolist())}}};\n")
        f.write(c_array("export_want_y", y))
        f.write(c_array("export_mag_y", mag))
    int8_model()
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
