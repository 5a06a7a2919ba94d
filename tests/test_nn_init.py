"""torch.nn.init's functions fill tensors in place with PyTorch's numbers for the same seed,
compared with torch where installed (the random ones within 4 float32 ulp, as test_random)."""

import math

import numpy as np
import pytest

import minigrad as mg

MAX_ULP = 4
# (name, arguments after the tensor, shape): every random initialiser, on shapes of more and
# fewer than 16 elements (PyTorch's normal draws change method at 16)
CASES = [
    ("normal_", dict(mean=0.0, std=0.02), (64, 27)),
    ("normal_", dict(mean=1.0, std=3.0), (3, 4)),
    ("uniform_", dict(a=-0.5, b=2.0), (10, 7)),
    ("xavier_uniform_", dict(gain=2.0), (20, 30)),
    ("xavier_normal_", dict(), (5, 3)),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), (32, 64)),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), (4, 3, 2)),
    ("kaiming_normal_", dict(nonlinearity="tanh"), (30, 20)),
    ("trunc_normal_", dict(std=0.02), (64, 64)),
    ("trunc_normal_", dict(mean=0.0, std=1.0, a=-1.0, b=1.0), (40, 50)),
    ("trunc_normal_", dict(mean=0.0, std=1.0, a=1.0, b=1.5), (30, 30)),  # rejection from uniform proposals
]


def initialised(lib, name, kwargs, shape, dtype):
    lib.manual_seed(1337)
    weight = lib.nn.Parameter(lib.zeros(shape, dtype=getattr(lib, dtype)))
    returned = getattr(lib.nn.init, name)(weight, **kwargs)
    assert returned is weight
    follower = lib.randn(20, dtype=getattr(lib, dtype))  # the stream after it: as many draws taken
    return weight.detach().numpy(), follower.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs, shape", CASES)
def test_random_initialisers_draw_torchs_numbers(name, kwargs, shape, dtype):
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(initialised(mg, name, kwargs, shape, dtype), initialised(torch, name, kwargs, shape, dtype)):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        ulp = np.spacing(np.abs(theirs).astype(ours.dtype))
        assert np.all(np.abs(ours.astype(np.float64) - theirs) <= MAX_ULP * ulp)


def test_trunc_normal_stays_inside_its_bounds_and_initialisers_keep_the_graph_out():
    w = mg.nn.Parameter(mg.zeros(100, 100))
    mg.nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert -0.5 <= w.min().item() and w.max().item() <= 0.5 and w.is_leaf and w.requires_grad


@pytest.mark.parametrize("name, kwargs, expected", [
    ("zeros_", {}, 0.0), ("ones_", {}, 1.0), ("constant_", dict(val=0.3), np.float32(0.3)),
])
def test_constant_initialisers(name, kwargs, expected):
    w = mg.nn.Parameter(mg.randn(3, 4))
    getattr(mg.nn.init, name)(w, **kwargs)
    assert np.all(w.numpy() == expected) and w.requires_grad


@pytest.mark.parametrize("args", [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                                  ("selu",), ("conv2d",)])
def test_calculate_gain_is_torchs(args):
    torch = pytest.importorskip("torch")
    assert mg.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


@pytest.mark.parametrize("call, error, match", [
    (lambda: mg.nn.init.calculate_gain("softmax"), ValueError, "unsupported nonlinearity 'softmax'"),
    (lambda: mg.nn.init.calculate_gain("leaky_relu", "a"), ValueError, "negative_slope a"),
    (lambda: mg.nn.init.xavier_uniform_(mg.zeros(5)), ValueError, r"xavier_uniform_: .*fewer than 2 .*\(5,\)"),
    (lambda: mg.nn.init.kaiming_normal_(mg.zeros(2, 2), mode="fan"), ValueError, "kaiming_normal_: mode 'fan'"),
])
def test_bad_initialiser_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_apply_initialises_children_first_as_torch_does():
    """The lecture's GPT initialises its layers with model.apply(_init_weights): the order of
    the calls decides which numbers each layer gets."""
    def model(lib):
        lib.manual_seed(42)
        net = lib.nn.Sequential(lib.nn.Embedding(10, 8), lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU()),
                                lib.nn.Linear(16, 10))
        seen = []

        def init_weights(module):
            seen.append(type(module).__name__)
            if isinstance(module, lib.nn.Linear):
                lib.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                lib.nn.init.zeros_(module.bias)
            elif isinstance(module, lib.nn.Embedding):
                lib.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        assert net.apply(init_weights) is net
        return seen, [p.detach().numpy() for p in net.parameters()]

    seen, ours = model(mg)
    assert seen == ["Embedding", "Linear", "ReLU", "Sequential", "Linear", "Sequential"]
    torch = pytest.importorskip("torch")
    theirs_seen, theirs = model(torch)
    assert seen == theirs_seen
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
