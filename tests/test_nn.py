"""minigrad.nn: Module's bookkeeping (parameters, submodules, modes, state dicts, scopes)
and initialisation. The layers' values against PyTorch and finite differences are in
test_nn_numerics.py."""

import numpy as np
import pytest

import minigrad as mg
from helpers import FORWARD_TOLERANCE as FORWARD
from minigrad import nn

F64 = mg.float64


class Net(nn.Module):
    """A module with a nested Sequential, a buffer-carrying BatchNorm and a head."""

    def __init__(self):
        self.encoder = nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.BatchNorm1d(4, dtype=F64), nn.Tanh())
        self.head = nn.Linear(4, 2, dtype=F64)

    def forward(self, x):
        return self.head(self.encoder(x))


# ----- Module: parameters, submodules, modes -----

def test_sequential_names_parameters_by_position():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [p.shape for p in model.parameters()] == [(4, 3), (4,), (2, 4), (2,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert len(model) == 3 and isinstance(model[1], nn.Tanh) and list(model) == list(model.children())


def test_nested_modules_are_found_without_registration():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "head.weight", "head.bias"]
    assert [name for name, _ in net.named_buffers()] == ["encoder.1.running_mean", "encoder.1.running_var",
                                                        "encoder.1.num_batches_tracked"]
    assert [name for name, _ in net.named_modules()] == ["", "encoder", "encoder.0", "encoder.1", "encoder.2", "head"]
    assert [name for name, _ in net.named_children()] == ["encoder", "head"]
    assert net.encoder[0].weight is dict(net.named_parameters())["encoder.0.weight"]


def test_a_linear_without_bias_has_only_its_weight():
    layer = nn.Linear(3, 4, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]

    class Tied(nn.Module):
        def __init__(self):
            self.encode = nn.Linear(3, 3)
            self.decode = nn.Linear(3, 3)
            self.decode.weight = self.encode.weight

    params = list(Tied().parameters())
    assert len(params) == 3 and len({id(p) for p in params}) == 3

    # a shared layer used twice accumulates both uses into the one gradient
    x = mg.randn(5, 3)
    model(x).sum().backward()
    assert shared.weight.grad is not None and shared.weight.grad.shape == (3, 3)


def test_zero_grad_resets_every_parameter():
    net = Net()
    net(mg.randn(6, 3, dtype=F64)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and not p.grad.numpy().any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_reach_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.encoder[1].training


def test_train_and_eval_call_a_submodules_own_train():
    class Frozen(nn.Linear):  # as PyTorch, a submodule's override of train() is called
        def train(self, mode=True):
            return super().train(False)

    net = nn.Sequential(nn.Sequential(Frozen(2, 2)), nn.Tanh())
    net.train()
    assert [m.training for m in net.modules()] == [True, True, False, True]


def test_eval_changes_what_batchnorm_computes():
    bn = nn.BatchNorm1d(3, dtype=F64)
    x = mg.tensor(np.random.default_rng(0).normal(5.0, 2.0, (8, 3)))
    trained = bn(x).numpy()
    np.testing.assert_allclose(trained.mean(0), 0.0, atol=1e-12)  # batch statistics
    before = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    evaluated = bn.eval()(x).numpy()
    np.testing.assert_allclose(evaluated, (x.numpy() - before[0]) / np.sqrt(before[1] + 1e-5), **FORWARD)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before[0])  # not updated in eval
    np.testing.assert_array_equal(bn.running_var.numpy(), before[1])


def test_call_runs_forward_with_its_arguments():
    class Affine(nn.Module):
        def __init__(self):
            self.scale = nn.Parameter(np.array([2.0]))

        def forward(self, x, shift=0.0):
            return x * self.scale + shift

    out = Affine()(mg.tensor([1.0, 3.0]), shift=1.0)
    np.testing.assert_array_equal(out.numpy(), [3.0, 7.0])
    with pytest.raises(NotImplementedError):
        nn.Module()(mg.tensor([1.0]))


def test_state_dict_holds_parameters_and_buffers():
    net = Net()
    state = net.state_dict()
    # PyTorch's order: module by module, each one's parameters, then its buffers
    assert list(state) == ["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                           "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked",
                           "head.weight", "head.bias"]
    for name, value in list(net.named_parameters()) + list(net.named_buffers()):
        assert isinstance(state[name], mg.Tensor)
        np.testing.assert_array_equal(state[name].numpy(), value.numpy())
        assert not state[name].requires_grad


def test_load_state_dict_copies_values_into_the_same_parameters():
    source, target = Net(), Net()
    x = mg.tensor(np.random.default_rng(1).standard_normal((7, 3)))
    source(x)  # moves the running statistics away from their initial values
    params_before = list(target.parameters())
    assert target.load_state_dict(source.state_dict()) is target
    assert all(a is b for a, b in zip(params_before, target.parameters()))  # optimisers keep working
    for (name, mine), (_, theirs) in zip(target.state_dict().items(), source.state_dict().items()):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=name)
    source.eval(), target.eval()
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())
    # a copy, not an alias
    source.head.weight.data += 1.0
    assert not np.array_equal(target.head.weight.numpy(), source.head.weight.numpy())


def test_load_state_dict_accepts_plain_arrays():
    layer = nn.Linear(2, 2, dtype=F64)
    layer.load_state_dict({"weight": np.eye(2), "bias": np.array([1.0, -1.0])})
    np.testing.assert_array_equal(layer(mg.tensor([[2.0, 3.0]], dtype=F64)).numpy(), [[3.0, 2.0]])


def test_load_state_dict_strict_reports_missing_and_unexpected_keys():
    net = Net()
    state = net.state_dict()
    del state["head.bias"]
    with pytest.raises(KeyError, match="head.bias"):
        net.load_state_dict(state)
    state = Net().state_dict()
    state["head.extra"] = mg.zeros(2)
    with pytest.raises(KeyError, match="head.extra"):
        net.load_state_dict(state)


def test_load_state_dict_not_strict_loads_what_matches():
    net = Net()
    new_weight = np.full((2, 4), 0.5)
    net.load_state_dict({"head.weight": new_weight, "unrelated": np.zeros(3)}, strict=False)
    np.testing.assert_array_equal(net.head.weight.numpy(), new_weight)


def test_load_state_dict_rejects_a_shape_mismatch_even_when_not_strict():
    net = Net()
    before = net.head.weight.numpy().copy()
    state = net.state_dict()
    state["head.weight"] = mg.zeros(4, 2)
    for strict in (True, False):
        with pytest.raises(ValueError, match="head.weight"):
            net.load_state_dict(state, strict=strict)
    np.testing.assert_array_equal(net.head.weight.numpy(), before)


def test_repr_shows_the_tree_of_layers():
    model = nn.Sequential(nn.Embedding(27, 10), nn.Flatten(), nn.Linear(30, 200, bias=False),
                          nn.BatchNorm1d(200, correction=1), nn.Sequential(nn.Tanh(), nn.ReLU()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Embedding(27, 10)\n"
        "  (1): Flatten()\n"
        "  (2): Linear(in_features=30, out_features=200, bias=False)\n"
        "  (3): BatchNorm1d(200, eps=1e-05, momentum=0.1, correction=1)\n"
        "  (4): Sequential(\n"
        "    (0): Tanh()\n"
        "    (1): ReLU()\n"
        "  )\n"
        ")")


# ----- initialisation -----

@pytest.mark.parametrize("make", [
    lambda g: nn.Linear(5, 3, generator=g),
    lambda g: nn.Linear(5, 3, bias=False, generator=g),
    lambda g: nn.Embedding(7, 4, generator=g),
    lambda g: nn.Sequential(nn.Embedding(7, 4, generator=g), nn.Flatten(), nn.Linear(8, 6, generator=g)),
], ids=["linear", "linear no bias", "embedding", "sequential"])
def test_same_seed_gives_same_parameters(make):
    first, second, other = (make(np.random.default_rng(seed)) for seed in (7, 7, 8))
    for (name, a), (_, b), (_, c) in zip(first.named_parameters(), second.named_parameters(),
                                         other.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        assert not np.array_equal(a.numpy(), c.numpy()), name


def test_default_generator_follows_manual_seed():
    mg.manual_seed(123)
    first = nn.Linear(4, 4)
    mg.manual_seed(123)
    second = nn.Linear(4, 4)
    np.testing.assert_array_equal(first.weight.numpy(), second.weight.numpy())
    np.testing.assert_array_equal(first.bias.numpy(), second.bias.numpy())


def test_linear_initialisation_is_pytorchs_uniform_bound_and_dtype():
    layer = nn.Linear(16, 50, generator=np.random.default_rng(0))
    assert layer.weight.dtype == mg.float32 and layer.bias.dtype == mg.float32
    assert np.abs(layer.weight.numpy()).max() <= 1 / 4 and np.abs(layer.bias.numpy()).max() <= 1 / 4
    assert np.abs(layer.weight.numpy()).max() > 0.2  # spread over the range, not all near zero
    assert nn.Linear(2, 2, dtype=F64).weight.dtype == F64
    bn = nn.BatchNorm1d(3)
    np.testing.assert_array_equal(bn.weight.numpy(), 1.0)
    np.testing.assert_array_equal(bn.bias.numpy(), 0.0)


def test_a_module_called_before_it_is_named_gets_its_name_in_later_scopes():
    layer = nn.Linear(3, 2)
    x = mg.randn(4, 3)
    assert layer(x).scope == ("Linear",)

    class Model(nn.Module):
        def __init__(self):
            self.hidden = layer

        def forward(self, x):
            return self.hidden(x)

    assert Model()(x).scope == ("Model", "hidden: Linear")
