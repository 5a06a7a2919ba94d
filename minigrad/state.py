"""The modes that change what ops do, each thread its own (as PyTorch's grad mode is).

``current.get()`` gives this thread's ``Modes``: a new thread starts from the defaults.
A ``Modes`` is never changed in place: a ``Mode`` sets a changed copy while it is open and
puts the previous one back when it closes. It is both a context manager and a decorator,
with or without parentheses (``@no_grad`` and ``@no_grad()``). The modes live in a
``contextvars.ContextVar``: each thread has its own context, and reading it costs less
than a ``threading.local`` on every op (docs/performance.md, "modes").
"""

import contextvars
import functools

__all__ = ["Modes", "current", "Mode", "no_grad", "enable_grad", "is_grad_enabled"]


class Modes:
    """One thread's modes, read by the engine on every op."""

    __slots__ = ("grad_enabled", "scope", "watchers", "gradient_checks")

    def __init__(self, grad_enabled=True, scope=(), watchers=(), gradient_checks=()):
        self.grad_enabled = grad_enabled  # ops record the graph
        self.scope = scope  # the labels of the nn.Module calls under way, outermost first
        self.watchers = watchers  # functions called with every op's output (the debugging modes)
        self.gradient_checks = gradient_checks  # functions called by backward with every gradient

    def replace(self, **changes):
        """A copy with ``changes``."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return Modes(**{**fields, **changes})

    def inside(self, label):
        """A copy inside one more module call, ``label``; made directly, as it is on every call."""
        return Modes(self.grad_enabled, self.scope + (label,), self.watchers, self.gradient_checks)


current = contextvars.ContextVar("minigrad_modes", default=Modes())


class Mode:
    """Base class of the modes: ``_changes(modes)`` gives the modes to set, by name."""

    def __new__(cls, *args):
        # @mode without parentheses: the decorated function arrives as the only argument
        if len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def _changes(self, modes):
        raise NotImplementedError

    def __enter__(self):
        modes = current.get()
        self._token = current.set(modes.replace(**self._changes(modes)))
        return self

    def __exit__(self, *exc_info):
        current.reset(self._token)

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(Mode):
    """Turns off graph recording: ops inside make tensors with ``requires_grad=False``
    and no graph, as ``torch.no_grad``."""

    def _changes(self, modes):
        return {"grad_enabled": False}


class enable_grad(Mode):
    """Turns graph recording back on inside ``no_grad``."""

    def _changes(self, modes):
        return {"grad_enabled": True}


def is_grad_enabled():
    """True when ops record the graph (outside ``no_grad``), in this thread."""
    return current.get().grad_enabled
