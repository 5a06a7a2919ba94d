"""Graphs that free what they no longer need: outputs no backward can walk keep no inputs,
backward() without retain_graph releases what it walked, and a kept loss then holds
almost nothing. Freed by reference counting alone: no cycles for the garbage collector."""

import contextlib
import gc
import sys
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
import lecture  # examples/, on the path (conftest.py)


@contextmanager
def no_garbage_collector():
    """Whatever dies inside dies by reference counting: a cycle would keep it alive."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_backward_releases_the_intermediates_of_a_kept_loss():
    with no_garbage_collector():
        x = mg.randn(4, 3, requires_grad=True)
        h = (x * 2).tanh()
        loss = (h * h).sum()
        data = weakref.ref(h.array)
        del h
        assert data() is not None  # the graph keeps it until backward
        loss.backward()
        assert data() is None
        assert loss.graph_freed and loss.op == "sum" and x.grad is not None and not x.graph_freed
        # what stays is the structure: stand-ins for the released tensors, the parameter itself
        square = loss.inputs[0]
        assert (square.op, square.shape, square.graph_freed, square.tensor) == ("mul", (4, 3), True, None)
        assert square.inputs[0] is square.inputs[1] and square.inputs[0].op == "tanh"
        assert square.inputs[0].inputs[0].inputs == (x, 2)


def test_backward_frees_every_array_saved_for_it_however_the_graph_is_held():
    """The arrays the ops saved (inputs and outputs of tanh, mul, exp, getitem's index,
    cross_entropy's target) die with backward; a user's variable keeps its own tensor."""
    with no_garbage_collector():
        w = mg.randn(6, 4, requires_grad=True)
        x, index, target = mg.randn(3, 4), np.array([0, 2, 2]), np.array([1, 0, 3])
        h = (x @ w.T).tanh()
        kept = h * 2
        logits = kept.exp()[index]
        loss = F.cross_entropy(logits, target)
        saved = [weakref.ref(a) for a in (x.array, h.array, kept.array, logits.array, index, target)]
        del x, h, logits, index, target
        loss.backward()
        assert [ref() for ref in saved] == [None, None, kept.array, None, None, None]
        assert loss.inputs[0].op == "getitem" and loss.inputs[0].inputs[0].inputs[0].tensor is kept


def test_retain_graph_keeps_the_graph_for_another_backward():
    with no_garbage_collector():
        x = mg.randn(3, requires_grad=True)
        h = x.exp()
        loss = h.sum()
        data = weakref.ref(h.array)
        del h
        loss.backward(retain_graph=True)
        assert data() is not None and not loss.graph_freed
        loss.backward()
        assert data() is None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.numpy()), rtol=1e-6)


def test_a_second_backward_through_a_freed_graph_says_so():
    x = mg.randn(3, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="already freed by an earlier backward"):
        loss.backward()


USES = {"once": lambda h: (h * 2).sum(), "twice by one op": lambda h: (h * h).sum(),
        "by two ops": lambda h: (h * 2 + h.exp()).sum(), "retaining its grad": lambda h: (h.retain_grad(), h.sum())[1],
        "hooked": lambda h: (h.register_hook(lambda grad: grad * 2), h.tanh().sum())[1]}


@contextmanager
def traced():
    """A trace function that reads every frame's variables, as pdb's does (CPython up to
    3.12 then keeps a copy of them, which holds references)."""
    def trace(frame, event, arg):
        frame.f_locals
        return trace

    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(None)


MODES = {"plain": contextlib.nullcontext, "detect_anomaly": mg.detect_anomaly, "traced": traced}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("held", [False, True])
def test_an_intermediate_keeps_its_data_while_held_and_only_then(held, use, mode):
    """backward releases in place what the graph alone holds (released.py counts the
    references), never what anything else holds: over 50 rounds, so that the interpreter
    has specialised the walk's code by the last ones."""
    with no_garbage_collector(), MODES[mode]():
        for _ in range(50):
            h = mg.randn(4, 3, requires_grad=True).tanh()
            values, data = h.numpy().copy(), weakref.ref(h.array)
            loss, holder = USES[use](h), [h] if held else []
            del h
            before = mg.draw_graph(loss).source
            loss.backward()
            assert (data() is not None) == held
            if held:
                np.testing.assert_array_equal(holder[0].numpy(), values)
            assert mg.draw_graph(loss).source == before
            holder.clear()
            assert data() is None  # dropped after backward: freed, the structure kept
            assert mg.draw_graph(loss).source == before


def test_an_op_on_a_released_tensor_says_its_data_is_gone():
    loss = (mg.randn(3, requires_grad=True).tanh() * 2).sum()
    loss.backward()
    released = loss.inputs[0]
    assert (type(released), released.op, released.shape, released.tensor) == (mg.released.Released, "mul", (3,), None)
    with pytest.raises(RuntimeError, match=r"<released mul tensor of shape \(3,\)>: backward\(\) released this tensor's data"):
        mg.exp(released)


@pytest.mark.parametrize("where", ["no_grad", "nothing requires grad", "integer result"])
def test_outputs_outside_the_graph_keep_no_inputs(where):
    with no_garbage_collector():
        x = mg.randn(5, requires_grad=where != "nothing requires grad")
        if where == "no_grad":
            with mg.no_grad():
                h = x * 2
                out = h.exp()
        elif where == "integer result":
            h = x * 2
            out = (h > 0).long().sum()
        else:
            h = x * 2
            out = h.exp()
        intermediate = weakref.ref(h)
        del h
        assert not out.requires_grad and out.is_leaf and out.op is None and out.inputs == ()
        if where != "integer result":
            assert intermediate() is None


def test_detect_anomaly_keeps_the_inputs_it_reads():
    with mg.detect_anomaly():
        x = mg.randn(3)
        y = x.exp()
    assert y.op == "exp" and y.inputs == (x,)


def test_the_training_loop_leaves_no_cycles():
    model = mg.nn.Sequential(mg.nn.Linear(3, 8), mg.nn.BatchNorm1d(8), mg.nn.Tanh(), mg.nn.Linear(8, 2))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    x, y = mg.randn(16, 3), mg.tensor(np.arange(16) % 2)
    with no_garbage_collector():
        for _ in range(2):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        assert gc.collect() == 0


def held_after_backward(make_loss):
    """Bytes still allocated, after backward and with the gradients dropped, by what
    ``make_loss`` made and the loss it returns keeps."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loss = make_loss()
        loss.backward()
        return tracemalloc.get_traced_memory()[0] - before, loss
    finally:
        tracemalloc.stop()


def test_a_kept_loss_of_the_lecture_step_holds_a_few_kilobytes():
    rng = np.random.default_rng(0)
    model = lecture.MLP(27, generator=rng)
    params = lecture.lecture_parameters(model)
    Xb, Yb = rng.integers(0, 27, (32, 3)), rng.integers(0, 27, 32)
    for p in params.values():  # the gradients exist before: only what the loss keeps is counted
        p.grad = np.zeros(p.shape, p.dtype)
    held, loss = held_after_backward(lambda: F.cross_entropy(model(Xb), Yb))
    assert held < 16 * 1024, held  # it held about 90 KB of intermediates before backward freed them
    held, loss = held_after_backward(lambda: lecture.chunked_forward(params, Xb, Yb, retain=False)["loss"])
    # and about 250 KB through the lecture's 20 small ops; what stays is the graph's structure
    # (released.py: some 400 bytes an op, so that the graph can be drawn after backward)
    assert held < 32 * 1024, held


def test_backward_frees_each_intermediate_as_the_walk_leaves_it():
    """The lecture's peak memory: an output the walk has gone through is freed while the
    walk goes on (its op's inputs hold stand-ins at once), not when it ends."""
    with no_garbage_collector():
        w = mg.randn(4, 3, requires_grad=True)
        top = (w.tanh() * 2).exp()
        loss = top.sum()
        freed_before_w = []
        w.register_hook(lambda grad: freed_before_w.append(data() is None))  # w's gradient comes last
        data = weakref.ref(top.array)
        del top
        loss.backward()
        assert freed_before_w == [True] and loss.inputs[0].op == "exp" and loss.inputs[0].tensor is None
