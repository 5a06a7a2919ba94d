"""What the debugging tests share: the lecture's setup, small leaves, and the check that
every test leaves the debugging modes off (an autouse fixture each test_debug_* module imports)."""

import sys

import numpy as np
import pytest

import minigrad as mg

import lecture  # examples/lecture.py, on sys.path through conftest.py

INTERMEDIATES = ["emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw",
                 "hpreact", "h", "logits", "logit_maxes", "norm_logits", "counts", "counts_sum",
                 "counts_sum_inv", "probs", "logprobs"]


def next_line():
    """The number of the line after the caller's: where the op under test is made."""
    return sys._getframe(1).f_lineno + 1


def leaf(*values, label=None):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True, label=label)


def lecture_setup(seed=42):
    """The lecture's MLP (64 hidden) under the lecture's parameter names, and a random batch of 32."""
    rng = np.random.default_rng(seed)
    model = lecture.MLP(27, n_hidden=64, generator=rng)
    return model, lecture.lecture_parameters(model), rng.integers(0, 27, (32, 3)), rng.integers(0, 27, 32)


@pytest.fixture(autouse=True)
def modes_off_after_each_test():
    """Every test leaves the debugging modes off: an op's output is neither retained nor traced."""
    yield
    assert_modes_off()


def assert_modes_off():
    out = mg.tensor([1.0], requires_grad=True) * 1
    assert not out.retains_grad and out.origin is None
