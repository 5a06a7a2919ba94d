"""mg.compile: a training step traced once and replayed as generated numpy code gives what
the eager step gives, step after step; every guard retraces; what cannot be captured fails
while tracing, naming the line."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn


sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import lecture  # noqa: E402

DATA = np.random.default_rng(5)
X, Y = DATA.integers(0, 27, (2000, 3)), DATA.integers(0, 27, 2000)


def training_step(optimizer, loss_of):
    """The step as written for eager mode: zero the gradients, the batch's loss, backward, step."""
    def step(Xb, Yb):
        optimizer.zero_grad()
        loss = loss_of(Xb, Yb)
        loss.backward()
        optimizer.step()
        return loss

    return step


def assert_trains_as_eager(eager_step, compiled, seed, before_step=lambda i: None, as_input=lambda a: a):
    """500 steps on the same random batches: the compiled step's loss is the eager one's each time.
    ``before_step(i)`` runs before step ``i``; ``as_input`` turns a batch's arrays into the inputs."""
    rng = np.random.default_rng(seed)
    for i in range(500):
        ix = rng.integers(0, len(X), 32)
        before_step(i)
        Xb, Yb = as_input(X[ix]), as_input(Y[ix])
        expected = eager_step(Xb, Yb).item()
        assert compiled(Xb, Yb).item() == pytest.approx(expected, rel=1e-5), i


def training(optimizer_class=mg.optim.SGD, **settings):
    """A lecture MLP (the same one every time), its optimizer and its step, as written for eager mode."""
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    optimizer = optimizer_class(model.parameters(), **settings)
    return model, optimizer, training_step(optimizer, lambda Xb, Yb: F.cross_entropy(model(Xb), Yb))


def assert_same_state(eager, compiled):
    for (name, p), (_, q) in zip(eager.named_parameters(), compiled.named_parameters()):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for (name, b), (_, c) in zip(eager.named_buffers(), compiled.named_buffers()):
        np.testing.assert_allclose(c.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("optimizer_class, lr, settings", [
    (mg.optim.SGD, 0.1, {}), (mg.optim.Adam, 0.01, {}), (mg.optim.AdamW, 0.01, {}),
    (mg.optim.SGD, 0.05, dict(momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    (mg.optim.SGD, 0.05, dict(momentum=0.9, nesterov=True)), (mg.optim.Adam, 0.01, dict(weight_decay=1e-3)),
], ids=["SGD", "Adam", "AdamW", "momentum", "Nesterov", "Adam weight decay"])
def test_the_compiled_mlp_step_trains_as_the_eager_one_for_500_steps(optimizer_class, lr, settings):
    eager_model, eager_optimizer, eager_step = training(optimizer_class, lr=lr, **settings)
    model, optimizer, step = training(optimizer_class, lr=lr, **settings)
    compiled = mg.compile(step)

    def decay_lr(i):  # the new lr is read by the compiled step when it runs
        for opt in (eager_optimizer, optimizer):
            opt.lr = lr if i < 250 else lr / 10

    assert_trains_as_eager(eager_step, compiled, seed=1, before_step=decay_lr)
    assert compiled.traces == 1
    assert_same_state(eager_model, model)
    for p, q in zip(eager_model.parameters(), model.parameters()):  # Adam's step count and moments
        for key, value in eager_optimizer.state.get(id(p), {}).items():
            np.testing.assert_allclose(optimizer.state[id(q)][key], value, rtol=1e-5, atol=1e-7)


def dropout_training():
    """A model with dropout, its masks drawn from a generator of its own (the same seed each time)."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Embedding(27, 10, generator=rng), nn.Flatten(), nn.Linear(30, 64, generator=rng),
                          nn.Dropout(0.2, generator=mg.Generator().manual_seed(7)), nn.Tanh(),
                          nn.Linear(64, 27, generator=rng))
    optimizer = mg.optim.AdamW(model.parameters(), lr=0.01)
    return model, training_step(optimizer, lambda Xb, Yb: F.cross_entropy(model(Xb), Yb))


def test_dropout_draws_the_same_masks_from_the_same_streams_compiled_and_eager_for_500_steps():
    (eager_model, eager_step), (model, step) = dropout_training(), dropout_training()
    compiled = mg.compile(step)
    assert_trains_as_eager(eager_step, compiled, seed=3, as_input=mg.tensor)
    assert compiled.traces == 1 and "mask1 = draw_mask()" in compiled.source
    assert_same_state(eager_model, model)


def chunked_training(loss_of=lambda t: t["loss"]):
    """The lecture's chunked graph (every intermediate labelled) trained with SGD."""
    params = lecture.lecture_parameters(lecture.MLP(27, generator=np.random.default_rng(0)))
    optimizer = mg.optim.SGD(params.values(), lr=0.1)
    return params, training_step(optimizer,
                                 lambda Xb, Yb: loss_of(lecture.chunked_forward(params, Xb, Yb, retain=False)))


def test_the_compiled_chunked_lecture_graph_trains_as_the_eager_one_for_500_steps():
    (eager_params, eager_step), (params, step) = chunked_training(), chunked_training()
    compiled = mg.compile(step)
    assert_trains_as_eager(eager_step, compiled, seed=2)
    for name in params:
        np.testing.assert_allclose(params[name].numpy(), eager_params[name].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(params[name].grad.numpy(), eager_params[name].grad.numpy(), rtol=1e-5, atol=1e-6)
    for line in ["dlogits_flat[loss_chunk_positions] -= 1",  # cross entropy's closed form
                 "np.subtract(dhprebn, bnraw_chunk_rows, out=dhprebn)",  # BatchNorm's
                 "np.dot(dmatmul1.T, embcat, out=dweight_2)",  # W1's gradient, not W1.T's transposed
                 "np.multiply(dhpreact, dh, out=dhpreact)"]:  # written into buffers made once
        assert "        " + line + "\n" in compiled.source, line


def test_a_composed_graph_whose_inner_tensors_feed_more_keeps_their_gradients():
    def loss_of(t):  # probs and bnvar_inv also feed a penalty: the closed forms would drop its gradient
        return t["loss"] + (t["probs"] * t["probs"]).sum() * 0.01 + t["bnvar_inv"].sum() * 0.001

    (_, eager_step), (_, step) = chunked_training(loss_of), chunked_training(loss_of)
    compiled = mg.compile(step)
    assert_trains_as_eager(eager_step, compiled, seed=6)
    assert "closed form" not in compiled.source and "np.multiply(counts_sum_inv, dprobs, out=dcounts)" in compiled.source


def test_the_source_reads_as_the_step():
    model, optimizer, step = training(lr=0.1)
    compiled = mg.compile(step)
    compiled(X[:32], Y[:32])
    source = compiled.source
    assert source.startswith("def step(Xb, Yb):")
    for line in ["# optimizer.zero_grad(True): each parameter's .grad is set below",
                 "np.dot(view1, hidden_weight.T, out=linear1)", "np.tanh(batch_norm1, out=tanh1)",
                 "# backward of cross_entropy1: dcross_entropy1, ones, made once",
                 "dlinear2_flat[cross_entropy1_positions] -= 1",  # (softmax - one_hot) / n
                 "np.multiply(dbatch_norm1, dtanh1, out=dbatch_norm1)",  # tanh's backward in place
                 "np.subtract(dlinear1, batch_norm1_rows, out=dlinear1)",  # BatchNorm's closed form
                 "np.add.reduce(dlinear1, axis=(0,), keepdims=False, out=dhidden_bias)",
                 "# dgetitem1 = dview1.reshape((32, 3, 10)): a view made once",  # views of buffers made once
                 "np.dot(getitem1_one_hot_T, dgetitem1_96x10, out=dembedding_weight)",
                 "hidden_weight_t._grad = dhidden_weight", "np.subtract(params_flat0, steps_flat0, out=params_flat0)"]:
        assert "        " + line + "\n" in source or "        " + line + "  #" in source, line


def test_momentum_and_adam_are_written_over_flat_buffers():
    for optimizer_class, settings, state in ((mg.optim.SGD, dict(lr=0.1, momentum=0.9), "momentum_buffer"),
                                             (mg.optim.Adam, dict(lr=0.01), "exp_avg_sq")):
        model, optimizer, step = training(optimizer_class, **settings)
        compiled = mg.compile(step)
        compiled(X[:32], Y[:32])
        assert "        optimizer.step()\n" not in compiled.source and f"{state}_flat0" in compiled.source
        assert len({optimizer.state[id(p)][state].base.ctypes.data for p in model.parameters()}) == 1


def test_plain_sgd_keeps_parameters_as_views_of_one_buffer_and_retraces_when_one_is_replaced():
    eager_model, _, eager_step = training(lr=0.1)
    model, optimizer, step = training(lr=0.1)
    compiled = mg.compile(step)
    for _ in range(2):
        compiled(X[:32], Y[:32]), eager_step(X[:32], Y[:32])
    assert len({p.numpy().base.ctypes.data for p in model.parameters()}) == 1  # one buffer
    for m in (model, eager_model):
        m.output.bias.data = mg.zeros(27)  # a new array for one parameter
    for _ in range(2):
        assert compiled(X[:32], Y[:32]).item() == pytest.approx(eager_step(X[:32], Y[:32]).item(), rel=1e-6)
    assert_same_state(eager_model, model)


def test_an_update_that_gains_a_term_is_traced_again():
    eager_model, eager_optimizer, eager_step = training(lr=0.1)
    model, optimizer, step = training(lr=0.1)
    compiled = mg.compile(step)
    for i in range(4):
        for opt in (eager_optimizer, optimizer):
            opt.param_groups[0]["momentum"] = 0.9 if i >= 2 else 0.0  # momentum from the third step on
        assert compiled(X[:32], Y[:32]).item() == pytest.approx(eager_step(X[:32], Y[:32]).item(), rel=1e-5)
    assert compiled.traces == 2 and "momentum_buffer_flat0" in compiled.source
    assert_same_state(eager_model, model)


def check_retrace(change, calls=2):
    """Each call after ``change`` gives the eager step's loss, and the step was traced again."""
    eager_model, _, eager_step = training(lr=0.1)
    model, _, step = training(lr=0.1)
    compiled = mg.compile(step)
    compiled(X[:32], Y[:32])
    eager_step(X[:32], Y[:32])
    arguments = change(eager_model, model)
    for _ in range(calls):
        assert compiled(*arguments).item() == pytest.approx(eager_step(*arguments).item(), rel=1e-5)
    assert compiled.traces == 2
    assert_same_state(eager_model, model)


def _retrained(eager, compiled, attribute):
    for model in (eager, compiled):
        setattr(model.output, attribute, nn.Parameter(np.full_like(getattr(model.output, attribute).numpy(), 0.01)))
    return X[:32], Y[:32]


def _set_batchnorm(eager, compiled, setting, value):
    for model in (eager, compiled):
        setattr(model.batchnorm, setting, value)
    return X[:32], Y[:32]


def _reset_running_mean(eager, compiled):
    for model in (eager, compiled):
        model.batchnorm.running_mean.data = mg.zeros_like(model.batchnorm.running_mean)
    return X[:32], Y[:32]


@pytest.mark.parametrize("change", [
    lambda eager, compiled: (X[:16], Y[:16]),                                     # input shapes
    lambda eager, compiled: (X[:32].astype(np.int32), Y[:32]),                    # input dtype
    lambda eager, compiled: (mg.tensor(X[:32]), mg.tensor(Y[:32])),               # tensors for arrays
    lambda eager, compiled: _retrained(eager, compiled, "weight"),                # a new parameter
    lambda eager, compiled: _set_batchnorm(eager, compiled, "momentum", 0.5),     # a module's settings
    lambda eager, compiled: _set_batchnorm(eager, compiled, "eps", 1e-3),
    _reset_running_mean,                                                          # a buffer's new array
], ids=["shape", "dtype", "type", "parameter", "BatchNorm's momentum", "BatchNorm's eps", "running mean"])
def test_every_guard_retraces(change):
    check_retrace(change)


def test_eval_mode_and_grad_mode_retrace():
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    evaluate = mg.compile(lambda Xb, Yb: F.cross_entropy(model(Xb), Yb))
    expected = [F.cross_entropy(model(X[:64]), Y[:64]).item()]
    assert evaluate(X[:64], Y[:64]).item() == pytest.approx(expected[0], rel=1e-6)
    model.eval()
    expected.append(F.cross_entropy(model(X[:64]), Y[:64]).item())
    for _ in range(2):
        assert evaluate(X[:64], Y[:64]).item() == pytest.approx(expected[1], rel=1e-6)
    with mg.no_grad():
        assert evaluate(X[:64], Y[:64]).item() == pytest.approx(expected[1], rel=1e-6)
    assert evaluate.traces == 3


def _step_that(line):
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)

    def step(Xb, Yb):
        logits = model(Xb)
        loss = line(logits, Yb, model)
        loss.backward()
        optimizer.step()
        return loss

    return step


@pytest.mark.parametrize("line, message", [
    (lambda logits, Yb, model: F.cross_entropy(logits, Yb) * (1 if logits.sum().item() > 0 else 2), r"item\(\)"),
    (lambda logits, Yb, model: F.cross_entropy(logits if logits.max() > 3 else -logits, Yb), r"bool\(\)"),
    (lambda logits, Yb, model: F.cross_entropy(logits * mg.tensor(np.ones(27)), Yb), "outside the ops"),
    (lambda logits, Yb, model: F.cross_entropy(logits.numpy() and logits, Yb), r"numpy\(\)"),
    (lambda logits, Yb, model: F.cross_entropy(logits.retain_grad(), Yb), r"retain_grad\(\)"),
    (lambda logits, Yb, model: (logits.register_hook(lambda grad: grad), F.cross_entropy(logits, Yb))[1], "hook"),
], ids=["item", "if on a value", "tensor of values", "numpy", "retain_grad", "hook"])
def test_what_cannot_be_captured_fails_while_tracing_naming_the_line(line, message):
    step = mg.compile(_step_that(line))
    with pytest.raises(mg.CompileError, match=message) as error:
        step(X[:32], Y[:32])
    assert "test_compile.py" in str(error.value)
    assert not mg.is_grad_enabled() or F.cross_entropy(mg.ones(2, 3), mg.tensor([0, 1])).item() > 0  # modes restored


def test_an_in_place_change_inside_the_step_fails_while_tracing():
    model = lecture.MLP(27, generator=np.random.default_rng(0))

    def step(Xb, Yb):
        for p in model.parameters():
            p.data += 1.0
        return F.cross_entropy(model(Xb), Yb)

    with pytest.raises(mg.CompileError, match="in place"):
        mg.compile(step)(X[:32], Y[:32])


def test_a_trace_in_one_thread_leaves_other_threads_eager():
    import threading

    model, _, step = training(lr=0.1)
    compiled = mg.compile(step)
    seen = []

    def other_thread():  # while the main thread traces: ops here are not recorded into its step
        seen.append(F.cross_entropy(lecture.MLP(27, generator=np.random.default_rng(1))(X[:32]), Y[:32]).item())

    worker = threading.Thread(target=other_thread)
    original = model.forward

    def forward_with_a_thread(Xb):
        worker.start()
        worker.join()
        return original(Xb)

    model.forward = forward_with_a_thread
    compiled(X[:32], Y[:32])
    model.forward = original
    assert len(seen) == 1 and "MLP" not in compiled.source and compiled.source.count("= batch_norm(") == 1


def test_every_op_of_the_compiled_step_writes_into_a_buffer_made_once():
    model, optimizer, step = training(lr=0.1)
    compiled = mg.compile(step)
    for _ in range(2):
        compiled(X[:32], Y[:32])
    grads = [p.grad.numpy() for p in model.parameters()]
    compiled(X[:32], Y[:32])
    assert all(p.grad.numpy() is grad for p, grad in zip(model.parameters(), grads))
    body = compiled.source.split("    try:\n")[1].split("    finally:")[0].split("\n")
    allowed = r"(.* = \w+(_t\.array|\.reshape\(.*\)|\.T)|.*_t\._grad = \w+|.*(out=|np\.copyto\().*|\s*#.*|.*\[.*\] [-+]= 1|.*(leaf|mark_written)\(.*|\s*\w+_ignored, \w+_rows = check_targets\w*\(\w+\)|\s*group0 = optimizer.param_groups\[0\]|)"
    assert [line for line in body if not re.fullmatch(allowed, line)] == []


def test_grad_is_the_same_tensor_after_every_compiled_call_and_clone_keeps_a_copy():
    model, _, step = training(lr=0.1)
    compiled = mg.compile(step)
    for _ in range(2):  # traced (eagerly), then run compiled
        compiled(X[:32], Y[:32])
    p = next(iter(model.parameters()))
    kept, copy = p.grad, p.grad.clone()
    compiled(X[32:64], Y[32:64])  # docs/compiler.md: the next call writes the same gradient buffer
    assert p.grad is kept and not np.array_equal(copy.numpy(), kept.numpy())
