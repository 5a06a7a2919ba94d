"""makemore with minigrad: the character-level MLP of Karpathy's "becoming a backprop
ninja" lecture, trained end to end, with the hand-derived backward beside the engine's.

    python examples/makemore.py                       # makemore's names.txt, shipped in examples/data
    python examples/makemore.py --check               # engine vs hand-derived, gradient by gradient
    python examples/makemore.py --graph step.svg      # draw one training step's graph
    python examples/makemore.py --backward manual     # train with the lecture's numpy backward
    python examples/makemore.py --compile             # the training step traced once, replayed as numpy code
    python examples/makemore.py --out run             # keep the model, the loss curve and the figures

The model and both backwards are in lecture.py, the data pipeline in makemore_data.py.
"""

import argparse
import importlib.util
import os
import resource
import signal
import sys
import time
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F
from lecture import MLP, TRAINING_STEPS, check_gradients, lecture_parameters
from makemore_data import DEFAULT_DATA, UsageError, build_dataset, build_vocab, read_words, split_words
from makemore_files import check_writable, load_model, save_model, save_run

# Evaluation goes through the data in chunks of this many examples, so that memory
# stays small: the whole training set at once makes arrays of 182,625 x 200 floats.
EVAL_CHUNK = 8192
# the running-average loss on the progress bar is the mean of this many steps
AVERAGE_OVER = 100
# the lecture's generator seed: g = torch.Generator().manual_seed(2147483647)
LECTURE_SEED = 2147483647


# ----- training, evaluation, sampling -----

def compiled_step(model, optimizer):
    """The engine's training step, as for eager mode, compiled by mg.compile: traced on its
    first call, then run as generated numpy code (it reads optimizer.lr when it runs)."""
    def training_step(Xb, Yb):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(Xb), Yb)
        loss.backward()
        optimizer.step()
        return loss

    return mg.compile(training_step)


def train(model, Xtr, Ytr, steps, batch_size, backward="engine", seed=42, lr_decay_step=None, progress=None,
          losses=None, generator=None, compiled=False):
    """SGD as in the lecture: lr 0.1 for the first half of the steps, then 0.01. The
    batches come from ``generator`` (a ``mg.Generator``: the lecture's torch.randint), or
    else from a numpy generator seeded with ``seed``, so both backward modes see the same
    ones. ``compiled``: the engine's step through mg.compile. Appends the loss of every
    step to ``losses`` (a new list by default), so that after Ctrl-C it holds the steps
    done; returns it."""
    losses = [] if losses is None else losses
    training_step = TRAINING_STEPS[backward]
    batch_rng = generator or np.random.default_rng(seed)
    params = lecture_parameters(model)
    optimizer = mg.optim.SGD(params.values(), lr=0.1)
    step_compiled = compiled_step(model, optimizer) if compiled else None
    decay_at = steps // 2 if lr_decay_step is None else lr_decay_step
    model.train()
    for step in range(steps):
        ix = mg.randint(0, Xtr.shape[0], (batch_size,), generator=batch_rng).numpy()
        if step_compiled is not None:
            optimizer.lr = 0.1 if step < decay_at else 0.01
            loss = step_compiled(Xtr[ix], Ytr[ix]).item()
        else:
            optimizer.zero_grad()
            loss = training_step(params, model, Xtr[ix], Ytr[ix])
            optimizer.lr = 0.1 if step < decay_at else 0.01
            optimizer.step()
        losses.append(loss)
        if progress is not None:
            progress.update(1)
            if (step + 1) % AVERAGE_OVER == 0 or step + 1 == steps:
                progress.set_postfix_str(f"loss {np.mean(losses[-AVERAGE_OVER:]):.4f}", refresh=False)
    return losses


def _chunks(*arrays):
    for start in range(0, len(arrays[0]), EVAL_CHUNK):
        yield tuple(a[start:start + EVAL_CHUNK] for a in arrays)


@mg.no_grad()
def calibrate_batchnorm(model, Xtr):
    """Set BatchNorm's statistics to the mean and (unbiased) variance over the whole
    training set, as the lecture does after training (two passes, in float64)."""
    total = sum(model.preactivation(Xb).numpy().sum(0, dtype=np.float64) for (Xb,) in _chunks(Xtr))
    mean = total / len(Xtr)
    squares = sum(((model.preactivation(Xb).numpy() - mean) ** 2).sum(0) for (Xb,) in _chunks(Xtr))
    model.batchnorm.running_mean.numpy()[...] = mean
    model.batchnorm.running_var.numpy()[...] = squares / (len(Xtr) - 1)


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
    parser.add_argument("--data", metavar="PATH", default=str(DEFAULT_DATA),
                        help="text file with one name per line; default: makemore's names.txt "
                             "(32,033 names) shipped in examples/data")
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
    parser.add_argument("--compile", action="store_true",
                        help="with --backward engine: trace the training step once and run it as generated numpy "
                             "code (mg.compile); the same losses as without, to float32 rounding")
    parser.add_argument("--seed", type=int, default=42,
                        help="seed of the shuffle, the initialisation, the batches and the samples (default 42)")
    parser.add_argument("--rng", choices=["numpy", "torch"], default="numpy",
                        help="numpy: numpy's random numbers from --seed; torch: PyTorch's random streams with "
                             "the lecture's seeds (2147483647, and 2147483657 for sampling), so that the "
                             "initial weights, the batches and the samples are the notebook's (default numpy)")
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
                        help="write model.npz (for --load), model.safetensors (the weights for torch.nn), "
                             "loss.png and loss.svg (the loss curve) and metrics.json "
                             "(the run's figures) here; after Ctrl-C, the model trained so far")
    args = parser.parse_args(argv)
    try:
        check_values(args)
    except UsageError as error:
        parser.error(str(error))
    return args


def check_values(args):
    """Every value that cannot work, before anything is read or trained."""
    for name in ("block_size", "n_embd", "n_hidden"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.batch_size < 2:
        raise UsageError(f"--batch-size must be at least 2 (BatchNorm's variance needs two examples), "
                         f"got {args.batch_size}")
    for name in ("steps", "samples", "seed"):
        if getattr(args, name) < 0:
            raise UsageError(f"--{name} cannot be negative, got {getattr(args, name)}")
    if args.graph and args.check:
        raise UsageError("--graph and --check are separate runs; give one of them")
    if args.compile and args.backward != "engine":
        raise UsageError("--compile compiles the engine's step (loss.backward()); --backward manual has none")
    if args.graph and not args.graph.lower().endswith((".svg", ".png")):
        raise UsageError(f"--graph must name an .svg or a .png file, got {args.graph}")
    check_memory(args)
    check_installed(args)
    if args.graph:
        check_writable(Path(args.graph), "--graph", folder=False)
    if args.out:
        check_writable(Path(args.out), "--out", folder=True)


def check_memory(args, vocab_size=256):
    """Refuse sizes whose arrays cannot fit in this machine's memory (counted generously:
    float32 parameters with their gradients, a batch's and an evaluation chunk's
    activations, for up to 256 characters)."""
    fan_in = args.block_size * args.n_embd
    parameters = vocab_size * args.n_embd + (fan_in + 1) * args.n_hidden + (args.n_hidden + 1) * vocab_size
    rows = max(args.batch_size, EVAL_CHUNK)
    activations = rows * (fan_in + 8 * args.n_hidden + 4 * vocab_size)
    needed = 4 * (3 * parameters + 2 * activations)
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed > available:
        raise UsageError(f"these sizes need about {needed / 2 ** 30:,.0f} GiB of memory and this machine has "
                         f"{available / 2 ** 30:,.0f} GiB; make --n-hidden, --n-embd, --block-size or "
                         "--batch-size smaller")


def check_installed(args):
    """The `examples` extra: tqdm shows the progress, matplotlib draws the loss curve,
    safetensors writes model.safetensors."""
    needed = ["tqdm"] if args.steps and not (args.check or args.graph) else []
    needed += ["matplotlib", "safetensors"] if args.out else []
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"this run needs {' and '.join(missing)}: pip install -e \".[examples]\"")


def peak_memory_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Run:
    """One run of the program; what it has trained so far stays readable after Ctrl-C."""

    def __init__(self, args, out=sys.stdout, err=sys.stderr):
        self.args, self.out, self.err = args, out, err
        self.model = self.vocab = None
        self.losses = []
        # one generator for the initialisation and then the batches, as in the lecture
        self.generator = (mg.Generator().manual_seed(LECTURE_SEED) if args.rng == "torch"
                          else np.random.default_rng(args.seed))

    def config(self):
        return {"block_size": self.args.block_size, "n_embd": self.args.n_embd, "n_hidden": self.args.n_hidden}

    def prepare(self):
        """The model (new or loaded) and the train/val/test sets."""
        args = self.args
        words = read_words(args.data)
        if args.load:
            self.model, self.vocab, config = load_model(args.load)
            args.block_size, args.n_embd, args.n_hidden = config["block_size"], config["n_embd"], config["n_hidden"]
        else:
            self.vocab = build_vocab(words)
            self.model = MLP(len(self.vocab), args.block_size, args.n_embd, args.n_hidden, generator=self.generator)
        stoi = {ch: i for i, ch in enumerate(self.vocab)}
        splits = [build_dataset(part, stoi, args.block_size) for part in split_words(words, args.seed)]
        (Xtr, _), (Xva, _), (Xte, _) = splits
        print(f"{len(words)} names, vocabulary of {len(self.vocab)}, {Xtr.shape[0]}/{Xva.shape[0]}/{Xte.shape[0]} "
              f"train/val/test examples; {sum(p.numel() for p in self.model.parameters())} parameters",
              file=self.out, flush=True)
        return splits

    def run(self):
        """The whole program; returns the figures of the run."""
        splits = self.prepare()
        (Xtr, Ytr), (Xva, Yva), (Xte, Yte) = splits
        # --check and --graph look at one batch
        ix = np.random.default_rng(self.args.seed).integers(0, Xtr.shape[0], self.args.batch_size)
        if self.args.check:
            rows = check_gradients(self.model, Xtr[ix], Ytr[ix])
            print("\n".join(str(row) for row in rows), file=self.out)
            return {"check": [row._asdict() for row in rows]}
        if self.args.graph:
            return self.draw(Xtr[ix], Ytr[ix])
        seconds = self.train(Xtr, Ytr)
        if self.losses:  # with --rng torch, the notebook's own first loss
            print(f"loss at the first step {self.losses[0]:.4f}", file=self.out)
        calibrate_batchnorm(self.model, Xtr)
        args = self.args
        figures = {"steps": args.steps, "backward": args.backward, "compile": args.compile,
                   "train_seconds": round(seconds, 2),
                   "first_loss": self.losses[0] if self.losses else None, "rng": args.rng,
                   "us_per_step": round(1e6 * seconds / args.steps, 1) if args.steps else None,
                   "train_loss": evaluate(self.model, Xtr, Ytr), "val_loss": evaluate(self.model, Xva, Yva),
                   "test_loss": evaluate(self.model, Xte, Yte)}
        print(f"train {figures['train_loss']:.4f}  val {figures['val_loss']:.4f}  test {figures['test_loss']:.4f}"
              f"  ({seconds:.1f} s of training)", file=self.out)
        sampler = (mg.Generator().manual_seed(LECTURE_SEED + 10) if args.rng == "torch"
                   else np.random.default_rng(args.seed + 10))
        figures["samples"] = sample(self.model, self.vocab, args.block_size, args.samples, sampler)
        print("\n".join(figures["samples"]), file=self.out)
        figures["peak_memory_mb"] = round(peak_memory_mb(), 1)
        if args.out:
            written = save_run(args.out, self.model, self.vocab, self.config(), self.losses, figures)
            print(f"wrote {', '.join(written)} to {args.out}", file=self.out)
        return figures

    def train(self, Xtr, Ytr):
        args = self.args
        from tqdm.auto import tqdm  # a widget in Jupyter, a text bar elsewhere

        start = time.perf_counter()
        with tqdm(total=args.steps, unit="step", file=self.err, disable=not args.steps, dynamic_ncols=True) as bar:
            train(self.model, Xtr, Ytr, args.steps, args.batch_size, args.backward, args.seed,
                  progress=bar, losses=self.losses,
                  generator=self.generator if args.rng == "torch" else None, compiled=args.compile)
        return time.perf_counter() - start

    def draw(self, Xb, Yb):
        loss = F.cross_entropy(self.model(Xb), Yb)
        loss.backward()  # the graph's structure stays: the drawing shows it, with the gradients
        names = {**lecture_parameters(self.model), "Xb": Xb, "Yb": Yb, "loss": loss}
        try:
            mg.save_graph(loss, self.args.graph, names=names, show_grad=True)
        except (OSError, mg.drawing.RendererNotFound) as error:
            raise UsageError(f"cannot write the graph to {self.args.graph}: {error}") from None
        print(f"wrote the graph of one training step to {self.args.graph}", file=self.out)
        return {"graph": self.args.graph}

    def interrupted(self):
        """The one line after Ctrl-C; with --out, the model trained so far saved first."""
        where = f"interrupted after {len(self.losses)} of {self.args.steps} training steps"
        if self.model is None or self.args.check or self.args.graph:
            return "interrupted before training; nothing saved"
        if not self.losses:
            return f"{where}; nothing trained, nothing saved"
        if not self.args.out:
            return f"{where}; nothing saved (give --out DIR to keep the model)"
        # a second Ctrl-C while saving must not leave half a file: save_model writes atomically
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        path = save_model(self.model, self.vocab, self.config(), self.args.out)
        return f"{where}; saved the model trained so far to {path}"


def run(args, out=sys.stdout, err=sys.stderr):
    """The whole program; returns the figures of the run."""
    return Run(args, out, err).run()


def main(argv=None):
    run_ = Run(parse_args(argv))
    try:
        run_.run()
    except UsageError as error:
        sys.stderr.write(f"makemore.py: error: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"makemore.py: {run_.interrupted()}\n")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
