"""What a makemore.py run reads and writes: the model file, the loss curve and the
figures. Every file is written to a temporary name beside it and renamed over it, so
an interrupted run never leaves half a file."""

import json
import os
import tempfile
import uuid
from pathlib import Path

import numpy as np

import minigrad as mg
from lecture import MLP
from makemore_data import UsageError

__all__ = ["check_sizes", "check_writable", "load_model", "plot_losses", "save_model", "save_run"]

# the lecture averages the loss curve over this many steps
AVERAGE_STEPS = 1000


def check_writable(path, flag, folder):
    """Raise UsageError unless a file can be written at ``path`` (``folder=False``) or in
    the folder ``path``, made if missing (``folder=True``): checked before training."""
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path} is a file; {flag} names a folder to write in")
    if not folder and path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; {flag} names the file to write")
    where = path if folder else path.parent
    while folder and not where.exists() and where != where.parent:
        where = where.parent  # the folder will be made in its nearest existing parent
    try:
        # creating a file proves it: permission bits say nothing to root or on a read-only disk
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as error:
        raise UsageError(f"{flag} {path}: cannot write in {where}: {error.strerror or error}") from None


def write_atomically(path, write):
    """Call ``write(temporary_path)``, then rename the temporary file over ``path``."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask sets the mode
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_model(model, vocab, config, folder):
    """The state dict, the vocabulary and the sizes in ``folder``/model.npz, which --load
    reads, and the state dict alone in ``folder``/model.safetensors, which a torch.nn
    model of the same architecture loads (docs/pytorch.md); mg.save writes atomically.
    Returns the path of model.npz."""
    os.makedirs(folder, exist_ok=True)
    state = dict(model.state_dict())
    mg.save(state, os.path.join(folder, "model.safetensors"))
    state.update({"vocab": np.array(vocab), **{f"config.{k}": np.int64(v) for k, v in config.items()}})
    path = os.path.join(folder, "model.npz")
    mg.save(state, path)
    return path


def load_model(path):
    """A model saved by save_model, with its vocabulary and sizes; the sizes are checked
    against the weights in the file before a model of those sizes is made."""
    try:
        state = mg.load(path)
    except FileNotFoundError:
        raise UsageError(f"model file not found: {path}") from None
    except (OSError, mg.SerializationError) as error:
        raise UsageError(f"cannot load a model from {path}: {error}") from None
    if not isinstance(state, dict) or "vocab" not in state:
        also = "; model.safetensors holds the weights alone, --load takes model.npz" if isinstance(state, dict) else ""
        raise UsageError(f"{path} is not a model saved by makemore.py (it has no vocabulary{also})")
    try:
        vocab = [str(ch) for ch in np.atleast_1d(state.pop("vocab"))]
        config = {key.split(".", 1)[1]: int(state.pop(key).item()) for key in list(state) if key.startswith("config.")}
        check_sizes(state, len(vocab), config)
        model = MLP(len(vocab), config["block_size"], config["n_embd"], config["n_hidden"])
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise UsageError(f"{path} does not hold a makemore.py model: {error}") from None
    return model, vocab, config


def check_sizes(state, vocab_size, config):
    """Raise ValueError unless the sizes in ``config`` are those of the weights in ``state``:
    a file that declares n_hidden 10**12 beside weights for 200 makes no model of its size."""
    sizes = {name: config[name] for name in ("block_size", "n_embd", "n_hidden")}
    if min(sizes.values()) < 1:
        raise ValueError(f"its sizes must be at least 1, got {sizes}")
    # these three matrices fix every size of the lecture's MLP
    expected = {"embedding.weight": (vocab_size, sizes["n_embd"]),
                "hidden.weight": (sizes["n_hidden"], sizes["n_embd"] * sizes["block_size"]),
                "output.weight": (vocab_size, sizes["n_hidden"])}
    for name, shape in expected.items():
        if tuple(state[name].shape) != shape:
            raise ValueError(f"its sizes {sizes} make {name} {shape}, but the file holds {tuple(state[name].shape)}")


def plot_losses(losses, paths):
    """The training loss, averaged over blocks of steps as in the lecture, on a log
    scale, drawn by matplotlib to each of ``paths`` (PNG or SVG by the extension)."""
    from matplotlib.figure import Figure  # no pyplot: no window, no global state
    from matplotlib.ticker import FormatStrFormatter

    values = np.asarray(losses, dtype=np.float64)
    block = AVERAGE_STEPS if len(values) >= 10 * AVERAGE_STEPS else max(1, len(values) // 10)
    means = values[: len(values) // block * block].reshape(-1, block).mean(1)
    figure = Figure(figsize=(8, 4), layout="constrained")
    axes = figure.add_subplot()
    axes.plot((np.arange(len(means)) + 1) * block, means)
    axes.set_yscale("log")
    for axis in (axes.yaxis.set_major_formatter, axes.yaxis.set_minor_formatter):
        axis(FormatStrFormatter("%.2f"))  # 2.10, not 2.1 x 10^0
    axes.set_xlabel("training step")
    axes.set_ylabel(f"training loss, mean of {block} steps")
    axes.grid(True, which="both", alpha=0.3)
    for path in paths:
        fmt = Path(path).suffix[1:]
        # no date in the metadata: the same run gives the same file
        metadata = {"Date": None} if fmt == "svg" else {}
        write_atomically(path, lambda temporary: figure.savefig(temporary, format=fmt, metadata=metadata, dpi=100))


def save_run(folder, model, vocab, config, losses, figures):
    """model.npz and model.safetensors, loss.png and loss.svg (when there was training) and
    metrics.json in ``folder``; returns the names written."""
    save_model(model, vocab, config, folder)
    written = ["model.npz", "model.safetensors"]
    if losses:
        plot_losses(losses, [os.path.join(folder, "loss.png"), os.path.join(folder, "loss.svg")])
        written += ["loss.png", "loss.svg"]

    def write_metrics(temporary):
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(figures, file, indent=2)

    write_atomically(os.path.join(folder, "metrics.json"), write_metrics)
    return written + ["metrics.json"]
