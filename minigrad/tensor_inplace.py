"""Tensor methods that write a tensor's memory, and the tensors that share it: ``.grad``,
``.data``, ``detach()``, the in-place ops (``+=``, ``add_``, ``x[i] = v``, ...) and the version
counter backward reads to refuse gradients computed from overwritten arrays.

In-place ops work on tensors that do not require grad and, inside ``no_grad``, on leaves
(an optimiser's update). On an op's output that requires grad, arithmetic and index
assignment are recorded, as PyTorch records them (``self.out += self.bias``,
``dlogits[range(n), Yb] -= 1`` in the lectures). Each one bumps the version counter
shared by every tensor viewing the memory it writes (engine.mark_written).
"""

import numpy as np

from . import arguments
from .dtypes import as_array, get_default_dtype
from .engine import Node, leaf, mark_written, ops, share_version
from .random import draw
from .rules.helpers import indexed
from .state import current_modes

__all__ = ["InplaceMethods", "reset_gradients"]

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating, PyTorch's categories
_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool"}
_VIEW_OPS = ("getitem", "view", "permute")  # x[0] += 1 on a leaf writes the leaf through a view
# what a recorded in-place op moves from its result into the tensor it changes
_HISTORY = ("array", "requires_grad", "_op", "_params", "_inputs", "_grad_fns", "_scope", "_seq", "_version_counter")
# PyTorch's message says what is wrong; this says what to do
_NO_GRAD = (" To change a parameter's values in place, do it inside `with torch.no_grad():` (mg.no_grad()), "
            "as an optimizer's step does.")
_OUT_OF_PLACE = {np.add: lambda a, b: a + b, np.subtract: lambda a, b: a - b, np.multiply: lambda a, b: a * b,
                 np.true_divide: lambda a, b: a / b}


def reset_gradients(params, set_to_none, owner=None):
    """``zero_grad`` of the optimisers and of nn.Module (``owner``): each gradient to None, or
    to zeros in place (the same ``.grad`` tensor, as PyTorch's set_to_none=False)."""
    recorder = current_modes().tracer
    if recorder is not None:  # mg.compile is tracing: the compiled step resets them too
        params = list(params)
        recorder.reset(owner, params, set_to_none)
    for p in params:
        if set_to_none:
            p._grad = p._grad_tensor = None  # as p.grad = None, without the property's call
        elif p._grad is not None:
            p.grad.zero_()


def _torch_name(dtype):
    return _TORCH_NAMES.get(np.dtype(dtype).name, str(dtype))


def _operand_dtype(value):
    """The dtype that ``value`` takes part in type promotion with (Python numbers as PyTorch)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype
    if isinstance(value, bool):
        return np.dtype(bool)
    if isinstance(value, int):
        return np.dtype(np.int64)
    if isinstance(value, float):
        return get_default_dtype()
    raise TypeError(f"expected a tensor or a number, got {type(value).__name__}")


def _without_leading_ones(value):
    """``value`` without its leading dims of size 1, which PyTorch drops before broadcasting
    a value into ``x[key]``: ``x[0] = t`` takes a ``t`` of shape (1,)."""
    shape = np.shape(value.array if isinstance(value, Node) else value)
    kept = shape
    while kept and kept[0] == 1:
        kept = kept[1:]
    if kept == shape:
        return value
    return value.reshape(kept) if isinstance(value, Node) else np.reshape(value, kept)


def _repoint(root, tensor, old):
    """In the graph of ``root`` made since ``tensor``, the ops that took ``tensor`` took the
    value it had, ``old``: the part of ``x[i] -= v`` (``x[i]``) that read x before the write."""
    pending, seen = [root], set()
    while pending:
        node = pending.pop()
        if id(node) in seen or node._seq < tensor._seq:
            continue
        seen.add(id(node))
        if any(inp is tensor for inp in node._inputs):
            node._inputs = tuple(old if inp is tensor else inp for inp in node._inputs)
        pending.extend(inp for inp in node._inputs if isinstance(inp, Node))


class InplaceMethods:
    """Gradients, data and in-place ops of Tensor."""

    __slots__ = ()

    # ----- the tensors that share this one's memory -----
    @property
    def grad(self):
        """The accumulated gradient: None, or a tensor of this tensor's shape and dtype (the
        same tensor object as long as backward adds into the same array, as in PyTorch)."""
        grad = self._grad
        if grad is None:
            return None
        wrapper = self._grad_tensor
        if wrapper is None or wrapper.array is not grad:
            wrapper = self._grad_tensor = leaf(grad)
        return wrapper

    @grad.setter
    def grad(self, value):
        recorder = current_modes().tracer
        if recorder is not None:  # mg.compile is tracing: None is replayed, a value refused
            recorder.grad_set(self, value)
        if value is None:
            self._grad = self._grad_tensor = None
            return
        array = as_array(value)
        if array.shape != self.array.shape:
            raise ValueError(f"grad: a gradient of shape {array.shape} cannot be set on a tensor of shape {self.shape}")
        self._grad = array.astype(self.array.dtype, copy=False)
        self._grad_tensor = value if isinstance(value, Node) and value.array is self._grad else None

    @property
    def data(self):
        """The same values as a tensor outside the graph: it shares this tensor's memory (and
        version counter) and does not require grad, as ``torch.Tensor.data``."""
        return self.detach()

    @data.setter
    def data(self, value):
        array = as_array(value)
        if array is self.array:  # `t.data += x` assigns back the tensor it changed in place
            return
        recorder = current_modes().tracer
        if recorder is not None:
            recorder.replaced(self)
        if array.shape != self.array.shape:
            raise ValueError(f"data: a value of shape {array.shape} cannot replace the data of a tensor of "
                             f"shape {self.shape}")
        self.array = array.astype(self.array.dtype, copy=False)
        self._version_counter = None  # new memory, a new counter (or the value's, when shared)
        if isinstance(value, Node) and value.array is self.array:
            share_version(self, value)

    def detach(self):
        """A new leaf tensor sharing this one's data and version counter, outside the graph."""
        alias = leaf(self.array)
        share_version(alias, self)
        return alias

    @property
    def version(self):
        """How many in-place writes this tensor's memory has had (through any tensor viewing
        it, ``.data`` and optimiser steps included); not writes through ``.numpy()``."""
        counter = self._version_counter
        return 0 if counter is None else counter.version

    _version = version  # PyTorch's name

    # ----- checks -----
    def _in_graph(self, name, spelling):
        """True when this in-place op must be recorded: the tensor is an op's output that
        requires grad, and grad mode is on. Raises PyTorch's error for a leaf that requires grad
        (and a view of one), and a clear one where minigrad cannot record the op."""
        if not self.requires_grad or not current_modes().grad_enabled:
            return False
        if self.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation." + _NO_GRAD)
        source = self._inputs[0] if self._inputs else None
        if self._op in _VIEW_OPS and isinstance(source, Node) and source.is_leaf and source.requires_grad:
            # x[i] += v on a leaf: PyTorch refuses the view, or (a copy) the write back into the leaf
            view = "a view of " if np.may_share_memory(self.array, source.array) else ""
            raise RuntimeError(f"{view}a leaf Variable that requires grad is being used in an in-place operation."
                               + _NO_GRAD)
        if spelling is not None:
            raise RuntimeError(f"{name}: this tensor requires grad (made by {self._op}) and minigrad records only "
                               f"arithmetic and index assignment in place; write it out of place: {spelling}")
        return True

    def _recorded(self, name, replayable=True):
        """True when this in-place op is recorded as the out-of-place op (``_rebase``): on a
        tensor in the graph, or while mg.compile traces a step, on one it replays the write
        into (trace.py, ``records_write``)."""
        in_graph = self._in_graph(name, None)
        recorder = current_modes().tracer
        if recorder is None or not replayable:
            return in_graph
        return recorder.records_write(self) or in_graph

    def _rebase(self, out_of_place, operand=None):
        """Record ``self = out_of_place(old)`` where ``old`` holds this tensor's value and history,
        as PyTorch records an in-place op on an op's output: this tensor object becomes the
        op's result. The ops that used the old value keep it, and backward refuses to go
        through them (their input now stands for the new value)."""
        old = Node.__new__(type(self))
        for slot in _HISTORY + ("label", "_hooks", "_retains_grad", "_grad", "_grad_tensor", "_origin"):
            if hasattr(self, slot):
                setattr(old, slot, getattr(self, slot))
        old._hooks, old._retains_grad, old._grad, old._grad_tensor = None, False, None, None
        if isinstance(operand, Node):
            _repoint(operand, self, old)
        new = out_of_place(old)
        for slot in _HISTORY:
            setattr(self, slot, getattr(new, slot))
        self.array = self.array.astype(old.array.dtype, copy=False)
        return self._written()

    def _operand(self, value, name, floating=False):
        """``value`` as an array or Python number, once its type may be written into this
        tensor: a floating result cannot go into an integer tensor, as in PyTorch."""
        if isinstance(value, Node):
            value = value.array
        elif isinstance(value, (list, tuple)):
            value = as_array(value)
        dtype, mine = _operand_dtype(value), self.array.dtype
        result = dtype if _KIND_RANK[dtype.kind] > _KIND_RANK[mine.kind] else mine
        if floating and result.kind != "f":
            result = get_default_dtype()
        if _KIND_RANK[result.kind] > _KIND_RANK[mine.kind]:
            raise RuntimeError(f"{name}: result type {_torch_name(result)} can't be cast to the desired output "
                               f"type {_torch_name(mine)}")
        return value

    def _written(self):
        mark_written(self)
        return self

    # ----- in-place arithmetic -----
    def _update(self, ufunc, other, name, spelling, floating=False):
        """``self = ufunc(self, other)`` in this tensor's memory, broadcasting ``other``; on an
        op's output, recorded as the out-of-place op."""
        value = self._operand(other, name, floating)
        if self._recorded(name, ufunc in _OUT_OF_PLACE):
            return self._rebase(lambda old: _OUT_OF_PLACE[ufunc](old, other), other)
        try:
            with np.errstate(all="ignore"):  # as PyTorch: inf and nan, no warning
                ufunc(self.array, value, out=self.array, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"{name}: output with shape {self.shape} doesn't match the broadcast shape "
                               f"{np.broadcast_shapes(self.shape, np.shape(value))}") from None
        return self._written()

    def _scaled(self, other, alpha, name):
        if alpha == 1:
            return other
        if isinstance(alpha, float) and self.array.dtype.kind != "f":
            raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be a floating point number.")
        return other * alpha  # a tensor's product an op (its gradient reaches ``other``), a number's a number

    def __iadd__(self, other):
        return self._update(np.add, other, "+=", "y = y + other")

    def __isub__(self, other):
        return self._update(np.subtract, other, "-=", "y = y - other")

    def __imul__(self, other):
        return self._update(np.multiply, other, "*=", "y = y * other")

    def __itruediv__(self, other):
        return self._update(np.true_divide, other, "/=", "y = y / other", floating=True)

    def add_(self, other, alpha=1):
        """``self += alpha * other``, in place; returns the tensor."""
        return self._update(np.add, self._scaled(other, alpha, "add_"), "add_", "y = y + other")

    def sub_(self, other, alpha=1):
        """``self -= alpha * other``, in place; returns the tensor."""
        return self._update(np.subtract, self._scaled(other, alpha, "sub_"), "sub_", "y = y - other")

    def mul_(self, other):
        """``self *= other``, in place; returns the tensor."""
        return self._update(np.multiply, other, "mul_", "y = y * other")

    def div_(self, other):
        """``self /= other``, in place; returns the tensor."""
        return self._update(np.true_divide, other, "div_", "y = y / other", floating=True)

    def clamp_(self, min=None, max=None):
        """Limit every element to [min, max] (either may be None), in place."""
        if min is None and max is None:
            raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
        self._in_graph("clamp_", "y = y.clamp(min, max)")
        low, high = (None if bound is None else self._operand(bound, "clamp_") for bound in (min, max))
        np.clip(self.array, low, high, out=self.array, casting="unsafe")
        return self._written()

    # ----- filling -----
    def zero_(self):
        """Set every element to 0, in place; returns the tensor."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to ``value`` (a number or a one-element tensor), in place."""
        self._in_graph("fill_", "y = torch.full_like(y, value)")
        self.array.fill(value.item() if isinstance(value, Node) else value)
        return self._written()

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape, converted to this dtype) into this tensor."""
        self._in_graph("copy_", "y = src.clone()")
        try:
            np.copyto(self.array, src.array if isinstance(src, Node) else as_array(src), casting="unsafe")
        except ValueError as error:
            raise RuntimeError(f"copy_: {error} (this tensor has shape {self.shape})") from None
        return self._written()

    def _fill_random(self, kind, name, generator, a, b):
        if self.array.dtype.kind != "f":
            raise TypeError(f"{name}: only floating-point tensors can be filled with {kind} numbers, not {self.dtype}")
        self._in_graph(name, f"y = torch.{'randn' if kind == 'normal' else 'rand'}(shape)")
        self.array[...] = draw(kind, name, generator, self.array.shape, self.array.dtype, a, b)
        return self._written()

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with normal numbers (PyTorch's for a ``minigrad.Generator``), in place."""
        return self._fill_random("normal", "normal_", generator, mean, std)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with uniform numbers on [a, b) (PyTorch's for a ``minigrad.Generator``), in place."""
        return self._fill_random("uniform", "uniform_", generator, a, b)

    # ----- index assignment -----
    def __setitem__(self, key, value):
        """``x[key] = value`` with any index ``x[key]`` takes; ``value`` is broadcast and
        converted. A repeated index gets one of the values (no accumulation), as in PyTorch."""
        index, then = arguments.split_index(arguments.index(key))
        if self._recorded("index assignment"):
            operand = _without_leading_ones(value if isinstance(value, Node) else self._operand(value, "index assignment"))
            self._rebase(lambda old: ops.index_put(old, operand, index=index, then=then), operand)
            return
        array = _without_leading_ones(value.array if isinstance(value, Node) else value)
        try:
            target, key = indexed(self.array, index, then)
            target[key] = array
        except (IndexError, ValueError) as error:
            raise type(error)(f"index assignment: {error} (tensor shape {self.shape}, value shape "
                              f"{np.shape(array)})") from None
        mark_written(self)
