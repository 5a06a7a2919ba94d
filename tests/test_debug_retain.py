"""Debugging a backward pass, part one: retain_grads() on the lecture's chunked forward,
and compare / compare_table against hand-derived gradients."""

import numpy as np
import pytest

import minigrad as mg

import lecture  # examples/lecture.py, on sys.path through conftest.py
from debug_helpers import (  # noqa: F401  (modes_off_after_each_test: an autouse fixture)
    INTERMEDIATES, assert_modes_off, leaf, lecture_setup, modes_off_after_each_test)

# numpy warns of the very overflows and divisions by zero these tests make on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning")


# ----- retain_grads -----

def test_retain_grads_keeps_every_intermediate_of_the_lecture_as_retain_grad_does():
    model, params, Xb, Yb = lecture_setup()
    by_hand = lecture.chunked_forward(params, Xb, Yb)  # 20 retain_grad() calls
    by_hand["loss"].backward()
    expected = {name: by_hand[name].grad for name in INTERMEDIATES}
    for p in params.values():
        p.grad = None

    with mg.retain_grads():
        t = lecture.chunked_forward(params, Xb, Yb, retain=False)
    t["loss"].backward()

    assert len(INTERMEDIATES) == 19 and set(t) == set(INTERMEDIATES) | {"loss"}
    for name in INTERMEDIATES:
        assert t[name].grad is not None, name
        np.testing.assert_array_equal(t[name].grad, expected[name], err_msg=name)
    np.testing.assert_array_equal(t["loss"].grad, 1.0)


def test_without_retain_grads_the_lecture_keeps_no_intermediate_gradient():
    model, params, Xb, Yb = lecture_setup()
    t = lecture.chunked_forward(params, Xb, Yb, retain=False)
    t["loss"].backward()
    assert all(t[name].grad is None for name in INTERMEDIATES)
    assert all(p.grad is not None for p in params.values())


def test_tensors_made_outside_retain_grads_do_not_keep_their_gradient():
    x = leaf(1.0, 2.0)
    before = x * 2
    with mg.retain_grads():
        inside = before * 3
        with mg.no_grad():
            unrecorded = inside * 4
    after = inside * 5
    after.sum().backward()
    np.testing.assert_array_equal(inside.grad, [5.0, 5.0])
    assert before.grad is None and after.grad is None
    assert not unrecorded.requires_grad and unrecorded.grad is None
    np.testing.assert_array_equal(x.grad, [30.0, 30.0])


def test_retain_grads_works_as_a_decorator():
    @mg.retain_grads()
    def forward(x):
        hidden = x * 2
        return hidden, (hidden * hidden).sum()

    x = leaf(1.0, 3.0)
    hidden, loss = forward(x)
    assert_modes_off()
    loss.backward()
    np.testing.assert_array_equal(hidden.grad, [4.0, 12.0])
    outside = x * 2
    outside.sum().backward()
    assert outside.grad is None


def test_nested_modes_restore_the_previous_state():
    x = leaf(1.0)
    with mg.retain_grads() as outer:
        with mg.retain_grads():
            twice = x * 1
        once = x * 1
        with mg.detect_anomaly():
            both = x * 2
        only_retained = x * 3
    assert isinstance(outer, mg.retain_grads)
    assert twice.retains_grad and once.retains_grad and once.origin is None
    assert both.retains_grad and both.origin is not None
    assert only_retained.retains_grad and only_retained.origin is None


# ----- compare and compare_table -----

def graded():
    """A leaf, an intermediate that kept its gradient, and one that did not."""
    x = leaf(1.0, -2.0, 3.0, label="x")
    y = (x * x).retain_grad()
    z = y * 3
    z.sum().backward()
    return x, y, z


def test_compare_exact():
    x, y, z = graded()
    row = mg.compare("x", 6 * x.numpy(), x)
    assert row == mg.Comparison("x", (3,), True, True, 0.0, None)
    assert str(row) == "x               | (3,)         | exact: True  | approximate: True  | maxdiff: 0"


def test_compare_approximate_with_the_largest_difference():
    x, y, z = graded()
    mine = 6 * x.numpy() + np.array([0.0, 1e-9, -4e-9])
    row = mg.compare("x", mine, x)
    assert (row.exact, row.approximate, row.problem) == (False, True, None)
    assert row.max_diff == pytest.approx(4e-9, rel=1e-6)
    assert "exact: False | approximate: True  | maxdiff: 4e-09" in str(row)


def test_compare_different_and_tolerances():
    x, y, z = graded()
    mine = 6 * x.numpy() + np.array([0.0, 0.5, 0.0])
    row = mg.compare("x", mine, x)
    assert (row.exact, row.approximate, row.max_diff) == (False, False, 0.5)
    assert mg.compare("x", mine, x, atol=0.5).approximate
    assert mg.compare("x", mine, x, rtol=0.05).approximate  # 0.5 <= 0.05 * 12


def test_compare_reports_shapes_that_differ():
    x, y, z = graded()
    row = mg.compare("y", np.full((1, 3), 3.0), y)
    assert (row.exact, row.approximate, row.max_diff) == (False, False, None)
    assert row.shape == (3,)
    assert row.problem == "shapes differ: yours is (1, 3), the gradient's is (3,)"
    assert str(row) == "y               | (3,)         | shapes differ: yours is (1, 3), the gradient's is (3,)"


def test_compare_reports_a_tensor_without_grad():
    x, y, z = graded()
    row = mg.compare("z", np.ones(3), z)
    assert (row.exact, row.approximate, row.max_diff) == (False, False, None)
    assert "no .grad" in row.problem and "retain_grad" in row.problem and "retain_grads()" in row.problem
    assert str(row).startswith("z               | (3,)         | the tensor has no .grad")


def test_compare_against_arrays_and_tensors():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert mg.compare("a", a, a.copy()) == mg.Comparison("a", (2, 2), True, True, 0.0, None)
    assert mg.compare("a", a.tolist(), a + 1).max_diff == 1.0
    assert mg.compare("a", mg.tensor(a), a).exact  # a Tensor as ``mine`` is its data
    assert mg.compare("a", a, a.T).problem is None  # same shape (2, 2), different values
    assert not mg.compare("a", a, a.T).approximate
    # float32 against float64: the values are compared, not the dtypes
    assert mg.compare("a", a.astype(np.float32), a).exact


def test_compare_table_one_row_per_name():
    x, y, z = graded()
    rows = mg.compare_table([("x", 6 * x.numpy(), x), ("y", np.full(3, 3.0), y), ("z", np.ones(3), z),
                             ("y2", np.ones(2), y)])
    assert [row.name for row in rows] == ["x", "y", "z", "y2"]
    assert [row.approximate for row in rows] == [True, True, False, False]
    table = "\n".join(str(row) for row in rows)
    assert table.splitlines()[1] == "y               | (3,)         | exact: True  | approximate: True  | maxdiff: 0"
    assert "no .grad" in table.splitlines()[2] and "shapes differ" in table.splitlines()[3]


def test_compare_table_passes_the_tolerances():
    x, y, z = graded()
    rows = mg.compare_table([("x", 6 * x.numpy() + 0.01, x)], atol=0.1)
    assert rows[0].approximate and not rows[0].exact


def test_compare_table_over_the_lecture_with_retain_grads():
    model, params, Xb, Yb = lecture_setup()
    with mg.retain_grads():
        t = lecture.chunked_forward(params, Xb, Yb, retain=False)
    t["loss"].backward()
    mine = lecture.chunked_manual_backward(t, params, Xb, Yb)
    rows = mg.compare_table([(name, mine[name], t[name]) for name in INTERMEDIATES]
                            + [(name, mine[name], p) for name, p in params.items()], rtol=1e-4, atol=1e-6)
    assert all(row.approximate for row in rows), "\n".join(map(str, rows))
