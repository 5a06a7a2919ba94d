"""Named helpers of the reductions and scans (rules/reductions.py), as PyTorch's
``prod_backward``: gradients that take more than one expression. Plain numpy, like the rules."""

import numpy as np

__all__ = ["reverse_cumsum", "prod_backward", "cumprod_backward", "logcumsumexp_backward", "variance",
           "var_backward", "std_backward"]


def reverse_cumsum(grad, dim):
    """The gradient of a cumulative sum: each element gets the sum of the upstream
    gradients from its position to the end."""
    return np.flip(np.cumsum(np.flip(grad, dim), axis=dim), dim)


def _exclusive_cumprod(values, axis):
    """The product of the elements before each position along ``axis`` (1 for the first)."""
    if values.shape[axis] == 0:  # no positions
        return values
    ones = np.ones_like(np.take(values, [0], axis=axis))
    return np.cumprod(np.concatenate([ones, np.delete(values, -1, axis=axis)], axis=axis), axis=axis)


def prod_backward(grad, self, dim, keepdim):
    """prod: each element's gradient is the product of the others, made of the products
    before and after it, so that zeros need no division (PyTorch's answer too)."""
    values = self.reshape(-1) if dim is None else self
    axis = 0 if dim is None else dim
    before = _exclusive_cumprod(values, axis)
    after = np.flip(_exclusive_cumprod(np.flip(values, axis), axis), axis)
    if dim is not None and not keepdim:
        grad = np.expand_dims(grad, dim)
    return (grad * before * after).reshape(self.shape)


def cumprod_backward(grad, self, result, dim):
    """cumprod: sum over j >= i of grad_j * result_j / self_i; with zeros, the products
    without self_i are formed directly (quadratic in the length of ``dim``)."""
    if np.all(self != 0):
        return reverse_cumsum(grad * result, dim) / self
    values, grad = np.moveaxis(self, dim, -1), np.moveaxis(grad, dim, -1)
    n = values.shape[-1]
    eye = np.eye(n, dtype=bool)
    without = np.cumprod(np.where(eye, 1, values[..., None, :]), axis=-1)  # row i: self_i replaced by 1
    spread = np.add.reduce(np.triu(without) * grad[..., None, :], axis=-1)
    return np.moveaxis(spread, -1, dim)


def _log_reverse_cumsum_exp(logs, dim):
    return np.flip(np.logaddexp.accumulate(np.flip(logs, dim), axis=dim), dim)


def logcumsumexp_backward(grad, self, result, dim):
    """logcumsumexp: sum over j >= i of grad_j * exp(self_i - result_j), summed in log
    space for the positive and negative parts of ``grad`` apart, so nothing overflows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = _log_reverse_cumsum_exp(np.log(np.maximum(grad, 0)) - result, dim)
        negative = _log_reverse_cumsum_exp(np.log(np.maximum(-grad, 0)) - result, dim)
        return np.exp(self + positive) - np.exp(self + negative)


def variance(self, dim, correction):
    """The deviations from the mean over ``dim`` (None: all), the variance (its dims kept
    as size 1) and its divisor max(n - correction, 0), as in PyTorch. An empty or too
    small reduction gives NaN or Inf, without a warning, as in PyTorch."""
    n = self.size if dim is None else int(np.prod([self.shape[d] for d in dim]))
    divisor = max(n - correction, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = self - np.add.reduce(self, axis=dim, keepdims=True) / n
        var = np.add.reduce(deviation * deviation, axis=dim, keepdims=True) / divisor
    return deviation, var, divisor


def var_backward(grad, deviation, divisor):
    """var: 2 * deviation / divisor, times the upstream gradient spread over the reduction."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return grad * deviation * (np.float64(2) / divisor).astype(deviation.dtype)


def std_backward(grad, deviation, result, divisor):
    """std: var's gradient divided by 2 * std, and 0 where the std is 0 (PyTorch's
    std_backward masks it there rather than give NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(result == 0, 0, grad / result) * deviation / divisor
