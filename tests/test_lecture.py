"""The lecture's exercise: a batch-normed MLP on real names, its forward pass cut into
small steps, each intermediate's gradient derived by hand in numpy. minigrad's
retained gradients must equal those formulas, and PyTorch's where installed."""

from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch

NAMES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "names.txt"
BLOCK_SIZE = 3  # characters of context
N_EMBED, N_HIDDEN, BATCH = 10, 64, 32
BN_EPS = 1e-5

INTERMEDIATES = ["emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw",
                 "hpreact", "h", "logits", "logit_maxes", "norm_logits", "counts", "counts_sum",
                 "counts_sum_inv", "probs", "logprobs"]
PARAMETERS = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]


def real_batch():
    """A batch of (context, next character) pairs from names.txt: '.' is 0, then the
    sorted characters."""
    words = NAMES.read_text().split()
    chars = sorted(set("".join(words)))
    stoi = {ch: i + 1 for i, ch in enumerate(chars)} | {".": 0}
    contexts, targets = [], []
    for word in words:
        context = [0] * BLOCK_SIZE
        for ch in word + ".":
            contexts.append(context)
            targets.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    rows = np.random.default_rng(42).integers(0, len(targets), BATCH)
    return np.array(contexts)[rows], np.array(targets)[rows], len(stoi)


def initial_parameters(vocab_size):
    rng = np.random.default_rng(2147483647)
    fan_in = N_EMBED * BLOCK_SIZE
    return {
        "C": rng.standard_normal((vocab_size, N_EMBED)),
        "W1": rng.standard_normal((fan_in, N_HIDDEN)) * (5 / 3) / fan_in ** 0.5,
        "b1": rng.standard_normal(N_HIDDEN) * 0.1,  # useless under batch norm, but in the exercise
        "W2": rng.standard_normal((N_HIDDEN, vocab_size)) * 0.1,
        "b2": rng.standard_normal(vocab_size) * 0.1,
        "bngain": rng.standard_normal((1, N_HIDDEN)) * 0.1 + 1.0,
        "bnbias": rng.standard_normal((1, N_HIDDEN)) * 0.1,
    }


def chunked_forward(lib, p, Xb, Yb):
    """The lecture's forward pass, step by step; returns the loss and the steps by name."""
    n = Xb.shape[0]
    emb = p["C"][Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ p["W1"] + p["b1"]
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)  # Bessel's correction, as in the lecture
    bnvar_inv = (bnvar + BN_EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = p["bngain"] * bnraw + p["bnbias"]
    h = lib.tanh(hpreact)
    logits = h @ p["W2"] + p["b2"]
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes  # for numerical stability
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    steps = dict(zip(INTERMEDIATES, [emb, embcat, hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, bnraw,
                                     hpreact, h, logits, logit_maxes, norm_logits, counts, counts_sum,
                                     counts_sum_inv, probs, logprobs]))
    for step in steps.values():
        step.retain_grad()
    loss.backward()
    return loss, steps


def lecture_gradients(v, Xb, Yb):
    """The hand-derived backward pass in plain numpy; ``v`` holds the forward values
    of the steps and the parameters."""
    n = Xb.shape[0]
    g = {}
    g["logprobs"] = np.zeros_like(v["logprobs"])
    g["logprobs"][range(n), Yb] = -1.0 / n
    g["probs"] = g["logprobs"] / v["probs"]
    g["counts_sum_inv"] = (v["counts"] * g["probs"]).sum(1, keepdims=True)
    g["counts_sum"] = -v["counts_sum"] ** -2 * g["counts_sum_inv"]
    # counts reaches the loss directly and through counts_sum
    g["counts"] = v["counts_sum_inv"] * g["probs"] + g["counts_sum"]
    g["norm_logits"] = v["counts"] * g["counts"]
    g["logit_maxes"] = -g["norm_logits"].sum(1, keepdims=True)
    g["logits"] = g["norm_logits"] + np.eye(v["logits"].shape[1])[v["logits"].argmax(1)] * g["logit_maxes"]
    g["h"] = g["logits"] @ v["W2"].T
    g["W2"] = v["h"].T @ g["logits"]
    g["b2"] = g["logits"].sum(0)
    g["hpreact"] = (1.0 - v["h"] ** 2) * g["h"]
    g["bngain"] = (v["bnraw"] * g["hpreact"]).sum(0, keepdims=True)
    g["bnbias"] = g["hpreact"].sum(0, keepdims=True)
    g["bnraw"] = v["bngain"] * g["hpreact"]
    g["bnvar_inv"] = (v["bndiff"] * g["bnraw"]).sum(0, keepdims=True)
    g["bnvar"] = -0.5 * (v["bnvar"] + BN_EPS) ** -1.5 * g["bnvar_inv"]
    g["bndiff2"] = 1.0 / (n - 1) * np.ones_like(v["bndiff2"]) * g["bnvar"]
    # bndiff reaches the loss through bnraw and through bndiff2
    g["bndiff"] = v["bnvar_inv"] * g["bnraw"] + 2 * v["bndiff"] * g["bndiff2"]
    g["bnmeani"] = -g["bndiff"].sum(0, keepdims=True)
    g["hprebn"] = g["bndiff"] + 1.0 / n * np.ones_like(v["hprebn"]) * g["bnmeani"]
    g["embcat"] = g["hprebn"] @ v["W1"].T
    g["W1"] = v["embcat"].T @ g["hprebn"]
    g["b1"] = g["hprebn"].sum(0)
    g["emb"] = g["embcat"].reshape(v["emb"].shape)
    # each row of C gets the gradients of every place the batch picked it
    g["C"] = np.zeros_like(v["C"])
    np.add.at(g["C"], Xb, g["emb"])
    return g


def run(lib, make_tensor, Xb, Yb, parameters):
    leaves = {name: make_tensor(value) for name, value in parameters.items()}
    loss, steps = chunked_forward(lib, leaves, Xb, Yb)
    return loss, steps | leaves


@pytest.fixture(scope="module")
def batch():
    Xb, Yb, vocab_size = real_batch()
    return Xb, Yb, initial_parameters(vocab_size)


@pytest.fixture(scope="module")
def minigrad_run(batch):
    Xb, Yb, parameters = batch
    return run(mg, lambda value: mg.tensor(value, requires_grad=True), Xb, Yb, parameters)


@pytest.fixture(scope="module")
def torch_run(batch):
    Xb, Yb, parameters = batch
    return run(torch, lambda value: torch.tensor(value, requires_grad=True), torch.tensor(Xb), torch.tensor(Yb),
               parameters)


@pytest.fixture(scope="module")
def by_hand(batch, minigrad_run):
    Xb, Yb, _ = batch
    _, tensors = minigrad_run
    return lecture_gradients({name: t.data for name, t in tensors.items()}, Xb, Yb)


def test_the_batch_is_real(batch):
    Xb, Yb, parameters = batch
    assert parameters["C"].shape == (27, N_EMBED)
    assert Xb.shape == (BATCH, BLOCK_SIZE) and Yb.shape == (BATCH,)
    assert 0 in Yb  # some names end within the batch


def test_loss_is_near_uniform_guessing(minigrad_run):
    loss, _ = minigrad_run
    assert loss.dtype == np.float64 and 2.5 < loss.item() < 4.5  # -log(1/27) = 3.30


@pytest.mark.parametrize("name", INTERMEDIATES + PARAMETERS)
def test_gradient_equals_the_lecture_formula(name, minigrad_run, by_hand):
    _, tensors = minigrad_run
    np.testing.assert_allclose(tensors[name].grad, by_hand[name], rtol=1e-10, atol=1e-14)


@requires_torch
def test_loss_equals_torch(minigrad_run, torch_run):
    np.testing.assert_allclose(minigrad_run[0].item(), torch_run[0].item(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", INTERMEDIATES + PARAMETERS)
def test_forward_and_gradient_equal_torch(name, minigrad_run, torch_run):
    mine, theirs = minigrad_run[1][name], torch_run[1][name]
    np.testing.assert_allclose(mine.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
