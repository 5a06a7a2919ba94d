"""The code of a compiled step, written while the step is traced (trace.py): one function
of the step's inputs, straight-line numpy, that does what the traced run did.

- the inputs' arrays, then each leaf tensor's array read at run time (``C = C_t.array``:
  a parameter that an optimizer or ``.data`` replaced is seen), settings that are arrays
  bound to the same objects (a BatchNorm's running statistics, updated in place);
- each op's forward, in the order it ran: its template's expression, or its rule called
  (keeping the rule's gradient functions for the backward), with a note;
- the backward of the one ``backward()`` (backward_code.py), each parameter's gradient
  added into its ``.grad`` as backward.py does (``store_grad``);
- the calls no op records, made on the very objects (``optimizer1.step()``, which reads the
  learning rate and its state when it runs), and a module's own updates (BatchNorm's count).
"""

import math

import numpy as np

from .. import rules
from ..debug import _describe_origin, _user_frame
from ..engine import leaf, mark_written, reduce_to_shape
from ..nn import BatchNorm1d
from ..rules.helpers import power, row_max, scatter_rows, stable_sigmoid, warnings_back, warnings_off
from ..rules.linear_helpers import linear_backward_weight, linear_product
from ..rules.normalization import last_dim_sum, softmax_backward, softmax_exp
from ..tensor import Tensor
from .backward_code import BackwardWriter, graph_order
from .buffered import Buffers, into_fields
from .fused import into_entry
from .patterns import find_chunks
from .naming import Names
from .templates import TEMPLATES
from .updates import FlatUpdate, count_step
from .settings import UNSEEN, UNSEEN_ADVICE, arrays_of, problem
from .views import views_made_once

__all__ = ["CompileError", "StepWriter", "store_grad", "where"]


def store_grad(tensor, grad, stored, kept=False):
    """Add ``grad`` into ``tensor.grad`` as backward.py's ``store`` does: the first gradient is
    kept as it is unless it is a view, an array already stored (``stored``, by id) or one the
    step keeps (``kept``: its buffer, written again by the next call), so that ``.grad`` owns
    its memory; later ones are added in place."""
    if grad.dtype != tensor.array.dtype:
        grad = grad.astype(tensor.array.dtype)
    if tensor._grad is not None:
        if id(tensor._grad) in stored:
            tensor._grad = tensor._grad + grad
        else:
            tensor._grad += grad
        return
    if kept or type(grad) is not np.ndarray or grad.base is not None or id(grad) in stored:
        grad = np.array(grad)
    stored[id(grad)] = grad
    tensor._grad = grad


# what the code of every step can call
_NAMESPACE = {"np": np, "rules": rules, "reduce_to_shape": reduce_to_shape, "leaf": leaf, "store_grad": store_grad,
              "scatter_rows": scatter_rows, "warnings_off": warnings_off, "warnings_back": warnings_back,
              "mark_written": mark_written, "softmax_exp": softmax_exp, "last_dim_sum": last_dim_sum,
              "softmax_backward": softmax_backward, "linear_product": linear_product,
              "linear_backward_weight": linear_backward_weight, "row_max": row_max, "count_step": count_step,
              "isfinite": math.isfinite, "stable_sigmoid": stable_sigmoid, "power": power}


class CompileError(RuntimeError):
    """What ``mg.compile`` cannot capture in a step, raised while it traces the step."""


def where():
    """The line of the step being traced that is running: "file:line in function: code"."""
    return _describe_origin(_user_frame()) or "an unknown place"


class StepWriter:
    """Writes a step's code from what its trace sees; ``source`` and ``function`` at the end."""

    def __init__(self, arguments):
        """``arguments``: (name, value) of the step's inputs, as it is called."""
        self.names = Names()
        self.inputs, self.leaves, self.made_ids, self.kept = [], [], set(), []
        self.lines, self.rule_calls = [], {}
        self.hints = {}  # id of a parameter -> its name in the first module called (embedding_weight)
        self.slots = []  # (module, attribute, tensor) of every module called
        self.bound = []  # tensors whose arrays the code holds as settings (F.batch_norm's running statistics)
        self.held = set()  # ids of the arrays that the step reads by name (a guard checks they stay)
        self.called = []  # the modules called, whose arrays a guard checks they hold
        self.zeroed, self.backward_done, self.stored, self.store_lines = {}, False, [], {}
        self.flat, self.late = [], {}  # FlatUpdate updates; names bound to what they make when the trace ends
        self.buffers = Buffers(self.names)  # the arrays the ops write into, allocated once (buffered.py)
        self.fused = set()  # ids of the ops with no template written by their buffered form (fused.py)
        self.checks = {}  # id of an op's array setting -> (the array, the name of the check of its values each call)
        self.start = leaf(np.empty(0))._seq  # tensors numbered after it were made in the step
        for name, value in arguments:
            self._input(name, value)

    def _input(self, name, value):
        array = value.array if isinstance(value, Tensor) else value
        if isinstance(value, Tensor):
            name = self.names.bind(value, name)
            self.inputs.append(f"{name}_t")
            self.lines.append(f"{name} = {name}_t.array")
        elif isinstance(value, np.ndarray):
            name = self.names.bind(value, name)
            self.inputs.append(name)
        else:
            self.inputs.append(f"_{name}")  # a Python value: the guard keeps it equal, the code uses it as traced
            return
        self.names.alias(array, name)

    def made(self, tensor):
        """True for a tensor an op of the step made."""
        return id(tensor) in self.made_ids

    def inside(self, tensor):
        """True for a tensor the step made, by an op or otherwise (a comparison's result)."""
        return id(tensor) in self.made_ids or tensor._seq > self.start

    def _operand(self, value):
        """The code of an op's input: a name; a leaf made before the step is read at run time,
        one that shares an op's result (``detach()``) is called by the result's name."""
        if isinstance(value, Tensor) and not self.made(value) and self.names.known(value) is None:
            shared = self.names.known(value.array)
            if shared is not None:
                self.names.alias(value, shared)
                if not value.is_leaf:  # an in-place write's old value (tensor_inplace's _rebase): the step's
                    self.made_ids.add(id(value))
                    self.kept.append(value)
            elif any(value.array is node._grad for node in self.stored):
                raise CompileError(
                    f"compile: an op of the step ({where()}) reads a gradient (.grad) that the step's backward made, "
                    f"which a compiled step's ops cannot read: update the parameters with an optimizer "
                    f"(optimizer = mg.optim.SGD(parameters, lr=0.1); optimizer.zero_grad(), loss.backward(), "
                    f"optimizer.step() in the step), or read .grad after the call")
            elif self.inside(value):
                raise CompileError(
                    f"compile: an op of the step ({where()}) takes a tensor of shape {value.shape} that the step "
                    f"made outside the ops compile records (mg.tensor() of values, a tensor of a numpy "
                    f"array computed in the step): its values would be the traced call's on every call. Make it outside "
                    f"the step and pass it in")
            else:
                hint = self.hints.get(id(value))
                name = self.names.of(value) if hint is None else self.names.bind(value, hint)
                self.leaves.append(value)
                self.lines.append(f"{name} = {name}_t.array")
        return self.names.code(value)

    def forward(self, out):
        """An op's output, as the op wrapper hands it to a watcher."""
        for value in out.inputs:
            self._operand(value)
        self._settings(out)
        self.made_ids.add(id(out))
        self.kept.append(out)  # held, so that no other tensor takes its id while tracing
        writer = BackwardWriter(self.names, [])
        writer.fast = True
        self.names.later(out)
        writer.checks = self.checks
        fields = writer.fields(out)
        self.names.alias(out.array, fields["result"])
        template = TEMPLATES.get(out.op)
        templated = template is not None and (template.applies is None or template.applies(fields))
        into = self._into(out, fields) if templated or template is None else None
        if into is not None:
            self.lines.append(into)
            self.fused.update(() if templated else (id(out),))
        elif templated:
            self.lines.append(template.statements(fields))
        elif out.requires_grad:
            grad_fns = f"grad_fns_{fields['result']}"
            self.rule_calls[id(out)] = grad_fns
            self.lines.append(f"{fields['result']}, {grad_fns} = {writer.rule_call(out, fields)}  # no template")
        else:
            self.lines.append(f"{fields['result']} = {writer.rule_call(out, fields)}[0]  # no template")

    def _into(self, out, fields):
        """The op's statements writing its result into a buffer of its own (buffered.py, fused.py),
        and what its gradients read into others, or None."""
        entry, dtype = into_entry(out.op), out.array.dtype
        if entry is None or (entry.applies is not None and not entry.applies(fields)) or any(
                isinstance(value, Tensor) and value.array.dtype not in (dtype, np.bool_) for value in out.inputs):
            return None
        code = entry.code(None, into_fields(fields, fields["result"]))
        if code is None:
            return None
        self.buffers.add(fields["result"], out.array.shape, dtype)
        self.buffers.keep(fields["result"], entry.saves(fields) if entry.saves else {}, dtype)
        return code

    def backward(self, root):
        """The backward of ``root``'s graph, and each parameter's gradient into its ``.grad``."""
        if not self.made(root):
            raise CompileError("compile: the step calls backward() on a tensor it did not make")
        # latest made first, as backward.py's heap takes them: gradients add up in eager mode's order
        order = sorted(graph_order(root), key=lambda tensor: tensor._seq)
        outside = [node for node in order if not node.is_leaf and not self.made(node)]
        if outside:
            raise CompileError(f"compile: the step's loss depends on a {outside[0].op} made by ops outside the "
                               f"step; make it inside the step, or detach() it")
        _refuse_gradient_watchers(order)
        writer = BackwardWriter(self.names, order)
        writer.rule_calls, writer.fast, writer.buffers, writer.fused = self.rule_calls, True, self.buffers, self.fused
        writer.checks = self.checks
        writer.take_chunks(find_chunks(order))
        writer.lines.append(f"# backward of {self.names.of(root)}: {self.names.grad(root)}, ones, made once")
        self.late[self.names.grad(root)] = lambda: np.ones(root.array.shape, root.array.dtype)
        for node in reversed(order):
            if not node.is_leaf:
                writer.write(node)
        writer.lines.append("stored = {}")
        self.lines += writer.lines
        for node in order:
            if node.is_leaf:
                self._operand(node)
                self.stored.append(node)
                self.store_lines[id(node)] = len(self.lines)
                self.lines.append(f"store_grad({self.names.of(node)}_t, {self.names.grad(node)}, stored, "
                                  f"{self.buffers.has(self.names.grad(node))})")
        self.backward_done = True

    def call(self, obj, method, args):
        """A call no op records, made on the same object in the compiled step; an SGD, Adam or
        AdamW step whose parameters' gradients were reset to None before backward() written as
        an update of flat buffers."""
        name = self.names.known(obj) or self.names.bind(obj, "optimizer")
        if method == "step" and self.backward_done and FlatUpdate.applies(obj, self.stored) and all(
                id(p) in self.zeroed for group in obj.param_groups for p in group["params"]):
            return self.flat_step(obj, name)
        self.lines.append(f"{name}.{method}({', '.join(repr(a) for a in args)})")

    def reset(self, owner, params, set_to_none):
        """Gradients reset: ``owner.zero_grad(set_to_none)`` (an optimizer's or a module's), or
        ``p.grad = None`` (``owner`` None), made again at this point of each call."""
        if owner is None:
            self._operand(params[0])
            self.lines.append(f"{self.names.of(params[0])}_t.grad = None")
        else:
            name = self.names.known(owner) or self.names.bind(owner, "optimizer" if hasattr(owner, "param_groups")
                                                             else "model")
            self.lines.append(f"{name}.zero_grad({set_to_none!r})")
        if set_to_none and not self.backward_done:  # the backward's gradients are then .grad's first
            self.zeroed.update({id(p): len(self.lines) - 1 for p in params})

    def flat_step(self, optimizer, name):
        """Each gradient into its view of the gradients' buffer (and .grad), then the update."""
        flat = FlatUpdate(optimizer, len(self.flat))
        ids = {id(p) for p in flat.parameters}
        for line in {self.zeroed[id(p)] for p in flat.parameters}:  # a reset of these parameters alone: not needed
            if all(position != line or key in ids for key, position in self.zeroed.items()):
                self.lines[line] = f"# {self.lines[line]}: each parameter's .grad is set below"
        self.flat.append(flat)
        for position, p in enumerate(flat.parameters):
            grad, view = self.names.grad(p), (lambda position=position: flat.grad_views[position])
            if self.buffers.has(grad):  # the backward writes it into its view of the gradients' buffer
                self.late[grad] = view
                self.lines[self.store_lines[id(p)]] = f"{self.names.of(p)}_t._grad = {grad}"
                continue
            kept = self.names.bind(np.empty(0), f"{self.names.of(p)}_grad")
            self.late[kept] = view
            self.lines[self.store_lines[id(p)]] = f"np.copyto({kept}, {grad})\n{self.names.of(p)}_t._grad = {kept}"
        self.lines.append(f"# {name}.step(): {type(optimizer).__name__}'s update of every parameter at once")
        self.lines += flat.code(name)
        self.lines.append(f"mark_written({', '.join(self.names.of(p) + '_t' for p in flat.parameters)})")

    def rewritten(self, tensor):
        """An in-place write recorded as an op (trace.py, ``records_write``): the ops after it
        read the tensor as that op's result, by its name; those before, by the tensor's own."""
        self.names.repoint(tensor, tensor.array)

    def random(self, array, remake, name):
        """Random numbers drawn in the step (a Dropout's ``mask``, a ``randn``): ``remake()``
        draws them again at this point of each call."""
        function = self.names.bind(remake, f"draw_{name}")
        self.names.alias(array, self.names.fresh(name))
        self.lines.append(f"{self.names.known(array)} = {function}()")

    def checked(self, array, check):
        """``check`` of ``array``'s values (F.cross_entropy's of its targets), called on each call's
        values before the op that takes the array as a setting (``{target_check}``, fused.py)."""
        self.checks[id(array)] = (array, self.names.bind(check, "check_targets"))

    def derived(self, array, make, args):
        """A constant computed from values outside any op: computed again at this point of each call
        (a tensor made before the step read at run time, as an op's input is)."""
        for arg in args:
            if isinstance(arg, Tensor):
                self._operand(arg)
        unknown = [arg for arg in args if isinstance(arg, np.ndarray) and self.names.known(arg) is None
                   and id(arg) not in self.held]  # an array the step reads by name is read by the code too
        if unknown:
            raise CompileError(f"compile: the step makes {make.__name__.strip('_')} ({where()}) from {UNSEEN} "
                               f"{unknown[0].shape}{UNSEEN_ADVICE}")
        name = self.names.known(make) or self.names.bind(make, make.__name__.strip("_"))
        arguments = ", ".join(self.names.code(arg) for arg in args)  # before the result's name (it may be an arg)
        variable = self.names.fresh(name.rstrip("0123456789_"))
        self.names.alias(array, variable)
        self.lines.append(f"{variable} = {name}({arguments})")

    def _settings(self, out):
        """``out``'s settings, each one the code can hold (settings.py), or a CompileError."""
        trouble = problem(out, self.names.known, self._watched)
        if trouble is not None:
            raise CompileError(f"compile: an op of the step ({where()}) {trouble}")

    def _watched(self):
        """The ids of the arrays a guard watches: read by name, bound tensors', the modules'."""
        return self.held | {id(tensor.array) for tensor in self.bound} | {
            array for module in self.called for array in arrays_of(vars(module))}

    def module(self, module):
        """A module called: its parameters' names, unless an outer module gave them theirs, and
        its own update in training (BatchNorm counts the batches, outside any op)."""
        self.called.append(module)
        for name, parameter in module.named_parameters():
            self.hints.setdefault(id(parameter), name.replace(".", "_"))
        # the tensors the step reads from it, which a guard checks it still holds
        self.slots += [(module, name, value) for name, value in vars(module).items() if isinstance(value, Tensor)]
        if isinstance(module, BatchNorm1d) and module.training:
            name = self.names.bind(module.num_batches_tracked, "num_batches_tracked")
            self.lines.append(f"{name}_t.array[()] += 1")

    def function(self, result):
        """The source of the step returning ``result`` (a tensor the step made, or None), and
        the function compiled from it."""
        if result is not None and not (isinstance(result, Tensor) and self.made(result)):
            raise CompileError(f"compile: the step must return a tensor it makes (its loss) or None, not "
                               f"{type(result).__name__}")
        buffers = self.buffers.arrays(self.names.resolve)
        returned = None if result is None else self.names.resolve(self.names.of(result))
        ret = "None" if result is None else f"leaf({returned}.copy())"  # not a buffer, nor a view of one
        lines = [self.names.resolve(line) for text in self.lines for line in text.split("\n")]
        if not any("store_grad(" in line for line in lines):  # no backward, or every gradient went into .grad
            lines = [line for line in lines if line != "stored = {}"]
        for flat in self.flat:
            flat.build()
        buffers.update({self.names.resolve(name): make() for name, make in self.late.items()})
        known = {self.names.resolve(name) for name in self.names.values} | set(self.inputs) | set(_NAMESPACE)
        lines = views_made_once(lines, buffers, known | {f"{name}_t" for name in known})
        body = "\n".join("        " + line for line in lines)
        source = (f"def step({', '.join(self.inputs)}):\n    quiet = warnings_off()\n    try:\n{body}\n"
                  f"        return {ret}\n    finally:\n        warnings_back(quiet)\n")
        namespace = dict(_NAMESPACE)
        for name, value in self.names.values.items():
            if not (self.made(value) or name in self.inputs or f"{name}_t" in self.inputs):  # those come at run time
                namespace[f"{name}_t" if isinstance(value, Tensor) else name] = value
        for flat in self.flat:
            namespace.update(flat.arrays)
        namespace.update(buffers)
        exec(compile(source, "<minigrad.compile>", "exec"), namespace)  # noqa: S102 (code written here)
        return source, namespace["step"]


def _refuse_gradient_watchers(order):
    """A compiled step writes each gradient into a buffer and hands only the parameters'
    to ``.grad``: a hook, or an intermediate's ``retain_grad()``, would silently see nothing."""
    for node in order:
        if node.hooks or (not node.is_leaf and node.retains_grad):
            what = "a hook (register_hook)" if node.hooks else "retain_grad() (or mg.retain_grads())"
            name = f" '{node.label}'" if node.label else ""
            raise CompileError(f"compile: the step's graph has {what} on the tensor{name} of shape "
                               f"{tuple(node.shape)} ({where()}), which a compiled step does not run yet: keep it in an "
                               f"eager step, or read the gradients you need from mg.explain(loss)")

