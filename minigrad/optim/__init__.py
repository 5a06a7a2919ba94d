"""Optimisers, as in ``torch.optim``, and ``minigrad.optim.lr_scheduler``."""

from . import lr_scheduler
from .optimizers import SGD, Adam, AdamW, Optimizer

__all__ = ["lr_scheduler", "Adam", "AdamW", "Optimizer", "SGD"]
