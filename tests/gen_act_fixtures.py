#!/usr/bin/python3
"""Writes tests/fixtures/activations.txt: PyTorch's activations, forward
and backward, on float32 inputs (tests/test_act.c reads it).

Run with Debian's python3-torch:  /usr/bin/python3 tests/gen_act_fixtures.py
(or `make fixtures`). The file is committed, so the C tests need no torch.

Plain text, one item per line:

    case <name> <param> <rows> <n>
    x <rows*n float32 bits>      the forward's input
    g <rows*n float32 bits>      grad_y
    y <float32 bits>             PyTorch's float32 forward
    r <float64>                  the forward in float64 from the same x
    m <float64>                  the forward's error scale (below)
    d <float32 bits>             PyTorch's float32 grad_x
    e <float64>                  grad_x in float64
    k <float64>                  grad_x's error scale
    end

name: relu6, leaky_relu (param: negative_slope), tanh, sigmoid, silu,
gelu (param 0: approximate='none', 1: 'tanh'), softmax, log_softmax (over
the last dim of (rows, n)); param is 0 where there is none.

The float32 results are PyTorch's own (float32 tensors, autograd for
grad_x). The float64 ones are the same functions on the float32 inputs
widened to float64: torch's float64 kernels for the forward and, where
PyTorch's backward takes x, for grad_x (autograd); where it takes the
forward's output y (tanh, sigmoid, softmax, log_softmax), its formula in
float64 from PyTorch's float32 y, which is what the C function receives.
Where a float64 value is not finite it is written as 0 (the test then
asks for PyTorch's float32 bits).

The error scale s of each value is a bound, up to a small factor, of what
the float32 formula's roundings (each at most 2^-24 relative, libm's
functions a few units in the last place) can move it: the test allows
16 * 2^-24 * s (plus 2^-140 for results in the subnormal range):
    relu6, leaky_relu, tanh, sigmoid, silu: |y| (one to four roundings,
        each relative to the result);
    gelu: |y| + |x| (1 + erf or 1 + tanh cancels to a difference of
        order 2^-24 times x / 2);
    softmax: y (n + 4 + |x - max|) (exp's argument x - max rounded, the
        sum of n terms);
    log_softmax: |x - max| + 2 |log sum| + n + 4;
    backward, from x or y as the forward's float32 value:
        relu6, leaky_relu: |grad_x|;  tanh: |g| (1 + y^2);
        sigmoid: |g| (|(1 - y) y| + |y|);  silu: |g| (1 + 2 |x|);
        gelu 'none': |g| (1 + |x| (1 + x^2) pdf(x));
        gelu 'tanh': |g| (2 + |x| + |x|^3 / 5) (1 - tanh^2 from a tanh near 1);
        softmax: |y| (|g| + (n + 2) sum |g y|);
        log_softmax: |g| + exp(y) (n + 4) sum |g|.
"""
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "activations.txt")

INF, NAN = float("inf"), float("nan")
SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 6.0, -6.0, 1e-45, -1e-45, 1e-38, -1e-38, 1e-7, -1e-7,
            0.5, -0.5, 3.0, -3.0, 9.0, -9.0, 15.0, -15.0, 20.0, -20.0, 40.0, -40.0, 88.7, -88.7,
            89.0, -89.0, 100.0, -100.0, 104.0, -104.0, 1e4, -1e4, 1e20, -1e20, 3.4e38, -3.4e38,
            5.999999, 6.000001, 1e-30, 0.044715]


def hexf(t):
    return " ".join("%x" % (b & 0xFFFFFFFF) for b in t.contiguous().view(torch.int32).reshape(-1).tolist())


def dbl(t):
    return " ".join(repr(v) if math.isfinite(v) else "0" for v in t.reshape(-1).tolist())


def forward(name, param, x):
    if name == "relu6":
        return F.relu6(x)
    if name == "leaky_relu":
        return F.leaky_relu(x, param)
    if name == "tanh":
        return torch.tanh(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "silu":
        return F.silu(x)
    if name == "gelu":
        return F.gelu(x, approximate="tanh" if param else "none")
    if name == "softmax":
        return F.softmax(x, dim=-1)
    return F.log_softmax(x, dim=-1)


def from_output(name):
    return name in ("tanh", "sigmoid", "softmax", "log_softmax")


def grad64_from_y(name, y, g):
    """PyTorch's backward formula from the forward's output, in float64"""
    if name == "tanh":
        return g * (1 - y * y)
    if name == "sigmoid":
        return g * (1 - y) * y
    if name == "softmax":
        return (g - (g * y).sum(-1, keepdim=True)) * y
    return g - torch.exp(y) * g.sum(-1, keepdim=True)


def scales(name, param, x, y, g, gx):
    """the error scales of the forward (from float64 x, y) and of grad_x"""
    n = x.shape[-1]
    ay = y.abs()
    if name in ("relu6", "leaky_relu", "tanh", "sigmoid", "silu"):
        m = ay
    elif name == "gelu":
        m = ay + x.abs()
    elif name == "softmax":
        mx = x.max(-1, keepdim=True).values
        m = y * (n + 4 + (x - mx).abs())
    else:
        mx = x.max(-1, keepdim=True).values
        lse = torch.log(torch.exp(x - mx).sum(-1, keepdim=True))
        m = (x - mx).abs() + 2 * lse.abs() + n + 4
    ag = g.abs()
    if name in ("relu6", "leaky_relu"):
        k = gx.abs()
    elif name == "tanh":
        k = ag * (1 + y * y)
    elif name == "sigmoid":
        k = ag * (((1 - y) * y).abs() + y.abs())
    elif name == "silu":
        k = ag * (1 + 2 * x.abs())
    elif name == "gelu" and not param:
        pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        k = ag * (1 + x.abs() * (1 + x * x) * pdf)
    elif name == "gelu":
        k = ag * (2 + x.abs() + x.abs() ** 3 / 5)
    elif name == "softmax":
        k = y.abs() * (ag + (n + 2) * (g * y).abs().sum(-1, keepdim=True))
    else:
        k = ag + torch.exp(y) * (n + 4) * ag.sum(-1, keepdim=True)
    return m, k


def case(name, param, x32, g32):
    rows, n = x32.shape
    xr = x32.clone().requires_grad_(True)
    y32 = forward(name, param, xr)
    gx32, = torch.autograd.grad(y32, xr, g32)
    y32 = y32.detach()
    x64 = x32.double()
    g64 = g32.double()
    if from_output(name):
        y64 = forward(name, param, x64)
        gx64 = grad64_from_y(name, y32.double(), g64)
        m = scales(name, param, x64, y64, g64, gx64)[0]
        k = scales(name, param, x64, y32.double(), g64, gx64)[1]
    else:
        xr64 = x64.clone().requires_grad_(True)
        y64 = forward(name, param, xr64)
        gx64, = torch.autograd.grad(y64, xr64, g64)
        y64 = y64.detach()
        m, k = scales(name, param, x64, y64, g64, gx64)
    return ["case %s %r %d %d" % (name, float(param), rows, n),
            "x " + hexf(x32), "g " + hexf(g32),
            "y " + hexf(y32), "r " + dbl(y64), "m " + dbl(m),
            "d " + hexf(gx32), "e " + dbl(gx64), "k " + dbl(k), "end"]


def main():
    gen = torch.Generator().manual_seed(20261205)
    lines = []
    elementwise = [("relu6", 0), ("leaky_relu", 0.01), ("leaky_relu", 0.2), ("leaky_relu", -0.5),
                   ("tanh", 0), ("sigmoid", 0), ("silu", 0), ("gelu", 0), ("gelu", 1)]
    special = torch.tensor([SPECIALS], dtype=torch.float32)
    for name, param in elementwise:
        g = torch.randn(special.shape, generator=gen)
        lines += case(name, param, special, g)
        for scale in (1.0, 4.0):        # around the curves' bends, and their tails
            x = torch.randn(1, 64, generator=gen) * scale
            lines += case(name, param, x, torch.randn(x.shape, generator=gen))
        mags = torch.exp(torch.empty(1, 48).uniform_(-18, 7, generator=gen))   # 1.5e-8 .. 1100
        signs = torch.where(torch.rand(1, 48, generator=gen) < 0.5, -1.0, 1.0)
        x = (mags * signs).float()
        lines += case(name, param, x, torch.randn(x.shape, generator=gen))
    for name in ("softmax", "log_softmax"):
        for rows, n, scale in ((1, 1, 1.0), (3, 7, 1.0), (4, 33, 5.0), (2, 64, 20.0), (5, 10, 0.01)):
            x = torch.randn(rows, n, generator=gen) * scale
            lines += case(name, 0, x, torch.randn(x.shape, generator=gen))
        x = torch.randn(2, 16, generator=gen) + torch.tensor([[1e4], [-3e4]])   # far from 0
        lines += case(name, 0, x, torch.randn(x.shape, generator=gen))
        x = torch.tensor([[INF, 1.0, 2.0], [-INF, -INF, -INF], [NAN, 1.0, 2.0], [1.0, NAN, 2.0], [1.0, 2.0, INF], [-INF, 1.0, 2.0],
                          [100.0, -100.0, 0.0], [88.0, 89.0, 90.0]])
        lines += case(name, 0, x, torch.randn(x.shape, generator=gen))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT, sum(1 for l in lines if l.startswith("case")), "cases")


if __name__ == "__main__":
    main()
