"""mg.compile and the gradients a step resets: ``optimizer.zero_grad()``, the model's
``zero_grad()`` (the makemore repository's step), ``p.grad = None`` (the lecture's), zeros in
place, or a reset after the update; each is made again by every call, so the compiled
step's losses and parameters are the eager step's, bit for bit. Setting ``.grad`` to a
value, or replacing ``.data``, inside the step is refused while tracing."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from test_compile import X, Y, assert_same_state, lecture


def reset_by(how, optimizer_class=mg.optim.Adam):
    """The lecture's MLP, its optimizer and a step that resets the gradients ``how``."""
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    optimizer = optimizer_class(model.parameters(), lr=0.01)
    resets = {"optimizer": lambda: optimizer.zero_grad(), "model": lambda: model.zero_grad(set_to_none=True),
              "grad = None": lambda: [setattr(p, "grad", None) for p in model.parameters()],
              "zeros in place": lambda: optimizer.zero_grad(set_to_none=False)}

    def step(Xb, Yb):
        if how != "after the step":
            resets[how]()
        loss = F.cross_entropy(model(Xb), Yb)
        loss.backward()
        optimizer.step()
        if how == "after the step":
            optimizer.zero_grad()
        return loss

    return model, step


@pytest.mark.parametrize("how", ["optimizer", "model", "grad = None", "zeros in place", "after the step"])
def test_a_step_resetting_gradients_any_way_trains_as_eager_to_the_bit(how):
    (eager_model, eager_step), (model, step) = reset_by(how), reset_by(how)
    compiled = mg.compile(step)
    rng = np.random.default_rng(2)
    for _ in range(60):
        ix = rng.integers(0, len(X), 32)
        assert compiled(X[ix], Y[ix]).item() == eager_step(X[ix], Y[ix]).item()
    if how != "after the step":  # then .grad is None after each call
        assert_same_state(eager_model, model)
    for p, q in zip(eager_model.parameters(), model.parameters()):
        np.testing.assert_array_equal(q.numpy(), p.numpy())
    assert compiled.traces == 1


@pytest.mark.parametrize("line, message", [
    (lambda p: setattr(p, "grad", mg.zeros_like(p)), r"sets a tensor's .grad to a value"),
    (lambda p: setattr(p, "data", p.numpy() * 2), r"replaces a tensor's data"),
], ids=["grad", "data"])
def test_setting_grad_to_a_value_or_replacing_data_inside_the_step_fails_while_tracing(line, message):
    model = lecture.MLP(27, generator=np.random.default_rng(0))

    def step(Xb, Yb):
        line(model.output.weight)
        return F.cross_entropy(model(Xb), Yb)

    with pytest.raises(mg.CompileError, match=message):
        mg.compile(step)(X[:32], Y[:32])
