"""The lecture's composed graphs recognised in a compiled step's backward: BatchNorm written
out op by op (``bnmeani``, ``bndiff``, ... ``bnraw``), cross entropy written out as
softmax, log and the mean of the picked log-probabilities (``logit_maxes``, ... ``loss``),
and a product with a weight's transpose (``embcat @ W1.T``).

Their forward stays op by op (any intermediate may still be read or returned); their
backward is the closed form, as nn's fused ops have it: from ``bnraw``'s gradient straight
to ``hprebn``'s, ``inv_std * (g - mean(g) - bnraw * sum(g * bnraw) / (n - correction))``, and
from the loss's to the logits', ``(probs - one_hot) / n``. The ops in between get no
gradient, which nothing can see: a compiled step refuses hooks and ``retain_grad()``.
A chunk is taken only when its inner tensors feed nothing else that needs a gradient.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..tensor import Tensor
from .buffered import constant, product

__all__ = ["Chunk", "find_chunks"]


@dataclass
class Chunk:
    """A recognised subgraph: its ``top`` node, whose upstream gradient it starts from, its
    ``bottom`` input, which gets the closed-form gradient, the nodes in between
    (``inner``), and ``code(names, grad, out, typed)``: the statements writing it into ``out``
    (``typed``: the upstream gradient has the top's dtype, so np.dot can take it)."""

    top: Tensor
    bottom: Tensor
    inner: list
    summary: str
    code: Callable
    buffers: dict = field(default_factory=dict)  # suffix -> (shape, dtype) or a maker, as fused.py's saves
    also: bool = False  # the top's other inputs get their gradients from its template as usual


def _op(node, name):
    return isinstance(node, Tensor) and not node.is_leaf and node.op == name


def _is(value, number):
    """``value`` is the Python number ``number`` (never a tensor's comparison, which would read its values)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == number


def _split(node, kind):
    """(the tensor input, the number) of an op of a tensor and a Python number, or (None, None)."""
    a, b = node.inputs
    tensor, number = (a, b) if isinstance(a, Tensor) else (b, a)
    return (tensor, number) if isinstance(tensor, Tensor) and isinstance(number, kind) else (None, None)


def _summed(node, dim, keepdim):
    params = node.op_params or {}
    return _op(node, "sum") and params.get("dim") == dim and params.get("keepdim") == keepdim


def _batch_norm(top):
    """bnraw = (x - mean(x)) * (var(x) + eps) ** -0.5 with the variance over the batch dim,
    divided by n or n - 1."""
    if not _op(top, "mul") or not all(isinstance(t, Tensor) for t in top.inputs):
        return None
    for diff, inv in (top.inputs, top.inputs[::-1]):
        if not (_op(diff, "sub") and _op(inv, "pow") and _is(inv.inputs[1], -0.5) and _op(inv.inputs[0], "add")):
            continue
        x, mean = diff.inputs
        var, eps = _split(inv.inputs[0], float)
        if not (isinstance(x, Tensor) and x.ndim == 2 and _op(mean, "mul") and _op(var, "mul")):
            continue
        n = x.shape[0]
        total, scale = _split(mean, float)
        squares, spread = _split(var, float)
        if not (_summed(total, (0,), True) and total.inputs[0] is x and scale == 1 / n and _summed(squares, (0,), True)
                and _op(squares.inputs[0], "pow") and squares.inputs[0].inputs[0] is diff
                and _is(squares.inputs[0].inputs[1], 2)):
            continue
        corrections = [c for c in (0, 1) if n > c and spread == 1 / (n - c)]
        if corrections:
            return x, [diff, inv, inv.inputs[0], var, squares, squares.inputs[0], mean, total], corrections[0]
    return None


def batch_norm_chunk(top):
    found = _batch_norm(top)
    if found is None:
        return None
    x, inner, correction = found
    n, inv = x.shape[0], inner[1]

    def code(names, grad, out, typed):
        raw, r = names.of(top), f"{names.of(top)}_chunk"
        return (f"np.multiply({grad}, {raw}, out={r}_rows)\n"
                f"np.add.reduce({r}_rows, axis=0, keepdims=True, out={r}_columns)\n"
                f"np.multiply({r}_columns, {r}_inv_dof, out={r}_columns)\n"
                f"np.multiply({raw}, {r}_columns, out={r}_rows)\n"
                f"np.add.reduce({grad}, axis=0, keepdims=True, out={r}_columns)\n"
                f"np.multiply({r}_columns, {r}_inv_n, out={r}_columns)\n"
                f"np.subtract({grad}, {r}_columns, out={out})\n"
                f"np.subtract({out}, {r}_rows, out={out})\n"
                f"np.multiply({out}, {names.of(inv)}, out={out})")

    return Chunk(top, x, inner, "BatchNorm's closed form: inv_std * (g - mean(g) - raw * sum(g * raw) / "
                 f"{n - correction})", code, {"rows": tuple(x.shape), "columns": (1, x.shape[1]),
                                              "inv_dof": constant(1 / (n - correction)), "inv_n": constant(1 / n)})


def cross_entropy_chunk(top):
    """loss = -(log(softmax(logits))[range(n), target]).sum() * (1 / n), softmax written as
    exp(logits - max) * sum(exp(logits - max)) ** -1."""
    if not (_op(top, "neg") and _op(top.inputs[0], "mul")):
        return None
    total, scale = _split(top.inputs[0], float)
    if not (_summed(total, None, False) and _op(total.inputs[0], "getitem") and _op(total.inputs[0].inputs[0], "log")):
        return None
    picked, log = total.inputs[0], total.inputs[0].inputs[0]
    index, probs = picked.op_params.get("index"), log.inputs[0]
    if not (isinstance(index, tuple) and len(index) == 2 and all(isinstance(i, np.ndarray) for i in index)
            and _op(probs, "mul") and len(index[0]) == probs.shape[0] and scale == 1 / len(index[0])
            and np.array_equal(index[0], np.arange(len(index[0]))) and index[1].dtype.kind in "iu"):
        return None
    counts, inverse = probs.inputs if _op(probs.inputs[0], "exp") else probs.inputs[::-1]
    if not (_op(counts, "exp") and _op(inverse, "pow") and _is(inverse.inputs[1], -1)
            and _summed(inverse.inputs[0], (1,), True) and inverse.inputs[0].inputs[0] is counts
            and _op(counts.inputs[0], "sub") and probs.ndim == 2):
        return None
    logits, maxes = counts.inputs[0].inputs
    shift = maxes.op_params or {} if _op(maxes, "max") else {}
    if not (isinstance(logits, Tensor) and _op(maxes, "max") and maxes.inputs[0] is logits  # a shift of each row
            and (shift.get("dim") is None or shift.get("dim") in (1, (1,)) and shift.get("keepdim"))):
        return None
    n, classes = probs.shape

    def code(names, grad, out, typed):
        r = f"{names.of(top)}_chunk"
        # a negative target picks from the end of its row, as the forward's indexing (which raised for one out of range)
        return (f"np.copyto({out}, {names.of(probs)})\n"
                f"np.remainder({names.code(index[1])}, {classes}, out={r}_positions)\n"
                f"np.add({r}_positions, {r}_starts, out={r}_positions)\n"
                f"{out}.reshape(-1)[{r}_positions] -= 1\n"
                f"np.multiply({out}, {grad} * {names.code(scale)}, out={out})")

    inner = [top.inputs[0], total, picked, log, probs, counts, inverse, inverse.inputs[0], counts.inputs[0], maxes]
    return Chunk(top, logits, inner, "cross entropy's closed form: (probs - one_hot) / n", code,
                 {"positions": ((n,), np.int64), "starts": lambda dtype: np.arange(0, n * classes, classes)})


def transposed_weight_chunk(top):
    """x @ W.T written as a product with W's transpose (the lecture's ``embcat @ W1.T``): W's
    gradient straight from the product's, ``grad.T @ x``, rather than transposed and copied."""
    if not (_op(top, "matmul") and _op(top.inputs[1], "permute") and top.inputs[1].op_params.get("dims") == (1, 0)):
        return None
    x, transposed = top.inputs
    if not (isinstance(x, Tensor) and x.ndim == 2 and transposed.ndim == 2):
        return None
    return Chunk(top, transposed.inputs[0], [transposed], "the weight's gradient as grad.T @ x",
                 lambda names, grad, out, typed: f"{product(typed)}({grad}.T, {names.of(x)}, out={out})", also=True)


def find_chunks(order):
    """The chunks of the graph ``order`` (backward_code.graph_order) whose inner tensors
    are used by nothing outside them: top node's id -> Chunk."""
    consumers = Counter(id(inp) for node in order if not node.is_leaf for inp in node.inputs if isinstance(inp, Tensor))
    chunks = {}
    for node in order:
        chunk = None if node.is_leaf else batch_norm_chunk(node) or cross_entropy_chunk(node) or \
            transposed_weight_chunk(node)
        if chunk is None:
            continue
        inside = {id(t) for t in chunk.inner} | {id(node)}
        uses = Counter(id(inp) for t in chunk.inner + [node] for inp in t.inputs if isinstance(inp, Tensor))
        if all(consumers[id(t)] == uses[id(t)] for t in chunk.inner) and \
                all(id(inp) in inside or inp is chunk.bottom or not inp.requires_grad
                    for t in chunk.inner + ([] if chunk.also else [node]) for inp in t.inputs if isinstance(inp, Tensor)):
            chunks[id(node)] = chunk
    return chunks
