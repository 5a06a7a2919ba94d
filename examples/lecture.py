"""The lecture's model and its backward, written once: the MLP of Karpathy's "becoming
a backprop ninja" lecture, its forward pass cut into the lecture's small steps, and the
hand-derived backward (step by step, and fused as in the lecture's final exercise).

examples/makemore.py trains with it, docs/backprop-ninja.md walks through it, and
tests/test_lecture.py checks it against finite differences and PyTorch.
"""

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import nn

__all__ = ["MLP", "TRAINING_STEPS", "check_gradients", "chunked_forward", "chunked_manual_backward",
           "engine_step", "lecture_parameters", "manual_gradients", "manual_step"]


class MLP(nn.Module):
    """Embedding, hidden layer, BatchNorm (with the lecture's Bessel-corrected batch
    variance), tanh, output layer; initialised as in the lecture."""

    def __init__(self, vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
        g = generator or np.random.default_rng()
        # the layers' own initial numbers are replaced below; with a mg.Generator they must
        # not take numbers from the lecture's stream (with numpy's, they always have)
        layers_g = mg.Generator() if isinstance(g, mg.Generator) else g
        self.embedding = nn.Embedding(vocab_size, n_embd, generator=layers_g)
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(n_embd * block_size, n_hidden, generator=layers_g)
        self.batchnorm = nn.BatchNorm1d(n_hidden, correction=1)
        self.tanh = nn.Tanh()
        self.output = nn.Linear(n_hidden, vocab_size, generator=layers_g)
        self.initialise(g, vocab_size, n_embd * block_size, n_hidden)

    def initialise(self, g, vocab_size, fan_in, n_hidden):
        """The lecture's initialisation, in its order; Linear weights are (out, in) as in torch.
        With a ``mg.Generator`` the numbers are the notebook's own: its torch.randn calls on
        ``g``, and BatchNorm's gain and bias from a fresh default generator, as the notebook
        draws them without ``generator=``. With a numpy generator, numpy's normals."""
        if isinstance(g, mg.Generator):
            default = mg.Generator()
            randn, randn_default = (lambda *shape: mg.randn(*shape, generator=g)), \
                (lambda *shape: mg.randn(*shape, generator=default))
        else:
            randn = randn_default = lambda *shape: g.standard_normal(shape)  # noqa: E731
        self.embedding.weight.numpy()[...] = np.asarray(randn(vocab_size, self.embedding.embedding_dim))
        self.hidden.weight.numpy()[...] = np.asarray(randn(fan_in, n_hidden) * (5 / 3) / fan_in ** 0.5).T
        self.hidden.bias.numpy()[...] = np.asarray(randn(n_hidden) * 0.1)
        self.output.weight.numpy()[...] = np.asarray(randn(n_hidden, vocab_size) * 0.1).T
        self.output.bias.numpy()[...] = np.asarray(randn(vocab_size) * 0.1)
        self.batchnorm.weight.numpy()[...] = np.asarray(randn_default(1, n_hidden) * 0.1 + 1.0).reshape(-1)
        self.batchnorm.bias.numpy()[...] = np.asarray(randn_default(1, n_hidden) * 0.1).reshape(-1)

    def preactivation(self, X):
        """The hidden layer's output before BatchNorm (hprebn)."""
        return self.hidden(self.flatten(self.embedding(X)))

    def forward(self, X):
        return self.output(self.tanh(self.batchnorm(self.preactivation(X))))


def lecture_parameters(model):
    """The model's parameter tensors under the lecture's names."""
    return {"C": model.embedding.weight, "W1": model.hidden.weight, "b1": model.hidden.bias,
            "W2": model.output.weight, "b2": model.output.bias,
            "bngain": model.batchnorm.weight, "bnbias": model.batchnorm.bias}


# ----- one training step's gradients, two ways -----

def engine_step(params, model, Xb, Yb):
    """Forward through the model and loss.backward(): the loss; the gradients are left
    in each parameter's .grad."""
    loss = F.cross_entropy(model(Xb), Yb)
    loss.backward()
    return loss.item()


def manual_step(params, model, Xb, Yb):
    """The same with the hand-derived gradients of manual_gradients, put in .grad."""
    loss, grads = manual_gradients(params, Xb, Yb)
    for name, p in params.items():
        p.grad = grads[name]
    return loss


def manual_gradients(params, Xb, Yb):
    """The loss and the gradient of each of ``params`` (lecture_parameters) in plain
    numpy with the lecture's hand-derived backward and no graph: fused cross entropy
    (softmax - one_hot) / n, the one-line BatchNorm backward, scatter-add for C."""
    p = {name: t.numpy() for name, t in params.items()}
    n = Xb.shape[0]
    emb = p["C"][Xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ p["W1"].T + p["b1"]
    bnmean = hprebn.mean(0, keepdims=True)
    bndiff = hprebn - bnmean
    bnvar = (bndiff * bndiff).sum(0, keepdims=True) / (n - 1)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = p["bngain"] * bnraw + p["bnbias"]
    h = np.tanh(hpreact)
    logits = h @ p["W2"].T + p["b2"]
    norm_logits = logits - logits.max(1, keepdims=True)
    logprobs = norm_logits - np.log(np.exp(norm_logits).sum(1, keepdims=True))
    loss = -logprobs[np.arange(n), Yb].mean()

    dlogits = np.exp(logprobs)
    dlogits[np.arange(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ p["W2"]
    dhpreact = (1.0 - h * h) * dh
    dhprebn = p["bngain"] * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0)
                                             - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    dC = np.zeros_like(p["C"])
    np.add.at(dC, Xb, (dhprebn @ p["W1"]).reshape(emb.shape))
    return float(loss), {"C": dC, "W1": dhprebn.T @ embcat, "b1": dhprebn.sum(0),
                         "W2": dlogits.T @ h, "b2": dlogits.sum(0),
                         "bngain": (bnraw * dhpreact).sum(0), "bnbias": dhpreact.sum(0)}


TRAINING_STEPS = {"engine": engine_step, "manual": manual_step}


# ----- the lecture's exercise 1: every intermediate, by hand and by the engine -----

def chunked_forward(params, Xb, Yb, retain=True):
    """The lecture's forward pass cut into its small steps, each intermediate labelled
    with the lecture's name (and kept by retain_grad, unless ``retain`` is False);
    ``params`` as from lecture_parameters."""
    C, W1, b1, W2, b2, bngain, bnbias = (params[k] for k in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias"))
    n = Xb.shape[0]
    t = {}
    t["emb"] = C[Xb]
    t["embcat"] = t["emb"].view(n, -1)
    t["hprebn"] = t["embcat"] @ W1.T + b1          # W1 is (out, in) as in torch.nn.Linear
    t["bnmeani"] = 1 / n * t["hprebn"].sum(0, keepdim=True)
    t["bndiff"] = t["hprebn"] - t["bnmeani"]
    t["bndiff2"] = t["bndiff"] ** 2
    t["bnvar"] = 1 / (n - 1) * t["bndiff2"].sum(0, keepdim=True)
    t["bnvar_inv"] = (t["bnvar"] + 1e-5) ** -0.5
    t["bnraw"] = t["bndiff"] * t["bnvar_inv"]
    t["hpreact"] = bngain * t["bnraw"] + bnbias
    t["h"] = t["hpreact"].tanh()
    t["logits"] = t["h"] @ W2.T + b2
    t["logit_maxes"] = t["logits"].max(1, keepdim=True).values
    t["norm_logits"] = t["logits"] - t["logit_maxes"]
    t["counts"] = t["norm_logits"].exp()
    t["counts_sum"] = t["counts"].sum(1, keepdim=True)
    t["counts_sum_inv"] = t["counts_sum"] ** -1
    t["probs"] = t["counts"] * t["counts_sum_inv"]
    t["logprobs"] = t["probs"].log()
    t["loss"] = -t["logprobs"][range(n), Yb].mean()
    for name, tensor in t.items():
        tensor.label = name
        if retain:
            tensor.retain_grad()
    return t


def chunked_manual_backward(t, params, Xb, Yb):
    """The lecture's exercise 1 in numpy: each intermediate's gradient from the one
    after it, upstream gradient times local gradient, summed where broadcasting was."""
    v = {name: tensor.numpy() for name, tensor in t.items()}
    p = {name: tensor.numpy() for name, tensor in params.items()}
    n = Xb.shape[0]
    d = {}
    d["logprobs"] = np.zeros_like(v["logprobs"])
    d["logprobs"][range(n), Yb] = -1.0 / n
    d["probs"] = d["logprobs"] / v["probs"]
    d["counts_sum_inv"] = (v["counts"] * d["probs"]).sum(1, keepdims=True)
    d["counts"] = v["counts_sum_inv"] * d["probs"]
    d["counts_sum"] = -v["counts_sum"] ** -2 * d["counts_sum_inv"]
    d["counts"] += np.ones_like(v["counts"]) * d["counts_sum"]
    d["norm_logits"] = v["counts"] * d["counts"]
    d["logits"] = d["norm_logits"].copy()
    d["logit_maxes"] = -d["norm_logits"].sum(1, keepdims=True)
    d["logits"] += np.eye(v["logits"].shape[1])[v["logits"].argmax(1)] * d["logit_maxes"]
    d["h"] = d["logits"] @ p["W2"]
    d["W2"] = d["logits"].T @ v["h"]
    d["b2"] = d["logits"].sum(0)
    d["hpreact"] = (1.0 - v["h"] ** 2) * d["h"]
    d["bngain"] = (v["bnraw"] * d["hpreact"]).sum(0).reshape(p["bngain"].shape)
    d["bnraw"] = p["bngain"] * d["hpreact"]
    d["bnbias"] = d["hpreact"].sum(0).reshape(p["bnbias"].shape)
    d["bndiff"] = v["bnvar_inv"] * d["bnraw"]
    d["bnvar_inv"] = (v["bndiff"] * d["bnraw"]).sum(0, keepdims=True)
    d["bnvar"] = (-0.5 * (v["bnvar"] + 1e-5) ** -1.5) * d["bnvar_inv"]
    d["bndiff2"] = 1.0 / (n - 1) * np.ones_like(v["bndiff2"]) * d["bnvar"]
    d["bndiff"] += 2 * v["bndiff"] * d["bndiff2"]
    d["hprebn"] = d["bndiff"].copy()
    d["bnmeani"] = -d["bndiff"].sum(0, keepdims=True)
    d["hprebn"] += 1.0 / n * np.ones_like(v["hprebn"]) * d["bnmeani"]
    d["embcat"] = d["hprebn"] @ p["W1"]
    d["W1"] = d["hprebn"].T @ v["embcat"]
    d["b1"] = d["hprebn"].sum(0)
    d["emb"] = d["embcat"].reshape(v["emb"].shape)
    d["C"] = np.zeros_like(p["C"])
    np.add.at(d["C"], Xb, d["emb"])
    return d


def check_gradients(model, Xb, Yb):
    """One batch through the chunked forward; the comparison rows, engine vs by hand,
    for every intermediate (loss to emb) and every parameter."""
    params = lecture_parameters(model)
    for p in params.values():
        p.grad = None
    t = chunked_forward(params, Xb, Yb)
    t["loss"].backward()
    mine = chunked_manual_backward(t, params, Xb, Yb)
    # from the loss back to emb, then the parameters; rtol and atol let float32
    # rounding (differences of order 1e-8) count as approximately equal
    names = [name for name in reversed(t) if name != "loss"] + list(params)
    tensors = {**t, **params}
    return [mg.compare(name, mine[name], tensors[name], rtol=1e-4, atol=1e-6) for name in names]
