"""Named helpers of the rules, as PyTorch's ``sum_backward``: gradients that take more than
one expression, or that are written for speed. Plain numpy, like the rules; each speed
choice is measured and explained in docs/performance.md ("Named backward helpers")."""

import functools
import math

import numpy as np

try:  # numpy 2 keeps its floating-point error state in a ContextVar: see docs/performance.md, "quiet"
    from numpy._core._ufunc_config import _extobj_contextvar as _error_state
    from numpy._core._ufunc_config import _make_extobj

    # both C calls, without a Python frame: they run around every quiet op
    warnings_off = functools.partial(_error_state.set, _make_extobj(all="ignore"))
    warnings_back = _error_state.reset
except (ImportError, AttributeError, TypeError):  # pragma: no cover (numpy 1, or a numpy that moved them)
    def warnings_off():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def warnings_back(state):
        state.__exit__(None, None, None)

__all__ = ["quiet", "quietly", "warnings_off", "warnings_back", "not_differentiable", "expand", "power",
           "pow_backward_self", "pow_backward_exponent", "sign", "div_backward_other", "maximum_backward",
           "stable_sigmoid", "erf", "sum_backward", "extreme", "extreme_backward", "Scattered",
           "index_forward", "index_backward", "scatter_rows", "index_put_backward_self", "indexed", "matmul_backward_self",
           "matmul_backward_other", "row_max", "row_positions", "batch_norm_backward",
           "cross_entropy_backward", "tanh_backward", "in_place", "along", "scatter_add", "repeat_backward",
           "repeat_interleave_backward", "ONE_HOT_LIMIT", "IDENTITY_ROWS"]


def expand(array, shape):
    """``array`` (with as many dims as ``shape``) broadcast to ``shape`` as a read-only view.
    Made directly: see docs/performance.md, "expand"."""
    if not array.flags.c_contiguous:
        return np.broadcast_to(array, shape)
    strides = ()
    for size, stride in zip(array.shape, array.strides):  # a loop: a comprehension is one more call
        strides += (0 if size == 1 else stride,)
    view = np.ndarray(shape, array.dtype, array, 0, strides)
    view.flags.writeable = False
    return view


def quietly(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with numpy's floating-point warnings off."""
    token = warnings_off()
    try:
        return fn(*args, **kwargs)
    finally:
        warnings_back(token)


def quiet(rule):
    """Marks a rule whose forward can make inf or nan: the op wrapper computes it with
    numpy's floating-point warnings off (``warnings_off``), as PyTorch prints no warning
    for them. (Every gradient function runs quietly too: backward walks the graph with
    the warnings off.)"""
    rule.quiet = True
    return rule


def not_differentiable(name):
    """The gradient function of an op that has none (PyTorch raises in backward too)."""
    def raise_error(grad):
        raise RuntimeError(f"{name}: the derivative is not implemented (the op is not differentiable)")
    return raise_error


_WRITTEN_OUT = {3: lambda x: x * x * x, -2: lambda x: 1 / (x * x), 0.5: np.sqrt, -0.5: lambda x: 1 / np.sqrt(x)}


def power(self, other):
    """self ** other, but as PyTorch's kernel for the exponents it writes out (3, -2, ±0.5):
    its numbers to the bit, and far faster than numpy's general power (performance.md, "power");
    at -inf and -0.0, sqrt's values (sqrt(-inf) is nan where pow(-inf, 0.5) is inf)."""
    floating = isinstance(self, np.ndarray) and self.dtype.kind == "f" and type(other) in (int, float)
    written_out = _WRITTEN_OUT.get(other) if floating else None
    return written_out(self) if written_out else self ** other


def pow_backward_self(grad, self, other):
    """grad * other * self ** (other - 1), and 0 where the exponent is 0 (not 0 * inf at
    self = 0), as in PyTorch. For a square, self rather than self ** 1, which numpy
    computes the slow way (docs/performance.md, "pow")."""
    if type(other) is int and other == 2:
        twice = grad * self
        twice *= 2  # in place: one array made, not two (docs/performance.md, "in place")
        return twice
    if isinstance(other, np.ndarray):
        return np.where(other == 0, 0, grad * other * self ** (other - 1))
    if other == 0:
        return np.zeros_like(grad)
    exponent = other - 1  # ±0.5 through sqrt, for PyTorch's NaN at -inf; others as numpy's power, to the bit
    return grad * other * (power(self, exponent) if exponent in (0.5, -0.5) else self ** exponent)


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


def sign(x):
    """-1, 0 or 1, and 0 at NaN, as PyTorch's sign (numpy's gives NaN there)."""
    result = np.sign(x)
    return np.where(result == result, result, 0) if result.dtype.kind == "f" else result


def stable_sigmoid(x):
    """1 / (1 + e**-x), with exp of a non-positive number only, so that large |x| neither
    overflows nor warns."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function, element-wise (numpy has none): the C library's, through math.erf."""
    # np.asarray: on a 0-d array the ufunc gives a Python float, on others an object array
    return np.asarray(_erf(x), dtype=x.dtype) if isinstance(x, np.ndarray) else math.erf(x)


def sum_backward(grad, shape, dim, keepdim):
    """The upstream gradient of a sum, spread back over every summed element."""
    if not keepdim:  # put the summed dims back, as size 1
        grad = grad.reshape([1 if dim is None or i in dim else size for i, size in enumerate(shape)])
    return expand(grad, shape)


def extreme(self, dim, indices, keepdim, ufunc):
    """max/min (``ufunc`` is np.maximum or np.minimum) and where the result was taken:
    over the whole tensor, ``ufunc.reduce`` (and None); along ``dim``, the elements at
    ``indices`` (the arg-max or arg-min, as a dim of size 1), read at their numpy index,
    which backward reuses. That costs less than the reduce along a short dim
    (docs/performance.md, "max"); a NaN is the arg-max, and so the maximum, of its row."""
    if dim is None:
        return ufunc.reduce(self, axis=None, keepdims=keepdim), None
    position = along(indices, dim, self.ndim)
    result = self[position]
    return (result if keepdim else result.squeeze(dim)), position


def extreme_backward(grad, self, result, dim, position):
    """max/min: over the whole tensor, the gradient is split evenly among the ties (as
    PyTorch's max()); along ``dim``, it goes to ``position``, the index of the elements
    picked (``extreme``). A NaN is the maximum wherever it is, as in PyTorch."""
    if dim is None:
        ties = (self == result) | (np.isnan(self) & np.isnan(result))
        return ties * (grad / ties.sum())
    spread = np.zeros(self.shape, self.dtype)
    spread[position] = grad.reshape(position[dim].shape)
    return spread


def along(indices, dim, ndim):
    """The numpy index that picks ``indices`` along ``dim`` and every position along the
    other dims of ``indices``' shape (torch.gather's). It is np.put_along_axis's, built
    directly: docs/performance.md, "max"."""
    return tuple([indices if axis == dim else np.arange(size).reshape((size,) + (1,) * (ndim - 1 - axis))
                  for axis, size in enumerate(indices.shape)])


def _is_basic(index):
    """True when numpy's basic indexing applies: no element can be picked twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)) for part in parts)


class Scattered:
    """A gradient that is zero but at a basic ``index`` (ints and slices), where it is
    ``values``: getitem's backward for such an index. Backward adds it where it belongs, so
    picking the n rows of one tensor (``mg.stack(list(W))``) costs n rows, not n whole
    tensors of zeros; ``np.asarray`` gives the full array."""

    __slots__ = ("shape", "dtype", "index", "values")

    def __init__(self, shape, dtype, index, values):
        self.shape, self.dtype, self.index, self.values = shape, dtype, index, values

    def add_into(self, array):
        """``array += self``, in place."""
        array[self.index] += self.values

    def __array__(self, dtype=None, copy=None):
        dense = np.zeros(self.shape, self.dtype if dtype is None else dtype)
        dense[self.index] = self.values
        return dense


def index_forward(self, index):
    """getitem: ``self[index]``; rows of a table picked by an integer array (``C[Xb]``) are
    taken with ``take``, which computes the same for half the cost: docs/performance.md, "embedding"."""
    if type(index) is np.ndarray and index.ndim and index.dtype.kind in "iu" and self.ndim:
        return self.take(index, axis=0)
    return self[index]


def index_backward(grad, shape, dtype, index):
    """getitem: the upstream gradient put back where the elements were picked; an
    element picked several times (a row of C in C[Xb]) receives the sum."""
    if _is_basic(index):
        return Scattered(shape, dtype, index, grad)
    if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and len(shape):
        return scatter_rows(grad, shape, dtype, index.reshape(-1))
    return scatter_add(grad, shape, dtype, index)


# public: mg.compile's embedding gradient (compiler/fused.py) reads them too, to take the same form
ONE_HOT_LIMIT = 16384  # table rows x picked rows up to which the one-hot product is the faster
IDENTITY_ROWS = 256  # tables up to this many rows keep their identity matrix: at most 512 KB each


@functools.lru_cache(maxsize=8)
def _identity(size, dtype):
    """``np.eye(size, dtype=dtype)``, made once and read-only: np.eye is Python code
    (docs/performance.md, "embedding")."""
    identity = np.eye(size, dtype=dtype)
    identity.flags.writeable = False
    return identity


def scatter_rows(grad, shape, dtype, rows):
    """A zero table of ``shape`` with each row of ``grad`` added at the row ``rows`` picked
    (``C[Xb]``'s backward): for a small table the product of a one-hot matrix with the
    rows, else ``np.add.at`` on flat indices (docs/performance.md, "embedding")."""
    row_size = math.prod(shape[1:])
    values = grad.reshape(rows.size, row_size)
    if shape[0] <= IDENTITY_ROWS and shape[0] * rows.size <= ONE_HOT_LIMIT:
        table = _identity(shape[0], dtype).take(rows, axis=0).T @ values
        if math.isfinite(table.sum()):  # else 0 * inf in the product put nan in rows never picked
            return table if len(shape) == 2 else table.reshape(shape)  # no view where none is needed
    spread = np.zeros(shape, dtype)
    flat = (rows % shape[0])[:, None] * row_size + np.arange(row_size)  # negative rows count from the end
    np.add.at(spread.reshape(-1), flat.reshape(-1), values.reshape(-1))
    return spread


def indexed(array, index, then):
    """The array and key that ``array[index][then]`` writes through: ``array[index]`` is a
    view when ``then`` is given (``index`` holds only ints and slices then)."""
    return (array, index) if then is None else (array[index], then)


def index_put_backward_self(grad, index, then):
    """The upstream gradient, with 0 where ``index`` (then ``then``) was overwritten (those
    elements of self no longer reach the result)."""
    kept = grad.copy()
    target, key = indexed(kept, index, then)
    target[key] = 0
    return kept


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


def row_max(self):
    """The maximum of each row of a 2-D array, as a column: read at each row's arg-max,
    which numpy finds faster than ``np.maximum.reduce`` along a short row
    (docs/performance.md, "row_max"). A NaN is the maximum of its row, as for both."""
    return self.take(row_positions(self, self.argmax(1))).reshape(-1, 1)


def row_positions(array, columns):
    """The flat positions, in a C-contiguous 2-D ``array``, of one element per row: row r's
    at column ``columns[r]``. numpy indexes a flat array faster than by the pair (rows, columns)."""
    return np.arange(0, array.size, array.shape[1]) + columns


def batch_norm_backward(grad, weight, normed, inv_std, training, correction):
    """The lecture's one-line batch norm backward, for any variance correction:
    inv_std * (dnormed - mean(dnormed) - normed * sum(dnormed * normed) / (n - correction)),
    the subtractions and the product done in place in ``dnormed``, the one array of the
    batch's shape made for them (docs/performance.md, "in place")."""
    dnormed = grad * weight  # at least the output's dtype, as wide as normed's: in place loses nothing
    if training:
        n = normed.shape[0]
        projection = normed * (np.add.reduce(dnormed * normed, axis=0) * (1 / (n - correction)))
        dnormed -= np.add.reduce(dnormed, axis=0) * (1 / n)
        dnormed -= projection
    return in_place(np.multiply, dnormed, inv_std)


def cross_entropy_backward(grad, log_probs, target):
    """(softmax - one_hot(target)) / n, times the upstream gradient. The one-hot is taken
    away at flat positions, and the scaling done in place (docs/performance.md, "in place");
    the targets are in [0, classes), as the forward's indexing checked. The exponential is
    made C-contiguous, so that its flat view is the array itself (the logits of ``x.T``
    give log_probs in Fortran order, whose ``reshape(-1)`` would be a copy)."""
    dlogits = np.exp(log_probs, order="C")
    dlogits.reshape(-1)[row_positions(dlogits, target)] -= 1
    return in_place(np.multiply, dlogits, grad / len(target))


def tanh_backward(grad, result):
    """grad * (1 - result * result), made in one new array (docs/performance.md, "in place")."""
    local = result * result
    if type(local) is not np.ndarray:  # a 0-d result: numpy gives a scalar, which cannot be written into
        return grad * (1 - local)
    np.subtract(1, local, out=local)
    return in_place(np.multiply, local, grad)


def in_place(ufunc, array, other):
    """``ufunc(array, other)`` written into ``array``, a temporary of the rule's own, unless
    ``other`` has a wider dtype (an upstream gradient in float64): then a new array, as the
    plain expression gives."""
    if other.dtype == array.dtype:
        return ufunc(array, other, out=array)
    return ufunc(array, other)


def scatter_add(grad, shape, dtype, index):
    """The upstream gradient added back where ``index`` picked (getitem, gather, take_along_dim):
    ``np.add.at``, so that an element picked twice gets both gradients."""
    spread = np.zeros(shape, dtype)
    np.add.at(spread, index, grad)
    return spread


def repeat_backward(grad, shape, repeats):
    """repeat (np.tile): each copy's gradient summed; the copies are the even axes of
    ``grad`` seen as (repeat, size) pairs."""
    shape = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    pairs = grad.reshape([n for pair in zip(repeats, shape) for n in pair])
    return np.add.reduce(pairs, axis=tuple(range(0, 2 * len(shape), 2))).reshape(shape)


def repeat_interleave_backward(grad, repeats, dim, size):
    """repeat_interleave: the gradient of each of ``size`` elements summed over its copies."""
    if np.ndim(repeats) == 0:
        runs = grad.reshape(grad.shape[:dim] + (size, int(repeats)) + grad.shape[dim + 1:])
        return np.add.reduce(runs, axis=dim + 1)
    starts = np.concatenate([[0], np.cumsum(repeats)[:-1]])
    summed = np.add.reduceat(grad, np.minimum(starts, max(grad.shape[dim] - 1, 0)), axis=dim) if grad.size else \
        np.zeros(grad.shape[:dim] + (len(repeats),) + grad.shape[dim + 1:], grad.dtype)
    # reduceat gives an element repeated 0 times the next element instead of 0
    shape = [1] * grad.ndim
    shape[dim] = len(repeats)
    return summed * (np.asarray(repeats) > 0).reshape(shape)
