"""Tensor's element-wise methods: the math functions, rounding, clamping, selection,
the binary maximum/minimum/atan2, ``//`` and ``%``, and the logical tests.

Float functions (exp, sin, sigmoid, ...) of integer or bool tensors compute in the
default float dtype, as PyTorch's do (``floating``, the one place that promotes).
"""

from numbers import Number

import numpy as np

from .dtypes import as_array, float16, get_default_dtype
from .engine import Node, leaf, ops
from .state import tracer

__all__ = ["MathMethods", "floating", "traced_constant"]


def floating(tensor):
    """The tensor, or for an integer or bool tensor its values in the default float dtype."""
    return tensor if tensor.array.dtype.kind == "f" else leaf(tensor.array.astype(get_default_dtype()))


def _float_function(name, doc):
    """A method applying the op ``name`` to the tensor promoted by ``floating``."""
    op = getattr(ops, name)

    def method(self):
        return op(self if self.array.dtype.kind == "f" else floating(self))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _same_dtype_function(name, doc):
    """A method applying the op ``name``, which keeps an integer tensor's dtype (abs, floor, ...)."""
    op = getattr(ops, name)

    def method(self):
        return op(self)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _operand(value):
    """None, a number or a Tensor (made from an array or a list), for the ops that take all three."""
    if value is None or isinstance(value, (Node, Number)):
        return value
    return leaf(as_array(value))


def traced_constant(make, *args):
    """``make`` of ``args`` (a tensor's array in its place), a tensor outside the graph (a
    mask, a shift); while mg.compile traces a step, one that the compiled step computes again
    from the same tensors on every call."""
    recorder = tracer()
    if recorder is not None:
        return leaf(recorder.derived(make, *args))
    return leaf(make(*[arg.array if isinstance(arg, Node) else arg for arg in args]))


def _comparison(ufunc):
    """A comparison operator: a bool tensor of ``ufunc`` on the two operands, no graph."""
    def compare(self, other):
        return self._binary(other, lambda a, b: traced_constant(ufunc, a, b))

    return compare


def _bitwise(function, name):
    """The operator ``name`` (``&``, ``|``, ``^``) and its reflection: logical on bool tensors,
    bitwise on integer ones, refused on floats as PyTorch refuses them."""
    def apply(a, b):
        left, right = _array(a), _array(b)
        if left.dtype.kind == "f" or right.dtype.kind == "f":
            raise TypeError(f"{name}: needs bool or integer tensors, not {left.dtype} and {right.dtype}")
        return traced_constant(function, a, b)

    return (lambda self, other: apply(self, other)), (lambda self, other: apply(other, self))


class MathMethods:
    """Element-wise math, mixed into Tensor."""

    __slots__ = ()

    exp = _float_function("exp", "Element-wise e**x.")
    log = _float_function("log", "Element-wise natural logarithm.")
    tanh = _float_function("tanh", "Element-wise hyperbolic tangent.")
    sigmoid = _float_function("sigmoid", "Element-wise 1 / (1 + e**-x).")
    sqrt = _float_function("sqrt", "Element-wise square root.")
    relu = _same_dtype_function("relu", "Element-wise max(x, 0).")
    abs = _same_dtype_function("abs", "Element-wise absolute value.")
    sin = _float_function("sin", "Element-wise sine.")
    cos = _float_function("cos", "Element-wise cosine.")
    tan = _float_function("tan", "Element-wise tangent.")
    asin = _float_function("asin", "Element-wise arcsine.")
    acos = _float_function("acos", "Element-wise arccosine.")
    atan = _float_function("atan", "Element-wise arctangent.")
    sinh = _float_function("sinh", "Element-wise hyperbolic sine.")
    cosh = _float_function("cosh", "Element-wise hyperbolic cosine.")
    asinh = _float_function("asinh", "Element-wise inverse hyperbolic sine.")
    acosh = _float_function("acosh", "Element-wise inverse hyperbolic cosine.")
    atanh = _float_function("atanh", "Element-wise inverse hyperbolic tangent.")
    erf = _float_function("erf", "Element-wise error function, 2/sqrt(pi) times the integral of e**-t² from 0 to x.")
    exp2 = _float_function("exp2", "Element-wise 2**x.")
    log2 = _float_function("log2", "Element-wise base-2 logarithm.")
    log10 = _float_function("log10", "Element-wise base-10 logarithm.")
    log1p = _float_function("log1p", "Element-wise log(1 + x), accurate for small x.")
    expm1 = _float_function("expm1", "Element-wise e**x - 1, accurate for small x.")
    rsqrt = _float_function("rsqrt", "Element-wise 1 / sqrt(x).")
    reciprocal = _float_function("reciprocal", "Element-wise 1 / x.")
    floor = _same_dtype_function("floor", "Element-wise largest integer <= x (zero gradient).")
    ceil = _same_dtype_function("ceil", "Element-wise smallest integer >= x (zero gradient).")
    trunc = _same_dtype_function("trunc", "Element-wise x rounded toward zero (zero gradient).")
    sign = _same_dtype_function("sign", "Element-wise -1, 0 or 1 (zero gradient).")
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def round(self, decimals=0):
        """Element-wise rounding to ``decimals`` places, halves to even (zero gradient)."""
        return ops.round(self, decimals=decimals)

    frac = _same_dtype_function("frac", "Element-wise fractional part, x - trunc(x).")

    def square(self):
        """Element-wise x * x."""
        return ops.pow(self, 2)

    def neg(self):
        """Element-wise -x."""
        return ops.neg(self)

    negative = neg

    def half(self):
        """The tensor as float16."""
        return self.to(float16)

    def contiguous(self):
        """The tensor itself: minigrad's arrays need no reordering for any op."""
        return self

    # ----- clamping and selection -----
    def clamp(self, min=None, max=None):
        """Each element limited to [min, max]; either bound may be None, a number or a
        tensor. The gradient passes where min <= x <= max, as in PyTorch."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        bounds = [_operand(min), _operand(max)]
        # a float bound makes an integer tensor float, as in PyTorch
        if any(isinstance(b, float) or isinstance(b, Node) and b.array.dtype.kind == "f" for b in bounds):
            self = floating(self)
        low, high = [b.to(self.dtype) if isinstance(b, Node) else b for b in bounds]
        return ops.clamp(self, low, high)

    clip = clamp

    def clamp_min(self, min):
        """``clamp(min=min)``."""
        return self.clamp(min=min)

    def clamp_max(self, max):
        """``clamp(max=max)``."""
        return self.clamp(max=max)

    def where(self, condition, other):
        """This tensor where ``condition`` is True, else ``other`` (a tensor or a number),
        as ``torch.where(condition, self, other)``."""
        condition = _condition(condition, "where")
        return self._binary(_operand(other), lambda a, b: ops.where(condition, a, b))

    def masked_fill(self, mask, value):
        """A copy with ``value`` (a number or a 0-d tensor) where ``mask`` is True; the
        dtype stays this tensor's."""
        mask = _condition(mask, "masked_fill")
        if isinstance(value, Node):
            if value.ndim:
                raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
            value = value.to(self.dtype)
        else:
            value = self.array.dtype.type(value).item()
        return ops.where(mask, value, self)

    # ----- binary -----
    def maximum(self, other):
        """Element-wise larger of two tensors; a tie splits the gradient half and half."""
        return self._binary(other, ops.maximum)

    def minimum(self, other):
        """Element-wise smaller of two tensors; a tie splits the gradient half and half."""
        return self._binary(other, ops.minimum)

    def atan2(self, other):
        """Element-wise angle of the point (other, self), in (-pi, pi]."""
        return floating(self)._binary(other, ops.atan2)

    arctan2 = atan2

    def lerp(self, end, weight):
        """self + weight * (end - self)."""
        return self + weight * (end - self)

    def remainder(self, other):
        """Element-wise self - floor(self / other) * other (the sign of ``other``, as Python's %)."""
        return self._binary(other, ops.remainder)

    __mod__ = remainder

    def __rmod__(self, other):
        return self._binary(other, ops.remainder, reverse=True)

    def floor_divide(self, other):
        """Element-wise floor(self / other); not differentiable, as in PyTorch."""
        return self._binary(other, ops.floor_divide)

    __floordiv__ = floor_divide

    def __rfloordiv__(self, other):
        return self._binary(other, ops.floor_divide, reverse=True)

    # ----- comparisons and tests: bool tensors, no graph -----
    __eq__ = _comparison(np.equal)
    __ne__ = _comparison(np.not_equal)
    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)

    def isnan(self):
        """Element-wise: is the value NaN?"""
        return leaf(np.isnan(self.array))

    def isinf(self):
        """Element-wise: is the value +inf or -inf?"""
        return leaf(np.isinf(self.array))

    def isfinite(self):
        """Element-wise: is the value neither infinite nor NaN?"""
        return leaf(np.isfinite(self.array))

    __and__, __rand__ = _bitwise(np.bitwise_and, "bitwise_and")
    __or__, __ror__ = _bitwise(np.bitwise_or, "bitwise_or")
    __xor__, __rxor__ = _bitwise(np.bitwise_xor, "bitwise_xor")

    def __invert__(self):
        """``~x``: logical not of a bool tensor, bitwise not of an integer one."""
        return traced_constant(np.invert, self)

    def logical_not(self):
        """Element-wise: is the value zero (False)?"""
        return traced_constant(np.logical_not, self)

    def logical_and(self, other):
        """Element-wise: are both values non-zero?"""
        return leaf(np.logical_and(self.array, _array(other)))

    def logical_or(self, other):
        """Element-wise: is either value non-zero?"""
        return leaf(np.logical_or(self.array, _array(other)))

    def logical_xor(self, other):
        """Element-wise: is exactly one value non-zero?"""
        return leaf(np.logical_xor(self.array, _array(other)))


def _array(value):
    return value.array if isinstance(value, Node) else np.asarray(value)


def _condition(condition, name):
    """The condition as a bool tensor; TypeError for another dtype, as PyTorch's check."""
    if not isinstance(condition, Node):
        condition = leaf(np.asarray(condition))
    if condition.array.dtype != np.bool_:
        raise TypeError(f"{name}: the condition (mask) must be a bool tensor, got {condition.dtype}")
    return condition
