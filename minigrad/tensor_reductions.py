"""Tensor methods that reduce over dimensions: sums, means, variances, extremes."""

import math
from collections import namedtuple

import numpy as np

from . import arguments, selection
from .dtypes import get_default_dtype
from .engine import Node, leaf, ops
from .tensor_math import traced_constant

__all__ = ["ReductionMethods", "ValuesIndices"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What ``max(dim)`` and ``min(dim)`` return, as ``torch.return_types.max`` does."


class ReductionMethods:
    """The reductions of Tensor; the composed ones (mean, var, ...) are built from primitives."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, keepdims=None):
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        return ops.sum(self, dim=arguments.dims(dim, self.array.ndim, "sum"),
                       keepdim=keepdim if keepdims is None else keepdims)  # keepdims: numpy's spelling

    def mean(self, dim=None, keepdim=False, *, keepdims=None):
        """Mean over ``dim``: the sum times 1/n (NaN over no elements, as in PyTorch)."""
        arguments.check_floating(self, "mean")
        dims = arguments.dims(dim, self.array.ndim, "mean")
        total = self.sum(dims, keepdim, keepdims=keepdims)
        n = arguments.count(self.array.shape, dims)
        return total * (1 / n if n else math.nan)  # 0 * NaN, unlike 0 * inf, warns of nothing

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Variance over ``dim``: the sum of squared deviations divided by n - correction
        (1, Bessel's correction, unless ``unbiased=False`` or ``correction`` says otherwise)."""
        return self._spread(ops.var, dim, unbiased, keepdim, correction, keepdims)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Standard deviation: the square root of ``var``; its gradient is 0 where it is 0,
        as in PyTorch."""
        return self._spread(ops.std, dim, unbiased, keepdim, correction, keepdims)

    def _spread(self, op, dim, unbiased, keepdim, correction, keepdims):
        arguments.check_floating(self, op.__name__)
        return op(self, dim=arguments.dims(dim, self.array.ndim, op.__name__),
                  correction=(1 if unbiased else 0) if correction is None else correction,
                  keepdim=keepdim if keepdims is None else keepdims)

    def prod(self, dim=None, keepdim=False):
        """The product over ``dim`` (one dim, or None for all); integers multiply in int64.
        The gradient is the product of the other elements, exact with zeros."""
        dims = None if dim is None else arguments.dims(dim, self.ndim, "prod")
        return ops.prod(self._counted(), dim=dims[0] if dims else None, keepdim=keepdim)

    def _counted(self):
        # integer and bool sums, products and scans count in int64, as in PyTorch
        return self.to(np.int64) if self.array.dtype.kind in "iub" else self

    def _scan(self, op, dim):
        dim = arguments.dim(dim, self.ndim, op.__name__)
        return op(self, dim=dim) if self.ndim else op(self.view(1), dim=0).view(())

    def cumsum(self, dim):
        """The running sum along ``dim``."""
        return self._counted()._scan(ops.cumsum, dim)

    def cumprod(self, dim):
        """The running product along ``dim``; the gradient is exact with zeros."""
        return self._counted()._scan(ops.cumprod, dim)

    def logcumsumexp(self, dim):
        """log(cumsum(exp(x))) along ``dim``, computed stably."""
        return self._floating()._scan(ops.logcumsumexp, dim)

    def _floating(self):
        # integers become the default float dtype first, as in PyTorch's float ops
        return self.to(get_default_dtype()) if self.array.dtype.kind in "iub" else self

    def any(self, dim=None, keepdim=False):
        """True where any element over ``dim`` is non-zero (a bool tensor, no gradient)."""
        return leaf(np.asarray(np.any(self.array, axis=arguments.dims(dim, self.ndim, "any"), keepdims=keepdim)))

    def all(self, dim=None, keepdim=False):
        """True where every element over ``dim`` is non-zero (a bool tensor, no gradient)."""
        return leaf(np.asarray(np.all(self.array, axis=arguments.dims(dim, self.ndim, "all"), keepdims=keepdim)))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Element-wise ``|self - other| <= atol + rtol * |other|`` (a bool tensor)."""
        return leaf(np.isclose(self.array, _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when ``isclose`` holds everywhere (a Python bool)."""
        return bool(np.allclose(self.array, _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def equal(self, other):
        """True when both have the same shape and the same values (a Python bool)."""
        return bool(np.array_equal(self.array, _values(other)))

    def max(self, dim=None, keepdim=False):
        """The largest element, or with ``dim`` a ``(values, indices)`` named tuple.
        The gradient goes to the arg-max: with ``dim``, to the index returned (the
        first of ties); for the whole tensor, split evenly among ties."""
        return self._extreme(dim, keepdim, np.ndarray.argmax, ops.max)

    def min(self, dim=None, keepdim=False):
        """The smallest element, or with ``dim`` a ``(values, indices)`` named tuple;
        gradients as for ``max``."""
        return self._extreme(dim, keepdim, np.ndarray.argmin, ops.min)

    def _extreme(self, dim, keepdim, arg, op):
        name = op.__name__
        if dim is None:
            if self.array.size == 0:
                raise ValueError(f"{name}: cannot reduce an empty tensor of shape {self.shape}")
            return op(self)
        dim = arguments.dim(dim, self.array.ndim, name)
        if self.array.ndim and self.shape[dim] == 0:  # other dims may be empty: no maxes to take, as in torch
            raise IndexError(f"{name}: cannot reduce over dim {dim} of size 0 (the tensor has shape {self.shape})")
        if not self.array.ndim:  # a 0-d tensor is its own max along dim 0, as in torch
            return ValuesIndices(op(self), leaf(np.zeros((), np.int64)))
        indices = traced_constant(_arg_of, self, arg.__name__, dim, True)  # made again by a compiled step
        values = op(self, dim=dim, indices=indices.array, keepdim=keepdim)
        return ValuesIndices(values, indices if keepdim else traced_constant(_squeezed, indices, dim))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest elements along ``dim`` (the smallest with ``largest=False``) and
        their indices, as a ``(values, indices)`` named tuple; equal values and NaN (the
        largest) in PyTorch's order. The gradient goes to the elements picked."""
        dim = arguments.dim(dim, max(self.ndim, 1), "topk")
        size = self.shape[dim] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
            raise RuntimeError(f"topk: k={k!r} is out of range for dim {dim} of size {size} (shape {tuple(self.shape)})")
        indices = traced_constant(_topk_indices, self, int(k), dim, largest, sorted)  # made again by a compiled step
        return ValuesIndices(self.gather(dim, indices), indices)

    def argmax(self, dim=None, keepdim=False):
        """Indices of the largest elements (no gradient)."""
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """Indices of the smallest elements (no gradient)."""
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, find, dim, keepdim):
        name = find.__name__
        if dim is not None:
            dim = arguments.dim(dim, self.ndim, name)  # a 0-d tensor takes 0 and -1
            if not self.ndim:
                dim = None  # numpy takes no axis for a 0-d array
        if self.array.size == 0 and (dim is None or self.shape[dim] == 0):
            raise IndexError(f"{name}: cannot reduce over an empty dim (the tensor has shape {self.shape})")
        return traced_constant(_arg_of, self, name, dim, keepdim)  # made again by a compiled step

    def softmax(self, dim):
        """exp(x) / sum(exp(x)) along ``dim``, shifted by the max for stability (the shift
        is a constant, so it changes no gradient)."""
        dims = arguments.dims(dim, self.ndim, "softmax")  # one dim, or () for a 0-d tensor
        return ops.softmax(self._floating(), dim=dims)

    def log_softmax(self, dim):
        """x - logsumexp(x) along ``dim``, as (x - max) - log(sum(exp(x - max))): the
        max leaves both terms small, so float32 keeps their digits."""
        dims = arguments.dims(dim, self.ndim, "log_softmax")
        shifted, _ = self._shifted(dims)
        return shifted - shifted.exp().sum(dims, keepdim=True).log()

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``, computed stably by shifting by the max."""
        dims = arguments.dims(dim, self.ndim, "logsumexp")
        shifted, shift = self._shifted(dims)
        total = shifted.exp().sum(dims, keepdim=True).log() + shift
        return total if keepdim else total.squeeze(dims)

    def _shifted(self, dims):
        """x - max(x) over ``dims``, and the max as a constant tensor. The shift cancels out
        unless it is infinite (inf - inf is nan): then it is 0, as in torch; over no elements
        the max is -inf (so the shift is 0, and logsumexp -inf, as in torch)."""
        source = self._floating()
        shift = traced_constant(_finite_max_along, source, dims)
        return source - shift, shift


def _values(other):
    """The array of a tensor, or a number or array as it is."""
    return other.array if isinstance(other, Node) else other


def _finite_max_along(array, dims):
    """The maximum over ``dims`` (kept as dims of size 1), and 0 where it is infinite or
    over no elements (a shift that cancels out)."""
    maxes = np.max(array, axis=dims, keepdims=True, initial=-np.inf)
    return np.where(np.isinf(maxes), 0, maxes)


def _arg_of(array, name, dim, keepdim):
    """``argmax`` or ``argmin`` (``name``) of ``array`` along ``dim`` (the method: np.argmax is a
    Python function around it)."""
    return getattr(array, name)(axis=dim, keepdims=keepdim)


def _squeezed(array, dim):
    return array.squeeze(dim)


def _topk_indices(array, k, dim, largest, sorted):
    """topk's indices along ``dim``; a 0-d tensor is its own top 0 or 1, as in PyTorch."""
    if not array.ndim:
        return np.zeros((), np.int64)
    rows = np.moveaxis(array, dim, -1)
    return np.moveaxis(selection.topk_indices(rows, k, largest, sorted), -1, dim)
