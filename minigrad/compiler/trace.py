"""Tracing a training step for ``mg.compile``: the step runs once, eagerly, while a
``Tracer`` is this thread's mode. Every op's output reaches it as a watcher (as the
debugging modes see them); what no op records tells it through ``state.tracer()``:
``backward()`` (before it runs, while the graph is whole), an optimizer's ``step``, a
reset of gradients (``zero_grad`` of an optimizer or a module, ``p.grad = None``), a module call (its train/eval mode), a random draw, an in-place write and a
read of a tensor's value. Each is handed to the ``StepWriter`` that writes the step's code,
or refused with a ``CompileError`` naming the line of ``fn`` and saying how to move it out.
"""

import functools

import numpy as np

from ..state import Mode
from ..tensor import Tensor
from .guards import module_settings
from .settings import arrays_in
from .step_code import CompileError, where

__all__ = ["Tracer"]


class Tracer(Mode):
    """The mode that records one run of a step into ``writer`` (a StepWriter)."""

    def __init__(self, writer):
        self.writer = writer
        self.modules = {}  # id -> (module, its training flag and its settings when called)
        self.optimizers = {}  # id -> optimizer called in the step
        self.backward_seen = False
        self.replaying = False  # inside random() or derived(): what the compiled step makes again itself
        self.recorded_writes = set()  # ids of the tensors whose in-place writes were recorded as ops

    def _changes(self, modes):
        return {"watchers": modes.watchers + (self.writer.forward,), "tracer": self}

    def read(self, tensor, how):
        if self.writer.inside(tensor):
            raise CompileError(
                f"compile: the step reads the value of a tensor it makes ({how} at {where()}). A compiled step "
                f"replays the ops with new values each call, so a value read while tracing would be stale: "
                f"return the tensor from the step and read it after the call (loss = step(Xb, Yb); loss.item()), "
                f"and keep Python control flow on values (if loss.item() > 3:) outside the step")

    def backward(self, root, gradient, retain_graph):
        if self.backward_seen:
            raise CompileError(f"compile: the step calls backward() twice ({where()}); a compiled step captures "
                               f"one backward: sum the losses and call backward() once")
        if gradient is not None:
            raise CompileError(f"compile: backward(gradient) is not captured yet ({where()}); call backward() "
                               f"on a one-element loss")
        self.backward_seen = True
        self.writer.backward(root)

    def call(self, obj, method, *args):
        self.optimizers[id(obj)] = obj
        self.writer.call(obj, method, args)

    def reset(self, owner, params, set_to_none):
        """``zero_grad`` of an optimizer or a module (``owner``), or ``p.grad = None`` (None)."""
        if owner is not None and hasattr(owner, "param_groups"):
            self.optimizers[id(owner)] = owner
        self.writer.reset(owner, params, set_to_none)

    def records_write(self, tensor):
        """True for an in-place write the step must record as an op to replay it (the index
        assignment or arithmetic then makes a new result, as on a tensor in the graph): into a
        tensor an op of the step made (the makemore repository's ``idx[:, 0] = blank`` after a
        roll), outside the graph, owning its memory, which no other tensor of the step shares
        (a view would not see the new values)."""
        if not self.writer.made(tensor) or tensor.array.base is not None:
            return False  # refused: a view, one made outside the ops (in the graph: no op the step can replay)
        array = tensor.array  # an earlier recorded write's result is this tensor: it has its very array
        if any(setting is array for kept in self.writer.kept for setting in arrays_in(kept.op_params or {})):
            raise CompileError(f"compile: the step writes in place into a tensor of shape {tensor.shape} that an op "
                               f"of the step took as its index or mask ({where()}): eager mode's op would see the "
                               f"new values, the compiled one the old; write it out of place")
        if any(kept.array is not array and np.may_share_memory(kept.array, array) for kept in self.writer.kept):
            raise CompileError(f"compile: the step writes in place into a tensor of shape {tensor.shape} that shares "
                               f"its memory with another tensor of the step ({where()}): the compiled step would not "
                               f"write into both; write it out of place (y = y + v, torch.where)")
        self.recorded_writes.add(id(tensor))
        self.writer.names.settle(tensor)  # named by the op that made it, before the write changes its op
        return True

    def holds(self, *tensors):
        """Tensors whose arrays an op takes as settings and updates (running statistics): a
        guard checks that each still has that array."""
        self.writer.bound += tensors

    def grad_set(self, tensor, value):
        if value is not None:
            raise CompileError(f"compile: the step sets a tensor's .grad to a value ({where()}), which a compiled "
                               f"step does not replay: set it to None (or call zero_grad()), or set it outside "
                               f"the step")
        self.reset(None, [tensor], True)

    def replaced(self, tensor):
        raise CompileError(f"compile: the step replaces a tensor's data ({where()}: .data = ...), which a compiled "
                           f"step does not replay: replace it outside the step (the step's guards then trace it "
                           f"again), or write an op's result out of place")

    def module(self, module):
        if id(module) not in self.modules:  # its mode and settings as the step found them
            self.modules[id(module)] = (module, module.training, module_settings(module))
            self.writer.module(module)

    def random(self, make, *args, name="mask"):
        """``make(*args)``, an array of random numbers (a Dropout's ``mask``, a ``randn``), which
        the compiled step makes again each call, from the same generator's stream as eager mode."""
        array = self._replayed(make, *args)
        self.writer.random(array, functools.partial(make, *args), name)
        return array

    def derived(self, make, *args):
        """``make`` of ``args`` (a tensor's array in its place), a constant computed from values
        (log_softmax's shift, a comparison's mask), which the compiled step computes again each
        call from the same tensors."""
        array = self._replayed(make, *[arg.array if isinstance(arg, Tensor) else arg for arg in args])
        self.writer.derived(array, make, args)
        return array

    def checked(self, array, check):
        """``check(array)``, which F.cross_entropy made of its targets (``array``): the compiled
        step calls it on each call's targets before the op that takes them (fused.py)."""
        self.writer.checked(array, check)

    def _replayed(self, make, *args):
        """``make(*args)``, whose draws and values the compiled step makes again: not traced apart."""
        self.replaying = True
        try:
            return make(*args)
        finally:
            self.replaying = False

    def written(self, nodes):
        optimized = {id(p) for opt in self.optimizers.values() for group in opt.param_groups for p in group["params"]}
        for node in nodes:
            if id(node) in self.recorded_writes:  # the tensor is the write's result from here on
                self.writer.rewritten(node)
        if not all(id(node) in optimized or id(node) in self.recorded_writes for node in nodes):
            raise CompileError(f"compile: the step changes a tensor in place ({where()}), which a compiled step "
                               f"cannot replay: write it out of place (y = y + v), or update parameters with "
                               f"an optimizer's step()")
