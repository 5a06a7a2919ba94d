"""The rules of softmax and layer norm, each one op with its gradient in closed form
rather than the five to ten small ops they are made of: attention takes a softmax per
head and a transformer block two layer norms (docs/performance.md, "softmax and layer_norm").
Along the last dim, their sums and maxima go through ``last_dim_sum`` and ``last_dim_max``."""

import math

import numpy as np

from .constants import SMALL, filled
from .helpers import quiet, row_max

__all__ = ["softmax", "layer_norm"]  # softmax_backward and the sums are helpers, not ops


def _along_last(array, dims):
    return dims == (array.ndim - 1,) and array.shape[-1] > 0


def last_dim_sum(array, dims):
    """The sum over ``dims``, kept as a dim of 1. Over the last dim alone it is a matrix
    product with a column of ones, which numpy runs four times as fast as a reduction
    along a short last axis."""
    if not _along_last(array, dims) or array.dtype.kind != "f" or array.shape[-1] > SMALL:
        return np.add.reduce(array, axis=dims, keepdims=True)
    rows = array.reshape(-1, array.shape[-1]) @ filled((array.shape[-1], 1), array.dtype, 1)
    return rows.reshape(array.shape[:-1] + (1,))


def last_dim_max(array, dims):
    """The maximum over ``dims``, kept as a dim of 1; over the last dim alone read at each
    row's arg-max (``row_max``), which numpy finds faster than ``np.max`` along a short axis."""
    if not _along_last(array, dims):
        return np.max(array, axis=dims, keepdims=True, initial=-np.inf)  # -inf over no elements
    return row_max(array.reshape(-1, array.shape[-1])).reshape(array.shape[:-1] + (1,))


_NO_SHIFT = 64  # |x| up to which exp(x) is a normal float32 number, and no sum of them overflows
_SMALLEST = math.exp(-_NO_SHIFT)


def softmax_exp(array, dims, out=None):
    """exp(array - shift) along ``dims``, softmax's numerator, written into ``out`` (a new
    array if None). The shift keeps exp from overflowing: each row's maximum, as PyTorch
    takes it; none when the largest element is at most 64 and no finite one lies below -64
    (float32 and wider), where every exp is a normal number and exp(x) is nearer the exact
    value than exp of a rounded difference, and one pass cheaper (docs/performance.md,
    "softmax's shift")."""
    out = np.empty_like(array) if out is None else out  # an array even for a 0-d one
    if array.size and array.dtype.kind == "f" and array.itemsize >= 4 and array.max() <= _NO_SHIFT:
        np.exp(array, out=out)
        if not ((out < _SMALLEST) & (out > 0)).any():
            return out
    np.subtract(array, last_dim_max(array, dims), out=out)
    return np.exp(out, out=out)


@quiet
def softmax(self, dim):
    """exp(self - shift) / sum(exp(self - shift)) along ``dim`` (a tuple of one dim, or () for
    a 0-d array); the shift (``softmax_exp``) is a constant, so it changes no gradient."""
    result = softmax_exp(self, dim)
    result /= last_dim_sum(result, dim)
    return result, lambda grad: softmax_backward(grad, result, dim)


def softmax_backward(grad, result, dim):
    """result * (grad - sum(grad * result)), written into the one array it makes."""
    out = np.asarray(grad * result)
    np.subtract(grad, last_dim_sum(out, dim), out=out)
    out *= result
    return out


def layer_norm(self, weight=None, bias=None, *, dims, eps):
    """(self - mean) / sqrt(var + eps) over ``dims`` (the biased variance), times ``weight``
    plus ``bias``: normed = (self - mean) * rstd. With G = grad * weight, the input's
    gradient is rstd * (G - mean(G) - normed * mean(G * normed)), the weight's grad * normed
    and the bias's grad (both summed over the leading dims by the engine)."""
    inverse_count = 1 / math.prod([self.shape[d] for d in dims])  # not np.prod: 3 us on a list

    def mean(array):
        return last_dim_sum(array, dims) * inverse_count

    normed = self - mean(self)
    rstd = 1 / np.sqrt(mean(normed * normed) + eps)  # PyTorch's kernel: 1 / sqrt, not a power
    normed *= rstd  # the centred values, normalised in place
    result = normed.copy() if weight is None else normed * weight
    if bias is not None:
        result += bias

    def self_grad(grad):
        scaled = grad if weight is None else grad * weight
        out = scaled - mean(scaled)
        out -= normed * mean(scaled * normed)
        out *= rstd
        return out  # rstd * (scaled - mean(scaled) - normed * mean(scaled * normed))

    if weight is None:
        return result, self_grad
    return result, (self_grad, lambda grad: grad * normed, lambda grad: grad)
