"""mg.compile's guards beyond the inputs and the modules (tests/test_compile.py has those):
the numbers the step's own code reads by name, the arguments given by keyword, and a step
traced again on every call."""

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
