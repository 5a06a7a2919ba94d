"""Outgrowing minigrad: a model's state dict has PyTorch's names, order and layouts, so the
lecture's MLP moves to torch.nn and back with one line each way."""

import numpy as np
import pytest

import lecture
import minigrad as mg

torch = pytest.importorskip("torch")


class TorchMLP(torch.nn.Module):
    """The lecture's MLP built from torch.nn, with the attribute names of lecture.MLP."""

    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=64):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, n_embd)
        self.flatten = torch.nn.Flatten()
        self.hidden = torch.nn.Linear(n_embd * block_size, n_hidden)
        self.batchnorm = torch.nn.BatchNorm1d(n_hidden)
        self.tanh = torch.nn.Tanh()
        self.output = torch.nn.Linear(n_hidden, vocab_size)

    def forward(self, X):
        return self.output(self.tanh(self.batchnorm(self.hidden(self.flatten(self.embedding(X))))))


def trained_minigrad_model(steps=5):
    rng = np.random.default_rng(0)
    model = lecture.MLP(27, n_hidden=64, generator=rng)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):  # moves the running statistics and num_batches_tracked too
        loss = mg.functional.cross_entropy(model(rng.integers(0, 27, (32, 3))), rng.integers(0, 27, 32))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def test_a_minigrad_state_dict_loads_into_the_same_torch_model():
    mine = trained_minigrad_model()
    theirs = TorchMLP().eval()
    state = mine.state_dict()
    assert list(state) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in state.items()})  # strict
    assert int(theirs.batchnorm.num_batches_tracked) == 5
    X = np.random.default_rng(1).integers(0, 27, (16, 3))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(mine(X).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_torch_state_dict_loads_into_the_minigrad_model():
    theirs = TorchMLP()
    theirs(torch.randint(0, 27, (32, 3)))  # a training step's statistics
    theirs.eval()
    mine = lecture.MLP(27, n_hidden=64, generator=np.random.default_rng(2)).eval()
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    X = np.random.default_rng(3).integers(0, 27, (16, 3))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(mine(X).numpy(), expected, rtol=1e-5, atol=1e-6)
