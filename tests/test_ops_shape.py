"""The shape, indexing, reduction and creation ops of issue 14, and PyTorch's answers at
their edges. One line per op case; ``check_op`` (helpers.py) does the checking."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import minigrad as mg
from helpers import case, check_op, requires_torch, torch, variants
from layouts import CONTIGUOUS, LAYOUTS

nan = np.nan
IDX = np.array([[0, 2, 1], [1, 1, 0]])

SHAPE_OPS = [
    case("expand", lambda lib, x: x.expand(2, 3, 4), (3, 1)),
    case("expand -1", lambda lib, x: x.expand(-1, 4), (3, 1)),
    case("expand_as", lambda lib, x, y: x.expand_as(y) * y, (1, 4), (3, 4)),
    case("repeat", lambda lib, x: x.repeat(2, 3), (2, 3)),
    case("repeat new dims", lambda lib, x: x.repeat(2, 1, 2), (3,)),
    case("repeat_interleave int", lambda lib, x: x.repeat_interleave(2, dim=1), (2, 3)),
    case("repeat_interleave flat", lambda lib, x: x.repeat_interleave(3), (2, 2)),
    case("repeat_interleave 0", lambda lib, x: x.repeat_interleave(0, dim=1), (2, 3)),
    case("repeat_interleave counts", lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 3]), dim=0), (3, 2)),
    case("unflatten", lambda lib, x: x.unflatten(1, (2, -1)), (3, 4)),
    case("movedim", lambda lib, x: x.movedim(0, -1), (2, 3, 4)),
    case("movedim two", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), (2, 3, 4)),
    case("flip", lambda lib, x: x.flip(0, 2), (2, 3, 4)),
    case("flip function", lambda lib, x: lib.flip(x, (1,)), (2, 3)),
    case("roll", lambda lib, x: x.roll(1, 0), (3, 4)),
    case("roll two dims", lambda lib, x: lib.roll(x, (1, -2), (1, 0)), (3, 4)),
    case("roll flat", lambda lib, x: x.roll(5), (3, 4)),
    case("tril", lambda lib, x: x.tril(), (4, 4)),
    case("triu diagonal 1", lambda lib, x: lib.triu(x, 1), (2, 3, 4)),
    case("tril diagonal -1", lambda lib, x: x.tril(-1), (3, 5)),
    case("narrow", lambda lib, x: x.narrow(1, 1, 2), (3, 4)),
    case("split int", lambda lib, x: x.split(2, dim=1)[1] * x.split(2, dim=1)[0], (3, 4)),
    case("split sections", lambda lib, x: lib.split(x, [1, 3], 1)[1], (3, 4)),
    case("split uneven", lambda lib, x: x.split(2)[-1], (5, 2)),
    case("chunk", lambda lib, x: x.chunk(3, 1)[2], (2, 7)),
    case("chunk function", lambda lib, x: lib.chunk(x, 2)[0], (5, 2)),
]

INDEX_OPS = [
    case("gather dim 1", lambda lib, x: x.gather(1, lib.tensor([[0, 0], [2, 1]])), (2, 3)),
    case("gather repeats", lambda lib, x: lib.gather(x, 0, lib.tensor(IDX)), (3, 4)),
    case("gather smaller index", lambda lib, x: x.gather(0, lib.tensor([[1, 0]])), (3, 4)),
    case("take_along_dim", lambda lib, x: lib.take_along_dim(x, lib.tensor([[0], [3], [1]]), 1), (3, 4)),
    case("take_along_dim argmax", lambda lib, x: x.take_along_dim(x.argmax(1, keepdim=True), dim=1), (3, 4)),
    case("take_along_dim flat", lambda lib, x: x.take_along_dim(lib.tensor([5, 0, 5])), (3, 4)),
    case("index_select", lambda lib, x: x.index_select(1, lib.tensor([3, 0, 3])), (2, 4)),
    case("masked_select", lambda lib, x: x.masked_select(x > 0), (3, 4)),
    case("masked_select broadcast", lambda lib, x: lib.masked_select(x, lib.tensor([True, False, True, True])), (3, 4)),
    case("int, slice, list", lambda lib, x: x[0, :, [0, 2]], (2, 3, 4)),
    case("list, slice, list", lambda lib, x: x[[0, 1], :, [0, 2]], (2, 3, 4)),
    case("slice, list, list", lambda lib, x: x[:, [0, 1], [0, 2]], (2, 3, 4)),
    case("slice, int, list", lambda lib, x: x[:, 0, [1, 2]], (2, 3, 4)),
    case("int, slice, list, slice", lambda lib, x: x[0, :, [0, 2, 0], :], (2, 3, 4, 2)),
    case("slice, int, slice, list", lambda lib, x: x[:, 0, :, [1, 1]], (2, 3, 4, 2)),
    case("None, int, slice, list", lambda lib, x: x[None, 0, :, [1, 0]], (2, 3, 4)),
    case("0-d tensor, slice, list", lambda lib, x: x[lib.tensor(1), :, [0, 3]], (2, 3, 4)),
    case("int, slice, mask", lambda lib, x: x[0, :, lib.tensor([True, False, True, True])], (2, 3, 4)),
]

REDUCTION_OPS = [
    case("prod", lambda lib, x: x.prod(), (3, 4)),
    case("prod dim", lambda lib, x: x.prod(1), (3, 4)),
    case("prod dim keepdim", lambda lib, x: lib.prod(x, 0, keepdim=True), (3, 4)),
    case("prod one zero", lambda lib, x: x.prod(1), np.array([[0.0, 2.0, 3.0], [1.0, 2.0, -1.5]])),
    case("prod two zeros", lambda lib, x: x.prod(), np.array([[0.0, 2.0], [0.0, 3.0]])),
    case("prod of int", lambda lib, x: x.prod(), np.array([[2, 3], [4, -1]], np.int32)),
    case("cumsum", lambda lib, x: x.cumsum(1), (3, 4)),
    case("cumsum function", lambda lib, x: lib.cumsum(x, dim=0), (3, 4)),
    case("cumsum of int", lambda lib, x: x.cumsum(0), np.array([1, 2, 3], np.int32)),
    case("cumprod", lambda lib, x: x.cumprod(1), (3, 4)),
    case("cumprod with zeros", lambda lib, x: lib.cumprod(x, 0), np.array([[1.5, 0.0], [0.0, 2.0], [3.0, 0.5], [2.0, 0.0]])),
    case("logcumsumexp", lambda lib, x: x.logcumsumexp(1), (3, 4)),
    case("logcumsumexp large", lambda lib, x: lib.logcumsumexp(x, 0), np.array([1000.0, 1001.0, -1000.0, 999.0]), finite_differences=False),
    case("var primitive", lambda lib, x: x.var((0, 2), keepdim=True), (2, 3, 4)),
    case("std correction 0", lambda lib, x: x.std(1, correction=0), (3, 4)),
    case("std all", lambda lib, x: x.std(), (3, 4)),
    case("std_mean", lambda lib, x: lib.std_mean(x, 1)[0] * lib.std_mean(x, 1)[1], (3, 4)),
    case("var_mean", lambda lib, x: lib.var_mean(x, 0, correction=0)[0] + lib.var_mean(x, 0)[1], (3, 4)),
    case("any", lambda lib, x: (x > 1).any(), (3, 4)),
    case("all dim", lambda lib, x: lib.all(x > -1, 1), (3, 4)),
    case("any keepdim", lambda lib, x: x.any(0, keepdim=True), np.array([[0, 0], [0, 3]])),
    case("isclose", lambda lib, a: lib.isclose(a, a + 1e-9), (3, 4)),
    case("log_softmax method", lambda lib, x: x.log_softmax(1), (3, 4)),
    case("softmax method", lambda lib, x: x.softmax(0), (3, 4)),
    case("max of nan", lambda lib, x: x.max(), np.array([[1.0, nan], [3.0, nan]]), finite_differences=False),
    case("min of nan", lambda lib, x: x.min(), np.array([1.0, nan, -3.0]), finite_differences=False),
    case("min dim of nan", lambda lib, x: x.min(0).values, np.array([[1.0, nan], [nan, 2.0]]), finite_differences=False),
]

CREATION = [
    case("meshgrid ij", lambda lib, a, b: lib.meshgrid(a, b, indexing="ij")[0] * lib.meshgrid(a, b, indexing="ij")[1], (3,), (4,)),
    case("meshgrid xy", lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing="xy")[2] + lib.meshgrid(a, b, c, indexing="xy")[0], (3,), (4,), (2,)),
    case("eye", lambda lib, x: x * lib.eye(3), (3, 3)),
    case("eye n m", lambda lib, x: x @ lib.eye(3, 2, dtype=x.dtype), (2, 3)),
    case("full_like", lambda lib, x: x * lib.full_like(x, 2.5), (2, 3)),
    case("full_like int", lambda lib, t: lib.full_like(t, 2.5), np.array([1, 2])),
    case("linspace", lambda lib, x: x * lib.linspace(-1, 2, 5), (5,)),
    case("logspace", lambda lib, x: x * lib.logspace(0, 2, 4, base=2), (4,)),
    case("zeros int dtype", lambda lib, t: t + lib.zeros(3, dtype=lib.int32), np.array([1, 2, 3], np.int32)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(SHAPE_OPS + INDEX_OPS + REDUCTION_OPS + CREATION))
def test_op(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data())
def test_expand_broadcasts_any_shape(data):
    target = data.draw(array_shapes(min_dims=1, max_dims=3, max_side=3))
    kept = data.draw(st.integers(0, len(target)))  # trailing dims the input has, some of size 1
    shape = tuple(n if data.draw(st.booleans()) else 1 for n in target[len(target) - kept:])
    check_op(lambda lib, x: x.expand(target), shape, variant=data.draw(st.sampled_from([CONTIGUOUS, *LAYOUTS])))


@settings(max_examples=20, deadline=None, database=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_scans_and_flips_along_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_op(lambda lib, x: x.cumsum(dim) * x.flip(dim).cumprod(dim) + x.logcumsumexp(dim), shape,
             variant=data.draw(st.sampled_from([CONTIGUOUS, *LAYOUTS])))


def test_indexing_follows_pytorch_when_ints_meet_lists():
    x = mg.zeros(2, 3, 4)
    assert x[0, :, [0, 2]].shape == (3, 2)  # numpy's rule would give (2, 3)
    assert x[[0, 1], :, [0, 2]].shape == (2, 3)  # lists apart: their dim first, as numpy
    assert mg.zeros(2, 3, 4, 5)[:, 0, :, [1, 2]].shape == (2, 4, 2)


def test_mean_var_std_over_an_empty_dim_are_nan_without_a_warning():
    x = mg.zeros(1, 0, 3, 0, 5, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduce in (lambda t: t.mean(dim=(1, 3)), lambda t: t.var(dim=(1, 3)), lambda t: t.std(dim=(1, 3))):
            out = reduce(x)
            assert out.shape == (1, 3, 5) and np.isnan(out.numpy()).all()
            out.sum().backward()
            assert x.grad.shape == x.shape


def test_std_of_equal_values_has_zero_gradient():
    x = mg.tensor([3.0, 3.0], requires_grad=True)
    x.std(correction=0).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])  # PyTorch masks where the std is 0


@pytest.mark.parametrize("call", [lambda t: t.sum(1), lambda t: t.mean(3), lambda t: t.squeeze(10),
                                  lambda t: t.var(-2), lambda t: t.cumsum(1)])
def test_a_0d_tensor_takes_only_dims_0_and_minus_1(call):
    with pytest.raises(IndexError):
        call(mg.tensor(0.5))


def test_flatten_rejects_start_after_end():
    with pytest.raises(RuntimeError, match="flatten"):
        mg.zeros(2, 3, 4).flatten(1, 0)


def test_max_of_a_nan_sends_the_gradient_to_the_nans_only():
    x = mg.tensor([1.0, np.nan, 5.0, np.nan], requires_grad=True)
    out = x.max()
    out.backward()
    assert np.isnan(out.item())
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.0, 0.5])


@pytest.mark.parametrize("values", [np.array([200, 255], np.uint8), np.array([1000, 2, 3]),
                                    np.array([[7, -3]], np.int32)])
def test_logsumexp_of_integers_is_finite_float32(values):
    out = mg.tensor(values).logsumexp(-1)
    exact = values.astype(np.float64)
    expected = np.log(np.sum(np.exp(exact - exact.max()), axis=-1)) + exact.max()
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    if torch is not None:
        np.testing.assert_allclose(out.numpy(), torch.tensor(values).logsumexp(-1).numpy(), rtol=1e-6)


def test_log_softmax_keeps_float32_digits_near_a_large_max():
    out = mg.functional.log_softmax(mg.tensor([[1e6, 1e6, 1e6 - 1]]), dim=1)
    np.testing.assert_allclose(out.numpy(), [[-0.8620, -0.8620, -1.8620]], atol=2e-4)
    probs = mg.functional.softmax(mg.tensor([[1e6, 1e6, 1e6 - 1]]), dim=1)
    np.testing.assert_allclose(probs.numpy(), np.exp([[-0.8620, -0.8620, -1.8620]]), atol=2e-4)


def test_comparisons_as_the_lectures_use_them():
    a = mg.tensor([1.0, 2.0])
    assert mg.all(a == a).item() and not mg.any(a > 5).item()
    assert mg.allclose(a, a + 1e-7) and not a.allclose(a + 1)
    assert mg.equal(a, mg.tensor([1.0, 2.0])) and not mg.equal(a, mg.tensor([1.0]))


def test_creation_dtypes_follow_pytorch():
    assert mg.empty(2, 3).shape == (2, 3) and mg.empty(2).dtype == mg.float32
    assert mg.empty_like(mg.tensor([1, 2])).dtype == mg.int64
    assert mg.full_like(mg.tensor([1, 2]), 2.5).tolist() == [2, 2]
    assert mg.eye(2).dtype == mg.linspace(0, 1, 3).dtype == mg.zeros(1).dtype == mg.float32
    assert mg.zeros(2, dtype=mg.int64).dtype == mg.int64


def test_stack_of_the_rows_of_a_tensor_runs_one_op_per_row():
    # counts the ops a stack of n inputs records: n getitems and one stack, nothing per pair
    rows = list(mg.randn(50, 2, requires_grad=True))
    out = mg.stack(rows)
    assert out.op == "stack" and len(out.inputs) == 50 and {r.op for r in rows} == {"getitem"}


def test_gradcheck_fails_a_wrong_gradient_of_a_non_contiguous_input():
    def gradient_lost(t):
        y = t * 1.0
        y.register_hook(lambda g: g * 0)  # a wrong (zero) gradient
        return y

    x = mg.tensor(np.arange(12.0).reshape(3, 4).T, requires_grad=True)
    assert not x.numpy().flags.c_contiguous
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(gradient_lost, x)


@pytest.mark.parametrize("bad, error", [
    (lambda: mg.zeros(2, 3).expand(3, 3), ValueError),
    (lambda: mg.zeros(2, 3).repeat(2), ValueError),
    (lambda: mg.zeros(2, 3).gather(1, mg.tensor([[3]])), IndexError),
    (lambda: mg.zeros(2, 3).narrow(1, 2, 2), IndexError),
    (lambda: mg.zeros(2, 3).split(0), ValueError),
    (lambda: mg.zeros(2, 3).chunk(0), ValueError),
    (lambda: mg.zeros(2, 3).unflatten(1, (2, 2)), ValueError),
    (lambda: mg.zeros(3).tril(), ValueError),
])
def test_bad_shapes_raise(bad, error):
    with pytest.raises(error):
        bad()


def test_batch_norm_needs_more_than_one_value_per_channel_when_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        mg.functional.batch_norm(mg.randn(1, 3), None, None, mg.ones(3), mg.zeros(3), training=True)


@requires_torch
def test_meshgrid_matches_torch_values():
    a, b = np.arange(3.0), np.arange(2.0)
    for indexing in ("ij", "xy"):
        mine = mg.meshgrid(mg.tensor(a), mg.tensor(b), indexing=indexing)
        theirs = torch.meshgrid(torch.tensor(a), torch.tensor(b), indexing=indexing)
        for m, t in zip(mine, theirs):
            np.testing.assert_array_equal(m.numpy(), t.numpy())
