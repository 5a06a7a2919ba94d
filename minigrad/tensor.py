"""The Tensor: an ndarray, the op that made it, and its gradient.

Methods here check and normalise their arguments (PyTorch's names and conventions),
then call a primitive from ops.py, or compose primitives for the derived ops.
"""

import itertools
import math
import operator
from collections import namedtuple
from numbers import Number

import numpy as np

_default_dtype = np.dtype(np.float32)

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

# Numbers tensors in the order they are made: an op's output comes after its inputs,
# so this order is a topological order of any graph (autograd.backward walks by it).
next_seq = itertools.count().__next__

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What ``max(dim)`` and ``min(dim)`` return, as ``torch.return_types.max`` does."


def set_default_dtype(dtype):
    """Set the floating dtype that Python floats become (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The floating dtype that Python floats become."""
    return _default_dtype


def _as_array(data, dtype=None):
    """An ndarray from user data: ndarrays and numpy scalars keep their dtype, Python
    floats become the default dtype, ints int64, bools bool."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        array = np.asarray(data, dtype=dtype)  # straight to dtype: 0.1 as float64 stays exact
        if dtype is not None:
            return array
        if array.dtype.kind == "f":
            array = array.astype(_default_dtype)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "b":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _check_floating(dtype, what):
    if dtype.kind != "f":
        raise TypeError(f"{what}: only floating-point tensors can require grad, this one is {dtype}")


class Tensor:
    """A multi-dimensional array that records the ops made from it, for ``backward()``.

    ``Tensor(data)`` wraps an ndarray without copying it; ``tensor(data)`` copies.
    """

    __slots__ = ("data", "_grad", "requires_grad", "label", "_retains_grad", "_hooks", "_origin",
                 "_op", "_params", "_inputs", "_grad_fns", "_scope", "_seq", "__weakref__")

    # Make numpy hand mixed expressions such as `ndarray * tensor` to Tensor's operators.
    __array_ufunc__ = None

    def __init__(self, data, dtype=None, requires_grad=False, label=None):
        self.data = _as_array(data, dtype)
        self._grad = None
        self.requires_grad = False
        self.label = label
        self._retains_grad = False
        self._hooks = None
        self._op = None
        self._params = None
        self._inputs = ()
        self._grad_fns = None
        self._scope = ()
        self._seq = next_seq()
        if requires_grad:
            self.requires_grad_(True)

    # ----- attributes -----
    @property
    def grad(self):
        """The accumulated gradient, an ndarray of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != self.data.shape:
                raise ValueError(f"grad: a gradient of shape {value.shape} cannot be set on a tensor of shape {self.shape}")
            value = value.astype(self.data.dtype, copy=False)
        self._grad = value

    @property
    def shape(self):
        """The shape, a tuple of ints (``torch.Size`` is a tuple too)."""
        return self.data.shape

    def size(self, dim=None):
        """The shape, or the size of one dimension."""
        return self.data.shape if dim is None else self.data.shape[dim]

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.data.ndim

    def dim(self):
        """The number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self):
        """The numpy dtype of the data."""
        return self.data.dtype

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by an op that requires grad."""
        return self._grad_fns is None

    @property
    def op(self):
        """The name of the op that made this tensor, or None for a tensor made by the user."""
        return self._op

    @property
    def inputs(self):
        """What the op that made this tensor took: its tensors and scalars, in order; () for a leaf."""
        return self._inputs

    @property
    def op_params(self):
        """The op's settings (a dict such as ``{"dim": (0,), "keepdim": True}``), or None for a leaf."""
        return self._params

    @property
    def scope(self):
        """The names of the ``nn.Module`` calls under way when this tensor was made, outermost first."""
        return self._scope

    @property
    def T(self):
        """The tensor with its dimensions reversed."""
        return ops.permute(self, dims=tuple(range(self.data.ndim - 1, -1, -1)))

    def numel(self):
        """The number of elements."""
        return self.data.size

    nelement = numel

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a Python number, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The data as an ndarray (shared, not copied)."""
        return self.data

    def tolist(self):
        """The data as nested Python lists."""
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index, got {self.dtype} of shape {self.shape}")
        return int(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        prefix = "tensor("
        body = np.array2string(self.data, separator=", ", prefix=prefix, precision=4,
                               threshold=200, edgeitems=3)
        extras = []
        if self.data.dtype not in (_default_dtype, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None and self.requires_grad:
            extras.append(f"grad_fn=<{self._op}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.label:
            extras.append(f"label={self.label!r}")
        return prefix + body + "".join(", " + e for e in extras) + ")"

    # ----- autograd -----
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf it
        depends on. A tensor with more than one element needs ``gradient``, of its shape.
        Without ``retain_graph`` the arrays saved for backward are freed."""
        autograd.backward(self, gradient, retain_graph)

    def retain_grad(self):
        """Keep ``.grad`` on this intermediate tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad, so it gets no gradient")
        self._retains_grad = True
        return self

    def draw(self, **options):
        """The graph that made this tensor, as a graphviz.Digraph; ``options`` as for
        ``minigrad.draw_graph``."""
        from .drawing import draw_graph

        return draw_graph(self, **options)

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient (an ndarray) during backward,
        before it reaches ``.grad`` or the tensor's inputs; a returned array replaces
        the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so it gets no gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return HookHandle(self._hooks, hook)

    @property
    def retains_grad(self):
        """True when ``retain_grad()`` was called on this intermediate tensor."""
        return self._retains_grad

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on a leaf tensor, in place; returns the tensor."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; use detach() on an op's output")
        if requires_grad:
            _check_floating(self.data.dtype, "requires_grad")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf tensor sharing this one's data, outside the graph."""
        return Tensor(self.data)

    def clone(self):
        """A copy of the data that stays in the graph."""
        return ops.copy(self)

    # ----- dtype -----
    def to(self, dtype):
        """The tensor converted to ``dtype`` (gradients flow back converted)."""
        dtype = np.dtype(dtype)
        return self if dtype == self.data.dtype else ops.cast(self, dtype=dtype)

    type = to

    def float(self):
        """The tensor as float32."""
        return self.to(float32)

    def double(self):
        """The tensor as float64."""
        return self.to(float64)

    def long(self):
        """The tensor as int64."""
        return self.to(int64)

    def int(self):
        """The tensor as int32."""
        return self.to(int32)

    def bool(self):
        """The tensor as bool."""
        return self.to(bool_)

    # ----- arithmetic -----
    def _binary(self, other, combine, reverse=False):
        """``combine(self, other)``, or ``combine(other, self)`` when ``reverse``, once
        ``other`` is a Tensor or a Python scalar (a scalar keeps the result's dtype)."""
        mine = self
        if isinstance(other, Tensor):  # the common cases first: tensors, then Python numbers
            if other.data.dtype is not mine.data.dtype and other.data.dtype != mine.data.dtype:
                mine, other = _promote(mine, other)
        elif isinstance(other, (np.ndarray, np.generic)):
            return self._binary(Tensor(other) if other.ndim else other.item(), combine, reverse)
        elif isinstance(other, (float, int)) or (isinstance(other, Number) and not isinstance(other, complex)):
            if isinstance(other, float) and mine.data.dtype.kind != "f":
                mine = Tensor(mine.data.astype(_default_dtype))
        else:
            return NotImplemented
        return combine(other, mine) if reverse else combine(mine, other)

    def __add__(self, other):
        return self._binary(other, ops.add)

    def __radd__(self, other):
        return self._binary(other, ops.add, reverse=True)

    def __sub__(self, other):
        return self._binary(other, ops.sub)

    def __rsub__(self, other):
        return self._binary(other, ops.sub, reverse=True)

    def __mul__(self, other):
        return self._binary(other, ops.mul)

    def __rmul__(self, other):
        return self._binary(other, ops.mul, reverse=True)

    def __truediv__(self, other):
        return self._true_division()._binary(other, _divide)

    def __rtruediv__(self, other):
        return self._true_division()._binary(other, _divide, reverse=True)

    def _true_division(self):
        # `/` on integers gives floats, as in PyTorch
        return self.float() if self.data.dtype.kind in "iub" else self

    def __pow__(self, exponent):
        return self._binary(exponent, ops.pow)

    def __rpow__(self, base):
        return self._binary(base, ops.pow, reverse=True)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return self._binary(other, _matmul)

    def __rmatmul__(self, other):
        return self._binary(other, _matmul, reverse=True)

    def __abs__(self):
        return ops.abs(self)

    def add(self, other):
        """``self + other``."""
        return self + other

    def sub(self, other):
        """``self - other``."""
        return self - other

    def mul(self, other):
        """``self * other``."""
        return self * other

    def div(self, other):
        """``self / other``."""
        return self / other

    def pow(self, exponent):
        """``self ** exponent``."""
        return self ** exponent

    def matmul(self, other):
        """``self @ other``."""
        return self @ other

    # ----- comparisons: bool tensors, no graph -----
    def _compare(self, other, compare):
        return self._binary(other, lambda a, b: Tensor(compare(a.data, b.data if isinstance(b, Tensor) else b)))

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    # ----- element-wise -----
    def exp(self):
        """Element-wise e**x."""
        return ops.exp(self)

    def log(self):
        """Element-wise natural logarithm."""
        return ops.log(self)

    def tanh(self):
        """Element-wise hyperbolic tangent."""
        return ops.tanh(self)

    def sigmoid(self):
        """Element-wise 1 / (1 + e**-x)."""
        return ops.sigmoid(self)

    def relu(self):
        """Element-wise max(x, 0)."""
        return ops.relu(self)

    def sqrt(self):
        """Element-wise square root."""
        return ops.sqrt(self)

    def abs(self):
        """Element-wise absolute value."""
        return ops.abs(self)

    # ----- reductions -----
    def sum(self, dim=None, keepdim=False, *, keepdims=None):
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        return ops.sum(self, dim=_dims(dim, self.ndim, "sum"), keepdim=_keep(keepdim, keepdims))

    def mean(self, dim=None, keepdim=False, *, keepdims=None):
        """Mean over ``dim``: the sum times 1/n."""
        _check_floating_op(self, "mean")
        dims = _dims(dim, self.ndim, "mean")
        return self.sum(dims, _keep(keepdim, keepdims)) * (1.0 / _count(self.shape, dims))

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Variance over ``dim``: the sum of squared deviations divided by
        n - correction (1, Bessel's correction, unless ``unbiased=False`` or
        ``correction`` says otherwise)."""
        _check_floating_op(self, "var")
        dims = _dims(dim, self.ndim, "var")
        if correction is None:
            correction = 1 if unbiased else 0
        deviation = self - self.mean(dims, keepdim=True)
        divisor = max(_count(self.shape, dims) - correction, 0)
        return (deviation * deviation).sum(dims, _keep(keepdim, keepdims)) * _reciprocal(divisor)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, keepdims=None):
        """Standard deviation: the square root of ``var``."""
        return self.var(dim, unbiased, _keep(keepdim, keepdims), correction=correction).sqrt()

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
        if self.data.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return op(self)
        dim = _dim(dim, self.data.ndim, name)
        if not self.data.ndim:  # a 0-d tensor is its own max along dim 0, as in torch
            return ValuesIndices(op(self), Tensor(np.zeros((), np.int64)))
        indices = arg(self.data, axis=dim, keepdims=True)  # ndarray.argmax: no Python-level wrapper
        values = op(self, dim=dim, indices=indices, keepdim=keepdim)
        return ValuesIndices(values, Tensor(indices if keepdim else indices.squeeze(dim)))

    def argmax(self, dim=None, keepdim=False):
        """Indices of the largest elements (no gradient)."""
        return Tensor(np.argmax(self.data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        """Indices of the smallest elements (no gradient)."""
        return Tensor(np.argmin(self.data, axis=dim, keepdims=keepdim))

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``, computed stably by shifting by the max."""
        dims = _dims(dim, self.ndim, "logsumexp")
        maxes = np.max(self.data, axis=dims, keepdims=True)
        # the shift cancels out unless it is infinite (inf - inf is nan): then it is 0, as in torch
        shift = Tensor(np.where(np.isinf(maxes), 0, maxes))
        total = (self - shift).exp().sum(dims, keepdim=True).log() + shift
        return total if keepdim else total.squeeze(dims)

    # ----- shape -----
    def view(self, *shape):
        """The same data in a new shape (one dimension may be -1)."""
        return ops.view(self, shape=_infer_shape(_shape_argument(shape), self.data.size, self.shape, "view"))

    def reshape(self, *shape):
        """The same as ``view``."""
        return ops.view(self, shape=_infer_shape(_shape_argument(shape), self.data.size, self.shape, "reshape"))

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
        shape = self.data.shape
        if not shape:
            return self.view(1)
        start, end = _dim(start_dim, len(shape), "flatten"), _dim(end_dim, len(shape), "flatten")
        return ops.view(self, shape=shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def permute(self, *dims):
        """The tensor with its dimensions reordered."""
        dims = _shape_argument(dims)
        normal = _dims(dims, self.ndim, "permute")
        if len(normal) != self.ndim or len(set(normal)) != self.ndim:
            raise ValueError(f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}")
        return ops.permute(self, dims=normal)

    def transpose(self, dim0, dim1):
        """The tensor with two dimensions swapped."""
        (dim0,), (dim1,) = _dims(dim0, self.ndim, "transpose"), _dims(dim1, self.ndim, "transpose")
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dim1, dim0
        return ops.permute(self, dims=tuple(dims))

    def unsqueeze(self, dim):
        """The tensor with a new dimension of size 1 at ``dim``."""
        (dim,) = _dims(dim, self.ndim + 1, "unsqueeze")
        return self.view(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        """The tensor without dimensions of size 1 (only ``dim``, when given)."""
        dims = _dims(dim, self.ndim, "squeeze") if dim is not None else range(self.ndim)
        drop = {d for d in dims if self.shape[d] == 1}
        return self.view(tuple(n for d, n in enumerate(self.shape) if d not in drop))

    def __getitem__(self, index):
        return ops.getitem(self, index=_index(index))


class HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        """Unregister the hook (again is harmless)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _check_floating_op(tensor, name):
    if tensor.data.dtype.kind != "f":
        raise TypeError(f"{name}: needs a floating-point tensor, got {tensor.dtype}; convert it with .float() first")


def _keep(keepdim, keepdims):
    return keepdim if keepdims is None else keepdims


def _dims(dim, ndim, name):
    """``dim`` (None, an int or a sequence of ints) as a sorted tuple of non-negative
    dims, or None for all; IndexError for a dim out of range, as in PyTorch."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_dim(dim, ndim, name),) if ndim else ()
    normal = [_dim(d, ndim, name) for d in dim]
    if len(set(normal)) != len(normal):
        raise ValueError(f"{name}: dim {dim} repeats a dimension")
    return tuple(normal) if ndim else ()


def _dim(dim, ndim, name):
    """One ``dim`` as a non-negative int; a 0-d tensor takes 0 and -1, as in PyTorch."""
    bound = ndim or 1
    if not -bound <= dim < bound:
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of {ndim} dims "
                         f"(expected in [{-bound}, {bound - 1}])")
    return dim + bound if dim < 0 else int(dim)


def _count(shape, dims):
    return math.prod(shape) if dims is None else math.prod(shape[d] for d in dims)


def _reciprocal(n):
    """1 / n for a Python number, with numpy's infinity for zero (Python would raise)."""
    return 1.0 / n if n else math.copysign(math.inf, n)


def _shape_argument(args):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(map(operator.index, args))


def _infer_shape(shape, size, old_shape, name):
    """``shape`` with its -1 (if any) worked out; ValueError if it cannot hold ``size`` elements."""
    if -1 in shape:
        rest = -math.prod(shape)  # the product of the other sizes, if -1 is the only negative one
        if rest > 0 and not size % rest and min(shape) == -1 and shape.count(-1) == 1:
            at = shape.index(-1)
            return shape[:at] + (size // rest,) + shape[at + 1:]
    elif math.prod(shape) == size and min(shape, default=0) >= 0:
        return shape
    raise ValueError(f"{name}: shape {list(shape)} is invalid for a tensor of shape {old_shape} "
                     f"({size} elements)")


def _index_part(part):
    if isinstance(part, Tensor):
        return part.data
    if isinstance(part, range):
        return np.arange(part.start, part.stop, part.step)
    if isinstance(part, list) and any(isinstance(p, Tensor) for p in part):
        return np.array([p.data if isinstance(p, Tensor) else p for p in part])
    return part


def _index(index):
    """Tensors and ranges inside an index become arrays, so numpy's semantics apply."""
    if isinstance(index, tuple):
        return tuple(_index_part(part) for part in index)
    return _index_part(index)


def _promote(a, b):
    """Integer (or bool) tensors meeting floating ones become floats of that dtype, as
    in PyTorch (numpy would make int64 with float32 into float64)."""
    if a.data.dtype.kind in "iub" and b.data.dtype.kind == "f":
        a = Tensor(a.data.astype(b.data.dtype))
    elif b.data.dtype.kind in "iub" and a.data.dtype.kind == "f":
        b = Tensor(b.data.astype(a.data.dtype))
    return a, b


def _divide(a, b):
    """``a / b`` as ``a * b**-1``: the two primitives the hand derivation uses."""
    return ops.mul(a, ops.pow(b, -1) if isinstance(b, Tensor) else _reciprocal(b))


def _matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors of at least one dimension, not scalars")
    return ops.matmul(a, b)


from . import autograd, ops  # noqa: E402  (both build on Tensor, defined above)
