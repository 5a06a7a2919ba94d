"""Saving and loading tensors and state dicts in numpy's .npz format (no pickled code).

``save`` checks everything before it writes, writes a temporary file beside the target
and renames it over the target, so a crash, a kill or a full disk leaves the previous
file as it was. ``load`` never unpickles and turns every malformed file into one
``SerializationError`` that names the file.
"""

import os
import uuid
import zipfile
from pathlib import Path

import numpy as np

from .tensor import Tensor

__all__ = ["SerializationError", "load", "save"]

_SINGLE = "__tensor__"
_SUFFIX = ".npy"


class SerializationError(ValueError):
    """A file that ``load`` cannot read as what ``save`` writes, or a key that ``save``
    cannot store; the message names the file or the key."""


def save(obj, path):
    """Write a Tensor, or a dict of names to Tensors, ndarrays, numbers or strings, to
    ``path`` exactly (an .npz archive, whatever the name), atomically: the file is
    either the previous one or the whole new one."""
    arrays = _checked_arrays(obj)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        # os.open with 0o666 lets the umask decide the mode, as for any new file
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as file:
            _write_archive(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _checked_arrays(obj):
    """The arrays to write by key; every key and value checked before anything is written."""
    if isinstance(obj, Tensor):
        obj = {_SINGLE: obj}
    if not isinstance(obj, dict) or not all(isinstance(key, str) for key in obj):
        raise TypeError("save: takes a Tensor or a dict with string keys (such as a state_dict)")
    arrays = {}
    for key, value in obj.items():
        _check_key(key, obj)
        array = np.asarray(value.array if isinstance(value, Tensor) else value)
        if array.dtype.hasobject:
            raise TypeError(f"save: {key!r} is not numeric or text data (an array of Python objects)")
        arrays[key] = array
    return arrays


def _check_key(key, keys):
    if "\0" in key:
        raise SerializationError(f"save: the key {key!r} has a NUL character, which a zip archive cannot store")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise SerializationError(f"save: the key {key!r} is not valid text (UTF-8)") from None
    # np.load finds the member "a.npy" under both "a" and "a.npy"
    if key + _SUFFIX in keys:
        raise SerializationError(f"save: the keys {key!r} and {key + _SUFFIX!r} would collide in the archive")


def _write_archive(file, arrays):
    # member by member as numpy.savez does: savez(file, **arrays) cannot take the keys
    # "file" (TypeError) or "allow_pickle" (silently dropped), its own parameters
    with zipfile.ZipFile(file, "w", allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(key + _SUFFIX, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(path, map_location=None, weights_only=None):
    """Read what ``save`` wrote: a Tensor, or a dict in which numeric arrays come
    back as Tensors and text as str (0-d) or ndarrays of str. A file that is not
    such an archive, or not whole, raises SerializationError. ``map_location`` and
    ``weights_only`` are PyTorch's: every tensor is put on the CPU ('cpu', a CPU device,
    None, a function or a dict that keeps 'cpu' there), and only data is ever read, never
    pickled code, whatever ``weights_only`` says."""
    _check_map_location(map_location)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    try:
        arrays = _read_archive(path)
    except SerializationError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise SerializationError(f"load: {path} is not a file written by save ({error})") from None
    if list(arrays) == [_SINGLE]:
        return Tensor(arrays[_SINGLE])
    return {key: (Tensor(a) if a.dtype.kind in "fiub" else (str(a) if a.ndim == 0 else a)) for key, a in arrays.items()}


def _check_map_location(map_location):
    """Refuse a map_location that sends the tensors off the CPU, as PyTorch's CPU build does."""
    if isinstance(map_location, dict):
        map_location = map_location.get("cpu")  # a file of save's has tensors on the CPU only
    if map_location is None or callable(map_location):
        return
    if not isinstance(map_location, str) and not hasattr(map_location, "type"):
        raise TypeError(f"load: map_location must be a device name, a device, a dict or a function, "
                        f"not {type(map_location).__name__}")
    if str(map_location).partition(":")[0] != "cpu":
        raise RuntimeError(f"load: map_location={str(map_location)!r} names a device minigrad does not have: "
                           "minigrad runs on the CPU, so pass map_location='cpu' or leave it out")


def _read_archive(path):
    if os.path.isdir(path):
        raise SerializationError(f"load: {path} is a directory, not a file written by save")
    if not zipfile.is_zipfile(path):
        raise SerializationError(f"load: {path} is not a file written by save (not a zip archive)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        damaged = archive.testzip()  # reads every member and checks its CRC
        if damaged is not None:
            raise SerializationError(f"load: {path} is damaged: its member {damaged!r} fails its checksum")
        if len(set(names)) != len(names):
            raise SerializationError(f"load: {path} is not a file written by save (a member appears twice)")
        arrays = {}
        for name in names:
            if not name.endswith(_SUFFIX):
                raise SerializationError(f"load: {path} is not a file written by save ({name!r} is not an array)")
            with archive.open(name) as member:
                arrays[name[:-len(_SUFFIX)]] = _read_member(path, name, member)
    return arrays


_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _read_member(path, name, member):
    """One .npy member, refused when it holds Python objects (they would need pickle)
    or has anything after its array."""
    version = np.lib.format.read_magic(member)
    if version in _HEADERS and _HEADERS[version](member)[2].hasobject:
        raise SerializationError(f"load: {path} is not a file written by save ({name!r} holds Python "
                                 "objects, which load never unpickles)")
    member.seek(0)
    array = np.lib.format.read_array(member, allow_pickle=False)
    if member.read(1):
        raise SerializationError(f"load: {path} is not a file written by save ({name!r} has data after its array)")
    return array
