"""The Tensor outside of gradients: dtypes, conversions, comparisons, factories."""

import numpy as np
import pytest

import minigrad as mg


@pytest.fixture
def default_float64():
    mg.set_default_dtype(mg.float64)
    try:
        yield
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    (3, np.int64),
    ([[1, 2], [3, 4]], np.int64),
    (True, np.bool_),
    ([True, False], np.bool_),
    (np.zeros(2, dtype=np.float64), np.float64),
    (np.zeros(2, dtype=np.int32), np.int32),
    (np.zeros(2, dtype=np.float16), np.float16),
    (np.float64(2.0), np.float64),
])
def test_dtype_of_data(data, dtype):
    assert mg.tensor(data).dtype == dtype


def test_dtype_argument_wins():
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64


def test_set_default_dtype(default_float64):
    assert mg.get_default_dtype() == np.float64
    assert mg.tensor(1.5).dtype == np.float64
    assert mg.tensor(1).dtype == np.int64
    assert mg.zeros(2).dtype == mg.randn(2).dtype == mg.rand(2).dtype == np.float64


def test_set_default_dtype_accepts_only_floats():
    with pytest.raises(TypeError, match="set_default_dtype.*int64"):
        mg.set_default_dtype(mg.int64)
    assert mg.get_default_dtype() == np.float32


@pytest.mark.parametrize("fn, dtype", [
    (lambda x, i: x + 1.5, np.float32),
    (lambda x, i: i + 1.5, np.float32),  # int tensor and Python float: default float, as in torch
    (lambda x, i: i + x, np.float32),
    (lambda x, i: i * 2, np.int64),
    (lambda x, i: i / 2, np.float32),  # true division of ints gives floats
    (lambda x, i: x.double() + x, np.float64),
    (lambda x, i: x * np.float64(2.0), np.float32),  # numpy scalars count as Python scalars
])
def test_dtype_of_arithmetic(fn, dtype):
    assert fn(mg.ones(2), mg.tensor([1, 2])).dtype == dtype


def test_tensor_of_a_tensor_copies_without_graph():
    x = mg.randn(3, requires_grad=True)
    y = x * 2
    copy = mg.tensor(y)
    assert copy.is_leaf and not copy.requires_grad
    assert not np.shares_memory(copy.numpy(), y.numpy())
    np.testing.assert_array_equal(copy.numpy(), y.numpy())


def test_constructor_wraps_without_copying():
    data = np.zeros(3)
    assert mg.Tensor(data).numpy() is data


@pytest.mark.parametrize("compare, expected", [
    (lambda a, b: a == b, [False, True, False]),
    (lambda a, b: a != b, [True, False, True]),
    (lambda a, b: a < b, [True, False, False]),
    (lambda a, b: a <= b, [True, True, False]),
    (lambda a, b: a > b, [False, False, True]),
    (lambda a, b: a >= b, [False, True, True]),
    (lambda a, b: a > 1.5, [False, True, True]),
    (lambda a, b: 2.0 == a, [False, True, False]),
])
def test_comparisons_give_bool_tensors_without_graph(compare, expected):
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    result = compare(a, b)
    assert result.dtype == np.bool_ and not result.requires_grad
    assert result.tolist() == expected


def test_hash_is_identity():
    # == is element-wise, so sets and dicts must go by identity, as in torch
    a, b = mg.zeros(2), mg.zeros(2)
    assert len({a, b}) == 2 and a in {a} and b not in {a}
    assert {a: "a", b: "b"}[b] == "b"


def test_numpy_conversions():
    x = mg.tensor([1.0, 2.0])
    assert np.asarray(x) is x.numpy() and x.numpy() is x.numpy()
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(x), x.numpy())


def test_ndarray_on_the_left_gives_a_tensor():
    x = mg.ones(2, requires_grad=True)
    for y in (np.full(2, 3.0) * x, np.full(2, 3.0) + x, np.full(2, 3.0) - x):
        assert isinstance(y, mg.Tensor) and y.requires_grad


def test_repr():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x + x) == "tensor([2., 4.], grad_fn=<AddBackward0>)"
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=float64)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"


def test_item_tolist_numel_len():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert mg.tensor(2.5).item() == 2.5 and isinstance(mg.tensor(3).item(), int)
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert x.numel() == 6 and len(x) == 2
    assert x.shape == x.size() == (2, 3) and x.size(1) == 3 and x.ndim == x.dim() == 2
    assert [row.tolist() for row in x] == [[1, 2, 3], [4, 5, 6]]
    assert float(mg.tensor([2.5])) == 2.5 and int(mg.tensor(7)) == 7


def test_an_int_tensor_indexes_like_an_int():
    assert [10, 20, 30][mg.tensor(1)] == 20


@pytest.mark.parametrize("make, shape, dtype", [
    (lambda: mg.zeros(2, 3), (2, 3), np.float32),
    (lambda: mg.zeros((2, 3)), (2, 3), np.float32),
    (lambda: mg.ones(4, dtype=mg.float64), (4,), np.float64),
    (lambda: mg.zeros_like(mg.tensor([[1, 2]])), (1, 2), np.int64),
    (lambda: mg.ones_like(mg.zeros(3, dtype=mg.float64)), (3,), np.float64),
    (lambda: mg.full((2, 3), 7.0), (2, 3), np.float32),
    (lambda: mg.full(3, 2), (3,), np.int64),
    (lambda: mg.arange(5), (5,), np.int64),
    (lambda: mg.arange(0, 1, 0.25), (4,), np.float32),
    (lambda: mg.randn(2, 3), (2, 3), np.float32),
    (lambda: mg.rand((2, 3), dtype=mg.float64), (2, 3), np.float64),
    (lambda: mg.randint(0, 10, (4, 2)), (4, 2), np.int64),
    (lambda: mg.randint(10, (3,)), (3,), np.int64),
])
def test_factory_shape_and_dtype(make, shape, dtype):
    made = make()
    assert made.shape == shape and made.dtype == dtype and not made.requires_grad


def test_factory_values():
    np.testing.assert_array_equal(mg.zeros(2).numpy(), [0, 0])
    np.testing.assert_array_equal(mg.ones(2).numpy(), [1, 1])
    np.testing.assert_array_equal(mg.full((2,), 7.0).numpy(), [7, 7])
    np.testing.assert_array_equal(mg.arange(1, 7, 2).numpy(), [1, 3, 5])
    uniform = mg.rand(1000, generator=np.random.default_rng(0)).numpy()
    assert uniform.min() >= 0 and uniform.max() < 1
    integers = mg.randint(3, 6, (1000,), generator=np.random.default_rng(0)).numpy()
    assert set(integers.tolist()) == {3, 4, 5}


@pytest.mark.parametrize("make", [
    lambda generator: mg.randn(3, 4, generator=generator),
    lambda generator: mg.rand(3, 4, generator=generator),
    lambda generator: mg.randint(0, 100, (3, 4), generator=generator),
])
def test_random_factories_are_reproducible_with_a_generator(make):
    first = make(np.random.default_rng(7)).numpy()
    np.testing.assert_array_equal(first, make(np.random.default_rng(7)).numpy())
    assert not np.array_equal(first, make(np.random.default_rng(8)).numpy())


def test_manual_seed_makes_the_default_generator_reproducible():
    mg.manual_seed(3)
    first = mg.randn(5).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(first, mg.randn(5).numpy())


def test_factories_can_require_grad():
    assert all(t.requires_grad and t.is_leaf for t in (
        mg.zeros(2, requires_grad=True), mg.ones(2, requires_grad=True), mg.randn(2, requires_grad=True),
        mg.full((2,), 1.0, requires_grad=True), mg.zeros_like(mg.ones(2), requires_grad=True)))
