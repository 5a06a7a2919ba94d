"""The code templates of the primitives: for each rule of minigrad/rules, the numpy code of
its forward and of each input's gradient, in the rule's own vocabulary (``self``, ``other``,
``result``, ``grad``, the rule's argument and setting names), mirroring the rule expression
for expression, so that generated code computes what the rule computes.

A template is filled with ``Fields``: the code of each input, of the result, of the upstream
gradient and of each setting (``{self}``, ``{dim}``), ``{<input>_shape}``, and the values
themselves (``fields.value("dim")``, ``fields.ndim("self")``) for choices made at trace time.
A gradient template is a string, a function of the fields, or ``SCATTER`` (the upstream
gradient added at ``{index}`` into zeros: getitem's, as it reads). ``shapes`` says per input
what shape its gradient has: "result" (the broadcast result's, as a rule's; the generated
code sums it back as the engine's ``reduce_to_shape`` does), "input" (the input's) or
"spread" (one that numpy broadcasts over the input's shape: a reduction's upstream
gradient). ``applies`` restricts a template to the cases it covers; a template whose
forward takes more than one statement (softmax's, layer_norm's: ``fields.fast`` only) writes
its own assignments, ``{result}`` and the arrays its gradients read (``{result}_normed``),
and ``summary`` is the op as its comment in the backward reads.

A rule with no template (or outside ``applies``) is called itself by the generated code,
with a note saying so.
"""

from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

__all__ = ["Template", "Fields", "SCATTER", "TEMPLATES", "VIEW_OPS", "cat_forward"]

VIEW_OPS = ("view", "permute")  # ops whose gradient is a view of the upstream one: of its dtype

SCATTER = "scatter"


class Fields(dict):
    """The code that fills a template, by field name, with the values it stands for;
    ``fast`` when the code is for mg.compile rather than for reading (explain)."""

    def __init__(self, code, values, ndims, fast=False):
        super().__init__(code)
        self.values, self.ndims, self.fast = values, ndims, fast

    def value(self, name):
        return self.values.get(name)

    def ndim(self, name):
        return self.ndims.get(name)


@dataclass(frozen=True)
class Template:
    """One primitive's code: its forward expression and one gradient per input."""

    forward: Union[str, Callable]
    grads: tuple
    shapes: Union[str, tuple] = "result"
    applies: Optional[Callable] = None
    summary: Optional[str] = None

    def code(self, part, fields):
        """The forward's code (``part`` None) or the gradient of input number ``part``."""
        if part is not None and callable(self.grads):  # one function for any number of inputs (cat)
            return self.grads(fields, part)
        template = self.forward if part is None else self.grads[part]
        return template(fields) if callable(template) else template.format_map(fields)

    def statements(self, fields):
        """The forward as lines of code that assign the result."""
        code = self.code(None, fields)
        return code if "\n" in code else f"{fields['result']} = {code}"

    def comment(self, fields):
        """The forward in one line, for the backward's comment."""
        return (self.summary or self.forward).format_map(fields) if self.summary or not callable(self.forward) \
            else self.forward(fields).split("\n")[-1]

    def shape_of(self, part):
        return self.shapes if isinstance(self.shapes, str) else self.shapes[part]


def _unary(forward, grad, shapes="result"):
    return Template(forward, (grad,), shapes)


def _pow_self(f):
    # for mg.compile, pow_backward_self's operations in its order: grad * other * self ** (other - 1)
    exponent = f.value("other")
    if exponent is None:  # an array exponent
        return "np.where({other} == 0, 0, {grad} * {other} * {self} ** ({other} - 1))".format_map(f)
    if exponent == 0:
        return "np.zeros_like({grad})".format_map(f)
    if type(exponent) is int and exponent == 2:  # (the same bits: a factor 2 and a sign are exact)
        return "2 * {self} * {grad}".format_map(f)
    if exponent == -1:  # the lecture's form
        return "-{self} ** -2 * {grad}".format_map(f)
    if not f.fast:  # to read, as the lecture writes it
        return f"{f['other']} * {f['self']} ** {exponent - 1!r} * {f['grad']}"
    written_out = exponent - 1 in (0.5, -0.5)  # power's sqrt, as the rule takes it
    base = f"power({f['self']}, {exponent - 1!r})" if written_out else f"{f['self']} ** {exponent - 1!r}"
    return f"{f['grad']} * {f['other']} * {base}"


def _pow_forward(f):
    # for mg.compile, the rule's power (3, -2 and ±0.5 written out as PyTorch's kernel does); to read, **
    return ("power({self}, {other})" if f.fast else "{self} ** {other}").format_map(f)


def _sum_forward(f):
    if f.value("dim") is None and not f.value("keepdim"):
        return "{self}.sum()".format_map(f)
    return "{self}.sum({dim}, keepdims={keepdim})".format_map(f)


def _kept(f):
    """The upstream gradient of a reduction with its reduced dims back as size 1, to be
    broadcast over them (reduced leading dims need nothing: numpy broadcasts from the left)."""
    dim = f.value("dim")
    if f.value("keepdim") or dim is None or tuple(dim if isinstance(dim, tuple) else (dim,)) == \
            tuple(range(len(dim) if isinstance(dim, tuple) else 1)):
        return f["grad"]
    return "np.expand_dims({grad}, {dim})".format_map(f)


def _extreme_grad(arg):
    # one-hot where the extreme was picked along dim (the lecture's np.eye(n)[argmax])
    def grad(f):
        dim, ndim = f.value("dim"), f.ndim("self")
        after = ", 1" * (ndim - 1 - dim)
        positions = f"np.arange({f.value('self_shape')[dim]})" + (f".reshape(-1{after})" if after else "")
        return f"({positions} == {f['self']}.{arg}({dim}, keepdims=True)) * {_kept(f)}"
    return grad


def _getitem_grad(f):
    # rows of a table picked by an integer array (C[Xb]): compiled, the rule's own helper (a
    # one-hot product for small tables, docs/performance.md "embedding"); read, np.add.at
    index = f.value("index")
    if f.fast and isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.ndim and f.ndim("self"):
        return "scatter_rows({grad}, {self_shape}, {self}.dtype, {index}.reshape(-1))".format_map(f)
    return SCATTER


def _permute(f):
    return ("{self}.T" if f.value("dims") == (1, 0) else "{self}.transpose({dims})").format_map(f)


def _permute_grad(f):
    dims = f.value("dims")
    if dims == (1, 0):
        return "{grad}.T".format_map(f)
    return f"{f['grad']}.transpose({tuple(sorted(range(len(dims)), key=dims.__getitem__))!r})"


def _linear_forward(f):
    return "{self} @ {weight}.T".format_map(f) + (" + {bias}".format_map(f) if "bias" in f else "")


def _stacks(f):
    """Applies to a product of matrices, or of stacks of matrices with the same batch dims."""
    shapes = f.value("self_shape"), f.value("other_shape")
    return all(len(shape) >= 2 for shape in shapes) and shapes[0][:-2] == shapes[1][:-2]


def _swapped(name):
    return lambda f: ("{%s}.T" if f.ndim(name) == 2 else "{%s}.swapaxes(-1, -2)") % name


def _matmul_grads():
    return (lambda f: ("{grad} @ " + _swapped("other")(f)).format_map(f),
            lambda f: (_swapped("self")(f) + " @ {grad}").format_map(f))


def _rows_or_fast(f):
    """The linear layer on a matrix, or (compiled) on a batch of them, through the rule's helpers."""
    return f.ndim("weight") == 2 and (f.ndim("self") == 2 or f.fast and f.ndim("self") > 2)


def _linear_rows(f):
    if f.ndim("self") == 2:
        return _linear_forward(f)
    return "linear_product({self}, {weight})".format_map(f) + (" + {bias}".format_map(f) if "bias" in f else "")


def _linear_weight_grad(f):
    return ("{grad}.T @ {self}" if f.ndim("self") == 2 else "linear_backward_weight({grad}, {self})").format_map(f)


def _last(f, name="dim"):
    return repr(f.value(name))


def _softmax_forward(f):
    # the rule's steps: exp with or without the shift (softmax_exp) and the sum as its helpers take them
    return (f"{f['result']} = softmax_exp({f['self']}, {_last(f)})\n"
            f"{f['result']} /= last_dim_sum({f['result']}, {_last(f)})")


def _softmax_grad(f):
    if f.fast:
        return f"softmax_backward({f['grad']}, {f['result']}, {_last(f)})"
    return "{result} * ({grad} - ({grad} * {result}).sum({dim}, keepdims=True))".format_map(f)


def _layer_norm_forward(f):
    # the rule's: normed = (self - mean) * rstd, kept for the gradients, then weight and bias
    dims, mean = _last(f, "dims"), f"* {_inverse_count(f)}"
    r = f["result"]
    return (f"{r}_normed = {f['self']} - last_dim_sum({f['self']}, {dims}) {mean}\n"
            f"{r}_rstd = 1 / np.sqrt(last_dim_sum({r}_normed * {r}_normed, {dims}) {mean} + {f['eps']})\n"
            f"{r}_normed *= {r}_rstd\n"
            f"{r} = {r}_normed * {f['weight']}\n{r} += {f['bias']}")


def _inverse_count(f):
    return f"(1 / {int(np.prod([f.value('self_shape')[d] for d in f.value('dims')]))})"


def _layer_norm_self_grad(f):
    # rstd * (scaled - mean(scaled) - normed * mean(scaled * normed)), scaled = grad * weight
    dims, count, r = _last(f, "dims"), _inverse_count(f), f["result"]
    scaled = f"{r}_scaled"
    return (f"(({scaled} := {f['grad']} * {f['weight']}) - last_dim_sum({scaled}, {dims}) * {count} "
            f"- {r}_normed * (last_dim_sum({scaled} * {r}_normed, {dims}) * {count})) * {r}_rstd")


def cat_forward(f):
    count = sum(1 for key in f if key.startswith("input") and not key.endswith("_shape"))
    return f"np.concatenate([{', '.join(f[f'input{i}'] for i in range(count))}], axis={f['dim']})"


def _cat_grad(f, part):
    dim = f.value("dim")
    start = sum(f.value(f"input{i}_shape")[dim] for i in range(part))
    stop = start + f.value(f"input{part}_shape")[dim]
    return f"{f['grad']}[{':, ' * dim}{start}:{stop}]"


TEMPLATES = {
    "add": Template("{self} + {other}", ("{grad}", "{grad}")),
    "sub": Template("{self} - {other}", ("{grad}", "-{grad}")),
    "mul": Template("{self} * {other}", ("{other} * {grad}", "{self} * {grad}")),
    "div": Template("{self} / {other}", ("{grad} / {other}", "-{grad} * ({result} / {other})")),
    "pow": Template(_pow_forward, (_pow_self, "{grad} * {result} * np.log({self})"), summary="{self} ** {other}"),
    "neg": _unary("-{self}", "-{grad}"),
    "exp": _unary("np.exp({self})", "{result} * {grad}"),
    "log": _unary("np.log({self})", "{grad} / {self}"),
    "tanh": _unary("np.tanh({self})", "(1 - {result} ** 2) * {grad}"),
    "sigmoid": _unary("stable_sigmoid({self})", "{grad} * {result} * (1 - {result})"),
    "relu": _unary("np.maximum({self}, 0)", "({self} > 0) * {grad}"),
    "sqrt": _unary("np.sqrt({self})", "{grad} / (2 * {result})"),
    "abs": _unary("np.abs({self})", "np.sign({self}) * {grad}"),
    "sin": _unary("np.sin({self})", "np.cos({self}) * {grad}"),
    "cos": _unary("np.cos({self})", "-np.sin({self}) * {grad}"),
    "copy": _unary("{self}.copy()", "{grad}"),
    "cast": _unary("{self}.astype({dtype})", "{grad}.astype({self}.dtype)"),
    "sum": _unary(_sum_forward, _kept, "spread"),
    "max": Template("{self}.max({dim}, keepdims={keepdim})", (_extreme_grad("argmax"),), "input",
                    applies=lambda f: f.value("dim") is not None),
    "min": Template("{self}.min({dim}, keepdims={keepdim})", (_extreme_grad("argmin"),), "input",
                    applies=lambda f: f.value("dim") is not None),
    "view": _unary("{self}.reshape({shape})", "{grad}.reshape({self_shape})", "input"),
    "permute": _unary(_permute, _permute_grad, "input"),
    "expand": _unary("np.broadcast_to({self}, {shape})", "{grad}"),
    "getitem": _unary("{self}[{index}]", _getitem_grad, "input"),
    "matmul": Template("{self} @ {other}", _matmul_grads(), "input", applies=_stacks),
    "linear": Template(_linear_rows, ("{grad} @ {weight}", _linear_weight_grad, "{grad}"),
                       ("input", "input", "result"), applies=_rows_or_fast),
    "where": Template("np.where({condition}, {self}, {other})",
                      (None, "np.where({condition}, {grad}, 0)", "np.where({condition}, 0, {grad})")),
    "softmax": Template(_softmax_forward, (_softmax_grad,), "input", summary="softmax({self}, dim={dim})",
                        applies=lambda f: f.ndim("self") > 0 and f.value("dim") == (f.ndim("self") - 1,)),
    "layer_norm": Template(_layer_norm_forward, (_layer_norm_self_grad, "{grad} * {result}_normed", "{grad}"),
                           ("input", "result", "result"), summary="layer_norm({self}, {weight}, {bias})",
                           applies=lambda f: f.fast and "bias" in f and all(f.value("self_shape"))),
    "cat": Template(cat_forward, _cat_grad, "input"),
}
