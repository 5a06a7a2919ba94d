"""minigrad.optim.lr_scheduler: StepLR and LambdaLR epoch by epoch against
torch.optim.lr_scheduler (rates, last_epoch, and the parameters they move), their
closed forms, and torch's errors."""

import numpy as np
import pytest

from helpers import requires_torch, torch
from minigrad import nn, optim
from minigrad.optim import lr_scheduler

EPOCHS = 10


def two_groups(library):
    """An SGD with momentum over two parameter groups of different rates, in ``library``."""
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    if library is optim:
        params = [nn.Parameter(v) for v in values]
    else:
        params = [torch.tensor(v, requires_grad=True) for v in values]
    groups = [{"params": [params[0]], "lr": 0.5}, {"params": [params[1]]}]
    return params, library.SGD(groups, lr=0.1, momentum=0.9)


SCHEDULES = [
    pytest.param(lambda lib, opt: lib.lr_scheduler.StepLR(opt, step_size=3), id="step"),
    pytest.param(lambda lib, opt: lib.lr_scheduler.StepLR(opt, 2, gamma=0.7), id="step gamma"),
    pytest.param(lambda lib, opt: lib.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch), id="lambda"),
    pytest.param(lambda lib, opt: lib.lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 1 + e % 3]),
                 id="lambda per group"),
]


@requires_torch
@pytest.mark.parametrize("make", SCHEDULES)
@pytest.mark.parametrize("set_by_hand", [False, True], ids=["", "rate set by hand"])
def test_schedules_equal_torch_epoch_by_epoch(make, set_by_hand):
    mine, opt = two_groups(optim)
    theirs, their_opt = two_groups(torch.optim)
    schedule, their_schedule = make(optim, opt), make(torch.optim, their_opt)
    rng = np.random.default_rng(1)
    for epoch in range(EPOCHS):
        assert schedule.last_epoch == their_schedule.last_epoch == epoch
        np.testing.assert_allclose(schedule.get_last_lr(), their_schedule.get_last_lr(), rtol=1e-15)
        if set_by_hand and epoch == 4:  # StepLR carries on from it, LambdaLR overrides it
            opt.param_groups[1]["lr"] = their_opt.param_groups[1]["lr"] = 0.03
        for p, q in zip(mine, theirs):
            grad = rng.standard_normal(p.shape)
            p.grad, q.grad = grad.copy(), torch.from_numpy(grad)
        opt.step()
        their_opt.step()
        schedule.step()
        their_schedule.step()
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([g["lr"] for g in their_opt.param_groups],
                                                                    rel=1e-15)
        for p, q in zip(mine, theirs):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_step_lr_decays_every_step_size_epochs():
    _, opt = two_groups(optim)
    schedule = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    rates = []
    for _ in range(6):
        rates.append(schedule.get_last_lr())
        schedule.step()
    expected = [[0.5 * 0.1 ** (epoch // 2), 0.1 * 0.1 ** (epoch // 2)] for epoch in range(6)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert opt.param_groups[0]["initial_lr"] == 0.5 and schedule.base_lrs == [0.5, 0.1]


def test_lambda_lr_sets_the_first_rate_at_construction():
    _, opt = two_groups(optim)
    schedule = lr_scheduler.LambdaLR(opt, lambda epoch: 2.0 + epoch)
    assert schedule.last_epoch == 0 and schedule.get_last_lr() == [1.0, 0.2] and opt.lr == 1.0
    schedule.step()
    assert schedule.last_epoch == 1 and schedule.get_last_lr() == pytest.approx([1.5, 0.3])


def test_lambda_lr_needs_one_function_per_group():
    _, opt = two_groups(optim)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda epoch: 1.0])


def test_resuming_needs_the_initial_rates():
    _, opt = two_groups(optim)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=5)
    lr_scheduler.StepLR(opt, step_size=2)  # records them
    resumed = lr_scheduler.StepLR(opt, step_size=2, last_epoch=5)
    assert resumed.last_epoch == 6 and resumed.base_lrs == [0.5, 0.1]


def test_the_schedulers_are_reached_as_in_torch():
    import minigrad as mg
    assert mg.optim.lr_scheduler.StepLR is lr_scheduler.StepLR
    assert issubclass(mg.optim.lr_scheduler.LambdaLR, mg.optim.lr_scheduler.LRScheduler)
