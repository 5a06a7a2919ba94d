"""mg.compile and the step's targets: whatever values the targets take on a later call (the
first call's np.arange(n) among them), the compiled step gives the eager step's losses."""

import numpy as np
import pytest

from test_compile import X, Y, chunked_training, training

import minigrad as mg

N = 27  # rows per batch: np.arange(N) is a batch of valid targets


def assert_losses_as_eager(make_training, first_targets):
    """The first call's targets are ``first_targets``, the later calls' random: the same
    losses compiled and eager, from one trace."""
    (_, _, eager), (_, _, step) = make_training()[-3:], make_training()[-3:]
    compiled = mg.compile(step)
    rng = np.random.default_rng(4)
    batches = [(X[:N], first_targets)] + [(X[ix], Y[ix]) for ix in rng.integers(0, len(X), (5, N))]
    for Xb, Yb in batches:
        assert compiled(Xb, Yb).item() == pytest.approx(eager(Xb, Yb).item(), rel=1e-5)
    assert compiled.traces == 1


def test_targets_equal_to_arange_on_the_first_call_are_read_on_every_call():
    assert_losses_as_eager(lambda: training(lr=0.1), np.arange(N))


def test_the_lecture_graph_s_targets_equal_to_its_range_index_are_read_on_every_call():
    assert_losses_as_eager(lambda: (None,) + chunked_training(), np.arange(N))
