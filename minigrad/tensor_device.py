"""Tensor's device and conversion methods: ``.device`` (always the CPU), ``to`` in all of
PyTorch's forms, ``cpu()``, and ``cuda()``, which says that minigrad runs on the CPU."""

import numpy as np

from .devices import CPU, check_device, device
from .dtypes import check_dtype
from .engine import Node, ops

__all__ = ["DeviceMethods", "to_arguments"]


def to_arguments(args, kwargs):
    """(device, dtype) of ``to``'s arguments: ``to(device)``, ``to(dtype)``,
    ``to(device, dtype)``, ``to(other)`` or keywords, as ``Tensor.to`` takes them."""
    where, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    if len(args) > 2:
        raise TypeError(f"to: takes at most a device and a dtype, got {len(args)} arguments")
    for arg in args:
        if isinstance(arg, Node):
            where, dtype = CPU, arg.array.dtype
        elif isinstance(arg, (str, device)):
            where = arg
        else:
            dtype = arg
    return where, dtype


class DeviceMethods:
    """Where a tensor lives (the CPU) and conversions between dtypes and devices."""

    __slots__ = ()

    @property
    def device(self):
        """The device of the data: ``device(type='cpu')``, the only one minigrad has."""
        return CPU

    is_cuda = False
    is_cpu = True

    def to(self, *args, non_blocking=False, copy=False, **kwargs):
        """The tensor on ``device`` (only the CPU) as ``dtype`` (gradients flow back
        converted): ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its
        dtype), or as keywords. Itself when nothing changes, unless ``copy``."""
        where, dtype = to_arguments(args, kwargs)
        if kwargs:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        check_device(where, "to")
        dtype = self.array.dtype if dtype is None else check_dtype(np.dtype(dtype), "to")
        if dtype != self.array.dtype:
            return ops.cast(self, dtype=dtype)
        return ops.copy(self) if copy else self

    def type(self, dtype):
        """The tensor converted to ``dtype`` (``to(dtype)``)."""
        return self.to(dtype)

    def cpu(self):
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device=None, non_blocking=False):
        """Refused: minigrad has no CUDA device."""
        check_device("cuda" if device is None or isinstance(device, int) else device, "cuda")
