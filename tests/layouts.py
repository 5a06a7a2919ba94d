"""The variants every op case runs in (``helpers.variants``, ``helpers.check_op``).

A layout takes a float64 (or int, bool) ndarray and gives a view of the same shape that
is not C-contiguous, the way a user's tensors come out of ``.T``, ``permute``, slicing,
``flip`` copies or ``expand``. All but ``expanded`` keep the values; a stride-0 view
repeats its values along an axis, so ``expanded`` holds the first slice of the drawn
input along the first axis longer than 1, repeated.

A shape variant makes the case's drawn inputs 0-d, or empty (one size, wherever it
occurs in the inputs' shapes, made 0, so that shapes that match still match). Explicit
ndarray inputs (targets, indices, edge values) keep their shape.
"""

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

__all__ = ["CONTIGUOUS", "LAYOUTS", "Variant", "variants_of", "EXCLUDED"]


def _same(array):
    return array


def _transposed(array):
    """Memory order of the last two axes swapped, as ``x.T`` of a contiguous matrix."""
    if array.ndim < 2:
        return array
    return np.swapaxes(np.swapaxes(array, -1, -2).copy(), -1, -2)


def _permuted(array):
    """The first axis last in memory, as ``x.permute(1, 2, 0)`` of a contiguous tensor."""
    if array.ndim < 2:
        return array
    return np.moveaxis(np.moveaxis(array, 0, -1).copy(), -1, 0)


def _fortran(array):
    """Column-major memory, as numpy's order="F" (np.asfortranarray makes a 0-d array 1-d)."""
    return np.asfortranarray(array) if array.ndim else array


def _reversed(array):
    """Every stride negative, as ``x.flip(...)`` views in numpy."""
    return np.flip(np.flip(array).copy())


def _strided(array):
    """Every other element of an array twice as large, as ``x[::2, ::2]``."""
    every_other = tuple(slice(None, None, 2) for _ in array.shape)
    larger = np.zeros(tuple(2 * n for n in array.shape), array.dtype)
    larger[every_other] = array
    return larger[every_other]


def _expanded(array):
    """A read-only stride-0 view along the first axis longer than 1, as ``expand`` gives."""
    axis = next((axis for axis, n in enumerate(array.shape) if n > 1), None)
    if axis is None:
        return array
    return np.broadcast_to(np.take(array, [0], axis=axis), array.shape)


@dataclass(frozen=True)
class Variant:
    """``view`` lays out each drawn input; ``reshape`` changes each drawn input's shape."""

    name: str
    view: Callable = _same
    reshape: Callable = None

    @property
    def is_layout(self):
        return self.view is not _same

    def specs(self, inputs):
        """The case's input specs with this variant's shapes."""
        if self.reshape is None:
            return inputs
        return tuple(spec if isinstance(spec, np.ndarray) else
                     self.reshape(spec) if isinstance(spec, tuple) else
                     replace(spec, shape=self.reshape(spec.shape)) for spec in inputs)


CONTIGUOUS = Variant("contiguous")
LAYOUTS = [Variant("transposed", _transposed), Variant("permuted", _permuted),
           Variant("F-ordered", _fortran), Variant("negative strides", _reversed),
           Variant("strided", _strided), Variant("expanded", _expanded)]


def _shape(spec):
    return spec if isinstance(spec, tuple) else spec.shape


def _changes_layout(layout, shape):
    view = layout.view(np.zeros(shape))
    return not view.flags.c_contiguous or (0 in view.strides and view.size > 1)


def _emptied(size):
    return lambda shape: tuple(0 if n == size else n for n in shape)


def variants_of(inputs):
    """The variants that differ from the contiguous case for these input specs."""
    shapes = [_shape(spec) for spec in inputs]
    drawn = [_shape(spec) for spec in inputs if not isinstance(spec, np.ndarray)]
    found = [CONTIGUOUS] + [layout for layout in LAYOUTS
                            if any(_changes_layout(layout, shape) for shape in shapes)]
    if any(len(shape) for shape in drawn):
        found.append(Variant("0-d", reshape=lambda shape: ()))
    for size in sorted({n for shape in drawn for n in shape if n}):
        found.append(Variant(f"empty {size}", reshape=_emptied(size)))
    return found


# (case id, variant) -> why it is expected to fail: a known bug, named with its owner (an
# issue's item). The mark is a strict xfail, so an entry must go when its fix lands. Empty:
# every bug these variants found is fixed.
EXCLUDED = {
}
