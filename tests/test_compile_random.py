"""mg.compile: random draws inside a step (randn, rand, randint, randperm, multinomial from
the step's own probabilities) are drawn again by every call of the compiled step, from the
same stream as eager mode, so a compiled run gives an eager run's numbers."""

import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from test_compile import X, Y, assert_same_state, training, training_step

LOSSES = {
    "randn": lambda model, Xb, Yb: F.cross_entropy(model(Xb) + 0.5 * mg.randn(32, 27), Yb),
    "rand": lambda model, Xb, Yb: F.cross_entropy(model(Xb) * (1 + mg.rand(32, 1)), Yb),
    "randint": lambda model, Xb, Yb: F.cross_entropy(model(Xb), mg.randint(0, 27, (32,))),
    "randperm": lambda model, Xb, Yb: F.cross_entropy(model(Xb)[mg.randperm(32)], Yb),
    "multinomial": lambda model, Xb, Yb: F.cross_entropy(
        logits := model(Xb), Yb) + F.cross_entropy(logits, mg.multinomial(F.softmax(logits, dim=1), 1).view(-1)),
}


def run(loss_of, compiled, steps=200):
    """Every step's loss and the model at the end, from seed 7, the step compiled or not."""
    mg.manual_seed(7)
    model, optimizer, _ = training(lr=0.1)
    step = training_step(optimizer, lambda Xb, Yb: loss_of(model, Xb, Yb))
    step = mg.compile(step) if compiled else step
    rng = np.random.default_rng(3)
    losses = [step(X[ix], Y[ix]).item() for ix in rng.integers(0, len(X), (steps, 32))]
    return losses, model


@pytest.mark.parametrize("loss_of", LOSSES.values(), ids=LOSSES.keys())
def test_a_compiled_step_draws_what_the_eager_step_draws(loss_of):
    eager_losses, eager_model = run(loss_of, compiled=False)
    compiled_losses, compiled_model = run(loss_of, compiled=True)
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=1e-5)
    assert_same_state(eager_model, compiled_model)


@pytest.mark.parametrize("name", LOSSES)
def test_the_source_draws_each_call_by_the_draw_s_name(name):
    model, optimizer, _ = training(lr=0.1)
    step = mg.compile(training_step(optimizer, lambda Xb, Yb: LOSSES[name](model, Xb, Yb)))
    first, second = step(X[:32], Y[:32]).item(), step(X[:32], Y[:32]).item()
    assert re.search(rf"^ *\w+ = (draw_)?{name}\w*\(", step.source, re.M) and first != second
