"""The lecture's exercise, as examples/lecture.py writes it once: a batch-normed MLP on
real names, its forward pass cut into small steps, each intermediate's gradient derived
by hand in numpy. The hand derivation must equal minigrad's retained gradients, central
finite differences of the loss, and PyTorch's gradients where it is installed."""

import numpy as np
import pytest

import lecture
import minigrad as mg
from helpers import requires_torch, torch
from makemore_data import DEFAULT_DATA, build_dataset, build_vocab, read_words

BLOCK_SIZE = 3  # characters of context
N_EMBED, N_HIDDEN, BATCH = 10, 64, 32

INTERMEDIATES = ["emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw",
                 "hpreact", "h", "logits", "logit_maxes", "norm_logits", "counts", "counts_sum",
                 "counts_sum_inv", "probs", "logprobs"]
PARAMETERS = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]


def real_batch(batch=BATCH):
    """A batch of (context, next character) pairs from the shipped names.txt."""
    words = read_words(DEFAULT_DATA)
    vocab = build_vocab(words)
    X, Y = build_dataset(words, {ch: i for i, ch in enumerate(vocab)}, BLOCK_SIZE)
    rows = np.random.default_rng(42).integers(0, len(Y), batch)
    return X[rows], Y[rows], len(vocab)


def float64_parameters(vocab_size, n_embd=N_EMBED, n_hidden=N_HIDDEN):
    """The lecture's initialisation (lecture.MLP's), in float64 numpy arrays by name."""
    mg.set_default_dtype(mg.float64)
    try:
        model = lecture.MLP(vocab_size, BLOCK_SIZE, n_embd, n_hidden, generator=np.random.default_rng(2147483647))
    finally:
        mg.set_default_dtype(mg.float32)
    return {name: p.numpy().copy() for name, p in lecture.lecture_parameters(model).items()}


def run(make_tensor, Xb, Yb, parameters):
    """lecture.chunked_forward and backward on leaves made by ``make_tensor``; the
    intermediates and the leaves by name."""
    leaves = {name: make_tensor(value) for name, value in parameters.items()}
    steps = lecture.chunked_forward(leaves, Xb, Yb)
    steps["loss"].backward()
    return steps | leaves


@pytest.fixture(scope="module")
def batch():
    Xb, Yb, vocab_size = real_batch()
    return Xb, Yb, float64_parameters(vocab_size)


@pytest.fixture(scope="module")
def minigrad_run(batch):
    Xb, Yb, parameters = batch
    return run(lambda value: mg.tensor(value, requires_grad=True), Xb, Yb, parameters)


@pytest.fixture(scope="module")
def torch_run(batch):
    Xb, Yb, parameters = batch
    return run(lambda value: torch.tensor(value, requires_grad=True), torch.tensor(Xb), torch.tensor(Yb),
               parameters)


@pytest.fixture(scope="module")
def by_hand(batch, minigrad_run):
    Xb, Yb, parameters = batch
    return lecture.chunked_manual_backward(minigrad_run, {name: minigrad_run[name] for name in parameters}, Xb, Yb)


def test_the_batch_is_real(batch):
    Xb, Yb, parameters = batch
    assert parameters["C"].shape == (27, N_EMBED) and parameters["W1"].shape == (N_HIDDEN, N_EMBED * BLOCK_SIZE)
    assert Xb.shape == (BATCH, BLOCK_SIZE) and Yb.shape == (BATCH,)
    assert 0 in Yb  # some names end within the batch


def test_loss_is_near_uniform_guessing(minigrad_run):
    loss = minigrad_run["loss"]
    assert loss.dtype == np.float64 and 2.5 < loss.item() < 4.5  # -log(1/27) = 3.30


@pytest.mark.parametrize("name", INTERMEDIATES + PARAMETERS)
def test_gradient_equals_the_lecture_formula(name, minigrad_run, by_hand):
    np.testing.assert_allclose(minigrad_run[name].grad, by_hand[name], rtol=1e-10, atol=1e-14)


def test_the_hand_derived_parameter_gradients_equal_finite_differences():
    # a small model, so that every element of every parameter is perturbed: central
    # differences of the float64 loss, independent of the engine's backward
    Xb, Yb, vocab_size = real_batch(batch=8)
    parameters = {name: mg.tensor(value) for name, value in float64_parameters(vocab_size, 4, 8).items()}

    def loss():
        with mg.no_grad():
            return lecture.chunked_forward(parameters, Xb, Yb, retain=False)["loss"].item()

    steps = lecture.chunked_forward(parameters, Xb, Yb, retain=False)
    mine = lecture.chunked_manual_backward(steps, parameters, Xb, Yb)
    eps = 1e-6
    for name, tensor in parameters.items():
        numeric = np.zeros_like(tensor.numpy())
        for index in np.ndindex(tensor.shape):
            saved = tensor.numpy()[index]
            tensor.numpy()[index] = saved + eps
            above = loss()
            tensor.numpy()[index] = saved - eps
            below = loss()
            tensor.numpy()[index] = saved
            numeric[index] = (above - below) / (2 * eps)
        np.testing.assert_allclose(mine[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_the_fused_backward_equals_the_step_by_step_one(batch, by_hand):
    Xb, Yb, parameters = batch
    loss, grads = lecture.manual_gradients({name: mg.tensor(value) for name, value in parameters.items()}, Xb, Yb)
    for name in PARAMETERS:
        np.testing.assert_allclose(grads[name], by_hand[name], rtol=1e-9, atol=1e-12, err_msg=name)


@requires_torch
@pytest.mark.parametrize("name", ["loss"] + INTERMEDIATES + PARAMETERS)
def test_forward_and_gradient_equal_torch(name, minigrad_run, torch_run, by_hand):
    mine, theirs = minigrad_run[name], torch_run[name]
    np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    if name != "loss":
        np.testing.assert_allclose(by_hand[name], theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
