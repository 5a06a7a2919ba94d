"""Layers as in ``torch.nn``: a Module finds its parameters, buffers and submodules
among its attributes, by itself."""

import math
from collections import OrderedDict
from threading import get_ident

import numpy as np

from .. import functional as F
from ..random import draw
from ..devices import check_device
from ..dtypes import float16, float32, float64, get_default_dtype
from ..engine import mark_written, ops
from ..state import current_modes, own_modes
from ..tensor import Tensor
from ..tensor_device import to_arguments as _to_arguments
from ..tensor_inplace import reset_gradients

__all__ = ["Parameter", "Module", "Linear", "Embedding", "Flatten", "Identity", "Dropout"]


class Parameter(Tensor):
    """A tensor that is a module's parameter: a leaf that requires grad by default."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, label=None):
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad=requires_grad, label=label)


class Module:
    """Base class of layers and models: subclasses set Parameters, buffers (via
    ``register_buffer``) and submodules as attributes and define ``forward``."""

    training = True
    _module_name = None

    def __setattr__(self, name, value):
        if isinstance(value, Module) and value._module_name is None:
            object.__setattr__(value, "_module_name", name)
            # the name ops made inside its calls carry, for the drawing's clusters
            object.__setattr__(value, "_scope_label", f"{name}: {type(value).__name__}")
        if isinstance(value, Parameter) and value.label is None:
            value.label = name
        object.__setattr__(self, name, value)

    def add_module(self, name, module):
        """Set ``module`` (a Module, or None) as the submodule ``name``, with torch's
        checks: a string without ".", not empty, and not an attribute of another kind."""
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if not (module is None or isinstance(module, Module)):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if not name:
            raise KeyError('module name can\'t be empty string ""')
        if hasattr(self, name) and not isinstance(self.__dict__.get(name), Module):
            raise KeyError(f"attribute '{name}' already exists")
        setattr(self, name, module)

    def register_buffer(self, name, tensor):
        """Keep ``tensor`` as state that is saved and loaded but not trained (as
        BatchNorm's running statistics)."""
        buffers = self.__dict__.setdefault("_buffer_names", [])
        if name not in buffers:
            buffers.append(name)
        setattr(self, name, tensor)

    def forward(self, *args, **kwargs):
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward()")

    def __call__(self, *args, **kwargs):
        # the ops made inside carry this module's name, so a drawing can group them
        modes = current_modes()
        if modes.thread != get_ident():  # not yet this thread's own: own_modes() makes them so, once
            modes = own_modes()
        if modes.tracer is not None:  # mg.compile is tracing: the step depends on this module's mode
            modes.tracer.module(self)
        outer = modes.scope
        modes.scope = outer + (self.__dict__.get("_scope_label") or type(self).__name__,)
        try:
            return self.forward(*args, **kwargs) if kwargs else self.forward(*args)
        finally:
            modes.scope = outer

    def named_children(self):
        """(name, module) for each direct submodule, in the order they were set."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        """The direct submodules."""
        return (module for _, module in self.named_children())

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every submodule, depth first."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, sub) for child, sub in module.named_children()]
            stack.extend(reversed(children))

    def modules(self):
        """This module and every submodule."""
        return (module for _, module in self.named_modules())

    def _named_tensors(self, wanted):
        seen = set()
        for prefix, module in self.named_modules():
            for name, value in vars(module).items():
                if wanted(module, name, value) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self):
        """(dotted name, Parameter) for every parameter, each once."""
        return self._named_tensors(lambda module, name, value: isinstance(value, Parameter))

    def parameters(self):
        """Every parameter, each once."""
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        """(dotted name, tensor) for every buffer."""
        return self._named_tensors(lambda module, name, value: name in module.__dict__.get("_buffer_names", ()))

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule, children first, then on this module (as
        PyTorch, for initialising weights: ``model.apply(init_weights)``); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, non_blocking=False, **kwargs):
        """Convert the floating parameters and buffers, in place, to ``dtype`` (a device can
        only be the CPU): ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``,
        as ``Tensor.to`` takes them; returns self."""
        where, dtype = _to_arguments(args, kwargs)
        if kwargs:
            raise TypeError(f"Module.to: unexpected keyword arguments {sorted(kwargs)}")
        check_device(where, "Module.to")
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
            self._convert(dtype)
        return self

    def _convert(self, dtype):
        """Every floating parameter, gradient and buffer as ``dtype``, in place."""
        for _, tensor in self._state():
            if tensor.array.dtype.kind == "f" and tensor.array.dtype != dtype:
                tensor.array = tensor.array.astype(dtype)
                if tensor.grad is not None:
                    tensor.grad = tensor.grad.to(dtype)
                mark_written(tensor)

    def cpu(self):
        """Self: the parameters are on the CPU already."""
        return self

    def cuda(self, device=None):
        """Refused: minigrad has no CUDA device."""
        check_device("cuda", "Module.cuda")

    def float(self):
        """Floating parameters and buffers as float32, in place; returns self."""
        return self.to(float32)

    def double(self):
        """Floating parameters and buffers as float64, in place; returns self."""
        return self.to(float64)

    def half(self):
        """Floating parameters and buffers as float16, in place; returns self."""
        return self.to(float16)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None, or to zeros in place)."""
        reset_gradients(self.parameters(), set_to_none, self)

    def train(self, mode=True):
        """Set training mode (batch statistics in BatchNorm) here, then in each submodule
        through its own ``train`` (as PyTorch, so an override sees the call); returns self.
        A plain loop over the attributes: the lecture's estimate_loss switches the whole
        model twice per evaluation (docs/performance.md, "Module.train")."""
        object.__setattr__(self, "training", mode)
        for value in self.__dict__.values():
            if isinstance(value, Module):
                value.train(mode)
        return self

    def eval(self):
        """Set evaluation mode (running statistics in BatchNorm); returns self."""
        return self.train(False)

    def _state(self):
        """(dotted name, tensor) of every parameter and buffer in PyTorch's order: module by
        module, each one's parameters, then its buffers."""
        for prefix, module in self.named_modules():
            buffers = module.__dict__.get("_buffer_names", ())
            own = [(name, value) for name, value in vars(module).items() if isinstance(value, Parameter)]
            own += [(name, getattr(module, name)) for name in buffers]
            yield from (((f"{prefix}.{name}" if prefix else name), value) for name, value in own)

    def state_dict(self):
        """Parameters and buffers by dotted name, as tensors sharing this module's data, with
        PyTorch's names, order and layouts: ``torch_model.load_state_dict({k:
        torch.from_numpy(v.numpy()) ...})`` takes it for the same architecture."""
        return OrderedDict((name, Tensor(value.array)) for name, value in self._state())

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (tensors, arrays, or PyTorch's tensors) into the parameters and buffers
        of the same names; with ``strict``, names must match exactly. Shapes must always match."""
        own = OrderedDict(self._state())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = np.asarray(state_dict[name].array if isinstance(state_dict[name], Tensor) else state_dict[name])
            if value.shape != target.shape:
                raise ValueError(f"load_state_dict: {name} has shape {value.shape} in the state dict "
                                 f"but {target.shape} in the model")
            target.array[...] = value
            mark_written(target)
        return self

    def __repr__(self):
        children = [f"  ({name}): " + repr(module).replace("\n", "\n  ") for name, module in self.named_children()]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"

    def extra_repr(self):
        """The arguments shown in this module's repr."""
        return ""


def _uniform(shape, bound, generator, dtype):
    return draw("uniform", "Linear", generator, shape, np.dtype(dtype or get_default_dtype()), -bound, bound)


class Linear(Module):
    """``x @ weight.T + bias``; weight (out_features, in_features), both initialised
    uniformly in +-1/sqrt(in_features) as in PyTorch."""

    def __init__(self, in_features, out_features, bias=True, generator=None, dtype=None):
        self.in_features, self.out_features = in_features, out_features
        # torch's bounds, computed its way so that float64 weights match too: kaiming_uniform_
        # with a = sqrt(5) for the weight, 1/sqrt(fan_in) for the bias
        weight_bound = math.sqrt(3.0) * (math.sqrt(2.0 / 6) / math.sqrt(in_features)) if in_features else 0.0
        bias_bound = 1 / math.sqrt(in_features) if in_features else 0.0
        self.weight = Parameter(_uniform((out_features, in_features), weight_bound, generator, dtype))
        self.bias = Parameter(_uniform((out_features,), bias_bound, generator, dtype)) if bias else None

    def forward(self, x):
        """``x @ weight.T + bias`` for ``x`` of shape (..., in_features)."""
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        """The sizes and whether there is a bias."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by
    index (``weight[indices]``); initialised from the standard normal as in PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, generator=None, dtype=None):
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        dtype = np.dtype(dtype or get_default_dtype())
        # a numpy generator draws float64 normals, as Embedding always has: the same seed keeps its numbers
        drawn = np.float64 if isinstance(generator, np.random.Generator) else dtype
        self.weight = Parameter(draw("normal", "Embedding", generator, (num_embeddings, embedding_dim), drawn).astype(dtype))

    def forward(self, indices):
        """The rows of ``weight`` picked by the integer ``indices`` (a Tensor or array)."""
        data = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
        if data.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got {data.dtype}")
        if data.dtype.kind == "u":
            data = data.astype(np.int64)  # those past int64's range turn negative, and are caught below
        # numpy's indexing counts a negative index from the end: check for them; it raises for one past the end
        if data.size and data.min() < 0:
            raise self._out_of_range(data)
        try:
            return ops.getitem(self.weight, index=data)  # weight[data], without re-checking the index
        except IndexError:
            raise self._out_of_range(data) from None

    def _out_of_range(self, data):
        return IndexError(f"Embedding: index out of range: indices of shape {data.shape} must lie in "
                          f"[0, {self.num_embeddings - 1}] for a table of {self.num_embeddings} rows")

    def extra_repr(self):
        """The table's size."""
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` (by default all but the batch's)."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        """``x.flatten(start_dim, end_dim)``."""
        return x.flatten(self.start_dim, self.end_dim)



class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        pass

    def forward(self, x):
        """``x`` itself."""
        return x


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by
    1/(1 - p); in evaluation, the identity. The mask is ``rand < 1 - p`` drawn in
    float64 from ``generator`` (as ``mg.rand`` takes it), the draw PyTorch makes.
    ``inplace`` is accepted; the result is always a new tensor."""

    def __init__(self, p=0.5, inplace=False, generator=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, x):
        """``x`` times the scaled random mask in training, ``x`` in evaluation."""
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0.0
        recorder = current_modes().tracer
        if recorder is None:
            return x * Tensor(self.draw_mask(x.array.shape, x.array.dtype))
        # mg.compile is tracing: the compiled step draws a new mask from the same stream each call
        return x * Tensor(recorder.random(self.draw_mask, x.array.shape, x.array.dtype))

    def draw_mask(self, shape, dtype):
        """A new mask of ``shape``: 1/(1 - p) where an element is kept, 0 where it is dropped."""
        keep = draw("bernoulli", "Dropout", self.generator, 1 - self.p, shape)
        return np.where(keep, dtype.type(1 / (1 - self.p)), dtype.type(0))

    def extra_repr(self):
        """The probability and ``inplace``."""
        return f"p={self.p}, inplace={self.inplace}"
