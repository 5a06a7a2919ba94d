"""minigrad.nn: Module's bookkeeping (parameters, submodules, modes, state dicts), and
each layer's forward and gradients against PyTorch's in float64, BatchNorm1d's two
variance conventions against PyTorch and against the lecture's formula, and
finite-difference checks of F.linear and F.batch_norm."""

import numpy as np
import pytest

import minigrad as mg
from helpers import FINITE_DIFFERENCE_TOLERANCE, case, check_op, functional, positive, requires_torch, torch
from minigrad import nn

F64 = mg.float64
# float64 on both sides: differences come from the formulas, not from rounding
FORWARD = dict(rtol=1e-10, atol=1e-12)
GRADIENT = dict(rtol=1e-9, atol=1e-11)


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
    assert [name for name, _ in net.named_buffers()] == ["encoder.1.running_mean", "encoder.1.running_var"]
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
    assert list(state) == [name for name, _ in net.named_parameters()] + ["encoder.1.running_mean",
                                                                          "encoder.1.running_var"]
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
    np.testing.assert_array_equal(layer(mg.tensor([[2.0, 3.0]])).numpy(), [[3.0, 2.0]])


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


# ----- layers against PyTorch, float64 -----

def copy_parameters(mine, theirs):
    """Copy minigrad's parameters into the torch module of the same structure; the names match."""
    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in mine.named_parameters()] == list(their_params)
    with torch.no_grad():
        for name, p in mine.named_parameters():
            their_params[name].copy_(torch.from_numpy(p.numpy()))


def compare_with_torch(mine, theirs, x, seed=0):
    """Forward ``x`` (floats: input gradient compared too; integers: indices) through both
    modules, backward the same random upstream gradient, compare output and gradients."""
    differentiable = x.dtype.kind == "f"
    x_mine = mg.tensor(x, requires_grad=differentiable)
    x_theirs = torch.tensor(x, requires_grad=differentiable)
    out, their_out = mine(x_mine), theirs(x_theirs)
    assert out.shape == tuple(their_out.shape) and out.dtype == F64
    np.testing.assert_allclose(out.numpy(), their_out.detach().numpy(), **FORWARD)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    their_out.backward(torch.from_numpy(upstream))
    if differentiable:
        np.testing.assert_allclose(x_mine.grad, x_theirs.grad.numpy(), **GRADIENT, err_msg="input gradient")
    their_params = dict(theirs.named_parameters())
    for name, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad, their_params[name].grad.numpy(), **GRADIENT, err_msg=name)
    return out


@requires_torch
@pytest.mark.parametrize("shape", [(6, 3), (2, 5, 3)], ids=["2-D", "3-D"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_equals_torch(shape, bias):
    mine = nn.Linear(3, 4, bias=bias, dtype=F64, generator=np.random.default_rng(0))
    theirs = torch.nn.Linear(3, 4, bias=bias).double()
    copy_parameters(mine, theirs)
    compare_with_torch(mine, theirs, np.random.default_rng(1).standard_normal(shape))


@requires_torch
def test_embedding_equals_torch_with_repeated_indices():
    mine = nn.Embedding(6, 4, dtype=F64, generator=np.random.default_rng(0))
    theirs = torch.nn.Embedding(6, 4).double()
    copy_parameters(mine, theirs)
    indices = np.array([[1, 2, 1], [0, 1, 5], [5, 5, 5]])
    compare_with_torch(mine, theirs, indices)
    counts = np.bincount(indices.ravel(), minlength=6)
    assert not mine.weight.grad.numpy()[counts == 0].any()  # rows never looked up get no gradient


def test_embedding_looks_up_rows_and_rejects_float_indices():
    layer = nn.Embedding(5, 2, dtype=F64)
    np.testing.assert_array_equal(layer(mg.tensor([[4, 0]])).numpy(), layer.weight.numpy()[[[4, 0]]])
    with pytest.raises(TypeError, match="integers"):
        layer(mg.tensor([1.0, 2.0]))


def random_batchnorm(num_features, seed=0, **options):
    """A BatchNorm1d with random gain and bias (not the trivial 1 and 0)."""
    bn = nn.BatchNorm1d(num_features, dtype=F64, **options)
    rng = np.random.default_rng(seed)
    bn.weight.numpy()[...] = rng.normal(1.0, 0.3, num_features)
    bn.bias.numpy()[...] = rng.normal(0.0, 0.3, num_features)
    return bn


@requires_torch
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_train_then_eval_equals_torch(momentum):
    mine = random_batchnorm(5, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(5, momentum=momentum).double()
    copy_parameters(mine, theirs)
    rng = np.random.default_rng(1)
    for step in range(4):
        mine.zero_grad()
        theirs.zero_grad()
        x = rng.normal(3.0, 2.0, (16, 5))
        compare_with_torch(mine, theirs, x, seed=step)
        np.testing.assert_allclose(mine.running_mean.numpy(), theirs.running_mean.numpy(), **FORWARD)
        np.testing.assert_allclose(mine.running_var.numpy(), theirs.running_var.numpy(), **FORWARD)
    # the running variance is the unbiased one, whatever the normalisation uses
    assert not np.allclose(mine.running_var.numpy(), 1.0)

    mine.eval(), theirs.eval()
    mine.zero_grad()
    theirs.zero_grad()
    running = mine.running_mean.numpy().copy(), mine.running_var.numpy().copy()
    compare_with_torch(mine, theirs, rng.normal(3.0, 2.0, (7, 5)), seed=9)
    np.testing.assert_array_equal(mine.running_mean.numpy(), running[0])
    np.testing.assert_array_equal(mine.running_var.numpy(), running[1])


def lecture_batchnorm(x, bngain, bnbias):
    """The lecture's batch norm, step by step with minigrad's ops: Bessel's n - 1."""
    n = x.shape[0]
    bnmeani = 1 / n * x.sum(0, keepdim=True)
    bndiff = x - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    return bngain * bnraw + bnbias, bnmeani, bnvar


def test_batchnorm_correction_1_equals_the_lectures_formula():
    rng = np.random.default_rng(0)
    bn = random_batchnorm(6, correction=1)
    gain = mg.tensor(bn.weight.numpy().reshape(1, -1).copy(), requires_grad=True)
    bias = mg.tensor(bn.bias.numpy().reshape(1, -1).copy(), requires_grad=True)
    running_mean, running_var = np.zeros(6), np.ones(6)
    for step in range(3):
        bn.zero_grad()
        gain.grad = bias.grad = None
        data = rng.normal(2.0, 3.0, (10, 6))
        x, x_lecture = mg.tensor(data, requires_grad=True), mg.tensor(data, requires_grad=True)
        out = bn(x)
        expected, bnmeani, bnvar = lecture_batchnorm(x_lecture, gain, bias)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), **FORWARD)
        upstream = rng.standard_normal(out.shape)
        out.backward(upstream)
        expected.backward(upstream)
        np.testing.assert_allclose(x.grad, x_lecture.grad, **GRADIENT)
        np.testing.assert_allclose(bn.weight.grad, gain.grad.reshape(-1), **GRADIENT)
        np.testing.assert_allclose(bn.bias.grad, bias.grad.reshape(-1), **GRADIENT)
        running_mean = 0.9 * running_mean + 0.1 * bnmeani.numpy().reshape(-1)
        running_var = 0.9 * running_var + 0.1 * bnvar.numpy().reshape(-1)
        np.testing.assert_allclose(bn.running_mean.numpy(), running_mean, **FORWARD)
        np.testing.assert_allclose(bn.running_var.numpy(), running_var, **FORWARD)


def test_the_two_corrections_normalise_differently():
    data = np.random.default_rng(0).standard_normal((5, 3))
    biased = nn.BatchNorm1d(3, dtype=F64)(mg.tensor(data)).numpy()
    bessel = nn.BatchNorm1d(3, dtype=F64, correction=1)(mg.tensor(data)).numpy()
    np.testing.assert_allclose(biased.var(0), 1.0, rtol=1e-4)  # divided by n: variance 1 (up to eps)
    np.testing.assert_allclose(bessel.var(0, ddof=1), 1.0, rtol=1e-4)  # divided by n - 1
    np.testing.assert_allclose(bessel, biased * np.sqrt(4 / 5), rtol=1e-4)


@requires_torch
def test_batchnorm_correction_1_equals_torch_rescaled():
    # (x - m) / sqrt(v * n/(n-1) + eps) = s * (x - m) / sqrt(v + eps * s^2) with s = sqrt((n-1)/n):
    # torch's BatchNorm1d with that eps and a gain scaled by s is the lecture's batch norm
    n, features = 12, 4
    s = np.sqrt((n - 1) / n)
    mine = random_batchnorm(features, correction=1)
    theirs = torch.nn.BatchNorm1d(features, eps=1e-5 * s ** 2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(mine.weight.numpy() * s))
        theirs.bias.copy_(torch.from_numpy(mine.bias.numpy()))
    data = np.random.default_rng(1).normal(1.0, 2.0, (n, features))
    x, x_theirs = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, their_out = mine(x), theirs(x_theirs)
    np.testing.assert_allclose(out.numpy(), their_out.detach().numpy(), **FORWARD)
    upstream = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(upstream)
    their_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad, x_theirs.grad.numpy(), **GRADIENT)
    np.testing.assert_allclose(mine.weight.grad, theirs.weight.grad.numpy() * s, **GRADIENT)
    np.testing.assert_allclose(mine.bias.grad, theirs.bias.grad.numpy(), **GRADIENT)
    np.testing.assert_allclose(mine.running_mean.numpy(), theirs.running_mean.numpy(), **FORWARD)
    np.testing.assert_allclose(mine.running_var.numpy(), theirs.running_var.numpy(), **FORWARD)


@requires_torch
@pytest.mark.parametrize("mine, theirs", [
    (nn.Tanh(), torch.nn.Tanh() if torch else None),
    (nn.ReLU(), torch.nn.ReLU() if torch else None),
    (nn.Flatten(), torch.nn.Flatten() if torch else None),
    (nn.Flatten(0), torch.nn.Flatten(0) if torch else None),
    (nn.Flatten(1, 2), torch.nn.Flatten(1, 2) if torch else None),
    (nn.Flatten(0, -2), torch.nn.Flatten(0, -2) if torch else None),
], ids=["tanh", "relu", "flatten", "flatten 0", "flatten 1-2", "flatten 0 to -2"])
def test_parameterless_layers_equal_torch(mine, theirs):
    compare_with_torch(mine, theirs, np.random.default_rng(0).standard_normal((2, 3, 4, 5)))


def test_flatten_shapes():
    x = mg.zeros(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)


@requires_torch
def test_sequential_mlp_equals_torch():
    g = np.random.default_rng(0)
    mine = nn.Sequential(nn.Embedding(27, 4, dtype=F64, generator=g), nn.Flatten(),
                         nn.Linear(12, 16, dtype=F64, generator=g), random_batchnorm(16), nn.Tanh(),
                         nn.Linear(16, 8, dtype=F64, generator=g), nn.ReLU(), nn.Linear(8, 27, dtype=F64, generator=g))
    theirs = torch.nn.Sequential(torch.nn.Embedding(27, 4), torch.nn.Flatten(), torch.nn.Linear(12, 16),
                                 torch.nn.BatchNorm1d(16), torch.nn.Tanh(), torch.nn.Linear(16, 8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 27)).double()
    copy_parameters(mine, theirs)
    their_state = [k for k in theirs.state_dict() if not k.endswith("num_batches_tracked")]
    assert sorted(mine.state_dict()) == sorted(their_state)  # torch orders them module by module
    compare_with_torch(mine, theirs, np.random.default_rng(1).integers(0, 27, (32, 3)))
    mine.eval(), theirs.eval()
    compare_with_torch(mine, theirs, np.random.default_rng(2).integers(0, 27, (5, 3)), seed=1)


# ----- F.linear and F.batch_norm against finite differences (and torch) -----

RUNNING_MEAN, RUNNING_VAR = np.array([0.5, -1.0, 0.2]), np.array([2.0, 0.5, 1.5])

FUNCTIONAL = [
    case("linear", lambda lib, x, w, b: functional(lib).linear(x, w, b), (4, 3), (5, 3), (5,)),
    case("linear 3-D", lambda lib, x, w, b: functional(lib).linear(x, w, b), (2, 4, 3), (5, 3), (5,)),
    case("linear no bias", lambda lib, x, w: functional(lib).linear(x, w), (4, 3), (5, 3)),
    case("batch_norm training",
         lambda lib, x, w, b: functional(lib).batch_norm(x, None, None, w, b, training=True), (8, 3), (3,), (3,)),
    case("batch_norm training eps",
         lambda lib, x, w, b: functional(lib).batch_norm(x, None, None, w, b, training=True, eps=0.1),
         (5, 3), positive((3,)), (3,)),
    case("batch_norm eval",
         lambda lib, x, w, b: functional(lib).batch_norm(x, lib.tensor(RUNNING_MEAN), lib.tensor(RUNNING_VAR),
                                                         w, b, training=False), (8, 3), (3,), (3,)),
]


@pytest.mark.parametrize("fn, inputs, options", FUNCTIONAL)
def test_functional(fn, inputs, options):
    check_op(fn, *inputs, **options)


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("n", [2, 8])
def test_batch_norm_training_gradients_by_finite_differences(correction, n):
    rng = np.random.default_rng(n)
    x, w, b = (mg.tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((n, 3), (3,), (3,)))
    assert mg.gradcheck(lambda x, w, b: mg.functional.batch_norm(x, None, None, w, b, training=True,
                                                                  correction=correction),
                        x, w, b, **FINITE_DIFFERENCE_TOLERANCE)


def test_batch_norm_updates_running_statistics_in_place():
    data = np.random.default_rng(0).normal(1.0, 2.0, (10, 3))
    running_mean, running_var = mg.zeros(3, dtype=F64), mg.ones(3, dtype=F64)
    for correction in (0, 1):  # the running variance is unbiased either way
        mean, var = running_mean.numpy().copy(), running_var.numpy().copy()
        mg.functional.batch_norm(mg.tensor(data), running_mean, running_var, mg.ones(3, dtype=F64),
                                 mg.zeros(3, dtype=F64), training=True, momentum=0.2, correction=correction)
        np.testing.assert_allclose(running_mean.numpy(), 0.8 * mean + 0.2 * data.mean(0), **FORWARD)
        np.testing.assert_allclose(running_var.numpy(), 0.8 * var + 0.2 * data.var(0, ddof=1), **FORWARD)


def test_batch_norm_rejects_what_it_cannot_normalise():
    w, b = mg.ones(3), mg.zeros(3)
    with pytest.raises(ValueError, match="correction=1"):
        mg.functional.batch_norm(mg.randn(1, 3), None, None, w, b, training=True, correction=1)
    with pytest.raises(ValueError, match="running_mean"):
        mg.functional.batch_norm(mg.randn(4, 3), None, None, w, b, training=False)
    with pytest.raises(ValueError, match="shape"):
        mg.functional.batch_norm(mg.randn(4, 2), None, None, w, b, training=True)
    with pytest.raises(ValueError, match="shape"):
        mg.functional.linear(mg.randn(4, 2), mg.randn(5, 3))


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
