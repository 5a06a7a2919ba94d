"""``mg.compile(fn)``: a training step traced once and replayed as generated numpy code.

The first call with given guards runs ``fn`` eagerly under a ``Tracer`` (trace.py), which
has ``StepWriter`` (step_code.py) write the step's code; later calls whose guards match run
that code. The guards, checked on every call: the inputs' types, shapes and dtypes (Tensors
also requires_grad; other values by equality), grad mode, and for the step traced, every
leaf tensor's shape and dtype, every module's train/eval mode, that each module still
holds the parameters and buffers it held, and (an update written into the code) that the
parameters and the optimizer's state are still views of their flat buffers, and the update
has the same terms. A changed guard traces again. Values
read at run time: the inputs' data, the parameters' arrays, and whatever the optimizers
read when their step() is called (learning rate, step counts, state).
"""

import inspect

import numpy as np

from ..state import is_grad_enabled
from ..tensor import Tensor
from .step_code import StepWriter
from .trace import Tracer

__all__ = ["compile", "CompiledStep"]


def _signature(value):
    if isinstance(value, Tensor):
        return Tensor, value.array.shape, value.array.dtype, value.requires_grad
    if isinstance(value, np.ndarray):
        return np.ndarray, value.shape, value.dtype
    return type(value), value


class _Trace:
    """One traced step: its code and the guards it was traced under."""

    def __init__(self, source, function, writer, modules):
        self.source, self.function = source, function
        self.leaves = [(tensor, tensor.array.shape, tensor.array.dtype) for tensor in writer.leaves]
        self.modules = list(modules)
        self.slots = [(module.__dict__, name, tensor) for module, name, tensor in writer.slots]
        self.flat = writer.flat

    def valid(self):
        """The guards of the step traced: each leaf's shape and dtype, each module's mode, and
        the parameters and buffers of each module still the tensors the step reads."""
        for tensor, shape, dtype in self.leaves:
            if tensor.array.shape != shape or tensor.array.dtype != dtype:
                return False
        for module, training in self.modules:
            if module.training != training:
                return False
        for attributes, name, tensor in self.slots:
            if attributes.get(name) is not tensor:
                return False
        return all(flat.valid() for flat in self.flat)


class CompiledStep:
    """``fn`` compiled: call it as ``fn``. ``source`` is the code of the last call's step;
    ``traces`` counts how many times it was traced."""

    def __init__(self, fn):
        self.fn = fn
        self.traces = 0
        self.source = None
        self._cache = {}
        parameters = list(inspect.signature(fn).parameters)
        self._names = parameters if parameters else []

    def __call__(self, *args):
        key = (is_grad_enabled(),) + tuple(_signature(arg) for arg in args)
        try:
            traces = self._cache.get(key, ())
        except TypeError:  # an unhashable Python value as an input: traced every call
            traces, key = (), None
        for traced in traces:  # those of these inputs, under different modules' modes or parameters
            if traced.valid():
                self.source = traced.source
                return traced.function(*args)
        return self._trace(key, args)

    def _trace(self, key, args):
        names = [self._names[i] if i < len(self._names) else f"input{i}" for i in range(len(args))]
        writer = StepWriter(list(zip(names, args)))
        tracer = Tracer(writer)
        with tracer:
            result = self.fn(*args)
        source, function = writer.function(result)
        traced = _Trace(source, function, writer, tracer.modules.values())
        self.traces += 1
        self.source = source
        if key is not None:
            self._cache.setdefault(key, []).insert(0, traced)
        return result


def compile(fn):
    """``fn``, a training step (forward, ``loss.backward()``, an optimizer's ``step()`` and
    ``zero_grad()``, returning the loss), traced on its first call and replayed as one
    straight-line numpy function afterwards (see CompiledStep)."""
    return CompiledStep(fn)
