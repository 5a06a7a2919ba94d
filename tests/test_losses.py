"""The losses of issue 14 against finite differences and torch, one line per case."""

import numpy as np
import pytest

import minigrad as mg
from helpers import Uniform, case, check_op, functional, variants

T = np.array([1, 0, 3, 1])
T_IGNORED = np.array([1, -100, 3, 1])
T_SPATIAL = np.array([[0, 2], [1, 1], [2, 0]])
W = np.array([0.5, 2.0, 1.0, 3.0])
PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.0, 0.5, 0.5, 0.0]])
BINARY = np.array([[0.0, 1.0, 1.0], [0.0, 0.25, 1.0]])


def F(lib):
    return functional(lib)


def weight(lib, x):
    return lib.tensor(W, dtype=x.dtype)


LOSSES = [
    case("cross_entropy sum", lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="sum"), (4, 4), T),
    case("cross_entropy none", lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="none"), (4, 4), T),
    case("cross_entropy ignore_index", lambda lib, x, t: F(lib).cross_entropy(x, t), (4, 4), T_IGNORED),
    case("cross_entropy ignore_index none", lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="none"), (4, 4), T_IGNORED),
    case("cross_entropy own ignore_index", lambda lib, x, t: F(lib).cross_entropy(x, t, ignore_index=3), (4, 4), T),
    case("cross_entropy weight", lambda lib, x, t: F(lib).cross_entropy(x, t, weight=weight(lib, x)), (4, 4), T_IGNORED),
    case("cross_entropy label_smoothing", lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=0.2), (4, 4), T_IGNORED),
    case("cross_entropy smoothing weight sum", lambda lib, x, t: F(lib).cross_entropy(x, t, weight=weight(lib, x), label_smoothing=0.1, reduction="sum"), (4, 4), T),
    case("cross_entropy smoothing weight mean", lambda lib, x, t: F(lib).cross_entropy(x, t, weight=weight(lib, x), label_smoothing=0.1), (4, 4), T_IGNORED),
    case("cross_entropy probabilities", lambda lib, x, p: F(lib).cross_entropy(x, p), (4, 4), PROBS),
    case("cross_entropy probabilities smoothing none", lambda lib, x, p: F(lib).cross_entropy(x, p, label_smoothing=0.3, reduction="none"), (4, 4), PROBS),
    case("cross_entropy probabilities weight", lambda lib, x, p: F(lib).cross_entropy(x, p, weight=weight(lib, x)), (4, 4), PROBS),
    case("cross_entropy (N, C, d)", lambda lib, x, t: F(lib).cross_entropy(x, t), (3, 3, 2), T_SPATIAL),
    case("cross_entropy (N, C, d) none", lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="none"), (3, 3, 2), T_SPATIAL),
    case("cross_entropy 1-D sum", lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="sum"), (5,), np.array(2)),
    case("nll_loss", lambda lib, x, t: F(lib).nll_loss(x.log_softmax(1), t), (4, 4), T),
    case("nll_loss weight ignore", lambda lib, x, t: F(lib).nll_loss(x, t, weight=weight(lib, x)), (4, 4), T_IGNORED),
    case("nll_loss none", lambda lib, x, t: F(lib).nll_loss(x, t, reduction="none"), (4, 4), T_IGNORED),
    case("nll_loss (N, C, d) sum", lambda lib, x, t: F(lib).nll_loss(x, t, reduction="sum"), (3, 3, 2), T_SPATIAL),
    case("binary_cross_entropy", lambda lib, p, t: F(lib).binary_cross_entropy(p, t), Uniform((2, 3), 0.05, 0.95), Uniform((2, 3), 0.0, 1.0)),
    case("binary_cross_entropy weight sum", lambda lib, p, t: F(lib).binary_cross_entropy(p, t, weight=lib.tensor(BINARY + 0.5), reduction="sum"), Uniform((2, 3), 0.05, 0.95), BINARY),
    case("binary_cross_entropy at 0 and 1", lambda lib, p, t: F(lib).binary_cross_entropy(p, t, reduction="none"), np.array([0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0]), finite_differences=False),
    case("bce with logits", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t), (2, 3), Uniform((2, 3), 0.0, 1.0)),
    case("bce with logits large", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction="none"), np.array([-800.0, -30.0, 30.0, 800.0]), np.array([1.0, 0.0, 1.0, 0.5]), finite_differences=False),
    case("bce with logits pos_weight", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, pos_weight=lib.tensor(W[:3])), (2, 3), BINARY),
    case("bce with logits weight none", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, weight=lib.tensor(W[1:]), reduction="none"), (2, 3), BINARY),
    case("mse_loss", lambda lib, a, b: F(lib).mse_loss(a, b), (3, 4), (3, 4)),
    case("mse_loss sum", lambda lib, a, b: F(lib).mse_loss(a, b, reduction="sum"), (3, 4), (3, 4)),
    case("l1_loss none", lambda lib, a, b: F(lib).l1_loss(a, b, reduction="none"), (3, 4), (3, 4)),
    case("CrossEntropyLoss", lambda lib, x, t: lib.nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum")(x, t), (4, 4), T_IGNORED),
    case("NLLLoss", lambda lib, x, t: lib.nn.NLLLoss()(x, t), (4, 4), T),
    case("BCELoss", lambda lib, p, t: lib.nn.BCELoss()(p, t), Uniform((2, 3), 0.05, 0.95), BINARY),
    case("BCEWithLogitsLoss", lambda lib, x, t: lib.nn.BCEWithLogitsLoss()(x, t), (2, 3), BINARY),
    case("MSELoss", lambda lib, a, b: lib.nn.MSELoss()(a, b), (3, 4), (3, 4)),
    case("L1Loss", lambda lib, a, b: lib.nn.L1Loss(reduction="sum")(a, b), (3, 4), (3, 4)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(LOSSES))
def test_loss(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    out = mg.functional.binary_cross_entropy(mg.tensor([0.0, 1.0]), mg.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [100.0, 100.0])


def test_the_default_cross_entropy_stays_the_fused_op():
    out = mg.functional.cross_entropy(mg.randn(4, 3, requires_grad=True), mg.tensor([0, 2, 1, 1]))
    assert out.op == "cross_entropy"
    ignoring = mg.functional.cross_entropy(mg.randn(2, 3, requires_grad=True), mg.tensor([0, -100]))
    assert ignoring.op != "cross_entropy"


@pytest.mark.parametrize("bad, error", [
    (lambda: mg.functional.cross_entropy(mg.randn(2, 3), mg.tensor([0, 3])), IndexError),
    (lambda: mg.functional.cross_entropy(mg.randn(2, 3), mg.tensor([0, 1]), reduction="avg"), ValueError),
    (lambda: mg.functional.nll_loss(mg.randn(2, 3), mg.tensor([0.0, 1.0])), ValueError),
    (lambda: mg.functional.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])), ValueError),
    (lambda: mg.functional.mse_loss(mg.randn(2), mg.randn(2), reduction="avg"), ValueError),
])
def test_bad_loss_arguments_raise(bad, error):
    with pytest.raises(error):
        bad()
