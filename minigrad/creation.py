"""Making tensors: from data, filled with a value, ranges and random numbers.

Random factories take ``generator=``: a ``minigrad.Generator`` gives PyTorch's numbers for
the same seed (see ``minigrad.random``), a ``numpy.random.Generator`` numpy's; without one they
use ``minigrad.random.default_generator``, which ``manual_seed`` seeds.
"""

import functools

import numpy as np

from . import random
from .devices import check_device
from .random import draw
from .state import tracer
from .arguments import size_argument
from .dtypes import as_array, check_dtype, get_default_dtype
from .engine import ops
from .tensor import Tensor
from .tensor_math import traced_constant

__all__ = ["tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "rand", "randn", "randint",
           "randperm", "rand_like", "randn_like", "multinomial", "manual_seed", "cat", "stack",
           "from_numpy"]


def _on_cpu(make):
    """``make`` taking ``device=`` as PyTorch's factories do: the CPU, or an error saying
    that minigrad runs on the CPU."""
    @functools.wraps(make)
    def on_cpu(*args, device=None, **kwargs):
        if device is not None:
            check_device(device, make.__name__)
        return make(*args, **kwargs)

    return on_cpu


def manual_seed(seed):
    """Seed the default generator and return it, as ``torch.manual_seed`` does."""
    return random.manual_seed(seed)


@_on_cpu
def tensor(data, dtype=None, requires_grad=False, label=None):
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers, an
    ndarray or a Tensor). Python floats become the default dtype (float32), ints
    int64, bools bool; an ndarray keeps its dtype unless ``dtype`` is given."""
    if tracer() is not None and not requires_grad and label is None and (_literal(data) or isinstance(data, np.ndarray)):
        # remade by each call of a compiled step: from the values written in its code, or from the same array
        return traced_constant(_literal_array, data, None if dtype is None else np.dtype(dtype))
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad, label=label)


def _literal(data):
    """Numbers, or lists and tuples of them: values that a compiled step can write in its code."""
    if isinstance(data, (list, tuple)):
        return all(_literal(part) for part in data)
    return type(data) in (bool, int, float)


def _literal_array(data, dtype):
    return np.array(as_array(data, dtype))


def from_numpy(array):
    """A tensor sharing ``array``'s memory (writes to one show in the other), as
    ``torch.from_numpy``; its dtype is the array's."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    check_dtype(array.dtype, "from_numpy")
    return Tensor(array)


def _filled(value, size, dtype, requires_grad, name):
    return _full(size_argument(size, name), value, np.dtype(dtype or get_default_dtype()), requires_grad)


def _full(shape, value, dtype, requires_grad):
    """``value`` in every element: a leaf that requires grad, or else a constant, which a
    compiled step makes again on each call (``torch.zeros`` inside a model's forward)."""
    if requires_grad or tracer() is None or isinstance(value, Tensor):
        return Tensor(_full_array(shape, value.array if isinstance(value, Tensor) else value, dtype),
                      requires_grad=requires_grad)
    return traced_constant(_full_array, shape, value, np.dtype(dtype))


def _full_array(shape, value, dtype):
    # zeros from the allocator, which hands out zeroed memory without writing it
    return np.zeros(shape, dtype) if isinstance(value, (int, float)) and value == 0 else np.full(shape, value, dtype)


@_on_cpu
def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros; ``size`` as ints or one tuple."""
    return _filled(0, size, dtype, requires_grad, "zeros")


@_on_cpu
def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones; ``size`` as ints or one tuple."""
    return _filled(1, size, dtype, requires_grad, "ones")


@_on_cpu
def zeros_like(other, dtype=None, requires_grad=False):
    """Zeros of ``other``'s shape and dtype."""
    return zeros(other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


@_on_cpu
def ones_like(other, dtype=None, requires_grad=False):
    """Ones of ``other``'s shape and dtype."""
    return ones(other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


@_on_cpu
def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor filled with ``fill_value``; its dtype follows the value as in ``tensor``."""
    dtype = dtype or as_array(fill_value).dtype
    return _full(size_argument((size,), "full"), fill_value, dtype, requires_grad)


@_on_cpu
def empty(*size, dtype=None, requires_grad=False):
    """A tensor whose values are not to be relied on (zeros here); ``size`` as ints or one tuple."""
    return _filled(0, size, dtype, requires_grad, "empty")


@_on_cpu
def empty_like(other, dtype=None, requires_grad=False):
    """``empty`` of ``other``'s shape and dtype."""
    return zeros_like(other, dtype=dtype, requires_grad=requires_grad)


@_on_cpu
def full_like(other, fill_value, dtype=None, requires_grad=False):
    """``fill_value`` in ``other``'s shape and dtype (the value converted to that dtype)."""
    return _full(other.shape, fill_value, dtype or other.dtype, requires_grad)


@_on_cpu
def eye(n, m=None, dtype=None, requires_grad=False):
    """The n × m (n × n) identity matrix."""
    size_argument((n, n if m is None else m), "eye")
    return Tensor(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad=requires_grad)


@_on_cpu
def linspace(start, end, steps, dtype=None, requires_grad=False):
    """``steps`` numbers evenly spaced from ``start`` to ``end``, both included (truncated
    toward zero for an integer dtype, as in PyTorch)."""
    return Tensor(np.linspace(start, end, _steps(steps, dtype, "linspace")).astype(_float_dtype(dtype)),
                  requires_grad=requires_grad)


@_on_cpu
def logspace(start, end, steps, base=10.0, dtype=None, requires_grad=False):
    """``base`` to the powers ``linspace(start, end, steps)``."""
    return Tensor(np.logspace(start, end, _steps(steps, dtype, "logspace"), base=base).astype(_float_dtype(dtype)), requires_grad=requires_grad)


def _steps(steps, dtype, name):
    """linspace's and logspace's ``steps``, checked as PyTorch checks them (no bool ranges)."""
    if steps < 0:
        raise RuntimeError(f"{name}: number of steps must be non-negative, got {steps}")
    if dtype is not None and np.dtype(dtype) == np.bool_:
        raise NotImplementedError(f"{name}: not implemented for dtype bool")
    return steps


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors, each expanded (in the graph) to the grid's shape:
    ``indexing="ij"`` gives the shape (len(t0), len(t1), ...), ``"xy"`` swaps the first two."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise ValueError(f"meshgrid: needs 0-d or 1-D tensors, got shapes {[t.shape for t in tensors]}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[:2] = [1, 0]
    shape = tuple(tensors[i].numel() for i in order)
    return tuple(t.reshape([-1 if order[axis] == i else 1 for axis in range(len(order))]).expand(shape)
                 for i, t in enumerate(tensors))


@_on_cpu
def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Numbers from ``start`` (0 when only one argument is given) up to, not including, ``end``."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: end {end} and start {start} are inconsistent with the sign of step {step}")
    if dtype is None:
        dtype = as_array([start, end, step]).dtype
    if requires_grad:
        return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad=True)
    return traced_constant(_arange, start, end, step, np.dtype(dtype))  # made again by each call of a compiled step


def _arange(start, end, step, dtype):
    return np.arange(start, end, step, dtype=dtype)


def _float_dtype(dtype):
    return np.dtype(dtype or get_default_dtype())


@_on_cpu
def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the standard normal distribution."""
    data = draw("normal", "randn", generator, size_argument(size, "randn"), _float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_on_cpu
def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the uniform distribution on [0, 1)."""
    data = draw("uniform", "rand", generator, size_argument(size, "rand"), _float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_on_cpu
def randn_like(other, generator=None, dtype=None, requires_grad=False):
    """Standard normal samples of ``other``'s shape and dtype."""
    return randn(other.shape, generator=generator, dtype=dtype or other.dtype, requires_grad=requires_grad)


@_on_cpu
def rand_like(other, generator=None, dtype=None, requires_grad=False):
    """Uniform samples on [0, 1) of ``other``'s shape and dtype."""
    return rand(other.shape, generator=generator, dtype=dtype or other.dtype, requires_grad=requires_grad)


@_on_cpu
def randint(low, high=None, size=None, generator=None, dtype=None):
    """Integers from ``low`` up to, not including, ``high``: ``randint(high, size)`` or
    ``randint(low, high, size)`` as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: needs a size, as randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    return Tensor(draw("randint", "randint", generator, low, high, size_argument((size,), "randint"), dtype or np.int64))


@_on_cpu
def randperm(n, generator=None, dtype=None):
    """A random permutation of the integers 0 to n - 1."""
    size_argument((n,), "randperm")
    return Tensor(draw("randperm", "randperm", generator, int(n), dtype or np.int64))


def multinomial(probs, num_samples=1, replacement=False, generator=None):
    """Indices drawn with the given (unnormalised) probabilities, per row; as in PyTorch."""
    def multinomial(weights):
        return _multinomial(weights, num_samples, replacement, generator)

    recorder = tracer()
    if recorder is not None and isinstance(probs, Tensor):  # mg.compile: drawn from each call's probabilities
        return Tensor(recorder.derived(multinomial, probs))
    return Tensor(multinomial(probs.array if isinstance(probs, Tensor) else probs))


def _multinomial(weights, num_samples, replacement, generator):
    weights = np.asarray(weights)
    if weights.dtype.kind != "f":
        weights = weights.astype(get_default_dtype())
    rows = np.atleast_2d(weights)
    if num_samples <= 0 or not rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples from probabilities of shape "
                           f"{weights.shape}: needs at least one sample and one category")
    if not rows.shape[0]:  # no rows: no draws, as in torch
        return np.zeros((0, num_samples), np.int64)
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: probabilities must be finite, non-negative and not all zero in a row")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from a row "
                         f"with fewer non-zero probabilities")
    return draw("multinomial", "multinomial", generator, weights, num_samples, replacement)


def _sequence_op(op, name, tensors, dim):
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{name}: needs a non-empty list of tensors")
    ndim = tensors[0].ndim + (name == "stack")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{name}: dim {dim} is out of range for tensors of {tensors[0].ndim} dims")
    return op(*tensors, dim=dim % ndim)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    return _sequence_op(ops.cat, "cat", tensors, dim)


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dimension."""
    return _sequence_op(ops.stack, "stack", tensors, dim)
