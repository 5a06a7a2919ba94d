"""Layers and models, as in ``torch.nn``."""

from . import functional
from .modules import (BatchNorm1d, Embedding, Flatten, Linear, Module, Parameter, ReLU, Sequential,
                      Tanh)

__all__ = ["functional", "BatchNorm1d", "Embedding", "Flatten", "Linear", "Module", "Parameter",
           "ReLU", "Sequential", "Tanh"]
