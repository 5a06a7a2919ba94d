"""``torch.nn.utils``'s gradient clipping: scaling or clamping the parameters' gradients in
place, between ``backward()`` and the optimiser's step."""

import math

import numpy as np

from ..engine import Node, mark_written
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_gradients(parameters):
    if isinstance(parameters, Node):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _update_gradients(params, update):
    """``update(array, out)`` for every parameter's gradient: in place where the array can be
    written (the gradient tensor stays the same object, as in PyTorch), else into a new one."""
    for p in params:
        grad = p.grad.array
        if grad.flags.writeable:
            update(grad, grad)
            mark_written(p.grad)
        else:
            p.grad = update(grad, None)


def _norm(array, norm_type):
    """The ``norm_type``-norm of ``array``'s elements, in float64."""
    values = np.abs(array.astype(np.float64, copy=False))
    if norm_type == math.inf:
        return values.max(initial=0.0)
    if norm_type == -math.inf:
        return values.min(initial=math.inf)
    if norm_type == 0:
        return float(np.count_nonzero(values))
    return np.sum(values ** norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` (a tensor or an iterable of them) in place so that
    their norm together (the norm of the gradients' norms) is at most ``max_norm``, by
    ``min(1, max_norm / (norm + 1e-6))`` as PyTorch; returns the norm before clipping, a 0-d
    tensor. ``foreach`` is accepted and changes nothing."""
    params = _with_gradients(parameters)
    norm_type = float(norm_type)
    if not params:
        return Tensor(np.zeros((), np.float32))
    total = _norm(np.array([_norm(p.grad.array, norm_type) for p in params]), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"{total}, so they cannot be clipped; set error_if_nonfinite=False to go on anyway")
    dtype = params[0].grad.array.dtype
    total = dtype.type(total)
    scale = min(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    _update_gradients(params, lambda grad, out: np.multiply(grad, scale, out=out))
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of ``parameters`` to [-clip_value, clip_value], in place."""
    _update_gradients(_with_gradients(parameters), lambda grad, out: np.clip(grad, -clip_value, clip_value, out=out))
