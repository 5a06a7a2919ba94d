"""The makemore repository's makemore.py, in a short script of its idioms
(tests/makemore_repo_code.py): each of its six models trains a few steps through a
DataLoader over RandomSampler(replacement=True), evaluates, saves and loads its state dict
and samples, on minigrad and on PyTorch; the batches, the losses step by step (1e-4
relative), the test loss and the samples are the same."""

import numpy as np
import pytest

import makemore_data
import minigrad
from helpers import requires_torch, torch
from makemore_repo_code import MODEL_TYPES, models, train
from minigrad.utils.tensorboard import SummaryWriter


@pytest.fixture(scope="module")
def words():
    return makemore_data.read_words()[:300]


def run(torch_like, writer, kind, words, work_dir):
    return train(models(torch_like, writer), kind, words, str(work_dir))


@requires_torch
@pytest.mark.parametrize("kind", MODEL_TYPES)
def test_each_model_trains_as_on_pytorch(kind, words, tmp_path):
    tensorboardX = pytest.importorskip("tensorboardX")  # torch.utils.tensorboard needs tensorboard itself
    (tmp_path / "mg").mkdir(), (tmp_path / "torch").mkdir()
    mine = run(minigrad, SummaryWriter, kind, words, tmp_path / "mg")
    theirs = run(torch, tensorboardX.SummaryWriter, kind, words, tmp_path / "torch")
    assert mine["batches"] == theirs["batches"]
    np.testing.assert_allclose(mine["losses"], theirs["losses"], rtol=1e-4)
    np.testing.assert_allclose(mine["test loss"], theirs["test loss"], rtol=1e-4)
    assert mine["samples"] == theirs["samples"] and mine["greedy"] == theirs["greedy"]


@pytest.mark.parametrize("kind", ["bigram", "gru", "transformer"])
def test_each_model_learns_and_samples_without_pytorch(kind, words, tmp_path):
    pytest.importorskip("tensorboardX")
    out = train(models(minigrad, SummaryWriter), kind, words, str(tmp_path), steps=8)
    assert out["losses"][-1] < out["losses"][0] and np.isfinite(out["test loss"])
    assert len(out["samples"]) == 3 and all(row[0] == 0 for row in out["samples"])
    assert (tmp_path / "model.pt").exists() and list(tmp_path.glob("events.out.tfevents.*"))
