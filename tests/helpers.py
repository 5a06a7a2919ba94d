"""The one helper behind the op tests: ``check_op``.

A case is written once as ``fn(lib, *tensors)`` in the API minigrad shares with torch,
and runs with ``lib=minigrad`` and, when it is installed, ``lib=torch``.
"""

from dataclasses import dataclass

import numpy as np
import pytest

import minigrad as mg

try:
    import torch
except ImportError:  # the finite-difference checks still run; the torch comparisons skip
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# float64 on both sides, so differences come from the formulas, not from rounding
FORWARD_TOLERANCE = dict(rtol=1e-10, atol=1e-12)
GRADIENT_TOLERANCE = dict(rtol=1e-9, atol=1e-12)
# central differences in float64 are good to about 1e-9 here: much tighter than
# gradcheck's defaults, so that a slightly wrong rule fails even without torch
FINITE_DIFFERENCE_TOLERANCE = dict(rtol=1e-6, atol=1e-8)


def functional(lib):
    """``torch.nn.functional``, or minigrad's module of the same functions."""
    return mg.functional if lib is mg else lib.nn.functional


@dataclass(frozen=True)
class Uniform:
    """An input drawn uniformly from [low, high), with a random sign when ``signed``:
    for ops that need a positive argument (log, sqrt) or one away from zero (division)."""

    shape: tuple
    low: float = 0.5
    high: float = 2.0
    signed: bool = False

    def draw(self, rng):
        values = rng.uniform(self.low, self.high, self.shape)
        return values * rng.choice([-1.0, 1.0], self.shape) if self.signed else values


def normal(shape):
    """A standard normal input: what a bare shape means."""
    return tuple(shape)


def positive(shape):
    return Uniform(tuple(shape))


def nonzero(shape):
    return Uniform(tuple(shape), signed=True)


def case(name, fn, *inputs, **options):
    """One row of a parametrize table for ``check_op``."""
    return pytest.param(fn, inputs, options, id=name)


def _input_array(spec, rng):
    """A shape draws a standard normal float64 input; a Uniform draws from its range; an
    ndarray is used as it is (float: differentiable; int or bool: an index or a target)."""
    if isinstance(spec, Uniform):
        return spec.draw(rng)
    if isinstance(spec, np.ndarray):
        return spec.astype(np.float64) if spec.dtype.kind == "f" else spec
    return np.asarray(rng.standard_normal(spec))


def _differentiable(array):
    return array.dtype.kind == "f"


def _assert_same_dtype(mine, theirs):
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch."), (mine.dtype, theirs.dtype)


def check_op(fn, *inputs, seed=0, finite_differences=True):
    """Check ``fn(lib, *tensors)`` on float64 inputs made from ``inputs`` (see _input_array).

    - every input gradient against central finite differences (``minigrad.gradcheck``,
      the output weighted by a random upstream gradient); ``finite_differences=False``
      where the op is not differentiable at the input (ties of max), so only torch's
      convention is the reference;
    - each gradient's shape and dtype against its input's;
    - with torch installed: the forward values and dtype, and every gradient for the
      same upstream gradient, within tolerances.

    An output that is not floating (indices, one_hot, comparisons) has no gradient:
    only its forward is compared.
    """
    rng = np.random.default_rng(seed)
    arrays = [_input_array(spec, rng) for spec in inputs]
    tensors = [mg.tensor(a, requires_grad=_differentiable(a)) for a in arrays]
    out = fn(mg, *tensors)
    differentiable = out.dtype.kind == "f"
    if differentiable:
        assert out.requires_grad, "a floating output of inputs that require grad must require grad"
        if finite_differences:
            mg.gradcheck(lambda *ts: fn(mg, *ts), *tensors, seed=seed, **FINITE_DIFFERENCE_TOLERANCE)
        upstream = np.asarray(rng.standard_normal(out.shape))
        out.backward(upstream)
        for tensor in tensors:
            if tensor.requires_grad and tensor.grad is not None:
                assert tensor.grad.shape == tensor.shape and tensor.grad.dtype == tensor.dtype

    if torch is None:
        return
    torch_tensors = [torch.tensor(a, requires_grad=_differentiable(a)) for a in arrays]
    torch_out = fn(torch, *torch_tensors)
    _assert_same_dtype(out, torch_out)
    assert out.shape == tuple(torch_out.shape)
    np.testing.assert_allclose(out.numpy(), torch_out.detach().numpy(), **FORWARD_TOLERANCE)
    if not differentiable:
        return
    torch_out.backward(torch.from_numpy(upstream))
    for position, (mine, theirs) in enumerate(zip(tensors, torch_tensors)):
        if not mine.requires_grad:
            continue
        # torch leaves .grad None for an input the output does not depend on
        expected = np.zeros(theirs.shape) if theirs.grad is None else theirs.grad.numpy()
        actual = np.zeros(mine.shape) if mine.grad is None else mine.grad
        np.testing.assert_allclose(actual, expected, **GRADIENT_TOLERANCE,
                                   err_msg=f"gradient of input {position}")
