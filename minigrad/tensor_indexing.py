"""Tensor methods that pick elements by an index tensor: gather, take_along_dim,
index_select, masked_select, repeat_interleave."""

import numpy as np

from . import arguments
from .engine import Node, ops
from .tensor_math import traced_constant

__all__ = ["IndexingMethods"]


def _index_array(index, name):
    """An index tensor (or array, or list) as an integer ndarray; TypeError otherwise. Made
    through traced_constant, as the arrays made from it below: a compiled step makes them
    again from each call's index."""
    if isinstance(index, (Node, list, tuple, np.ndarray)):
        return traced_constant(_as_index, index, name).array
    return _as_index(index, name)


def _as_index(index, name):
    array = np.asarray(index)
    if array.dtype.kind not in "iu" and array.size:
        raise TypeError(f"{name}: the index must hold integers, got {array.dtype}")
    return array.astype(np.int64, copy=False)


def _reshaped(array, shape):
    return array.reshape(shape)


def _check_bounds(index, size, name, dim):
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"{name}: an index is out of range [{-size}, {size - 1}] for dim {dim} (size {size})")


def _broadcast_shapes(name, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{name}: shapes {', '.join(map(str, shapes))} do not broadcast together") from None


class IndexingMethods:
    """The index-tensor methods of Tensor."""

    __slots__ = ()

    def gather(self, dim, index):
        """``out[i][j][k] = self[index[i][j][k]][j][k]`` for dim 0 (and so on): the
        elements ``index`` names along ``dim``; index may be smaller than self in the other dims."""
        dim = arguments.dim(dim, self.ndim, "gather")
        index = _index_array(index, "gather")
        if not self.ndim and index.ndim == 0:  # a 0-d tensor gathers as one of shape (1,)
            return self.view(1).gather(0, traced_constant(_reshaped, index, (1,)).array).view(())
        if index.ndim != self.ndim or any(n > size for d, (n, size) in enumerate(zip(index.shape, self.shape))
                                          if d != dim):
            raise ValueError(f"gather: index of shape {index.shape} does not fit a tensor of shape {self.shape} "
                             f"along dim {dim}")
        _check_bounds(index, self.shape[dim], "gather", dim)
        return ops.gather(self, dim=dim, index=index)

    def take_along_dim(self, indices, dim=None):
        """``gather`` with ``indices`` broadcast against the tensor (all dims but ``dim``);
        without ``dim``, over the flattened tensor."""
        indices = _index_array(indices, "take_along_dim")
        if dim is None:
            return self.reshape(-1).gather(0, traced_constant(_reshaped, indices, (-1,)).array)
        dim = arguments.dim(dim, self.ndim, "take_along_dim")
        if indices.ndim != self.ndim:
            raise ValueError(f"take_along_dim: indices of shape {indices.shape} need {self.ndim} dims")
        shape = _broadcast_shapes("take_along_dim", self.shape[:dim] + (1,) + self.shape[dim + 1:],
                                  indices.shape[:dim] + (1,) + indices.shape[dim + 1:])
        expanded = self.expand(shape[:dim] + (self.shape[dim],) + shape[dim + 1:])
        shape = shape[:dim] + (indices.shape[dim],) + shape[dim + 1:]
        return expanded.gather(dim, traced_constant(np.broadcast_to, indices, shape).array)

    def index_select(self, dim, index):
        """The slices ``index`` (a 1-D integer tensor) names along ``dim``."""
        dim = arguments.dim(dim, self.ndim, "index_select")
        index = _index_array(index, "index_select")
        if index.ndim > 1:
            raise ValueError(f"index_select: index must be 1-D, got shape {index.shape}")
        _check_bounds(index, self.shape[dim] if self.ndim else 1, "index_select", dim)
        return self[(slice(None),) * dim + (traced_constant(_reshaped, index, (-1,)).array,)]

    def masked_select(self, mask):
        """The elements where the bool ``mask`` (broadcast with the tensor) is True, as 1-D."""
        mask = np.asarray(mask.array if isinstance(mask, Node) else mask)
        if mask.dtype != bool:
            raise TypeError(f"masked_select: the mask must be bool, got {mask.dtype}")
        shape = _broadcast_shapes("masked_select", self.shape, mask.shape)
        return self.expand(shape)[traced_constant(np.broadcast_to, mask, shape).array]  # remade by a compiled step

    def repeat_interleave(self, repeats, dim=None):
        """Each element repeated ``repeats`` times (an int, or one count per element)
        along ``dim``; without ``dim``, over the flattened tensor."""
        source = self.reshape(-1) if dim is None else self
        dim = 0 if dim is None else arguments.dim(dim, self.ndim, "repeat_interleave")
        counts = _index_array(repeats, "repeat_interleave")
        if counts.ndim == 0 or counts.shape == (1,):
            counts = int(counts.reshape(()))
        elif counts.shape != (source.shape[dim],):
            raise ValueError(f"repeat_interleave: repeats of shape {counts.shape} must have one count per element "
                             f"of dim {dim} of shape {source.shape}")
        if np.min(counts) < 0:
            raise ValueError("repeat_interleave: repeats must be non-negative")
        return ops.repeat_interleave(source, repeats=counts, dim=dim)
