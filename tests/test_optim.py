"""minigrad.optim: SGD and Adam step for step as torch.optim's on the same parameters
and gradients (float64), a settable learning rate, zero_grad, and parameters
without a gradient left alone."""

import re

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch
from minigrad import nn, optim

SHAPES = [(3, 4), (4,), (2, 2, 3)]
STEPS = 6


def make_parameters(seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(rng.standard_normal(shape)) for shape in SHAPES]


def gradients(step, skip=()):
    """The gradients of one step, the same for both libraries; None for the positions in ``skip``."""
    rng = np.random.default_rng(100 + step)
    grads = [rng.standard_normal(shape) for shape in SHAPES]
    return [None if i in skip else g for i, g in enumerate(grads)]


def run_both(make_mine, make_theirs, steps=STEPS, skip=lambda step: (), lr_at=None):
    """Step a minigrad optimiser and a torch one over the same gradients; after each step
    the parameters must agree. ``skip(step)`` lists parameters with no gradient that step;
    ``lr_at(step)`` sets the learning rate before that step."""
    mine = make_parameters()
    theirs = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in mine]
    opt, their_opt = make_mine(mine), make_theirs(theirs)
    for step in range(steps):
        if lr_at is not None:
            opt.lr = lr_at(step)
            for group in their_opt.param_groups:
                group["lr"] = lr_at(step)
        opt.zero_grad()
        their_opt.zero_grad()
        for p, q, g in zip(mine, theirs, gradients(step, skip(step))):
            p.grad = None if g is None else g.copy()
            q.grad = None if g is None else torch.from_numpy(g.copy())
        opt.step()
        their_opt.step()
        for index, (p, q) in enumerate(zip(mine, theirs)):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"parameter {index} after step {step}")
    return mine


SETTINGS = [
    pytest.param(lambda ps: optim.SGD(ps, lr=0.1),
                 lambda ps: torch.optim.SGD(ps, lr=0.1), id="sgd"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), id="sgd momentum"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01),
                 lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01), id="sgd weight decay"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1),
                 id="sgd momentum weight decay"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3), id="sgd dampening"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True), id="sgd nesterov"),
    pytest.param(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.1),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.1),
                 id="sgd nesterov weight decay"),
    pytest.param(lambda ps: optim.SGD(ps, momentum=0.5, dampening=0.5, weight_decay=0.2),
                 lambda ps: torch.optim.SGD(ps, momentum=0.5, dampening=0.5, weight_decay=0.2),
                 id="sgd default lr dampening weight decay"),
    pytest.param(lambda ps: optim.Adam(ps),
                 lambda ps: torch.optim.Adam(ps), id="adam"),
    pytest.param(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
                 lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6), id="adam settings"),
    pytest.param(lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1),
                 lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1), id="adam weight decay"),
    pytest.param(lambda ps: optim.AdamW(ps),
                 lambda ps: torch.optim.AdamW(ps), id="adamw"),
    pytest.param(lambda ps: optim.AdamW(ps, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.3),
                 lambda ps: torch.optim.AdamW(ps, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.3),
                 id="adamw settings"),
    pytest.param(lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
                 lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
                 id="adam decoupled weight decay"),
]


@requires_torch
@pytest.mark.parametrize("make_mine, make_theirs", SETTINGS)
def test_steps_equal_torch(make_mine, make_theirs):
    before = [p.numpy().copy() for p in make_parameters()]
    after = run_both(make_mine, make_theirs)
    assert all(not np.allclose(a.numpy(), b) for a, b in zip(after, before))  # they did move


@requires_torch
@pytest.mark.parametrize("make_mine, make_theirs", SETTINGS)
def test_changing_the_learning_rate_between_steps_equals_torch(make_mine, make_theirs):
    run_both(make_mine, make_theirs, lr_at=lambda step: 0.1 if step < STEPS // 2 else 0.01)


@requires_torch
@pytest.mark.parametrize("make_mine, make_theirs", SETTINGS)
def test_parameters_without_gradient_are_skipped_as_in_torch(make_mine, make_theirs):
    # parameter 1 has no gradient for the first steps (its momentum and Adam's step count
    # start when it gets one), parameter 2 none in the middle
    run_both(make_mine, make_theirs, skip=lambda step: {1} if step < 2 else ({2} if step == 3 else ()))


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                  lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1)], ids=["sgd", "adam"])
def test_a_parameter_without_gradient_does_not_move(make):
    params = make_parameters()
    before = params[0].numpy().copy()
    opt = make(params)
    for step in range(3):
        for p, g in zip(params, gradients(step, skip={0})):
            p.grad = g
        opt.step()
    np.testing.assert_array_equal(params[0].numpy(), before)
    assert not np.allclose(params[1].numpy(), make_parameters()[1].numpy())


def test_sgd_step_is_minus_lr_times_grad():
    p = nn.Parameter(np.array([1.0, -2.0, 3.0]))
    p.grad = np.array([0.5, 0.5, -1.0])
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p.numpy(), [0.95, -2.05, 3.1], rtol=1e-15)


def test_the_learning_rate_is_settable():
    p = nn.Parameter(np.zeros(2))
    opt = optim.SGD([p], lr=0.1)
    assert opt.lr == 0.1 and opt.param_groups[0]["lr"] == 0.1
    opt.lr = 0.01
    assert opt.lr == 0.01 and opt.param_groups[0]["lr"] == 0.01
    p.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(p.numpy(), [-0.01, -0.01], rtol=1e-15)
    opt.param_groups[0]["lr"] = 1.0  # torch's way works too
    opt.step()
    np.testing.assert_allclose(p.numpy(), [-1.01, -1.01], rtol=1e-15)


def test_param_groups_have_their_own_settings_and_lr_sets_them_all():
    a, b = nn.Parameter(np.zeros(1)), nn.Parameter(np.zeros(1))
    opt = optim.SGD([{"params": [a], "lr": 1.0}, {"params": [b]}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.5]
    a.grad, b.grad = np.ones(1), np.ones(1)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [-1.0, -0.1])
    opt.lr = 0.5
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.5]


def test_zero_grad():
    params = make_parameters()
    opt = optim.Adam(params)
    for p, g in zip(params, gradients(0)):
        p.grad = g
    opt.zero_grad(set_to_none=False)
    for p in params:
        assert p.grad is not None and p.grad.shape == p.shape and not p.grad.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_an_optimiser_trains_a_model_from_its_parameters_generator():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((64, 3)))
    y = x @ mg.tensor([[1.0], [-2.0], [0.5]], dtype=x.dtype) + 0.3
    model = nn.Linear(3, 1, dtype=mg.float64, generator=rng)
    opt = optim.Adam(model.parameters(), lr=0.1)  # a generator, as in torch
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-4 * losses[0]
    np.testing.assert_allclose(model.weight.numpy(), [[1.0, -2.0, 0.5]], atol=1e-2)


def test_float32_parameters_stay_float32():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    for opt in (optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1), optim.Adam([p], weight_decay=0.1),
                optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True), optim.AdamW([p])):
        p.grad = np.ones(3, dtype=np.float32)
        opt.step()
        assert p.numpy().dtype == np.float32


def test_an_empty_parameter_list_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda ps: optim.SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: optim.AdamW(ps, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda ps: optim.AdamW(ps, eps=-0.1), "Invalid epsilon value: -0.1"),
    (lambda ps: optim.AdamW(ps, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda ps: optim.AdamW(ps, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
], ids=["nesterov without momentum", "nesterov with dampening", "negative lr", "negative momentum",
        "negative weight decay", "adamw lr", "adamw eps", "beta 0", "beta 1", "adamw weight decay"])
def test_settings_torch_rejects_are_rejected_with_its_message(make, message):
    for library in (optim, torch.optim) if torch else (optim,):
        with pytest.raises(ValueError, match=re.escape(message)):
            make([nn.Parameter(np.zeros(2))] if library is optim else [torch.zeros(2, requires_grad=True)])


def test_adamw_defaults_are_torchs_and_shrink_a_parameter_without_moving_it_otherwise():
    p = nn.Parameter(np.array([2.0, -4.0]))
    opt = optim.AdamW([p])
    group = opt.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 1e-2)
    p.grad = np.zeros(2)  # a zero gradient: only the decay acts
    opt.step()
    np.testing.assert_allclose(p.numpy(), np.array([2.0, -4.0]) * (1 - 1e-3 * 1e-2), rtol=1e-15)
