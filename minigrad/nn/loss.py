"""Loss layers, as in ``torch.nn``: each holds the settings of a function of
``minigrad.functional`` and calls it."""

from .. import functional as F
from .modules import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss"]


class _Loss(Module):
    """A loss function with its keyword settings fixed."""

    function = None

    def __init__(self, **settings):
        self.setting_names = tuple(settings)
        for name, value in settings.items():  # attributes, as torch's (loss.reduction, ...)
            setattr(self, name, value)

    def forward(self, input, target):
        """The loss of ``input`` against ``target``."""
        return type(self).function(input, target, **{name: getattr(self, name) for name in self.setting_names})

    def extra_repr(self):
        """The settings given (None left out)."""
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in self.setting_names
                         if getattr(self, name) is not None)


class CrossEntropyLoss(_Loss):
    """``F.cross_entropy`` as a layer."""

    function = staticmethod(F.cross_entropy)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """``F.nll_loss`` as a layer."""

    function = staticmethod(F.nll_loss)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)


class BCELoss(_Loss):
    """``F.binary_cross_entropy`` as a layer."""

    function = staticmethod(F.binary_cross_entropy)

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(weight=weight, reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    """``F.binary_cross_entropy_with_logits`` as a layer."""

    function = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight=weight, reduction=reduction, pos_weight=pos_weight)


class MSELoss(_Loss):
    """``F.mse_loss`` as a layer."""

    function = staticmethod(F.mse_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class L1Loss(_Loss):
    """``F.l1_loss`` as a layer."""

    function = staticmethod(F.l1_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)
