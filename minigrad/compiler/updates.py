"""Optimizer updates written into a compiled step instead of the optimizer's own call.

SGD (with momentum, dampening, Nesterov's and weight decay or without), Adam and AdamW, in
one group whose parameters all got this step's gradients after ``zero_grad()`` set them to
None: the parameters become views into one flat buffer, their gradients views into
another, and the optimizer's state (momentum buffers, Adam's moments) views into flat
buffers of their own, so that the whole update is a few numpy calls over all parameters
at once, each the optimizer's own operation (optim/optimizers.py), so that the numbers are
an eager step's. The learning rate, momentum, betas, eps, weight decay and Adam's step
count are read when the step runs; which terms the update has (weight decay or not,
Nesterov's or not) is part of the code, and a guard traces again when it changes. A
parameter stays an ordinary tensor whose array is a view of the buffer; ``.grad`` is a
view of the gradients' buffer, written again by the next call; ``optimizer.state`` holds
views of the state's buffers.
"""

import numpy as np

from ..optim import SGD, Adam, AdamW

__all__ = ["FlatUpdate", "count_step"]

STATE = {SGD: ("momentum_buffer",), Adam: ("exp_avg", "exp_avg_sq"), AdamW: ("exp_avg", "exp_avg_sq")}


def _terms(optimizer):
    """What the update's code depends on: the optimizer's type and which terms it has."""
    group = optimizer.param_groups[0]
    if type(optimizer) is SGD:
        return SGD, bool(group["weight_decay"]), bool(group["momentum"]), group["nesterov"]
    return type(optimizer), bool(group["weight_decay"]), group["decoupled_weight_decay"]


def count_step(optimizer):
    """One more step in each parameter's Adam state, as ``step()`` counts it: the count."""
    for p in optimizer.param_groups[0]["params"]:
        state = optimizer.state[id(p)]
        state["step"] += 1
    return state["step"]


def _laid_out(arrays, sizes):
    """The buffer that ``arrays`` are already consecutive views of, in order, or None."""
    base = arrays[0].base
    if base is None or base.ndim != 1 or base.size != sum(sizes):
        return None
    start, address, itemsize = 0, base.ctypes.data, base.itemsize
    for array, size in zip(arrays, sizes):
        if array.base is not base or not array.flags.c_contiguous or array.ctypes.data != address + start * itemsize:
            return None
        start += size
    return base


def _flatten(arrays, dtype):
    """One buffer holding ``arrays`` one after another, and each one's view of it (the
    buffer they already are views of, as another trace of the same step left them)."""
    sizes = [a.size for a in arrays]
    flat = _laid_out(arrays, sizes)
    if flat is not None:
        return flat, arrays
    flat, views, start = np.empty(sum(sizes), dtype), [], 0
    for array, size in zip(arrays, sizes):
        views.append(flat[start:start + size].reshape(array.shape))
        views[-1][...] = array
        start += size
    return flat, views


class FlatUpdate:
    """The flat buffers of one optimizer's parameters, gradients and state, made once the
    step is traced, and the code of its update over them."""

    def __init__(self, optimizer, number):
        self.optimizer, self.number = optimizer, number
        self.parameters = list(optimizer.param_groups[0]["params"])
        self.terms = _terms(optimizer)
        self.arrays = {}  # name in the code -> array (the flat buffers and the scratch arrays)
        self.grad_views = []

    @staticmethod
    def applies(optimizer, stored):
        """One group of an optimizer this module writes, whose parameters are exactly the
        tensors given gradients (``stored``, in order), of one floating dtype, and whose state
        is either not made yet or made for every parameter at the same step."""
        if type(optimizer) not in STATE or len(optimizer.param_groups) != 1:
            return False
        parameters = optimizer.param_groups[0]["params"]
        if not (len(parameters) == len(stored) and {id(p) for p in parameters} == {id(t) for t in stored}
                and len({t.array.dtype for t in stored}) == 1 and stored[0].array.dtype.kind == "f"):
            return False
        states = [optimizer.state.get(id(p), {}) for p in parameters]
        if type(optimizer) is SGD:
            return len({state.get("momentum_buffer") is None for state in states}) == 1
        return len({state.get("step") for state in states}) == 1

    def build(self):
        """Move the parameters' values, and the state's, into flat buffers, each array a view."""
        dtype, n = self.parameters[0].array.dtype, self.number
        flat, views = _flatten([p.array for p in self.parameters], dtype)
        for p, view in zip(self.parameters, views):
            if p.array is not view:
                p.array = view
        self.arrays[f"params_flat{n}"] = flat
        self.arrays[f"grads_flat{n}"] = np.zeros(flat.size, dtype)
        self.grad_views = [self.arrays[f"grads_flat{n}"][start - p.array.size:start].reshape(p.array.shape)
                           for p, start in zip(self.parameters, np.cumsum([p.array.size for p in self.parameters]))]
        for name in self._state_names():
            states = [self.optimizer.state[id(p)] for p in self.parameters]
            self.arrays[f"{name}_flat{n}"], views = _flatten([state[name] for state in states], dtype)
            for state, view in zip(states, views):
                state[name] = view
        for name in ("update", "scratch", "steps"):
            self.arrays[f"{name}_flat{n}"] = np.empty(flat.size, dtype)

    def _state_names(self):
        """The state written over flat buffers: Adam's moments; SGD's momentum buffers if it has momentum."""
        return STATE[type(self.optimizer)] if type(self.optimizer) is not SGD or self.terms[2] else ()

    def guards(self, guard):
        """Its checks in the step's guard (guards.py): the same optimizer type with the same
        terms, its one group's parameters the traced ones, each parameter and state array still
        a view of its buffer."""
        n, optimizer = self.number, guard.bind(self.optimizer, "optimizer")
        now = f"params_now{n}"
        guard.namespace["terms"] = _terms
        guard.checks += [f"len({optimizer}.param_groups) == 1", f"terms({optimizer}) == {guard.bind(self.terms, 'terms')}",
                         f"len({now} := {optimizer}.param_groups[0]['params']) == {len(self.parameters)}"]
        flat = guard.bind(self.arrays[f"params_flat{n}"], "flat")
        for position, p in enumerate(self.parameters):
            parameter = guard.bind(p, "parameter")
            guard.checks.append(f"{now}[{position}] is {parameter} and {parameter}.array.base is {flat}")
        for name in self._state_names():
            flat = guard.bind(self.arrays[f"{name}_flat{n}"], "flat")
            for p in self.parameters:
                state = f"{optimizer}.state.get({id(p)}, {{}}).get({name!r})"
                guard.checks.append(f"getattr({state}, 'base', None) is {flat}")

    def code(self, name):
        """The update's lines, ``name`` the optimizer's name in the code."""
        n = self.number
        group, grad, lines = f"group{n}", f"grads_flat{n}", [f"group{n} = {name}.param_groups[0]"]
        coupled = type(self.optimizer) is SGD or not self.terms[2]  # Adam's weight decay not decoupled (AdamW's)
        if self.terms[1] and coupled:  # grad + weight_decay * p
            lines += [f"np.multiply(params_flat{n}, {group}['weight_decay'], out=scratch_flat{n})",
                      f"np.add({grad}, scratch_flat{n}, out=scratch_flat{n})"]
            grad = f"scratch_flat{n}"
        if type(self.optimizer) is SGD:
            return lines + self._sgd(grad)
        return lines + self._adam(grad, name)

    def _sgd(self, grad):
        n, group, direction, lines = self.number, f"group{self.number}", grad, []
        if self.terms[2]:  # momentum: buffer = momentum * buffer + (1 - dampening) * grad
            buffer = f"momentum_buffer_flat{n}"
            lines += [f"np.multiply({buffer}, {group}['momentum'], out={buffer})",
                      f"np.multiply({grad}, 1 - {group}['dampening'], out=update_flat{n})",
                      f"np.add({buffer}, update_flat{n}, out={buffer})"]
            direction = buffer
            if self.terms[3]:  # Nesterov's: grad + momentum * buffer
                lines += [f"np.multiply({buffer}, {group}['momentum'], out=update_flat{n})",
                          f"np.add({grad}, update_flat{n}, out=update_flat{n})"]
                direction = f"update_flat{n}"
        return lines + [f"np.multiply({direction}, {group}['lr'], out=steps_flat{n})",
                        f"np.subtract(params_flat{n}, steps_flat{n}, out=params_flat{n})  # every parameter at once"]

    def _adam(self, grad, name):
        n, group = self.number, f"group{self.number}"
        m, v, update = f"exp_avg_flat{n}", f"exp_avg_sq_flat{n}", f"update_flat{n}"
        beta1, beta2, step = f"beta1_{n}", f"beta2_{n}", f"step_count{n}"
        lines = [f"{beta1}, {beta2} = {group}['betas']", f"{step} = count_step({name})"]
        if self.terms[2]:  # AdamW: the parameter shrunk first
            lines.append(f"np.multiply(params_flat{n}, 1 - {group}['lr'] * {group}['weight_decay'], out=params_flat{n})")
        return lines + [f"np.multiply({m}, {beta1}, out={m})", f"np.multiply({grad}, 1 - {beta1}, out={update})",
                        f"np.add({m}, {update}, out={m})", f"np.multiply({v}, {beta2}, out={v})",
                        f"np.multiply({grad}, 1 - {beta2}, out={update})", f"np.multiply({update}, {grad}, out={update})",
                        f"np.add({v}, {update}, out={v})",
                        f"np.divide({v}, 1 - {beta2} ** {step}, out={update})",  # the denominator
                        f"np.sqrt({update}, out={update})", f"np.add({update}, {group}['eps'], out={update})",
                        f"np.multiply({m}, {group}['lr'] / (1 - {beta1} ** {step}), out=steps_flat{n})",
                        f"np.divide(steps_flat{n}, {update}, out=steps_flat{n})",
                        f"np.subtract(params_flat{n}, steps_flat{n}, out=params_flat{n})  # every parameter at once"]
