"""mg.compile and the third makemore lecture's own layers (tests/lecture_code.py): Linear's
``self.out += self.bias`` (an in-place add in the graph, compiled as the out-of-place op it
records) and every layer's ``self.out`` (stored again by each call) compile and train as
eager to the bit; the lecture's BatchNorm1d, which replaces its running statistics by
assignment, is refused while tracing, with mg.nn.BatchNorm1d named instead."""

import numpy as np
import pytest

import minigrad as torch
import minigrad.functional as F

from lecture_code import BatchNorm1d, Linear, Tanh

DATA = np.random.default_rng(3)
XTR, YTR = torch.tensor(DATA.integers(0, 27, (400, 3))), torch.tensor(DATA.integers(0, 27, 400))


def lecture_step(batch_norm):
    """The lecture's network (embedding, Linear, [BatchNorm1d,] Tanh, Linear) and its step, the
    gradients reset as the lecture resets them and the update an optimizer's."""
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, 10), generator=g)
    layers = [Linear(torch, 30, 50, bias=not batch_norm, generator=g)] + ([BatchNorm1d(torch, 50)] if batch_norm else [])
    layers += [Tanh(torch), Linear(torch, 50, 27, generator=g)]
    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p in parameters:
        p.requires_grad = True
    optimizer = torch.optim.SGD(parameters, lr=0.1)

    def step(ix):
        x = C[XTR[ix]].view(len(ix), -1)
        for layer in layers:
            x = layer(x)
        loss = F.cross_entropy(x, YTR[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        optimizer.step()
        return loss

    return parameters, layers, step


def test_the_lectures_layers_compile_and_train_as_eager_to_the_bit():
    (eager_parameters, eager_layers, eager), (parameters, layers, step) = lecture_step(False), lecture_step(False)
    compiled = torch.compile(step)
    for _ in range(20):
        ix = torch.tensor(DATA.integers(0, 400, 32))
        assert compiled(ix).item() == eager(ix).item()
    for p, q in zip(eager_parameters, parameters):
        np.testing.assert_array_equal(q.numpy(), p.numpy())
    for a, b in zip(eager_layers, layers):  # the statistics the lecture plots from
        np.testing.assert_array_equal(b.out.numpy(), a.out.numpy())
    assert compiled.traces == 1


def test_the_lectures_batch_norm_is_refused_with_the_module_to_use():
    with pytest.raises(torch.CompileError, match="replaces the tensor held as 'running_mean'.*"
                                                 "mg.nn.BatchNorm1d"):
        torch.compile(lecture_step(True)[2])(torch.tensor(DATA.integers(0, 400, 32)))


class Holder:
    """An object a step stores its tensors in."""


HOLDER, STORED = Holder(), {}
LAST = None


def keep_detached(x, W):  # a tensor outside the graph, stored as an attribute
    h = (x @ W).tanh()
    HOLDER.act = h.detach()
    return h.sum()


def keep_in_a_dict(x, W):
    h = (x @ W).tanh()
    STORED["h"] = h
    return h.sum()


def keep_in_a_global(x, W):
    global LAST
    LAST = (x @ W).tanh()
    return LAST.sum()


def keep_in_an_argument(x, W, holder):
    holder.out = (x @ W).tanh()
    return holder.out.sum()


@pytest.mark.parametrize("step, stored", [
    (keep_detached, lambda: HOLDER.act), (keep_in_a_dict, lambda: STORED["h"]), (keep_in_a_global, lambda: LAST),
    (keep_in_an_argument, lambda: HOLDER.out),
], ids=["detached", "a dict's item", "a global", "an argument's attribute"])
def test_a_tensor_the_step_stores_is_stored_again_by_each_call(step, stored):
    W = torch.randn(3, 4)
    compiled = torch.compile(step)
    for seed in range(3):
        x = torch.tensor(np.random.default_rng(seed).standard_normal((2, 3)).astype(np.float32))
        args = (x, W, HOLDER)[:step.__code__.co_argcount]
        compiled(*args)
        np.testing.assert_array_equal(stored().numpy(), (x @ W).tanh().numpy())
    assert compiled.traces == 1


def append_to_a_list(x, W, kept=[]):  # noqa: B006 (the list the step appends to)
    kept.append((x @ W).tanh())
    return kept[-1].sum()


def keep_a_tuple(x, W):
    HOLDER.pair = ((x @ W).tanh(), x @ W)
    return HOLDER.pair[0].sum()


@pytest.mark.parametrize("step, message", [
    (append_to_a_list, "appends to a list"), (keep_a_tuple, "stores a tuple of tensors as 'pair'"),
], ids=["append", "tuple"])
def test_a_step_storing_what_it_cannot_store_again_fails_while_tracing(step, message):
    with pytest.raises(torch.CompileError, match=message):
        torch.compile(step)(torch.ones(2, 3), torch.ones(3, 4))
