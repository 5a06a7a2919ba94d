"""Putting samples together into a batch, as PyTorch's ``default_collate``: tensors are
stacked along a new first dimension, numpy arrays too (as tensors), Python floats become a
float64 tensor and ints an int64 one, strings stay a list, and dicts, tuples and lists are
collated field by field (a tuple gives a list, as in PyTorch)."""

import collections.abc
import copy

import numpy as np

from ...creation import stack, tensor
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_TEXT = "SaUO"  # the dtype kinds of text and Python objects, never made into tensors


def default_collate(batch):
    """One batch from a list of samples of one structure."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        _check_numeric(elem.dtype)
        return stack([tensor(array) for array in batch], 0)
    if isinstance(elem, (np.bool_, np.number)):
        return tensor(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, int):  # and bool, a kind of int: a bool tensor
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuilt_mapping(elem, {key: default_collate([sample[key] for sample in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size "
                               f"(lengths {[len(sample) for sample in batch]})")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuilt_sequence(elem, fields)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


def default_convert(data):
    """What a DataLoader with ``batch_size=None`` returns for each sample: numpy arrays and
    numbers as tensors (arrays of text as they are), containers converted element by element,
    tensors as they are."""
    if isinstance(data, (np.bool_, np.number)) or isinstance(data, np.ndarray) and data.dtype.kind not in _TEXT:
        return tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuilt_mapping(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuilt_sequence(data, [default_convert(value) for value in data])
    return data


def _check_numeric(dtype):
    if dtype.kind in _TEXT:
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                        f"found {dtype}")


def _rebuilt_mapping(elem, fields):
    """The collated fields in a mapping of ``elem``'s type where that type can be made so."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(fields)
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def _rebuilt_sequence(elem, fields):
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = fields
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields
