"""Small constant arrays the rules compute with, made once per shape and dtype and kept
read-only: numpy runs some operations faster against a whole row or column than against
a number (docs/performance.md, "constants")."""

import functools

import numpy as np

__all__ = ["SMALL", "filled"]

SMALL = 4096  # the most elements a kept constant has: longer rows take the rules' plain path


@functools.lru_cache(maxsize=64)
def _filled(shape, dtype, value):
    array = np.full(shape, value, dtype)
    array.flags.writeable = False
    return array


def filled(shape, dtype, value):
    """A read-only array of ``shape`` (at most SMALL elements) and ``dtype`` holding ``value``,
    the same object each time it is asked for (the dtype as a numpy dtype, so that one key
    names it)."""
    return _filled(shape, np.dtype(dtype), value)
