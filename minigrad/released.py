"""What the graph keeps of what backward() released, as PyTorch keeps its ``grad_fn``
nodes after freeing the tensors they saved.

backward() without ``retain_graph`` frees each op's gradient functions, and with them the
arrays they saved. The op's inputs would still hold the intermediate tensors (and their
arrays) alive; so each input is replaced by a ``Released`` that stands for it: its op, its
settings, its own inputs (stand-ins too), shape, dtype, label and module scope, but not its
array. A parameter (a leaf that requires grad) stays itself, as PyTorch's graph holds the
leaves it accumulates into; an array among the settings (getitem's index, cross_entropy's
target) becomes a ``ReleasedArray``. Each stand-in reaches its tensor while something else
(the user's variable) keeps it alive: ``tensor`` (``array`` for a ``ReleasedArray``).
"""

import weakref
from operator import attrgetter, itemgetter

import numpy as np

from .engine import FREED, Node

__all__ = ["ARRAY_SETTINGS", "Released", "ReleasedArray", "Releaser"]

# what a stand-in keeps of its tensor, read in one C call when the walk releases the tensor
_FIELDS = ("op", "inputs", "op_params", "scope", "label", "shape", "dtype", "requires_grad", "kept_grad")
_TAKE = attrgetter("_op", "_inputs", "_params", "_scope", "label", "array.shape", "array.dtype", "requires_grad",
                   "_grad")
_new = object.__new__
# the settings that can hold an array saved for backward (getitem's index, max's indices,
# cross_entropy's target): a rule that takes another adds its name here. Other arrays
# among the settings (BatchNorm's running statistics) are a module's, which keeps them.
ARRAY_SETTINGS = ("index", "indices", "target")


def _field(position, name):
    """A stand-in's field: its own copy, or its tensor's while the walk has not released it."""
    attribute = "_grad" if name == "kept_grad" else name

    def read(self):
        try:
            return self._fields[position]
        except AttributeError:
            return getattr(self._ref(), attribute)

    return property(read, doc=f"As the tensor's ``{name}`` when backward() released it.")


class Released:
    """What the graph keeps of a tensor that backward() walked through and released: the
    same read-only surface as a tensor's graph (``op``, ``inputs``, ``op_params``,
    ``scope``, ``is_leaf``, ``graph_freed``), with ``label``, ``shape``, ``ndim``, ``dtype``,
    ``requires_grad``, ``kept_grad`` (the gradient it kept by ``retain_grad()``, an array,
    else None) and ``tensor``, the tensor itself while something else holds it (else None)."""

    __slots__ = ("_ref", "_fields")  # a weak reference to the tensor; what it keeps of it (_TAKE)

    op, inputs, op_params, scope, label, shape, dtype, requires_grad, kept_grad = (
        _field(position, name) for position, name in enumerate(_FIELDS))

    @property
    def graph_freed(self):
        """True for a tensor backward() walked through (its op's saved arrays are freed)."""
        return self.op is not None and self.requires_grad

    @property
    def is_leaf(self):
        return self.op is None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def tensor(self):
        """The tensor this stands for, while something else keeps it alive; else None."""
        return self._ref()

    def __reduce__(self):
        """Pickled as what it keeps: a copy stands for no live tensor."""
        fields = getattr(self, "_fields", None)
        return _unpickled, (fields if fields is not None else _TAKE(self._ref()),)

    def __repr__(self):
        name = f" {self.label!r}" if self.label else ""
        return f"<released {self.op or 'leaf'} tensor{name} of shape {self.shape}>"


def _gone():
    """The weak reference of an unpickled stand-in: to no tensor."""
    return None


def _unpickled(fields):
    stand_in = _new(Released)
    stand_in._ref, stand_in._fields = _gone, fields
    return stand_in


class ReleasedArray:
    """What the graph keeps of an array among an op's settings (an index, a target):
    ``shape``, ``dtype``, and ``array`` while something else holds it (else None)."""

    __slots__ = ("_ref", "shape", "dtype")

    def __init__(self, array):
        self._ref, self.shape, self.dtype = weakref.ref(array), array.shape, array.dtype

    @property
    def array(self):
        return self._ref()

    def __reduce__(self):
        return _unpickled_array, (self.shape, self.dtype)

    def __repr__(self):
        return f"<released array of shape {self.shape}>"


def _unpickled_array(shape, dtype):
    released = _new(ReleasedArray)
    released._ref, released.shape, released.dtype = _gone, shape, dtype
    return released


class Releaser:
    """The stand-ins of one backward walk, one per tensor or array however many ops took it."""

    __slots__ = ("stand_ins", "arrays")

    def __init__(self):
        # id(tensor) -> its Released: by id, so that a tensor dies as soon as the walk has released it and the
        # ops that took it (no two keys share an id: each tensor lived from before the walk until it began)
        self.stand_ins = {}
        self.arrays = {}     # id(array) -> (array, its ReleasedArray): held, so that no other array takes the id

    def release(self, node):
        """Free what ``node``'s op kept for backward (its gradient functions and the arrays
        they saved), keeping the graph's structure: its inputs become stand-ins. The walk's
        hot path: one pass, no calls but the stand-ins' making (docs/performance.md)."""
        node._grad_fns = FREED
        stand_ins = self.stand_ins
        inputs = []
        for inp in node._inputs:
            # a stand-in for every tensor but a parameter, which the graph keeps as PyTorch's does
            if isinstance(inp, Node) and (inp._grad_fns is not None or not inp.requires_grad):
                stand_in = stand_ins.get(id(inp))
                if stand_in is None:
                    stand_in = stand_ins[id(inp)] = _new(Released)
                    stand_in._ref = weakref.ref(inp)
                    if inp._grad_fns is None:  # not walked: kept as it is now (watchers keep its inputs)
                        stand_in._fields = _TAKE(inp)
                inp = stand_in
            elif type(inp) is np.ndarray:
                inp = self._array(inp)
            inputs.append(inp)
        node._inputs = tuple(inputs)
        params = node._params
        if params:
            for name in ARRAY_SETTINGS:
                if name in params:
                    node._params = {name: self._setting(value) for name, value in params.items()}
                    break
        own = stand_ins.get(id(node))
        if own is not None:
            own._fields = _TAKE(node)

    def finish(self):
        """After a walk stopped by an error: the stand-ins of the tensors it did not reach
        keep what those tensors have now."""
        for stand_in in self.stand_ins.values():
            tensor = None if hasattr(stand_in, "_fields") else stand_in._ref()
            if tensor is not None:
                stand_in._fields = _TAKE(tensor)

    def _array(self, array):
        kept = self.arrays.get(id(array))
        if kept is None:
            kept = self.arrays[id(array)] = (array, ReleasedArray(array))
        return kept[1]

    def _setting(self, value):
        if type(value) is np.ndarray:
            return self._array(value)
        if type(value) is tuple:
            return tuple(self._array(part) if type(part) is np.ndarray else part for part in value)
        return value
