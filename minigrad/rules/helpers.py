"""Named helpers of the rules, as PyTorch's ``sum_backward``: gradients that take more than
one expression, or that are written for speed. Plain numpy, like the rules; each speed
choice is measured and explained in docs/performance.md ("Named backward helpers")."""

import numpy as np

__all__ = ["expand", "pow_backward_self", "sum_backward", "extreme_backward", "index_backward", "matmul_backward_self",
           "matmul_backward_other", "batch_norm_backward", "cross_entropy_backward"]


def expand(array, shape):
    """``array`` (with as many dims as ``shape``) broadcast to ``shape`` as a read-only view.
    Made directly: see docs/performance.md, "expand"."""
    if not array.flags.c_contiguous:
        return np.broadcast_to(array, shape)
    strides = tuple([0 if size == 1 else stride for size, stride in zip(array.shape, array.strides)])
    view = np.ndarray(shape, array.dtype, array, 0, strides)
    view.flags.writeable = False
    return view


def pow_backward_self(grad, self, other):
    """grad * other * self ** (other - 1); for a square, self rather than self ** 1,
    which numpy computes the slow way (docs/performance.md, "pow")."""
    return grad * other * (self if type(other) is int and other == 2 else self ** (other - 1))


def sum_backward(grad, shape, dim, keepdim):
    """The upstream gradient of a sum, spread back over every summed element."""
    if not keepdim:  # put the summed dims back, as size 1
        grad = grad.reshape([1 if dim is None or i in dim else size for i, size in enumerate(shape)])
    return expand(grad, shape)


def extreme_backward(grad, self, result, dim, indices):
    """max/min: over the whole tensor, the gradient is split evenly among the ties (as
    PyTorch's max()); along ``dim``, it goes to ``indices`` (the arg-max, kept as a
    dim of size 1). A NaN is the maximum wherever it is, as in PyTorch."""
    if dim is None:
        ties = (self == result) | (np.isnan(self) & np.isnan(result))
        return ties * (grad / ties.sum())
    # the one-hot index is np.put_along_axis's, built directly: docs/performance.md, "max"
    along = tuple([indices if axis == dim else np.arange(size).reshape((size,) + (1,) * (self.ndim - 1 - axis))
                   for axis, size in enumerate(self.shape)])
    spread = np.zeros(self.shape, self.dtype)
    spread[along] = grad.reshape(indices.shape)
    return spread


def _is_basic(index):
    """True when numpy's basic indexing applies: no element can be picked twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)) for part in parts)


def index_backward(grad, shape, dtype, index):
    """getitem: the upstream gradient put back where the elements were picked; an
    element picked several times (a row of C in C[Xb]) receives the sum."""
    spread = np.zeros(shape, dtype)
    if _is_basic(index):
        spread[index] = grad
    elif isinstance(index, np.ndarray) and index.dtype.kind in "iu" and len(shape):
        # rows of a table, scatter-added on flat indices: docs/performance.md, "embedding"
        row_size = spread.size // shape[0]
        rows = index.reshape(-1, 1) % shape[0]  # negative rows count from the end
        np.add.at(spread.reshape(-1), (rows * row_size + np.arange(row_size)).reshape(-1), grad.reshape(-1))
    else:
        np.add.at(spread, index, grad)
    return spread


def matmul_backward_self(grad, self, other):
    """d(self @ other)/d(self); a 1-D operand takes part as a row (self) or a column (other)."""
    if other.ndim == 1:
        return np.multiply.outer(grad, other)
    if self.ndim == 1:
        return (grad[..., None, :] @ other.swapaxes(-1, -2))[..., 0, :]
    return grad @ other.swapaxes(-1, -2)


def matmul_backward_other(grad, self, other):
    """d(self @ other)/d(other)."""
    if self.ndim == 1:
        return self[:, None] * grad[..., None, :] if other.ndim > 1 else grad * self
    if other.ndim == 1:
        return (self.swapaxes(-1, -2) @ grad[..., None])[..., 0]
    return self.swapaxes(-1, -2) @ grad


def batch_norm_backward(grad, weight, normed, inv_std, training, correction):
    """The lecture's one-line batch norm backward, for any variance correction."""
    dnormed = grad * weight
    if not training:
        return dnormed * inv_std
    n = normed.shape[0]
    return inv_std * (dnormed - np.add.reduce(dnormed, axis=0) * (1 / n)
                      - normed * (np.add.reduce(dnormed * normed, axis=0) * (1 / (n - correction))))


def cross_entropy_backward(grad, log_probs, target):
    """(softmax - one_hot(target)) / n, times the upstream gradient."""
    dlogits = np.exp(log_probs)
    dlogits[np.arange(len(target)), target] -= 1
    return dlogits * (grad / len(target))
