"""Optimizer updates written into a compiled step instead of the optimizer's own call.

Plain SGD (no momentum, no weight decay, one group) whose parameters all got this step's
gradients, after ``zero_grad()`` set them to None: the parameters become views into one
flat buffer and their gradients views into another, so that the whole update is one numpy
call, ``parameters -= lr * gradients``, with ``lr`` read from the optimizer when the step
runs. A parameter stays an ordinary tensor whose array is a view of the buffer; ``.grad``
is a view of the gradients' buffer, written again by the next call. Any other optimizer
(momentum, Adam, AdamW) has its ``step()`` called by the compiled step, which does what
eager mode does.
"""

import numpy as np

from ..optim import SGD

__all__ = ["plain_sgd", "FlatSGD"]


def plain_sgd(optimizer):
    """True when ``optimizer``'s step is the update ``p -= lr * grad`` of every parameter."""
    return type(optimizer) is SGD and len(optimizer.param_groups) == 1 and all(
        not group["momentum"] and not group["weight_decay"] for group in optimizer.param_groups)


class FlatSGD:
    """The flat buffers of one plain SGD's parameters, made once the step is traced."""

    def __init__(self, optimizer, parameters):
        self.optimizer, self.parameters = optimizer, list(parameters)
        self.params_flat = self.grads_flat = None
        self.grad_views = []

    @staticmethod
    def applies(optimizer, stored):
        """The parameters of ``optimizer`` are exactly the tensors given gradients (``stored``,
        in order), of one floating dtype."""
        parameters = optimizer.param_groups[0]["params"]
        return (len(parameters) == len(stored) and {id(p) for p in parameters} == {id(t) for t in stored}
                and len({t.array.dtype for t in stored}) == 1 and stored[0].array.dtype.kind == "f")

    def build(self):
        """Move the parameters' values into one buffer and make each parameter's array a view
        of it, unless they are already laid out so (by another trace of the same step, which
        then stays valid too)."""
        sizes = [p.array.size for p in self.parameters]
        dtype = self.parameters[0].array.dtype
        laid_out = self._laid_out(sizes)
        self.params_flat = np.empty(sum(sizes), dtype) if laid_out is None else laid_out
        self.grads_flat = np.zeros(sum(sizes), dtype)
        start = 0
        for p, size in zip(self.parameters, sizes):
            view = self.params_flat[start:start + size].reshape(p.array.shape)
            if p.array.base is not self.params_flat:
                view[...] = p.array
                p.array = view
            self.grad_views.append(self.grads_flat[start:start + size].reshape(view.shape))
            start += size

    def _laid_out(self, sizes):
        """The buffer the parameters are already consecutive views of, in order, or None."""
        base = self.parameters[0].array.base
        if base is None or base.ndim != 1 or base.size != sum(sizes):
            return None
        start, address, itemsize = 0, base.ctypes.data, base.itemsize
        for p, size in zip(self.parameters, sizes):
            if p.array.base is not base or not p.array.flags.c_contiguous or \
                    p.array.ctypes.data != address + start * itemsize:
                return None
            start += size
        return base

    def valid(self):
        """The guard: each parameter still a view of the buffer, the optimizer still plain SGD."""
        now = self.optimizer.param_groups[0]["params"]
        return plain_sgd(self.optimizer) and len(now) == len(self.parameters) and all(
            p is q and p.array.base is self.params_flat for p, q in zip(now, self.parameters))
