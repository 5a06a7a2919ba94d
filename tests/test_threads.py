"""Each thread has its own modes (grad mode, retain_grads, detect_anomaly, the nn.Module
scope), as PyTorch's grad mode is per thread; and every mode is a decorator too."""

import threading

import numpy as np
import pytest

import minigrad as mg

# assert_allclose reads .grad through np.asarray, so it holds whether .grad is an array or a Tensor

ROUNDS = 200
TIMEOUT = 30  # seconds; a barrier that times out breaks, so a failing thread cannot hang the others


def run_together(*targets, first_here=False):
    """Run each target in its own thread (the first in this one with ``first_here``), wait
    for all, and raise the first error any raised."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001  (handed to the main thread below)
            errors.append(error)
            barrier.abort()

    barrier = threading.Barrier(len(targets), timeout=TIMEOUT)
    threads = [threading.Thread(target=guarded, args=(lambda t=target: t(barrier),))
               for target in targets[1 if first_here else 0:]]
    for thread in threads:
        thread.start()
    if first_here:
        guarded(lambda: targets[0](barrier))
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    real = [error for error in errors if not isinstance(error, threading.BrokenBarrierError)]
    if real or errors:
        raise (real or errors)[0]


def leaf():
    return mg.tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_no_grad_in_one_thread_leaves_another_recording():
    def evaluating(barrier):
        x = leaf()
        for _ in range(ROUNDS):
            with mg.no_grad():
                barrier.wait()  # the other thread records while this one is inside no_grad
                y = x * 2
                assert not y.requires_grad and y.is_leaf
                barrier.wait()

    def training(barrier):
        x = leaf()
        for _ in range(ROUNDS):
            barrier.wait()
            y = (x * 2).sum()
            assert y.requires_grad and y.op == "sum" and mg.is_grad_enabled()
            y.backward()
            np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0])
            x.grad = None
            barrier.wait()

    run_together(evaluating, training)


def test_out_of_order_exits_leave_each_thread_as_it_was():
    def first(barrier):
        with mg.no_grad():
            barrier.wait()  # 1: both inside no_grad
            barrier.wait()  # 2
        assert mg.is_grad_enabled()  # left first, while the other thread is still inside
        barrier.wait()  # 3
        barrier.wait()  # 4: the other left too
        assert mg.is_grad_enabled() and (leaf() * 2).requires_grad

    def second(barrier):
        with mg.no_grad():
            barrier.wait()  # 1
            barrier.wait()  # 2
            barrier.wait()  # 3: the first thread has left its no_grad
            assert not mg.is_grad_enabled() and not (leaf() * 2).requires_grad
        assert mg.is_grad_enabled()
        barrier.wait()  # 4

    run_together(first, second)
    assert mg.is_grad_enabled()


def test_a_new_thread_starts_recording_whatever_the_starting_thread_does():
    seen = []
    with mg.no_grad():
        thread = threading.Thread(target=lambda: seen.append((mg.is_grad_enabled(), (leaf() * 2).requires_grad)))
        thread.start()
        thread.join(TIMEOUT)
        assert not mg.is_grad_enabled()
    assert seen == [(True, True)]


def test_retain_grads_stays_in_its_thread():
    def retaining(barrier):
        for _ in range(ROUNDS // 4):
            with mg.retain_grads():
                barrier.wait()
                x = leaf()
                y = x * 2
                y.sum().backward()
                np.testing.assert_allclose(y.grad, [1.0, 1.0, 1.0])
                barrier.wait()

    def plain(barrier):
        for _ in range(ROUNDS // 4):
            barrier.wait()
            x = leaf()
            y = x * 2
            y.sum().backward()
            assert y.grad is None and x.grad is not None
            barrier.wait()

    run_together(retaining, plain)


def test_detect_anomaly_stays_in_its_thread():
    def checking(barrier):
        for _ in range(ROUNDS // 4):
            with mg.detect_anomaly():
                barrier.wait()
                with pytest.raises(mg.AnomalyError, match="NaN"):
                    mg.tensor([float("nan")], requires_grad=True) * 2
                barrier.wait()

    def plain(barrier):
        for _ in range(ROUNDS // 4):
            barrier.wait()
            y = mg.tensor([float("nan")], requires_grad=True) * 2  # no check here: a NaN flows on
            assert np.isnan(y.numpy()).all()
            barrier.wait()

    run_together(checking, plain)


class Waiting(mg.nn.Module):
    """A module whose forward holds the other thread at a barrier while it is inside its call."""

    def __init__(self, barrier):
        super().__init__()
        self.barrier = barrier

    def forward(self, x):
        self.barrier.wait()
        y = x * 2
        self.barrier.wait()
        return y


# first_here: the calling thread is the one that imported minigrad, whose module calls change
# the default modes in place, which other threads read too
@pytest.mark.parametrize("first_here", [False, True])
def test_the_module_scope_stays_in_its_thread(first_here):
    def calling(barrier):
        module = Waiting(barrier)
        for _ in range(ROUNDS // 4):
            assert module(leaf()).scope == ("Waiting",)

    def plain(barrier):
        for _ in range(ROUNDS // 4):
            barrier.wait()  # the other thread is inside its module call
            assert (leaf() * 3).scope == ()
            barrier.wait()

    run_together(calling, plain, first_here=first_here)


# each mode as a decorator, without and with parentheses
def without_parentheses(mode):
    return mode


def with_parentheses(mode):
    return mode()


DECORATIONS = pytest.mark.parametrize("decorate", [without_parentheses, with_parentheses])


@DECORATIONS
def test_no_grad_decorates(decorate):
    @decorate(mg.no_grad)
    def evaluate(x):
        """Doubles x."""
        return x * 2

    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Doubles x."
    for _ in range(2):  # a decorated function can be called again
        assert not evaluate(leaf()).requires_grad
        assert mg.is_grad_enabled()


@DECORATIONS
def test_enable_grad_decorates(decorate):
    @decorate(mg.enable_grad)
    def train(x):
        return x * 2

    with mg.no_grad():
        assert train(leaf()).requires_grad
        assert not mg.is_grad_enabled()


@DECORATIONS
def test_retain_grads_decorates(decorate):
    @decorate(mg.retain_grads)
    def forward_backward(x):
        y = x * 2
        y.sum().backward()
        return y

    np.testing.assert_allclose(forward_backward(leaf()).grad, [1.0, 1.0, 1.0])
    y = leaf() * 2
    y.sum().backward()
    assert y.grad is None


@DECORATIONS
def test_detect_anomaly_decorates(decorate):
    @decorate(mg.detect_anomaly)
    def double(x):
        return x * 2

    nan = mg.tensor([float("nan")], requires_grad=True)
    with pytest.raises(mg.AnomalyError, match="NaN"):
        double(nan)
    assert np.isnan((nan * 2).numpy()).all()
