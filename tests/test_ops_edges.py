"""Ops on inputs a probe of unusual values found wrong (issue 22): logits that are not
C-contiguous, tuples inside an index, gradients at NaN and ±inf, 0-d tensors. One line
per case, checked by ``check_op`` against finite differences and PyTorch."""

import numpy as np
import pytest

import minigrad as mg
from helpers import case, check_op, functional, torch

inf, nan = np.inf, np.nan

LAYOUTS = [
    case("cross_entropy of transposed logits", lambda lib, x, t: functional(lib).cross_entropy(x.T, t), (3, 5), np.array([1, 0, 2, 1, 2])),
    case("cross_entropy of permuted logits", lambda lib, x, t: functional(lib).cross_entropy(x.permute(1, 0), t), (4, 2), np.array([1, 0])),
    case("cross_entropy of Fortran-ordered logits", lambda lib, x, t: functional(lib).cross_entropy(x, t), np.asfortranarray(np.linspace(-2, 2, 15).reshape(5, 3)), np.array([1, 0, 2, 1, 2])),
    case("cross_entropy of a column slice", lambda lib, x, t: functional(lib).cross_entropy(x[:, ::2], t), (3, 6), np.array([1, 0, 2])),
]

INDICES = [
    case("int, tuple and list", lambda lib, x: x[0, (2, 1), [0, 1]], (2, 3, 4)),
    case("tuple of rows", lambda lib, x: x[(2, 0), 1:], (3, 4)),
    case("two tuples", lambda lib, x: x[(0, 1), (3, 2)], (3, 4)),
]


@pytest.mark.parametrize("fn, inputs, options", LAYOUTS + INDICES)
def test_op_on_unusual_input(fn, inputs, options):
    check_op(fn, *inputs, **options)


def written(make, lib):
    """The values of a 0-d result after each in-place write: fill_, zero_, x[()] = v, copy_."""
    values = []
    for write in (lambda r: r.fill_(True), lambda r: r.zero_(), lambda r: r.__setitem__((), 1), lambda r: r.copy_(lib.tensor(0))):
        result = make(lib)
        write(result)
        values.append(result.item())
    return values


# a 0-d result holds an array, so that in-place writes change it (a numpy scalar would not)
ZERO_D_RESULTS = [
    pytest.param(lambda lib: lib.tensor(1.5) > 0, id="comparison"),
    pytest.param(lambda lib: lib.tensor(1.5).isnan(), id="isnan"),
    pytest.param(lambda lib: lib.tensor(1.5).isinf(), id="isinf"),
    pytest.param(lambda lib: lib.tensor(1.5).isfinite(), id="isfinite"),
    pytest.param(lambda lib: ~(lib.tensor(1.5) > 0), id="invert"),
    pytest.param(lambda lib: lib.tensor(1.5).logical_not(), id="logical_not"),
    pytest.param(lambda lib: lib.tensor(1.5) * 2, id="mul"),
    pytest.param(lambda lib: lib.tensor([1.0, 2.0]).sum(), id="sum"),
    pytest.param(lambda lib: lib.tensor([1.0, 2.0]).argmax(), id="argmax"),
    pytest.param(lambda lib: lib.tensor([True, False]).any(), id="any"),
]


@pytest.mark.parametrize("make", ZERO_D_RESULTS)
def test_a_0d_result_can_be_written_in_place(make):
    expected = [1, 0, 1, 0]
    assert written(make, mg) == expected
    if torch is not None:
        assert written(make, torch) == expected
