"""The tensors a step stores as attributes (``self.out = x``, the lecture's layers; ``self.
running_mean = ...``): Python's assignments, which a compiled step's numpy code would not
make. ``tensor_attributes`` finds, from the objects the step reads by name, every tensor
held in an object's ``__dict__``; compiled.py compares them before and after the traced
call. A tensor the step stored is stored again by each call (its values copied into a new
tensor, as eager mode makes a new one); one that replaced a tensor the code reads is
refused, since the code would go on reading the one it replaced."""

import dis
import functools
import types

import numpy as np

from ..tensor import Tensor

__all__ = ["tensor_attributes", "roots_of", "stored_tensors", "step_function", "global_names", "LENGTH"]

LENGTH = "a list's length"  # the key of a list's length among tensor_attributes' entries

_OPAQUE = (Tensor, np.ndarray, types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, str, bytes)


def tensor_attributes(roots, depth=8):
    """{(id of the holder, key): (the holder, key, value)} for each tensor that an object
    reachable from ``roots`` (through lists, tuples, dicts and attributes, ``depth`` steps at
    most) holds: as an attribute (the holder its ``__dict__``), a dict's item, or a list's
    element; and each list itself, whose length an append changes (value: its length)."""
    found, seen, frontier = {}, set(), list(roots)
    for _ in range(depth):
        following = []
        for value in frontier:
            if id(value) in seen or isinstance(value, _OPAQUE) or value is None:
                continue
            seen.add(id(value))
            if isinstance(value, (list, tuple, set)):
                items = list(enumerate(value)) if isinstance(value, list) else []
                following += list(value)
                if isinstance(value, list):
                    found[id(value), LENGTH] = (value, LENGTH, len(value))
            elif isinstance(value, dict):
                items = list(value.items())
                following += list(value.values())
            elif isinstance(getattr(value, "__dict__", None), dict):
                value = vars(value)
                items = list(value.items())
                following += list(value.values())
            else:
                continue
            for key, item in items:  # a tensor; a tuple holding one, which an assignment makes anew
                if isinstance(item, Tensor) or isinstance(item, tuple) and any(isinstance(t, Tensor) for t in item):
                    found[id(value), key] = (value, key, item)
        frontier = following
    return found


def roots_of(fn, args, reads):
    """What a step can reach its objects from: the values it reads by name, its arguments,
    the object of a bound method, a partial's arguments, a callable object itself."""
    roots = list(reads) + list(args) + [fn] + list(getattr(fn, "__defaults__", None) or ())
    while True:
        if isinstance(fn, functools.partial):
            roots += list(fn.args) + list(fn.keywords.values())
            fn = fn.func
        elif getattr(fn, "__self__", None) is not None and not isinstance(fn.__self__, types.ModuleType):
            roots.append(fn.__self__)
            fn = fn.__func__
        else:
            return roots


def step_function(fn):
    """The Python function whose code a step runs: ``fn``, a partial's function, a bound
    method's function, or a callable object's ``__call__`` (None when there is none)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    if not hasattr(fn, "__code__") and callable(fn):
        fn = getattr(type(fn).__call__, "__func__", type(fn).__call__)
    return fn if hasattr(fn, "__code__") else None


def global_names(code, opnames):
    """The globals that ``code``'s instructions ``opnames`` name (LOAD_GLOBAL: those it reads,
    STORE_GLOBAL: those it assigns), in the code nested in it too (a comprehension, a lambda)."""
    names = {instruction.argval for instruction in dis.get_instructions(code) if instruction.opname in opnames}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= global_names(constant, opnames)
    return names


def stored_tensors(roots, fn):
    """``tensor_attributes`` of ``roots``, and each global that the step's code assigns
    (``global last; last = h``) and that holds a tensor, keyed as they are."""
    found, function = tensor_attributes(roots), step_function(fn)
    if function is not None:
        scope = function.__globals__
        found.update({(id(scope), name): (scope, name, scope[name])
                      for name in global_names(function.__code__, ("STORE_GLOBAL",))
                      if isinstance(scope.get(name), Tensor)})
    return found
