"""A compiled step's guards as one generated function, ``guard(*inputs)``: True when the call
may run the step's code. One expression of plain comparisons is what Python checks fastest;
written as loops over the trace's lists it took most of the time a call spends outside
numpy (docs/performance.md, "Guards").

It checks what the trace depends on: grad mode; each input's type, shape, dtype and
requires_grad (a Python value: equal to the traced one); each leaf tensor's requires_grad,
shape and dtype; each module's train/eval mode and settings (BatchNorm's momentum and eps,
Dropout's p: the numbers the code was written with); that each module still holds the
tensors the code reads (and a buffer its array, which the code updates); each flat
update's own guards (updates.py, ``FlatUpdate.guards``); and the values the step's own
code reads by name (``names_read``: globals and closure variables, in nested code too), a
number, string or flag by type and value, a numpy array by identity, a tensor and its array
by identity. A step that changes
a value it reads while it is traced is refused: the code would keep one value.
"""

import copy
import operator
import types

import numpy as np

from ..dtypes import get_default_dtype
from ..state import is_grad_enabled
from ..tensor import Tensor
from .attributes import global_names, step_function
from .step_code import CompileError

__all__ = ["Guard", "names_read", "module_settings", "plain_container"]


_MISSING = object()  # an input the call did not give: fails every check of it


def _plain(value):
    """A value a guard compares by value: a number (numpy's scalars too), a string, a flag,
    None, or a tuple of them."""
    if isinstance(value, tuple):
        return all(_plain(part) for part in value)
    return value is None or type(value) in (bool, int, float, str) or isinstance(value, np.generic)


def module_settings(module):
    """A module's settings that a guard compares by value (all but its train/eval mode)."""
    return {name: value for name, value in vars(module).items() if name != "training" and _plain(value)}


def plain_container(value):
    """A list or dict of plain values (or of such containers): compared by value."""
    if isinstance(value, list):
        return all(_plain(part) or plain_container(part) for part in value)
    if isinstance(value, dict):
        return all(_plain(part) or plain_container(part) for part in value.values())
    return False


def same_plain(a, b):
    """``a`` and ``b`` plain values, or containers of them, of the same types throughout and
    equal (100 and 100.0 differ: numpy computes with them differently)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_plain(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_plain(a[key], b[key]) for key in a)
    return a == b


def _changed(old, now):
    """True when a value read by name is not what it was: another array, another plain value
    (nan is itself), another list of plain values."""
    if old is now:
        return False
    if isinstance(old, np.ndarray) or isinstance(now, np.ndarray):
        return True
    plain = (_plain(old) or plain_container(old)) and (_plain(now) or plain_container(now))
    return plain and not same_plain(old, now)  # (one that now holds tensors: attributes.py stores them again)


class _Read:
    """A value the step's own code reads by name: a global (``key`` in its module's dict
    ``holder``) or a variable of its closure (the cell ``holder``)."""

    def __init__(self, label, holder, key=None, assigned=False):
        self.label, self.holder, self.key, self.assigned = label, holder, key, assigned

    def value(self):
        if self.key is not None:
            return self.holder.get(self.key, _MISSING)
        try:
            return self.holder.cell_contents
        except ValueError:  # a variable not assigned yet
            return _MISSING

    def code(self, guard):
        if self.key is not None:  # (a global deleted: a KeyError, which fails the guard)
            return f"{guard.bind(self.holder, 'scope')}[{self.key!r}]"
        return f"{guard.bind(self.holder, 'cell')}.cell_contents"


def names_read(fn):
    """The values ``fn``'s own code reads by name (not those of the functions it calls): a
    function's, a partial's function's, a bound method's or a callable object's ``__call__``."""
    fn = step_function(fn)
    if fn is None:
        return []
    code, scope = fn.__code__, fn.__globals__
    assigned = global_names(code, ("STORE_GLOBAL",))  # a tensor assigned to one is stored again by each call
    reads = [_Read(f"the global {name}", scope, name, name in assigned)
             for name in sorted(global_names(code, ("LOAD_GLOBAL", "LOAD_NAME"))) if name in scope]
    return reads + [_Read(f"the variable {name}", cell) for name, cell in zip(code.co_freevars, fn.__closure__ or ())]


class Guard:
    """The guard's checks, as source, and the objects they compare with, bound to names."""

    def __init__(self):
        self.checks = []
        self.namespace = {"is_grad_enabled": is_grad_enabled, "get_default_dtype": get_default_dtype, "Tensor": Tensor,
                          "ndarray": np.ndarray, "same_plain": same_plain}

    def bind(self, value, hint):
        """A name for ``value`` in the guard's code."""
        name = f"{hint}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def inputs(self, args):
        """The checks of the inputs ``a0, a1, ...``, as the cache's key tells them apart."""
        self.checks.append(f"is_grad_enabled() is {is_grad_enabled()}")  # and the dtype of Python floats:
        self.checks.append(f"get_default_dtype() == {self.bind(get_default_dtype(), 'dtype')}")
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
        """The leaf requires grad as it did, and its array is the traced one (one identity
        check), or one of its shape and dtype."""
        array, name, leaf = tensor.array, f"array{len(self.namespace)}", self.bind(tensor, "leaf")
        self.checks.append(f"{leaf}.requires_grad is {tensor.requires_grad} and (({name} := {leaf}.array) is "
                           f"{self.bind(array, 'traced')} or {name}.shape == {array.shape!r} and "
                           f"{name}.dtype == {self.bind(array.dtype, 'dtype')})")

    def module(self, module, training, before):
        """The module's train/eval mode and its settings (a number, a string, a flag: BatchNorm's
        momentum and eps, Dropout's p), read from its attributes in one call; ``before``, its
        settings when the traced call called it, which the call must not have changed."""
        attributes = module.__dict__
        settings = module_settings(module)
        for name, value in settings.items():
            if _changed(before.get(name, _MISSING), value):
                raise CompileError(f"compile: the step changes the setting {name} of a {type(module).__name__} it "
                                   f"calls (from {before.get(name)!r} to {value!r}): a compiled step replays numpy, "
                                   f"not Python's own work, so it would keep the value; change it outside the step")
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

    def bound(self, tensor):
        """``tensor``'s array is still the one the code holds (a setting an op took from it)."""
        self.checks.append(f"{self.bind(tensor, 'held')}.array is {self.bind(tensor.array, 'traced')}")

    def reads(self, reads, before):
        """The values that the step's own code reads by name (``reads``, of ``names_read``;
        ``before``, their values before the traced call): a number, a string, a flag, or a
        numpy scalar, equal and of its type; a numpy array, the same one. Refused if the
        traced call changed one: the code would keep the value it read."""
        for read, old in zip(reads, before):
            now = read.value()
            if read.assigned and isinstance(now, Tensor):  # the step's own, stored again by each call
                continue
            if _changed(old, now):
                raise CompileError(f"compile: the step changes {read.label}, which it reads (from {old!r} to "
                                   f"{now!r}): a compiled step replays numpy, not Python's own work, so it would "
                                   f"keep the value; change it outside the step, or pass it in")
            if _plain(now) or plain_container(now):  # (a list: a copy, as it is now, to compare with)
                self._same(read.code(self), copy.deepcopy(now))
            elif isinstance(now, Tensor):  # the same tensor with the same array (which the code may hold)
                name = f"read{len(self.namespace)}"
                self.checks.append(f"({name} := {read.code(self)}) is {self.bind(now, 'traced')} and "
                                   f"{name}.array is {self.bind(now.array, 'traced')}")
            elif now is not _MISSING and not isinstance(now, types.ModuleType):  # an array, a model, an optimizer
                self.checks.append(f"{read.code(self)} is {self.bind(now, 'traced')}")

    def _same(self, code, value):
        """``code`` gives a value of ``value``'s type, equal to it (1 and 1.0 write different code);
        a container, with each part of its type (``same_plain``)."""
        name, traced = f"read{len(self.namespace)}", self.bind(value, "traced")
        if isinstance(value, (list, tuple, dict)):
            self.checks.append(f"same_plain({code}, {traced})")
            return
        self.checks.append(f"(({name} := {code}) is {traced} or type({name}) is {self.bind(type(value), 'type')} and "
                           f"{name} == {traced})")

    def function(self, count):
        """The guard of a step of ``count`` inputs; a call with more or fewer fails it."""
        arguments = "".join(f"a{i}=missing, " for i in range(count))
        checks = "\n                and ".join(["not more"] + self.checks)
        source = (f"def guard({arguments}*more):\n    try:\n        return ({checks})\n"
                  f"    except Exception:  # a setting deleted, a comparison that cannot say: not the traced call\n"
                  f"        return False\n")
        self.namespace["missing"] = _MISSING
        exec(compile(source, "<minigrad.compile guard>", "exec"), self.namespace)  # noqa: S102 (code written here)
        return self.namespace["guard"]
