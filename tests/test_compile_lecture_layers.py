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
    with pytest.raises(torch.CompileError, match="replaces the tensor held as the attribute running_mean.*"
                                                 "mg.nn.BatchNorm1d"):
        torch.compile(lecture_step(True)[2])(torch.tensor(DATA.integers(0, 400, 32)))
