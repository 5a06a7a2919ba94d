"""Tensors print as PyTorch prints them (number format, padding, rows wrapped at 80
characters, summaries past 1000 elements) and name their grad_fn as PyTorch does where it
is the same op; compared with torch where installed."""

import re

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

VALUES = [
    lambda: np.random.default_rng(0).standard_normal((3, 27)).astype(np.float32),  # 9 a line in PyTorch
    lambda: np.arange(27, dtype=np.float32) / 10,
    lambda: np.arange(27, dtype=np.float32) / -10,
    lambda: np.zeros(2000, np.float32),
    lambda: np.random.default_rng(1).standard_normal((40, 50)).astype(np.float32),
    lambda: np.random.default_rng(2).standard_normal((10, 10, 12)).astype(np.float32),
    lambda: np.random.default_rng(3).standard_normal((5, 300)).astype(np.float32) * 1e5,
    lambda: np.array([-np.inf, 1.0, 2.0], np.float32),
    lambda: np.array([np.nan, 0.5], np.float32),
    lambda: np.array([1e-5, 1.0], np.float32),
    lambda: np.array([[True, False], [True, True]]),
    lambda: np.array([[1, -200], [3, 4]]),
    lambda: np.arange(2000),
    lambda: np.random.default_rng(4).integers(0, 27, (32, 3)),
    lambda: np.array(0.537, np.float32),
    lambda: np.array(3),
    lambda: np.zeros(3, np.float64),
    lambda: np.random.default_rng(5).random((27, 27)),
]


@pytest.mark.parametrize("make", VALUES)
def test_a_tensor_prints_as_torchs(make):
    array = make()
    assert repr(mg.tensor(array)) == repr(torch.tensor(array)).replace("torch.", "")


def grad_fns(lib):
    F = lib.nn.functional
    lib.manual_seed(0)
    x, w, b = (lib.randn(*shape, requires_grad=True) for shape in [(4, 5), (3, 5), (3,)])
    x3, v = lib.randn(2, 4, 5, requires_grad=True), lib.randn(5, requires_grad=True)
    return [
        F.linear(x, w, b), F.linear(x, w), F.linear(x3, w, b), F.linear(x3, w), F.linear(v, w, b), x @ w.T,
        x3 @ x3.transpose(-2, -1), v @ v, x @ v, v @ w.T, x.sum(), x.sum(0), x.max(), x.max(1).values, x.min(),
        x ** 2, x ** b[0], 2 ** x, x - 1, 1 - x, x - x, x + 1, x * 2, -x, x / 2, x.view(20), x.permute(1, 0),
        x.expand(2, 4, 5), x.exp(), x.log(), x.tanh(), x.relu(), x.sigmoid(), F.cross_entropy(x, lib.tensor([0, 1, 2, 3])),
        x.clone(), x.double(), lib.where(x > 0, x, x), x.tril(), lib.cat([x, x]), lib.stack([x, x]), x.clamp(0, 1),
        x.clamp(lib.zeros(5), lib.ones(5)), x.var(), x.std(), x.abs(), x.sqrt(), x.cumsum(1), x.prod(), x.flip(0),
        x.roll(1, 0), x.repeat(2, 1), lib.maximum(x, x), x.floor(), x.erf(), x.log1p(), F.logsigmoid(x),
        F.leaky_relu(x), F.gelu(x), x.softmax(1), F.layer_norm(x, (5,)), F.layer_norm(x, (5,), b[:1].expand(5)), x[0], x[:2], x[:, 0], x[[0, 1]], x[x > 0], x[None], x[..., 1],
        x[lib.tensor([0, 1])], x[:, -1, None], x3[:, -1, :], x[0, :2], x[1:, 2:],
    ]


def test_grad_fn_names_are_torchs_for_the_same_op():
    ours = [re.search(r"grad_fn=<(\w+)>", repr(t)).group(1) for t in grad_fns(mg)]
    theirs = [type(t.grad_fn).__name__ for t in grad_fns(torch)]
    assert ours == theirs


def test_a_drawing_keeps_the_ops_own_name():
    x = mg.randn(3, requires_grad=True)
    y = x * 2
    assert y.op == "mul" and "grad_fn=<MulBackward0>" in repr(y)
