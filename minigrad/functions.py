"""``mg.tanh(x)`` and friends, as in torch: Tensor methods as functions of the tensor."""

from .tensor import Tensor

__all__ = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sum", "mean", "var", "std", "max", "min",
           "argmax", "argmin", "logsumexp", "matmul", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
           "flatten", "pow", "std_mean", "var_mean", "cumsum", "cumprod", "prod", "logcumsumexp", "any", "all",
           "isclose", "allclose", "equal", "flip", "roll", "tril", "triu", "gather", "take_along_dim",
           "index_select", "masked_select", "repeat_interleave", "narrow", "split", "chunk", "movedim", "unflatten"]


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


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """``(input.std(...), input.mean(...))`` over the same dims, as ``torch.std_mean``."""
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """``(input.var(...), input.mean(...))`` over the same dims, as ``torch.var_mean``."""
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)
