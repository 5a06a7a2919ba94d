"""Devices, as PyTorch names them: minigrad computes on the CPU only.

``device('cpu')`` is the one device a tensor can live on; ``device('cuda')`` and the other
types PyTorch knows can be named (scripts build them before asking
``cuda.is_available()``), but putting a tensor there raises an error that says minigrad runs
on the CPU. ``cuda`` answers the questions scripts ask before choosing a device.
"""

__all__ = ["device", "check_device", "CPU", "cuda"]

# the device types torch's CPU build accepts in a device string (torch.device('foo') is refused)
_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """A device: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 0)``, or a device.
    Prints and compares as ``torch.device`` (``device(type='cpu')``)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got {type.__class__.__name__}")
        elif ":" in type:
            if index is not None:
                raise ValueError(f"device: {type!r} already names an index; give no second one ({index})")
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device index {number!r} in {type}:{number}")
            index = int(number)
        if type not in _KNOWN_TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(_KNOWN_TYPES)} as the device type, got {type!r}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"device: {name} cannot be changed")

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)


CPU = device("cpu")


def check_device(where, name):
    """Refuse any device but the CPU (None means the CPU): ``name`` is the caller's, for the error."""
    if where is None or where is CPU or where == "cpu":
        return
    wanted = device(where) if isinstance(where, (str, device)) else None
    if wanted is None:
        raise TypeError(f"{name}: device must be a string or a minigrad.device, got {where.__class__.__name__}")
    if wanted.type != "cpu" or wanted.index not in (None, 0):
        raise RuntimeError(f"{name}: minigrad runs on the CPU only, so there is no device {str(wanted)!r}; "
                           f"use 'cpu' (device = 'cuda' if torch.cuda.is_available() else 'cpu' picks it)")


class _Cuda:
    """``torch.cuda`` as a CPU-only build of PyTorch answers it: no device, nothing to seed
    or to wait for."""

    @staticmethod
    def is_available():
        """False: minigrad has no CUDA device."""
        return False

    @staticmethod
    def device_count():
        """0 CUDA devices."""
        return 0

    @staticmethod
    def manual_seed(seed):
        """Nothing to seed: there is no CUDA device (as PyTorch then does)."""

    manual_seed_all = manual_seed

    @staticmethod
    def synchronize(device=None):
        """Nothing to wait for: every op has finished on return (PyTorch's CPU build raises)."""

    def __repr__(self):
        return "<minigrad.cuda: no CUDA device; minigrad runs on the CPU>"


cuda = _Cuda()
