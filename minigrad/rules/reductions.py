"""The rules of the reductions and scans added for issue 14: var, std, prod, cumsum,
cumprod and logcumsumexp. The vocabulary is described in rules/__init__.py."""

import numpy as np

from .helpers import sum_backward
from .reduction_helpers import (cumprod_backward, logcumsumexp_backward, prod_backward, reverse_cumsum, std_backward,
                                var_backward, variance)

__all__ = ["var", "std", "prod", "cumsum", "cumprod", "logcumsumexp"]


def _dropped(array, dim, keepdim):
    """A reduction's result, kept as dims of size 1, with those dims dropped unless ``keepdim``."""
    return array if keepdim else array.reshape([n for i, n in enumerate(array.shape) if dim is not None and i not in dim])


def var(self, dim, correction, keepdim):
    deviation, result, divisor = variance(self, dim, correction)
    shape = self.shape  # the shape, not the array: backward needs no more of self
    return _dropped(result, dim, keepdim), \
        lambda grad: var_backward(sum_backward(grad, shape, dim, keepdim), deviation, divisor)


def std(self, dim, correction, keepdim):
    deviation, var_result, divisor = variance(self, dim, correction)
    result, shape = np.sqrt(var_result), self.shape
    return _dropped(result, dim, keepdim), \
        lambda grad: std_backward(sum_backward(grad, shape, dim, keepdim), deviation, result, divisor)


def prod(self, dim, keepdim):
    return np.multiply.reduce(self, axis=dim, keepdims=keepdim), lambda grad: prod_backward(grad, self, dim, keepdim)


def cumsum(self, dim):
    return np.cumsum(self, axis=dim), lambda grad: reverse_cumsum(grad, dim)


def cumprod(self, dim):
    result = np.cumprod(self, axis=dim)
    return result, lambda grad: cumprod_backward(grad, self, result, dim)


def logcumsumexp(self, dim):
    result = np.logaddexp.accumulate(self, axis=dim)
    return result, lambda grad: logcumsumexp_backward(grad, self, result, dim)
