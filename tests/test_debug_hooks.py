"""Gradient hooks (register_hook), against torch's where it is installed."""

import numpy as np
import pytest

import minigrad as mg

from debug_helpers import (  # noqa: F401  (modes_off_after_each_test: an autouse fixture)
    leaf, modes_off_after_each_test)
from helpers import requires_torch, torch

# numpy warns of the very overflows and divisions by zero these tests make on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning")


# ----- gradient hooks -----

def test_a_hook_on_a_leaf_sees_its_gradient_as_a_tensor():
    x = leaf(1.0, 2.0)
    seen = []
    x.register_hook(lambda grad: seen.append(grad.clone()))
    (x * 3).sum().backward()
    assert len(seen) == 1 and isinstance(seen[0], mg.Tensor) and not seen[0].requires_grad
    np.testing.assert_array_equal(seen[0].numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_a_hook_on_an_intermediate_sees_its_gradient_without_keeping_it():
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = []
    y.register_hook(seen.append)
    (y * y).sum().backward()
    np.testing.assert_array_equal(seen[0], 2 * y.numpy())
    assert y.grad is None


def test_a_hook_sees_the_summed_gradient_of_a_tensor_used_twice_once():
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = []
    y.register_hook(lambda grad: seen.append(grad.clone()))
    (y * 3 + y * 4).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [7.0, 7.0])


def test_returning_none_keeps_the_gradient():
    x = leaf(1.0, 2.0)
    x.register_hook(lambda grad: None)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def clipping_program(lib, values):
    """A leaf, an intermediate clipped to [-1, 1] by a hook, the leaf clipped to
    [-2, 2]: returns the leaf and the intermediate's gradient as its hook saw it."""
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    hidden = x * 10
    clip = (lambda g: np.clip(g, -1.0, 1.0)) if lib is mg else (lambda g: g.clamp(-1.0, 1.0))
    leaf_clip = (lambda g: np.clip(g, -2.0, 2.0)) if lib is mg else (lambda g: g.clamp(-2.0, 2.0))
    seen = []
    hidden.register_hook(lambda g: seen.append(np.array(g if lib is mg else g.numpy())))
    hidden.register_hook(clip)
    x.register_hook(leaf_clip)
    loss = (hidden * lib.tensor([0.5, 5.0, -5.0], dtype=lib.float64)).sum()
    loss.backward()
    return x, seen[0]


def test_a_returned_array_replaces_the_gradient_upstream():
    x, seen = clipping_program(mg, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(seen, [0.5, 5.0, -5.0])
    # d hidden clipped to [0.5, 1, -1], times 10, then the leaf's hook clips to [-2, 2]
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, -2.0])


@requires_torch
def test_clipping_hooks_agree_with_torch():
    x, seen = clipping_program(mg, [1.0, 2.0, 3.0])
    tx, tseen = clipping_program(torch, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(seen, tseen)
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_hooks_run_in_order_each_seeing_the_last_ones_gradient():
    x = leaf(1.0, 2.0)
    seen = []
    x.register_hook(lambda grad: grad * 10)
    x.register_hook(lambda grad: seen.append(grad.clone()))
    x.register_hook(lambda grad: grad.numpy() + 1)  # an array is accepted too
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [30.0, 30.0])
    np.testing.assert_array_equal(x.grad, [31.0, 31.0])


def test_a_hook_returning_the_wrong_shape_is_a_clear_error():
    x = leaf(1.0, 2.0)

    def flatten_wrongly(grad):
        return grad[:1]

    x.register_hook(flatten_wrongly)
    with pytest.raises(RuntimeError, match=r"hook 'flatten_wrongly' returned a gradient of shape \(1,\) "
                                           r"for a tensor of shape \(2,\)"):
        (x * 3).sum().backward()


def test_removing_a_hook_stops_it():
    x = leaf(1.0, 2.0)
    seen = []
    handle = x.register_hook(seen.append)
    (x * 3).sum().backward()
    handle.remove()
    handle.remove()  # again is harmless
    (x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_a_hook_on_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(RuntimeError, match="register_hook: this tensor does not require grad"):
        mg.tensor([1.0, 2.0]).register_hook(print)
    with mg.no_grad():
        y = leaf(1.0) * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.register_hook(print)


def test_hooks_record_gradients_over_steps():
    w = leaf(1.0, -1.0)
    history = []
    w.register_hook(lambda grad: history.append(np.linalg.norm(grad)))
    optimizer = mg.optim.SGD([w], lr=0.25)
    for _ in range(3):
        optimizer.zero_grad()
        (w * w).sum().backward()
        optimizer.step()
    # w halves each step, and so does its gradient 2w: norms 2*sqrt(2), sqrt(2), sqrt(2)/2
    np.testing.assert_allclose(history, [2 * 2 ** 0.5, 2 ** 0.5, 2 ** 0.5 / 2])


def test_an_array_a_hook_returns_is_not_aliased_by_grad():
    fixed = np.array([1.0, 1.0])
    x = leaf(1.0, 2.0)
    x.register_hook(lambda grad: fixed)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(fixed, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
