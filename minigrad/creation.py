"""Making tensors: from data, filled with a value, ranges and random numbers.

Random factories take ``generator=``: a ``minigrad.Generator`` gives PyTorch's numbers for
the same seed (see ``minigrad.random``), a ``numpy.random.Generator`` numpy's; without one they
use ``minigrad.random.default_generator``, which ``manual_seed`` seeds.
"""

import numpy as np

from . import random
from .arguments import shape_argument
from .dtypes import as_array, get_default_dtype
from .engine import ops
from .tensor import Tensor
from .tensor_inplace import set_sampler

_nn_generator = np.random.default_rng()  # for nn initialisers, which still draw numpy numbers


def manual_seed(seed):
    """Seed the default generator and return it, as ``torch.manual_seed`` does (and the numpy
    generator nn initialisers draw from when given none)."""
    global _nn_generator
    _nn_generator = np.random.default_rng(int(seed) % 2 ** 64)
    return random.manual_seed(seed)


def default_generator():
    """The ``numpy.random.Generator`` nn initialisers use when given none."""
    return _nn_generator


def _numpy_multinomial(rng, weights, num_samples, replacement):
    rows = np.atleast_2d(weights).astype(np.float64)
    drawn = np.stack([rng.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()) for row in rows])
    return drawn if weights.ndim > 1 else drawn[0]


_NUMPY_DRAWS = {
    "normal": lambda rng, shape, dtype, mean=0.0, std=1.0: rng.standard_normal(shape, dtype=dtype) * std + mean,
    "uniform": lambda rng, shape, dtype, low=0.0, high=1.0: rng.random(shape, dtype=dtype) * (high - low) + low,
    "randint": lambda rng, low, high, shape, dtype: rng.integers(low, high, size=shape, dtype=dtype),
    "randperm": lambda rng, n, dtype: rng.permutation(n).astype(dtype),
    "multinomial": _numpy_multinomial,
}


def _draw(kind, name, generator, *args):
    """Samples as an ndarray from ``minigrad.random`` (PyTorch's streams) or, given a
    ``numpy.random.Generator``, from numpy."""
    if isinstance(generator, np.random.Generator):
        return _NUMPY_DRAWS[kind](generator, *args)
    if generator is not None and not isinstance(generator, random.Generator):
        raise TypeError(f"{name}: generator must be a minigrad.Generator or a numpy.random.Generator, "
                        f"not {type(generator).__name__}")
    return getattr(random, kind)(generator or random.default_generator, *args)


set_sampler(_draw)  # Tensor.normal_ and uniform_ draw through it


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


def _float_dtype(dtype):
    return np.dtype(dtype or get_default_dtype())


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the standard normal distribution."""
    data = _draw("normal", "randn", generator, shape_argument(size), _float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Samples from the uniform distribution on [0, 1)."""
    data = _draw("uniform", "rand", generator, shape_argument(size), _float_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randn_like(other, generator=None, dtype=None, requires_grad=False):
    """Standard normal samples of ``other``'s shape and dtype."""
    return randn(other.shape, generator=generator, dtype=dtype or other.dtype, requires_grad=requires_grad)


def rand_like(other, generator=None, dtype=None, requires_grad=False):
    """Uniform samples on [0, 1) of ``other``'s shape and dtype."""
    return rand(other.shape, generator=generator, dtype=dtype or other.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None):
    """Integers from ``low`` up to, not including, ``high``: ``randint(high, size)`` or
    ``randint(low, high, size)`` as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: needs a size, as randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    return Tensor(_draw("randint", "randint", generator, low, high, shape_argument((size,)), dtype or np.int64))


def randperm(n, generator=None, dtype=None):
    """A random permutation of the integers 0 to n - 1."""
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    return Tensor(_draw("randperm", "randperm", generator, int(n), dtype or np.int64))


def multinomial(probs, num_samples=1, replacement=False, generator=None):
    """Indices drawn with the given (unnormalised) probabilities, per row; as in PyTorch."""
    weights = np.asarray(probs.array if isinstance(probs, Tensor) else probs)
    if weights.dtype.kind != "f":
        weights = weights.astype(get_default_dtype())
    rows = np.atleast_2d(weights)
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: probabilities must be finite, non-negative and not all zero in a row")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from a row "
                         f"with fewer non-zero probabilities")
    return Tensor(_draw("multinomial", "multinomial", generator, weights, num_samples, replacement))


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
