"""minigrad.nn's layers: each layer's forward and gradients against PyTorch's in float64,
BatchNorm1d's two variance conventions against PyTorch and against the lecture's formula,
and finite-difference checks of F.linear and F.batch_norm."""

import numpy as np
import pytest

import minigrad as mg
from helpers import FINITE_DIFFERENCE_TOLERANCE, case, check_op, functional, positive, requires_torch, torch, variants
from minigrad import nn

F64 = mg.float64
# float64 on both sides: differences come from the formulas, not from rounding
FORWARD = dict(rtol=1e-10, atol=1e-12)
GRADIENT = dict(rtol=1e-9, atol=1e-11)


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
    assert list(mine.state_dict()) == list(theirs.state_dict())  # module by module, as torch orders them
    compare_with_torch(mine, theirs, np.random.default_rng(1).integers(0, 27, (32, 3)))
    mine.eval(), theirs.eval()
    compare_with_torch(mine, theirs, np.random.default_rng(2).integers(0, 27, (5, 3)), seed=1)


# ----- F.linear and F.batch_norm against finite differences (and torch) -----

RUNNING_MEAN, RUNNING_VAR = np.array([0.5, -1.0, 0.2]), np.array([2.0, 0.5, 1.5])

FUNCTIONAL = [
    case("linear", lambda lib, x, w, b: functional(lib).linear(x, w, b), (4, 3), (5, 3), (5,)),
    case("linear 3-D", lambda lib, x, w, b: functional(lib).linear(x, w, b), (2, 4, 3), (5, 3), (5,)),
    case("linear no bias", lambda lib, x, w: functional(lib).linear(x, w), (4, 3), (5, 3)),
    case("layer_norm", lambda lib, x, w, b: functional(lib).layer_norm(x, (5,), w, b), (2, 4, 5), (5,), (5,)),
    case("layer_norm no affine", lambda lib, x: functional(lib).layer_norm(x, [3, 5], eps=0.1), (2, 3, 5)),
    case("batch_norm training",
         lambda lib, x, w, b: functional(lib).batch_norm(x, None, None, w, b, training=True), (8, 3), (3,), (3,)),
    case("batch_norm training eps",
         lambda lib, x, w, b: functional(lib).batch_norm(x, None, None, w, b, training=True, eps=0.1),
         (5, 3), positive((3,)), (3,)),
    case("batch_norm eval",
         lambda lib, x, w, b: functional(lib).batch_norm(x, lib.tensor(RUNNING_MEAN), lib.tensor(RUNNING_VAR),
                                                         w, b, training=False), (8, 3), (3,), (3,)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(FUNCTIONAL))
def test_functional(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


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
