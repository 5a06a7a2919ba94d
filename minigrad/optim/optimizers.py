"""Optimisers, as in ``torch.optim``: they update ``p.array`` in place from the gradient
array (the one behind ``p.grad``), and bump the parameter's version once per step."""

import numpy as np

from ..engine import mark_written
from ..state import tracer
from ..tensor_inplace import reset_gradients

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


def _check_at_least(value, low, description):
    """torch's check of a setting: ValueError("Invalid <description>: <value>")."""
    if not value >= low:
        raise ValueError(f"Invalid {description}: {value}")


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts with "params" and settings)."""

    def __init__(self, params, defaults):
        _check_at_least(defaults["lr"], 0.0, "learning rate")
        _check_at_least(defaults["weight_decay"], 0.0, "weight_decay value")
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
        """Reset the gradients of all parameters (to None, or to zeros in place)."""
        for group in self.param_groups:
            reset_gradients(group["params"], set_to_none, self)

    def step(self):
        """Update every parameter that has a gradient."""
        recorder = tracer()
        if recorder is not None:  # mg.compile is tracing: the compiled step makes this call too
            recorder.call(self, "step")
        updated = []
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad  # the array behind p.grad, or None
                if grad is not None:
                    try:
                        self._update(p, grad, group)
                    except ValueError as error:
                        if p.array.flags.writeable:
                            raise
                        raise self._read_only_error(p, group) from error
                    updated.append(p)
        mark_written(*updated)

    def _read_only_error(self, p, group):
        index = next(i for i, q in enumerate(group["params"]) if q is p)  # by identity: == compares elements
        group_index = next(i for i, g in enumerate(self.param_groups) if g is group)
        position = f"parameter {index} of group {group_index}"
        label = f" {p.label!r}" if p.label else ""
        return RuntimeError(f"{type(self).__name__}.step: {position}{label} (shape {p.shape}) holds a read-only "
                            f"array, which the update cannot write in place; make the parameter with mg.tensor(array), "
                            f"which copies, or from a writable array")

    def _state(self, p):
        """The optimiser's state for ``p`` (a dict, empty at first)."""
        return self.state.setdefault(id(p), {})

    def _update(self, p, grad, group):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (with ``dampening``, or
    Nesterov's), and weight decay added to the gradient, as torch.optim.SGD."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        _check_at_least(momentum, 0.0, "momentum value")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def _update(self, p, grad, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.array
        if group["momentum"]:
            grad = self._momentum_step(p, grad, group)
        p.array -= group["lr"] * grad

    def _momentum_step(self, p, grad, group):
        """The direction with momentum: the running buffer (started at the first gradient,
        undamped), or with Nesterov the gradient plus momentum times the buffer."""
        momentum = group["momentum"]
        state = self._state(p)
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = grad.copy()
        else:
            buffer *= momentum
            buffer += (1 - group["dampening"]) * grad
        return grad + momentum * buffer if group["nesterov"] else buffer


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: bias-corrected moments; weight decay added to the
    gradient, or with ``decoupled_weight_decay`` applied to the parameter (AdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False):
        _check_at_least(eps, 0.0, "epsilon value")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _update(self, p, grad, group):
        if group["decoupled_weight_decay"]:
            p.array *= 1 - group["lr"] * group["weight_decay"]
        elif group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.array
        state = self._state(p)
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.array), exp_avg_sq=np.zeros_like(p.array))
        state["step"] += 1
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = group["lr"] / (1 - beta1 ** state["step"])
        denominator = np.sqrt(exp_avg_sq / (1 - beta2 ** state["step"])) + group["eps"]
        p.array -= (step_size * exp_avg / denominator).astype(p.array.dtype, copy=False)


class AdamW(Adam):
    """Adam with decoupled weight decay, as torch.optim.AdamW: each step first shrinks
    the parameter by ``lr * weight_decay`` (default 0.01), the gradient is left alone."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)
