"""gradcheck is the reference of every op test, so it is checked on its own: it must
accept right gradients and reject wrong ones, saying where they are wrong."""

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.engine import primitive
from minigrad.gradcheck import numeric_gradients


def square_with_one_wrong_element_rule(self, other):
    """self**2 + other, whose gradient for ``other`` is off by 1 at flat element 5 only."""
    def grad_other(grad):
        wrong = grad.copy()
        wrong.reshape(-1)[5] += 1.0
        return wrong

    return self ** 2 + other, (lambda grad: 2 * self * grad, grad_other)


square_with_one_wrong_element = primitive("square_with_one_wrong_element", square_with_one_wrong_element_rule)
square_missing_factor_two = primitive("square_missing_factor_two", lambda self: (self ** 2, lambda grad: self * grad))
square_with_nan_gradient = primitive("square_with_nan_gradient",
                                     lambda self: (self ** 2, lambda grad: np.full_like(self, np.nan)))


def leaf(*shape, seed=0, label=None):
    data = np.random.default_rng(seed).standard_normal(shape)
    return mg.tensor(data, requires_grad=True, label=label)


def test_accepts_right_gradients():
    assert mg.gradcheck(lambda a, b: (a.tanh() @ b.T) * a.sum(1, keepdim=True), leaf(3, 4), leaf(2, 4, seed=1))


def test_names_the_input_and_the_element_of_a_wrong_gradient():
    with pytest.raises(mg.GradcheckError, match=re.escape("input 1, of shape (2, 3), differs from finite differences at element (1, 2)")):
        mg.gradcheck(square_with_one_wrong_element, leaf(2, 3), leaf(2, 3, seed=1))


def test_names_a_labelled_input():
    with pytest.raises(mg.GradcheckError, match=r"input 0 \('weights'\), of shape \(4,\)"):
        mg.gradcheck(square_missing_factor_two, leaf(4, label="weights"))


def test_rejects_a_nan_gradient():
    with pytest.raises(mg.GradcheckError, match="backward gave nan"):
        mg.gradcheck(square_with_nan_gradient, leaf(3))


def test_is_an_assertion_error():
    # so a failing check reads as a test failure, not a crash
    assert issubclass(mg.GradcheckError, AssertionError)


def test_checks_only_inputs_that_require_grad():
    fixed = mg.tensor(np.ones(3))
    assert mg.gradcheck(lambda x, y: x * y, leaf(3), fixed)
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda x: x * 2, fixed)


def test_leaves_the_callers_tensors_alone():
    x = leaf(3)
    before = x.numpy().copy()
    mg.gradcheck(lambda t: t.exp(), x)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is None


def test_numeric_gradients_are_central_differences():
    x = leaf(2, 3)
    weights = np.random.default_rng(1).standard_normal((2, 3))
    numeric, = numeric_gradients(lambda t: t ** 3, [x], weights, eps=1e-6)
    np.testing.assert_allclose(numeric, 3 * x.numpy() ** 2 * weights, rtol=1e-7)


def test_numeric_gradients_skip_inputs_without_grad():
    index = mg.tensor([0, 1])
    gradients = numeric_gradients(lambda t, i: t[i], [leaf(3), index], np.ones(2), eps=1e-6)
    np.testing.assert_allclose(gradients[0], [1, 1, 0], atol=1e-8)
    assert gradients[1] is None
