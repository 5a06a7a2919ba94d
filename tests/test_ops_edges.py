"""Ops on inputs a probe of unusual values found wrong (issue 22): logits that are not
C-contiguous, tuples inside an index, gradients at NaN and ±inf, 0-d tensors. One line
per case, checked by ``check_op`` against finite differences and PyTorch."""

import numpy as np
import pytest

from helpers import case, check_op, functional

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
