"""detect_anomaly on real failures (log of a zero probability, a division by zero, a NaN
made only in backward, an input already NaN, the MLP with a blown-up learning rate), and a
normal path left untouched when the modes are off."""

import pickle
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from debug_helpers import (  # noqa: F401  (modes_off_after_each_test: an autouse fixture)
    assert_modes_off, leaf, lecture_setup, modes_off_after_each_test, next_line)

# numpy warns of the very overflows and divisions by zero these tests make on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning")


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
    assert f"test_debug_anomaly.py:{line} in test_division_by_zero_raises_at_the_div_that_makes_the_inf: ratio = x / y" \
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
