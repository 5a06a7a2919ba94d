"""The lecture's numbers: with mg.Generator the lecture's model starts from the
notebook's weights, draws the notebook's batches and gets the notebook's first loss
("becoming a backprop ninja": n_hidden 64, g = torch.Generator().manual_seed(2147483647))."""

import numpy as np
import pytest

import lecture
import makemore_data
import minigrad as mg
import minigrad.functional as F

SEED = 2147483647
# the notebook's first three losses, taken once from its code run under torch 2.13
NOTEBOOK_LOSSES = [3.3345838, 3.4614100, 3.5214937]


def training_set():
    words = makemore_data.read_words()
    stoi = {ch: i for i, ch in enumerate(makemore_data.build_vocab(words))}
    return makemore_data.build_dataset(makemore_data.split_words(words, 42)[0], stoi, 3)


def minigrad_losses(Xtr, Ytr, steps=3):
    g = mg.Generator().manual_seed(SEED)
    model = lecture.MLP(27, 3, 10, 64, generator=g)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        ix = mg.randint(0, Xtr.shape[0], (32,), generator=g).numpy()
        loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def notebook_losses(torch, Xtr, Ytr, steps=3):
    """The notebook's own code (its forward cut into steps), under torch."""
    g = torch.Generator().manual_seed(SEED)
    default = torch.Generator()  # the notebook draws bngain and bnbias without generator=, in a fresh kernel
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 64), generator=g) * (5 / 3) / (30 ** 0.5)
    b1 = torch.randn(64, generator=g) * 0.1
    W2 = torch.randn((64, 27), generator=g) * 0.1
    b2 = torch.randn(27, generator=g) * 0.1
    bngain = torch.randn((1, 64), generator=default) * 0.1 + 1.0
    bnbias = torch.randn((1, 64), generator=default) * 0.1
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    Xtr, Ytr, losses = torch.from_numpy(Xtr), torch.from_numpy(Ytr), []
    for _ in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        hprebn = C[Xb].view(32, -1) @ W1 + b1
        bndiff = hprebn - 1 / 32 * hprebn.sum(0, keepdim=True)
        bnvar = 1 / 31 * (bndiff ** 2).sum(0, keepdim=True)
        hpreact = bngain * bndiff * (bnvar + 1e-5) ** -0.5 + bnbias
        loss = torch.nn.functional.cross_entropy(torch.tanh(hpreact) @ W2 + b2, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in parameters:
                p += -0.1 * p.grad
        losses.append(loss.item())
    return losses


def test_the_lecture_model_starts_from_the_notebooks_losses():
    np.testing.assert_allclose(minigrad_losses(*training_set()), NOTEBOOK_LOSSES, rtol=1e-5)


def test_the_notebooks_code_under_torch_gives_the_same_losses():
    torch = pytest.importorskip("torch")
    Xtr, Ytr = training_set()
    np.testing.assert_allclose(minigrad_losses(Xtr, Ytr), notebook_losses(torch, Xtr, Ytr), rtol=1e-6)
