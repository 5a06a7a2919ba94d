"""The loss functions of ``minigrad.functional``, with PyTorch's arguments: cross_entropy,
nll_loss, binary_cross_entropy (on probabilities and on logits), mse_loss and l1_loss.

``cross_entropy``'s default call (integer targets, mean, no weights or smoothing) is one
fused op, on the makemore hot path; its other options are composed from log_softmax,
gather and reductions, as PyTorch composes them."""

import functools
import math

import numpy as np

from .arguments import check_floating
from .engine import Node, ops
from .state import tracer
from .tensor import Tensor
from .tensor_math import traced_constant

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss"]

REDUCTIONS = ("mean", "sum", "none")
_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def _reduce(loss, reduction, name):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _array(value):
    return value.array if isinstance(value, Node) else np.asarray(value)


def _class_dim(logits):
    return 1 if logits.ndim > 1 else 0


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """-log softmax(input)[target], as ``torch.nn.functional.cross_entropy``: ``input`` of
    shape (N, C), (C,) or (N, C, d1, ...); ``target`` class indices of shape (N,), () or
    (N, d1, ...), or class probabilities of ``input``'s shape. ``weight`` weighs the classes,
    targets equal to ``ignore_index`` count for nothing, ``label_smoothing`` mixes the
    target with the uniform distribution."""
    if input.array.dtype.kind != "f":
        check_floating(input, "cross_entropy")
    target_array = _array(target)
    # a negative ignore_index (-100 by default) can be no class: then it only matters out of range
    if target_array.dtype.kind == "i" and weight is None and reduction == "mean" and not label_smoothing \
            and ignore_index < 0 and input.ndim in (1, 2) and _fits_fast_path(input, target_array, ignore_index):
        logits, indices = (input.view(1, -1), traced_constant(_one_row, target).array) if input.ndim == 1 \
            else (input, target_array)
        recorder = tracer()
        if recorder is not None:  # mg.compile: every call of the compiled step checks its targets as here
            recorder.checked(indices, functools.partial(_ignored_rows, shape=input.shape, ignore_index=ignore_index))
        try:
            return ops.cross_entropy(logits, target=indices)
        except IndexError:  # a class past the end
            _check_classes(target_array, input.shape, "cross_entropy")
            raise
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if target_array.dtype.kind != "f" or target_array.shape != input.shape:  # floats of another shape: indices
        _check_indices(input, target_array, "cross_entropy")
        _check_classes(np.where(target_array == ignore_index, 0, target_array), input.shape, "cross_entropy")
    log_probs = input.log_softmax(_class_dim(input))
    if target_array.dtype.kind == "f":
        return _probability_cross_entropy(log_probs, target, weight, reduction, label_smoothing)
    loss = _nll_loss(log_probs, target_array, weight, ignore_index, reduction, "cross_entropy")
    if not label_smoothing:
        return loss
    smooth = _smoothing_loss(log_probs, target_array, weight, ignore_index, reduction)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / input.shape[_class_dim(input)])


def _fits_fast_path(logits, target, ignore_index):
    """True when the fused op can take ``target``: (N,) or () indices, none negative. A negative
    one raises, unless it is ``ignore_index`` (then the composed path takes it); one past the
    end makes the fused op's indexing raise, which cross_entropy turns into its error."""
    rows = logits.shape[:1] if logits.ndim == 2 else ()
    if target.shape != rows or (logits.ndim == 2 and not rows[0]):
        return False
    return target.min() >= 0 or not np.any(target == ignore_index) and _check_classes(target, logits.shape, "cross_entropy")


def _one_row(target):
    """A single target as the fused op takes it, one row's (made again by each call of a compiled step)."""
    return np.asarray(target).reshape(1)


def _check_classes(target, shape, name):
    classes = shape[1 if len(shape) > 1 else 0]
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise IndexError(f"{name}: target holds a class index outside [0, {classes - 1}] for input of shape "
                         f"{shape}")
    return False


def _in_range(target, classes):
    """True when every target is a class in [0, classes)."""
    unsigned = _UNSIGNED.get(target.dtype)  # native signed integers only
    if target.dtype.kind == "u" or unsigned is not None and classes <= np.iinfo(target.dtype).max:
        return np.maximum.reduce(target.view(unsigned) if unsigned is not None else target) < classes
    return 0 <= target.min() and target.max() < classes


def _ignored_rows(target, shape, ignore_index):
    """The fused op's targets checked on each call of a compiled step as cross_entropy checks
    them here: IndexError for a class out of range; the rows whose target is ``ignore_index``
    (None if none is), which the loss leaves out, and the number of the others (the mean's).
    Seen as unsigned, a negative class is past every class, when there are fewer classes than
    the signed type's largest value: then one reduction checks both ends."""
    if not target.size or _in_range(target, shape[-1]):
        return None, target.size
    ignored = target == ignore_index
    _check_classes(np.where(ignored, 0, target), shape, "cross_entropy")
    return ignored, np.float64(target.size - np.count_nonzero(ignored))  # 0 rows: a mean of nan, as eager


def _check_indices(input, target, name):
    """TypeError or ValueError unless ``target`` holds integers of the shape ``input`` needs."""
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.dtype.kind not in "iu" or target.shape != expected:
        hint = "; convert them with .long()" if target.dtype.kind in "fb" and target.shape == expected else ""
        raise ValueError(f"{name}: target must hold integer class indices of shape {expected} for input of "
                         f"shape {input.shape}, got {target.dtype} of shape {target.shape}{hint}")


def _class_weights(weight, log_probs):
    """``weight`` (C,) shaped to multiply ``log_probs`` along the class dim."""
    shape = [1] * log_probs.ndim
    shape[_class_dim(log_probs)] = -1
    return Tensor(_array(weight).astype(log_probs.dtype)).view(shape)


def _probability_cross_entropy(log_probs, target, weight, reduction, label_smoothing):
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target))
    if target.shape != log_probs.shape:
        raise ValueError(f"cross_entropy: class probabilities of shape {target.shape} must have the input's "
                         f"shape {log_probs.shape}")
    classes = log_probs.shape[_class_dim(log_probs)]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    picked = log_probs * target if weight is None else log_probs * target * _class_weights(weight, log_probs)
    loss = -picked.sum(_class_dim(log_probs))
    if reduction == "mean":  # over the positions, not the weights, as in PyTorch
        return loss.sum() * (classes / log_probs.numel() if log_probs.numel() else math.nan)
    return _reduce(loss, reduction, "cross_entropy")


def _smoothing_loss(log_probs, target, weight, ignore_index, reduction):
    """PyTorch's smoothing term: -sum over classes of (weighted) log_probs, 0 where ignored."""
    picked = log_probs if weight is None else log_probs * _class_weights(weight, log_probs)
    kept = target != ignore_index
    loss = -picked.sum(_class_dim(log_probs)) * Tensor(kept.astype(log_probs.dtype))
    if reduction != "mean":
        return _reduce(loss, reduction, "cross_entropy")
    total = kept.sum() if weight is None else _array(weight)[target[kept]].sum()
    return loss.sum() * (1 / total if total else math.nan)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[target] (``input`` holding log-probabilities), as ``torch.nn.functional.nll_loss``:
    shapes, ``weight`` and ``ignore_index`` as in ``cross_entropy``; the mean divides by
    the total weight of the targets not ignored."""
    _check_indices(input, _array(target), "nll_loss")
    return _nll_loss(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll_loss(input, target, weight, ignore_index, reduction, name):
    """nll_loss, its errors in the name of the function called (``name``). What it makes of
    the targets' values is made again by each call of a compiled step (``traced_constant``)."""
    dim = _class_dim(input)
    classes = traced_constant(_picked_classes, target, tuple(input.shape), ignore_index, name)
    weights = traced_constant(_target_weights, target, weight, ignore_index, input.array.dtype)
    loss = -input.gather(dim, classes.array).squeeze(dim) * weights
    if reduction != "mean":
        return _reduce(loss, reduction, "nll_loss")
    return loss.sum() * traced_constant(_mean_scale, weights)


def _picked_classes(target, shape, ignore_index, name):
    """nll_loss's targets as gather takes them: ignore_index's replaced by class 0, the others
    checked against the classes, with the class dim."""
    target = np.asarray(target)
    safe = np.where(target != ignore_index, target, 0)
    _check_classes(safe, shape, name)
    return np.expand_dims(safe, 1 if len(shape) > 1 else 0)


def _target_weights(target, weight, ignore_index, dtype):
    """Each target's weight: 0 where it is ignore_index, else its class's (1 without ``weight``)."""
    target = np.asarray(target)
    kept = target != ignore_index
    return kept.astype(dtype) if weight is None else np.asarray(weight).astype(dtype)[np.where(kept, target, 0)] * kept


def _mean_scale(weights):
    """The mean's factor: 1 / the weights' total (nan when every target is ignored)."""
    total = weights.sum()
    return np.asarray(1 / total if total else math.nan, weights.dtype)


def _as_target(target, input, name):
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if target.shape != input.shape:
        raise ValueError(f"{name}: target of shape {target.shape} must have the input's shape {input.shape}")
    return target.to(input.dtype)


def _weighted(loss, weight):
    return loss if weight is None else loss * (weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight)))


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(target log(input) + (1 - target) log(1 - input)), the logs clamped at -100 as in
    PyTorch; ``input`` holds probabilities."""
    target = _as_target(target, input, "binary_cross_entropy")
    values = input.array
    if values.size and not (np.all(values >= 0) and np.all(values <= 1)):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    return _reduce(_weighted(ops.binary_cross_entropy(input, target), weight), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """``binary_cross_entropy(sigmoid(input), target)``, computed from the logits without
    overflow; ``pos_weight`` weighs the positive term (broadcast along the last dim)."""
    name = "binary_cross_entropy_with_logits"
    target = _as_target(target, input, name)
    if pos_weight is None:
        loss = ops.binary_cross_entropy_with_logits(input, target)
    else:
        pos_weight = pos_weight if isinstance(pos_weight, Tensor) else Tensor(np.asarray(pos_weight))
        loss = ops.binary_cross_entropy_with_logits(input, target, pos_weight.to(input.dtype))
    return _reduce(_weighted(loss, weight), reduction, name)


def mse_loss(input, target, reduction="mean"):
    """The squared differences, averaged (or summed, or not reduced)."""
    difference = input - target
    return _reduce(difference * difference, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """The absolute differences, averaged (or summed, or not reduced)."""
    return _reduce((input - target).abs(), reduction, "l1_loss")
