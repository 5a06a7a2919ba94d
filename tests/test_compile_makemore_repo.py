"""mg.compile and the makemore repository's six models (tests/makemore_repo_code.py): each
model's training step, written as makemore.py writes it (the model's own ``zero_grad``,
AdamW, targets padded with -1), compiles and gives the eager step's losses and parameters,
to the bit.
Their forwards make tensors in the step (``torch.zeros``, ``torch.arange``) and write into
one in place (the MLP's ``idx[:, 0] = blank`` after a roll), which the compiled step makes
again; an in-place write it could not replay is refused while tracing."""

import numpy as np
import pytest

import minigrad as mg

from makemore_repo_code import MODEL_TYPES, Config, models

CONFIG = dict(vocab_size=27, block_size=8, n_layer=2, n_embd=16, n_embd2=24, n_head=2)


def makemore_step(kind):
    mg.manual_seed(3407)
    model = models(mg, None).make_model(kind, Config(**CONFIG))
    optimizer = mg.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)

    def step(X, Y):
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    return model, step


@pytest.mark.parametrize("kind", MODEL_TYPES)
def test_each_makemore_model_s_step_compiles_and_trains_as_eager(kind):
    (eager_model, eager_step), (model, step) = makemore_step(kind), makemore_step(kind)
    compiled = mg.compile(step)
    rng = np.random.default_rng(0)
    for _ in range(15):
        X = mg.tensor(rng.integers(0, 27, (16, 8)))
        Y = mg.cat([X[:, 1:], mg.full((16, 1), -1, dtype=mg.long)], dim=1)
        assert compiled(X, Y).item() == eager_step(X, Y).item()
    assert compiled.traces == 1
    for p, q in zip(eager_model.parameters(), model.parameters()):  # the same operations: the same bits
        np.testing.assert_array_equal(q.numpy(), p.numpy())


def roll_and_write(x):
    idx = mg.roll(x, 1, 1)
    idx[:, 0] = 5
    idx += 1
    return idx * 2


def write_into_a_view(x):
    idx = x * 1
    first = idx[:, :2]
    idx[:, 0] = 5
    return first


def write_into_an_input_s_view(x):
    view = x[:, 0]
    view += 1
    return view


@pytest.mark.parametrize("fn, error", [
    (roll_and_write, None),
    (write_into_a_view, "shares its memory with another tensor"),
    (write_into_an_input_s_view, "changes a tensor in place"),
], ids=["a step's own tensor", "one a view shares", "an input's view"])
def test_an_in_place_write_into_a_step_s_tensor_is_replayed_or_refused(fn, error):
    x = mg.tensor(np.arange(12).reshape(3, 4))
    if error is not None:
        with pytest.raises(mg.CompileError, match=error):
            mg.compile(fn)(x)
        return
    compiled = mg.compile(fn)
    for values in (x, x * 3, x - 7):
        np.testing.assert_array_equal(compiled(values).numpy(), fn(values).numpy())
    assert "index_put" in compiled.source  # the write, as the out-of-place op
