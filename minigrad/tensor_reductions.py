"""Tensor methods that reduce over dimensions: sums, means, variances, extremes."""

from collections import namedtuple

import numpy as np

from . import arguments
from .engine import leaf, ops

__all__ = ["ReductionMethods", "ValuesIndices"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What ``max(dim)`` and ``min(dim)`` return, as ``torch.return_types.max`` does."


class ReductionMethods:
    """The reductions of Tensor; the composed ones (mean, var, ...) are built from primitives."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, keepdims=None):
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        return ops.sum(self, dim=arguments.dims(dim, self.ndim, "sum"), keepdim=arguments.keep(keepdim, keepdims))

    def mean(self, dim=None, keepdim=False, *, keepdims=None):
        """Mean over ``dim``: the sum times 1/n."""
        arguments.check_floating(self, "mean")
        dims = arguments.dims(dim, self.ndim, "mean")
        total = self.sum(dims, arguments.keep(keepdim, keepdims))
        return total * arguments.reciprocal(arguments.count(self.shape, dims))

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Variance over ``dim``: the sum of squared deviations divided by n - correction
        (1, Bessel's correction, unless ``unbiased=False`` or ``correction`` says otherwise)."""
        arguments.check_floating(self, "var")
        dims = arguments.dims(dim, self.ndim, "var")
        if correction is None:
            correction = 1 if unbiased else 0
        deviation = self - self.mean(dims, keepdim=True)
        divisor = max(arguments.count(self.shape, dims) - correction, 0)
        return (deviation * deviation).sum(dims, arguments.keep(keepdim, keepdims)) * arguments.reciprocal(divisor)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Standard deviation: the square root of ``var``."""
        return self.var(dim, unbiased, arguments.keep(keepdim, keepdims), correction=correction).sqrt()

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
        if self.array.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return op(self)
        dim = arguments.dim(dim, self.array.ndim, name)
        if not self.array.ndim:  # a 0-d tensor is its own max along dim 0, as in torch
            return ValuesIndices(op(self), leaf(np.zeros((), np.int64)))
        indices = arg(self.array, axis=dim, keepdims=True)
        values = op(self, dim=dim, indices=indices, keepdim=keepdim)
        return ValuesIndices(values, leaf(indices if keepdim else indices.squeeze(dim)))

    def argmax(self, dim=None, keepdim=False):
        """Indices of the largest elements (no gradient)."""
        return leaf(np.asarray(np.argmax(self.array, axis=dim, keepdims=keepdim)))

    def argmin(self, dim=None, keepdim=False):
        """Indices of the smallest elements (no gradient)."""
        return leaf(np.asarray(np.argmin(self.array, axis=dim, keepdims=keepdim)))

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``, computed stably by shifting by the max."""
        dims = arguments.dims(dim, self.ndim, "logsumexp")
        maxes = np.max(self.array, axis=dims, keepdims=True)
        # the shift cancels out unless it is infinite (inf - inf is nan): then it is 0, as in torch
        shift = leaf(np.where(np.isinf(maxes), 0, maxes))
        total = (self - shift).exp().sum(dims, keepdim=True).log() + shift
        return total if keepdim else total.squeeze(dims)
