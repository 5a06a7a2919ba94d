"""A compiled step's guards as one generated function, ``guard(*inputs)``: True when the call
may run the step's code. One expression of plain comparisons is what Python checks fastest;
written as loops over the trace's lists it took most of the time a call spends outside
numpy (docs/performance.md, "Guards").

It checks what the trace depends on: grad mode; each input's type, shape, dtype and
requires_grad (a Python value: equal to the traced one); each leaf tensor's shape and
dtype; each module's train/eval mode and settings (BatchNorm's momentum and eps, Dropout's
p: the numbers the code was written with); that each module still holds the tensors it held;
and each flat update's own guards (updates.py, ``FlatUpdate.guards``).
"""

import operator

import numpy as np

from ..state import is_grad_enabled
from ..tensor import Tensor

__all__ = ["Guard"]


_MISSING = object()  # an input the call did not give: fails every check of it


def _plain(value):
    """A setting a guard compares by value: a number, a string, a flag, None, or a tuple of them."""
    if isinstance(value, tuple):
        return all(_plain(part) for part in value)
    return value is None or type(value) in (bool, int, float, str)


class Guard:
    """The guard's checks, as source, and the objects they compare with, bound to names."""

    def __init__(self):
        self.checks, self.namespace = [], {"is_grad_enabled": is_grad_enabled, "Tensor": Tensor, "ndarray": np.ndarray}

    def bind(self, value, hint):
        """A name for ``value`` in the guard's code."""
        name = f"{hint}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def inputs(self, args):
        """The checks of the inputs ``a0, a1, ...``, as the cache's key tells them apart."""
        self.checks.append(f"is_grad_enabled() is {is_grad_enabled()}")
        for position, value in enumerate(args):
            name = f"a{position}"
            if isinstance(value, Tensor):
                self.checks += [f"isinstance({name}, Tensor)", f"{name}.requires_grad is {value.requires_grad}"]
                self.array(f"{name}.array", value.array)
            elif isinstance(value, np.ndarray):
                self.checks.append(f"isinstance({name}, ndarray)")
                self.array(name, value)
            else:
                kind, traced = self.bind(type(value), "type"), self.bind(value, "value")
                self.checks.append(f"type({name}) is {kind} and ({name} is {traced} or {name} == {traced})")

    def array(self, code, array):
        """``code``, an expression giving an array, has ``array``'s shape and dtype."""
        self.checks += [f"{code}.shape == {array.shape!r}", f"{code}.dtype == {self.bind(array.dtype, 'dtype')}"]

    def leaf(self, tensor):
        """The leaf's array is the traced one (one identity check), or one of its shape and dtype."""
        array, name = tensor.array, f"array{len(self.namespace)}"
        self.checks.append(f"(({name} := {self.bind(tensor, 'leaf')}.array) is {self.bind(array, 'traced')} or "
                           f"{name}.shape == {array.shape!r} and {name}.dtype == {self.bind(array.dtype, 'dtype')})")

    def module(self, module, training):
        """The module's train/eval mode and its settings (a number, a string, a flag: BatchNorm's
        momentum and eps, Dropout's p), read from its attributes in one call."""
        attributes = module.__dict__
        settings = {name: value for name, value in attributes.items() if name != "training" and _plain(value)}
        if "training" in attributes:
            settings["training"] = bool(training)
        else:
            self.checks.append(f"{self.bind(module, 'module')}.training is {bool(training)}")
        if settings:
            getter = self.bind(operator.itemgetter(*settings), "settings")
            values = tuple(settings.values()) if len(settings) > 1 else next(iter(settings.values()))
            self.checks.append(f"{getter}({self.bind(attributes, 'attributes')}) == {self.bind(values, 'traced')}")

    def slot(self, attributes, name, tensor, same_array):
        """The module whose attributes are ``attributes`` still holds ``tensor`` as ``name``; with
        ``same_array``, the array it held (a BatchNorm's running statistics, which the code
        updates as the arrays they were: one given by ``.data = ...`` traces again)."""
        held = self.bind(tensor, "held")
        check = f"{self.bind(attributes, 'attributes')}[{name!r}] is {held}"
        self.checks.append(check + (f" and {held}.array is {self.bind(tensor.array, 'traced')}" if same_array else ""))

    def reads(self, fn):
        """The numbers, strings and flags that ``fn``'s own code reads by name from its globals
        or its closure (``reg = 0.01`` read as ``reg``): the code was written with them."""
        code = getattr(fn, "__code__", None)
        if code is None:
            return
        scope = fn.__globals__
        for name in code.co_names:
            if name in scope and _plain(scope[name]):
                self._same(f"{self.bind(scope, 'scope')}.get({name!r})", scope[name])
        for cell in fn.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:  # a variable not assigned yet
                continue
            if _plain(value):
                self._same(f"{self.bind(cell, 'cell')}.cell_contents", value)

    def _same(self, code, value):
        """``code`` gives a value of ``value``'s type, equal to it (1 and 1.0 write different code)."""
        name = f"read{len(self.namespace)}"
        self.checks.append(f"type({name} := {code}) is {self.bind(type(value), 'type')} and "
                           f"{name} == {self.bind(value, 'traced')}")

    def function(self, count):
        """The guard of a step of ``count`` inputs; a call with more or fewer fails it."""
        arguments = "".join(f"a{i}=missing, " for i in range(count))
        checks = "\n                and ".join(["not more"] + self.checks)
        source = (f"def guard({arguments}*more):\n    try:\n        return ({checks})\n"
                  f"    except (KeyError, ValueError):  # a setting or a variable deleted\n        return False\n")
        self.namespace["missing"] = _MISSING
        exec(compile(source, "<minigrad.compile guard>", "exec"), self.namespace)  # noqa: S102 (code written here)
        return self.namespace["guard"]
