"""minigrad: a micro autograd engine with a PyTorch-like Tensor on top of numpy."""

from . import functional, nn, optim
from .autograd import enable_grad, is_grad_enabled, no_grad
from .creation import (arange, cat, default_generator, full, manual_seed, multinomial, ones,
                       ones_like, rand, randint, randn, stack, tensor, zeros, zeros_like)
from .debug import AnomalyError, Comparison, compare, compare_table, detect_anomaly, retain_grads
from .drawing import draw_graph, save_graph
from .gradcheck import GradcheckError, gradcheck
from .serialization import SerializationError, load, save
from .tensor import (Tensor, ValuesIndices, bool_, float16, float32, float64, get_default_dtype,
                     int32, int64, set_default_dtype, uint8)

__version__ = "0.1.0"


def _method_as_function(name):
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        return method(input, *args, **kwargs)

    function.__name__ = name
    function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


# `mg.tanh(x)` and friends, as in torch: the Tensor methods as functions
for _name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sum", "mean", "var", "std",
              "max", "min", "argmax", "argmin", "logsumexp", "matmul", "reshape", "transpose",
              "permute", "unsqueeze", "squeeze", "flatten", "pow"):
    globals()[_name] = _method_as_function(_name)
del _name
