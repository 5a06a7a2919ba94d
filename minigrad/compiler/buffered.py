"""The templates' forms that write into buffers, for mg.compile: each op's result and each
gradient in an array allocated once, when the step's code is written, and kept between
calls, written with numpy's ``out=`` (docs/compiler.md, "Buffers").

``INTO[op]`` gives, for an op of templates.py, the forward's statement writing ``{out}``
and, per input, the gradient's (None where the template's expression is kept: a view such
as ``{grad}.T``, a small or rare case). ``SAME`` marks a gradient that is the upstream one
itself (an add's): it is handed on, copied or summed, never computed. Each statement is
the template's expression, operation for operation, so that it computes the same numbers.

``Buffers`` names the buffers of one step and the scratch arrays that a gradient lands in
before it is summed to its input's shape or added to what its input already received.
"""

from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from ..rules.linear_helpers import SMALL_WEIGHT
from .templates import Fields, cat_forward

__all__ = ["INTO", "SAME", "Into", "Buffers", "into_fields", "constant", "product"]

SAME = "same"


@dataclass(frozen=True)
class Into:
    """One op's statements writing into ``{out}``: the forward's, and one per input's gradient.
    An op with no template (fused.py: batch_norm, cross_entropy) also says what its gradients'
    shapes are (as a template's ``shapes``), its forward in one line (``summary``), and the
    arrays its forward keeps for the gradients (``saves``: suffix -> function of the fields
    that makes the array; ``{result}_<suffix>`` in the code)."""

    forward: Union[str, Callable, None]
    grads: tuple = ()
    applies: Optional[Callable] = None
    shapes: Union[str, tuple] = "result"
    summary: Optional[str] = None
    saves: Optional[Callable] = None

    def shape_of(self, part):
        return self.shapes if isinstance(self.shapes, str) else self.shapes[part]

    def code(self, part, fields):
        template = self.forward if part is None else (self.grads[part] if part < len(self.grads) else None)
        if template is None or template == SAME:
            return template
        return template(fields) if callable(template) else template.format_map(fields)


def into_fields(fields, out):
    """``fields`` with ``{out}``, the buffer written."""
    return Fields({**fields, "out": out}, fields.values, fields.ndims, fields.fast)


def constant(value, dtype=None):
    """A number an op's code takes, kept as a 0-d array of ``dtype`` (the op's, if None), for
    ``saves``: numpy takes it faster than a Python number, which it converts on every call
    (docs/performance.md, "constants"), and rounds it as the rule's Python number is rounded."""
    return lambda op_dtype: np.array(value, dtype or op_dtype)


def _ufunc(name, arity=2):
    return f"np.{name}({{self}}, {{other}}, out={{out}})" if arity == 2 else f"np.{name}({{self}}, out={{out}})"


def _pow_forward(f):
    # numpy's ** writes these exponents out (square, reciprocal): the same calls, into the buffer
    exponent = f.value("other")
    if type(exponent) in (int, float) and exponent == 2:
        return "np.multiply({self}, {self}, out={out})".format_map(f)
    if type(exponent) in (int, float) and exponent == -1:
        return "np.reciprocal({self}, out={out})".format_map(f)
    return None


def _pow_grad(f):
    if type(f.value("other")) is int and f.value("other") == 2:  # 2 * self * grad
        return "np.multiply(2, {self}, out={out})\nnp.multiply({out}, {grad}, out={out})".format_map(f)
    return None


def _sum_forward(f):
    return "np.add.reduce({self}, axis={dim}, keepdims={keepdim}, out={out})".format_map(f)


def _rows(f):
    # C[Xb]: the rows of a table picked by an integer array
    index = f.value("index")
    return isinstance(index, np.ndarray) and index.dtype.kind in "iu" and f.ndim("self") == 2


def _take(f):
    # the method: np.take is a Python function around it (docs/performance.md, "take")
    return "{self}.take({index}, axis=0, out={out})".format_map(f) if _rows(f) else None


def _matrix_or_stack(name):
    return lambda f: "{%s}.T" % name if f.ndim(name) == 2 else "{%s}.swapaxes(-1, -2)" % name


def _transposed(f):
    """The weight's transpose as linear_product takes it: for a batch of matrices, a small
    weight copied into rows (OpenBLAS multiplies by it faster than by the transposed view)."""
    small = f.ndim("self") > 2 and np.prod(f.value("weight_shape")) <= SMALL_WEIGHT
    return "np.ascontiguousarray({weight}.T)" if small else "{weight}.T"


def _rows_of(code, f, names):
    """``code`` with a batch of matrices flattened into rows, as the linear layer's rule does
    (linear_product, linear_backward_weight): each of ``names`` (``{self}``, the result
    ``{out}`` or its gradient ``{grad}``) as ``x.reshape(rows, columns)``."""
    if f.ndim("self") == 2:
        return code
    shape = f.value("self_shape")
    rows, columns = int(np.prod(shape[:-1])), {"{self}": shape[-1], "{out}": f.value("weight_shape")[0],
                                                "{grad}": f.value("weight_shape")[0]}
    for name in names:
        code = code.replace(name, f"{name}.reshape({rows}, {columns[name]})")
    return code


def product(same_dtype):
    """The call of a product of two matrices: ``np.dot`` where the operands have ``out``'s
    dtype (the same BLAS call as ``@``, with less of numpy's time around it:
    docs/performance.md, "np.dot"), else ``np.matmul``, which casts to ``out``'s dtype (a
    gradient of another dtype, from an op that promoted)."""
    return "np.dot" if same_dtype else "np.matmul"


def _dot(f, matrices, operands):
    """A product of ``operands`` into ``{out}``, as a template: ``product`` for two matrices
    (a gradient has ``out``'s dtype in a buffer), else np.matmul."""
    same_dtype = "{grad}" not in operands or f.value("grad_in_buffer")
    return f"{product(matrices and same_dtype)}({operands}, out={{out}})"


def _product(f, operands):
    return _dot(f, f.ndim("self") == 2 and f.ndim("other") == 2, operands).format_map(f)


def _cat_into(f):
    return cat_forward(f)[:-1] + f", out={f['out']})"  # np.concatenate(..., axis=dim, out=...)


INTO = {
    "add": Into(_ufunc("add"), (SAME, SAME)),
    "sub": Into(_ufunc("subtract"), (SAME, "np.negative({grad}, out={out})")),
    "mul": Into(_ufunc("multiply"), ("np.multiply({other}, {grad}, out={out})",
                                     "np.multiply({self}, {grad}, out={out})")),
    "div": Into(_ufunc("divide"), ("np.divide({grad}, {other}, out={out})",
                                   "np.divide({result}, {other}, out={out})\nnp.multiply({out}, {grad}, out={out})\n"
                                   "np.negative({out}, out={out})")),
    "pow": Into(_pow_forward, (_pow_grad,)),
    "neg": Into(_ufunc("negative", 1), ("np.negative({grad}, out={out})",)),
    "exp": Into(_ufunc("exp", 1), ("np.multiply({result}, {grad}, out={out})",)),
    "log": Into(_ufunc("log", 1), ("np.divide({grad}, {self}, out={out})",)),
    # (1 - result ** 2) * grad, in the one buffer
    "tanh": Into(_ufunc("tanh", 1), ("np.multiply({result}, {result}, out={out})\nnp.subtract({result}_one, {out}, out={out})\n"
                                     "np.multiply({out}, {grad}, out={out})",), saves=lambda f: {"one": constant(1)}),
    # stable_sigmoid: e = exp(-|x|), 1 / (1 + e) where x >= 0, e / (1 + e) elsewhere; its backward in place
    "sigmoid": Into("np.abs({self}, out={result}_e)\nnp.negative({result}_e, out={result}_e)\n"
                    "np.exp({result}_e, out={result}_e)\nnp.add(1, {result}_e, out={out})\n"
                    "np.divide({result}_e, {out}, out={result}_e)\nnp.divide(1, {out}, out={out})\n"
                    "np.less({self}, 0, out={result}_negative)\nnp.copyto({out}, {result}_e, where={result}_negative)",
                    ("np.multiply({grad}, {result}, out={out})\nnp.subtract(1, {result}, out={result}_e)\n"
                     "np.multiply({out}, {result}_e, out={out})",),
                    saves=lambda f: {"e": f.value("self_shape"), "negative": (f.value("self_shape"), np.bool_)}),
    "relu": Into("np.maximum({self}, 0, out={out})",
                 ("np.greater({self}, 0, out={result}_positive)\nnp.multiply({result}_positive, {grad}, out={out})",),
                 saves=lambda f: {"positive": (f.value("self_shape"), np.bool_)}),
    "cat": Into(_cat_into, ()),
    "sqrt": Into(_ufunc("sqrt", 1), ()),
    "sum": Into(_sum_forward, ()),
    "max": Into("{self}.max(axis={dim}, keepdims={keepdim}, out={out})", ()),
    "getitem": Into(_take, ()),
    "matmul": Into(lambda f: _product(f, "{self}, {other}"),
                   (lambda f: _product(f, "{grad}, " + _matrix_or_stack("other")(f)),
                    lambda f: _product(f, _matrix_or_stack("self")(f) + ", {grad}"))),
    "linear": Into(lambda f: (_rows_of("np.dot({self}, %s, out={out})" % _transposed(f), f, ("{self}", "{out}"))
                              + ("\nnp.add({out}, {bias}, out={out})" if "bias" in f else "")).format_map(f),
                   (lambda f: _dot(f, f.ndim("self") == 2, "{grad}, {weight}").format_map(f),
                    lambda f: _rows_of(_dot(f, True, "{grad}.T, {self}"), f, ("{grad}", "{self}")).format_map(f),
                    SAME),
                   applies=lambda f: f.ndim("weight") == 2 and f.ndim("self") >= 2),
}


class Buffers:
    """The buffers of one compiled step, by name, each made by ``arrays()`` once the code is written."""

    def __init__(self, names):
        self.names = names
        self.makers = {}
        self.scratch = {}  # (shape, dtype, role) -> name: arrays a gradient passes through, reused

    def add(self, name, shape, dtype, make=None):
        """A buffer ``name`` of ``shape`` and ``dtype``: zeros, or what ``make()`` gives."""
        self.makers[name] = make or (lambda shape=tuple(shape), dtype=np.dtype(dtype): np.zeros(shape, dtype))
        return name

    def keep(self, prefix, saves, dtype):
        """The buffers ``{prefix}_<suffix>`` of ``saves``: suffix -> a shape (of ``dtype``), a
        (shape, dtype) pair, or a function of ``dtype`` that makes the array (a constant)."""
        for suffix, kept in saves.items():
            if callable(kept):
                self.add(f"{prefix}_{suffix}", (), dtype, lambda kept=kept: kept(dtype))
            else:
                shape, kind = kept if isinstance(kept[0], tuple) else (kept, dtype)
                self.add(f"{prefix}_{suffix}", shape, kind)

    def has(self, name):
        return name in self.makers

    def scratch_for(self, shape, dtype, role):
        key = (tuple(shape), np.dtype(dtype), role)
        if key not in self.scratch:
            self.scratch[key] = self.add(self.names.fresh(role), shape, dtype)
        return self.scratch[key]

    def accumulate(self, name, source):
        """The code adding ``source`` into the gradient ``name`` (a buffer, or a local array)."""
        return f"np.add({name}, {source}, out={name})" if self.has(name) else f"{name} += {source}"

    def reduce(self, source, shape, target, dest, dtype):
        """The code summing ``source`` (of ``shape``) into ``dest`` (of ``target``), as the
        engine's reduce_to_shape does: leading dims, then stretched dims kept as size 1."""
        extra = len(shape) - len(target)
        leading = tuple(range(extra))
        stretched = tuple(axis for axis, size in enumerate(target) if size == 1 and shape[extra + axis] != 1)
        if leading and stretched:
            middle = self.scratch_for(shape[extra:], dtype, "summed")
            return (f"np.add.reduce({source}, axis={leading!r}, out={middle})\n"
                    f"np.add.reduce({middle}, axis={stretched!r}, keepdims=True, out={dest})")
        axes = leading or stretched
        return f"np.add.reduce({source}, axis={axes!r}, keepdims={bool(stretched)}, out={dest})"

    def arrays(self, resolve):
        """Each buffer, made: name (resolved) -> array."""
        return {resolve(name): make() for name, make in self.makers.items()}
