"""How a tensor prints: PyTorch's format for floats (four decimals, or scientific notation
when the magnitudes are far apart; integral floats as ``1.``), numpy's layout otherwise."""

import numpy as np

__all__ = ["array_text"]


def _float_format(array):
    """The format of one element, chosen from the finite values as PyTorch's _Formatter does."""
    finite = array[np.isfinite(array)]
    magnitudes = np.abs(finite[finite != 0]).astype(np.float64)
    spread = magnitudes.size and (magnitudes.max() / magnitudes.min() > 1000.0 or magnitudes.max() > 1.0e8)
    if finite.size and np.all(finite == np.round(finite)):
        return "{:.4e}" if spread else "{:.0f}."
    if spread or (magnitudes.size and magnitudes.min() < 1.0e-4):
        return "{:.4e}"
    return "{:.4f}"


def array_text(array, prefix="tensor("):
    """The body of a tensor's repr: its values, as ``torch.Tensor.__repr__`` shows them."""
    if array.dtype.kind != "f" or array.size == 0:
        return np.array2string(array, separator=", ", prefix=prefix, threshold=1000, edgeitems=3)
    form = _float_format(array)

    def element(value):
        return form.format(value) if np.isfinite(value) else str(value)  # inf, -inf, nan as numpy spells them

    width = max(len(element(value)) for value in array.reshape(-1)[:10000])
    return np.array2string(array, separator=", ", prefix=prefix, threshold=1000, edgeitems=3,
                           formatter={"float_kind": lambda value: element(value).rjust(width)})
