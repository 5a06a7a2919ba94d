"""Models move between minigrad and PyTorch through safetensors, both ways: a model
trained in one, saved with its own library's writer (mg.save, safetensors.torch.save_file)
and loaded into the same model written with the other, gives the same outputs to the
rounding of its dtype. The models are those of the docs and the makemore MLP; and the
code of docs/pytorch.md, PyTorch's side included, runs."""

import numpy as np
import pytest

import minigrad as mg
from lecture import MLP
from makemore_files import save_model
from test_docs import DOCS, PYTHON, fenced_blocks
from test_interop import TorchMLP

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

# outputs equal to the rounding of the dtype: within 16 units of its last place at the
# output's largest size (the libraries sum in different orders; measured at most 3.4)
ROUNDING_UNITS = 16
CONVERT = {"float32": "float", "float64": "double", "float16": "half"}


def sequential(lib):
    """api.md's Sequential (its BatchNorm with PyTorch's variance)."""
    nn = lib.nn
    return nn.Sequential(nn.Embedding(27, 4), nn.Flatten(), nn.Linear(12, 8), nn.BatchNorm1d(8), nn.Tanh(),
                         nn.Linear(8, 27), nn.ReLU())


def blocks(lib):
    """api.md's containers: a ModuleList of Linear layers, a ModuleDict of norms."""
    nn = lib.nn

    class Blocks(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
            self.norms = nn.ModuleDict({"layer": nn.LayerNorm(4), "batch": nn.BatchNorm1d(4)})

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).relu()
            return self.norms["layer"](self.norms["batch"](x))

    return Blocks()


def head(lib):
    """api.md's head: Linear, Identity, Sigmoid, Softmax."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 3), nn.Identity(), nn.Sigmoid(), nn.Softmax(dim=-1))


def makemore_mlp(lib):
    return MLP(27, n_hidden=64, generator=np.random.default_rng(0)) if lib is mg else TorchMLP()


def indices(dtype):
    return np.random.default_rng(1).integers(0, 27, (32, 3))


def features(dtype):
    return np.random.default_rng(1).standard_normal((32, 4)).astype(dtype)


MODELS = {"api.md's Sequential": (sequential, indices), "api.md's Blocks": (blocks, features),
          "api.md's head": (head, features), "makemore's MLP": (makemore_mlp, indices)}


def trained(lib, build, x, steps=3):
    """A model of ``lib`` after a few SGD steps in float32, in training mode, so that its
    weights, BatchNorm's running statistics and num_batches_tracked have moved."""
    lib.manual_seed(0)
    model = build(lib)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    inputs = lib.tensor(x)
    for step in range(steps):
        out = model(inputs)
        weights = lib.tensor(np.random.default_rng(step).standard_normal(tuple(out.shape)).astype(np.float32))
        optimizer.zero_grad()
        (out * weights).sum().backward()
        optimizer.step()
    return model


def save(lib, model, path):
    if lib is mg:
        mg.save(model.state_dict(), path)
    else:
        safetensors_torch.save_file(model.state_dict(), path)


def load(lib, model, path):
    return model.load_state_dict(mg.load(path) if lib is mg else safetensors_torch.load_file(path))


@pytest.mark.parametrize("dtype", CONVERT)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("source, target", [(mg, torch), (torch, mg)], ids=["minigrad to torch", "torch to minigrad"])
def test_a_trained_model_moves_and_gives_the_same_outputs(tmp_path, source, target, model, dtype):
    build, make_input = MODELS[model]
    x = make_input(np.float32)
    mine = getattr(trained(source, build, x), CONVERT[dtype])().eval()
    path = tmp_path / "model.safetensors"
    save(source, mine, path)
    theirs = getattr(build(target), CONVERT[dtype])()
    load(target, theirs, path)
    theirs.eval()

    written, read = mine.state_dict(), theirs.state_dict()
    assert list(read) == list(written)
    for name, value in written.items():
        assert str(read[name].dtype).removeprefix("torch.") == str(value.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(np.asarray(read[name].numpy()), np.asarray(value.numpy()), err_msg=name)
    counts = [value.item() for name, value in read.items() if name.endswith("num_batches_tracked")]
    assert all(count == 3 for count in counts) and (counts or model == "api.md's head")

    x = make_input(dtype)
    out, their_out = mine(source.tensor(x)), theirs(target.tensor(x))
    assert str(out.dtype).removeprefix("torch.") == str(their_out.dtype).removeprefix("torch.") == dtype
    out, their_out = (np.asarray(value.detach().numpy(), np.float64) for value in (out, their_out))
    unit = np.finfo(dtype).eps * np.abs(their_out).max()
    np.testing.assert_allclose(out, their_out, rtol=0, atol=ROUNDING_UNITS * unit)


def test_the_pages_code_runs_with_pytorch_too(tmp_path, monkeypatch):
    """docs/pytorch.md: its ```python blocks run in every test run (tests/test_docs.py);
    its ```pytorch blocks, which need PyTorch, run here, all in the page's order. Its
    PyTorch model is its minigrad model's code, and its loader reads makemore's file."""
    monkeypatch.chdir(tmp_path)
    blocks = fenced_blocks((DOCS / "pytorch.md").read_text(encoding="utf-8"))
    run = [(line, code) for line, language, code in blocks if language in PYTHON or language == "pytorch"]
    namespace = {"__name__": "__docs__"}
    for line, code in run:
        exec(compile("\n" * (line - 1) + code, str(DOCS / "pytorch.md"), "exec"), namespace)
    assert len(run) > len([block for block in blocks if block[1] in PYTHON]) + 1

    minigrad_class = next(code for _, language, code in blocks if language in PYTHON and "class MLP" in code)
    torch_class = next(code for _, language, code in blocks if language == "pytorch" and "class MLP" in code)
    assert minigrad_class[minigrad_class.index("class MLP"):] in torch_class

    model = MLP(27, 3, 10, 16, generator=np.random.default_rng(0))
    x = np.random.default_rng(1).integers(0, 27, (32, 3))
    model(mg.tensor(x))  # running statistics away from 0 and 1
    save_model(model, ["."] + list("abcdefghijklmnopqrstuvwxyz"), {"block_size": 3, "n_embd": 10, "n_hidden": 16},
               tmp_path)
    theirs = namespace["load_makemore"](tmp_path / "model.safetensors")(torch.from_numpy(x)).detach().numpy()
    mine = model.eval()(mg.tensor(x)).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=ROUNDING_UNITS * np.finfo(np.float32).eps * np.abs(theirs).max())
