"""The linear layer's helpers: the forward product with the batch dims flattened into rows,
and the weight's gradient summed over them (docs/performance.md names each choice)."""

import math

import numpy as np

__all__ = ["linear_product", "linear_backward_weight", "SMALL_WEIGHT"]

# elements: a transposed copy of a weight this small takes about a microsecond; public, as
# mg.compile's linear layer (compiler/buffered.py) reads it too, to take the same form
SMALL_WEIGHT = 4096


def linear_product(self, weight):
    """self @ weight.T, with every batch dim of ``self`` flattened into the rows of one
    matrix product: numpy would loop over them, one small product each, 1.7 times as
    long for the GPT's feed-forward layer. A small weight is transposed into a copy first:
    OpenBLAS multiplies the GPT's 512 rows by a (64, 16) matrix laid out as rows faster than
    by its transposed view, which it packs on every call (docs/performance.md, "linear_product")."""
    if self.ndim <= 2:
        return self @ weight.T
    transposed = np.ascontiguousarray(weight.T) if weight.size <= SMALL_WEIGHT else weight.T
    rows = self.reshape(math.prod(self.shape[:-1]), self.shape[-1]) @ transposed  # -1: not for empty arrays
    return rows.reshape(self.shape[:-1] + rows.shape[-1:])


def linear_backward_weight(grad, self):
    """grad.T @ self, summed over every row of every batch dim: both flattened to rows
    first, unless they are rows already (docs/performance.md, "linear_backward_weight")."""
    if self.ndim != 2:
        rows = math.prod(self.shape[:-1])  # not -1, which an empty array cannot resolve
        grad, self = grad.reshape(rows, grad.shape[-1]), self.reshape(rows, self.shape[-1])
    return grad.T @ self
