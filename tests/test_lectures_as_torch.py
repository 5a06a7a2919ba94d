"""The four makemore lectures' code (tests/lecture_code.py, lecture_code_later.py) runs on minigrad with only the
import changed, and prints PyTorch's numbers: each part is run twice, with
``torch`` = minigrad and with the real PyTorch, and every printed value is compared."""

import re

import numpy as np
import pytest

import lecture_code
import lecture_code_later
import makemore_data
import minigrad

NUMBER = re.compile(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?")
STEPS = {"part2": 100, "part3": 300, "part4": 50, "part5": 100}
# what the notebooks' code prints under torch 2.13 for these steps, taken once from it
TORCH_PRINTS = {
    "part2": {"dev loss": 9.403202056884766, "manual loss": 24.412067413330078,
              "samples": [[3, 5, 24, 6, 25, 12, 1, 1, 1, 12, 9, 14, 18, 9, 0], [9, 25, 3, 1, 4, 4, 18, 9, 19, 8, 0],
                          [13, 1, 18, 9, 0], [13, 1, 18, 9, 0], [13, 1, 18, 9, 0]]},
    "part3": {"dev loss": 2.703920602798462},
    "part4": {"loss": 3.3345839977264404},
    "part5": {"dev loss": 2.56874680519104, "nparams": 76579,
              "samples": [[12, 9, 19, 8, 0], [22, 4, 1, 22, 5, 1, 2, 0], [11, 5, 12, 9, 26, 1, 25, 0]]},
}


@pytest.fixture(scope="module")
def words():
    return makemore_data.read_words()


def run(part, torch, words):
    module = lecture_code if part in lecture_code.__all__ else lecture_code_later
    return getattr(module, part)(torch, words, steps=STEPS[part])


def assert_same(mine, theirs, where="", rtol=2e-4, atol=1e-6):
    """Equal structure, equal integers and words, floats (also inside printed lines) close."""
    if isinstance(theirs, dict):
        assert mine.keys() == theirs.keys(), where
        for key in theirs:
            assert_same(mine[key], theirs[key], f"{where}[{key!r}]", rtol, atol)
    elif isinstance(theirs, (list, tuple)):
        assert len(mine) == len(theirs), where
        for i, (a, b) in enumerate(zip(mine, theirs)):
            assert_same(a, b, f"{where}[{i}]", rtol, atol)
    elif isinstance(theirs, str):
        assert NUMBER.sub("#", mine) == NUMBER.sub("#", theirs), where
        np.testing.assert_allclose([float(x) for x in NUMBER.findall(mine)],
                                   [float(x) for x in NUMBER.findall(theirs)], rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(theirs, (bool, int)) and not isinstance(theirs, float):
        assert mine == theirs, where
    else:
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, err_msg=where)


@pytest.mark.parametrize("part", sorted(STEPS))
def test_the_lecture_runs_on_minigrad_and_prints_torchs_numbers(part, words):
    printed = run(part, minigrad, words)
    expected = TORCH_PRINTS[part]
    assert_same({key: printed[key] for key in expected}, expected, part)
    if part == "part4":  # every hand-derived gradient of the exercises matches the engine's
        assert all(printed["exercise 1 approximate"]) and printed["exercise 2"] and printed["exercise 3"]


# torch warns of the notebook's own '%.2f' % t.mean() on a tensor that requires grad
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
@pytest.mark.parametrize("part", sorted(STEPS))
def test_every_printed_value_matches_torch(part, words):
    torch = pytest.importorskip("torch")
    # the printed statistics of 1e-4-sized gradients are compared to 1e-6 absolutely
    assert_same(run(part, minigrad, words), run(part, torch, words), part)
