"""Saving and loading tensors and state dicts in numpy's .npz format (no pickled code)."""

import numpy as np

from .tensor import Tensor

_SINGLE = "__tensor__"


def save(obj, path):
    """Write a Tensor, or a dict of names to Tensors, ndarrays, numbers or strings, to
    ``path`` exactly (an .npz archive, whatever the name)."""
    if isinstance(obj, Tensor):
        obj = {_SINGLE: obj}
    if not isinstance(obj, dict) or not all(isinstance(key, str) for key in obj):
        raise TypeError("save: takes a Tensor or a dict with string keys (such as a state_dict)")
    arrays = {key: np.asarray(value.data if isinstance(value, Tensor) else value) for key, value in obj.items()}
    for key, array in arrays.items():
        if array.dtype.kind == "O":
            raise TypeError(f"save: {key!r} is not numeric or text data")
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def load(path):
    """Read what ``save`` wrote: a Tensor, or a dict in which numeric arrays come
    back as Tensors and text as str (0-d) or ndarrays of str."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if list(arrays) == [_SINGLE]:
        return Tensor(arrays[_SINGLE])
    return {key: (Tensor(a) if a.dtype.kind in "fiub" else (str(a) if a.ndim == 0 else a)) for key, a in arrays.items()}
