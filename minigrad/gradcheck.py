"""Checking backward() against central finite differences."""

import numpy as np

from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "numeric_gradients"]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when an analytic gradient differs from the numeric one."""


def _as_float64(value):
    if isinstance(value, Tensor) and value.dtype.kind == "f":
        return Tensor(value.array.astype(np.float64), requires_grad=value.requires_grad, label=value.label)
    return value


def numeric_gradients(fn, inputs, weights, eps):
    """d(sum(weights * fn(*inputs)))/d(input) by central differences, for every input
    that requires grad (None for the others)."""
    def weighted_output():
        return float(np.sum(weights * np.asarray(fn(*inputs).array, dtype=np.float64)))

    gradients = []
    for value in inputs:
        if not (isinstance(value, Tensor) and value.requires_grad):
            gradients.append(None)
            continue
        # element by element in place, by position: reshape(-1) would perturb a copy of
        # an array that is not C-contiguous (a transpose), leaving the input unchanged
        data, gradient = value.array, np.zeros(value.array.shape, value.array.dtype)
        for position in np.ndindex(data.shape):
            original = data[position]
            data[position] = original + eps
            above = weighted_output()
            data[position] = original - eps
            below = weighted_output()
            data[position] = original
            gradient[position] = (above - below) / (2 * eps)
        gradients.append(gradient)
    return gradients


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check ``fn``'s gradients with respect to every input that requires grad.

    The inputs are copied to float64. The output is weighted by random numbers (so
    errors cannot cancel in a plain sum), backward() gives the analytic gradients,
    and central differences with step ``eps`` the numeric ones, element by element.
    Returns True, or raises GradcheckError naming the input, the worst element and
    both values when ``|analytic - numeric| > atol + rtol * |numeric|`` anywhere.
    """
    inputs = [_as_float64(value) for value in inputs]
    if not any(isinstance(v, Tensor) and v.requires_grad for v in inputs):
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    output = fn(*inputs)
    weights = np.random.default_rng(seed).standard_normal(output.shape)
    for value in inputs:
        if isinstance(value, Tensor):
            value.grad = None
    output.backward(weights)
    numeric = numeric_gradients(fn, inputs, weights, eps)
    for position, (value, expected) in enumerate(zip(inputs, numeric)):
        if expected is None:
            continue
        analytic = value._grad if value._grad is not None else np.zeros_like(value.array)
        excess = np.abs(analytic - expected) - (atol + rtol * np.abs(expected))
        if excess.size and (np.isnan(excess).any() or excess.max() > 0):
            worst = np.unravel_index(np.nanargmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape)
            name = f"input {position}" + (f" ({value.label!r})" if value.label else "")
            raise GradcheckError(
                f"gradcheck: the gradient of {name}, of shape {value.shape}, differs from finite "
                f"differences at element {tuple(int(i) for i in worst)}: backward gave "
                f"{float(analytic[worst])!r}, finite differences {float(expected[worst])!r} "
                f"(atol={atol}, rtol={rtol})"
            )
    return True
