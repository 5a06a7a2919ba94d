"""``mg.compile(fn)``: a training step traced once and replayed as generated numpy code.

The first call with given guards runs ``fn`` eagerly under a ``Tracer`` (trace.py), which
has ``StepWriter`` (step_code.py) write the step's code; later calls whose guards match run
that code. The guards, checked on every call by one generated function (guards.py): the
inputs' types, shapes and dtypes (Tensors also requires_grad; other values by equality),
grad mode, and for the step traced, every leaf tensor's requires_grad, shape and dtype,
every module's train/eval mode and settings, that each module still holds the tensors the
code reads, the values the step's own code reads by name (globals, closure variables), and
(an update written into the code) that the parameters and the optimizer's state are still
views of their flat buffers, and the update has the same terms. A changed guard traces
again. The last call's trace is tried first; the others are found by the inputs' types,
shapes and dtypes. Values read at run time: the inputs' data, the parameters' arrays, and
whatever the optimizers read when their step() is called (learning rate, step counts, state).
"""

import copy
import inspect
import warnings

import numpy as np

from ..state import is_grad_enabled
from ..tensor import Tensor
from .attributes import LENGTH, roots_of, stored_tensors
from .guards import Guard, names_read, plain_container
from .step_code import CompileError, StepWriter
from .trace import Tracer

__all__ = ["compile", "CompiledStep"]

KEPT_TRACES = 8  # per signature of the inputs: one more, and compile warns
KEPT_SIGNATURES = 16  # the signatures kept (a Python value as an input is part of one): more, and compile warns


def _signature(value):
    if isinstance(value, Tensor):
        return Tensor, value.array.shape, value.array.dtype, value.requires_grad
    if isinstance(value, np.ndarray):
        return np.ndarray, value.shape, value.dtype
    return type(value), value


class _Trace:
    """One traced step: its code and its guard (guards.py), written for the inputs ``args``."""

    def __init__(self, source, function, writer, modules, args, reads):
        self.source, self.function = source, function
        guard = Guard()
        guard.inputs(args)
        guard.reads(*reads)
        for tensor in writer.leaves:
            guard.leaf(tensor)
        for module, training, settings in modules:
            guard.module(module, training, settings)
            for name, value in vars(module).items():  # an array it holds, which the code may hold too
                if isinstance(value, np.ndarray):
                    guard.slot(vars(module), name, value, same_array=False)
        leaves = {id(tensor) for tensor in writer.leaves}
        for module, name, tensor in writer.slots:  # a leaf's array is read as the step runs, a buffer's is bound
            bound = writer.names.known(tensor.array) is not None and id(tensor) not in leaves
            if id(tensor) in leaves or bound or writer.names.known(tensor) is not None:  # those the code reads
                guard.slot(module.__dict__, name, tensor, same_array=bound)
        for tensor in writer.bound:  # a tensor whose array the code holds (F.batch_norm's running statistics)
            guard.bound(tensor)
        for flat in writer.flat:
            flat.guards(guard)
        self.guard = guard.function(len(args))


class CompiledStep:
    """``fn`` compiled: call it as ``fn``. ``source`` is the code of the last call's step;
    ``traces`` counts how many times it was traced."""

    def __init__(self, fn):
        self.fn = fn
        self.traces = 0
        self.source = None
        self._cache = {}
        self._last = None  # the trace the last call ran, its guard checked first
        self._warned = False  # about a step traced again and again
        self._signature = inspect.signature(fn)
        self._names = list(self._signature.parameters)

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = self._positional(args, kwargs)
        last = self._last
        if last is not None and last.guard(*args):  # the step traced for the last call's guards
            return last.function(*args)
        key = (is_grad_enabled(),) + tuple(_signature(arg) for arg in args)
        try:
            traces = self._cache.get(key, ())
        except TypeError:  # an unhashable Python value as an input: traced every call
            traces, key = (), None
        for traced in traces:  # those of these inputs, under different modules' modes or parameters
            if traced.guard(*args):
                self.source, self._last = traced.source, traced
                return traced.function(*args)
        return self._trace(key, args)

    def _positional(self, args, kwargs):
        """The arguments of a call with keywords, all by position (``fn``'s defaults filled
        in), as the guards and the code take them."""
        bound = self._signature.bind(*args, **kwargs)
        if bound.kwargs:
            raise TypeError(f"compile: {getattr(self.fn, '__name__', 'the step')} takes {sorted(bound.kwargs)} "
                            f"only by keyword, which a compiled step does not support: make them positional")
        bound.apply_defaults()
        return bound.args

    def _trace(self, key, args):
        names = [self._names[i] if i < len(self._names) else f"input{i}" for i in range(len(args))]
        writer = StepWriter(list(zip(names, args)))
        tracer = Tracer(writer)
        reads = names_read(self.fn)
        before = [read.value() for read in reads]  # as the traced call finds them
        writer.held = {id(value.array if isinstance(value, Tensor) else value) for value in before}
        roots = roots_of(self.fn, args, before)
        stored = stored_tensors(roots, self.fn)
        before = [copy.deepcopy(value) if plain_container(value) else value for value in before]  # as they are now
        with tracer:
            result = self.fn(*args)
        _replay_attributes(writer, stored, stored_tensors(roots, self.fn))
        source, function = writer.function(result)
        traced = _Trace(source, function, writer, tracer.modules.values(), args, (reads, before))
        self.traces += 1
        self.source = source
        if key is not None and key not in self._cache and len(self._cache) >= KEPT_SIGNATURES:
            del self._cache[next(iter(self._cache))]  # the signature traced first goes
        kept = self._cache.setdefault(key, []) if key is not None else []
        kept.insert(0, traced)
        self._last = traced if key is not None else None
        again = len(kept) > KEPT_TRACES or self.traces > KEPT_SIGNATURES
        del kept[KEPT_TRACES:]  # the oldest goes: a guard that fails on every call must not grow the cache
        if again and not self._warned:
            self._warned = True
            warnings.warn(f"compile: {getattr(self.fn, '__name__', 'the step')} was traced {self.traces} times: "
                          f"something its guards check changes from call to call (a Python number it reads or "
                          f"takes as an input, a module's setting, a parameter's array), and each trace costs an "
                          f"eager step and more. Make a changing number a tensor input or an optimizer's setting",
                          RuntimeWarning, stacklevel=3)
        return result


def _replay_attributes(writer, before, after):
    """The tensors the step stored in objects it reaches (attributes.py; ``before`` and
    ``after`` the traced call): each stored again by every call, a copy of its values in a
    new tensor (an input, the call's); refused if it replaced a tensor the code reads, if
    the code cannot make it, or if the step appended to a list."""
    leaves = {id(tensor) for tensor in writer.leaves}
    for key, (holder, name, value) in after.items():
        old = before.get(key, (None, None, None))[2]
        if old is value or name is LENGTH and old == value:
            continue
        if name is LENGTH or isinstance(value, tuple):
            what = "appends to a list" if name is LENGTH else f"stores a tuple of tensors as {name!r}"
            raise CompileError(f"compile: the step {what}: a compiled step does not run Python's own work, and would "
                               f"keep the traced call's. Store each tensor as an attribute of its own, or do it "
                               f"outside the step")
        if id(old) in leaves:
            raise CompileError(
                f"compile: the step replaces the tensor held as {name!r}, which it reads ({name} = ..., as the "
                f"lecture's BatchNorm1d updates its running statistics): a compiled step does not make Python's "
                f"assignments, and would go on reading the tensor it replaced. Keep the step eager, or use "
                f"mg.nn.BatchNorm1d, whose running statistics the compiled code updates")
        writer.lines.append(f"{writer.names.bind(holder, 'holder')}[{name!r}] = {_stored(writer, value, name)}"
                            f"  # stored again")


def _stored(writer, tensor, name):
    """The code of a tensor the step stores: an input, or a copy of an array the code makes."""
    known = writer.names.known(tensor)
    if known is not None and f"{known}_t" in writer.inputs:
        return f"{known}_t"
    array = writer.names.known(tensor.array) if writer.inside(tensor) else None
    if array is None:
        raise CompileError(f"compile: the step stores as {name!r} a tensor of shape {tensor.shape} that its code "
                           f"does not make (one made outside the recorded ops, or before the step): store an op's "
                           f"result, or store it outside the step")
    return f"leaf({array}.copy())"


def compile(fn):
    """``fn``, a training step (forward, ``loss.backward()``, an optimizer's ``step()`` and
    ``zero_grad()``, returning the loss), traced on its first call and replayed as one
    straight-line numpy function afterwards (see CompiledStep)."""
    return CompiledStep(fn)
