"""What the graph keeps of what backward() released, as PyTorch keeps its ``grad_fn``
nodes after freeing the tensors they saved.

backward() without ``retain_graph`` frees each op's gradient functions, and with them the
arrays they saved. What drawing needs stays: a tensor the walk has gone through becomes a
``Released``, which keeps its op, settings, inputs, shape, dtype, label, module scope and
the gradient it kept, but not its array. Which one depends on who else holds the tensor:
- nobody but the ops that took it (an intermediate the user did not keep): the tensor
  itself turns into a ``Released`` where it is, and its array goes;
- someone else too (the user's variable): the ops that took it take a new ``Released``
  instead, so the tensor keeps its array for its holder and dies when they drop it.
The walk knows how many of its ops took a tensor and how often it names the tensor itself;
``sys.getrefcount`` tells how many references there are in all, and the same count of an
object the walk passes exactly as it passes the tensor tells how many of them are the walk
frames' own (however the running Python counts them, a debugger's copies included). The
first case is nearly free, which is what keeps backward about as fast as when it dropped
the graph (docs/performance.md). Inside ``detect_anomaly``, which releases when the walk
has ended, every tensor gets a new stand-in.

A parameter (a leaf that requires grad) stays itself, as PyTorch's graph holds the leaves
it accumulates into; an input that does not require grad gets a ``Released`` standing for
it; an array among the inputs or the settings (getitem's index, cross_entropy's target)
becomes a ``ReleasedArray``.
"""

import weakref
from operator import attrgetter
from sys import getrefcount

import numpy as np

from . import rules
from .engine import FREED, Node

__all__ = ["ARRAY_SETTINGS", "Released", "ReleasedArray", "Releaser"]

_new = object.__new__
# the slot that holds a tensor's array: a Released keeps (shape, dtype, weak reference or None) there
_DATA = Node.array
# what a new stand-in copies of its tensor, read in one C call
_COPIED = ("_op", "_params", "_inputs", "_grad_fns", "_scope", "_seq", "label", "requires_grad", "_grad")
_take = attrgetter(*_COPIED)


def _parameters(rule):
    """The names of a rule's parameters (its settings after its arrays): what inspect.signature
    gives, read from the code object, which is quicker at import."""
    code = rule.__code__
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


# the settings that can hold an array saved for backward (getitem's index, max's indices,
# cross_entropy's target): a rule that takes another adds its name here. Other arrays
# among the settings (BatchNorm's running statistics) are a module's, which keeps them.
ARRAY_SETTINGS = frozenset(("index", "indices", "target"))
_SETTING_ARRAYS = frozenset(name for name in rules.__all__ if not ARRAY_SETTINGS.isdisjoint(_parameters(getattr(rules, name))))
_ndarray = np.ndarray


class Released(Node):
    """What the graph keeps of a tensor that backward() walked through and released: the
    read-only surface of a tensor's graph (``op``, ``inputs``, ``op_params``, ``scope``,
    ``is_leaf``, ``graph_freed``), with ``label``, ``shape``, ``ndim``, ``dtype``,
    ``requires_grad``, ``kept_grad`` (the gradient it kept by ``retain_grad()``, an array,
    else None) and ``tensor``, the tensor itself while something else holds it (else None).
    Its data is gone: an op on it raises."""

    __slots__ = ()

    @property
    def array(self):
        raise RuntimeError(f"{self!r}: backward() released this tensor's data; keep the tensor itself "
                           "(a variable) to use its values after backward()")

    @property
    def shape(self):
        return _DATA.__get__(self)[0]

    @property
    def dtype(self):
        return _DATA.__get__(self)[1]

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def kept_grad(self):
        return self._grad

    @property
    def tensor(self):
        """The tensor this stands for, while something else keeps it alive; else None."""
        ref = _DATA.__get__(self)[2]
        return None if ref is None else ref()

    def __reduce__(self):
        """Pickled as what it keeps: a copy stands for no live tensor."""
        return _unpickled, (self.shape, self.dtype, self._grad_fns is FREED) + _take(self)

    def __repr__(self):
        name = f" {self.label!r}" if self.label else ""
        return f"<released {self.op or 'leaf'} tensor{name} of shape {self.shape}>"


def _unpickled(shape, dtype, freed, *fields):
    stand_in = _new(Released)
    _DATA.__set__(stand_in, (shape, dtype, None))
    _fill(stand_in, fields)
    if freed:
        stand_in._grad_fns = FREED  # the marker is one object: a copy is made it again
    return stand_in


def _fill(stand_in, fields):
    """Set every slot of a new stand-in: ``fields`` as _COPIED names them, the rest empty."""
    (stand_in._op, stand_in._params, stand_in._inputs, stand_in._grad_fns, stand_in._scope, stand_in._seq,
     stand_in.label, stand_in.requires_grad, stand_in._grad) = fields
    stand_in._retains_grad, stand_in._hooks, stand_in._version_counter, stand_in._grad_tensor = False, None, None, None


def _stand_in(tensor):
    """A new Released standing for ``tensor``, which someone else holds."""
    stand_in = _new(Released)
    array = tensor.array
    _DATA.__set__(stand_in, (array.shape, array.dtype, weakref.ref(tensor)))
    _fill(stand_in, _take(tensor))
    origin = tensor.origin
    if origin is not None:
        stand_in._origin = origin
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


def _gone():
    """The weak reference of an unpickled ReleasedArray: to no array."""
    return None


def _unpickled_array(shape, dtype):
    released = _new(ReleasedArray)
    released._ref, released.shape, released.dtype = _gone, shape, dtype
    return released


class Releaser:
    """The releasing of one backward walk: which ops took each tensor, and the stand-ins
    made, one per tensor or array however many ops took it."""

    __slots__ = ("stand_ins", "arrays", "takers")

    def __init__(self):
        self.stand_ins = {}  # id(tensor) -> its Released, for the tensors held elsewhere: by id, so as not to hold them
        self.arrays = {}     # id(array) -> (array, its ReleasedArray): held, so that no other array takes the id
        self.takers = {}     # id(tensor) -> the ops that took it beyond the first (the walk's heap has that one)

    def took(self, tensor, node):
        """``node``'s op took ``tensor`` once more (another input, or another gradient)."""
        takers = self.takers.get(id(tensor))
        if takers is None:
            self.takers[id(tensor)] = [node]
        else:
            takers.append(node)

    def release(self, node, taker, recorded, probe):
        """Free what ``node``'s op kept for backward (its gradient functions and the arrays
        they saved), keeping the graph's structure. ``taker`` is the first op the walk
        reached ``node`` from (None for the root, whose holder called backward); the walk
        keeps ``node`` ``recorded`` times as the taker of its inputs (None: unknown, never
        in place); ``probe`` came as ``node`` came, held by nothing else. The walk's hot
        path, written out in one function: docs/performance.md."""
        grad_fns = node._grad_fns
        node._grad_fns = FREED
        if None in grad_fns:  # an input that does not require grad: a number, an array or a tensor
            for inp in node._inputs:
                if type(inp) is _ndarray or isinstance(inp, Node) and not inp.requires_grad and type(inp) is not Released:
                    node._inputs = self._released_inputs(node._inputs)
                    break
        if node._op in _SETTING_ARRAYS:
            node._params = {name: self._setting(value) for name, value in node._params.items()}
        if taker is None:
            return
        takers = self.takers
        more = takers.pop(id(node), None) if takers else None
        # held by nothing but the ops that took it and the walk: it becomes its own stand-in
        if recorded is not None and \
                getrefcount(node) - getrefcount(probe) == recorded + (1 if more is None else 1 + len(more)):
            array = node.array  # (op outputs are all of one class, which shares Released's slots)
            node.array, node._hooks = (array.shape, array.dtype, None), None  # its hooks cannot run again
            node.__class__ = Released
            return
        self._replace(node, (taker,) if more is None else [taker, *more])

    def _replace(self, tensor, takers):
        """Give the ops that took ``tensor`` a stand-in for it instead."""
        stand_in = self.stand_ins[id(tensor)] = _stand_in(tensor)
        for taker in takers:
            taker._inputs = tuple([stand_in if inp is tensor else inp for inp in taker._inputs])
            twin = self.stand_ins.get(id(taker))
            if twin is not None:  # the taker is held too: its stand-in takes the same inputs
                twin._inputs = taker._inputs

    def _released_inputs(self, inputs):
        """``inputs`` with a stand-in for each tensor that does not require grad and each array."""
        return tuple([self._array(inp) if type(inp) is _ndarray else
                      self._stand_in_of(inp) if isinstance(inp, Node) and not inp.requires_grad
                      and type(inp) is not Released else inp for inp in inputs])

    def _stand_in_of(self, tensor):
        stand_in = self.stand_ins.get(id(tensor))
        if stand_in is None:
            stand_in = self.stand_ins[id(tensor)] = _stand_in(tensor)
        return stand_in

    def _array(self, array):
        kept = self.arrays.get(id(array))
        if kept is None:
            kept = self.arrays[id(array)] = (array, ReleasedArray(array))
        return kept[1]

    def _setting(self, value):
        if type(value) is _ndarray:
            return self._array(value)
        if type(value) is tuple:
            return tuple(self._array(part) if type(part) is _ndarray else part for part in value)
        return value
