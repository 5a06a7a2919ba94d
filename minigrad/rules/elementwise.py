"""The rules of the element-wise math beyond the lecture's: trigonometric, hyperbolic,
exponential and logarithmic functions, rounding, clamping, selection and the binary
maximum/minimum/atan2/remainder. Every rule computes quietly (helpers.quiet): inf and
nan come out as in PyTorch, without numpy's warnings. The vocabulary is described in
rules/__init__.py."""

import numpy as np

from .helpers import erf as _erf
from .helpers import maximum_backward, not_differentiable, quiet
from .helpers import sign as _sign

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "exp2",
           "log2", "log10", "log1p", "expm1", "rsqrt", "reciprocal", "floor", "ceil", "round", "trunc", "sign",
           "frac", "clamp", "where", "maximum", "minimum", "atan2", "remainder", "floor_divide"]

_LN2, _LN10 = np.log(2.0).item(), np.log(10.0).item()
_TWO_OVER_SQRT_PI = 2 / np.pi ** 0.5


# ----- trigonometric and hyperbolic -----

@quiet
def sin(self):
    return np.sin(self), lambda grad: grad * np.cos(self)


@quiet
def cos(self):
    return np.cos(self), lambda grad: grad * -np.sin(self)


@quiet
def tan(self):
    result = np.tan(self)
    return result, lambda grad: grad * (1 + result * result)


@quiet
def asin(self):
    return np.arcsin(self), lambda grad: grad / np.sqrt(1 - self * self)


@quiet
def acos(self):
    return np.arccos(self), lambda grad: -grad / np.sqrt(1 - self * self)


@quiet
def atan(self):
    return np.arctan(self), lambda grad: grad / (1 + self * self)


@quiet
def sinh(self):
    return np.sinh(self), lambda grad: grad * np.cosh(self)


@quiet
def cosh(self):
    return np.cosh(self), lambda grad: grad * np.sinh(self)


@quiet
def asinh(self):
    return np.arcsinh(self), lambda grad: grad / np.sqrt(self * self + 1)


@quiet
def acosh(self):
    return np.arccosh(self), lambda grad: grad / np.sqrt(self * self - 1)


@quiet
def atanh(self):
    return np.arctanh(self), lambda grad: grad / (1 - self * self)


# ----- exponential and logarithmic -----

@quiet
def erf(self):
    return _erf(self), lambda grad: grad * _TWO_OVER_SQRT_PI * np.exp(-self * self)


@quiet
def exp2(self):
    result = np.exp2(self)
    return result, lambda grad: grad * result * _LN2


@quiet
def log2(self):
    return np.log2(self), lambda grad: grad / (self * _LN2)


@quiet
def log10(self):
    return np.log10(self), lambda grad: grad / (self * _LN10)


@quiet
def log1p(self):
    return np.log1p(self), lambda grad: grad / (self + 1)


@quiet
def expm1(self):
    result = np.expm1(self)
    return result, lambda grad: grad * (result + 1)


@quiet
def rsqrt(self):
    result = 1 / np.sqrt(self)
    return result, lambda grad: grad * -0.5 * result * result * result


@quiet
def reciprocal(self):
    result = 1 / self
    return result, lambda grad: grad * -(result * result)


# ----- rounding: piecewise constant, so a zero gradient, as in PyTorch -----

def floor(self):
    return np.floor(self), lambda grad: np.zeros_like(grad)


def ceil(self):
    return np.ceil(self), lambda grad: np.zeros_like(grad)


def round(self, decimals=0):
    return np.round(self, decimals), lambda grad: np.zeros_like(grad)


def trunc(self):
    return np.trunc(self), lambda grad: np.zeros_like(grad)


def sign(self):
    return _sign(self), lambda grad: np.zeros_like(grad)


@quiet
def frac(self):
    # self - trunc(self), and NaN at ±inf (inf - inf), as in PyTorch; the trunc is flat
    return self - np.trunc(self), lambda grad: grad


# ----- clamping and selection -----

def _between(self, min, max):
    return (True if min is None else self >= min) & (True if max is None else self <= max)


def clamp(self, min, max):
    """Each bound is None, a number or an array. The gradient passes where
    min <= self <= max (so nowhere where min > max); a bound array gets it where it is
    the result, as PyTorch's clamp_backward_min_max."""
    result = self if min is None else np.maximum(self, min)
    result = result if max is None else np.minimum(result, max)
    return result, (lambda grad: np.where(_between(self, min, max), grad, 0),
                    lambda grad: np.where(self < min if max is None else (self < min) & (min < max), grad, 0),
                    lambda grad: np.where(self > max if min is None else (self > max) | (max < min), grad, 0))


def _where(condition, self, other):
    """np.where(condition, self, other); masked_fill's case (a number where a bool mask that
    fits ``other``'s trailing dims is true) as a copy of ``other`` with the number written
    in, which numpy does faster (docs/performance.md, "where")."""
    if (type(self) is float and type(other) is np.ndarray and other.dtype.kind == "f"
            and condition.dtype == np.bool_ and condition.shape == other.shape[other.ndim - condition.ndim:]):
        result = other.copy()
        np.copyto(result, self, where=condition)
        return result
    return np.where(condition, self, other)


def where(condition, self, other):
    return _where(condition, self, other), (None,
                                            lambda grad: np.where(condition, grad, 0),
                                            lambda grad: np.where(condition, 0, grad))


# ----- binary -----

@quiet
def maximum(self, other):
    return np.maximum(self, other), (lambda grad: maximum_backward(grad, self, other, np.less),
                                     lambda grad: maximum_backward(grad, other, self, np.less))


@quiet
def minimum(self, other):
    return np.minimum(self, other), (lambda grad: maximum_backward(grad, self, other, np.greater),
                                     lambda grad: maximum_backward(grad, other, self, np.greater))


@quiet
def atan2(self, other):
    return np.arctan2(self, other), (lambda grad: grad * other / (self * self + other * other),
                                     lambda grad: grad * -self / (self * self + other * other))


@quiet
def remainder(self, other):
    # Python's (and PyTorch's) sign convention: the result takes the divisor's sign
    return np.remainder(self, other), (lambda grad: grad,
                                       lambda grad: grad * -np.floor_divide(self, other))


@quiet
def floor_divide(self, other):
    return np.floor_divide(self, other), (not_differentiable("floor_divide"), not_differentiable("floor_divide"))
