"""Optimisers, as in ``torch.optim``: they update ``p.data`` in place from ``p.grad``."""

import numpy as np


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts with "params" and settings)."""

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = [{**defaults, **group, "params": list(group["params"])} for group in groups]
        self.state = {}

    @property
    def lr(self):
        """The learning rate (of the first group); setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None, or to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.data)

    def step(self):
        """Update every parameter that has a gradient."""
        for group in self.param_groups:
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    if weight_decay:
                        grad = grad + weight_decay * p.data
                    self._update(p, grad, group)

    def _state(self, p):
        """The optimiser's state for ``p`` (a dict, empty at first)."""
        return self.state.setdefault(id(p), {})

    def _update(self, p, grad, group):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay, as torch.optim.SGD."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    def _update(self, p, grad, group):
        if group["momentum"]:
            state = self._state(p)
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= group["momentum"]
                buffer += grad
            grad = buffer
        p.data -= group["lr"] * grad


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (weight decay added to the gradient, bias-corrected moments)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def _update(self, p, grad, group):
        state = self._state(p)
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
        state["step"] += 1
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = group["lr"] / (1 - beta1 ** state["step"])
        denominator = np.sqrt(exp_avg_sq / (1 - beta2 ** state["step"])) + group["eps"]
        p.data -= (step_size * exp_avg / denominator).astype(p.data.dtype, copy=False)
