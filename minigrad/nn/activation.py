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
