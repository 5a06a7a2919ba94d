"""Named helpers of the element-wise losses (rules/losses.py): binary cross-entropy's logs
and gradients. Plain numpy, like the rules."""

import numpy as np

__all__ = ["clamped_log", "softplus", "bce_backward", "bce_target_backward"]


def clamped_log(values):
    """log, at least -100 (and no warning at 0), as PyTorch's binary_cross_entropy takes it."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(values), -100)


def softplus(values):
    """log(1 + exp(values)) without overflow."""
    return np.maximum(values, 0) + np.log1p(np.exp(-np.abs(values)))


def bce_backward(grad, self, target):
    """binary_cross_entropy: (self - target) / (self * (1 - self)), the denominator at
    least 1e-12 as in PyTorch."""
    return grad * (self - target) / np.maximum(self * (1 - self), 1e-12)


def bce_target_backward(grad, self):
    """binary_cross_entropy, for the target: log(1 - self) - log(self), not clamped (±inf
    at 0 and 1, as in PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return grad * (np.log1p(-self) - np.log(self))
