"""minigrad: a micro autograd engine with a PyTorch-like Tensor on top of numpy."""

from . import functional, nn, optim, utils
from .creation import (arange, cat, empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace,
                       manual_seed, meshgrid, multinomial, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, stack, tensor, zeros, zeros_like)
from .compiler import CompiledStep, CompileError, Explanation, explain
from .compiler import compile  # noqa: A004 (torch.compile's name; not in __all__, see below)
from .debug import AnomalyError, Comparison, compare, compare_table, detect_anomaly, retain_grads
from .drawing import draw_graph, save_graph
from .devices import cuda, device
from .dtypes import (bool_, float16, float32, float64, get_default_dtype, int8, int16, int32, int64, set_default_dtype,
                     uint8)
from .functional import log_softmax, softmax
from .functions import *  # noqa: F401,F403  (the names of functions.__all__)
from .functions import __all__ as _function_names
from .gradcheck import GradcheckError, gradcheck
from .random import Generator, default_generator
from .serialization import SerializationError, load, save
from .size import Size
from .state import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor
from .tensor_reductions import ValuesIndices

__version__ = "0.1.0"

__all__ = [
    "functional", "nn", "optim", "utils",
    "Tensor", "ValuesIndices", "tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "arange",
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "multinomial", "manual_seed",
    "default_generator", "Generator", "cat", "stack", "empty", "empty_like", "eye", "full_like", "linspace",
    "logspace", "meshgrid", "from_numpy", "softmax", "log_softmax",
    "bool_", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "get_default_dtype",
    "set_default_dtype", "device", "cuda", "Size",
    *_function_names,
    "no_grad", "enable_grad", "is_grad_enabled", "inference_mode", "set_grad_enabled",
    "gradcheck", "GradcheckError", "save", "load", "SerializationError", "draw_graph", "save_graph",
    "AnomalyError", "Comparison", "compare", "compare_table", "detect_anomaly", "retain_grads",
    "explain", "Explanation", "CompiledStep", "CompileError",
]

# mg.compile is not in __all__ either: `from minigrad import *` must not hide the builtin compile.
# PyTorch's other names of the dtypes (torch.long, torch.float, ...). Not in
# __all__: `from minigrad import *` must not hide the builtins float, int and bool.
half, float, double, short, int, long, bool = float16, float32, float64, int16, int32, int64, bool_  # noqa: A001
