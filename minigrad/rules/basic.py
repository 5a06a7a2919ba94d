"""The rules of the basic ops: arithmetic, the lecture's element-wise functions, matmul,
sum/max/min, views and indexing, and the three fused ops (cross_entropy, linear,
batch_norm). The vocabulary is described in rules/__init__.py."""

import itertools

import numpy as np

from .helpers import (batch_norm_backward, cross_entropy_backward, div_backward_other, extreme,
                      extreme_backward, in_place, index_backward, index_forward, index_put_backward_self, indexed,
                      matmul_backward_other, matmul_backward_self,
                      pow_backward_exponent, pow_backward_self, power, quiet, row_max, sign, stable_sigmoid,
                      sum_backward, tanh_backward)
from .constants import SMALL, filled
from .linear_helpers import linear_backward_weight, linear_product

__all__ = ["add", "sub", "mul", "div", "pow", "neg", "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs",
           "copy", "cast", "matmul", "sum", "max", "min", "view", "permute", "getitem", "index_put", "cat", "stack",
           "cross_entropy", "linear", "batch_norm"]


# ----- element-wise binary (broadcasting) -----

def add(self, other):
    return self + other, (lambda grad: grad,
                          lambda grad: grad)


def sub(self, other):
    return self - other, (lambda grad: grad,
                          lambda grad: -grad)


def mul(self, other):
    return self * other, (lambda grad: grad * other,
                          lambda grad: grad * self)


@quiet
def div(self, other):
    result = self / other
    return result, (lambda grad: grad / other,
                    lambda grad: div_backward_other(grad, result, other))


@quiet
def pow(self, other):
    result = power(self, other)
    return result, (lambda grad: pow_backward_self(grad, self, other),
                    lambda grad: pow_backward_exponent(grad, self, other, result))


# ----- element-wise unary -----

def neg(self):
    return -self, lambda grad: -grad


@quiet
def exp(self):
    result = np.exp(self)
    return result, lambda grad: grad * result


@quiet
def log(self):
    return np.log(self), lambda grad: grad / self


def tanh(self):
    result = np.tanh(self)
    return result, lambda grad: tanh_backward(grad, result)


def sigmoid(self):
    result = stable_sigmoid(self)
    return result, lambda grad: grad * result * (1 - result)


def relu(self):
    if self.dtype == np.bool_:
        raise RuntimeError("relu: boolean inputs are not supported, as in PyTorch")
    # a matrix's rows against a kept row of zeros, which numpy runs twice as fast as against the number 0
    zero = filled(self.shape[-1:], self.dtype, 0) if self.ndim > 1 and self.shape[-1] <= SMALL else 0
    return np.maximum(self, zero), lambda grad: grad * ~(self <= 0)  # NaN passes


@quiet
def sqrt(self):
    result = np.sqrt(self)
    return result, lambda grad: grad / (2 * result)


def abs(self):
    return np.abs(self), lambda grad: grad * sign(self)


def copy(self):
    return self.copy(), lambda grad: grad


def cast(self, dtype):
    # the rules below keep only what they need of self (a shape, a dtype): backward's version
    # check then knows that a later in-place change of self does not matter to them
    original = self.dtype
    return self.astype(dtype), lambda grad: grad.astype(original)


# ----- matrix product -----

def matmul(self, other):
    if self.ndim == 0 or other.ndim == 0:
        raise ValueError("both operands need at least one dimension")
    inner_self, inner_other = self.shape[-1], other.shape[-2] if other.ndim > 1 else other.shape[0]
    if inner_self != inner_other:
        raise ValueError(f"inner dimensions differ: {self.shape} @ {other.shape} needs {inner_self} == {inner_other}")
    return self @ other, (lambda grad: matmul_backward_self(grad, self, other),
                          lambda grad: matmul_backward_other(grad, self, other))


# ----- reductions -----

def sum(self, dim, keepdim):
    # bools and ints are counted in int64, as in PyTorch
    total = np.add.reduce(self, axis=dim, keepdims=keepdim) if self.dtype.kind == "f" else \
        np.sum(self, axis=dim, keepdims=keepdim)
    shape = self.shape
    return total, lambda grad: sum_backward(grad, shape, dim, keepdim)


def max(self, dim=None, indices=None, keepdim=False):
    result, position = extreme(self, dim, indices, keepdim, np.maximum)
    return result, lambda grad: extreme_backward(grad, self, result, dim, position)


def min(self, dim=None, indices=None, keepdim=False):
    result, position = extreme(self, dim, indices, keepdim, np.minimum)
    return result, lambda grad: extreme_backward(grad, self, result, dim, position)


# ----- shape -----

def view(self, shape):
    original = self.shape
    return self.reshape(shape), lambda grad: grad.reshape(original)


def permute(self, dims):
    inverse = sorted(range(len(dims)), key=dims.__getitem__)
    return self.transpose(dims), lambda grad: grad.transpose(inverse)


def index_put(self, value, index, then=None):
    """``self`` with ``value`` written at ``index`` (``x[index] = value`` on an op's output);
    ``then`` is the second step of a key that mixes ints with arrays (PyTorch's rule)."""
    result = self.copy()
    target, key = indexed(result, index, then)
    target[key] = value
    return result, (lambda grad: index_put_backward_self(grad, index, then),
                    lambda grad: grad[index] if then is None else grad[index][then])


def getitem(self, index):
    shape, dtype = self.shape, self.dtype
    return index_forward(self, index), lambda grad: index_backward(grad, shape, dtype, index)


def cat(*tensors, dim):
    edges = list(itertools.accumulate([t.shape[dim] for t in tensors], initial=0))  # not np.cumsum: 3 us on a list

    def piece(start, stop):
        return lambda grad: grad[(slice(None),) * dim + (slice(start, stop),)]

    return np.concatenate(tensors, axis=dim), tuple(piece(*edge) for edge in zip(edges, edges[1:]))


def stack(*tensors, dim):
    def piece(i):
        return lambda grad: grad[(slice(None),) * dim + (i,)]

    return np.stack(tensors, axis=dim), tuple(piece(i) for i in range(len(tensors)))


# ----- fused: one op each, stabler and faster than their compositions -----

def cross_entropy(self, target):
    """Mean over the rows of -log(softmax(self)[row, target[row]]), the log-sum-exp
    shifted by the row max."""
    shifted = self - row_max(self)
    log_probs = shifted - np.log(np.add.reduce(np.exp(shifted), axis=1, keepdims=True))
    result = np.add.reduce(log_probs[np.arange(len(target)), target]) * (-1 / len(target))
    return result, lambda grad: cross_entropy_backward(grad, log_probs, target)


def linear(self, weight, bias=None):
    """self @ weight.T + bias, PyTorch's layer layout (weight is (out, in))."""
    result = linear_product(self, weight)
    if bias is not None:
        result += bias
    return result, (lambda grad: grad @ weight,
                    lambda grad: linear_backward_weight(grad, self),
                    lambda grad: grad)


def _batch_statistics(self, correction):
    n = self.shape[0]
    mean = np.add.reduce(self, axis=0) * (1 / n)
    centred = self - mean
    sum_squares = np.add.reduce(centred * centred, axis=0)
    var = sum_squares * (1 / (n - correction)) if n > correction else np.full_like(mean, np.nan)
    return mean, centred, var, sum_squares


def batch_norm(self, weight, bias, running_mean, running_var, training, momentum, eps, correction):
    """(self - mean) / sqrt(var + eps) * weight + bias, per feature over a batch (N, C).

    Training uses the batch's statistics, the variance divided by n - correction (0 as
    in PyTorch, 1 as in the lecture), and updates the running statistics in place (the
    running variance unbiased), as torch.nn.functional.batch_norm does. Evaluation uses
    the running statistics."""
    if training:
        mean, centred, var, sum_squares = _batch_statistics(self, correction)
        if running_mean is not None:
            n = self.shape[0]
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += sum_squares * (momentum / (n - 1 if n > 1 else 1))
    else:
        centred, var = self - running_mean, running_var
    inv_std = (var + eps) ** -0.5
    normed = in_place(np.multiply, centred, inv_std)  # centred * inv_std; centred is the rule's own
    result = in_place(np.add, normed * weight, bias)  # normed * weight + bias
    return result, (lambda grad: batch_norm_backward(grad, weight, normed, inv_std, training, correction),
                    lambda grad: grad * normed,
                    lambda grad: grad)
