"""The rules of the element-wise losses added for issue 14: binary cross-entropy on
probabilities and on logits, per element (functional's losses reduce them). The
vocabulary is described in rules/__init__.py."""

import numpy as np

from .helpers import quiet
from .loss_helpers import bce_backward, bce_target_backward, clamped_log, softplus

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]


def binary_cross_entropy(self, target):
    """-(target * log(self) + (1 - target) * log(1 - self)), the logs clamped at -100
    as in PyTorch, so that a probability of 0 or 1 gives a finite loss."""
    log_p, log_not_p = clamped_log(self), clamped_log(1 - self)
    return -(target * log_p + (1 - target) * log_not_p), (lambda grad: bce_backward(grad, self, target),
                                                          lambda grad: bce_target_backward(grad, self))


@quiet
def binary_cross_entropy_with_logits(self, target, pos_weight=1.0):
    """-(pos_weight * target * log(sigmoid(self)) + (1 - target) * log(1 - sigmoid(self))),
    with log(sigmoid(x)) = -softplus(-x) computed without overflow."""
    softplus_neg, softplus_pos = softplus(-self), softplus(self)
    weight = pos_weight * target
    sig = np.exp(-softplus_neg)
    return weight * softplus_neg + (1 - target) * softplus_pos, (
        lambda grad: grad * (sig * (1 - target + weight) - weight),
        lambda grad: grad * (pos_weight * softplus_neg - softplus_pos),
        lambda grad: grad * target * softplus_neg)
