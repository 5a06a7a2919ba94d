"""The layers added for small models: Identity, Sigmoid, Softmax, LayerNorm and Dropout,
BatchNorm1d on (N, C, L) inputs, and PyTorch's errors (BatchNorm1d on one value per
channel, Embedding's index range): against PyTorch in float64 and, for LayerNorm's
gradients, against finite differences."""

import re
import warnings

import numpy as np
import pytest

import minigrad as mg
from helpers import case, check_op, positive, requires_torch, torch, variants
from minigrad import nn
from test_nn_numerics import F64, FORWARD, compare_with_torch, copy_parameters, random_batchnorm


@requires_torch
@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.Identity(), (2, 3)),
    (lambda lib: lib.Identity(54, unused="argument"), (4,)),
    (lambda lib: lib.Sigmoid(), (2, 3, 4)),
    (lambda lib: lib.Softmax(dim=0), (3, 4)),
    (lambda lib: lib.Softmax(1), (2, 3, 4)),
    (lambda lib: lib.Softmax(dim=-1), (2, 3, 4)),
], ids=["identity", "identity with arguments", "sigmoid", "softmax 0", "softmax 1", "softmax -1"])
def test_parameterless_layers_equal_torch(make, shape):
    mine, theirs = make(nn), make(torch.nn)
    assert repr(mine) == repr(theirs)
    compare_with_torch(mine, theirs, np.random.default_rng(0).standard_normal(shape))


@requires_torch
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 2, 3, 2)])
def test_softmax_without_dim_picks_torchs_legacy_dim_and_warns(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        out = nn.Softmax()(mg.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.Softmax()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.numpy(), expected, **FORWARD)


def test_identity_returns_its_input_and_sigmoid_is_the_formula():
    x = mg.tensor([-2.0, 0.0, 3.0])
    assert nn.Identity()(x) is x
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax(0)(x).numpy().sum(), 1.0, rtol=1e-6)


# ----- LayerNorm -----

def layer_norm(normalized_shape, eps=1e-5):
    """``fn(lib, x, weight=None, bias=None)`` for check_op: minigrad's LayerNorm holding the
    given tensors as its weight and bias, torch's functional layer_norm."""
    def fn(lib, x, weight=None, bias=None):
        if lib is not mg:
            shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
            return torch.nn.functional.layer_norm(x, shape, weight, bias, eps)
        layer = nn.LayerNorm(normalized_shape, eps=eps, elementwise_affine=weight is not None,
                             bias=bias is not None, dtype=F64)
        if weight is not None:
            layer.weight, layer.bias = weight, bias
        return layer(x)
    return fn


LAYER_NORM = [
    case("last dim", layer_norm(5), (4, 5), (5,), (5,)),
    case("last two dims", layer_norm((3, 4)), (2, 3, 4), (3, 4), (3, 4)),
    case("one vector", layer_norm(6), (6,), (6,), (6,)),
    case("list shape, large eps", layer_norm([4], eps=0.5), (3, 4), positive((4,)), (4,)),
    case("no bias", layer_norm(4), (3, 4), (4,)),
    case("no affine", layer_norm((2, 3, 4)), (2, 3, 4)),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(LAYER_NORM))
def test_layer_norm(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


@requires_torch
@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}],
                         ids=["default", "no affine", "no bias", "eps"])
def test_layer_norm_module_equals_torchs(options):
    mine, theirs = nn.LayerNorm((3, 4), dtype=F64, **options), torch.nn.LayerNorm((3, 4), **options).double()
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for p in mine.parameters():
        p.numpy()[...] = rng.standard_normal(p.shape)
    copy_parameters(mine, theirs)
    compare_with_torch(mine, theirs, rng.normal(2.0, 3.0, (5, 3, 4)))


def test_layer_norm_normalises_and_defaults_to_float32():
    layer = nn.LayerNorm(8)
    assert layer.weight.dtype == mg.float32 and layer.normalized_shape == (8,)
    out = layer(mg.tensor(np.random.default_rng(0).normal(5.0, 3.0, (4, 8)).astype(np.float32))).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(-1), 1.0, rtol=1e-4)


def test_layer_norm_rejects_an_input_of_another_shape():
    with pytest.raises(RuntimeError, match=re.escape("expected input with shape [*, 2, 4], but got input of size (3, 4, 2)")):
        nn.LayerNorm((2, 4))(mg.zeros(3, 4, 2))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm((2, 4))(mg.zeros(4))


# ----- Dropout -----

def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    p = 0.3
    x = mg.tensor(np.random.default_rng(0).uniform(1.0, 2.0, 100_000), requires_grad=True)
    mg.manual_seed(0)
    out = nn.Dropout(p)(x)
    kept = out.numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.01  # 7 standard deviations
    np.testing.assert_allclose(out.numpy()[kept], x.numpy()[kept] / (1 - p), rtol=1e-15)
    out.backward(np.ones(out.shape))
    np.testing.assert_allclose(x.grad, kept / (1 - p), rtol=1e-15)


def test_dropout_draws_its_mask_from_the_generator_as_torch_does():
    # the mask is rand(float64) < 1 - p from the given (or the default) generator
    x = mg.ones(5, 7)
    for generator in (None, "seeded"):
        seeded = mg.manual_seed(4)
        out = nn.Dropout(0.4, generator=seeded if generator else None)(x)
        mg.manual_seed(4)
        expected = (mg.rand(5, 7, dtype=mg.float64).numpy() < 0.6) / 0.6
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
        assert out.dtype == mg.float32


def test_dropout_is_the_identity_in_evaluation_and_for_p_0():
    x = mg.randn(4, 3, requires_grad=True)
    assert nn.Dropout(0.5).eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert nn.Sequential(nn.Dropout(0.9)).eval()(x) is x


def test_dropout_with_p_1_zeroes_everything_and_its_gradient():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    out = nn.Dropout(1.0)(x)
    out.sum().backward()
    np.testing.assert_array_equal(out.numpy(), 0.0)
    np.testing.assert_array_equal(x.grad, 0.0)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_a_probability_outside_0_1(p):
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Dropout(p)
    if torch:
        with pytest.raises(ValueError, match=re.escape(message)):
            torch.nn.Dropout(p)


@requires_torch
def test_dropout_repr_equals_torchs():
    assert repr(nn.Dropout(0.25)) == repr(torch.nn.Dropout(0.25))


# ----- BatchNorm1d on (N, C, L), and PyTorch's errors -----

@requires_torch
def test_batchnorm_on_n_c_l_equals_torch_in_training_and_evaluation():
    mine = random_batchnorm(4)
    theirs = torch.nn.BatchNorm1d(4).double()
    copy_parameters(mine, theirs)
    rng = np.random.default_rng(1)
    for step in range(3):
        mine.zero_grad()
        theirs.zero_grad()
        compare_with_torch(mine, theirs, rng.normal(2.0, 3.0, (5, 4, 6)), seed=step)
        np.testing.assert_allclose(mine.running_mean.numpy(), theirs.running_mean.numpy(), **FORWARD)
        np.testing.assert_allclose(mine.running_var.numpy(), theirs.running_var.numpy(), **FORWARD)
    mine.eval(), theirs.eval()
    mine.zero_grad()
    theirs.zero_grad()
    compare_with_torch(mine, theirs, rng.normal(2.0, 3.0, (2, 4, 3)), seed=9)
    # one sample with several positions is a batch of several values per channel
    mine.train(), theirs.train()
    mine.zero_grad()
    theirs.zero_grad()
    compare_with_torch(mine, theirs, rng.normal(2.0, 3.0, (1, 4, 3)), seed=10)


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)])
def test_batchnorm_training_on_one_value_per_channel_is_an_error_as_in_torch(shape):
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(mg.zeros(*shape))
    assert nn.BatchNorm1d(3).eval()(mg.zeros(*shape)).shape == shape  # evaluation uses the running ones


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4, 5)])
def test_batchnorm1d_takes_only_2d_or_3d_inputs(shape):
    with pytest.raises(ValueError, match=f"expected 2D or 3D input \\(got {len(shape)}D input\\)"):
        nn.BatchNorm1d(3)(mg.zeros(*shape))


@pytest.mark.parametrize("index", [-1, 5, 100])
def test_embedding_rejects_an_index_outside_the_table_as_torch(index):
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index out of range"):
        layer(mg.tensor([[0, index]]))
    if torch:
        with pytest.raises(IndexError):
            torch.nn.Embedding(5, 2)(torch.tensor([[0, index]]))
    assert layer(mg.tensor([0, 4])).shape == (2, 2)
    assert layer(mg.tensor(np.zeros((0, 3), dtype=np.int64))).shape == (0, 3, 2)
