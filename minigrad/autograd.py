"""The engine: how an op is recorded, and how backward() walks the recorded graph.

A primitive op is a function on numpy arrays that returns its result and, for each
input, a function from the upstream gradient to that input's gradient (see ops.py).
`primitive` turns such a rule into a function on Tensors that records the op.
`backward` visits the graph in reverse topological order, calls those functions,
reduces broadcast gradients to their inputs' shapes and accumulates them.
"""

import functools
from heapq import heappop, heappush

import numpy as np

from .tensor import Tensor, next_seq

_grad_enabled = True

# The names of the nn.Module calls under way, outermost first; each op's output records
# it, so a drawing can group the graph by layer.
current_scope = ()

# Functions called with every op's output while a debugging mode is on (debug.py); empty
# otherwise, so the normal path pays one check per op.
output_watchers = ()

# Set by debug.detect_anomaly: backward checks every gradient it computes.
anomaly_check = None


class no_grad:
    """Context manager and decorator that turns off graph recording.

    Ops run inside it produce tensors with ``requires_grad=False`` and no graph,
    as in ``torch.no_grad``.
    """

    _enabled = False

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self._enabled

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""

    _enabled = True


def is_grad_enabled():
    """True when ops record the graph (outside ``no_grad``)."""
    return _grad_enabled


# Marks a node whose backward functions (and the arrays they saved) were released.
RELEASED = ()


def _shapes(args):
    return ", ".join(str(a.shape) if isinstance(a, Tensor) else repr(a) for a in args)


def primitive(name):
    """Turn an array-level rule into a Tensor op that records itself in the graph.

    ``rule(*arrays, **params)`` returns ``(result, grad_fns)``: ``grad_fns`` holds one
    function per positional input (a bare function for one input) mapping the upstream
    gradient to that input's gradient. Only the functions of inputs that require grad
    are kept, and only they run in backward.
    """

    def decorate(rule):
        def op(*args, **params):
            # one and two inputs, nearly every op, are unpacked by hand: a general loop
            # costs as much again as the rest of the bookkeeping
            try:
                if len(args) == 2:
                    first, second = args
                    first_is_tensor, second_is_tensor = isinstance(first, Tensor), isinstance(second, Tensor)
                    result, grad_fns = rule(first.data if first_is_tensor else first,
                                            second.data if second_is_tensor else second, **params)
                elif len(args) == 1:
                    result, grad_fns = rule(args[0].data, **params)
                else:  # plain loops: comprehensions cost several times as much on a few items
                    arrays = []
                    for a in args:
                        arrays.append(a.data if isinstance(a, Tensor) else a)
                    result, grad_fns = rule(*arrays, **params)
            except (ValueError, IndexError, TypeError) as error:
                raise type(error)(f"{name}: {error} (input shapes: {_shapes(args)})") from None
            if type(result) is not np.ndarray:
                result = np.asarray(result)
            out = Tensor.__new__(Tensor)
            out.data = result
            out._grad = None
            out.label = None
            out._retains_grad = False
            out._hooks = None
            out._op = name
            out._params = params
            out._inputs = args
            out._scope = current_scope
            out._seq = next_seq()
            out.requires_grad = False
            out._grad_fns = None
            if _grad_enabled and result.dtype.kind == "f":  # only floats carry gradients, as in torch
                # the gradient functions of inputs that require grad; None for the rest
                if len(args) == 1:
                    if args[0].requires_grad:
                        out._grad_fns = grad_fns if type(grad_fns) is tuple else (grad_fns,)
                        out.requires_grad = True
                elif len(args) == 2:
                    first_fn = grad_fns[0] if first_is_tensor and first.requires_grad else None
                    second_fn = grad_fns[1] if second_is_tensor and second.requires_grad else None
                    if first_fn and second_fn:
                        out._grad_fns = grad_fns
                        out.requires_grad = True
                    elif first_fn or second_fn:
                        out._grad_fns = (first_fn, second_fn)
                        out.requires_grad = True
                else:
                    kept = []
                    for a, fn in zip(args, grad_fns):
                        kept.append(fn if isinstance(a, Tensor) and a.requires_grad else None)
                    if any(kept):
                        out._grad_fns = tuple(kept)
                        out.requires_grad = True
            if output_watchers:
                for watch in output_watchers:
                    watch(out)
            return out

        op.__name__ = name
        op.__doc__ = rule.__doc__
        op.rule = rule
        return op

    return decorate


def reduce_to_shape(grad, shape, op_name):
    """Sum a gradient over the axes that broadcasting added or stretched, so that it
    has ``shape``; the one place where broadcasting is undone. Anything else that
    leaves the shape wrong is a bug in an op's rule, and an error."""
    extra = grad.ndim - len(shape)
    if extra >= 0:
        # np.add.reduce is ndarray.sum without numpy's Python-level wrapper
        if extra:
            grad = np.add.reduce(grad, axis=tuple(range(extra)))
            if grad.shape == shape:  # the common case: a bias added to every row
                return grad
        stretched = tuple([i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1])
        if stretched:
            grad = np.add.reduce(grad, axis=stretched, keepdims=True)
        if grad.shape == shape:
            return grad
    raise RuntimeError(
        f"{op_name}: its backward produced a gradient of shape {grad.shape} "
        f"for an input of shape {shape}"
    )


def _describe(node):
    label = f" '{node.label}'" if node.label else ""
    return f"the {node._op} tensor{label} of shape {node.shape}"


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf), weighted by ``gradient``, into every leaf's ``.grad``."""
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: this tensor (shape {root.shape}) does not require grad: no input of the "
            "ops that made it has requires_grad=True (or it was made under no_grad)"
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can be created implicitly only for a tensor with one element; "
                f"this one has shape {root.shape}, so pass backward(gradient) of that shape"
            )
        gradient = np.empty_like(root.data)
        gradient.fill(1)
    else:
        gradient = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)
        if gradient.shape != root.shape:
            raise RuntimeError(
                f"backward: gradient has shape {gradient.shape} but the tensor has shape {root.shape}"
            )

    # The walk: tensors come off a heap latest-made first. Every tensor is made after
    # its inputs, so by the time one comes off, all the tensors it feeds have handed
    # it their gradients: reverse topological order, with no separate sort, no
    # recursion and no depth limit. Dicts and sets hold the tensors themselves:
    # Tensor.__hash__ is object identity and a dict matches a key by identity before it
    # would try ==, so Tensor.__eq__ (element-wise) is never called.
    if root._grad_fns is RELEASED:
        raise _freed_graph_error(root)
    grads = {root: gradient}
    pending = [(-root._seq, root)]
    summed = set()  # tensors whose gradient was made here by summing, so may be added to in place
    handed_out = {id(gradient)}  # arrays stored as some tensor's .grad, or the caller's
    check = anomaly_check
    while pending:
        node = heappop(pending)[1]
        grad = grads.pop(node)
        if node._hooks:
            grad = _run_hooks(node, grad)
        if check:  # the summed gradient too: finite parts can add up to Inf
            check(None, node, grad)
        grad_fns = node._grad_fns
        if grad_fns is None or node._retains_grad:
            _store_grad(node, grad, handed_out)
            if grad_fns is None:
                continue
        for inp, grad_fn in zip(node._inputs, grad_fns):
            if grad_fn is None:
                continue
            input_grad = grad_fn(grad)
            if input_grad.shape != inp.data.shape:
                input_grad = reduce_to_shape(input_grad, inp.data.shape, node._op)
            if check:
                check(node, inp, input_grad)
            elif inp._grad_fns is None and not inp._hooks:
                # a leaf without hooks: straight into .grad, no need to wait for its other gradients
                _store_grad(inp, input_grad, handed_out)
                continue
            previous = grads.get(inp)
            if previous is None:
                if inp._grad_fns is RELEASED:
                    raise _freed_graph_error(inp)
                grads[inp] = input_grad
                heappush(pending, (-inp._seq, inp))
            elif inp in summed:
                previous += input_grad
            else:
                # asarray: for 0-d tensors numpy returns a scalar, which += would not update in place
                grads[inp] = np.asarray(previous + input_grad)
                summed.add(inp)
        if not retain_graph:
            node._grad_fns = RELEASED


def _freed_graph_error(node):
    return RuntimeError(
        f"backward: the graph through {_describe(node)} was already freed by an earlier "
        "backward(); call backward(retain_graph=True) the first time to go through it twice"
    )


def _run_hooks(tensor, grad):
    """Each hook registered on ``tensor`` sees its gradient and may replace it."""
    for hook in tensor._hooks:
        replaced = hook(grad)
        if replaced is not None:
            replaced = np.asarray(replaced.data if isinstance(replaced, Tensor) else replaced)
            if replaced.shape != grad.shape:
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                                   f"{replaced.shape} for a tensor of shape {grad.shape}")
            grad = np.array(replaced, dtype=grad.dtype)  # a copy: .grad must not alias the caller's array
    return grad


def _store_grad(tensor, grad, handed_out):
    if grad.dtype != tensor.data.dtype:  # a rule that promoted, say float32 to float64
        grad = grad.astype(tensor.data.dtype)
    if tensor._grad is not None:
        if id(tensor._grad) in handed_out:
            # stored earlier in this walk, so possibly the very array another tensor is
            # still waiting to use: add into a new one
            tensor._grad = np.asarray(tensor._grad + grad)  # asarray: 0-d sums are numpy scalars
        else:
            tensor._grad += grad
        return
    # A gradient may be a view, or the same array another tensor receives (add passes
    # its upstream gradient to both inputs): copy it then, so .grad owns its memory.
    # np.array also makes a numpy scalar (a rule's result for a 0-d tensor) an array.
    if type(grad) is not np.ndarray or grad.base is not None or id(grad) in handed_out:
        grad = np.array(grad)
    handed_out.add(id(grad))
    tensor._grad = grad
