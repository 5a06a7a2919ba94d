"""The backward of a recorded graph as numpy source, one op at a time, latest first.

``graph_order(root)`` lists the tensors that lead to ``root`` and require grad, inputs
before the ops that use them. ``BackwardWriter`` then writes, for each op from the root
back, a comment with the op's forward and one line per input's gradient from its
template (templates.py): the first gradient an input receives is assigned, later ones
added with ``+=`` (and the first copied when it is another gradient's array), a broadcast
input's gradient summed back to its shape, as backward.py does it.
"""

import inspect
import re
from collections import Counter

from .. import rules
from ..tensor import Tensor
from .buffered import SAME, into_fields
from .fused import into_entry
from .templates import SCATTER, TEMPLATES, VIEW_OPS, Fields

__all__ = ["graph_order", "input_names", "BackwardWriter"]


def graph_order(root):
    """The tensors that require grad and lead to ``root``, each after its inputs (a
    depth-first walk without recursion, so that a deep graph is no problem)."""
    order, seen, stack = [], {id(root)}, [(root, iter(root.inputs))]
    while stack:
        tensor, pending = stack[-1]
        for inp in pending:
            if isinstance(inp, Tensor) and inp.requires_grad and id(inp) not in seen:
                seen.add(id(inp))
                stack.append((inp, iter(inp.inputs)))
                break
        else:
            stack.pop()
            order.append(tensor)
    return order


def input_names(op, count):
    """The names the rule of ``op`` gives its ``count`` inputs (``self``, ``other``,
    ``weight``...), for the templates' fields."""
    parameters = inspect.signature(getattr(rules, op)).parameters.values()
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters) or len(positional) < count:
        return [f"input{i}" for i in range(count)]
    return positional[:count]


def _reduction(shape, target):
    """The ``.sum(...)`` calls that take a gradient of ``shape`` to ``target`` (the engine's
    reduce_to_shape, written out), or None when it is spread over ``target`` instead."""
    extra = len(shape) - len(target)
    if extra < 0:
        return None
    calls = ""
    if extra:
        calls += f".sum({0 if extra == 1 else tuple(range(extra))})"
    stretched = tuple(axis for axis, size in enumerate(target) if size == 1 and shape[extra + axis] != 1)
    if stretched:
        calls += f".sum({stretched[0] if len(stretched) == 1 else stretched}, keepdims=True)"
    return calls


def _is_name(expr):
    """True for a bare name (or a stand-in for one, naming.Names.later)."""
    return expr.isidentifier() or re.fullmatch("d?\x00[0-9]+\x00", expr) is not None


class BackwardWriter:
    """Writes the gradient lines of a graph's ops with ``names`` (naming.Names)."""

    def __init__(self, names, order):
        self.names = names
        self.lines = []
        self.uses = Counter()
        for node in order:
            if not node.is_leaf:
                self.uses.update(id(inp) for inp in node.inputs if isinstance(inp, Tensor) and inp.requires_grad)
        self.received = Counter()
        self.rule_calls = {}  # id of a node -> the name of the gradient functions its forward's rule call gave
        self.fast = False  # code to run (mg.compile) rather than to read (explain): Fields.fast
        self.buffers = None  # mg.compile's buffered.Buffers: gradients written into arrays kept between calls
        self.fused = set()  # ids of the nodes with no template whose forward was written by fused.py
        self.chunks, self.inner = {}, set()  # mg.compile's composed graphs in closed form (patterns.py)
        self.checks = {}  # id of an array setting -> (the array, the name of the check of its values each call)
        self.typed = set()  # gradients known to have their tensor's dtype: buffers, and views or names of them

    def take_chunks(self, chunks):
        """Write each chunk's closed form at its top node and skip the nodes inside it."""
        self.chunks = chunks
        for chunk in chunks.values():
            self.inner.update(id(node) for node in chunk.inner)
            inside = sum(inp is chunk.bottom for node in chunk.inner for inp in node.inputs)
            self.uses[id(chunk.bottom)] += 1 - inside  # one gradient from the chunk, none from inside it

    def fields(self, node):
        """The code filling ``node``'s template: inputs, result, gradient, settings."""
        names = self.names
        inputs = input_names(node.op, len(node.inputs))
        code, values, ndims = {}, {}, {}
        for name, inp in zip(inputs, node.inputs):
            code[name] = names.code(inp)
            if isinstance(inp, Tensor):
                code[f"{name}_shape"], ndims[name] = repr(tuple(inp.shape)), inp.ndim
                values[f"{name}_shape"] = tuple(inp.shape)
            else:
                values[name] = inp
        for key, value in (node.op_params or {}).items():
            code[key] = names.index_code(value) if key == "index" else names.code(value, key == "dim", key)
            values[key] = value
            array, check = self.checks.get(id(value), (None, None))
            if array is value:  # mg.compile: {target_check}, F.cross_entropy's check of the targets (fused.py)
                code[f"{key}_check"] = check
        code["result"], code["grad"] = names.of(node), names.grad(node)
        # a gradient in a buffer has the op's dtype (one handed on from another op may not)
        values["grad_in_buffer"] = code["grad"] in self.typed
        return Fields(code, values, ndims, self.fast)

    def write(self, node):
        """The lines of ``node``'s op: a comment, then each input's gradient."""
        if id(node) in self.inner:
            return
        fields = self.fields(node)
        template = TEMPLATES.get(node.op)
        if id(node) in self.chunks:
            chunk = self.chunks[id(node)]
            self.lines.append(f"# {fields['result']}: {chunk.summary}")
            self.buffers.keep(f"{fields['result']}_chunk", chunk.buffers, node.array.dtype)
            self.add(chunk.bottom, fields["grad"], "input", node, fields,
                     lambda out: chunk.code(self.names, fields["grad"], out, fields["grad"] in self.typed))
            if chunk.also:
                self._template_grads(node, fields, template, skip={id(t) for t in chunk.inner})
            return
        if id(node) in self.fused:
            entry = into_entry(node.op)
            self.lines.append(f"# {fields['result']} = {entry.summary.format_map(fields)}")
            for part, inp in enumerate(node.inputs):
                if isinstance(inp, Tensor) and inp.requires_grad:
                    self.add(inp, fields["grad"], entry.shape_of(part), node, fields, self._into(node, part, fields))
            return
        if template is not None and (template.applies is None or template.applies(fields)):
            self.lines.append(f"# {fields['result']} = {template.comment(fields)}")
            self._template_grads(node, fields, template)
            return
        self.write_rule_call(node, fields)

    def _template_grads(self, node, fields, template, skip=()):
        """Each input's gradient from ``node``'s template (but those of the inputs in ``skip``)."""
        for part, inp in enumerate(node.inputs):
            if isinstance(inp, Tensor) and inp.requires_grad and id(inp) not in skip:
                self.add(inp, template.code(part, fields), template.shape_of(part), node, fields,
                         self._into(node, part, fields))

    def rule_call(self, node, fields):
        """The call of ``node``'s rule, as source."""
        names = input_names(node.op, len(node.inputs))
        arguments = [fields[name] for name in names] + [f"{key}={self.names.code(value, hint=key)}"
                                                        for key, value in (node.op_params or {}).items()]
        return f"rules.{node.op}({', '.join(arguments)})"

    def write_rule_call(self, node, fields):
        """An op without a template: the gradient functions of its rule, called again here
        unless the forward's call kept them."""
        grad_fns = self.rule_calls.get(id(node))
        if grad_fns is None:
            call, grad_fns = self.rule_call(node, fields), "grad_fns"
            self.lines.append(f"# {fields['result']} = {call}  (no template for {node.op}: its rule is called)")
            self.lines.append(f"grad_fns = {call}[1]")
        else:
            self.lines.append(f"# {fields['result']} = {node.op}(...)  (no template: its rule's gradient functions)")
        single = len(node.inputs) == 1
        for part, inp in enumerate(node.inputs):
            if isinstance(inp, Tensor) and inp.requires_grad:
                expr = f"{grad_fns}({fields['grad']})" if single else f"{grad_fns}[{part}]({fields['grad']})"
                if tuple(inp.shape) != tuple(node.shape):
                    expr = f"reduce_to_shape({expr}, {tuple(inp.shape)!r}, {node.op!r})"
                self.add(inp, expr, "input", node, fields)

    def _into(self, node, part, fields):
        """The statement writing input ``part``'s gradient into a buffer, as a function of the
        buffer's name (buffered.INTO), or None."""
        entry, template = into_entry(node.op), TEMPLATES.get(node.op)
        if template is not None and template.applies is not None and not template.applies(fields):
            return None  # the forward called the rule: its gradient functions, not buffers
        if self.buffers is None or entry is None or (entry.applies is not None and not entry.applies(fields)) \
                or node.inputs[part].array.dtype != node.array.dtype:
            return None
        if entry.code(part, into_fields(fields, "")) is None:
            return None
        return lambda out: entry.code(part, into_fields(fields, out))

    def add(self, inp, expr, shape, node, fields, into=None):
        """Hand ``inp`` the gradient ``expr``, whose shape is ``shape``: "result" (``node``'s,
        summed back to ``inp``'s where it was broadcast), "input" (``inp``'s) or "spread" (one
        that numpy broadcasts over ``inp``'s shape: a reduction's upstream gradient). ``into``:
        the gradient written into a buffer instead (mg.compile)."""
        target, name = tuple(inp.shape), self.names.grad(inp)
        first = self.received[id(inp)] == 0
        self.received[id(inp)] += 1
        more = self.uses[id(inp)] > self.received[id(inp)]
        if self.buffers is not None and first and more and into is None and not _is_name(expr) and shape != "spread":
            into = lambda out: f"np.copyto({out}, {expr})"  # noqa: E731 (a rule's result, added into later)
        if self.buffers is not None and expr != SCATTER and inp.array.dtype == node.array.dtype and \
                (into is not None or shape == "spread" or _is_name(expr)):
            return self.add_into(inp, expr, shape, node, into, first, more)
        if expr == SCATTER:
            if first:
                self.lines.append(f"{name} = np.zeros_like({self.names.of(inp)})")
            self.lines.append(f"np.add.at({name}, {self.names.code(fields.value('index'))}, {fields['grad']})")
            return
        if shape == "result" and tuple(node.shape) != target:
            expr = (expr if _is_name(expr) else f"({expr})") + _reduction(tuple(node.shape), target)
        if not first:
            self.lines.append(f"{name} += {expr}" if self.buffers is None else self.buffers.accumulate(name, expr))
        elif shape == "spread":
            self.lines.append(f"{name} = np.ones_like({self.names.of(inp)}) * {expr}")
        else:
            self.lines.append(f"{name} = {expr}.copy()" if _is_name(expr) and more else f"{name} = {expr}")
            if node.op in VIEW_OPS and fields["grad"] in self.typed and inp.array.dtype == node.array.dtype:
                self.typed.add(name)

    def add_into(self, inp, expr, shape, node, into, first, more):
        """``add``, the gradient written into buffers: its input's own when it is the first
        and has the input's shape, else a scratch array, summed or added from there."""
        buffers, name, target, dtype = self.buffers, self.names.grad(inp), tuple(inp.shape), inp.array.dtype
        if shape == "spread":  # broadcast over the input: copied into its buffer, or added
            self.lines.append(f"np.copyto({buffers.add(name, target, dtype)}, {expr})" if first else
                              buffers.accumulate(name, expr))
            self.typed.add(name)
            return
        reduce = shape == "result" and tuple(node.shape) != target
        statement = None if into is None else into(name)
        if statement is None or statement == SAME:  # the upstream gradient itself (a name)
            source = expr
            if not reduce and first:
                self.lines.append(f"np.copyto({buffers.add(name, target, dtype)}, {expr})" if more else
                                  f"{name} = {expr}")
                if more or expr in self.typed and node.array.dtype == dtype:
                    self.typed.add(name)
                return
        elif first and not reduce:
            self.typed.add(buffers.add(name, target, dtype))
            self.lines.append(statement)
            return
        else:
            source = buffers.scratch_for(node.shape if shape == "result" else target, dtype, "scratch")
            self.lines.append(into(source))
        if not reduce:
            self.lines.append(buffers.accumulate(name, source))
        elif first:
            self.typed.add(buffers.add(name, target, dtype))
            self.lines.append(buffers.reduce(source, tuple(node.shape), target, name, dtype))
        else:
            summed = buffers.scratch_for(target, dtype, "reduced")
            self.lines.append(buffers.reduce(source, tuple(node.shape), target, summed, dtype))
            self.lines.append(buffers.accumulate(name, summed))
