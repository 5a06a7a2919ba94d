"""Saving and loading tensors and state dicts in numpy's .npz format (no pickled code)."""

import zipfile

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
    # member by member as numpy.savez does: savez(file, **arrays) cannot take the keys
    # "file" (TypeError) or "allow_pickle" (silently dropped), its own parameters
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(path):
    """Read what ``save`` wrote: a Tensor, or a dict in which numeric arrays come
    back as Tensors and text as str (0-d) or ndarrays of str."""
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} holds a single .npy array, not what save writes")
    with archive:
        arrays = {key: archive[key] for key in archive.files}
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):  # a zip member that is not an .npy
            raise ValueError(f"load: {path} is not what save writes ({key!r} is not an array)")
    if list(arrays) == [_SINGLE]:
        return Tensor(arrays[_SINGLE])
    return {key: (Tensor(a) if a.dtype.kind in "fiub" else (str(a) if a.ndim == 0 else a)) for key, a in arrays.items()}
