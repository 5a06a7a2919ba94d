"""Saving and loading tensors and state dicts, without pickled code: numpy's .npz archive
(minigrad's own format) or safetensors (the file PyTorch, JAX and numpy users exchange
weights in, through the optional ``safetensors`` package).

``save`` checks everything before it writes, writes a temporary file beside the target
and renames it over the target, so a crash, a kill or a full disk leaves the previous
file as it was. ``load`` tells the format by the file's first bytes, never unpickles,
checks every size a file declares against the file before it allocates, and turns
every malformed file into one ``SerializationError`` that names the file.
"""

import os
import uuid
import zipfile
from pathlib import Path

import numpy as np

from .devices import check_device
from .serialization_safetensors import read_safetensors, write_safetensors
from .tensor import Tensor

__all__ = ["SerializationError", "load", "save"]


class SerializationError(ValueError):
    """A file that ``load`` cannot read as what ``save`` writes, or a key that ``save``
    cannot store; the message names the file or the key."""


_SUFFIX = ".npy"
# an archive holding one Tensor, not a dict, says so in its comment: no key is reserved
_SINGLE = b"minigrad: one Tensor"
_SINGLE_KEY = "tensor"
_FORMATS = ("npz", "safetensors")
# deflate expands at most 1032 times; numpy writes members stored or deflated
_MAX_DEFLATE_RATIO = 1032
_PYTORCH_ADVICE = ("which minigrad does not read (it never unpickles); in PyTorch, save the state dict with "
                   "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') and load that")


def save(obj, path, format=None):
    """Write a Tensor, or a dict of names to Tensors, ndarrays, numbers or strings, to
    ``path`` exactly, atomically: the file is either the previous one or the whole new
    one. ``format`` is "npz" or "safetensors"; by default a name ending in
    ``.safetensors`` gets safetensors (dicts of numbers only) and any other name npz."""
    format = _format_of(path, format)
    arrays = _checked_arrays(obj, format)
    if format == "safetensors":
        _write_atomically(path, lambda temporary: write_safetensors(temporary, arrays))
    else:
        _write_atomically(path, lambda temporary: _write_archive(temporary, arrays, isinstance(obj, Tensor)))


def _format_of(path, format):
    if format is None:
        return "safetensors" if str(path).lower().endswith(".safetensors") else "npz"
    if format not in _FORMATS:
        raise ValueError(f"save: format must be one of {_FORMATS}, got {format!r}")
    return format


def _write_atomically(path, write):
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        # os.open with 0o666 lets the umask decide the mode, as for any new file
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        write(temporary)
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _checked_arrays(obj, format):
    """The arrays to write by key; every key and value checked before anything is written."""
    if isinstance(obj, Tensor):
        if format == "safetensors":
            raise TypeError("save: a safetensors file holds named tensors; save a dict such as {'weight': t}")
        obj = {_SINGLE_KEY: obj}
    if not isinstance(obj, dict) or not all(isinstance(key, str) for key in obj):
        raise TypeError("save: takes a Tensor or a dict with string keys (such as a state_dict)")
    arrays = {}
    for key, value in obj.items():
        _check_key(key, obj, format)
        if isinstance(value, dict):
            raise TypeError(f"save: {key!r} is a dict; save takes one level of names (a state_dict), so nested "
                            "dicts such as an optimizer's state are refused: give them dotted names")
        arrays[key] = _checked_value(key, value, format)
    return arrays


def _checked_value(key, value, format):
    array = np.asarray(value.array if isinstance(value, Tensor) else value)
    if array.dtype.hasobject:
        raise TypeError(f"save: {key!r} is not numeric or text data (an array of Python objects)")
    if array.dtype.kind == "U" and format == "npz":
        return array
    if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
        kinds = "numbers" if format == "safetensors" else "numbers or text"
        raise TypeError(f"save: {key!r} holds {array.dtype} values; a {format} file from minigrad holds {kinds} "
                        "of minigrad's dtypes (bool, integers, float16, float32, float64)")
    return array


def _check_key(key, keys, format):
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise SerializationError(f"save: the key {key!r} is not valid text (UTF-8)") from None
    if format == "safetensors":
        if key == "__metadata__":
            raise SerializationError("save: the key '__metadata__' is the safetensors header's own; rename it")
        return
    if "\0" in key:
        raise SerializationError(f"save: the key {key!r} has a NUL character, which a zip archive cannot store")
    # np.load finds the member "a.npy" under both "a" and "a.npy"
    if key + _SUFFIX in keys:
        raise SerializationError(f"save: the keys {key!r} and {key + _SUFFIX!r} would collide in the archive")


def _write_archive(path, arrays, single):
    # member by member as numpy.savez does: savez(file, **arrays) cannot take the keys
    # "file" (TypeError) or "allow_pickle" (silently dropped), its own parameters
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(key + _SUFFIX, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        if single:
            archive.comment = _SINGLE


def load(path, map_location=None, weights_only=None):
    """Read what ``save`` wrote, in either format: a Tensor, or a dict in which numeric
    arrays come back as Tensors and text as str (0-d) or ndarrays of str. A file that
    is not such a file, or not whole, raises SerializationError; a PyTorch pickle
    (.pt, .pth) raises it with the one line that says how to convert it.
    ``map_location`` and ``weights_only`` are PyTorch's: every tensor is put on the CPU ('cpu', a CPU device,
    None, a function or a dict that keeps 'cpu' there), and only data is ever read, never
    pickled code, whatever ``weights_only`` says."""
    _check_map_location(map_location)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    if os.path.isdir(path):
        raise SerializationError(f"load: {path} is a directory, not a file written by save")
    with open(path, "rb") as file:
        start = file.read(9)
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # pickle protocols 2 to 5
        raise SerializationError(f"load: {path} is a pickle, as PyTorch's torch.save writes, {_PYTORCH_ADVICE}")
    if start[8:9] == b"{":  # safetensors: the header's length, then its JSON
        try:
            return {key: Tensor(array) for key, array in read_safetensors(path).items()}
        except ValueError as error:  # the reader's messages name the file
            raise SerializationError(str(error)) from None
    if not zipfile.is_zipfile(path):
        raise SerializationError(f"load: {path} is not a file written by save (neither a zip archive "
                                 "nor a safetensors file)")
    try:
        arrays, single = _read_archive(path)
    except SerializationError:
        raise
    # zipfile raises NotImplementedError for a compression or an encryption it lacks, and
    # RuntimeError for an encrypted member
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError,
            RuntimeError) as error:
        raise SerializationError(f"load: {path} is not a file written by save ({error})") from None
    if single:
        return Tensor(arrays[_SINGLE_KEY])
    return {key: (Tensor(a) if a.dtype.kind in "fiub" else (str(a) if a.ndim == 0 else a)) for key, a in arrays.items()}


def _check_map_location(map_location):
    """Refuse a map_location that sends the tensors off the CPU, as PyTorch's CPU build does."""
    if isinstance(map_location, dict):
        map_location = map_location.get("cpu")  # a file of save's has tensors on the CPU only
    if not callable(map_location):
        check_device(map_location, "load: map_location")


def _read_archive(path):
    """The arrays by key, and whether the archive holds one Tensor rather than a dict."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if any(name.endswith("data.pkl") for name in names):
            raise SerializationError(f"load: {path} is a PyTorch file (torch.save's zip of pickles), "
                                     f"{_PYTORCH_ADVICE}")
        damaged = archive.testzip()  # reads every member and checks its CRC
        if damaged is not None:
            raise SerializationError(f"load: {path} is damaged: its member {damaged!r} fails its checksum")
        if len(set(names)) != len(names):
            raise SerializationError(f"load: {path} is not a file written by save (a member appears twice)")
        single = archive.comment == _SINGLE
        if single and names != [_SINGLE_KEY + _SUFFIX]:
            raise SerializationError(f"load: {path} is not a file written by save (one Tensor, {len(names)} members)")
        arrays = {}
        for info in archive.infolist():
            if not info.filename.endswith(_SUFFIX):
                raise SerializationError(f"load: {path} is not a file written by save "
                                         f"({info.filename!r} is not an array)")
            arrays[info.filename[:-len(_SUFFIX)]] = _read_member(path, archive, info)
    return arrays, single


_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _read_member(path, archive, info):
    """One .npy member, refused when it holds Python objects (they would need pickle), a
    dtype minigrad does not have, or other than the bytes its header declares."""
    _check_member_size(path, info)
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in _HEADERS:
            raise SerializationError(f"load: {path} is not a file written by save ({info.filename!r} has "
                                     f".npy version {version})")
        shape, _, dtype = _HEADERS[version](member)
        _check_dtype(path, info.filename, dtype)
        declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if declared != info.file_size - member.tell():
            raise SerializationError(f"load: {path} is damaged or not whole: {info.filename!r} declares "
                                     f"{declared:,} bytes of data and holds {info.file_size - member.tell():,}")
        member.seek(0)
        array = np.lib.format.read_array(member, allow_pickle=False)
    return array


def _check_member_size(path, info):
    """The sizes a member declares, bounded by the file's own size before anything is read."""
    size = os.path.getsize(path)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise SerializationError(f"load: {path} is not a file written by save ({info.filename!r} is compressed "
                                 f"with method {info.compress_type}, not stored or deflated)")
    if info.compress_size > size:
        raise SerializationError(f"load: {path} is damaged or not whole: {info.filename!r} declares "
                                 f"{info.compress_size:,} stored bytes and the file has {size:,}")
    most = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO)
    if info.file_size > most:
        raise SerializationError(f"load: {path} is damaged or not whole: {info.filename!r} declares "
                                 f"{info.file_size:,} bytes, more than its {info.compress_size:,} stored bytes hold")


def _check_dtype(path, name, dtype):
    if dtype.hasobject:
        raise SerializationError(f"load: {path} is not a file written by save ({name!r} holds Python "
                                 "objects, which load never unpickles)")
    if not (dtype.kind in "biu" or dtype.kind == "f" and dtype.itemsize <= 8 or dtype.kind == "U"):
        raise SerializationError(f"load: {path} holds {dtype} values in {name!r}, a dtype minigrad does not "
                                 "support (bool, integers, float16, float32, float64, text)")
