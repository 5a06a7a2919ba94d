"""The one helper behind the op tests: ``check_op``.

A case is written once as ``fn(lib, *tensors)`` in the API minigrad shares with torch,
and runs with ``lib=minigrad`` and, when it is installed, ``lib=torch``. ``variants``
turns each case line into one test per variant: its inputs laid out in memory as views
that are not C-contiguous (layouts.py), and its shapes made 0-d or empty.
"""

import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from layouts import CONTIGUOUS, EXCLUDED, variants_of
from minigrad.gradcheck import numeric_gradients

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


def variants(cases):
    """Each row of a table once per variant (layouts.py) that changes its inputs, as
    ``fn, inputs, options, variant``; the rows of ``layouts.EXCLUDED`` are strict xfails."""
    rows = []
    for row in cases:
        fn, inputs, options = row.values
        for variant in variants_of(inputs):
            reason = EXCLUDED.get((row.id, variant.name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            rows.append(pytest.param(fn, inputs, options, variant, id=f"{row.id}, {variant.name}", marks=marks))
    return rows


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


def _leaf(array):
    """A minigrad leaf over ``array`` itself, not a copy: the layout reaches the op."""
    tensor = mg.Tensor(array, requires_grad=_differentiable(array))
    assert tensor.numpy().strides == array.strides, "the input was copied: its layout is lost"
    return tensor


def _run(fn, arrays, upstream):
    """minigrad's output of ``fn`` on leaves over ``arrays``, the upstream gradient (given, or
    drawn from a Generator) and its inputs' gradients, each one's shape and dtype checked;
    a non-floating output has neither."""
    tensors = [_leaf(a) for a in arrays]
    out = fn(mg, *tensors)
    if out.dtype.kind != "f":
        return out, None, None
    assert out.requires_grad, "a floating output of inputs that require grad must require grad"
    if isinstance(upstream, np.random.Generator):
        upstream = np.asarray(upstream.standard_normal(out.shape))
    out.backward(upstream)
    for tensor in tensors:
        if tensor.requires_grad and tensor.grad is not None:
            assert tensor.grad.shape == tensor.shape and tensor.grad.dtype == tensor.dtype
    return out, upstream, [None if not t.requires_grad else np.zeros(t.shape) if t.grad is None else t.grad.numpy()
                 for t in tensors]


def _torch_run(fn, arrays):
    """torch's output for contiguous copies of ``arrays`` and its inputs, or the error it raises."""
    tensors = [torch.tensor(a.copy(order="C"), requires_grad=_differentiable(a)) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's own warnings are not minigrad's
            return fn(torch, *tensors), tensors
    except Exception as error:  # noqa: BLE001 - any refusal of torch's must be minigrad's too
        return error, tensors


MINIGRAD = Path(mg.__file__).parent
CLEAR_ERRORS = (ValueError, IndexError, TypeError, RuntimeError, NotImplementedError)


def _assert_refused_clearly(fn, arrays, their_error):
    """Where torch refuses the inputs minigrad must too, with an error it raises itself
    (a check, or the op wrapper's message naming the op), not one escaping from numpy."""
    with pytest.raises(Exception) as caught:
        fn(mg, *[_leaf(a) for a in arrays])
    error = caught.value
    where = Path(traceback.extract_tb(error.__traceback__)[-1].filename)
    if where == Path(fn.__code__.co_filename) and type(error) is type(their_error):
        return  # the case's own code fails alike on both (a chunk past the last)
    said = f"torch raised {type(their_error).__name__}: {their_error}; minigrad {type(error).__name__}: {error} at {where}"
    assert isinstance(error, CLEAR_ERRORS), said
    assert MINIGRAD in where.parents and where.parent.name != "rules", said


def _assert_same_dtype(mine, theirs):
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch."), (mine.dtype, theirs.dtype)


# an output computed in float32 (a 0-d float64 input meeting a float32 tensor) agrees to float32's digits
FLOAT32_TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def _compare(out, gradients, expected_out, expected_gradients, against):
    single = out.dtype.kind == "f" and out.dtype != np.float64
    forward, gradient = (FLOAT32_TOLERANCE, FLOAT32_TOLERANCE) if single else (FORWARD_TOLERANCE, GRADIENT_TOLERANCE)
    np.testing.assert_allclose(out, expected_out, **forward, err_msg=f"forward against {against}")
    for position, (mine, theirs) in enumerate(zip(gradients or (), expected_gradients or ())):
        if mine is not None:
            np.testing.assert_allclose(mine, theirs, **gradient, err_msg=f"gradient of input {position} against {against}")


def check_op(fn, *inputs, seed=0, finite_differences=True, variant=CONTIGUOUS):
    """Check ``fn(lib, *tensors)`` on float64 inputs made from ``inputs`` (see _input_array),
    in ``variant``'s layout or shapes (layouts.py), the inputs reaching minigrad as views:

    - with torch installed: the forward values, shape and dtype, and every input gradient for
      the same random upstream gradient, within tolerances; where torch raises, minigrad must
      raise a clear error too (_assert_refused_clearly);
    - every input gradient against central finite differences in float64 (the output weighted
      by that upstream gradient), where the output is finite float64; ``finite_differences=False``
      where the op is not differentiable at the input (ties of max), so only torch's
      convention is the reference;
    - a layout's output and gradients against minigrad's on contiguous copies of its inputs,
      to the same tolerances: with the values kept, that is the contiguous variant,
      which finite differences check, so they are not run again; ``expanded`` repeats values,
      which makes ties where they are no reference anyway;
    - each gradient's shape and dtype against its input's.

    An output that is not floating (indices, one_hot, comparisons) has no gradient: only its
    forward is compared.
    """
    rng = np.random.default_rng(seed)
    drawn = [_input_array(spec, rng) for spec in variant.specs(inputs)]
    arrays = [variant.view(a) for a in drawn]
    assert [a.shape for a in arrays] == [a.shape for a in drawn], f"{variant.name} changed a shape"
    theirs, their_inputs = _torch_run(fn, arrays) if torch is not None else (None, None)
    if isinstance(theirs, Exception):
        return _assert_refused_clearly(fn, arrays, theirs)
    if torch is None and variant.reshape is not None:
        pytest.skip("whether PyTorch takes these shapes needs torch to tell")
    out, upstream, gradients = _run(fn, arrays, rng)

    if theirs is not None:
        _assert_same_dtype(out, theirs)
        assert out.shape == tuple(theirs.shape)
        their_gradients = None
        if gradients is not None:
            theirs.backward(torch.from_numpy(upstream))
            # torch leaves .grad None for an input the output does not depend on
            their_gradients = [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in their_inputs]
        _compare(out.numpy(), gradients, theirs.detach().numpy(), their_gradients, "torch")
    # finite differences are no reference for a non-finite output (an empty mean is nan), nor
    # for one computed in float32 (a 0-d float64 input times a float32 tensor)
    if (gradients is not None and finite_differences and not variant.is_layout and out.dtype == np.float64
            and np.isfinite(out.numpy()).all()):
        numeric = numeric_gradients(lambda *ts: fn(mg, *ts), [_leaf(a) for a in arrays], upstream, eps=1e-6)
        for position, (mine, expected) in enumerate(zip(gradients, numeric)):
            if expected is not None:
                np.testing.assert_allclose(mine, expected, **FINITE_DIFFERENCE_TOLERANCE,
                                           err_msg=f"gradient of input {position} against finite differences")
    if variant.is_layout:
        contiguous_out, _, contiguous_gradients = _run(fn, [a.copy(order="C") for a in arrays], upstream)
        _compare(out.numpy(), gradients, contiguous_out.numpy(), contiguous_gradients, "the same inputs contiguous")
