"""Named helpers of the rules, as PyTorch's ``sum_backward``: gradients that take more than
one expression, or that are written for speed. Plain numpy, like the rules; each speed
choice is measured and explained in docs/performance.md ("Named backward helpers")."""

import functools
import math

import numpy as np

try:  # numpy 2 keeps its floating-point error state in a ContextVar: see docs/performance.md, "quiet"
    from numpy._core._ufunc_config import _extobj_contextvar as _error_state
    from numpy._core._ufunc_config import _make_extobj
    _IGNORE_ALL = _make_extobj(all="ignore")
except (ImportError, AttributeError, TypeError):  # pragma: no cover (numpy 1, or a numpy that moved them)
    _error_state = None

__all__ = ["quiet", "not_differentiable", "expand", "pow_backward_self", "pow_backward_exponent",
           "div_backward_other", "maximum_backward", "stable_sigmoid", "erf", "sum_backward", "extreme_backward", "index_backward", "matmul_backward_self",
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


def _quietly(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with numpy's floating-point warnings off."""
    if _error_state is None:  # pragma: no cover (numpy 1)
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    token = _error_state.set(_IGNORE_ALL)
    try:
        return fn(*args, **kwargs)
    finally:
        _error_state.reset(token)


def _quiet_gradient(fn):
    return None if fn is None else lambda grad: _quietly(fn, grad)


def quiet(rule):
    """The rule, and the gradient functions it returns, computed with numpy's floating-point
    warnings off: inf and nan come out as in PyTorch, which prints no warning for them.
    Cheaper than ``np.errstate`` (docs/performance.md, "quiet")."""

    @functools.wraps(rule)
    def quiet_rule(*args, **params):
        result, grad_fns = _quietly(rule, *args, **params)
        if type(grad_fns) is tuple:
            return result, tuple([_quiet_gradient(fn) for fn in grad_fns])
        return result, _quiet_gradient(grad_fns)

    return quiet_rule


def not_differentiable(name):
    """The gradient function of an op that has none (PyTorch raises in backward too)."""
    def raise_error(grad):
        raise RuntimeError(f"{name}: the derivative is not implemented (the op is not differentiable)")
    return raise_error


def pow_backward_self(grad, self, other):
    """grad * other * self ** (other - 1), and 0 where the exponent is 0 (not 0 * inf at
    self = 0), as in PyTorch. For a square, self rather than self ** 1, which numpy
    computes the slow way (docs/performance.md, "pow")."""
    if type(other) is int and other == 2:
        return grad * 2 * self
    if isinstance(other, np.ndarray):
        return np.where(other == 0, 0, grad * other * self ** (other - 1))
    return grad * other * self ** (other - 1) if other != 0 else np.zeros_like(grad)


def _scalar_log(x):
    # a Python float (weak in numpy's promotion keeps float32 float32), with numpy's values at 0 and below
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def pow_backward_exponent(grad, self, other, result):
    """grad * result * ln(self), and 0 where self is 0 and the exponent is not negative
    (0 ** y is flat there), as PyTorch masks it."""
    local = result * (np.log(self) if isinstance(self, np.ndarray) else _scalar_log(self))
    return grad * np.where((self == 0) & (other >= 0), 0, local)


def div_backward_other(grad, result, other):
    """-grad * self / other ** 2, written as PyTorch does, -grad * (result / other), so that
    other ** 2 cannot underflow to 0 (a = b = 1e-20 gives -1e20, not -inf)."""
    return -grad * (result / other)


def maximum_backward(grad, self, other, loses):
    """maximum/minimum: the gradient goes to the larger (smaller) input, split half and
    half on a tie, and in full to both where one is NaN, as in PyTorch. ``loses`` is
    np.less for maximum (np.greater for minimum)."""
    return np.where(loses(self, other), 0, np.where(self == other, grad * 0.5, grad))


def stable_sigmoid(x):
    """1 / (1 + e**-x), with exp of a non-positive number only, so that large |x| neither
    overflows nor warns."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function, element-wise (numpy has none): the C library's, through math.erf."""
    return _erf(x).astype(x.dtype) if isinstance(x, np.ndarray) else math.erf(x)


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
