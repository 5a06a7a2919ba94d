"""Debugging a backward pass: retain_grads() on the lecture's chunked forward, compare
and compare_table, detect_anomaly on real failures (log of a zero probability, a
division by zero, a NaN made only in backward, an input already NaN, the MLP with a
blown-up learning rate), gradient hooks against torch's, the drawing of an anomaly,
and a normal path left untouched when the modes are off."""

import pickle
import re
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

import lecture  # examples/lecture.py, on sys.path through conftest.py
from helpers import requires_torch, torch  # noqa: E402

# numpy warns of the very overflows and divisions by zero these tests make on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning")

INTERMEDIATES = ["emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw",
                 "hpreact", "h", "logits", "logit_maxes", "norm_logits", "counts", "counts_sum",
                 "counts_sum_inv", "probs", "logprobs"]


def next_line():
    """The number of the line after the caller's: where the op under test is made."""
    return sys._getframe(1).f_lineno + 1


def leaf(*values, label=None):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True, label=label)


def lecture_setup(seed=42):
    """The lecture's MLP (64 hidden) under the lecture's parameter names, and a random batch of 32."""
    rng = np.random.default_rng(seed)
    model = lecture.MLP(27, n_hidden=64, generator=rng)
    return model, lecture.lecture_parameters(model), rng.integers(0, 27, (32, 3)), rng.integers(0, 27, 32)


@pytest.fixture(autouse=True)
def modes_off_after_each_test():
    """Every test leaves the debugging modes off: an op's output is neither retained nor traced."""
    yield
    assert_modes_off()


def assert_modes_off():
    out = mg.tensor([1.0], requires_grad=True) * 1
    assert not out.retains_grad and out.origin is None


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


# ----- detect_anomaly on real failures -----

def test_log_of_a_zero_probability_raises_at_the_log():
    logits = leaf(0.0, 20.0, -800.0)
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        probs = F.softmax(logits, dim=0)  # exp(-820) underflows to 0, even in float64: a probability of 0
        probs.label = "probs"
        line = next_line()
        logprobs = probs.log()
    message = str(info.value)
    assert message.startswith("detect_anomaly: forward of log made Inf in its output of shape (3,)")
    assert "(inputs: 'probs' (3,))" in message
    assert "its inputs are all finite, so this op made it" in message
    assert f"{__file__}:{line} in test_log_of_a_zero_probability_raises_at_the_log: logprobs = probs.log()" in message
    assert "logprobs" not in locals()  # the forward stopped at the op
    assert isinstance(info.value, FloatingPointError)
    assert info.value.tensor.op == "log" and info.value.tensor.inputs[0] is probs
    assert np.isneginf(info.value.tensor.numpy()[2])
    assert info.value.origin == f"{__file__}:{line} in test_log_of_a_zero_probability_raises_at_the_log: " \
                                "logprobs = probs.log()"
    assert info.value.summary == "Inf in forward"


def test_division_by_zero_raises_at_the_div_that_makes_the_inf():
    x, y = leaf(1.0, 2.0, 0.0, label="x"), leaf(1.0, 0.0, 0.0, label="y")
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        line = next_line()
        ratio = x / y  # 2 / 0 is Inf, 0 / 0 is NaN
    message = str(info.value)
    assert "forward of div made NaN and Inf in its output of shape (3,) (inputs: 'x' (3,), 'y' (3,))" in message
    assert f"test_debug.py:{line} in test_division_by_zero_raises_at_the_div_that_makes_the_inf: ratio = x / y" \
        in message
    assert info.value.tensor.op == "div" and info.value.tensor.inputs == (x, y)


@pytest.mark.parametrize("op", ["sqrt", "pow"])
def test_inf_made_only_in_backward_raises_there_naming_the_op_and_its_line(op):
    x = leaf(0.0, 1.0, 4.0, label="x")
    with mg.detect_anomaly():
        line = next_line()
        root = x.sqrt() if op == "sqrt" else x ** 0.5
        root.label = "root"
        loss = root.sum()
        assert np.isfinite(loss.item())  # sqrt(0) = 0: the forward is fine
        with pytest.raises(mg.AnomalyError) as info:
            loss.backward()
    assert root.op == op
    message = str(info.value)
    assert message.startswith(f"detect_anomaly: backward of {op} (output 'root' of shape (3,)) gave Inf "
                              f"in the gradient of its input 'x' of shape (3,)")
    assert f"The op was made at {__file__}:{line} in test_inf_made_only_in_backward" in message
    assert message.endswith('root = x.sqrt() if op == "sqrt" else x ** 0.5')
    assert info.value.tensor is root and info.value.summary == "Inf in backward"
    assert x.grad is None  # raised before the gradient reached the leaf


def test_nan_made_only_in_backward():
    x = leaf(0.0, 1.0, label="x")
    with mg.detect_anomaly():
        line = next_line()
        root = x.sqrt()
        loss = (root * 0.0).sum()  # 0 in the forward; 0 / (2 * sqrt(0)) = NaN in the backward
        with pytest.raises(mg.AnomalyError, match="backward of sqrt .* gave NaN in the gradient of its input 'x'") \
                as info:
            loss.backward()
    assert info.value.origin.startswith(f"{__file__}:{line} ")


def test_backward_of_a_forward_made_outside_the_mode_says_so():
    x = leaf(0.0, 1.0)
    loss = x.sqrt().sum()
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        loss.backward()
    assert "backward of sqrt" in str(info.value)
    assert "an unknown place (run the forward inside detect_anomaly too)" in str(info.value)
    assert info.value.origin is None


def test_an_input_that_already_holds_nan_is_named():
    x = mg.tensor([np.nan, 1.0], requires_grad=True, label="x")
    w = leaf(2.0, 3.0, label="w")
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        w * x
    message = str(info.value)
    assert "forward of mul made NaN in its output of shape (2,) (inputs: 'w' (2,), 'x' (2,))" in message
    assert "input 1 'x' of shape (2,) already holds NaN" in message
    assert "so this op made it" not in message


def test_a_blown_up_learning_rate_in_the_makemore_mlp_is_caught_in_its_layer():
    model, params, Xb, Yb = lecture_setup()
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, 27, (500, 3)), rng.integers(0, 27, 500)
    optimizer = mg.optim.SGD(model.parameters(), lr=1e30)
    losses = []
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        for step in range(5):
            ix = rng.integers(0, len(X), 32)
            loss = F.cross_entropy(model(X[ix]), Y[ix])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert len(losses) == 1 and np.isfinite(losses[0])  # the first step is fine, its update is not
    message = str(info.value)
    assert message.startswith("detect_anomaly: forward of linear inside MLP > hidden: Linear made ")
    assert "(inputs: (32, 30), 'weight' (64, 30), 'bias' (64,)); its inputs are all finite" in message
    assert info.value.tensor.op == "linear" and info.value.tensor.scope == ("MLP", "hidden: Linear")
    assert re.search(r"lecture\.py:\d+ in preactivation: ", info.value.origin)  # the model's code calls hidden


def test_an_anomaly_error_survives_pickling_without_its_graph():
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        leaf(0.0).log()
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is mg.AnomalyError and str(copy) == str(info.value)
    assert copy.origin == info.value.origin and copy.summary == "Inf in forward"
    assert copy.tensor is None  # the graph stays behind


def test_a_sane_learning_rate_trains_inside_detect_anomaly_without_a_false_alarm():
    model, params, Xb, Yb = lecture_setup()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    with mg.detect_anomaly():
        for step in range(3):
            loss = F.cross_entropy(model(Xb), Yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert np.isfinite(loss.item())


def test_outside_the_mode_nan_flows_through_silently():
    x = leaf(0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = (x.log() * 0.0).sum()  # -inf * 0 = NaN
        loss.backward()
    assert np.isnan(loss.item())
    assert np.isnan(x.grad[0].item())


def test_detect_anomaly_works_as_a_decorator():
    @mg.detect_anomaly()
    def logs(x):
        return x.log()

    with pytest.raises(mg.AnomalyError, match="forward of log"):
        logs(leaf(0.0))
    with np.errstate(divide="ignore"):
        assert np.isneginf(leaf(0.0).log().item())  # outside the decorated function: no check


@pytest.mark.parametrize("where", ["forward", "backward", "other"])
def test_modes_are_restored_when_an_exception_escapes(where):
    x = leaf(0.0, 1.0)
    with pytest.raises((mg.AnomalyError, KeyError)):
        with mg.retain_grads(), mg.detect_anomaly():
            if where == "forward":
                x.log()
            elif where == "backward":
                x.sqrt().sum().backward()
            else:
                raise KeyError("not an anomaly")
    assert_modes_off()
    with np.errstate(divide="ignore"):
        x.log()  # checked no more


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


# ----- the drawing of an anomaly -----

def dot_nodes(source):
    """{node id: its attribute text} of every node statement of DOT text."""
    found = re.findall(r"^\t+(\w+) \[(.*)\]$", source, re.M)
    return {node_id: attributes for node_id, attributes in found if node_id not in ("graph", "node", "edge")}


def red(attributes):
    return 'fillcolor="#f8cecc"' in attributes and 'color="#cc0000"' in attributes


def forward_anomaly():
    x = leaf(0.5, 0.0, label="p")
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        (x * 2.0).log()
    return info.value


def test_the_op_where_a_forward_anomaly_was_found_is_drawn_red_with_its_summary():
    error = forward_anomaly()
    source = error.draw().source
    drawn = dot_nodes(source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["op2"]
    assert 'label="log\\nInf in forward"' in drawn["op2"]
    assert 'tooltip="detect_anomaly: forward of log made Inf' in drawn["op2"]
    assert "in test_the_op_where" not in drawn["op2"]  # made in forward_anomaly, so its line is there
    assert "in forward_anomaly: (x * 2.0).log()" in drawn["op2"]
    assert error.draw(rankdir="TB").source == mg.draw_graph(error.tensor, rankdir="TB", highlight=error).source


def test_the_op_where_a_backward_anomaly_was_found_is_drawn_red_in_the_graph_of_the_loss():
    x = leaf(0.0, 1.0, label="x")
    with mg.detect_anomaly():
        root = x.sqrt()
        loss = (root * 3.0).sum()
        with pytest.raises(mg.AnomalyError) as info:
            loss.backward()
    drawn = dot_nodes(info.value.draw(loss).source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["op1"]
    assert 'label="sqrt\\nInf in backward"' in drawn["op1"]


def test_highlight_marks_any_tensors_op_or_a_leafs_box():
    x = leaf(1.0, 2.0, label="x")
    hidden = x * 2.0
    loss = hidden.sum()
    drawn = dot_nodes(mg.draw_graph(loss, highlight=[hidden, x]).source)
    assert sorted(node for node, attributes in drawn.items() if red(attributes)) == ["op1", "t0"]
    assert drawn["op1"].startswith('label="mul(2.0)" ') and "tooltip" not in drawn["op1"]
    assert dot_nodes(mg.draw_graph(loss, highlight=hidden).source)["op1"] == drawn["op1"]
    assert not any(red(attributes) for attributes in dot_nodes(mg.draw_graph(loss).source).values())


def test_a_highlighted_tensor_outside_the_graph_is_an_error():
    x = leaf(1.0, 2.0)
    with pytest.raises(ValueError, match="highlight: the mul tensor of shape \\(2,\\) is not in the graph of root"):
        mg.draw_graph(x.sum(), highlight=x * 2)
    with pytest.raises(TypeError, match=r"highlight takes tensors or an error with .tensor and .summary \(an AnomalyError\), got ndarray"):
        mg.draw_graph(x.sum(), highlight=[x.numpy()])


def test_an_anomaly_inside_a_collapsed_module_colours_its_box():
    model, params, Xb, Yb = lecture_setup()
    model.hidden.weight.numpy()[0, 0] = np.inf
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        F.cross_entropy(model(Xb), Yb)
    assert "input 1 'weight' of shape (64, 30) already holds Inf" in str(info.value)
    drawn = dot_nodes(info.value.draw(collapse=("hidden",)).source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["m0"]
    assert 'label="hidden: Linear\\n1 op\\nweight (64, 30) float32\\nbias (64,) float32\\nInf in forward"' \
        in drawn["m0"]


def test_the_red_op_and_its_message_reach_the_svg():
    from minigrad import drawing

    svg = drawing.render_svg(forward_anomaly().draw())
    assert 'stroke="#cc0000"' in svg and 'fill="#f8cecc"' in svg
    assert "xlink:title=\"detect_anomaly: forward of log made Inf" in svg
    assert ">Inf in forward</text>" in svg


# ----- the normal path when the modes are off -----

def test_the_normal_path_has_no_watchers_and_no_check():
    assert_modes_off()
    with mg.retain_grads(), mg.detect_anomaly():
        pass
    assert_modes_off()


def test_tensors_made_outside_detect_anomaly_carry_no_origin():
    x = leaf(1.0, 2.0)
    before = x * 2
    with mg.detect_anomaly():
        line = next_line()
        inside = before * 3
    after = inside.sum()
    assert before.origin is None and after.origin is None and x.origin is None
    assert inside.origin == f"{__file__}:{line} in test_tensors_made_outside_detect_anomaly_carry_no_origin: " \
                             "inside = before * 3"
    after.backward()
    assert before.grad is None and not before.retains_grad  # nothing retained either


def test_detect_anomaly_checks_the_summed_gradient_of_a_tensor_used_twice():
    # the forward is finite, and so is each use's gradient (3e38 in float32); their sum overflows
    x = mg.tensor([1e-30], requires_grad=True, label="x")
    with mg.detect_anomaly():
        y = x * 3e38 + x * 3e38
        with pytest.raises(mg.AnomalyError, match=r"gradient reaching 'x' of shape \(1,\), summed over its uses.*Inf"):
            y.sum().backward()
