"""The activation functions of ``torch.nn.functional``, with PyTorch's argument names and
defaults; ``minigrad.functional`` re-exports them. Each is one op of rules/activations.py,
or a composition of ops where that is as exact and as stable. Integer and bool inputs
compute in the default float dtype."""

from .engine import ops
from .tensor_math import floating

__all__ = ["relu", "sigmoid", "tanh", "gelu", "leaky_relu", "elu", "celu", "selu", "softplus", "silu", "mish",
           "hardtanh", "relu6", "softsign", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink"]

# SELU's constants, as PyTorch's (Klambauer et al., 2017)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _no_inplace(inplace, name):
    if inplace:
        raise NotImplementedError(f"{name}: inplace=True is not supported; minigrad's activations return a new tensor")


def _one_op(name, doc):
    """The activation that is the op ``name`` alone, taking PyTorch's ``inplace`` argument."""
    op = getattr(ops, name)

    def activation(input, inplace=False):
        _no_inplace(inplace, name)
        return op(floating(input))

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = doc
    return activation


silu = _one_op("silu", "x * sigmoid(x).")
mish = _one_op("mish", "x * tanh(softplus(x)).")
hardsigmoid = _one_op("hardsigmoid", "relu6(x + 3) / 6, with a zero gradient at ±3.")
hardswish = _one_op("hardswish", "x * relu6(x + 3) / 6.")


def relu(input, inplace=False):
    """max(x, 0)."""
    _no_inplace(inplace, "relu")
    return input.relu()


def sigmoid(input):
    """1 / (1 + e**-x)."""
    return input.sigmoid()


def tanh(input):
    """The hyperbolic tangent."""
    return input.tanh()


def gelu(input, approximate="none"):
    """x Φ(x), Φ the standard normal CDF; ``approximate='tanh'`` uses PyTorch's tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return ops.gelu(floating(input), approximate=approximate)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope * x."""
    _no_inplace(inplace, "leaky_relu")
    return ops.leaky_relu(floating(input), negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, else alpha * (e**x - 1)."""
    _no_inplace(inplace, "elu")
    return ops.elu(floating(input), alpha=alpha)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (e**(x / alpha) - 1))."""
    _no_inplace(inplace, "celu")
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return ops.elu(floating(input), alpha=alpha, input_scale=1 / alpha)


def selu(input, inplace=False):
    """SELU_SCALE * elu(x, SELU_ALPHA)."""
    _no_inplace(inplace, "selu")
    return ops.elu(floating(input), alpha=SELU_ALPHA, scale=SELU_SCALE)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e**(beta * x)) / beta, and x where beta * x > threshold."""
    return ops.softplus(floating(input), beta=beta, threshold=threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val], with a zero gradient at the bounds."""
    _no_inplace(inplace, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    return ops.hardtanh(floating(input), min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    """hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softsign(input):
    """x / (1 + |x|)."""
    input = floating(input)
    return input / (input.abs() + 1)


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    return ops.logsigmoid(floating(input))


def tanhshrink(input):
    """x - tanh(x)."""
    input = floating(input)
    return input - input.tanh()
