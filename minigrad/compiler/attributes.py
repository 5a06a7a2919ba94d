"""The tensors a step stores as attributes (``self.out = x``, the lecture's layers; ``self.
running_mean = ...``): Python's assignments, which a compiled step's numpy code would not
make. ``tensor_attributes`` finds, from the objects the step reads by name, every tensor
held in an object's ``__dict__``; compiled.py compares them before and after the traced
call. A tensor the step stored is stored again by each call (its values copied into a new
tensor, as eager mode makes a new one); one that replaced a tensor the code reads is
refused, since the code would go on reading the one it replaced."""

import types

import numpy as np

from ..tensor import Tensor

__all__ = ["tensor_attributes"]

_OPAQUE = (Tensor, np.ndarray, types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, str, bytes)


def tensor_attributes(roots, depth=4):
    """{(id of an object's ``__dict__``, name): (the dict, name, tensor)} for each tensor that
    an object reachable from ``roots`` (through lists, tuples, dicts and attributes, ``depth``
    steps at most) holds as an attribute."""
    found, seen, frontier = {}, set(), list(roots)
    for _ in range(depth):
        following = []
        for value in frontier:
            if id(value) in seen or isinstance(value, _OPAQUE) or value is None:
                continue
            seen.add(id(value))
            if isinstance(value, (list, tuple, set)):
                following += list(value)
            elif isinstance(value, dict):
                following += list(value.values())
            elif isinstance(getattr(value, "__dict__", None), dict):
                attributes = vars(value)
                for name, item in attributes.items():
                    if isinstance(item, Tensor):
                        found[id(attributes), name] = (attributes, name, item)
                following += list(attributes.values())
        frontier = following
    return found
