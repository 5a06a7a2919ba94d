"""Tensor methods that change the shape or pick elements: views, permutations, expanding,
repeating, flipping, splitting, basic indexing."""

import math

import numpy as np

from . import arguments
from .engine import ops

__all__ = ["ShapeMethods"]


class ShapeMethods:
    """The shape methods of Tensor."""

    __slots__ = ()

    @property
    def T(self):
        """The tensor with its dimensions reversed."""
        return ops.permute(self, dims=tuple(range(self.array.ndim - 1, -1, -1)))

    def t(self):
        """``x.T`` for a tensor of at most two dims; PyTorch's ``t`` refuses more."""
        if self.array.ndim > 2:
            raise RuntimeError(f"t: expects a tensor of at most 2 dims, got {self.array.ndim} (shape {self.shape}); "
                               f"use transpose(dim0, dim1) or permute")
        return self.T

    def view(self, *shape):
        """The same data in a new shape (one dimension may be -1)."""
        return ops.view(self, shape=arguments.infer_shape(arguments.shape_argument(shape), self.array.size,
                                                          self.shape, "view"))

    def reshape(self, *shape):
        """The same as ``view``."""
        return ops.view(self, shape=arguments.infer_shape(arguments.shape_argument(shape), self.array.size,
                                                          self.shape, "reshape"))

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
        shape = self.array.shape
        start, end = arguments.dim(start_dim, len(shape), "flatten"), arguments.dim(end_dim, len(shape), "flatten")
        if not shape:  # a 0-d tensor (dims 0 and -1 only) flattens to one element, as in PyTorch
            return self.view(1)
        if start > end:
            raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
        return ops.view(self, shape=shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def permute(self, *dims):
        """The tensor with its dimensions reordered."""
        dims = arguments.shape_argument(dims)
        normal = arguments.dims(dims, self.ndim, "permute")
        if len(normal) != self.ndim or len(set(normal)) != self.ndim:
            raise ValueError(f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}")
        return ops.permute(self, dims=normal)

    def transpose(self, dim0, dim1):
        """The tensor with two dimensions swapped."""
        dim0, dim1 = arguments.dim(dim0, self.ndim, "transpose"), arguments.dim(dim1, self.ndim, "transpose")
        if not self.ndim:  # dims 0 and -1 of a 0-d tensor: nothing to swap, as in PyTorch
            return ops.permute(self, dims=())
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dim1, dim0
        return ops.permute(self, dims=tuple(dims))

    def unsqueeze(self, dim):
        """The tensor with a new dimension of size 1 at ``dim``."""
        (dim,) = arguments.dims(dim, self.ndim + 1, "unsqueeze")
        return self.view(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        """The tensor without dimensions of size 1 (only ``dim``, when given)."""
        dims = arguments.dims(dim, self.ndim, "squeeze") if dim is not None else range(self.ndim)
        drop = {d for d in dims if self.shape[d] == 1}
        return self.view(tuple(n for d, n in enumerate(self.shape) if d not in drop))

    def __getitem__(self, index):
        first, second = arguments.split_index(arguments.index(index))
        picked = ops.getitem(self, index=first)
        return picked if second is None else ops.getitem(picked, index=second)

    def expand(self, *sizes):
        """The tensor broadcast to ``sizes`` (-1 keeps a size), without copying."""
        sizes = arguments.shape_argument(sizes)
        old = (1,) * (len(sizes) - self.ndim) + self.shape
        if len(sizes) < self.ndim or any(n != -1 and size not in (1, n) for n, size in zip(sizes, old)) or \
                any(n == -1 for n in sizes[:len(sizes) - self.ndim]):
            raise ValueError(f"expand: a tensor of shape {self.shape} cannot be expanded to {list(sizes)}")
        shape = tuple(size if n == -1 else n for n, size in zip(sizes, old))
        return self if shape == self.shape else ops.expand(self, shape=shape)

    def expand_as(self, other):
        """The tensor broadcast to ``other``'s shape."""
        return self.expand(other.shape)

    def repeat(self, *repeats):
        """The tensor tiled ``repeats`` times along each dim (more repeats than dims add
        dims in front), as ``torch.Tensor.repeat``."""
        repeats = arguments.shape_argument(repeats)
        if len(repeats) < self.ndim or min(repeats, default=0) < 0:
            raise ValueError(f"repeat: needs a non-negative count for each of the {self.ndim} dims of shape "
                             f"{self.shape}, got {list(repeats)}")
        return ops.repeat(self, repeats=repeats)

    def unflatten(self, dim, sizes):
        """Dimension ``dim`` split into ``sizes`` (one may be -1)."""
        (dim,) = arguments.dims(dim, self.ndim, "unflatten")
        sizes = arguments.infer_shape(tuple(sizes), self.shape[dim], self.shape, "unflatten")
        return self.view(self.shape[:dim] + sizes + self.shape[dim + 1:])

    def movedim(self, source, destination):
        """The dims ``source`` moved to positions ``destination``, the others in order."""
        source, destination = (arguments.dims(d if isinstance(d, (tuple, list)) else (d,), self.ndim, "movedim")
                               for d in (source, destination))
        if len(source) != len(destination):
            raise ValueError(f"movedim: source {source} and destination {destination} differ in length")
        order = [d for d in range(self.ndim) if d not in source]
        for dest, src in sorted(zip(destination, source)):
            order.insert(dest, src)
        return ops.permute(self, dims=tuple(order))

    def flip(self, *dims):
        """The tensor with the order of the elements reversed along ``dims``."""
        return ops.flip(self, dims=arguments.dims(arguments.shape_argument(dims), self.ndim, "flip"))

    def roll(self, shifts, dims=None):
        """The elements shifted along ``dims`` by ``shifts``, wrapping around; without
        ``dims`` over the flattened tensor, as PyTorch."""
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f"roll: shifts {shifts} need as many dims, and without dims only one shift is "
                                   f"allowed (over the flattened tensor)")
            return ops.roll(self, shifts=int(shifts[0]), dims=None)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(shifts) != len(dims):
            raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must align (the same number of each)")
        return ops.roll(self, shifts=shifts, dims=tuple(arguments.dim(d, self.ndim, "roll") for d in dims))

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims: zeros above ``diagonal``."""
        self._check_matrix("tril")
        return ops.tril(self, diagonal=diagonal)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims: zeros below ``diagonal``."""
        self._check_matrix("triu")
        return ops.triu(self, diagonal=diagonal)

    def _check_matrix(self, name):
        if self.ndim < 2:
            raise ValueError(f"{name}: needs at least 2 dims, got shape {self.shape}")

    def narrow(self, dim, start, length):
        """``length`` elements from ``start`` along ``dim``, as a view."""
        dim = arguments.dim(dim, self.ndim, "narrow")
        start = start + self.shape[dim] if start < 0 else start
        if not 0 <= start <= start + length <= self.shape[dim]:
            raise IndexError(f"narrow: start {start} and length {length} do not fit dim {dim} of shape {self.shape}")
        return self[(slice(None),) * dim + (slice(start, start + length),)]

    def split(self, split_size_or_sections, dim=0):
        """Pieces along ``dim``: of ``split_size_or_sections`` elements each (the last
        maybe smaller), or of the sizes in that list."""
        dim = arguments.dim(dim, self.ndim, "split")
        size = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            if step <= 0 and not (step == 0 and size == 0):
                raise ValueError(f"split: split_size must be positive for dim {dim} of shape {self.shape}, got {step}")
            sections = [min(step, size - start) for start in range(0, size, step)] if size else [0]
        else:
            sections = list(split_size_or_sections)
            if sum(sections) != size or min(sections, default=0) < 0:
                raise ValueError(f"split: sizes {sections} do not add up to dim {dim} of shape {self.shape}")
        starts = np.cumsum([0] + sections)
        return tuple(self.narrow(dim, int(start), length) for start, length in zip(starts, sections))

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of equal size along ``dim`` (the last maybe smaller)."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        size = self.shape[arguments.dim(dim, self.ndim, "chunk")]
        if size == 0:  # as many empty pieces as asked for, as in PyTorch
            return self.split([0] * chunks, dim)
        return self.split(-(-size // chunks), dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, each without that dim (``torch.unbind``)."""
        dim = arguments.dim(dim, self.ndim, "unbind")
        return tuple(self[(slice(None),) * dim + (i,)] for i in range(self.shape[dim]))
