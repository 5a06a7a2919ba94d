"""Dtypes: the names, the default floating dtype, and how user data becomes an array."""

import numpy as np

from .engine import Node

__all__ = ["float16", "float32", "float64", "int32", "int64", "uint8", "bool_", "set_default_dtype",
           "get_default_dtype", "as_array"]

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

# one for the process, as torch.set_default_dtype's is
_default_dtype = float32


def set_default_dtype(dtype):
    """Set the floating dtype that Python floats become (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The floating dtype that Python floats become."""
    return _default_dtype


def as_array(data, dtype=None):
    """An ndarray from user data: ndarrays and numpy scalars keep their dtype, Python
    floats become the default dtype, ints int64, bools bool."""
    if isinstance(data, Node):
        data = data.array
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        array = np.asarray(data, dtype=dtype)  # straight to dtype: 0.1 as float64 stays exact
        if dtype is not None:
            return array
        if array.dtype.kind == "f":
            array = array.astype(_default_dtype)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "b":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array
