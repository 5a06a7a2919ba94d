"""Activation layers, as in ``torch.nn``: element-wise functions (and softmax) as modules."""

import warnings

from .. import functional as F
from .modules import Module

__all__ = ["Tanh", "ReLU", "Sigmoid", "Softmax"]


class Tanh(Module):
    """Element-wise tanh."""

    def forward(self, x):
        """``x.tanh()``."""
        return x.tanh()


class ReLU(Module):
    """Element-wise max(x, 0)."""

    def forward(self, x):
        """``x.relu()``."""
        return x.relu()


class Sigmoid(Module):
    """Element-wise 1 / (1 + exp(-x))."""

    def forward(self, x):
        """``x.sigmoid()``."""
        return x.sigmoid()


class Softmax(Module):
    """Softmax along ``dim``. Without a ``dim`` it is chosen as PyTorch's legacy rule
    does (0 for 0-, 1- and 3-d inputs, else 1), with PyTorch's warning."""

    def __init__(self, dim=None):
        self.dim = dim

    def forward(self, x):
        """``F.softmax(x, dim)``."""
        dim = self.dim
        if dim is None:
            warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                          "Change the call to include dim=X as an argument.", UserWarning, stacklevel=2)
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return F.softmax(x, dim)

    def extra_repr(self):
        """The dimension."""
        return f"dim={self.dim}"


def _inplace_text(inplace):
    return ", inplace=True" if inplace else ""


class _Activation(Module):
    """An element-wise activation: ``forward`` calls ``function`` (of minigrad.functional)
    with the settings named in ``settings``, PyTorch's constructor arguments."""

    function = None
    settings = ()

    def forward(self, x):
        """The activation of ``x``."""
        return type(self).function(x, **{name: getattr(self, name) for name in self.settings})

    def extra_repr(self):
        """The settings, as PyTorch prints them."""
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.settings if name != "inplace")
        inplace = _inplace_text(getattr(self, "inplace", False))
        return shown + inplace if shown else inplace.removeprefix(", ")


class GELU(_Activation):
    """x Φ(x); ``approximate='tanh'`` for the tanh approximation."""

    function, settings = F.gelu, ("approximate",)

    def __init__(self, approximate="none"):
        self.approximate = approximate


class LeakyReLU(_Activation):
    """x for x > 0, else negative_slope * x."""

    function, settings = F.leaky_relu, ("negative_slope", "inplace")

    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope, self.inplace = negative_slope, inplace


class ELU(_Activation):
    """x for x > 0, else alpha * (e**x - 1)."""

    function, settings = F.elu, ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        self.alpha, self.inplace = alpha, inplace


class CELU(ELU):
    """max(0, x) + min(0, alpha * (e**(x / alpha) - 1))."""

    function = F.celu


class SELU(_Activation):
    """scale * elu(x, alpha) with SELU's fixed constants."""

    function, settings = F.selu, ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace


class Softplus(_Activation):
    """log(1 + e**(beta * x)) / beta, and x where beta * x > threshold."""

    function, settings = F.softplus, ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold


class SiLU(SELU):
    """x * sigmoid(x)."""

    function = F.silu


class Mish(SELU):
    """x * tanh(softplus(x))."""

    function = F.mish


class Hardsigmoid(SELU):
    """relu6(x + 3) / 6."""

    function = F.hardsigmoid


class Hardswish(SELU):
    """x * relu6(x + 3) / 6."""

    function = F.hardswish


class Hardtanh(_Activation):
    """x clamped to [min_val, max_val]."""

    function, settings = F.hardtanh, ("min_val", "max_val", "inplace")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        """``inplace=True`` when set, as PyTorch prints it."""
        return _inplace_text(self.inplace).removeprefix(", ")


class Softsign(_Activation):
    """x / (1 + |x|)."""

    function = F.softsign


class LogSigmoid(_Activation):
    """log(sigmoid(x)), computed stably."""

    function = F.logsigmoid
