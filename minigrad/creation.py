"""Making tensors: from data, filled with a value, ranges and random numbers.

Random factories take ``generator=``, a ``numpy.random.Generator``; without it they
use minigrad's own generator, which ``manual_seed`` resets.
"""

import numpy as np

from .arguments import shape_argument
from .dtypes import as_array, get_default_dtype
from .engine import ops
from .tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reset minigrad's default random generator; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator():
    """The ``numpy.random.Generator`` random factories use when given none."""
    return _generator


def tensor(data, dtype=None, requires_grad=False, label=None):
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers, an
    ndarray or a Tensor). Python floats become the default dtype (float32), ints
    int64, bools bool; an ndarray keeps its dtype unless ``dtype`` is given."""
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad, label=label)


def _filled(fill, size, dtype, requires_grad):
    shape = shape_argument(size)
    return Tensor(fill(shape, dtype=np.dtype(dtype or get_default_dtype())), requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros; ``size`` as ints or one tuple."""
    return _filled(np.zeros, size, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones; ``size`` as ints or one tuple."""
    return _filled(np.ones, size, dtype, requires_grad)


def zeros_like(other, dtype=None, requires_grad=False):
    """Zeros of ``other``'s shape and dtype."""
    return zeros(other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


def ones_like(other, dtype=None, requires_grad=False):
    """Ones of ``other``'s shape and dtype."""
    return ones(other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor filled with ``fill_value``; its dtype follows the value as in ``tensor``."""
    dtype = dtype or as_array(fill_value).dtype
    return Tensor(np.full(shape_argument((size,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Numbers from ``start`` (0 when only one argument is given) up to, not including, ``end``."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = as_array([start, end, step]).dtype
    return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the standard normal distribution."""
    dtype = np.dtype(dtype or get_default_dtype())
    data = (generator or _generator).standard_normal(shape_argument(size), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the uniform distribution on [0, 1)."""
    dtype = np.dtype(dtype or get_default_dtype())
    data = (generator or _generator).random(shape_argument(size), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None):
    """Integers from ``low`` up to, not including, ``high``: ``randint(high, size)`` or
    ``randint(low, high, size)`` as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: needs a size, as randint(high, size) or randint(low, high, size)")
    data = (generator or _generator).integers(low, high, size=shape_argument((size,)), dtype=dtype or np.int64)
    return Tensor(data)


def multinomial(probs, num_samples=1, replacement=False, generator=None):
    """Indices drawn with the given (unnormalised) probabilities, per row; as in PyTorch."""
    rng = generator or _generator
    weights = np.asarray(probs.data if isinstance(probs, Tensor) else probs, dtype=np.float64)
    rows = np.atleast_2d(weights)
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: probabilities must be finite, non-negative and not all zero in a row")
    drawn = np.stack([rng.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()) for row in rows])
    return Tensor(drawn if weights.ndim > 1 else drawn[0])


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
