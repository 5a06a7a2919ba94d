"""examples/makemore.py run as a user runs it, in a new process: --help, every mistake
in one line with exit status 2 before any training, and Ctrl-C that stops with status
130, saving the model trained so far with --out."""

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import makemore
import minigrad as mg
from helpers import torch

ROOT = Path(__file__).resolve().parents[1]
MAKEMORE = ROOT / "examples" / "makemore.py"
NAMES = ROOT / "examples" / "data" / "names.txt"
# the script imports this checkout's minigrad, installed or not
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
FLAGS = ["--data", "--steps", "--batch-size", "--block-size", "--n-embd", "--n-hidden", "--backward", "--compile",
         "--seed", "--samples", "--check", "--graph", "--load", "--out"]


@pytest.fixture(scope="module")
def mm():
    return makemore


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small model saved with --out: the vocabulary of names.txt."""
    directory = tmp_path_factory.mktemp("run")
    makemore.run(makemore.parse_args(["--steps", "20", "--n-hidden", "16", "--samples", "0", "--out",
                                      str(directory)]), out=io.StringIO(), err=io.StringIO())
    return (directory,)


# ----- the command line -----

def test_help_explains_every_flag(mm, monkeypatch, capsys):
    parsers = []
    parse = argparse.ArgumentParser.parse_args

    def recording_parse(self, *args, **kwargs):
        parsers.append(self)
        return parse(self, *args, **kwargs)

    monkeypatch.setattr(mm.Parser, "parse_args", recording_parse)
    with pytest.raises(SystemExit) as exit_info:
        mm.parse_args(["--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    options = [action for action in parsers[0]._actions if action.option_strings != ["-h", "--help"]]
    flags = [action.option_strings[-1] for action in options]
    assert set(FLAGS) <= set(flags)
    for action in options:
        assert action.help, f"{action.option_strings} has no help text"
        assert action.option_strings[-1] in printed

    result = script("--help")
    assert result.returncode == 0, result.stderr
    assert all(flag in result.stdout for flag in flags)


def script(*argv, timeout=120):
    """examples/makemore.py run as a user runs it, in a new process."""
    return subprocess.run([sys.executable, str(MAKEMORE), *map(str, argv)], capture_output=True, text=True,
                          cwd=ROOT, env=ENV, timeout=timeout)


def torch_file(path):
    torch.save({"weight": torch.ones(2)}, path)


def torch_like_file(path):
    # what torch.save writes (a zip of a pickle and raw storages), for machines without torch
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("archive/data/0", b"\x00" * 8)


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory, trained):
    directory = tmp_path_factory.mktemp("bad")
    ok = [f"name{c}" for c in "abcdefghijkl"]
    (directory / "empty.txt").write_text("\n  \n")
    (directory / "accent.txt").write_text("\n".join(ok + ["zoë"]) + "\n", encoding="utf-8")
    (directory / "dash.txt").write_text("\n".join(ok + ["a-b"]) + "\n")
    (directory / "empty.npz").write_bytes(b"")
    model = (trained[0] / "model.npz").read_bytes()
    (directory / "truncated.npz").write_bytes(model[: len(model) // 2])
    (torch_file if torch is not None else torch_like_file)(directory / "weights.pt")
    state = mg.load(trained[0] / "model.npz")
    mg.save({**state, "config.n_hidden": np.int64(10 ** 12)}, directory / "huge.npz")
    (directory / "a file").write_text("not a folder")
    return directory


CLI_ERRORS = [
    pytest.param(lambda d, model: ["--data", d / "missing.txt"], "missing.txt", id="missing data file"),
    pytest.param(lambda d, model: ["--data", d / "empty.txt"], "empty", id="empty data file"),
    pytest.param(lambda d, model: ["--block-size", "0"], "--block-size", id="block size 0"),
    pytest.param(lambda d, model: ["--batch-size", "1"], "--batch-size", id="batch size 1"),
    pytest.param(lambda d, model: ["--seed", "-1"], "--seed", id="negative seed"),
    pytest.param(lambda d, model: ["--n-hidden", "10000000000"], "memory", id="a model too big for memory"),
    pytest.param(lambda d, model: ["--batch-size", "100000000000"], "memory", id="a batch too big for memory"),
    pytest.param(lambda d, model: ["--frobnicate"], "--frobnicate", id="unknown flag"),
    pytest.param(lambda d, model: ["--backward", "magic"], "--backward", id="unknown backward"),
    pytest.param(lambda d, model: ["--steps", "many"], "--steps", id="not a number"),
    pytest.param(lambda d, model: ["--compile", "--backward", "manual"], "--compile", id="--compile of the manual backward"),
    pytest.param(lambda d, model: ["--out", d / "a file"], "is a file", id="--out names a file"),
    pytest.param(lambda d, model: ["--out", d / "a file" / "run"], "cannot write", id="--out cannot be made"),
    pytest.param(lambda d, model: ["--graph", d / "no such folder" / "step.svg"], "cannot write",
                 id="--graph in a missing folder"),
    pytest.param(lambda d, model: ["--graph", d / "a folder.svg"], "is a folder", id="--graph names a folder"),
    pytest.param(lambda d, model: ["--graph", d / "step.pdf"], ".svg or a .png", id="--graph of another format"),
    pytest.param(lambda d, model: ["--data", d / "accent.txt", "--load", model, "--steps", "0"], "'ë'",
                 id="character outside the vocabulary: accent"),
    pytest.param(lambda d, model: ["--data", d / "dash.txt", "--load", model, "--steps", "0"], "'-'",
                 id="character outside the vocabulary: dash"),
    pytest.param(lambda d, model: ["--load", d / "nothing.npz", "--steps", "0"], "nothing.npz",
                 id="missing model file"),
    pytest.param(lambda d, model: ["--load", NAMES, "--steps", "0"], "names.txt", id="a text file as the model"),
    pytest.param(lambda d, model: ["--load", d / "empty.npz", "--steps", "0"], "empty.npz", id="an empty .npz"),
    pytest.param(lambda d, model: ["--load", d / "truncated.npz", "--steps", "0"], "truncated.npz",
                 id="a truncated .npz"),
    pytest.param(lambda d, model: ["--load", d / "weights.pt", "--steps", "0"], "safetensors.torch.save_file",
                 id="a torch file"),
    pytest.param(lambda d, model: ["--load", d / "huge.npz", "--steps", "0"], "1000000000000", id="n_hidden 10**12"),
    pytest.param(lambda d, model: ["--load", model.with_suffix(".safetensors"), "--steps", "0"], "model.npz",
                 id="the weights alone"),
]


@pytest.mark.parametrize("make_argv, mentions", CLI_ERRORS)
def test_cli_errors_are_one_line_with_status_2(bad_data, trained, make_argv, mentions):
    (bad_data / "a folder.svg").mkdir(exist_ok=True)
    result = script(*make_argv(bad_data, trained[0] / "model.npz"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "allow_pickle" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("makemore.py: error:"), lines[0]
    assert mentions in lines[0]
    assert not result.stdout  # refused before reading the data, or before training


# ----- Ctrl-C -----

def interrupted_run(*argv):
    """The script training for a long time, sent SIGINT (Ctrl-C) once its progress bar
    shows a step done; its exit status and the lines of its stderr."""
    process = subprocess.Popen([sys.executable, str(MAKEMORE), "--steps", str(10 ** 7), "--n-hidden", "16",
                                *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env=ENV)
    try:
        shown = ""
        while not re.search(r"\b[1-9]\d*/10000000\b", shown):
            char = process.stderr.read(1)
            assert char, f"the script stopped before training: {shown}"
            shown += char
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, (shown + rest).replace("\r", "\n").splitlines()


def check_one_line_at_the_end(lines):
    mine = [line for line in lines if line.startswith("makemore.py:")]
    assert mine == [lines[-1]], lines[-3:]
    assert not any("Traceback" in line or "KeyboardInterrupt" in line for line in lines)
    return int(re.search(r"interrupted after (\d+) of 10000000 training steps", lines[-1]).group(1))


def test_ctrl_c_with_out_saves_the_model_trained_so_far(tmp_path):
    status, lines = interrupted_run("--out", tmp_path / "run")
    assert status == 130
    steps = check_one_line_at_the_end(lines)
    assert steps > 0 and lines[-1].endswith(f"saved the model trained so far to {tmp_path / 'run' / 'model.npz'}")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["model.npz", "model.safetensors"]  # no temporary
    model, vocab, config = makemore.load_model(tmp_path / "run" / "model.npz")
    assert len(vocab) == 27 and config["n_hidden"] == 16


def test_ctrl_c_without_out_says_nothing_was_saved(tmp_path):
    status, lines = interrupted_run()
    assert status == 130
    assert check_one_line_at_the_end(lines) > 0
    assert lines[-1].endswith("nothing saved (give --out DIR to keep the model)")
