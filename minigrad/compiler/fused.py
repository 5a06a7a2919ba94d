"""The fused ops written into mg.compile's buffers in their closed forms: BatchNorm's
forward and backward (the lecture's one-line backward), cross entropy's with the backward
(softmax - one_hot) / n, and the embedding's gradient as a one-hot product, each the
rule's (and its helper's) computation, operation for operation, in arrays made once.

Their rules have no code template (``mg.explain`` calls them); compiled, each is one
``Into`` whose forward keeps what the gradients read (``{result}_normed``...) in buffers.
"""

import numpy as np

from ..rules.helpers import IDENTITY_ROWS, ONE_HOT_LIMIT
from .buffered import INTO, SAME, Into, constant, product

__all__ = ["into_entry"]


def _batch_norm_applies(f):
    n, correction = f.value("self_shape")[0], f.value("correction")
    return (f.value("training") and f.ndim("self") == 2 and f.ndim("weight") == 1 and f.ndim("bias") == 1
            and isinstance(f.value("running_mean"), np.ndarray) and isinstance(f.value("running_var"), np.ndarray)
            and isinstance(f.value("momentum"), float) and n > max(correction, 1))


def _batch_norm_forward(f):
    # rules.batch_norm in training: the batch's mean and variance, the running statistics, normed;
    # its numbers are 0-d arrays kept with the buffers (_batch_norm_saves)
    return ("np.add.reduce({self}, axis=0, out={result}_mean)\n"
            "np.multiply({result}_mean, {result}_inv_n, out={result}_mean)\n"
            "np.subtract({self}, {result}_mean, out={result}_normed)\n"
            "np.multiply({result}_normed, {result}_normed, out={out})\n"
            "np.add.reduce({out}, axis=0, out={result}_sum_squares)\n"
            "np.multiply({result}_sum_squares, {result}_inv_dof, out={result}_inv_std)\n"
            "np.multiply({running_mean}, {result}_keep, out={running_mean})\n"
            "np.multiply({result}_mean, {result}_momentum, out={result}_mean)\n"
            "np.add({running_mean}, {result}_mean, out={running_mean})\n"
            "np.multiply({running_var}, {result}_keep, out={running_var})\n"
            "np.multiply({result}_sum_squares, {result}_spread, out={result}_sum_squares)\n"
            "np.add({running_var}, {result}_sum_squares, out={running_var})\n"
            "np.add({result}_inv_std, {result}_eps, out={result}_inv_std)\n"
            "np.power({result}_inv_std, {result}_minus_half, out={result}_inv_std)\n"
            "np.multiply({result}_normed, {result}_inv_std, out={result}_normed)\n"
            "np.multiply({result}_normed, {weight}, out={out})\n"
            "np.add({out}, {bias}, out={out})").format_map(f)


def _batch_norm_grad(f):
    # inv_std * (dnormed - mean(dnormed) - normed * sum(dnormed * normed) / (n - correction))
    return ("np.multiply({grad}, {weight}, out={out})\n"
            "np.multiply({out}, {result}_normed, out={result}_rows)\n"
            "np.add.reduce({result}_rows, axis=0, out={result}_columns)\n"
            "np.multiply({result}_columns, {result}_inv_dof, out={result}_columns)\n"
            "np.multiply({result}_normed, {result}_columns, out={result}_rows)\n"
            "np.add.reduce({out}, axis=0, out={result}_columns)\n"
            "np.multiply({result}_columns, {result}_inv_n, out={result}_columns)\n"
            "np.subtract({out}, {result}_columns, out={out})\n"
            "np.subtract({out}, {result}_rows, out={out})\n"
            "np.multiply({out}, {result}_inv_std, out={out})").format_map(f)


def _batch_norm_saves(f):
    rows, columns = f.value("self_shape"), f.value("self_shape")[1:]
    n, momentum, running = rows[0], f.value("momentum"), f.value("running_mean").dtype
    numbers = {"inv_n": constant(1 / n), "inv_dof": constant(1 / (n - f.value("correction"))),
               "keep": constant(1 - momentum, running), "momentum": constant(momentum),
               "spread": constant(momentum / (n - 1)), "eps": constant(f.value("eps")), "minus_half": constant(-0.5)}
    return {"mean": columns, "normed": rows, "sum_squares": columns, "inv_std": columns, "rows": rows,
            "columns": columns, **numbers}


def _cross_entropy_applies(f):
    target = f.value("target")
    return f.ndim("self") == 2 and all(f.value("self_shape")) and isinstance(target, np.ndarray) \
        and target.ndim == 1 and target.dtype.kind in "iu" and "target_check" in f


def _cross_entropy_forward(f):
    # F.cross_entropy's check of the targets (its IndexError, the rows of ignore_index and the count of the others),
    # then rules.cross_entropy: log_probs shifted by the row max; the mean of -log_probs at the targets
    return ("{result}_ignored, {result}_rows = {target_check}({target})\n"
            "{self}.argmax(1, out={result}_argmax, keepdims=True)\n"  # row_max: each row's max at its arg-max
            "np.add({result}_column_starts, {result}_argmax, out={result}_argmax)\n"
            "{self}.reshape(-1).take({result}_argmax, out={result}_row_max, mode='wrap')\n"
            "np.subtract({self}, {result}_row_max, out={result}_log_probs)\n"
            "np.exp({result}_log_probs, out={result}_exp)\n"
            "np.add.reduce({result}_exp, axis=1, keepdims=True, out={result}_sums)\n"
            "np.log({result}_sums, out={result}_sums)\n"
            "np.subtract({result}_log_probs, {result}_sums, out={result}_log_probs)\n"
            "np.add({result}_starts, {target}, out={result}_positions)\n"
            "if {result}_ignored is not None: np.copyto({result}_positions, {result}_starts, where={result}_ignored)\n"
            "{result}_log_probs.reshape(-1).take({result}_positions, out={result}_picked, mode='wrap')\n"
            "if {result}_ignored is not None: np.copyto({result}_picked, 0, where={result}_ignored)\n"
            "np.add.reduce({result}_picked, out={out})\n"
            "np.multiply({out}, {result}_minus_inv_n if {result}_ignored is None else -1 / {result}_rows, out={out})"
            ).format_map(f)


def _cross_entropy_grad(f):
    # (softmax - one_hot) / n, times the upstream gradient: cross_entropy_backward's steps; an ignored row's is 0
    return ("np.exp({result}_log_probs, out={out})\n"
            "{out}.reshape(-1)[{result}_positions] -= 1\n"
            "if {result}_ignored is not None: np.copyto({out}, 0, where={result}_ignored[:, None])\n"
            "np.multiply({out}, {grad} / {result}_rows, out={out})").format_map(f)


def _cross_entropy_saves(f):
    n, classes = f.value("self_shape")
    return {"log_probs": (n, classes), "exp": (n, classes), "sums": (n, 1), "picked": (n,),
            "positions": ((n,), np.int64), "starts": lambda dtype: np.arange(0, n * classes, classes),
            "argmax": ((n, 1), np.intp), "row_max": (n, 1), "minus_inv_n": constant(-1 / n),
            "column_starts": lambda dtype: np.arange(0, n * classes, classes).reshape(n, 1)}


def _one_hot_rows(f):
    # scatter_rows's one-hot product: for a small table, the rows picked as one-hot rows times the gradient
    index = f.value("index")
    return isinstance(index, np.ndarray) and index.dtype.kind in "iu" and f.ndim("self") == 2 and \
        f.value("self_shape")[0] <= IDENTITY_ROWS and f.value("self_shape")[0] * index.size <= ONE_HOT_LIMIT


def _embedding_grad(f):
    if not _one_hot_rows(f):
        return None
    size, width = f.value("index").size, f.value("self_shape")[1]
    # the forward's take raised for an index out of range: wrapping is its reading of a negative one, without a copy
    return (f"{{result}}_identity.take({{index}}.reshape(-1), axis=0, out={{result}}_one_hot, mode='wrap')\n"
            f"{product(f.value('grad_in_buffer'))}"
            f"({{result}}_one_hot.T, {{grad}}.reshape({size}, {width}), out={{out}})\n"
            f"if not isfinite(np.add.reduce({{out}}, axis=None)): np.copyto({{out}}, scatter_rows({{grad}}, {{self_shape}}, "
            f"{{self}}.dtype, {{index}}.reshape(-1)))").format_map(f)


def _embedding_saves(f):
    if not _one_hot_rows(f):
        return {}
    rows, size = f.value("self_shape")[0], f.value("index").size
    return {"identity": lambda dtype: np.eye(rows, dtype=dtype), "one_hot": (size, rows)}


def _last(f, name):
    return repr(f.value(name))


def _softmax_forward(f):
    # rules.softmax: exp with or without the shift (softmax_exp), divided by the sum
    dim = _last(f, "dim")
    return (f"softmax_exp({{self}}, {dim}, out={{out}})\n"
            f"np.divide({{out}}, last_dim_sum({{out}}, {dim}), out={{out}})").format_map(f)


def _softmax_grad(f):
    # softmax_backward: result * (grad - sum(grad * result))
    return (f"np.multiply({{grad}}, {{result}}, out={{out}})\n"
            f"np.subtract({{grad}}, last_dim_sum({{out}}, {_last(f, 'dim')}), out={{out}})\n"
            f"np.multiply({{out}}, {{result}}, out={{out}})").format_map(f)


def _layer_norm_mean(f, array):
    count = int(np.prod([f.value("self_shape")[d] for d in f.value("dims")]))
    return f"last_dim_sum({array}, {_last(f, 'dims')}) * (1 / {count})"


def _layer_norm_forward(f):
    # rules.layer_norm: normed = (self - mean) * rstd, rstd = 1 / sqrt(mean(normed ** 2) + eps)
    return (f"np.subtract({{self}}, {_layer_norm_mean(f, '{self}')}, out={{result}}_normed)\n"
            f"np.multiply({{result}}_normed, {{result}}_normed, out={{out}})\n"
            f"np.sqrt({_layer_norm_mean(f, '{out}')} + {{eps}}, out={{result}}_rstd)\n"
            f"np.divide(1, {{result}}_rstd, out={{result}}_rstd)\n"
            f"np.multiply({{result}}_normed, {{result}}_rstd, out={{result}}_normed)\n"
            f"np.multiply({{result}}_normed, {{weight}}, out={{out}})\nnp.add({{out}}, {{bias}}, out={{out}})").format_map(f)


def _layer_norm_grad(f):
    # rstd * (scaled - mean(scaled) - normed * mean(scaled * normed)), scaled = grad * weight
    return (f"np.multiply({{grad}}, {{weight}}, out={{result}}_scaled)\n"
            f"np.subtract({{result}}_scaled, {_layer_norm_mean(f, '{result}_scaled')}, out={{out}})\n"
            f"np.multiply({{result}}_scaled, {{result}}_normed, out={{result}}_scaled)\n"
            f"np.multiply({{result}}_normed, {_layer_norm_mean(f, '{result}_scaled')}, out={{result}}_scaled)\n"
            f"np.subtract({{out}}, {{result}}_scaled, out={{out}})\nnp.multiply({{out}}, {{result}}_rstd, out={{out}})"
            ).format_map(f)


def _layer_norm_saves(f):
    shape = f.value("self_shape")
    kept = tuple(1 if d in f.value("dims") else size for d, size in enumerate(shape))
    return {"normed": shape, "rstd": kept, "scaled": shape}


FUSED = {
    "batch_norm": Into(_batch_norm_forward, (_batch_norm_grad, "np.multiply({grad}, {result}_normed, out={out})",
                                             SAME), _batch_norm_applies, ("input", "result", "result"),
                       "batch_norm({self}, {weight}, {bias})", _batch_norm_saves),
    "cross_entropy": Into(_cross_entropy_forward, (_cross_entropy_grad,), _cross_entropy_applies, "input",
                          "cross_entropy({self}, {target})", _cross_entropy_saves),
    "getitem": Into(INTO["getitem"].forward, (_embedding_grad,), saves=_embedding_saves),
    "softmax": Into(_softmax_forward, (_softmax_grad,)),
    "layer_norm": Into(_layer_norm_forward, (_layer_norm_grad, "np.multiply({grad}, {result}_normed, out={out})",
                                             SAME), saves=_layer_norm_saves),
    # masked_fill: the other input, then the value where the mask holds; each gradient where it was taken
    "where": Into("np.copyto({out}, {other})\nnp.copyto({out}, {self}, where={condition})",
                  (None, "np.copyto({out}, 0)\nnp.copyto({out}, {grad}, where={condition})",
                   "np.copyto({out}, {grad})\nnp.copyto({out}, 0, where={condition})")),
}


def into_entry(op):
    """The buffered form of ``op``: fused, or element-wise (buffered.INTO), or None."""
    return FUSED.get(op) or INTO.get(op)
