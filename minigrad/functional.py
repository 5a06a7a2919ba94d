"""Functions of tensors that are not methods, as in ``torch.nn.functional``; the
activation functions are in activations.py."""

import numpy as np

from . import activations
from .activations import *  # noqa: F401,F403  (the names of activations.__all__)
from .arguments import dims as normal_dims
from .engine import ops
from .tensor import Tensor

__all__ = ["softmax", "log_softmax", "cross_entropy", "one_hot", "linear", "batch_norm"] + activations.__all__


def softmax(x, dim):
    """exp(x) / sum(exp(x)) along ``dim``, shifted by the max for stability (the shift
    is a constant, so it changes no gradient)."""
    dims = normal_dims(dim, x.ndim, "softmax")  # one dim, or () for a 0-d tensor
    counts = (x - Tensor(x.array.max(axis=dims, keepdims=True))).exp()
    return counts / counts.sum(dims, keepdim=True)


def log_softmax(x, dim):
    """x - logsumexp(x) along ``dim``, computed stably."""
    dims = normal_dims(dim, x.ndim, "log_softmax")  # one dim, or () for a 0-d tensor
    return x - x.logsumexp(dims, keepdim=True)


def cross_entropy(logits, target):
    """Mean over the batch of -log softmax(logits)[target]: ``logits`` of shape (N, C)
    or (C,), ``target`` the class indices, of shape (N,) or ()."""
    target = target.array if isinstance(target, Tensor) else np.asarray(target)
    if logits.ndim == 1:
        logits, target = logits.view(1, -1), target.reshape(1)
    if logits.ndim != 2 or not logits.shape[0]:
        raise ValueError(f"cross_entropy: logits must have shape (N, C) with N >= 1, or (C,), got {logits.shape}")
    if target.dtype.kind not in "iu" or target.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: target must hold {logits.shape[0]} integer class indices "
                         f"for logits of shape {logits.shape}, got {target.dtype} of shape {target.shape}")
    # as unsigned integers negative indices are huge: one comparison catches both ends
    if np.maximum.reduce(target.astype(np.uint64, copy=False)) >= logits.shape[1]:
        raise IndexError(f"cross_entropy: target holds a class index outside [0, {logits.shape[1] - 1}] "
                         f"for logits of shape {logits.shape}")
    return ops.cross_entropy(logits, target=target)


def one_hot(indices, num_classes=-1):
    """An int64 tensor with a 1 at each index along a new last dimension."""
    indices = np.asarray(indices.array if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {indices.dtype}")
    if num_classes < 0:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise IndexError(f"one_hot: indices must lie in [0, {num_classes - 1}]")
    return Tensor(np.eye(num_classes, dtype=np.int64)[indices])


def linear(x, weight, bias=None):
    """``x @ weight.T + bias``, with ``weight`` of shape (out_features, in_features)."""
    in_shape, weight_shape = x.array.shape, weight.array.shape
    if (len(weight_shape) != 2 or in_shape[-1:] != weight_shape[1:]
            or (bias is not None and bias.array.shape != weight_shape[:1])):
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}"
                         + ("" if bias is None else f" and bias of shape {bias.shape}"))
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
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation needs running_mean and running_var")
    if training and shape[0] <= correction:
        raise ValueError(f"batch_norm: a batch of {x.shape[0]} gives no variance with correction={correction}")
    return ops.batch_norm(x, weight, bias, running_mean=None if running_mean is None else running_mean.array,
                          running_var=None if running_var is None else running_var.array, training=training,
                          momentum=momentum, eps=eps, correction=correction)
