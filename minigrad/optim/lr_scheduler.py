"""Learning-rate schedules, as in ``torch.optim.lr_scheduler``: each ``step()`` (once
per epoch, after the optimiser's) sets the learning rate of every parameter group."""

__all__ = ["LRScheduler", "LambdaLR", "StepLR"]


class LRScheduler:
    """Base class: keeps ``base_lrs`` (each group's ``initial_lr``) and ``last_epoch``
    (the number of ``step()`` calls; 0 after construction, which sets the first rate)."""

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        for index, group in enumerate(groups):
            if "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] "
                               "when resuming an optimizer")
        self.base_lrs = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self):
        """The learning rate of each group at ``last_epoch``; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} defines no get_lr()")

    def get_last_lr(self):
        """The learning rates this scheduler set last, one per group."""
        return list(self._last_lr)

    def step(self):
        """Advance ``last_epoch`` by one and set each group's learning rate for it."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply each group's learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The current rates, times ``gamma`` at each multiple of ``step_size`` (as torch,
        from the current rate, so a rate set by hand between steps carries on)."""
        rates = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return rates
        return [lr * self.gamma for lr in rates]


class LambdaLR(LRScheduler):
    """Set each group's learning rate to its initial rate times ``lr_lambda(epoch)``;
    ``lr_lambda`` is one function, or a list of one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Each group's initial rate times its function of ``last_epoch``."""
        return [base * factor(self.last_epoch) for base, factor in zip(self.base_lrs, self.lr_lambdas)]
