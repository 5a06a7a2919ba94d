"""Ops on inputs a probe of unusual values found wrong (issue 22): logits that are not
C-contiguous, tuples inside an index, gradients at NaN and ±inf, 0-d tensors. One line
per case, checked by ``check_op`` against finite differences and PyTorch."""

import numpy as np
import pytest

import minigrad as mg
from helpers import case, check_op, functional, torch, variants

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

# a Python int meets an integer tensor in the tensor's dtype, wrapped around, as in PyTorch
INTEGER_NUMBERS = [
    case("uint8 + 300", lambda lib, x: x + 300, np.array([1, 200], np.uint8)),
    case("uint8 - 300", lambda lib, x: x - 300, np.array([1, 200], np.uint8)),
    case("uint8 * -1", lambda lib, x: x * -1, np.array([1, 200], np.uint8)),
    case("int8 + 1000", lambda lib, x: x + 1000, np.array([1, -5], np.int8)),
    case("uint8 % 300", lambda lib, x: x % 300, np.array([1, 200], np.uint8)),
    case("uint8 < 300", lambda lib, x: x < 300, np.array([1, 200], np.uint8)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(LAYOUTS + INDICES + INTEGER_NUMBERS))
def test_op_on_unusual_input(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


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


def gradient_at(lib, fn, values):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    fn(lib, x).sum().backward()
    return np.asarray(x.grad)


# gradients at NaN, inf, -inf and 0.5, as PyTorch gives them (not differentiable there, so
# PyTorch's convention is the reference); numpy warns of nothing, as PyTorch prints nothing
NON_FINITE_GRADIENTS = [
    pytest.param(lambda lib, x: lib.relu(x), [1, 1, 0, 1], id="relu passes at NaN"),
    pytest.param(lambda lib, x: lib.abs(x), [0, 1, -1, 1], id="abs is flat at NaN"),
    pytest.param(lambda lib, x: functional(lib).l1_loss(x, lib.zeros(4, dtype=lib.float64), reduction="sum"), [0, 1, -1, 1], id="l1_loss"),
    pytest.param(lambda lib, x: x ** 0.5, [nan, 0, nan, 0.5 ** 0.5], id="pow 0.5 is NaN at -inf"),
    pytest.param(lambda lib, x: x ** 1.5, [nan, inf, nan, 1.5 * 0.5 ** 0.5], id="pow 1.5"),
    pytest.param(lambda lib, x: x ** -0.5, [nan, 0, 0, -0.5 * 0.5 ** -1.5], id="pow -0.5"),
    pytest.param(lambda lib, x: lib.sign(x) * x, [0, 1, -1, 1], id="sign is 0 at NaN"),
    pytest.param(lambda lib, x: functional(lib).elu(x), [1, 1, 0, 1], id="elu"),
    pytest.param(lambda lib, x: functional(lib).selu(x) / 1.0507009873554805, [1, 1, 0, 1], id="selu"),
    pytest.param(lambda lib, x: functional(lib).hardtanh(x), [1, 0, 0, 1], id="hardtanh passes at NaN"),
    pytest.param(lambda lib, x: functional(lib).relu6(x), [1, 0, 0, 1], id="relu6"),
    pytest.param(lambda lib, x: functional(lib).leaky_relu(x), [0.01, 1, 0.01, 1], id="leaky_relu"),
    pytest.param(lambda lib, x: x.clamp(-1, 1), [0, 0, 0, 1], id="clamp"),
    pytest.param(lambda lib, x: x.frac(), [1, 1, 1, 1], id="frac"),
    pytest.param(lambda lib, x: functional(lib).hardswish(x), [1, 1, 0, 2 / 3], id="hardswish"),
    pytest.param(lambda lib, x: functional(lib).silu(x), [nan, nan, nan, 0.7399611873026519], id="silu"),
    pytest.param(lambda lib, x: x.max(), [1, 0, 0, 0], id="max is the NaN"),
    pytest.param(lambda lib, x: functional(lib).softmax(x[1:3], dim=0)[0], [0, nan, nan, 0], id="softmax of inf"),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fn, expected", NON_FINITE_GRADIENTS)
def test_gradient_at_nan_and_inf(fn, expected):
    for lib in (mg,) if torch is None else (mg, torch):
        np.testing.assert_allclose(gradient_at(lib, fn, [nan, inf, -inf, 0.5]), expected, rtol=1e-12, err_msg=str(lib))


# 0-d tensors where PyTorch accepts them
ZERO_D = [
    case("transpose(0, 0) of 0-d", lambda lib, x: x.transpose(0, 0) * x, ()),
    case("transpose(-1, 0) of 0-d", lambda lib, x: x.transpose(-1, 0), ()),
    case("flatten(0, -1) of 0-d", lambda lib, x: x.flatten(0, -1), ()),
    case("erf of 0-d", lambda lib, x: x.erf(), ()),
    case("erf function", lambda lib, x: lib.erf(x), (3, 4)),
    case("gelu of 0-d", lambda lib, x: functional(lib).gelu(x), ()),
    case("softmax of 0-d", lambda lib, x: functional(lib).softmax(x, 0), ()),
]

# empty inputs, where PyTorch computes a result
EMPTY = [
    case("logsumexp over an empty dim", lambda lib, x: x.logsumexp(0), (0, 3)),
    case("logsumexp of empty rows", lambda lib, x: x.logsumexp(1), (0, 3)),
    case("softmax over an empty dim", lambda lib, x: functional(lib).softmax(x, 0), (0, 3)),
    case("log_softmax of empty rows", lambda lib, x: functional(lib).log_softmax(x, 1), (3, 0)),
    case("argmax of empty rows", lambda lib, x: x.argmax(1), (0, 3)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(ZERO_D + EMPTY))
def test_0d_and_empty_inputs(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)
