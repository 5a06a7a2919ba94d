"""Comparing gradients you derived with the engine's, as the lecture's ``cmp`` does."""

from collections import namedtuple

import numpy as np

from .tensor import Tensor

Comparison = namedtuple("Comparison", ["name", "shape", "exact", "approximate", "max_diff", "problem"])
Comparison.__doc__ = """One row of ``compare``: ``problem`` says why no numbers could be compared
(shapes differ, no gradient), or is None."""


def _format(row):
    if row.problem:
        return f"{row.name:15s} | {str(row.shape):12s} | {row.problem}"
    return (f"{row.name:15s} | {str(row.shape):12s} | exact: {str(row.exact):5s} | "
            f"approximate: {str(row.approximate):5s} | maxdiff: {row.max_diff:.3g}")


Comparison.__str__ = _format


def compare(name, mine, tensor, rtol=1e-5, atol=1e-8):
    """Compare ``mine`` (an array you computed) with ``tensor.grad``: exactly equal,
    equal within tolerances (numpy's allclose), and the largest absolute difference.
    Pass an array instead of a tensor to compare two arrays."""
    mine = np.asarray(mine.data if isinstance(mine, Tensor) else mine)
    theirs = tensor.grad if isinstance(tensor, Tensor) else np.asarray(tensor)
    if theirs is None:
        return Comparison(name, tuple(tensor.shape), False, False, None,
                          "the tensor has no .grad (call retain_grad() before backward, or use retain_grads())")
    if mine.shape != theirs.shape:
        return Comparison(name, tuple(theirs.shape), False, False, None,
                          f"shapes differ: yours is {mine.shape}, the gradient's is {theirs.shape}")
    difference = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
    return Comparison(name, tuple(theirs.shape), bool(np.array_equal(mine, theirs)),
                      bool(np.allclose(mine, theirs, rtol=rtol, atol=atol)),
                      float(difference.max()) if difference.size else 0.0, None)


def compare_table(pairs, rtol=1e-5, atol=1e-8):
    """``compare`` over ``(name, mine, tensor)`` triples: the rows, printable one per line."""
    return [compare(name, mine, tensor, rtol=rtol, atol=atol) for name, mine, tensor in pairs]
