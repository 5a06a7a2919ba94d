"""Normalisation layers, as in ``torch.nn``: BatchNorm1d and LayerNorm."""

import numpy as np

from .. import functional as F
from ..tensor import Tensor, get_default_dtype
from .modules import Module, Parameter

__all__ = ["BatchNorm1d", "LayerNorm"]


class BatchNorm1d(Module):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C (statistics over
    N, and L), with a learnt gain (``weight``) and bias.

    The variance convention is explicit: ``correction=0`` (default) divides the batch
    variance by n, as PyTorch does; ``correction=1`` divides by n - 1 (Bessel), as the
    lecture does. The running variance is always the unbiased one, as in PyTorch.
    Training normalises with the batch's statistics and updates the running ones
    (``momentum``); evaluation uses the running ones."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, correction=0, dtype=None):
        self.num_features, self.eps, self.momentum, self.correction = num_features, eps, momentum, correction
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
        # counted as PyTorch does, so that state dicts have the same entries
        self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))

    def forward(self, x):
        """Normalise ``x`` of shape (N, C) or (N, C, L) with the batch's statistics in
        training mode (updating the running ones), with the running ones in evaluation mode."""
        shape = x.array.shape
        if len(shape) not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {len(shape)}D input)")
        if self.training:
            if x.array.size == shape[1]:
                raise ValueError(f"BatchNorm1d: Expected more than 1 value per channel when training, "
                                 f"got input size {x.shape}")
            count = self.num_batches_tracked.array
            count[()] = count.item() + 1  # a tenth of the cost of count += 1, a ufunc call on a 0-d array
        # (N, C, L) -> (N * L, C): every position of every sample is one row of channels
        rows = x if len(shape) == 2 else x.permute(0, 2, 1).reshape(-1, shape[1])
        out = F.batch_norm(rows, self.running_mean, self.running_var, self.weight, self.bias,
                           training=self.training, momentum=self.momentum, eps=self.eps, correction=self.correction)
        return out if len(shape) == 2 else out.reshape(shape[0], shape[2], shape[1]).permute(0, 2, 1)

    def extra_repr(self):
        """The number of features and the settings."""
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, correction={self.correction}"


class LayerNorm(Module):
    """Normalise over the last dimensions, those of ``normalized_shape``: (x - mean) /
    sqrt(var + eps) with the biased variance, then times ``weight`` (ones) plus ``bias``
    (zeros), both of ``normalized_shape``, unless ``elementwise_affine`` (or ``bias``) is False."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(n) for n in shape), eps, elementwise_affine
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        """``x`` normalised over its last ``len(normalized_shape)`` dimensions."""
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps, name="LayerNorm")

    def extra_repr(self):
        """The shape and the settings."""
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
