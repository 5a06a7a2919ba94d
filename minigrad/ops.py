"""The primitive ops: each one's forward and its local gradient, side by side.

The vocabulary is PyTorch's derivatives.yaml: ``self`` and ``other`` are the input
arrays, ``result`` the output, ``grad`` the upstream gradient dL/d(result). A rule
returns the result and, per input, ``grad -> dL/d(input)``: upstream gradient times
local gradient (the chain rule). Rules never undo broadcasting themselves: the engine
sums each gradient back to its input's shape (autograd.reduce_to_shape). An input may
be a Python scalar; its gradient function is then never called.

Everything else (``/``, mean, var, softmax, ...) is composed from these in tensor.py
and functional.py. A few rules (sub, cross_entropy, linear, batch_norm) could be
composed too but are primitives because one op is measurably faster than several;
each says so. Adding an op means adding one rule here.

The names ``sum``, ``max``, ``min``, ``abs`` and ``pow`` are the ops here: rules must
not call the Python builtins of those names.
"""

import math

import numpy as np

from .autograd import primitive


def _log(x):
    # math.log keeps a Python scalar a Python scalar, which keeps float32 arrays float32
    return np.log(x) if isinstance(x, np.ndarray) else math.log(x)


# ----- element-wise binary (broadcasting) -----

@primitive("add")
def add(self, other):
    return self + other, (lambda grad: grad,
                          lambda grad: grad)


@primitive("sub")
def sub(self, other):
    # a primitive rather than add(self, neg(other)): one op instead of two is
    # measurably faster, and the rule is as plain
    return self - other, (lambda grad: grad,
                          lambda grad: -grad)


@primitive("mul")
def mul(self, other):
    return self * other, (lambda grad: grad * other,
                          lambda grad: grad * self)


@primitive("pow")
def pow(self, other):
    result = self ** other
    # numpy has no fast path for self ** 1, the local gradient of the common square
    return result, (lambda grad: grad * other * (self if type(other) is int and other == 2 else self ** (other - 1)),
                    lambda grad: grad * result * _log(self))


# ----- element-wise unary -----

@primitive("neg")
def neg(self):
    return -self, lambda grad: -grad


@primitive("exp")
def exp(self):
    result = np.exp(self)
    return result, lambda grad: grad * result


@primitive("log")
def log(self):
    return np.log(self), lambda grad: grad / self


@primitive("tanh")
def tanh(self):
    result = np.tanh(self)
    return result, lambda grad: grad * (1 - result * result)


@primitive("sigmoid")
def sigmoid(self):
    # exp of a non-positive number only, so large |x| neither overflows nor warns
    e = np.exp(-np.abs(self))
    result = np.where(self >= 0, 1 / (1 + e), e / (1 + e)).astype(self.dtype, copy=False)
    return result, lambda grad: grad * result * (1 - result)


@primitive("relu")
def relu(self):
    return np.maximum(self, 0), lambda grad: grad * (self > 0)


@primitive("sqrt")
def sqrt(self):
    result = np.sqrt(self)
    return result, lambda grad: grad / (2 * result)


@primitive("abs")
def abs(self):
    return np.abs(self), lambda grad: grad * np.sign(self)


@primitive("copy")
def copy(self):
    return self.copy(), lambda grad: grad


@primitive("cast")
def cast(self, dtype):
    return self.astype(dtype), lambda grad: grad.astype(self.dtype)


# ----- matrix product -----

@primitive("matmul")
def matmul(self, other):
    if self.ndim == 0 or other.ndim == 0:
        raise ValueError("both operands need at least one dimension")
    inner_self = self.shape[-1]
    inner_other = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if inner_self != inner_other:
        raise ValueError(f"inner dimensions differ: {self.shape} @ {other.shape} "
                         f"needs {inner_self} == {inner_other}")
    # 1-D operands take part as a row (self) or a column (other), as in numpy
    def grad_self(grad):
        if other.ndim == 1:
            return np.multiply.outer(grad, other)
        if self.ndim == 1:
            return (grad[..., None, :] @ other.swapaxes(-1, -2))[..., 0, :]
        return grad @ other.swapaxes(-1, -2)

    def grad_other(grad):
        if self.ndim == 1:
            return self[:, None] * grad[..., None, :] if other.ndim > 1 else grad * self
        if other.ndim == 1:
            return (self.swapaxes(-1, -2) @ grad[..., None])[..., 0]
        return self.swapaxes(-1, -2) @ grad

    return self @ other, (grad_self, grad_other)


# ----- reductions -----

def _expand(array, shape):
    """``np.broadcast_to(array, shape)`` for an array with the same number of dims: a
    read-only view, made directly rather than through broadcast_to, whose Python-level
    checks cost more than the rest of a small sum's backward."""
    if not array.flags.c_contiguous:
        return np.broadcast_to(array, shape)
    view = np.ndarray(shape, array.dtype, array, 0,
                      tuple([0 if size == 1 else stride for size, stride in zip(array.shape, array.strides)]))
    view.flags.writeable = False
    return view


@primitive("sum")
def sum(self, dim, keepdim):
    def grad_self(grad):
        if not keepdim:  # put the summed dims back, as size 1
            grad = grad.reshape([1 if dim is None or i in dim else size for i, size in enumerate(self.shape)])
        return _expand(grad, self.shape)

    # np.add.reduce is ndarray.sum without its Python-level wrapper; bools and ints
    # keep ndarray.sum, which counts them in int64
    total = np.add.reduce if self.dtype.kind == "f" else np.sum
    return total(self, axis=dim, keepdims=keepdim), grad_self


def _extreme(ufunc):
    """The rule of max (``ufunc=np.maximum``) or min. With ``dim``, ``indices`` holds
    the arg-max along it (kept as a dimension of size 1) and the gradient goes there,
    as PyTorch's max(dim) does. Over the whole tensor, the gradient is split evenly
    among the elements equal to the result, as PyTorch's max() does."""
    def rule(self, dim=None, indices=None, keepdim=False):
        if dim is None:
            result = ufunc.reduce(self, axis=None)

            def grad_self(grad):
                ties = self == result
                return ties * (grad / ties.sum())

            return result, grad_self

        def grad_self(grad):
            # one-hot: the upstream gradient goes to the arg-max; the index is
            # np.put_along_axis's, built without its Python-level checks
            along = tuple([indices if axis == dim else np.arange(size).reshape((size,) + (1,) * (self.ndim - 1 - axis))
                           for axis, size in enumerate(self.shape)])
            spread = np.zeros(self.shape, self.dtype)
            spread[along] = grad.reshape(indices.shape)
            return spread

        return ufunc.reduce(self, axis=dim, keepdims=keepdim), grad_self

    return rule


max = primitive("max")(_extreme(np.maximum))
min = primitive("min")(_extreme(np.minimum))


# ----- shape -----

@primitive("view")
def view(self, shape):
    return self.reshape(shape), lambda grad: grad.reshape(self.shape)


@primitive("permute")
def permute(self, dims):
    inverse = sorted(range(len(dims)), key=dims.__getitem__)
    return self.transpose(dims), lambda grad: grad.transpose(inverse)


def _is_basic(index):
    """True when numpy's basic indexing applies: no element can be picked twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)) for part in parts)


@primitive("getitem")
def getitem(self, index):
    def grad_self(grad):
        spread = np.zeros(self.shape, self.dtype)
        if _is_basic(index):
            spread[index] = grad
        elif isinstance(index, np.ndarray) and index.dtype.kind in "iu" and self.ndim:
            # rows of a table (C[Xb]): the scatter-add below, done on flat indices into
            # the flat table, which numpy's ufunc.at runs several times faster
            row_size = spread.size // self.shape[0]
            rows = index.reshape(-1, 1) % self.shape[0]  # negative rows count from the end
            np.add.at(spread.reshape(-1), (rows * row_size + np.arange(row_size)).reshape(-1), grad.reshape(-1))
        else:
            # scatter-add: an index that repeats (a row of C picked by several
            # examples in C[Xb]) receives the sum of its gradients
            np.add.at(spread, index, grad)
        return spread

    return self[index], grad_self


@primitive("cat")
def cat(*tensors, dim):
    edges = np.cumsum([0] + [t.shape[dim] for t in tensors])

    def grad_piece(start, stop):
        return lambda grad: grad[(slice(None),) * dim + (slice(start, stop),)]

    return np.concatenate(tensors, axis=dim), tuple(grad_piece(*edge) for edge in zip(edges, edges[1:]))


@primitive("stack")
def stack(*tensors, dim):
    def grad_piece(i):
        return lambda grad: np.take(grad, i, axis=dim)

    return np.stack(tensors, axis=dim), tuple(grad_piece(i) for i in range(len(tensors)))


# ----- fused -----

@primitive("cross_entropy")
def cross_entropy(self, target):
    """Mean over the rows of -log(softmax(self)[row, target[row]]).

    Fused because it is both stabler and faster than the composition: the
    log-sum-exp is shifted by the row max, and the gradient is the one-line
    (softmax - one_hot(target)) / n instead of the backward of eight ops."""
    n = self.shape[0]
    rows = np.arange(n)
    # the reduce methods are max and sum without numpy's Python-level wrappers
    shifted = self - np.maximum.reduce(self, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.add.reduce(np.exp(shifted), axis=1, keepdims=True))

    def grad_self(grad):
        dlogits = np.exp(log_probs)
        dlogits[rows, target] -= 1
        return dlogits * (grad / n)

    return np.add.reduce(log_probs[rows, target]) * (-1 / n), grad_self


@primitive("linear")
def linear(self, weight, bias=None):
    """self @ weight.T + bias, PyTorch's layer layout (weight is (out, in)). One op
    instead of three (permute, matmul, add), which is measurably faster."""
    result = self @ weight.T
    if bias is not None:
        result += bias
    return result, (lambda grad: grad @ weight,
                    lambda grad: grad.reshape(-1, grad.shape[-1]).T @ self.reshape(-1, self.shape[-1]),
                    lambda grad: grad)


@primitive("batch_norm")
def batch_norm(self, weight, bias, running_mean, running_var, training, momentum, eps, correction):
    """(self - mean) / sqrt(var + eps) * weight + bias, per feature over a batch (N, C).

    Training uses the batch's statistics, the variance divided by n - correction
    (0 as in PyTorch, 1 as in the lecture), and updates the running statistics in place
    as torch.nn.functional.batch_norm does (the running variance unbiased). Evaluation
    uses the running statistics. Fused: its one-line backward replaces about ten ops."""
    n = self.shape[0]
    # np.add.reduce is ndarray.sum without numpy's Python-level wrapper: this rule runs
    # every training step, on small arrays where that wrapper costs as much as the sum
    if training:
        mean = np.add.reduce(self, axis=0) * (1 / n)
        centred = self - mean
        sum_squares = np.add.reduce(centred * centred, axis=0)
        var = sum_squares * (1 / (n - correction)) if n > correction else np.full_like(mean, np.nan)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += sum_squares * (momentum / (n - 1 if n > 1 else 1))
    else:
        centred = self - running_mean
        var = running_var
    inv_std = (var + eps) ** -0.5
    normed = centred * inv_std

    def grad_self(grad):
        dnormed = grad * weight
        if not training:
            return dnormed * inv_std
        # the lecture's one-line batch norm backward, for any correction
        return inv_std * (dnormed - np.add.reduce(dnormed, axis=0) * (1 / n)
                          - normed * (np.add.reduce(dnormed * normed, axis=0) * (1 / (n - correction))))

    return normed * weight + bias, (grad_self,
                                    lambda grad: grad * normed,
                                    lambda grad: grad)
