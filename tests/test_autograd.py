"""What backward() does beyond each op's rule: accumulation, retained gradients,
no_grad, detach, released graphs, deep graphs and freeing memory."""

import gc
import math
import weakref

import numpy as np
import pytest

import minigrad as mg


def leaf(*shape, dtype=mg.float64):
    return mg.randn(*shape, generator=np.random.default_rng(0), dtype=dtype, requires_grad=True)


def test_leaf_gradients_accumulate_until_reset():
    p = leaf(3)
    (p * 2).sum().backward()
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad, [5, 5, 5])
    p.grad = None
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad, [3, 3, 3])


def test_only_retained_intermediates_keep_their_gradient():
    x = leaf(3)
    kept, dropped = x * 2, x * 3
    kept.retain_grad()
    (kept * dropped).sum().backward()
    assert kept.retains_grad and not dropped.retains_grad
    np.testing.assert_allclose(kept.grad, dropped.numpy())
    assert dropped.grad is None
    assert x.grad is not None


def test_retained_gradient_of_a_pass_through_op_is_its_own_array():
    # add hands its upstream gradient unchanged to its input: .grad must still be a copy each
    x = leaf(3)
    y = x + 1
    y.retain_grad()
    y.sum().backward()
    assert not np.shares_memory(x.grad, y.grad)


def test_no_grad_context_manager():
    x = leaf(3)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_no_grad_restores_grad_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_no_grad_decorator():
    @mg.no_grad()
    def double(t):
        assert not mg.is_grad_enabled()
        return t * 2

    assert not double(leaf(3)).requires_grad
    assert mg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf(3)
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_detach_shares_data_and_stops_gradients():
    x = leaf(3)
    d = x.detach()
    assert np.shares_memory(d.numpy(), x.numpy())
    assert not d.requires_grad and d.is_leaf
    (d * x).sum().backward()
    # only the attached factor carries a gradient: d(d * x)/dx = d
    np.testing.assert_array_equal(x.grad, x.numpy())


def test_requires_grad_():
    x = mg.zeros(3)
    assert x.requires_grad_() is x and x.requires_grad
    assert not x.requires_grad_(False).requires_grad


def test_second_backward_through_a_released_graph_raises():
    x = leaf(3)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"already freed.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf(3)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * x.numpy())


def test_backward_of_a_leaf():
    x = mg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad == 1.0


def test_backward_takes_a_gradient_array_or_tensor():
    x = leaf(2, 3)
    upstream = np.arange(6.0).reshape(2, 3)
    (x * 2).backward(upstream)
    (x * 2).backward(mg.tensor(upstream))
    np.testing.assert_array_equal(x.grad, 4 * upstream)
    assert not np.shares_memory(x.grad, upstream)


def test_gradients_of_a_0d_tensor_used_three_times_add_up():
    # numpy gives scalars, not arrays, for 0-d results: accumulating must still work
    x = leaf(())
    (x * 1.0 + x * 2.0 + x * 3.0).backward()
    assert x.grad.item() == 6.0 and isinstance(x.grad, mg.Tensor) and x.grad.shape == ()


def test_a_leaf_gradient_shared_with_a_pending_tensor_is_not_added_into():
    # a + b hands the same upstream array to the leaf a and to b; a's second gradient
    # (from w) must not be added into that array while b still has to use it
    a, c = leaf(3), leaf(3)
    b = c * 2.0
    w = a * 3.0
    (((a + b) + w) * 1.0).backward(np.ones(3, np.float32))  # * 1.0: an upstream array the walk made
    np.testing.assert_array_equal(a.grad, np.full(3, 4.0))
    np.testing.assert_array_equal(c.grad, np.full(3, 2.0))


def test_a_50000_op_chain():
    # a recursive walk would exceed Python's recursion limit long before this depth
    x = leaf(())
    y = x
    for _ in range(50_000):
        y = y + x
    y.backward()
    assert x.grad == 50_001
    with pytest.raises(RuntimeError, match="already freed"):
        y.backward()


def test_a_50000_op_chain_is_freed_with_its_root():
    # freeing 50,000 nested tensors must neither recurse too deep nor wait for gc
    gc.disable()
    try:
        x = leaf(())
        y = first = x * 1.0
        for _ in range(50_000):
            y = y * 1.0
        y.backward()
        first_alive = weakref.ref(first)
        del first, y
        assert first_alive() is None
        assert x.grad == 1.0
    finally:
        gc.enable()


def graph_through_most_ops(x, w, targets):
    """A loss through most kinds of op; returns it and weak references to every intermediate."""
    rows = x[[0, 1, 1]]
    hidden = rows @ w
    centred = hidden - hidden.mean(0, keepdim=True)
    activated = centred.tanh()
    maxes = activated.max(1, keepdim=True).values
    probs = mg.functional.softmax(activated - maxes, dim=1)
    picked = probs.view(-1)[2:].sum()
    cross_entropy = mg.functional.cross_entropy(activated, targets)
    intermediates = [rows, hidden, centred, activated, maxes, probs, picked, cross_entropy]
    for t in intermediates:
        t.retain_grad()
    return picked + cross_entropy, [weakref.ref(t) for t in intermediates]


@pytest.mark.parametrize("retain_graph", [False, True])
@pytest.mark.parametrize("run_backward", [False, True])
def test_dropping_the_root_frees_every_intermediate_at_once(run_backward, retain_graph):
    # with the cycle collector off, only reference counting frees: a cycle would keep them
    x, w = leaf(2, 3), leaf(3, 4)
    gc.disable()
    try:
        loss, alive = graph_through_most_ops(x, w, mg.tensor([0, 3, 1]))
        if run_backward:
            loss.backward(retain_graph=retain_graph)
        del loss
        assert [ref() for ref in alive] == [None] * len(alive)
    finally:
        gc.enable()
    assert (x.grad is not None) == run_backward


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
@pytest.mark.parametrize("shape", [(), (3,), (2, 1, 3)])
def test_grad_has_the_shape_and_dtype_of_its_tensor(shape, dtype):
    x = mg.ones(shape, dtype=dtype, requires_grad=True)
    # broadcast against a bigger float64 tensor, so the gradient must be reduced and cast
    (x * mg.ones((4, 2, 5, 3), dtype=mg.float64)).sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, np.full(shape, 120 / math.prod(shape)))


def test_float32_is_the_default_dtype_of_gradients():
    x = mg.randn(3, requires_grad=True)
    x.exp().sum().backward()
    assert x.dtype == x.grad.dtype == np.float32


def test_gradients_of_the_two_sides_of_add_are_distinct_arrays():
    a, b = leaf(3), leaf(3)
    c = a + b
    c.backward(np.ones(3))
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad[0] = 42.0
    assert b.grad[0] == 1.0


def test_is_leaf_and_op():
    x = leaf(3)
    y = x * 2
    assert x.is_leaf and x.op is None
    assert not y.is_leaf and y.op == "mul"
    with mg.no_grad():
        assert (x * 2).is_leaf


def test_cast_passes_the_gradient_back_in_the_input_dtype():
    x = leaf(3, dtype=mg.float32)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2, 2, 2])


def test_casting_to_an_integer_dtype_leaves_the_graph():
    # only floating tensors carry gradients, as in torch
    x = leaf(3)
    assert not x.long().requires_grad and not x.bool().requires_grad
    assert not (x > 0).requires_grad and not x.argmax().requires_grad
    assert x.double().requires_grad


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_and_inf_flow_through_forward_and_backward():
    x = mg.tensor([0.0, 1.0, np.inf, np.nan], dtype=mg.float64, requires_grad=True)
    y = x.log()
    np.testing.assert_array_equal(y.numpy(), [-np.inf, 0.0, np.inf, np.nan])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [np.inf, 1.0, 0.0, np.nan])


@pytest.mark.parametrize("through_an_op", [False, True], ids=["leaf", "op output"])
def test_the_rows_of_one_tensor_picked_one_by_one_add_up_their_gradients(through_an_op):
    # basic indices give sparse gradients that backward adds in place: n rows cost n rows
    X = mg.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    W = X * 3 if through_an_op else X
    rows = list(W) + [W[1:3], W[-1]]            # every row, then some twice
    loss = sum((row * (i + 1)).sum() for i, row in enumerate(rows))
    loss.backward()
    expected = np.repeat(np.arange(1.0, 7.0)[:, None], 2, axis=1)
    expected[1:3] += 7
    expected[-1] += 8
    np.testing.assert_array_equal(X.grad.numpy(), expected * (3 if through_an_op else 1))


def test_stacking_the_rows_of_a_tensor_gives_each_row_its_gradient():
    W = mg.tensor(np.ones((1000, 3)), requires_grad=True)
    (mg.stack(list(W)) * 2).sum().backward()
    np.testing.assert_array_equal(W.grad.numpy(), np.full((1000, 3), 2.0))
