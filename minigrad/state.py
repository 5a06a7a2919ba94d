"""The modes that change what ops do, each thread its own (as PyTorch's grad mode is).

``current`` holds this thread's modes; a new thread starts from the defaults below.
A ``Mode`` changes some of them while it is open and puts them back when it closes;
it is both a context manager and a decorator, with or without parentheses
(``@no_grad`` and ``@no_grad()``).
"""

import functools
import threading

__all__ = ["current", "Mode", "no_grad", "enable_grad", "is_grad_enabled", "module_scope"]


class _Modes(threading.local):
    grad_enabled = True  # ops record the graph
    scope = ()  # the labels of the nn.Module calls under way, outermost first
    watchers = ()  # functions called with every op's output (the debugging modes)
    gradient_checks = ()  # functions called by backward with every gradient it computes


current = _Modes()


class Mode:
    """Base class of the modes: ``_changes()`` gives the modes to set, by name."""

    def __new__(cls, *args, **kwargs):
        # @mode without parentheses: the decorated function arrives as the only argument
        if cls.decorates_bare and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    decorates_bare = True

    def _changes(self):
        raise NotImplementedError

    def __enter__(self):
        changes = self._changes()
        self._previous = {name: getattr(current, name) for name in changes}
        for name, value in changes.items():
            setattr(current, name, value)
        return self

    def __exit__(self, *exc_info):
        for name, value in self._previous.items():
            setattr(current, name, value)

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(Mode):
    """Turns off graph recording: ops inside make tensors with ``requires_grad=False``
    and no graph, as ``torch.no_grad``."""

    def _changes(self):
        return {"grad_enabled": False}


class enable_grad(Mode):
    """Turns graph recording back on inside ``no_grad``."""

    def _changes(self):
        return {"grad_enabled": True}


def is_grad_enabled():
    """True when ops record the graph (outside ``no_grad``), in this thread."""
    return current.grad_enabled


class module_scope(Mode):
    """Inside it, the ops' outputs record ``label`` as the innermost module (nn.Module.__call__)."""

    decorates_bare = False

    def __init__(self, label):
        self.label = label

    def _changes(self):
        return {"scope": current.scope + (self.label,)}
