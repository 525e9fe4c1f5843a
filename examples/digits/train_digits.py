#!/usr/bin/python3
"""train_digits.py - the PyTorch half of the digits example: train a small
MLP on scikit-learn's 8x8 handwritten digits, and export it for linear.h.

  model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
  x = pixels / 16 (64 features in [0, 1]), y = the digit 0..9

Trained here with fixed seeds on 1437 of the 1797 images (a fixed,
stratified split; 360 held out), then written into this directory:

  digits.h, digits.safetensors
      tools/export_torch.py's float export of the whole nn.Sequential
      (--prefix digits --safetensors): the generated forward,
      digits_forward (the weights baked into the header) and
      digits_forward_weights / digits_load (weights read from the file)
  digits_s8.h, digits_s8.safetensors
      the int8 export (--int8, --prefix digits_s8), calibrated on 256
      training images: int8 weights per channel, int8 activations
  digits_test_x.npy     the 360 test images, uint8 pixels 0..16, (360, 64)
                        (uint8 keeps the file small; digits.c divides by 16
                        as the model was trained)
  digits_test_y.npy     their labels, int64, (360,)
  digits_torch_pred.npy PyTorch's float model's prediction for each, int64

examples/digits/digits.c reads these files and prints its accuracy beside
PyTorch's (the C side needs neither Python nor PyTorch: the files are
committed). Run from the repository root, with Debian's python3-torch and
python3-sklearn:

  /usr/bin/python3 examples/digits/train_digits.py
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "export_torch.py")
N_TEST = 360
N_CALIB = 256


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    d = load_digits()
    pixels = d.data.astype(np.uint8)                          # 0..16
    labels = d.target.astype(np.int64)
    px_train, px_test, y_train, y_test = train_test_split(
        pixels, labels, test_size=N_TEST, random_state=0, stratify=labels)
    x_train = torch.tensor(px_train, dtype=torch.float32) / 16.0
    x_test = torch.tensor(px_test, dtype=torch.float32) / 16.0
    t_train = torch.tensor(y_train)

    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(40):
        for idx in torch.randperm(len(t_train), generator=gen).split(32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x_train[idx]), t_train[idx]).backward()
            opt.step()
    model.eval()

    with torch.no_grad():
        pred = model(x_test).argmax(1).numpy().astype(np.int64)
    acc = float((pred == y_test).mean())
    print(f"PyTorch float test accuracy: {acc:.4f} ({int((pred == y_test).sum())}/{len(y_test)})")

    with tempfile.TemporaryDirectory() as tmp:
        pt = os.path.join(tmp, "digits.pt")
        calib = os.path.join(tmp, "digits_calib.pt")
        torch.save(model, pt)                                 # the whole module: the tool reads its order
        rows = torch.randperm(len(x_train), generator=gen)[:N_CALIB]
        torch.save(x_train[rows].clone(), calib)
        out = lambda name: os.path.join(HERE, name)
        subprocess.run([sys.executable, TOOL, pt, "-o", out("digits.h"), "--prefix", "digits",
                        "--safetensors", out("digits.safetensors")], check=True)
        subprocess.run([sys.executable, TOOL, pt, "--int8", calib, "-o", out("digits_s8.h"),
                        "--prefix", "digits_s8", "--safetensors", out("digits_s8.safetensors")], check=True)

    np.save(os.path.join(HERE, "digits_test_x.npy"), np.ascontiguousarray(px_test))
    np.save(os.path.join(HERE, "digits_test_y.npy"), y_test)
    np.save(os.path.join(HERE, "digits_torch_pred.npy"), pred)
    print(f"wrote {HERE}/digits*", file=sys.stderr)


if __name__ == "__main__":
    main()
