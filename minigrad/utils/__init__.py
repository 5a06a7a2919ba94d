"""``minigrad.utils``, as ``torch.utils``: ``data`` (datasets, samplers, the DataLoader);
``minigrad.utils.tensorboard`` is imported on its own, as in PyTorch, since it needs an extra."""

from . import data

__all__ = ["data"]
