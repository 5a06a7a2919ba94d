"""Checking and normalising the arguments of Tensor methods, PyTorch's way: dims,
shapes and indices."""

import math
import operator

import numpy as np

from .engine import Node

__all__ = ["dims", "dim", "count", "shape_argument", "size_argument", "infer_shape", "index", "split_index", "check_floating",
           "check_same_dtype"]


def check_floating(tensor, name):
    """TypeError unless ``tensor`` is floating, for ops defined only on floats."""
    if tensor.array.dtype.kind != "f":
        raise TypeError(f"{name}: needs a floating-point tensor, got {tensor.dtype}; convert it with .float() first")


def check_same_dtype(name, roles, *tensors):
    """RuntimeError unless ``tensors`` (None skipped) share one dtype: PyTorch promotes none
    of an op's input and parameters (linear, batch_norm), nor the two sides of ``@``. The
    message names each tensor by its role in ``roles`` with its dtype, and a conversion: the
    first, the input, to the other's dtype, unless that would turn floats into integers."""
    dtype = tensors[0].array.dtype
    for role, tensor in zip(roles, tensors):  # a loop, no set: it runs on every call of a layer
        if tensor is not None and tensor.array.dtype is not dtype and tensor.array.dtype != dtype:
            listed = ", ".join(f"{each} {t.dtype}" for each, t in zip(roles, tensors) if t is not None)
            # never advise a conversion of floats to integers
            convert = (roles[0], tensor.dtype) if tensor.dtype.kind == "f" or dtype.kind != "f" else (role, dtype)
            raise RuntimeError(f"{name}: expected all tensors to have the same dtype, got {listed}; convert the "
                               f"{convert[0]} with .to({convert[1]})")


def dims(dim_or_dims, ndim, name):
    """``dim_or_dims`` (None, an int or a sequence of ints) as a sorted tuple of non-negative
    dims, or None for all; IndexError for a dim out of range, as in PyTorch."""
    if dim_or_dims is None:
        return None
    if isinstance(dim_or_dims, (int, np.integer)):
        if 0 <= dim_or_dims < ndim:  # the common case, without dim()'s call
            return (int(dim_or_dims),)
        normal = dim(dim_or_dims, ndim, name)  # checked on a 0-d tensor too, which takes 0 and -1
        return (normal,) if ndim else ()
    normal = [dim(d, ndim, name) for d in dim_or_dims]
    if len(set(normal)) != len(normal):
        raise ValueError(f"{name}: dim {dim_or_dims} repeats a dimension")
    return tuple(normal) if ndim else ()


def dim(d, ndim, name):
    """One dim as a non-negative int; a 0-d tensor takes 0 and -1, as in PyTorch."""
    bound = ndim or 1
    if not -bound <= d < bound:
        raise IndexError(f"{name}: dim {d} is out of range for a tensor of {ndim} dims "
                         f"(expected in [{-bound}, {bound - 1}])")
    return d + bound if d < 0 else int(d)


def count(shape, dims_or_none):
    """How many elements a reduction over ``dims_or_none`` (None: all) takes together."""
    return math.prod(shape) if dims_or_none is None else math.prod(shape[d] for d in dims_or_none)


def shape_argument(args):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(map(operator.index, args))


def size_argument(args, name):
    """The size of a tensor to make, ``f(2, 3)`` or ``f((2, 3))``; RuntimeError for a
    negative dimension, as in PyTorch (numpy would make ``randn(-3, 2)`` empty)."""
    shape = shape_argument(args)
    if min(shape, default=0) < 0:
        raise RuntimeError(f"{name}: trying to create a tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def infer_shape(shape, size, old_shape, name):
    """``shape`` with its -1 (if any) worked out; ValueError if it cannot hold ``size`` elements."""
    if -1 in shape:
        rest = -math.prod(shape)  # the product of the other sizes, if -1 is the only negative one
        if rest > 0 and not size % rest and min(shape) == -1 and shape.count(-1) == 1:
            at = shape.index(-1)
            return shape[:at] + (size // rest,) + shape[at + 1:]
    elif math.prod(shape) == size and min(shape, default=0) >= 0:
        return shape
    raise ValueError(f"{name}: shape {list(shape)} is invalid for a tensor of shape {old_shape} "
                     f"({size} elements)")


def _index_part(part):
    if isinstance(part, tuple):  # a tuple inside an index is a sequence of indices, as numpy reads it
        part = list(part)
    if isinstance(part, slice) and part.step is not None and part.step < 0:  # numpy reverses; PyTorch refuses
        raise ValueError(f"index: a slice's step must be greater than zero, got {part.step} (as in PyTorch); "
                         f"x.flip(dim) reverses a tensor")
    if isinstance(part, Node):
        return part.array
    if isinstance(part, range):  # read-only: a constant of the index, as mg.compile writes it (naming.py)
        numbers = np.arange(part.start, part.stop, part.step)
        numbers.flags.writeable = False
        return numbers
    if isinstance(part, list) and any(isinstance(p, Node) for p in part):
        return np.array([p.array if isinstance(p, Node) else p for p in part])
    return part


def index(key):
    """Tensors and ranges inside an index become arrays, so numpy's semantics apply."""
    if isinstance(key, tuple):
        return tuple(_index_part(part) for part in key)
    return _index_part(key)


def _is_int(part):
    """An int, or a 0-d integer tensor, which PyTorch takes as an int."""
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def _is_advanced(part):
    return isinstance(part, list) or (isinstance(part, np.ndarray) and part.ndim > 0)


def split_index(key):
    """PyTorch's rule for an index mixing ints with arrays: the ints select first (as
    views), then numpy's rule applies to the arrays alone. ``x[0, :, [0, 2]]`` on a
    (2, 3, 4) tensor is ``x[0][:, [0, 2]]``, of shape (3, 2), where numpy counts the int as
    an array too and gives (2, 3). Returns ``(key, None)`` when numpy's rule already
    agrees, else ``(ints and slices first, arrays second)``."""
    if not isinstance(key, tuple) or not any(map(_is_int, key)) or not any(map(_is_advanced, key)):
        return key, None
    first, second = [], []
    for part in key:
        if _is_advanced(part):  # a bool mask spans as many dims as it has
            first.extend([slice(None)] * max(np.ndim(part), 1) if np.asarray(part).dtype == bool else [slice(None)])
            second.append(part)
        elif _is_int(part):
            first.append(int(part))  # a 0-d array would index a copy, and x[key] = v write into it
        else:  # a slice, None or Ellipsis: applied first, its result then taken whole
            first.append(part)
            second.append(Ellipsis if part is Ellipsis else slice(None))
    return tuple(first), tuple(second)
