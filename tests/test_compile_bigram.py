"""mg.compile and the tensors a step makes from its inputs rather than by an op: the first
makemore lecture's neural bigram step (``F.one_hot`` of the batch, ``torch.arange`` of its
rows) compiles and gives the eager step's losses and weights; one_hot's errors are raised
by the compiled step as by eager mode; a step that reads ``.grad`` is told to use an optimizer."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

DATA = np.random.default_rng(7)
XS, YS = DATA.integers(0, 27, (50, 64)), DATA.integers(0, 27, (50, 64))
XS[:, 0] = 26  # every batch has all 27 classes for num_classes=-1 to count


def bigram(num_classes=27):
    """The lecture's bigram net, W of (27, 27), its loss with the lecture's regularisation,
    stepped by SGD: the step as written for eager mode."""
    W = mg.randn((27, 27), generator=mg.Generator().manual_seed(2147483647), requires_grad=True)
    optimizer = mg.optim.SGD([W], lr=50)

    def step(xs, ys):
        xenc = F.one_hot(xs, num_classes=num_classes).float()
        counts = (xenc @ W).exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[mg.arange(xs.nelement()), ys].log().mean() + 0.01 * (W ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return W, step


def assert_compiled_bigram_trains_as_eager(num_classes):
    (eager_W, eager_step), (W, step) = bigram(num_classes), bigram(num_classes)
    compiled = mg.compile(step)
    for xs, ys in zip(XS, YS):
        xs, ys = mg.tensor(xs), mg.tensor(ys)
        assert compiled(xs, ys).item() == pytest.approx(eager_step(xs, ys).item(), rel=1e-6)
    assert compiled.traces == 1 and "one_hot_table(" in compiled.source and "arange(" in compiled.source
    np.testing.assert_allclose(W.numpy(), eager_W.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("num_classes", [27, -1], ids=["num_classes given", "num_classes counted"])
def test_the_lectures_bigram_step_compiles_and_trains_as_eager(num_classes):
    assert_compiled_bigram_trains_as_eager(num_classes)


@pytest.mark.parametrize("num_classes, bad, message", [
    (27, 27, r"one_hot: indices must lie in \[0, 26\]"),
    (27, -1, r"one_hot: indices must lie in \[0, 26\]"),
    (-1, 0, "the indices need 1 classes, but this compiled step was traced with 27"),
])
def test_one_hot_checks_each_call_s_indices(num_classes, bad, message):
    compiled = mg.compile(bigram(num_classes)[1])
    xs = XS[0].copy()
    compiled(mg.tensor(xs), mg.tensor(YS[0]))  # traced with 27 classes
    xs[:] = 0
    xs[1] = bad
    with pytest.raises(IndexError, match=message):
        compiled(mg.tensor(xs), mg.tensor(YS[0]))


def test_a_step_reading_grad_is_told_to_update_with_an_optimizer():
    W = mg.randn((27, 27), requires_grad=True)

    def step(xs, ys):
        loss = F.cross_entropy(F.one_hot(xs, 27).float() @ W, ys)
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
        return loss

    with pytest.raises(mg.CompileError, match=r"reads a gradient \(.grad\).*optimizer.step\(\)"):
        mg.compile(step)(mg.tensor(XS[0]), mg.tensor(YS[0]))
