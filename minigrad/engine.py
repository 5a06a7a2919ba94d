"""The engine: what the graph is made of, and how an op is recorded in it.

A ``Node`` is an array with the op that made it: the op's name, its inputs, its settings
and, per input that requires grad, the function from the upstream gradient to that
input's gradient (a rule's ``grad_fns``, see rules/). ``Tensor`` (tensor.py) is the
Node with the user's methods; the engine makes op outputs of that class, which
tensor.py registers with ``set_tensor_class``, so that the engine never imports it.
``ops`` holds every rule of rules/ as a function on tensors that records itself.
backward.py walks what is recorded here.

Versions: tensors that share memory (a view and its base, ``.data`` and its tensor) share
one ``Version`` counter, made when first needed; every in-place write bumps it and
stamps it with a sequence number, so that backward can tell whether an array an op
saved was changed after the op was made.
"""

import itertools
import operator
from collections import deque
from threading import get_ident
from types import SimpleNamespace

import numpy as np

from . import rules
from .rules.helpers import warnings_back, warnings_off
from .state import current_modes

__all__ = ["Node", "FREED", "Version", "set_tensor_class", "leaf", "primitive", "ops", "reduce_to_shape",
           "mark_written", "share_version", "last_write"]

# Numbers nodes in the order they are made: an op's output comes after its inputs,
# so this order is a topological order of any graph (backward walks by it).
_next_seq = itertools.count().__next__


class _Freed:
    """What stands in for an op's gradient functions once backward() freed them (and the
    arrays they kept)."""

    def __repr__(self):
        return "FREED"


FREED = _Freed()


class Version:
    """The version counter of a piece of memory: ``version`` counts the in-place writes,
    ``writes`` holds the sequence numbers of the last few (the node order of ``_next_seq``).
    Made with nothing in it, as it is for every view of an op's output: the deque comes
    with the first write."""

    version = 0
    writes = ()
    KEPT = 32  # writes remembered: enough to tell the version an op saw in any real case

    def written_after(self, seq):
        """How many of the remembered writes came after node ``seq`` was made."""
        return sum(1 for write in self.writes if write > seq)


_last_write = -1  # the sequence number of the latest in-place write, anywhere


def last_write():
    """The sequence number of the latest in-place write (-1 before any): backward checks
    versions only for nodes made before it."""
    return _last_write


def _counter(node):
    counter = node._version_counter
    if counter is None:
        counter = node._version_counter = Version()
    return counter


def mark_written(*nodes):
    """Record an in-place write of each node's memory (all at once, as an optimiser's step):
    bump the version it shares with every tensor viewing that memory."""
    global _last_write
    recorder = current_modes().tracer
    if recorder is not None:  # mg.compile is tracing: it must be able to replay the write
        recorder.written(nodes)
    _last_write = _next_seq()
    for node in nodes:
        counter = node._version_counter or _counter(node)
        counter.version += 1
        if not counter.writes:
            counter.writes = deque(maxlen=Version.KEPT)  # the oldest write falls out by itself
        counter.writes.append(_last_write)


def share_version(node, source):
    """Make ``node``, which views ``source``'s memory, share its version counter."""
    node._version_counter = _counter(source)


def _share_versions(out, args):
    """An op returned a view (its array has a base): find which input's memory it views.
    numpy makes the base of a view the array that owns the memory, so identity tells."""
    base = out.array.base
    for arg in args:
        if isinstance(arg, Node) and (base is arg.array or base is arg.array.base):
            out._version_counter = arg._version_counter or _counter(arg)
            return


def _read_only(slot, doc):
    """A read-only property giving the slot ``slot``: the graph's public surface."""
    return property(operator.attrgetter(slot), doc=doc)


class Node:
    """A tensor's place in the graph. Read-only from outside: ``op``, ``inputs``,
    ``op_params``, ``scope``, ``origin`` and ``is_leaf``."""

    __slots__ = ("array", "_grad", "requires_grad", "label", "_retains_grad", "_hooks", "_origin",
                 "_op", "_params", "_inputs", "_grad_fns", "_scope", "_seq", "_version_counter", "_grad_tensor",
                 "__weakref__")

    def _record(self, data, op, params, inputs, grad_fns, scope=()):
        """Set every field: the one place a node is made, for a leaf (op None) or an op's output.
        A numpy scalar (what a ufunc gives for 0-d arrays) becomes a 0-d array, so that every
        tensor holds an ndarray that in-place ops can write."""
        self.array = data if type(data) is np.ndarray else np.asarray(data)
        self._grad = None
        self.requires_grad = grad_fns is not None
        self.label = None
        self._retains_grad = False
        self._hooks = None
        self._op = op
        self._params = params
        self._inputs = inputs
        self._grad_fns = grad_fns
        self._scope = scope
        self._seq = _next_seq()
        self._version_counter = None  # the Version shared with tensors viewing this memory, made when needed
        self._grad_tensor = None  # the Tensor that .grad returned, while it wraps _grad

    op = _read_only("_op", "The name of the op that made this tensor, or None for a tensor made by the user.")
    inputs = _read_only("_inputs", "What the op that made this tensor took: its tensors and scalars, in order; "
                                   "() for a leaf.")
    op_params = _read_only("_params", "The op's settings (a dict such as ``{\"dim\": (0,), \"keepdim\": True}``), "
                                      "or None for a leaf.")
    scope = _read_only("_scope", "The labels of the ``nn.Module`` calls under way when this tensor was made, "
                                 "outermost first.")

    @property
    def origin(self):
        """Where user code made this tensor ("file:line in function: code"), recorded only
        inside ``detect_anomaly``; None otherwise."""
        return getattr(self, "_origin", None)

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by an op that requires grad."""
        return self._grad_fns is None

    @property
    def graph_freed(self):
        """True once backward() (without retain_graph) freed what this op's output kept for
        it: its inputs, settings and saved arrays."""
        return self._grad_fns is FREED


_tensor_class = Node
_new_node = object.__new__  # bound once: the look-up on the class costs more than the call


def set_tensor_class(cls):
    """Make op outputs instances of ``cls`` (tensor.py registers Tensor)."""
    global _tensor_class
    _tensor_class = cls


def leaf(data):
    """A new tensor (of the registered class) holding the ndarray ``data``, made by no op."""
    tensor = _new_node(_tensor_class)
    tensor._record(data, None, None, (), None)
    return tensor


def _shapes(args):
    """The inputs of an op as an error names them: their shapes, after their labels if they have them."""
    return ", ".join((f"{a.label} {a.array.shape}" if a.label else str(a.array.shape)) if isinstance(a, Node)
                     else repr(a) for a in args)


def _name_the_op(error, name, args):
    """Add the op and its input shapes to a rule's error, which stays the same object: its type
    and attributes are kept (numpy's ufunc errors make their message from theirs, and cannot
    be made again from a message). A plain message gets them around it; another, a note."""
    shapes = _shapes(args)
    message = error.args[0] if len(error.args) == 1 else None
    if isinstance(message, str) and str(error) == message:
        error.args = (f"{name}: {message} (input shapes: {shapes})",)
    else:  # add_note's list, which Python 3.10 has not: tracebacks show it from 3.11
        error.__notes__ = [*getattr(error, "__notes__", ()), f"{name}: raised by the op, on inputs of shapes {shapes}"]


def _unpack(args):
    """The arrays of the inputs (numbers as they are), and which require grad: one plain
    loop, which costs less than two comprehensions on a few items."""
    arrays, needs = [], []
    for a in args:
        if isinstance(a, Node):
            arrays.append(a.array)
            needs.append(a.requires_grad)
        else:
            arrays.append(a)
            needs.append(False)
    return arrays, needs


def _needed(grad_fns, needs):
    """The gradient functions of the inputs that require grad, None for the others: backward
    calls only these."""
    return tuple([fn if need else None for fn, need in zip(grad_fns, needs)])


def primitive(name, rule):
    """``rule`` (arrays in, ``(result, grad_fns)`` out) as a function on tensors that
    records the op when an input requires grad. Only floating results carry gradients, as
    in PyTorch. Backward calls the gradient functions of the inputs that require grad only.
    An output that backward cannot walk keeps neither its inputs nor its settings (they
    would hold memory for nothing), unless a debugging mode watches the ops. A rule marked
    ``quiet`` computes with numpy's floating-point warnings off."""
    quiet = getattr(rule, "quiet", False)

    def op(*args, **params):
        # one and two inputs, nearly every op, unpacked without a loop, and the rule called
        # without ** when the op has no settings: docs/performance.md, "the op wrapper"
        if quiet:
            token = warnings_off()
        try:
            if len(args) == 1:
                requires_grad = args[0].requires_grad
                result, grad_fns = rule(args[0].array, **params) if params else rule(args[0].array)
                grad_fns = (grad_fns,)  # a one-input rule gives a bare function
            elif len(args) == 2:
                first, second = args
                first_is_node, second_is_node = isinstance(first, Node), isinstance(second, Node)
                first_array = first.array if first_is_node else first
                second_array = second.array if second_is_node else second
                result, grad_fns = (rule(first_array, second_array, **params) if params
                                    else rule(first_array, second_array))
                first_needs = first_is_node and first.requires_grad
                second_needs = second_is_node and second.requires_grad
                requires_grad = first_needs or second_needs
                if requires_grad and not (first_needs and second_needs):  # a tensor with a number, or a constant
                    grad_fns = (grad_fns[0] if first_needs else None, grad_fns[1] if second_needs else None)
            else:
                arrays, needs = _unpack(args)
                result, grad_fns = rule(*arrays, **params)
                requires_grad = any(needs)
                if requires_grad and not all(needs):
                    grad_fns = _needed(grad_fns, needs)
        except (ValueError, IndexError, TypeError) as error:
            _name_the_op(error, name, args)
            raise error.with_traceback(None) from None  # raised here, by the op: the rule's frames say nothing more
        finally:
            if quiet:
                warnings_back(token)
        modes = current_modes()
        scope = modes.scope
        if scope and modes.thread != get_ident():  # the module calls of the thread owning these modes
            scope = ()
        recorded = requires_grad and modes.grad_enabled and result.dtype.kind == "f"
        out = _new_node(_tensor_class)
        if recorded:
            out._record(result, name, params, args, grad_fns, scope)
        elif modes.watchers:
            out._record(result, name, params, args, None, scope)
        else:
            out._record(result, None, None, (), None, scope)
        if out.array.base is not None:  # maybe a view of an input: share its version
            _share_versions(out, args)
        if modes.watchers:
            for watch in modes.watchers:
                watch(out)
        return out

    op.__name__ = name
    op.__doc__ = rule.__doc__
    op.rule = rule
    return op


ops = SimpleNamespace(**{name: primitive(name, getattr(rules, name)) for name in rules.__all__})


_LEADING_AXES = tuple(tuple(range(count)) for count in range(65))  # numpy has at most 64 dims; made once


def reduce_to_shape(grad, shape, op_name):
    """Sum a gradient over the axes that broadcasting added or stretched, so that it
    has ``shape``: the one place where broadcasting is undone. Anything else that
    leaves the shape wrong is a bug in an op's rule, and an error."""
    extra = grad.ndim - len(shape)
    if extra >= 0:
        if extra:
            grad = np.add.reduce(grad, axis=_LEADING_AXES[extra])
            if grad.shape == shape:  # the common case: a bias added to every row
                return grad
        stretched = ()
        for axis, size in enumerate(shape):  # a loop: a comprehension is one more call per gradient
            if size == 1 and grad.shape[axis] != 1:
                stretched += (axis,)
        if stretched:
            grad = np.add.reduce(grad, axis=stretched, keepdims=True)
        if grad.shape == shape:
            return grad
    raise RuntimeError(f"{op_name}: its backward produced a gradient of shape {grad.shape} "
                       f"for an input of shape {shape}")
