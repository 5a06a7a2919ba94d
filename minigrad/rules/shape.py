"""The rules of the shape and indexing ops added for issue 14: expand, repeat,
repeat_interleave, gather, flip, roll, tril and triu. The vocabulary is described in
rules/__init__.py."""

import numpy as np

from .helpers import along, repeat_backward, repeat_interleave_backward, scatter_add

__all__ = ["expand", "repeat", "repeat_interleave", "gather", "flip", "roll", "tril", "triu"]


def expand(self, shape):
    # the engine sums the gradient back over the stretched dims (reduce_to_shape)
    return np.broadcast_to(self, shape), lambda grad: grad


def repeat(self, repeats):
    shape = self.shape  # the shape, not the array: backward needs no more of self
    return np.tile(self, repeats), lambda grad: repeat_backward(grad, shape, repeats)


def repeat_interleave(self, repeats, dim):
    size = self.shape[dim]
    return np.repeat(self, repeats, axis=dim), lambda grad: repeat_interleave_backward(grad, repeats, dim, size)


def gather(self, dim, index):
    picked, shape, dtype = along(index, dim, self.ndim), self.shape, self.dtype
    return self[picked], lambda grad: scatter_add(grad, shape, dtype, picked)


def flip(self, dims):
    return np.flip(self, dims), lambda grad: np.flip(grad, dims)


def roll(self, shifts, dims):
    return np.roll(self, shifts, dims), lambda grad: np.roll(grad, np.negative(shifts), dims)


def tril(self, diagonal):
    return np.tril(self, diagonal), lambda grad: np.tril(grad, diagonal)


def triu(self, diagonal):
    return np.triu(self, diagonal), lambda grad: np.triu(grad, diagonal)
