"""Tensor methods that change the shape or pick elements: views, permutations, indexing."""

import math

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
        if not shape:
            return self.view(1)
        start, end = arguments.dim(start_dim, len(shape), "flatten"), arguments.dim(end_dim, len(shape), "flatten")
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
        (dim0,), (dim1,) = arguments.dims(dim0, self.ndim, "transpose"), arguments.dims(dim1, self.ndim, "transpose")
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
        return ops.getitem(self, index=arguments.index(index))
