"""Dtypes: the names, the default floating dtype, and how user data becomes an array."""

import numpy as np

from .engine import Node

__all__ = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_", "SUPPORTED_DTYPES",
           "set_default_dtype", "get_default_dtype", "check_dtype", "as_array"]

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)

# What a tensor may hold: PyTorch's real dtypes that numpy has. Complex, str, bytes, object,
# datetime and structured arrays are refused where they would enter (as_array, Tensor.to):
# numpy would compute something with them that is not what a PyTorch user expects.
SUPPORTED_DTYPES = tuple(np.dtype(name) for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                                     "uint32", "uint64", "float16", "float32", "float64"))
_SUPPORTED = frozenset(SUPPORTED_DTYPES)
_SUPPORTED_NAMES = ", ".join(dtype.name for dtype in SUPPORTED_DTYPES)


def check_dtype(dtype, name):
    """``dtype``, or TypeError naming it and the supported ones when a tensor cannot hold it."""
    if dtype not in _SUPPORTED:
        raise TypeError(f"{name}: minigrad does not support dtype {dtype}; a tensor holds one of {_SUPPORTED_NAMES}")
    return dtype


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
    floats become the default dtype, ints int64, bools bool. TypeError for a dtype outside
    ``SUPPORTED_DTYPES``, ValueError for ragged nested lists."""
    if isinstance(data, Node):
        data = data.array
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        if dtype is not None:
            array = array.astype(check_dtype(np.dtype(dtype), "tensor"), copy=False)
        check_dtype(array.dtype, "tensor")
        return array
    if dtype is not None:
        dtype = check_dtype(np.dtype(dtype), "tensor")
    try:
        array = np.asarray(data, dtype=dtype)  # straight to dtype: 0.1 as float64 stays exact
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
        raise ValueError(f"tensor: the nested sequences are ragged (not all of one length at each depth), "
                         f"so they make no tensor: {error}") from None
    if dtype is None:
        kind = array.dtype.kind
        if kind == "f":
            array = array.astype(_default_dtype)
        elif kind in "iu":
            array = array.astype(np.int64)
        elif kind != "b":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {array.dtype}; "
                            f"a tensor holds one of {_SUPPORTED_NAMES}")
    return array
