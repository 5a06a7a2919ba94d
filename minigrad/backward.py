"""backward(): the walk from a tensor back to its leaves, accumulating gradients.

Tensors come off a heap latest-made first. Every tensor is made after its inputs, so by
the time one comes off, every tensor it feeds has handed it its gradient: reverse
topological order, with no separate sort, no recursion and no depth limit. Dicts and
sets hold the tensors themselves: a Node's hash is its identity and a dict matches a key
by identity before it would try ==, so Tensor.__eq__ (element-wise) is never called.

Before an op's gradient functions run, the arrays they saved are checked against in-place
writes, but only for ops made before the latest write anywhere: one comparison per op
when nothing was written in place (the usual training step).
"""

from heapq import heappop, heappush

import numpy as np

from .engine import FREED, Node, last_write, leaf, reduce_to_shape
from .released import Releaser
from .rules.helpers import Scattered, quietly
from .state import current_modes

__all__ = ["backward"]


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf), weighted by ``gradient``, into every leaf's ``.grad``."""
    walk = _Walk(root, _seed(root, gradient), retain_graph)
    quietly(walk.run)  # with numpy's warnings off: inf and nan come out as in PyTorch, which prints no warning


def _seed(root, gradient):
    """The gradient the walk starts from: ``gradient``, or 1 for a one-element root."""
    if not root.requires_grad:
        raise RuntimeError(f"backward: this tensor (shape {root.shape}) does not require grad: no input of the "
                           "ops that made it has requires_grad=True (or it was made under no_grad)")
    if root._grad_fns is FREED:
        raise _freed_graph_error(root)
    if gradient is None:
        if root.array.size != 1:
            raise RuntimeError(f"backward: a gradient can be created implicitly only for a tensor with one "
                               f"element; this one has shape {root.shape}, so pass backward(gradient) of that shape")
        gradient = np.empty_like(root.array)
        gradient.fill(1)  # np.ones_like costs several times as much, in Python
        return gradient
    if isinstance(gradient, Node):
        gradient = gradient.array
    elif isinstance(gradient, (str, bytes)) or np.asarray(gradient).dtype.kind not in "biuf":
        raise TypeError(f"backward: the gradient must be a tensor, an array or a number, got "
                        f"{type(gradient).__name__} {gradient!r:.40}")
    gradient = np.asarray(gradient, dtype=root.array.dtype)
    if gradient.shape != root.shape:
        raise RuntimeError(f"backward: gradient has shape {gradient.shape} but the tensor has shape {root.shape}")
    return gradient


class _Walk:
    """One backward pass: the gradients waiting for their tensor, and which arrays may be
    added into in place."""

    __slots__ = ("grads", "pending", "summed", "handed_out", "checks", "retain_graph", "last_write", "walked",
                 "releaser")

    def __init__(self, root, gradient, retain_graph):
        self.grads = {root: gradient}
        self.pending = [(-root._seq, root, None)]  # with the first op that handed the tensor a gradient
        self.summed = set()  # ids of the tensors whose waiting gradient was made here by a sum: safe to add into
        # arrays stored as some .grad, or the caller's, by id; held, so that no other array takes their id
        self.handed_out = {id(gradient): gradient}
        self.checks = current_modes().gradient_checks
        self.retain_graph = retain_graph
        self.last_write = last_write()
        # the nodes to free when the walk ends: inside detect_anomaly, which draws the graph of a failed backward
        self.walked = [] if self.checks and not retain_graph else None
        self.releaser = None if retain_graph else Releaser()

    def run(self):
        """Take each tensor off the heap with all its gradient summed, and hand each input
        of its op its part; then free what the op kept for backward, keeping the graph's
        structure (released.py)."""
        pending, grads, checks, deliver = self.pending, self.grads, self.checks, self.deliver
        last_write = self.last_write
        release = self.releaser and self.releaser.release
        free = release is not None and not checks
        # passed beside each tensor released, as the tensor is: its references are the walk's own (the frames'
        # variables, as the running Python counts them, a debugger's copies of them too), for released.py to tell
        probe = object()
        while pending:
            _, node, taker = heappop(pending)
            grad = grads.pop(node)
            if node._hooks or checks:
                grad = _inspect(node, grad, checks)
            if node._grad_fns is None or node._retains_grad:
                self.store(node, grad)
                if node._grad_fns is None:
                    continue
            if node._seq < last_write:
                _check_versions(node)
            recorded = 0  # the walk's references to node as the taker of an input: released.py counts them
            for inp, grad_fn in zip(node._inputs, node._grad_fns):
                # None: an input that does not require grad
                if grad_fn is not None and deliver(node, inp, grad_fn(grad)):
                    recorded += 1
            if free:
                release(node, taker, recorded, probe)
            elif self.walked is not None:
                self.walked.append((node, taker))
        for node, taker in self.walked or ():  # the heap's references are gone: recorded unknown
            release(node, taker, None, probe)

    def deliver(self, node, inp, grad):
        """Hand ``inp`` the gradient ``grad`` that ``node``'s op gave it: into ``.grad`` for a
        plain leaf, else added to what it has, or kept on the heap as its first. True when
        the walk keeps ``node`` as one of the ops that took ``inp``."""
        if grad.shape != inp.array.shape:
            grad = reduce_to_shape(grad, inp.array.shape, node._op)
        if self.checks:
            _run_checks(self.checks, node, inp, grad)
        elif inp._grad_fns is None and not inp._hooks:
            return self.store(inp, grad)  # no need to wait for its other gradients
        if inp in self.grads:
            self.accumulate(inp, grad)
            if self.releaser is not None:
                self.releaser.took(inp, node)
                return True
            return False
        if inp._grad_fns is FREED:
            raise _freed_graph_error(inp)
        if type(grad) is Scattered:  # a full array of its own, which the rest add into
            grad = np.asarray(grad)
            self.summed.add(id(inp))
        self.grads[inp] = grad
        heappush(self.pending, (-inp._seq, inp, node))
        return True

    def accumulate(self, inp, grad):
        """Add ``grad`` to the gradient ``inp``, a tensor made by an op, has received so far."""
        previous = self.grads[inp]
        if id(inp) in self.summed:  # an array made here: add into it
            if type(grad) is Scattered:
                grad.add_into(previous)
            else:
                previous += grad
        else:
            grad = np.asarray(grad)  # a Scattered one made whole
            # asarray: for 0-d tensors numpy returns a scalar, which += would not update in place
            self.grads[inp] = np.asarray(previous + grad)
            self.summed.add(id(inp))

    def store(self, tensor, grad):
        """Add ``grad`` into ``tensor.grad``; a new array where it may alias another one."""
        if type(grad) is Scattered:
            if tensor._grad is None or id(tensor._grad) in self.handed_out:
                tensor._grad = np.zeros_like(tensor.array) if tensor._grad is None else np.array(tensor._grad)
            grad.add_into(tensor._grad)
            return
        if grad.dtype != tensor.array.dtype:  # a rule that promoted, say float32 to float64
            grad = grad.astype(tensor.array.dtype)
        if tensor._grad is not None:
            if id(tensor._grad) in self.handed_out:  # maybe the array another tensor still waits to use
                tensor._grad = np.asarray(tensor._grad + grad)
            else:
                tensor._grad += grad
            return
        # a view, or the very array another tensor receives (add hands its gradient to both
        # inputs): copy it, so .grad owns its memory; np.array also turns a numpy scalar into an array
        if type(grad) is not np.ndarray or grad.base is not None or id(grad) in self.handed_out:
            grad = np.array(grad)
        self.handed_out[id(grad)] = grad
        tensor._grad = grad


def _inspect(tensor, grad, checks):
    """The gradient summed for ``tensor``, shown to its hooks (which may replace it), then to
    detect_anomaly's checks (finite parts can add up to Inf)."""
    if tensor._hooks:
        grad = _run_hooks(tensor, grad)
    _run_checks(checks, None, tensor, grad)
    return grad


def _run_checks(checks, node, tensor, grad):
    """The gradient checks of detect_anomaly, on the gradient ``node``'s op gave ``tensor``."""
    for check in checks:
        check(node, tensor, grad)


def _describe(node):
    label = f" '{node.label}'" if node.label else ""
    return f"the {node._op} tensor{label} of shape {node.shape}"


def _freed_graph_error(node):
    return RuntimeError(f"backward: the graph through {_describe(node)} was already freed by an earlier "
                        "backward(); call backward(retain_graph=True) the first time to go through it twice")


def _saved_arrays(grad_fn):
    """The arrays a gradient function keeps: those in its closure (a rule's lambda, and the
    local functions it calls), or all its arguments (a functools.partial); None when it
    cannot be told."""
    cells = getattr(grad_fn, "__closure__", None)
    if cells is not None or hasattr(grad_fn, "__code__"):
        values = [cell.cell_contents for cell in cells or ()]
    elif hasattr(grad_fn, "func"):
        values = list(grad_fn.args) + list(grad_fn.keywords.values())
    else:
        return None
    arrays = [value for value in values if isinstance(value, np.ndarray)]
    for inner in (value for value in values if callable(value) and hasattr(value, "__code__")):
        arrays += _saved_arrays(inner) or []
    return arrays


def _saves(saved, array):
    """True when one of the ``saved`` arrays is ``array`` or a view of its memory."""
    if saved is None:
        return True
    return any(kept is array or (kept.base is not None and np.may_share_memory(kept, array)) for kept in saved)


def _check_versions(node):
    """Raise if an array that ``node``'s op saved for the gradients backward is about to
    compute (its inputs', or its output's) was written in place after the op was made, or
    if an input was changed by a recorded in-place op after this op used it (it now stands
    for the new value: its history no longer leads to what this op saw)."""
    for inp in node._inputs:
        if isinstance(inp, Node) and inp._seq > node._seq:
            raise RuntimeError(f"backward: {node._op} used {_describe(inp)} before an in-place {inp._op} changed "
                               f"it, so its gradient cannot go back through the new value; change it out of "
                               f"place (y = y + v) or call backward() before changing it")
    saved = []
    for grad_fn in node._grad_fns:
        if grad_fn is not None:  # the gradient functions backward is about to run
            arrays = _saved_arrays(grad_fn)
            if arrays is None:
                saved = None
                break
            saved += arrays
    for tensor in [inp for inp in node._inputs if isinstance(inp, Node)] + [node]:
        counter = tensor._version_counter
        if counter is not None and counter.written_after(node._seq) and _saves(saved, tensor.array):
            raise RuntimeError(_version_message(node, tensor, counter))


def _version_message(node, tensor, counter):
    changes = counter.written_after(node._seq)
    seen = f"at version {counter.version - changes}"
    if changes == len(counter.writes) < counter.version:  # older writes are forgotten
        seen += " or an earlier one"
    name = "its output" if tensor is node else (f"'{tensor.label}'" if tensor.label else
                                                f"the {tensor.op or 'leaf'} tensor")
    return (f"backward: one of the tensors needed to compute the gradient of {node._op} was modified by an "
            f"in-place operation: {name} of shape {tensor.shape} is at version {counter.version}; "
            f"{node._op} saw it {seen}. Call backward() before changing it in place (optimizer.step() "
            "changes the parameters), or change a clone() of it")


def _run_hooks(tensor, grad):
    """Each hook registered on ``tensor`` sees its gradient, as a Tensor, and may replace it."""
    for hook in tensor._hooks:
        replaced = hook(leaf(grad))
        if replaced is not None:
            replaced = np.asarray(replaced.array if isinstance(replaced, Node) else replaced)
            if replaced.shape != grad.shape:
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                                   f"{replaced.shape} for a tensor of shape {grad.shape}")
            grad = np.array(replaced, dtype=grad.dtype)  # a copy: .grad must not alias the caller's array
    return grad
