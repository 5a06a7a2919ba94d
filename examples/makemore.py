"""makemore with minigrad: the character-level MLP of Karpathy's "becoming a backprop
ninja" lecture, trained end to end, with the hand-derived backward beside the engine's.

    python examples/makemore.py                       # built-in first-name list
    python examples/makemore.py --data names.txt      # makemore's data set
    python examples/makemore.py --check               # engine vs hand-derived, gradient by gradient
    python examples/makemore.py --graph step.svg      # draw one training step's graph
    python examples/makemore.py --backward manual     # train with the lecture's numpy backward
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from importlib.resources import files

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import nn


class UsageError(Exception):
    """A mistake in the command line or the data: reported in one line, exit status 2."""


# ----- data, exactly as the lecture builds it -----

def default_words():
    """The first names shipped by the `names` package (US census 1990, 5,163 names)."""
    try:
        package = files("names")
    except ModuleNotFoundError:
        raise UsageError("no --data given and the built-in names list is missing: "
                         "pip install names, or pass --data PATH") from None
    words = set()
    for list_file in ("dist.male.first", "dist.female.first"):
        for line in package.joinpath(list_file).read_text(encoding="ascii").splitlines():
            if line.split():
                words.add(line.split()[0].lower())
    return sorted(words)


def read_words(path):
    """One name per line; blank lines are skipped."""
    try:
        with open(path, encoding="utf-8") as file:
            words = [line.strip() for line in file]
    except FileNotFoundError:
        raise UsageError(f"data file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read data file {path}: {error}") from None
    words = [w for w in words if w]
    if not words:
        raise UsageError(f"data file is empty: {path}")
    if any("." in w for w in words):
        raise UsageError(f"data file {path} contains '.', which marks the start and end of a name")
    return words


def build_vocab(words):
    """'.' (index 0, start and end of a name) then the sorted characters."""
    return ["."] + sorted(set("".join(words)))


def build_dataset(words, stoi, block_size):
    """Each character of each name (and the end '.') with the block_size characters before it."""
    X, Y = [], []
    for word in words:
        context = [0] * block_size
        for ch in word + ".":
            if ch not in stoi:
                raise UsageError(f"the name {word!r} has the character {ch!r}, which is not in the "
                                 f"model's vocabulary {''.join(stoi)!r}")
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return np.array(X, dtype=np.int64).reshape(-1, block_size), np.array(Y, dtype=np.int64)


def split_words(words, seed):
    """Shuffle with the seed (as the lecture's random.seed(42); random.shuffle) and split 80/10/10."""
    if len(words) < 10:
        raise UsageError(f"the data has {len(words)} names; the 80/10/10 split needs at least 10")
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]


# ----- the model -----

class MLP(nn.Module):
    """Embedding, hidden layer, BatchNorm (with the lecture's Bessel-corrected batch
    variance), tanh, output layer; initialised as in the lecture."""

    def __init__(self, vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
        g = generator or np.random.default_rng()
        self.embedding = nn.Embedding(vocab_size, n_embd, generator=g)
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(n_embd * block_size, n_hidden, generator=g)
        self.batchnorm = nn.BatchNorm1d(n_hidden, correction=1)
        self.tanh = nn.Tanh()
        self.output = nn.Linear(n_hidden, vocab_size, generator=g)
        fan_in = n_embd * block_size
        # the lecture's initialisation, in its order; Linear weights are (out, in) as in torch
        self.embedding.weight.data[...] = g.standard_normal((vocab_size, n_embd))
        self.hidden.weight.data[...] = (g.standard_normal((fan_in, n_hidden)) * (5 / 3) / fan_in ** 0.5).T
        self.hidden.bias.data[...] = g.standard_normal(n_hidden) * 0.1
        self.output.weight.data[...] = (g.standard_normal((n_hidden, vocab_size)) * 0.1).T
        self.output.bias.data[...] = g.standard_normal(vocab_size) * 0.1
        self.batchnorm.weight.data[...] = g.standard_normal(n_hidden) * 0.1 + 1.0
        self.batchnorm.bias.data[...] = g.standard_normal(n_hidden) * 0.1

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
    p = {name: t.data for name, t in params.items()}
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
    v = {name: tensor.data for name, tensor in t.items()}
    p = {name: tensor.data for name, tensor in params.items()}
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


# ----- training, evaluation, sampling -----

class Progress:
    """A one-line progress bar with the running loss, on stderr."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.stream, self.start, self.shown = total, stream, time.perf_counter(), -1.0
        self.interactive = stream.isatty()

    def update(self, step, loss):
        now = time.perf_counter() - self.start
        done = step + 1
        if done != self.total and (now - self.shown < (0.2 if self.interactive else 10.0)):
            return
        self.shown = now
        width = 30
        filled = width * done // max(self.total, 1)
        rate = done / now if now > 0 else 0.0
        line = (f"[{'#' * filled}{'.' * (width - filled)}] step {done}/{self.total} "
                f"loss {loss:.4f} | {now:.1f}s, {rate:,.0f} steps/s")
        self.stream.write(("\r" + line) if self.interactive else line + "\n")
        if done == self.total and self.interactive:
            self.stream.write("\n")
        self.stream.flush()


def train(model, Xtr, Ytr, steps, batch_size, backward="engine", seed=42, lr_decay_step=None, progress=None):
    """SGD as in the lecture: lr 0.1 for the first half of the steps, then 0.01. The
    batches come from a generator seeded with ``seed``, so both backward modes see the
    same ones. Returns the loss of every step."""
    training_step = TRAINING_STEPS[backward]
    batch_rng = np.random.default_rng(seed)
    params = lecture_parameters(model)
    optimizer = mg.optim.SGD(params.values(), lr=0.1)
    decay_at = steps // 2 if lr_decay_step is None else lr_decay_step
    losses = []
    model.train()
    for step in range(steps):
        ix = batch_rng.integers(0, Xtr.shape[0], batch_size)
        optimizer.zero_grad()
        loss = training_step(params, model, Xtr[ix], Ytr[ix])
        optimizer.lr = 0.1 if step < decay_at else 0.01
        optimizer.step()
        losses.append(loss)
        if progress:
            progress.update(step, loss)
    return losses


# Evaluation goes through the data in chunks of this many examples, so that memory
# stays small: the whole training set at once makes arrays of 182,625 x 200 floats.
EVAL_CHUNK = 8192


def _chunks(*arrays):
    for start in range(0, len(arrays[0]), EVAL_CHUNK):
        yield tuple(a[start:start + EVAL_CHUNK] for a in arrays)


@mg.no_grad()
def calibrate_batchnorm(model, Xtr):
    """Set BatchNorm's statistics to the mean and (unbiased) variance over the whole
    training set, as the lecture does after training (two passes, in float64)."""
    total = sum(model.preactivation(Xb).data.sum(0, dtype=np.float64) for (Xb,) in _chunks(Xtr))
    mean = total / len(Xtr)
    squares = sum(((model.preactivation(Xb).data - mean) ** 2).sum(0) for (Xb,) in _chunks(Xtr))
    model.batchnorm.running_mean.data[...] = mean
    model.batchnorm.running_var.data[...] = squares / (len(Xtr) - 1)


@mg.no_grad()
def evaluate(model, X, Y):
    """The mean cross entropy on (X, Y), in eval mode."""
    model.eval()
    return sum(F.cross_entropy(model(Xb), Yb).item() * len(Yb) for Xb, Yb in _chunks(X, Y)) / len(Y)


@mg.no_grad()
def sample(model, itos, block_size, count, generator, max_length=50):
    """Names drawn one character at a time from the model's softmax, in eval mode."""
    model.eval()
    names = []
    for _ in range(count):
        out, context = [], [0] * block_size
        while len(out) < max_length:
            probs = F.softmax(model(np.array([context])), dim=1)
            ix = mg.multinomial(probs, num_samples=1, generator=generator).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names


# ----- saving -----

def save_model(model, vocab, config, path):
    """The state dict, the vocabulary and the sizes, in one .npz file."""
    state = dict(model.state_dict())
    state.update({"vocab": np.array(vocab), **{f"config.{k}": np.int64(v) for k, v in config.items()}})
    mg.save(state, path)


def load_model(path):
    """A model saved by save_model, with its vocabulary and sizes."""
    try:
        state = mg.load(path)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot load a model from {path}: {error}") from None
    if "vocab" not in state:
        raise UsageError(f"{path} is not a model saved by makemore.py (it has no vocabulary)")
    vocab = [str(ch) for ch in state.pop("vocab")]
    config = {key.split(".", 1)[1]: int(state.pop(key).item()) for key in list(state) if key.startswith("config.")}
    try:
        model = MLP(len(vocab), config["block_size"], config["n_embd"], config["n_hidden"])
        model.load_state_dict(state)
    except (KeyError, ValueError) as error:
        raise UsageError(f"{path} does not hold a makemore.py model: {error}") from None
    return model, vocab, config


def loss_curve_svg(losses, bucket=1000, width=640, height=320):
    """The loss per step (log10, averaged in buckets of steps) as a small SVG picture."""
    values = np.log10(np.asarray(losses, dtype=np.float64))
    bucket = max(1, min(bucket, len(values) // 50 or 1))
    means = values[: len(values) // bucket * bucket].reshape(-1, bucket).mean(1) if len(values) >= bucket else values
    low, high = float(means.min()), float(means.max())
    span = (high - low) or 1.0
    margin = 40
    points = " ".join(
        f"{margin + (width - 2 * margin) * i / max(len(means) - 1, 1):.1f},"
        f"{height - margin - (height - 2 * margin) * (m - low) / span:.1f}"
        for i, m in enumerate(means))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="{margin}" y="20">log10(training loss), mean of {bucket} steps</text>'
            f'<text x="4" y="{margin}">{high:.3f}</text><text x="4" y="{height - margin}">{low:.3f}</text>'
            f'<text x="{width - margin}" y="{height - 10}" text-anchor="end">step {len(values)}</text>'
            f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{points}"/></svg>')


# ----- command line -----

class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, with exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
    parser = Parser(
        prog="makemore.py",
        description="Train the character-level MLP of the 'becoming a backprop ninja' lecture with "
                    "minigrad, report train/val/test loss, and sample new names.")
    parser.add_argument("--data", metavar="PATH",
                        help="text file with one name per line (makemore's names.txt, say); "
                             "default: the 5,163 first names of the `names` package, no download")
    parser.add_argument("--steps", type=int, default=200_000,
                        help="training steps; lr is 0.1 for the first half, 0.01 after (default 200000)")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step (default 32)")
    parser.add_argument("--block-size", type=int, default=3,
                        help="characters of context used to predict the next one (default 3)")
    parser.add_argument("--n-embd", type=int, default=10, help="size of a character's embedding (default 10)")
    parser.add_argument("--n-hidden", type=int, default=200, help="neurons in the hidden layer (default 200)")
    parser.add_argument("--backward", choices=["engine", "manual"], default="engine",
                        help="engine: loss.backward() through minigrad's graph; manual: the lecture's "
                             "hand-derived gradients in plain numpy, no graph (default engine)")
    parser.add_argument("--seed", type=int, default=42,
                        help="seed of the shuffle, the initialisation, the batches and the samples (default 42)")
    parser.add_argument("--samples", type=int, default=20, help="names to sample after training (default 20)")
    parser.add_argument("--check", action="store_true",
                        help="instead of training, run one batch through the lecture's chunked forward pass "
                             "and print engine vs hand-derived gradients for every intermediate and parameter")
    parser.add_argument("--graph", metavar="FILE",
                        help="instead of training, draw the graph of one training step (forward, loss and the "
                             "gradients of backward), grouped by layer, to FILE (.svg or .png) and stop")
    parser.add_argument("--load", metavar="FILE",
                        help="start from a model saved in --out's model.npz (its vocabulary and sizes); "
                             "use --steps 0 to only evaluate and sample")
    parser.add_argument("--out", metavar="DIR",
                        help="write model.npz, loss.svg (the loss curve) and metrics.json (the run's figures) here")
    args = parser.parse_args(argv)
    for name in ("block_size", "n_embd", "n_hidden"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.batch_size < 2:
        parser.error(f"--batch-size must be at least 2 (BatchNorm's variance needs two examples), got {args.batch_size}")
    if args.steps < 0 or args.samples < 0:
        parser.error("--steps and --samples cannot be negative")
    if args.graph and args.check:
        parser.error("--graph and --check are separate runs; give one of them")
    if args.graph and not args.graph.lower().endswith((".svg", ".png")):
        parser.error(f"--graph must name an .svg or a .png file, got {args.graph}")
    return args


def peak_memory_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args, out=sys.stdout, err=sys.stderr):
    """The whole program; returns the figures of the run."""
    words = read_words(args.data) if args.data else default_words()
    if args.load:
        model, vocab, config = load_model(args.load)
        args.block_size, args.n_embd, args.n_hidden = config["block_size"], config["n_embd"], config["n_hidden"]
    else:
        vocab = build_vocab(words)
        model = MLP(len(vocab), args.block_size, args.n_embd, args.n_hidden,
                    generator=np.random.default_rng(args.seed))
    stoi = {ch: i for i, ch in enumerate(vocab)}
    splits = [build_dataset(part, stoi, args.block_size) for part in split_words(words, args.seed)]
    (Xtr, Ytr), (Xva, Yva), (Xte, Yte) = splits
    print(f"{len(words)} names, vocabulary of {len(vocab)}, {Xtr.shape[0]}/{Xva.shape[0]}/{Xte.shape[0]} "
          f"train/val/test examples; {sum(p.numel() for p in model.parameters())} parameters", file=out)

    # --check and --graph look at one batch
    ix = np.random.default_rng(args.seed).integers(0, Xtr.shape[0], args.batch_size)
    if args.check:
        rows = check_gradients(model, Xtr[ix], Ytr[ix])
        print("\n".join(str(row) for row in rows), file=out)
        return {"check": [row._asdict() for row in rows]}

    if args.graph:
        Xb, Yb = Xtr[ix], Ytr[ix]
        loss = F.cross_entropy(model(Xb), Yb)
        loss.backward()
        try:
            mg.save_graph(loss, args.graph, names={**lecture_parameters(model), "Xb": Xb, "Yb": Yb, "loss": loss},
                          show_grad=True)
        except (OSError, mg.drawing.RendererNotFound) as error:
            raise UsageError(f"cannot write the graph to {args.graph}: {error}") from None
        print(f"wrote the graph of one training step to {args.graph}", file=out)
        return {"graph": args.graph}

    start = time.perf_counter()
    losses = train(model, Xtr, Ytr, args.steps, args.batch_size, args.backward, args.seed,
                   progress=Progress(args.steps, err) if args.steps else None)
    seconds = time.perf_counter() - start
    calibrate_batchnorm(model, Xtr)
    figures = {"steps": args.steps, "backward": args.backward, "train_seconds": round(seconds, 2),
               "us_per_step": round(1e6 * seconds / args.steps, 1) if args.steps else None,
               "train_loss": evaluate(model, Xtr, Ytr), "val_loss": evaluate(model, Xva, Yva),
               "test_loss": evaluate(model, Xte, Yte)}
    print(f"train {figures['train_loss']:.4f}  val {figures['val_loss']:.4f}  test {figures['test_loss']:.4f}"
          f"  ({seconds:.1f} s of training)", file=out)
    figures["samples"] = sample(model, vocab, args.block_size, args.samples, np.random.default_rng(args.seed + 10))
    print("\n".join(figures["samples"]), file=out)
    figures["peak_memory_mb"] = round(peak_memory_mb(), 1)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        save_model(model, vocab, {"block_size": args.block_size, "n_embd": args.n_embd, "n_hidden": args.n_hidden},
                   os.path.join(args.out, "model.npz"))
        if losses:
            with open(os.path.join(args.out, "loss.svg"), "w") as file:
                file.write(loss_curve_svg(losses))
        with open(os.path.join(args.out, "metrics.json"), "w") as file:
            json.dump(figures, file, indent=2)
        print(f"wrote model.npz, {'loss.svg, ' if losses else ''}metrics.json to {args.out}", file=out)
    return figures


def main(argv=None):
    try:
        run(parse_args(argv))
    except UsageError as error:
        sys.stderr.write(f"makemore.py: error: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
