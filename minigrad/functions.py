"""``mg.tanh(x)`` and friends, as in torch: Tensor methods as functions of the tensor."""

from .tensor import Tensor

__all__ = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sum", "mean", "var", "std", "max", "min",
           "argmax", "argmin", "logsumexp", "matmul", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
           "flatten", "pow"]


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
