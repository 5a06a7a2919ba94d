"""The arrays among an op's settings (an index, a mask, targets) that a compiled step's code
would hold as the traced call made them: each must be one the code makes again (an input,
an op's result, a value made through traced_constant), one a guard watches (an array the
step reads by name, a module's, a tensor's that an op updates), or a constant (``range(n)``
in an index). Any other was made with numpy in the step, and its values
would be the traced call's on every call; a bool mask that picks elements would fix the
result's shape. ``problem`` says which, for step_code.py to raise."""

import numpy as np

from ..tensor import Tensor

__all__ = ["UNSEEN", "UNSEEN_ADVICE", "arrays_in", "arrays_of", "problem"]

UNSEEN = "a numpy array that the step neither takes as an input nor reads by name, of shape"
UNSEEN_ADVICE = (": its values would be the traced call's on every call. Compute it with tensor ops (pass the data "
                 "in as a tensor: Yb[:8] of a tensor Yb is an op), or make it outside the step and pass it in")
MASK = ("picks elements by a bool mask (x[mask], masked_select), whose number of True values sets the shape of "
        "the result, which a compiled step fixes when it is traced: keep the shape with torch.where(mask, x, 0), "
        "or pick outside the step")


def arrays_in(value):
    """The numpy arrays in an op's settings (inside an index's tuple too)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [array for part in value for array in arrays_in(part)]
    return []


def arrays_of(attributes):
    """The ids of the arrays among ``attributes`` (a module's): arrays, and tensors' arrays."""
    return {id(value.array if isinstance(value, Tensor) else value) for value in attributes.values()
            if isinstance(value, (Tensor, np.ndarray))}


def _constant(array):
    """An array of constants: a read-only one of its own (``range(...)`` in an index, made so by
    arguments.index). (Not any array equal to 0, 1, ..., n - 1: numpy can compute one in the step.)"""
    return not array.flags.writeable and array.base is None


def problem(out, known, held):
    """What ``out``'s settings hold that the code cannot (the end of a sentence naming the op),
    or None; ``known(array)`` names an array the code makes, ``held()`` gives the ids of those
    watched (asked only for an array the code does not make)."""
    arrays = arrays_in(out.op_params or {})
    if out.op == "getitem" and any(array.dtype == bool and array.ndim for array in arrays):
        return MASK
    unknown = [array for array in arrays if known(array) is None and not _constant(array)]
    watched = held() if unknown else set()
    for array in unknown:
        if id(array) not in watched:
            return f"takes {UNSEEN} {array.shape}{UNSEEN_ADVICE}"
    return None
