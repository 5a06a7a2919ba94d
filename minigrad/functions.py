"""``mg.tanh(x)`` and friends, as in torch: Tensor methods as functions of the tensor."""

import numpy as np

from .engine import Node
from .tensor import Tensor

__all__ = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sum", "mean", "var", "std", "max", "min",
           "argmax", "argmin", "logsumexp", "matmul", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
           "flatten", "pow", "where",
           "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
           "atanh", "erf", "exp2", "log2", "log10", "log1p", "expm1", "rsqrt", "square", "reciprocal",
           "floor", "ceil", "round", "trunc", "sign", "frac", "clamp", "clip", "clamp_min", "clamp_max",
           "masked_fill", "maximum", "minimum", "atan2", "lerp", "floor_divide", "remainder", "isnan", "isinf", "isfinite",
           "logical_not", "logical_and", "logical_or", "logical_xor", "neg", "negative",
           "std_mean", "var_mean", "cumsum", "cumprod", "prod", "logcumsumexp", "any", "all",
           "isclose", "allclose", "equal", "flip", "roll", "tril", "triu", "gather", "take_along_dim",
           "index_select", "masked_select", "repeat_interleave", "narrow", "split", "chunk", "movedim", "unflatten", "unbind", "histogram",
           "topk"]


def _function(name):
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        return method(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


exp = _function("exp")
log = _function("log")
tanh = _function("tanh")
sigmoid = _function("sigmoid")
relu = _function("relu")
sqrt = _function("sqrt")
abs = _function("abs")
sum = _function("sum")
mean = _function("mean")
var = _function("var")
std = _function("std")
max = _function("max")
min = _function("min")
argmax = _function("argmax")
topk = _function("topk")
argmin = _function("argmin")
logsumexp = _function("logsumexp")
matmul = _function("matmul")
reshape = _function("reshape")
transpose = _function("transpose")
permute = _function("permute")
unsqueeze = _function("unsqueeze")
squeeze = _function("squeeze")
flatten = _function("flatten")
pow = _function("pow")
sin = _function("sin")
cos = _function("cos")
tan = _function("tan")
asin = _function("asin")
acos = _function("acos")
atan = _function("atan")
sinh = _function("sinh")
cosh = _function("cosh")
asinh = _function("asinh")
acosh = _function("acosh")
atanh = _function("atanh")
erf = _function("erf")
exp2 = _function("exp2")
log2 = _function("log2")
log10 = _function("log10")
log1p = _function("log1p")
expm1 = _function("expm1")
rsqrt = _function("rsqrt")
square = _function("square")
reciprocal = _function("reciprocal")
floor = _function("floor")
ceil = _function("ceil")
round = _function("round")
trunc = _function("trunc")
sign = _function("sign")
frac = _function("frac")
clamp = _function("clamp")
clip = _function("clip")
clamp_min = _function("clamp_min")
clamp_max = _function("clamp_max")
masked_fill = _function("masked_fill")
maximum = _function("maximum")
minimum = _function("minimum")
atan2 = _function("atan2")
lerp = _function("lerp")
floor_divide = _function("floor_divide")
remainder = _function("remainder")
isnan = _function("isnan")
isinf = _function("isinf")
isfinite = _function("isfinite")
logical_not = _function("logical_not")
logical_and = _function("logical_and")
logical_or = _function("logical_or")
logical_xor = _function("logical_xor")
neg = _function("neg")
negative = _function("negative")


def where(condition, input, other):
    """``input`` where ``condition`` is True, else ``other``; either may be a number."""
    if not isinstance(input, Node):
        if not isinstance(other, Node):
            input = Tensor(input)
        else:  # a number where the condition holds, the tensor elsewhere
            return other.where(~Tensor(condition), input)
    return input.where(condition, other)


cumsum = _function("cumsum")
cumprod = _function("cumprod")
prod = _function("prod")
logcumsumexp = _function("logcumsumexp")
any = _function("any")
all = _function("all")
isclose = _function("isclose")
allclose = _function("allclose")
equal = _function("equal")
flip = _function("flip")
roll = _function("roll")
tril = _function("tril")
triu = _function("triu")
gather = _function("gather")
take_along_dim = _function("take_along_dim")
index_select = _function("index_select")
masked_select = _function("masked_select")
repeat_interleave = _function("repeat_interleave")
narrow = _function("narrow")
split = _function("split")
chunk = _function("chunk")
movedim = _function("movedim")
unflatten = _function("unflatten")
unbind = _function("unbind")


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """``(input.std(...), input.mean(...))`` over the same dims, as ``torch.std_mean``."""
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """``(input.var(...), input.mean(...))`` over the same dims, as ``torch.var_mean``."""
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)`` of ``input``'s values in ``bins`` equal bins over ``range`` (its
    min and max by default), as ``torch.histogram``; no gradient."""
    values = input.numpy().astype(np.float64).reshape(-1)
    low, high = range if range is not None else (values.min(), values.max()) if values.size else (0.0, 0.0)
    weights = None if weight is None else np.asarray(weight).astype(np.float64).reshape(-1)
    hist, edges = np.histogram(values, bins=bins, range=(low, high), weights=weights, density=density)
    return Tensor(hist.astype(input.dtype)), Tensor(edges.astype(input.dtype))
