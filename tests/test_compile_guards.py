"""mg.compile's guards beyond the inputs and the modules (tests/test_compile.py has those):
the numbers the step's own code reads by name, the arguments given by keyword, and a step
traced again on every call."""

import functools

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from test_compile import X, Y, lecture


SCALE = 1.0  # a number the step below reads as a global


def test_a_number_the_step_reads_by_name_retraces_when_it_changes():
    global SCALE
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    reg = 0.01

    def loss_of(Xb, Yb):
        return F.cross_entropy(model(Xb), Yb) * SCALE + reg * (model.output.weight ** 2).mean()

    compiled = mg.compile(loss_of)
    for SCALE, reg in ((1.0, 0.01), (2.0, 0.01), (2, 0.01), (2, 0.5)):  # a global, an int for a float, a closure's
        assert compiled(X[:32], Y[:32]).item() == pytest.approx(loss_of(X[:32], Y[:32]).item(), rel=1e-6)
    SCALE = 1.0
    assert compiled.traces == 4


def test_a_step_called_with_keywords_gets_them_as_positions_and_refuses_keyword_only_ones():
    model = lecture.MLP(27, generator=np.random.default_rng(0))

    def loss_of(Xb, Yb, scale=1.0, *, shift=0.0):
        return F.cross_entropy(model(Xb), Yb) * scale + shift

    compiled = mg.compile(loss_of)
    for args, kwargs in (((X[:32], Y[:32]), {}), ((X[:32],), dict(Yb=Y[:32], scale=2.0)), ((X[:32], Y[:32]), {})):
        assert compiled(*args, **kwargs).item() == pytest.approx(loss_of(*args, **kwargs).item(), rel=1e-6)
    assert compiled.traces == 2
    with pytest.raises(TypeError, match=r"loss_of takes \['shift'\] only by keyword"):
        compiled(X[:32], Y[:32], shift=1.0)


def test_a_step_traced_again_on_every_call_warns_and_keeps_few_traces():
    model = lecture.MLP(27, generator=np.random.default_rng(0))
    scale = 0.0

    def loss_of(Xb, Yb):
        return F.cross_entropy(model(Xb), Yb) * scale

    compiled = mg.compile(loss_of)
    with pytest.warns(RuntimeWarning, match="loss_of was traced 9 times"):
        for i in range(12):
            scale = float(i)
            assert compiled(X[:32], Y[:32]).item() == pytest.approx(F.cross_entropy(model(X[:32]), Y[:32]).item() * i)
    assert compiled.traces == 12


MODEL = lecture.MLP(27, generator=np.random.default_rng(0))
REG, FACTOR, ROWS, step = 0.01, np.float32(1.0), np.arange(8), 0  # read by name below; `step` also an attribute's name
RUNNING_MEAN, RUNNING_VAR = mg.zeros(200), mg.ones(200)
TARGETS = mg.tensor(Y[:32])
WEIGHTS, NET, SCALES, STATE = [1.0, 2.0], MODEL, [100], {"calls": 0}


def regularised(Xb, Yb):  # REG read inside a generator expression
    return F.cross_entropy(MODEL(Xb), Yb) + sum(REG * (p ** 2).sum() for p in [MODEL.output.weight])


def scaled(Xb, Yb):  # a numpy scalar
    return F.cross_entropy(MODEL(Xb), Yb) * FACTOR


def some_rows(Xb, Yb):  # a numpy array of indices
    return F.cross_entropy(MODEL(Xb)[ROWS], Yb)


def normalised_by_hand(Xb, Yb):  # running statistics that no module holds
    h = F.batch_norm(MODEL.hidden(MODEL.flatten(MODEL.embedding(Xb))), RUNNING_MEAN, RUNNING_VAR,
                     MODEL.batchnorm.weight, MODEL.batchnorm.bias, training=True)
    return F.cross_entropy(MODEL.output(h.tanh()), Yb) + RUNNING_MEAN.sum() * 0


def against_targets(Xb, Yb):  # a tensor read by name, its array taken by the op
    return F.cross_entropy(MODEL(Xb), TARGETS)


def listed(Xb, Yb):  # a list of numbers, made a tensor in the step
    return F.cross_entropy(MODEL(Xb), Yb) * mg.tensor(WEIGHTS).sum()


def through(Xb, Yb):  # a module read by name
    return F.cross_entropy(NET(Xb), Yb)


def with_a_constant(Xb, Yb):  # a Python float made a tensor: of the default dtype
    return (F.cross_entropy(MODEL(Xb), Yb) + mg.tensor([0.1])).sum()


def scaled_by(factor, Xb, Yb):
    return F.cross_entropy(MODEL(Xb), Yb) * factor * FACTOR


def scaled_ints(Xb, Yb):  # a list's int: int8 arithmetic wraps, a float's does not
    return (mg.tensor(Xb) * SCALES[0]).float().sum()


def weighted(Xb, Yb, weights):  # a tuple of numbers as an input
    return F.cross_entropy(MODEL(Xb), Yb) * weights[0] + weights[1]


def rebind(name, value):
    return lambda: globals().__setitem__(name, value)


@pytest.mark.parametrize("loss_of, changes, inputs", [
    (regularised, [rebind("REG", 1.0)], None),
    (scaled, [rebind("FACTOR", np.float32(10.0)), rebind("FACTOR", np.float64(10.0))], None),
    (some_rows, [rebind("ROWS", np.arange(8, 16)), lambda: ROWS.__setitem__(slice(None), np.arange(16, 24))],
     lambda i: (X[:32], Y[:8])),
    (regularised, [lambda: MODEL.output.weight.requires_grad_(False), lambda: MODEL.output.weight.requires_grad_()],
     None),
    (normalised_by_hand, [lambda: setattr(RUNNING_MEAN, "data", mg.ones(200))], None),
    (weighted, [lambda: None], lambda i: (X[:32], Y[:32], (1.0 + i, float(i)))),
    (against_targets, [lambda: setattr(TARGETS, "data", mg.tensor(Y[32:64])), rebind("TARGETS", mg.tensor(Y[64:96]))],
     None),
    (listed, [lambda: WEIGHTS.append(3.0), rebind("WEIGHTS", [4.0])], None),
    (through, [rebind("NET", lecture.MLP(27, generator=np.random.default_rng(1)))], None),
    (with_a_constant, [lambda: mg.set_default_dtype(mg.float64), lambda: mg.set_default_dtype(mg.float32)], None),
    (functools.partial(scaled_by, 2.0), [rebind("FACTOR", np.float32(3.0))], None),
    (scaled_ints, [lambda: SCALES.__setitem__(0, 100.0)], lambda i: (X[:32].astype(np.int8), Y[:32])),
], ids=["a global in a generator", "a numpy scalar", "an index array, new or changed in place",
        "requires_grad", "running statistics of F.batch_norm", "a tuple of numbers", "a tensor, new data or new",
        "a list, changed or new", "a module, new", "the default dtype", "a partial's function's global",
        "an int in a list become a float"])
def test_a_compiled_call_follows_what_its_step_reads(loss_of, changes, inputs):
    inputs = inputs or (lambda i: (X[:32], Y[:32]))
    compiled = mg.compile(loss_of)
    for i, change in enumerate([lambda: None] + changes):
        change()
        assert compiled(*inputs(i)).item() == loss_of(*inputs(i)).item()


@pytest.mark.parametrize("loss_of, second", [
    (lambda Xb, Yb: F.cross_entropy(MODEL(Xb)[:8], Yb[:8]), Y[:32]),                   # numpy's slice of an input
    (lambda Xb, pair: F.cross_entropy(MODEL(Xb), pair[0]), (mg.tensor(Y[:32]),)),      # a tensor inside a tuple
    (lambda Xb, Yb: F.cross_entropy(MODEL(Xb)[np.array([0, 2, 4])], Yb), Y[:3]),       # an array made in the step
], ids=["slice", "tuple", "made"])
def test_an_array_the_step_computes_with_numpy_fails_while_tracing(loss_of, second):
    with pytest.raises(mg.CompileError, match="neither takes as an input nor reads by name"):
        mg.compile(loss_of)(X[:32], second)


def counting(Xb, Yb):
    global step
    step += 1
    return F.cross_entropy(MODEL(Xb), Yb)


class Counting(mg.nn.Module):
    def __init__(self):
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x


def counting_in_a_dict(Xb, Yb):
    STATE["calls"] += 1
    return F.cross_entropy(MODEL(Xb), Yb) * (0.1 if STATE["calls"] < 3 else 0.01)


def test_a_step_that_changes_what_it_reads_fails_while_tracing():
    with pytest.raises(mg.CompileError, match="changes the global step"):
        mg.compile(counting)(X[:32], Y[:32])
    with pytest.raises(mg.CompileError, match="changes the global STATE"):
        mg.compile(counting_in_a_dict)(X[:32], Y[:32])
    counter = Counting()
    with pytest.raises(mg.CompileError, match="changes the setting calls of a Counting"):
        mg.compile(lambda Xb, Yb: F.cross_entropy(counter(MODEL(Xb)), Yb))(X[:32], Y[:32])


def test_a_global_named_as_an_attribute_is_not_read():
    global step
    optimizer = mg.optim.SGD(MODEL.parameters(), lr=0.0)

    def training_step(Xb, Yb):
        optimizer.zero_grad()
        loss = F.cross_entropy(MODEL(Xb), Yb)
        loss.backward()
        optimizer.step()  # `step` an attribute here, not the global
        return loss

    compiled = mg.compile(training_step)
    for step in range(3):
        compiled(X[:32], Y[:32])
    assert compiled.traces == 1
