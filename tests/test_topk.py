"""topk as PyTorch's CPU build gives it, equal values and NaN included: which of several
equal values comes first is what libstdc++'s nth_element, sort and partial_sort make of
ATen's row, so rows full of ties are compared with torch index for index."""

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch

# (rows, length, k, distinct values, largest, sorted): short rows take nth_element and sort,
# long ones with a small k partial_sort, the depth limit's heap select too
SHAPES = [(3, 27, 1, 1, True, True), (4, 27, 5, 3, True, True), (4, 27, 5, 3, False, True),
          (2, 40, 40, 4, True, True), (2, 40, 7, 2, True, False), (3, 300, 4, 5, True, True),
          (3, 300, 2, 5, False, False), (2, 1000, 100, 3, True, True), (2, 17, 16, 2, False, True)]


@requires_torch
@pytest.mark.parametrize("rows, n, k, levels, largest, ordered", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_ties_come_in_pytorchs_order(rows, n, k, levels, largest, ordered, dtype):
    x = np.random.default_rng(n * k + levels).integers(0, levels, (rows, n)).astype(dtype)
    ours = mg.tensor(x).topk(k, largest=largest, sorted=ordered)
    theirs = torch.from_numpy(x).topk(k, largest=largest, sorted=ordered)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


@requires_torch
@pytest.mark.parametrize("largest", [True, False])
def test_nan_is_the_largest(largest):
    x = np.array([[1.0, np.nan, 3.0, np.nan, 3.0, 0.0]], np.float32)
    ours, theirs = mg.tensor(x).topk(4, largest=largest), torch.from_numpy(x).topk(4, largest=largest)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_a_row_of_different_values_is_sorted_and_picks_get_the_gradient():
    x = mg.tensor([[0.5, -1.0, 2.0, 1.0]], requires_grad=True)
    values, indices = mg.topk(x, 2)
    assert values.tolist() == [[2.0, 1.0]] and indices.tolist() == [[2, 3]]
    (values * mg.tensor([[3.0, 5.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 3.0, 5.0]]


@pytest.mark.parametrize("k", [-1, 5, 1.5, True])
def test_k_out_of_range_names_the_op_and_the_shape(k):
    with pytest.raises(RuntimeError, match=r"topk: k=.* is out of range for dim 1 of size 4 \(shape \(2, 4\)\)"):
        mg.zeros(2, 4).topk(k)
