"""Initialising parameters in place, as ``torch.nn.init``: every function fills the tensor
it is given outside the graph and returns it. The random ones draw through the tensor's
``normal_`` and ``uniform_``, from PyTorch's streams (``minigrad.random``), with PyTorch's
bounds and standard deviations: the same seed gives PyTorch's weights."""

import math

from ..functions import where
from ..state import no_grad

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The factor on a layer's standard deviation recommended before ``nonlinearity`` (a
    ``functional`` name): 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``, 0.01 by default), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor, name):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.dim() < 2:
        raise ValueError(f"{name}: fan in and fan out cannot be computed for a tensor of fewer than 2 dimensions "
                         f"(shape {tuple(tensor.shape)})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor, mode, name):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _fans(tensor, name)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with uniform numbers on [a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with normal numbers of mean ``mean`` and standard deviation ``std``."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with ones."""
    return constant_(tensor, 1.0)


def _xavier_std(tensor, gain, name):
    fan_in, fan_out = _fans(tensor, name)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot's uniform initialisation: bound gain * sqrt(6 / (fan_in + fan_out))."""
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain, "xavier_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot's normal initialisation: std gain * sqrt(2 / (fan_in + fan_out))."""
    return normal_(tensor, 0.0, _xavier_std(tensor, gain, "xavier_normal_"), generator)


def _kaiming_std(tensor, a, mode, nonlinearity, name):
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode, name))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He's uniform initialisation: bound sqrt(3) * gain / sqrt(fan) (an empty tensor is left alone)."""
    if 0 in tensor.shape:
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He's normal initialisation: std gain / sqrt(fan) (an empty tensor is left alone)."""
    if 0 in tensor.shape:
        return tensor
    return normal_(tensor, 0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"), generator)


def _normal_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Normal numbers kept to [a, b], drawn as PyTorch draws them: when [a, b] holds more than
    30 % of the mass, whole normal fills, each element kept from the first that lands inside;
    otherwise uniform proposals on [a, b], accepted where log(u) <= the normal's log density
    relative to its peak in [a, b]."""
    with no_grad():
        mass = _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std)
        if mass > 0.3:
            return _redraw_outside(tensor, mean, std, a, b, generator)
        return _accept_uniform(tensor, mean, std, a, b, generator)


def _redraw_outside(tensor, mean, std, a, b, generator):
    low, high = (tensor.array.dtype.type(bound).item() for bound in (a, b))  # the bounds in the tensor's dtype
    result = tensor.normal_(mean, std, generator=generator)
    while True:
        outside = (result < low).logical_or(result > high)
        if not outside.any():
            break
        result = where(outside, result.clone().normal_(mean, std, generator=generator), result)
    return tensor.copy_(result)


def _accept_uniform(tensor, mean, std, a, b, generator):
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2

    def log_density(values):
        return ((values - mean) / std) ** 2 * -0.5 - log_peak

    def rejected(candidates):
        return candidates.clone().uniform_(generator=generator).log() > log_density(candidates)

    result = tensor.uniform_(a, b, generator=generator).clone()
    pending = rejected(result)
    while pending.any():
        candidates = result.clone().uniform_(a, b, generator=generator)
        result = where(pending, candidates, result)
        pending = where(pending, rejected(candidates), pending)
    return tensor.copy_(result)
