#!/usr/bin/python3
"""Writes tests/fixtures/torch_rng.txt: PyTorch's own draws, as float32 bits
in hex, for tests/test_rng.c to replay through lin_torch_rng.

Per seed (torch.manual_seed), in this order on one generator: torch.randn
and torch.rand of sizes below, at and above 16 (randn's scalar path keeps
its second value for the next call, so the order matters), uniform_ over
odd ranges, and nn.Linear(in, out) with fan_in powers of 4 and not, with
and without bias, and with no inputs or no outputs.

Line formats:
  seed S
  randn N <N words>        rand N <N words>
  uniform N FROM TO <N words>     (FROM, TO: Python's repr of the doubles)
  linear IN OUT BIAS <IN*OUT words of weight> <OUT words of bias if BIAS>

Run with Debian's python3-torch (1.13, x86-64, AVX2):
  /usr/bin/python3 tests/gen_rng_fixtures.py
"""
import os
import struct
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "torch_rng.txt")


def words(t):
    return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.reshape(-1).tolist())


def main():
    warnings.simplefilter("ignore")     # nn.Linear(in, 0): "Initializing zero-element tensors is a no-op"
    cap = [l.strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l]
    lines = [f"# torch {torch.__version__}; {cap[0] if cap else 'CPU capability unknown'}"]
    # seeds: small, one past 2^32 (only the low 32 bits seed mt19937) and one past 2^63
    for seed in list(range(10)) + [123456789, 2 ** 32 + 7, 2 ** 63 + 11]:
        torch.manual_seed(seed)
        lines.append(f"seed {seed}")
        for n in (1, 2, 15, 16, 17, 31, 33, 100, 257):
            lines.append(f"randn {n} {words(torch.randn(n))}")
            lines.append(f"rand {n % 20} {words(torch.rand(n % 20))}")
        for n in (3, 0, 5):
            lines.append(f"randn {n} {words(torch.randn(n))}")
        for a, b in ((-3.7, 12.1), (1000.0, 1000.5), (-1e-3, 2.0), (0.0, 0.0), (-1e30, 1e30), (2.5, 7.25)):
            lines.append(f"uniform 23 {a!r} {b!r} {words(torch.empty(23).uniform_(a, b))}")
        for fin, fout, bias in ((1, 3, 1), (4, 5, 1), (16, 7, 1), (17, 3, 0), (64, 2, 1), (100, 2, 1),
                                (256, 1, 1), (3, 2, 1), (0, 3, 1), (3, 0, 1)):
            lin = torch.nn.Linear(fin, fout, bias=bool(bias))
            b = words(lin.bias.detach()) if bias else ""
            lines.append(f"linear {fin} {fout} {bias} {words(lin.weight.detach())} {b}".rstrip())
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
