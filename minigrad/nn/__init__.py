"""Layers and models, as in ``torch.nn``."""

from . import functional, init, utils
from .activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, Mish,
                         ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh)
from .containers import ModuleDict, ModuleList, Sequential
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .modules import Dropout, Embedding, Flatten, Identity, Linear, Module, Parameter
from .normalization import BatchNorm1d, LayerNorm

__all__ = ["functional", "init", "utils", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss",
           "BatchNorm1d", "Dropout", "Embedding", "Flatten", "Identity", "LayerNorm", "Linear",
           "Module", "ModuleDict", "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
           "CELU", "ELU", "GELU", "SELU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish",
           "ReLU6", "SiLU", "Softplus", "Softsign"]
