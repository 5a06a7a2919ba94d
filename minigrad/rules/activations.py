"""The rules of the activation functions of ``torch.nn.functional``, each with
PyTorch's formula, its gradient at the kinks, and a form that neither overflows nor
warns for large |x|. relu6, celu, selu, softsign and tanhshrink are compositions (see
minigrad/activations.py). The vocabulary is described in rules/__init__.py."""

import numpy as np

from .helpers import erf, quiet, stable_sigmoid

__all__ = ["gelu", "leaky_relu", "elu", "softplus", "silu", "mish", "hardtanh", "hardsigmoid", "hardswish",
           "logsigmoid"]

_SQRT_HALF = 0.5 ** 0.5
_ONE_OVER_SQRT_2PI = (2 * np.pi) ** -0.5
_SQRT_2_OVER_PI = (2 / np.pi) ** 0.5
_GELU_CUBIC = 0.044715


@quiet
def gelu(self, approximate="none"):
    """x Φ(x), with Φ the normal CDF (exact, through erf) or its tanh approximation."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (self + _GELU_CUBIC * self * self * self)
        t = np.tanh(inner)
        return 0.5 * self * (1 + t), lambda grad: grad * (
            0.5 * (1 + t) + 0.5 * self * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * self * self))
    cdf = 0.5 * (1 + erf(self * _SQRT_HALF))
    return self * cdf, lambda grad: grad * (cdf + self * _ONE_OVER_SQRT_2PI * np.exp(-0.5 * self * self))


def leaky_relu(self, negative_slope=0.01):
    positive = self > 0
    return np.where(positive, self, self * negative_slope), lambda grad: np.where(positive, grad,
                                                                                  grad * negative_slope)


@quiet
def elu(self, alpha=1.0, scale=1.0, input_scale=1.0):
    """PyTorch's elu kernel, which also makes celu (input_scale = 1/alpha) and selu: scale·x
    for x > 0, else alpha·scale·(e^(input_scale·x) − 1)."""
    negative = self <= 0  # NaN takes the positive side's gradient, as in PyTorch's elu_backward
    e = np.expm1(np.minimum(self, 0) * input_scale)
    result = np.where(negative, e * (alpha * scale), self * scale)
    return result, lambda grad: grad * np.where(negative, (e + 1) * (alpha * scale * input_scale), scale)


@quiet
def softplus(self, beta=1.0, threshold=20.0):
    """log(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold, as PyTorch."""
    scaled = self * beta
    linear = scaled > threshold
    z = np.exp(np.where(linear, 0, scaled))
    return np.where(linear, self, np.log1p(z) / beta), lambda grad: np.where(linear, grad, grad * z / (z + 1))


@quiet
def silu(self):
    s = stable_sigmoid(self)
    return self * s, lambda grad: grad * s * (1 + self * (1 - s))


@quiet
def mish(self):
    """x tanh(softplus(x)), the softplus as logaddexp(0, x), which cannot overflow."""
    t = np.tanh(np.logaddexp(0, self))
    return self * t, lambda grad: grad * (t + self * stable_sigmoid(self) * (1 - t * t))


def hardtanh(self, min_val=-1.0, max_val=1.0):
    """clamp to [min_val, max_val]; unlike clamp's, the gradient is 0 at the bounds and passes
    at NaN, as PyTorch's."""
    outside = (self <= min_val) | (self >= max_val)
    return np.clip(self, min_val, max_val), lambda grad: np.where(outside, 0, grad)


def hardsigmoid(self):
    inside = (self > -3) & (self < 3)
    return np.clip(self * (1 / 6) + 0.5, 0, 1), lambda grad: np.where(inside, grad * (1 / 6), 0)


@quiet
def hardswish(self):
    """x · relu6(x + 3) / 6; the gradient x/3 + 1/2 on (-3, 3), 0 below, 1 from 3 on (PyTorch's)."""
    result = self * np.clip(self + 3, 0, 6) * (1 / 6)
    return result, lambda grad: grad * np.where(self <= -3, 0, np.where(self < 3, self * (1 / 3) + 0.5, 1))


@quiet
def logsigmoid(self):
    """−softplus(−x) as min(x, 0) − log1p(e^−|x|), which neither overflows nor loses digits."""
    result = np.minimum(self, 0) - np.log1p(np.exp(-np.abs(self)))
    return result, lambda grad: grad * stable_sigmoid(-self)
