"""Functions of tensors that are not methods, as in ``torch.nn.functional``; the
activation functions are in activations.py, the losses in losses.py."""

import numpy as np

from . import activations, losses
from .arguments import check_floating, check_same_dtype
from .activations import *  # noqa: F401,F403  (the names of activations.__all__)
from .engine import ops
from .state import tracer
from .losses import *  # noqa: F401,F403  (the names listed in losses.__all__)
from .tensor import Tensor
from .tensor_math import traced_constant

__all__ = ["softmax", "log_softmax", "one_hot", "linear", "batch_norm", "layer_norm"] + list(activations.__all__) + list(losses.__all__)


def softmax(x, dim):
    """exp(x) / sum(exp(x)) along ``dim``, shifted by the max for stability."""
    return x.softmax(dim)


def log_softmax(x, dim):
    """x - logsumexp(x) along ``dim``, computed stably (and precisely in float32)."""
    return x.log_softmax(dim)


def one_hot(indices, num_classes=-1):
    """An int64 tensor with a 1 at each index along a new last dimension; ``num_classes``
    -1: one more than the largest index. Made again from each call's indices in a step that
    mg.compile traced (the number of classes is then the traced call's)."""
    array = np.asarray(indices.array if isinstance(indices, Tensor) else indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {array.dtype}")
    classes = num_classes if num_classes >= 0 else int(array.max()) + 1 if array.size else 0
    return traced_constant(_one_hot_table, indices if isinstance(indices, Tensor) else array, classes, num_classes < 0)


def _one_hot_table(indices, classes, inferred):
    """one_hot's table, its indices checked: made by one_hot, and by each call of a compiled step."""
    if inferred and indices.size and int(indices.max()) + 1 != classes:
        raise IndexError(f"one_hot: the indices need {int(indices.max()) + 1} classes, but this compiled step was "
                         f"traced with {classes} (num_classes=-1 counted them then): pass num_classes")
    if indices.size and (indices.min() < 0 or indices.max() >= classes):
        raise IndexError(f"one_hot: indices must lie in [0, {classes - 1}]")
    return np.eye(classes, dtype=np.int64)[indices]


def linear(x, weight, bias=None):
    """``x @ weight.T + bias``, with ``weight`` of shape (out_features, in_features)."""
    in_shape, weight_shape = x.array.shape, weight.array.shape
    if (len(weight_shape) != 2 or in_shape[-1:] != weight_shape[1:]
            or (bias is not None and bias.array.shape != weight_shape[:1])):
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}"
                         + ("" if bias is None else f" and bias of shape {bias.shape}"))
    dtype = weight.array.dtype
    if x.array.dtype is not dtype or bias is not None and bias.array.dtype is not dtype:  # the check, only if needed
        check_same_dtype("linear", ("input", "weight", "bias"), x, weight, bias)
    return ops.linear(x, weight) if bias is None else ops.linear(x, weight, bias)


def batch_norm(x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5,
               correction=0):
    """Batch normalisation of ``x`` of shape (N, C), per feature, as
    ``torch.nn.functional.batch_norm``; ``correction`` is subtracted from n in the batch
    variance (0 as in PyTorch, 1 for Bessel's correction as in the lecture). In training,
    ``running_mean`` and ``running_var`` (Tensors or None) are updated in place."""
    shape = x.array.shape
    if len(shape) != 2 or weight.array.shape != shape[1:] or bias.array.shape != shape[1:]:
        raise ValueError(f"batch_norm: needs input of shape (N, C) with weight and bias of shape (C,), "
                         f"got {x.shape}, {weight.shape}, {bias.shape}")
    check_same_dtype("batch_norm", ("input", "weight", "bias", "running_mean", "running_var"), x, weight, bias,
                     running_mean, running_var)
    check_floating(x, "batch_norm")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation needs running_mean and running_var")
    if shape[1] == 0:  # PyTorch refuses a weight of no channels too
        raise ValueError(f"batch_norm: an input of shape {x.shape} has no channels to normalise")
    if training and shape[0] == 0:  # nothing to normalise; the running statistics stay, as in PyTorch
        return x * weight + bias
    if training and shape[0] <= correction:
        raise ValueError(f"batch_norm: a batch of {x.shape[0]} gives no variance with correction={correction}")
    if training and shape[0] == 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of "
                         f"shape {x.shape}")
    recorder = tracer()
    if recorder is not None and running_mean is not None:  # mg.compile: the code updates these very arrays
        recorder.holds(running_mean, running_var)
    return ops.batch_norm(x, weight, bias, running_mean=None if running_mean is None else running_mean.array,
                          running_var=None if running_var is None else running_var.array, training=training,
                          momentum=momentum, eps=eps, correction=correction)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5, name="layer_norm"):
    """Normalise ``x`` over its last dimensions, those of ``normalized_shape``, with the
    biased variance, then times ``weight`` plus ``bias`` (each of ``normalized_shape``, or
    None), as ``torch.nn.functional.layer_norm``."""
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    count = len(shape)
    if x.ndim < count or x.array.shape[x.ndim - count:] != shape:
        raise RuntimeError(f"{name}: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {str(list(shape))[1:-1]}], but got input of size {x.shape}")
    inputs = [t for t in (weight, bias) if t is not None]
    if weight is None and bias is not None:
        raise ValueError(f"{name}: a bias needs a weight")
    return ops.layer_norm(x, *inputs, dims=tuple(range(x.ndim - count, x.ndim)), eps=eps)
