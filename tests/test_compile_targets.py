"""mg.compile and the step's targets: whatever values they take on a later call (the first
call's np.arange(n) among them, ignore_index, a class out of range), the compiled step gives
the eager step's losses and gradients, or raises its error."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from test_compile import X, Y, chunked_training, training_step

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import lecture  # noqa: E402

N = 27  # rows per batch: np.arange(N) is a batch of valid targets
BATCHES = [Y[ix] for ix in np.random.default_rng(4).integers(0, len(X), (4, N))]


def mlp(ignore_index):
    """The lecture's MLP trained by F.cross_entropy(..., ignore_index): its parameters and its step."""
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    return list(model.parameters()), training_step(
        optimizer, lambda Xb, Yb: F.cross_entropy(model(Xb), Yb, ignore_index=ignore_index))


def one_row(ignore_index):
    """The loss of the batch's first row alone: 1-D logits and a single target (a 0-d array)."""
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    return list(model.parameters()), training_step(
        optimizer, lambda Xb, Yb: F.cross_entropy(model(Xb)[0], Yb, ignore_index=ignore_index))


def lecture_graph(ignore_index):
    """The lecture's chunked graph, its cross entropy written out (logprobs[range(n), Yb])."""
    params, step = chunked_training()
    return list(params.values()), step


def with_first(*targets):
    """Valid targets, then a batch whose first targets are ``targets``."""
    return [Y[:N], np.concatenate([targets, Y[len(targets):N]])]


def assert_as_eager(make, calls, ignore_index=-100):
    """One call of the step per batch of targets in ``calls``, eager and compiled (traced on the
    first): the same losses, then the same parameters and gradients, from one trace; or the
    same IndexError, on the call where eager raises it."""
    (eager_params, eager), (params, step) = make(ignore_index), make(ignore_index)
    compiled = mg.compile(step)
    for Yb in calls:
        try:
            expected = eager(X[:N], Yb).item()
        except IndexError as error:
            with pytest.raises(IndexError, match=f"^{re.escape(str(error))}$"):
                compiled(X[:N], Yb)
            return
        assert compiled(X[:N], Yb).item() == pytest.approx(expected, rel=1e-5, nan_ok=True)
    for p, q in zip(eager_params, params):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled.traces == 1


@pytest.mark.parametrize("make, calls, ignore_index", [
    (mlp, [np.arange(N)] + BATCHES, -100),  # the first targets equal np.arange(n): read on every call all the same
    (lecture_graph, [np.arange(N)] + BATCHES, None),
    (mlp, with_first(27), -100),  # a class past the end: cross_entropy's IndexError
    (mlp, with_first(-1), -100),  # a negative class that is not ignore_index
    (mlp, with_first(-1, 3, 27), -1),
    (mlp, with_first(-100, 5, -100), -100),  # ignored rows: the mean of the others
    (mlp, with_first(-1, -1) + BATCHES[:2], -1),  # the makemore repository's ignore_index=-1, then none ignored
    (mlp, with_first(*[-1] * N), -1),  # every row ignored: nan, as eager
    (lecture_graph, with_first(-1, -27), None),  # a negative index picks from the end of the row
    (mlp, with_first(-1, 5)[1:] + [Y[:N]] + with_first(-1, -1)[1:], -1),  # traced on ignored rows
    (mlp, with_first(-1, 5)[1:] + with_first(-1, 27)[1:], -1),
    (one_row, [np.array(target) for target in Y[:4]], -100),
    (one_row, [np.array(3), np.array(27)], -100),
], ids=["arange", "arange, lecture graph", "past the end", "negative", "past the end, ignore_index",
        "ignore_index", "ignore_index -1", "all ignored", "negative, lecture graph",
        "traced with ignore_index", "traced with ignore_index, then past the end",
        "one row", "one row past the end"])
def test_a_compiled_step_takes_each_call_s_targets_as_eager_mode(make, calls, ignore_index):
    assert_as_eager(make, calls, ignore_index)
