"""examples/makemore.py: the lecture's data pipeline, a short training run whose loss
falls, the engine's backward against the hand-derived one (per step over 1,000 steps,
per gradient in --check), the files of a run, and sampling; the command line run as a
user runs it is in test_makemore_cli.py."""

import io
import json
import math
import random
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

import lecture
import makemore
import minigrad as mg

ROOT = Path(__file__).resolve().parents[1]
NAMES = ROOT / "examples" / "data" / "names.txt"  # makemore's names.txt, 32,033 names, shipped

INTERMEDIATES = ["emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw",
                 "hpreact", "h", "logits", "logit_maxes", "norm_logits", "counts", "counts_sum",
                 "counts_sum_inv", "probs", "logprobs"]
PARAMETERS = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]


@pytest.fixture(scope="module")
def mm():
    return makemore


@pytest.fixture(scope="module")
def words(mm):
    return mm.read_words(NAMES)


@pytest.fixture(scope="module")
def data(mm, words):
    """The lecture's vocabulary and train/val/test sets (block size 3, seed 42)."""
    vocab = mm.build_vocab(words)
    stoi = {ch: i for i, ch in enumerate(vocab)}
    splits = [mm.build_dataset(part, stoi, 3) for part in mm.split_words(words, 42)]
    return vocab, splits


@pytest.fixture
def float64():
    mg.set_default_dtype(mg.float64)
    try:
        yield
    finally:
        mg.set_default_dtype(mg.float32)


def run_cli(mm, *argv):
    """run(parse_args(argv)) in this process; the figures and what it printed."""
    out = io.StringIO()
    figures = mm.run(mm.parse_args([str(a) for a in argv]), out=out)
    return figures, out.getvalue()


@pytest.fixture(scope="module")
def trained(mm, tmp_path_factory):
    """A run with the default model sizes for 300 steps, saved with --out."""
    directory = tmp_path_factory.mktemp("run")
    figures, printed = run_cli(mm, "--data", NAMES, "--steps", 300, "--samples", 3, "--out", directory)
    return directory, figures, printed


# ----- data, as the lecture builds it -----

def test_vocabulary_is_dot_then_sorted_characters(mm, words):
    assert len(words) == 32033
    vocab = mm.build_vocab(words)
    assert vocab == ["."] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    assert mm.build_vocab(["bob", "ada"]) == [".", "a", "b", "d", "o"]


def test_dataset_of_emma(mm, words):
    stoi = {ch: i for i, ch in enumerate(mm.build_vocab(words))}
    X, Y = mm.build_dataset(["emma"], stoi, 3)
    e, m, a = stoi["e"], stoi["m"], stoi["a"]
    # ... -> e, ..e -> m, .em -> m, emm -> a, mma -> .
    assert X.tolist() == [[0, 0, 0], [0, 0, e], [0, e, m], [e, m, m], [m, m, a]]
    assert Y.tolist() == [e, m, m, a, 0]
    assert X.dtype == np.int64 and Y.dtype == np.int64
    X1, Y1 = mm.build_dataset(["emma"], stoi, 1)
    assert X1.tolist() == [[0], [e], [m], [m], [a]] and Y1.tolist() == Y.tolist()


@pytest.mark.parametrize("block_size", [1, 3, 5])
def test_dataset_shapes(mm, words, block_size):
    stoi = {ch: i for i, ch in enumerate(mm.build_vocab(words))}
    X, Y = mm.build_dataset(words, stoi, block_size)
    examples = sum(len(w) + 1 for w in words)
    assert X.shape == (examples, block_size) and Y.shape == (examples,)
    assert X.min() == 0 and X.max() == 26 and Y.max() == 26


def test_split_is_the_lectures(mm, words, data):
    train, val, test = mm.split_words(words, 42)
    assert (len(train), len(val), len(test)) == (25626, 3203, 3204)  # 80/10/10
    assert sorted(train + val + test) == sorted(words)
    lecture = list(words)
    random.seed(42)  # the lecture: random.seed(42); random.shuffle(words)
    random.shuffle(lecture)
    assert train + val + test == lecture
    # the lecture's tensors: Xtr (182625, 3), Xdev (22655, 3), Xte (22866, 3)
    assert [X.shape for X, _ in data[1]] == [(182625, 3), (22655, 3), (22866, 3)]


def test_split_is_deterministic_for_a_seed(mm, words):
    copy = list(words)
    assert mm.split_words(words, 7) == mm.split_words(words, 7)
    assert mm.split_words(words, 7)[0] != mm.split_words(words, 8)[0]
    assert words == copy  # the caller's list is not shuffled
    train, val, test = mm.split_words([f"name{chr(97 + i)}" for i in range(20)], 0)
    assert (len(train), len(val), len(test)) == (16, 2, 2)


def test_read_words_and_its_errors(mm, tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("  emma \n\nolivia\n\n")
    assert mm.read_words(path) == ["emma", "olivia"]
    for content, message in (("\n \n", "empty"), ("emma\nan.na\n", "'.'")):
        path.write_text(content)
        with pytest.raises(mm.UsageError, match=message):
            mm.read_words(path)
    with pytest.raises(mm.UsageError, match="not found"):
        mm.read_words(tmp_path / "missing.txt")
    with pytest.raises(mm.UsageError, match="at least 10"):
        mm.split_words(["ab"] * 9, 0)
    with pytest.raises(mm.UsageError, match="'-'"):
        mm.build_dataset(["a-b"], {".": 0, "a": 1, "b": 2}, 3)


def test_the_default_data_is_the_shipped_names_txt_with_its_licence(mm):
    assert Path(mm.parse_args([]).data) == NAMES
    assert "MIT License" in (NAMES.parent / "names.LICENSE").read_text()


# ----- training -----

@pytest.mark.parametrize("backward", ["engine", "manual"])
def test_a_short_run_learns(mm, data, backward):
    vocab, [(Xtr, Ytr), (Xva, Yva), _] = data
    model = mm.MLP(len(vocab), 3, 10, 64, generator=np.random.default_rng(0))
    losses = mm.train(model, Xtr, Ytr, 400, 32, backward, seed=0)
    assert len(losses) == 400 and all(math.isfinite(loss) for loss in losses)
    first, last = np.mean(losses[:50]), np.mean(losses[-50:])
    assert last < first - 0.4, (first, last)
    mm.calibrate_batchnorm(model, Xtr)
    assert mm.evaluate(model, Xva, Yva) < math.log(27) - 0.3  # better than guessing uniformly


def test_the_compiled_step_trains_as_the_engine_does(mm, data):
    vocab, [(Xtr, Ytr), _, _] = data
    losses, params = {}, {}
    for compiled in (False, True):
        model = mm.MLP(len(vocab), generator=np.random.default_rng(42))
        losses[compiled] = mm.train(model, Xtr, Ytr, 300, 32, seed=42, lr_decay_step=150, compiled=compiled)
        params[compiled] = {name: p.numpy().copy() for name, p in mm.lecture_parameters(model).items()}
    np.testing.assert_allclose(losses[True], losses[False], rtol=1e-5)
    for name in PARAMETERS:
        np.testing.assert_allclose(params[True][name], params[False][name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_engine_and_manual_backward_agree_over_1000_steps(mm, data):
    vocab, [(Xtr, Ytr), _, _] = data
    losses = {}
    params = {}
    for backward in ("engine", "manual"):
        model = mm.MLP(len(vocab), generator=np.random.default_rng(42))  # the default sizes
        assert sum(p.numel() for p in model.parameters()) == 12297  # as in the lecture
        losses[backward] = np.array(mm.train(model, Xtr, Ytr, 1000, 32, backward, seed=42))
        params[backward] = {name: p.numpy().copy() for name, p in mm.lecture_parameters(model).items()}
    assert losses["engine"].shape == (1000,)
    np.testing.assert_allclose(losses["manual"], losses["engine"], rtol=0, atol=1e-4)
    assert losses["engine"][-50:].mean() < losses["engine"][:50].mean() - 0.5
    for name in PARAMETERS:
        np.testing.assert_allclose(params["manual"][name], params["engine"][name], rtol=0, atol=1e-3, err_msg=name)


@pytest.mark.parametrize("dtype, tolerance", [("float32", dict(rtol=1e-4, atol=1e-6)),
                                              ("float64", dict(rtol=1e-9, atol=1e-12))])
def test_manual_gradients_equal_the_engines(mm, data, dtype, tolerance):
    vocab, [(Xtr, Ytr), _, _] = data
    mg.set_default_dtype(getattr(mg, dtype))
    try:
        model = mm.MLP(len(vocab), generator=np.random.default_rng(1))
        params = mm.lecture_parameters(model)
        assert params["W1"].dtype == getattr(mg, dtype)
        ix = np.random.default_rng(2).integers(0, Xtr.shape[0], 32)
        engine_loss = lecture.engine_step(params, model, Xtr[ix], Ytr[ix])
        manual_loss, grads = lecture.manual_gradients(params, Xtr[ix], Ytr[ix])
    finally:
        mg.set_default_dtype(mg.float32)
    assert set(grads) == set(PARAMETERS)
    assert manual_loss == pytest.approx(engine_loss, rel=tolerance["rtol"])
    for name, p in params.items():
        assert grads[name].shape == p.shape
        assert np.abs(p.grad.numpy()).max() > 0, name
        np.testing.assert_allclose(grads[name], p.grad.numpy(), **tolerance, err_msg=name)


def test_check_reports_every_gradient_approximately_equal(mm):
    figures, printed = run_cli(mm, "--data", NAMES, "--check")
    rows = figures["check"]
    assert [row["name"] for row in rows] == INTERMEDIATES[::-1] + PARAMETERS
    for row in rows:
        assert row["problem"] is None, row
        assert row["approximate"] is True, row
        assert row["max_diff"] < 1e-5, row
    lines = printed.splitlines()
    for row in rows:
        matching = [line for line in lines if line.split("|")[0].strip() == row["name"]]
        assert len(matching) == 1, row["name"]
        assert str(row["shape"]) in matching[0] and "approximate: True" in matching[0]
    assert "approximate: False" not in printed


def test_check_gradients_in_float64_are_tight(mm, data, float64):
    vocab, [(Xtr, Ytr), _, _] = data
    model = mm.MLP(len(vocab), generator=np.random.default_rng(3))
    ix = np.random.default_rng(4).integers(0, Xtr.shape[0], 32)
    rows = mm.check_gradients(model, Xtr[ix], Ytr[ix])
    assert len(rows) == len(INTERMEDIATES) + len(PARAMETERS)
    assert all(row.approximate and row.max_diff < 1e-12 for row in rows), [str(r) for r in rows]


# ----- a run's files, loading, sampling -----

def test_run_writes_model_loss_curve_and_metrics(trained):
    directory, figures, printed = trained
    assert sorted(p.name for p in directory.iterdir()) == ["loss.png", "loss.svg", "metrics.json", "model.npz",
                                                          "model.safetensors"]
    root = ElementTree.parse(directory / "loss.svg").getroot()
    assert root.tag.endswith("svg")
    assert root.findall(".//{http://www.w3.org/2000/svg}path")  # matplotlib's axes, ticks and curve
    assert (directory / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    metrics = json.loads((directory / "metrics.json").read_text())
    for key in ("train_loss", "val_loss", "test_loss"):
        assert metrics[key] == figures[key]
        assert 1.5 < metrics[key] < math.log(27) - 0.3, (key, metrics[key])  # it learnt something
    assert metrics["steps"] == 300
    assert len(metrics["samples"]) == 3 and metrics["samples"] == figures["samples"]
    assert all(isinstance(s, str) and set(s) <= set("abcdefghijklmnopqrstuvwxyz") for s in metrics["samples"])
    assert f"val {figures['val_loss']:.4f}" in printed
    assert all(s in printed.splitlines() for s in figures["samples"])


def test_the_pages_full_run_shows_the_lines_every_run_prints(trained):
    # docs/makemore.md's run of 200,000 steps: its first two lines (the data, the loss of the
    # first batch before any update) and its last (the files written) are those of any run
    directory, _, printed = trained
    page = (ROOT / "docs" / "makemore.md").read_text()
    shown = page.split("python examples/makemore.py --out run")[1].split("```text\n")[1].split("```")[0].splitlines()
    lines = printed.splitlines()
    assert shown[:2] == lines[:2]
    assert shown[-1] == lines[-1].replace(str(directory), "run")


def test_loading_the_model_reproduces_its_figures(mm, trained):
    directory, figures, _ = trained
    loaded, _ = run_cli(mm, "--data", NAMES, "--load", directory / "model.npz", "--steps", 0, "--samples", 3)
    for key in ("train_loss", "val_loss", "test_loss"):
        assert loaded[key] == pytest.approx(figures[key], rel=1e-6, abs=0)  # bit-identical here
    assert loaded["samples"] == figures["samples"]


def test_load_model_restores_the_sizes_and_vocabulary(mm, trained):
    directory, _, _ = trained
    model, vocab, config = mm.load_model(directory / "model.npz")
    assert vocab == ["."] + list("abcdefghijklmnopqrstuvwxyz")
    assert config == {"block_size": 3, "n_embd": 10, "n_hidden": 200}
    assert model.embedding.weight.shape == (27, 10) and model.output.weight.shape == (27, 200)


def test_sampling_is_reproducible_and_made_of_the_vocabulary(mm, trained):
    directory, _, _ = trained
    model, vocab, config = mm.load_model(directory / "model.npz")
    grad_enabled = []
    forward = model.forward

    def recording_forward(*args):
        grad_enabled.append(mg.is_grad_enabled())
        return forward(*args)

    model.forward = recording_forward
    model.train()
    first = mm.sample(model, vocab, config["block_size"], 8, np.random.default_rng(5))
    second = mm.sample(model, vocab, config["block_size"], 8, np.random.default_rng(5))
    other = mm.sample(model, vocab, config["block_size"], 8, np.random.default_rng(6))
    assert first == second and first != other
    assert len(first) == 8 and all(isinstance(name, str) for name in first)
    assert all(set(name) <= set(vocab[1:]) for name in first + other)
    assert all(len(name) <= 50 for name in first + other)
    assert grad_enabled and not any(grad_enabled)  # under no_grad
    assert mg.is_grad_enabled()  # and it is restored
    assert not model.training  # eval mode: BatchNorm's running statistics for one context at a time


def test_run_without_data_uses_the_shipped_names(mm):
    figures, printed = run_cli(mm, "--steps", 20, "--n-hidden", 16, "--samples", 2)
    assert printed.startswith("32033 names, vocabulary of 27")
    assert len(figures["samples"]) == 2 and math.isfinite(figures["val_loss"])


def test_progress_bar_shows_the_running_loss(mm):
    err = io.StringIO()
    mm.run(mm.parse_args(["--data", str(NAMES), "--steps", "30", "--n-hidden", "16", "--samples", "0"]),
           out=io.StringIO(), err=err)
    last = err.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert "30/30" in last and "loss " in last and "step/s" in last  # tqdm: steps, rate, running loss
