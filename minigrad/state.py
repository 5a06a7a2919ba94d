"""The modes that change what ops do, each thread its own (as PyTorch's grad mode is).

``current_modes()`` gives this thread's ``Modes``: a new thread starts from the defaults.
A ``Mode`` sets a changed copy while it is open and puts the previous one back when it
closes; it is both a context manager and a decorator, with or without parentheses
(``@no_grad`` and ``@no_grad()``). The modes live in a ``contextvars.ContextVar``: each
thread has its own context, and reading it costs less than a ``threading.local`` on every
op. The one field changed in place is ``scope``, by module calls, and only in a ``Modes``
that belongs to the thread (``own_modes``; the defaults belong to the thread that imports
minigrad): setting the ContextVar on every module call would cost more than the call
(docs/performance.md, "modes").
"""

import contextvars
import functools
from threading import get_ident

__all__ = ["Modes", "current", "current_modes", "own_modes", "tracer", "Mode", "no_grad", "enable_grad", "is_grad_enabled",
           "inference_mode", "set_grad_enabled"]


class Modes:
    """One thread's modes, read by the engine on every op."""

    __slots__ = ("grad_enabled", "scope", "watchers", "gradient_checks", "tracer", "thread")

    def __init__(self, grad_enabled=True, scope=(), watchers=(), gradient_checks=(), tracer=None, thread=None):
        self.grad_enabled = grad_enabled  # ops record the graph
        self.scope = scope  # the labels of the nn.Module calls under way, outermost first
        self.watchers = watchers  # functions called with every op's output (the debugging modes)
        self.gradient_checks = gradient_checks  # functions called by backward with every gradient
        # mg.compile's recorder while it traces a step (None otherwise): told of what no op records
        # (backward, optimizer steps, module calls, random draws, reads of values); see compiler/trace.py
        self.tracer = tracer
        self.thread = thread  # the thread that may change ``scope`` in place (None: no thread)

    def replace(self, **changes):
        """A copy with ``changes``, owned by this thread."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return Modes(**{**fields, **changes, "thread": get_ident()})


# The defaults belong to the thread that imports minigrad: there a module call changes them
# in place, and nothing is ever set in the ContextVar, whose look-ups by numpy on every call
# cost more once anything is (docs/performance.md, "modes"). Other threads read them until
# they set their own, and take their scope for nothing (the op wrapper checks the owner).
current = contextvars.ContextVar("minigrad_modes", default=Modes(thread=get_ident()))
# this thread's Modes; bound once, as looking up the method costs more than the call (docs/performance.md, "modes")
current_modes = current.get


def own_modes():
    """This thread's modes, for a module call to change ``scope`` in place and put it back.
    Setting a ContextVar on every module call would cost more than the call itself
    (docs/performance.md, "modes"), so a thread gets a copy of its own once."""
    modes = current_modes()
    if modes.thread != get_ident():
        modes = modes.replace()
        current.set(modes)
    return modes


def tracer():
    """This thread's ``mg.compile`` recorder while it traces a step, else None: the places
    that no op records (backward, an optimizer's step, a module call, a random draw, a read
    of a tensor's value) tell it what they do; outside a trace they pay this one look-up."""
    return current_modes().tracer


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
        modes = current_modes()
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


class inference_mode(no_grad):
    """``no_grad`` under PyTorch's name for it (``inference_mode(False)`` changes nothing).
    Unlike PyTorch's, tensors made inside may later take part in autograd."""

    def __init__(self, mode=True):
        self.mode = mode

    def _changes(self, modes):
        return {"grad_enabled": False} if self.mode else {}

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with inference_mode(self.mode):
                return function(*args, **kwargs)

        return wrapper


class set_grad_enabled(Mode):
    """Switch graph recording on or off: called, from now on in this thread; as a context
    manager or a decorator, inside only (the previous mode back at the end), as in PyTorch."""

    def __new__(cls, mode):  # a bool, never the decorated function
        return object.__new__(cls)

    def __init__(self, mode):
        self.mode = bool(mode)
        self._token = current.set(current_modes().replace(grad_enabled=self.mode))  # as a function: from now on

    def _changes(self, modes):
        return {"grad_enabled": self.mode}

    def __enter__(self):
        return self  # in force since __init__

    def __exit__(self, *exc_info):
        current.reset(self._token)

    def __call__(self, function):
        current.reset(self._token)  # only the decorated function runs in the mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return function(*args, **kwargs)

        return wrapper


def is_grad_enabled():
    """True when ops record the graph (outside ``no_grad``), in this thread."""
    return current_modes().grad_enabled
