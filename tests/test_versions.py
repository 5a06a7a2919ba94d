"""Version counters: every in-place write bumps the version shared by the tensors that view
the same memory, and backward refuses a gradient that would be computed from an array
changed after the op saved it (the issue's two losses around an optimizer step)."""

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch


def test_each_in_place_write_bumps_the_version():
    x = mg.zeros(2, 3)
    assert x.version == 0
    x += 1
    x.mul_(2)
    x[0] = 5.0
    x.zero_()
    assert x.version == 4
    (x * 2).exp()  # ops read, they do not write
    assert x.version == 4


@pytest.mark.parametrize("make_view", [
    lambda x: x.data, lambda x: x.detach(), lambda x: x.view(6), lambda x: x.reshape(3, 2),
    lambda x: x.permute(1, 0), lambda x: x.transpose(0, 1), lambda x: x.T, lambda x: x[0], lambda x: x[:, 1:],
])
def test_tensors_sharing_memory_share_the_version(make_view):
    x = mg.zeros(2, 3)
    view = make_view(x)
    view += 1
    assert x.version == view.version == 1
    x.add_(1)
    assert view.version == 2
    assert np.shares_memory(view.numpy(), x.numpy()) and x.numpy().max() == 2.0


@pytest.mark.parametrize("make_copy", [lambda x: x.clone(), lambda x: x[[0, 1]], lambda x: x * 1, lambda x: x.exp()])
def test_new_memory_has_its_own_version(make_copy):
    x = mg.zeros(2, 3)
    copy = make_copy(x)
    copy += 1
    assert copy.version == 1 and x.version == 0


def test_an_optimizer_step_bumps_each_updated_parameter():
    w, unused = mg.ones(3, requires_grad=True), mg.ones(3, requires_grad=True)
    optimizer = mg.optim.Adam([w, unused], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    optimizer.step()
    assert w.version == 2 and unused.version == 0


def test_loading_a_state_dict_bumps_the_versions_it_writes():
    model = mg.nn.Linear(2, 3)
    model.load_state_dict(mg.nn.Linear(2, 3).state_dict())
    assert model.weight.version == model.bias.version == 1


def two_losses(lib, retain):
    """The issue's case: two losses from one forward, backward on the first, a step, then
    backward on the second."""
    x = lib.tensor([[1.0, 2.0]], requires_grad=True)
    W = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
    h = (x @ W).tanh()
    loss1 = (h * h).sum()
    loss2 = (h * W.sum(0)).sum()
    optimizer = lib.optim.SGD([x, W], lr=0.1)
    loss1.backward(retain_graph=retain)
    optimizer.step()
    loss2.backward()
    return x, W


def test_a_step_between_two_backwards_through_one_forward_is_refused():
    with pytest.raises(RuntimeError) as error:
        two_losses(mg, retain=True)
    message = str(error.value)
    assert message.startswith("backward: one of the tensors needed to compute the gradient of ")
    assert "was modified by an in-place operation" in message
    assert "is at version 1;" in message and "saw it at version 0" in message
    assert "optimizer.step()" in message


@requires_torch
def test_torch_refuses_the_same_case():
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        two_losses(torch, retain=True)


def test_the_message_names_the_op_the_tensor_its_shape_and_both_versions():
    W = mg.tensor(np.ones((2, 3)), requires_grad=True, label="W")
    y = (W * mg.full((2, 3), 2.0, requires_grad=True)).sum()
    with mg.no_grad():
        W += 1
        W += 1
    with pytest.raises(RuntimeError, match=r"gradient of mul was modified by an in-place operation: 'W' of shape "
                                           r"\(2, 3\) is at version 2; mul saw it at version 0"):
        y.backward()


def test_an_output_saved_for_backward_counts_too():
    x = mg.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.data += 1  # exp's gradient is its output: now wrong
    with pytest.raises(RuntimeError, match="gradient of exp.*its output of shape"):
        y.sum().backward()


def test_a_write_through_a_view_is_seen_on_the_tensor_it_views():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with mg.no_grad():
        x.view(3, 1)[0] = 10.0
    with pytest.raises(RuntimeError, match="gradient of mul"):
        y.backward()


def test_changes_that_no_saved_array_sees_are_fine():
    # sum keeps only its input's shape; mul(c, w) with c a constant keeps c for w's gradient
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    c = mg.tensor([5.0, 6.0])
    s = x.sum() + (c * w).sum()
    with mg.no_grad():
        x += 1
        w += 1
    s.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 6.0])


@requires_torch
def test_torch_agrees_that_changes_no_saved_array_sees_are_fine():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    s = x.sum() + (torch.tensor([5.0, 6.0]) * w).sum()
    with torch.no_grad():
        x += 1
        w += 1
    s.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 6.0])


def test_a_write_before_the_op_is_fine_and_training_loops_run():
    model = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 1))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    x = mg.randn(8, 3, generator=np.random.default_rng(0))
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[2] < losses[0]


def test_retain_graph_and_a_second_backward_without_writes_still_work():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
