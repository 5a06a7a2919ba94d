"""The Tensor: an ndarray, the op that made it, and its gradient.

Methods check and normalise their arguments (PyTorch's names and conventions), then
call a primitive op (engine.ops) or compose primitives. The shape methods, the
reductions, the element-wise math, and .grad, .data and the in-place ops live in
tensor_shape.py, tensor_indexing.py, tensor_reductions.py, tensor_math.py and
tensor_inplace.py.
"""

from numbers import Number

import numpy as np

from . import backward as _backward
from .arguments import check_same_dtype
from .dtypes import as_array, bool_, float32, float64, get_default_dtype, int32, int64
from .printing import array_text, grad_fn_name
from .engine import Node, ops, set_tensor_class
from .size import Size
from .state import tracer
from .tensor_device import DeviceMethods
from .tensor_indexing import IndexingMethods
from .tensor_inplace import InplaceMethods
from .tensor_math import MathMethods, floating, traced_constant
from .tensor_reductions import ReductionMethods
from .tensor_shape import ShapeMethods

__all__ = ["Tensor", "HookHandle"]


def _arithmetic(op, name, promotes_tensors=True):
    """The operator ``__name__`` and its reflection, applying ``op`` (for ``@``, ``_matmul``,
    which refuses numbers): straight to it for a tensor of the same dtype, or a float tensor
    and a Python number (nearly every call), else through ``Tensor._binary``, which promotes
    (one call less: docs/performance.md). Two tensors of different dtypes raise instead
    unless ``promotes_tensors``: PyTorch's ``@`` promotes neither."""
    def operator(self, other):
        if isinstance(other, Tensor) and other.array.dtype is self.array.dtype or \
                type(other) in _PLAIN_NUMBERS and self.array.dtype.kind == "f":
            return op(self, other)
        if not promotes_tensors and isinstance(other, Tensor):
            check_same_dtype(name, ("input", "other"), self, other)
        return self._binary(other, op)

    def reflected(self, other):
        if type(other) in _PLAIN_NUMBERS and self.array.dtype.kind == "f":
            return op(other, self)
        return self._binary(other, op, reverse=True)

    for method, method_name in ((operator, f"__{name}__"), (reflected, f"__r{name}__")):
        method.__name__, method.__qualname__ = method_name, f"Tensor.{method_name}"
    return operator, reflected


_PLAIN_NUMBERS = (float, int)  # bool is left to _binary


def _matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors of at least one dimension, not scalars")
    return ops.matmul(a, b)


class Tensor(Node, ShapeMethods, IndexingMethods, ReductionMethods, MathMethods, InplaceMethods, DeviceMethods):
    """A multi-dimensional array that records the ops made from it, for ``backward()``.

    ``Tensor(data)`` wraps an ndarray without copying it; ``tensor(data)`` copies.
    """

    __slots__ = ()

    # Make numpy hand mixed expressions such as `ndarray * tensor` to Tensor's operators.
    __array_ufunc__ = None

    def __init__(self, data, dtype=None, requires_grad=False, label=None):
        self._record(as_array(data, dtype), None, None, (), None)
        self.label = label
        if requires_grad:
            self.requires_grad_(True)

    # ----- attributes (.grad and .data: tensor_inplace.py) -----
    @property
    def shape(self):
        """The shape, a ``Size``: a tuple of ints that prints as ``torch.Size([2, 3])``."""
        return Size(self.array.shape)

    def size(self, dim=None):
        """The shape (a ``Size``), or the size of one dimension."""
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.array.ndim

    def dim(self):
        """The number of dimensions."""
        return self.array.ndim

    @property
    def dtype(self):
        """The numpy dtype of the data."""
        return self.array.dtype

    def numel(self):
        """The number of elements."""
        return self.array.size

    nelement = numel

    def item(self):
        """The value of a one-element tensor as a Python number."""
        _read(self, "item()")
        if self.array.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a Python number, "
                             f"this one has shape {self.shape}")
        return self.array.item()

    def numpy(self):
        """The data as an ndarray (shared, not copied)."""
        _read(self, "numpy()")
        return self.array

    def tolist(self):
        """The data as nested Python lists."""
        _read(self, "tolist()")
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.array, dtype=dtype)
        return self.array if dtype is None else self.array.astype(dtype, copy=False)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self):
        _read(self, "bool()")
        if self.array.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.array)

    def __float__(self):
        return float(self.item())

    def __format__(self, spec):
        """A 0-d tensor formats its value (``f"{loss:.4f}"``, ``f"{loss}"`` as a number, as in
        PyTorch); others only as ``str``."""
        if self.array.ndim == 0:
            _read(self, "format()")
            return format(self.array.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__: only a 0-d "
                            f"tensor formats its value, this one has shape {self.shape}")
        return str(self)

    def __int__(self):
        return int(self.item())

    def __index__(self):
        _read(self, "index()")
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index, "
                            f"got {self.dtype} of shape {self.shape}")
        return int(self.array)

    __hash__ = object.__hash__

    def __repr__(self):
        prefix = "tensor("
        body = array_text(self.array, prefix)
        extras = []
        if self.array.dtype not in (get_default_dtype(), np.int64, np.bool_):
            extras.append(f"dtype={self.array.dtype}")
        if self._op is not None and self.requires_grad:
            extras.append(f"grad_fn=<{grad_fn_name(self._op, self._inputs, self._params)}>")
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
        recorder = tracer()
        if recorder is not None:  # mg.compile is tracing: it writes this backward's code first
            recorder.backward(self, gradient, retain_graph)
        _backward.backward(self, gradient, retain_graph)

    def retain_grad(self):
        """Keep ``.grad`` on this intermediate tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad, so it gets no gradient")
        self._retains_grad = True
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient (a tensor) during backward,
        before it reaches ``.grad`` or the tensor's inputs; a returned tensor (or array)
        replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so it gets no gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return HookHandle(self._hooks, hook)

    @property
    def hooks(self):
        """The functions registered with ``register_hook``, in the order backward calls them."""
        return tuple(self._hooks or ())

    @property
    def retains_grad(self):
        """True when ``retain_grad()`` was called on this intermediate tensor."""
        return self._retains_grad

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on a leaf tensor, in place; returns the tensor."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; use detach() on an op's output")
        if requires_grad and self.array.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require grad, this one is {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def clone(self):
        """A copy of the data that stays in the graph."""
        return ops.copy(self)

    # ----- dtype (to, type, cpu: tensor_device.py) -----
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
            if other.array.dtype is not mine.array.dtype and other.array.dtype != mine.array.dtype:
                mine, other = _promote(mine, other)
        elif isinstance(other, (np.ndarray, np.generic)):
            return self._binary(Tensor(other) if other.ndim else other.item(), combine, reverse)
        elif isinstance(other, (float, int)) or (isinstance(other, Number) and not isinstance(other, complex)):
            if isinstance(other, float) and mine.array.dtype.kind != "f":
                mine = mine.to(get_default_dtype())
            elif mine.array.dtype.kind in "iu" and isinstance(other, int) and not isinstance(other, bool):
                other = _integer_number(other, mine.array.dtype, combine is ops.pow and not reverse)
        else:
            return NotImplemented
        return combine(other, mine) if reverse else combine(mine, other)

    __add__, __radd__ = _arithmetic(ops.add, "add")
    __sub__, __rsub__ = _arithmetic(ops.sub, "sub")
    __mul__, __rmul__ = _arithmetic(ops.mul, "mul")

    # `/` on integers gives the default float dtype, as in PyTorch
    def __truediv__(self, other):
        return floating(self)._binary(other, ops.div)

    def __rtruediv__(self, other):
        return floating(self)._binary(other, ops.div, reverse=True)

    __pow__, __rpow__ = _arithmetic(ops.pow, "pow")

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    __matmul__, __rmatmul__ = _arithmetic(_matmul, "matmul", promotes_tensors=False)

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


set_tensor_class(Tensor)


class HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        """Unregister the hook (again is harmless)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _integer_number(value, dtype, exponent):
    """A Python int meeting an integer tensor, as PyTorch takes it: in the tensor's dtype,
    wrapped around where it does not fit (uint8 + 300 adds 44); a negative ``exponent``
    is refused, as integers have no negative powers."""
    if exponent and value < 0:
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed ({dtype} tensor ** {value}); "
                           f"convert the tensor with .float() first")
    limits = np.iinfo(dtype)
    return value if limits.min <= value <= limits.max else np.array(value, np.int64).astype(dtype).item()


def _as_type(array, dtype):
    return array.astype(dtype)


def _promote(a, b):
    """Integer (or bool) tensors meeting floating ones become floats of that dtype, as
    in PyTorch (numpy would make int64 with float32 into float64). A 0-d tensor meeting
    a tensor with dims of its own kind (floating, integer) takes that tensor's dtype, as
    PyTorch promotes 0-d tensors like numbers: a float32 batch times a float64 scalar
    tensor stays float32; the scalar's gradient flows back through the cast."""
    a_kind, b_kind = a.array.dtype.kind, b.array.dtype.kind
    if a_kind in "iub" and b_kind == "f":
        a = traced_constant(_as_type, a, b.array.dtype)
    elif b_kind in "iub" and a_kind == "f":
        b = traced_constant(_as_type, b, a.array.dtype)
    elif _KIND_OF[a_kind] == _KIND_OF[b_kind] and (a.array.ndim == 0) != (b.array.ndim == 0):
        if a.array.ndim == 0:
            a = ops.cast(a, dtype=b.array.dtype)
        else:
            b = ops.cast(b, dtype=a.array.dtype)
    return a, b


_KIND_OF = {"f": "floating", "i": "integer", "u": "integer", "b": "bool"}


def _read(tensor, how):
    """Tell mg.compile's tracer, if it is tracing, that ``tensor``'s value is read (a value a
    compiled step cannot replay when it changes from call to call)."""
    recorder = tracer()
    if recorder is not None:
        recorder.read(tensor, how)
