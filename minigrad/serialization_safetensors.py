"""The safetensors side of ``mg.save`` and ``mg.load``, through the ``safetensors``
package (an optional extra: ``pip install safetensors``), which writes the format and
checks a file's header against its size before anything is read. minigrad adds what
the package does not: arrays made contiguous before they are written, and on reading,
the dtypes minigrad has (bool, integers, float16/32/64) and nothing else.
"""

import numpy as np

__all__ = ["read_safetensors", "write_safetensors"]

# safetensors' dtype codes for the dtypes minigrad has
_SUPPORTED = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}


def _package(action):
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ModuleNotFoundError(f"{action}: safetensors files need the safetensors package: "
                                  "pip install safetensors", name="safetensors") from None
    return safetensors


def write_safetensors(path, arrays):
    """Write the checked arrays by name to ``path`` as a safetensors file."""
    # the package writes an array's buffer as it is in memory: a transposed view must be copied
    # first (np.ascontiguousarray would also make a 0-d array 1-d)
    contiguous = {name: np.require(array, requirements="C") for name, array in arrays.items()}
    _package("save").numpy.save_file(contiguous, path)


def read_safetensors(path):
    """The arrays of a safetensors file by name (sorted), or ValueError naming the file:
    a damaged header, a file shorter or longer than its header declares, or a dtype
    minigrad does not have (bfloat16, the float8s, complex64)."""
    safetensors = _package("load")
    try:
        with safetensors.safe_open(path, framework="np") as file:
            names = list(file.keys())
            for name in names:  # every dtype checked before any tensor is read
                _check_dtype(path, name, file.get_slice(name).get_dtype())
            return {name: file.get_tensor(name) for name in names}
    except safetensors.SafetensorError as error:
        raise ValueError(f"load: {path} is damaged or not whole, or not a file written by save ({error})") from None


def _check_dtype(path, name, dtype):
    if dtype not in _SUPPORTED:
        raise ValueError(f"load: {path} holds {name!r} as {dtype}, a dtype minigrad does not support "
                         "(bool, integers, float16, float32, float64); convert it where it was saved, "
                         "in PyTorch with .float()")
