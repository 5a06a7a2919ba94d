"""SummaryWriter through tensorboardX: the event files it writes read back with the scalars
logged, 0-d tensors included; a clear error without tensorboardX."""

import struct
import sys

import pytest

import minigrad as mg
from minigrad.utils.tensorboard import SummaryWriter


def scalars(folder):
    """(tag, step, value) of every scalar in the event files of ``folder`` (not its subfolders),
    read with tensorboardX's own protocol buffers: records of a length (8 bytes), its checksum
    (4), the event, and the event's checksum (4)."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    found = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        while data:
            (length,) = struct.unpack("<Q", data[:8])
            event = event_pb2.Event.FromString(data[12:12 + length])
            found += [(value.tag, event.step, value.simple_value) for value in event.summary.value]
            data = data[12 + length + 4:]
    return found


def test_scalars_read_back(tmp_path):
    pytest.importorskip("tensorboardX")
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        for step, loss in enumerate([3.25, 2.5, 2.125]):
            writer.add_scalar("Loss/train", mg.tensor(loss), step)  # a 0-d tensor, as loss.mean() gives
        writer.add_scalar("lr", 0.01, 2)
        writer.add_scalars("Loss", {"train": mg.tensor([1.5]), "test": 1.75}, 3)
        writer.flush()
        assert writer.log_dir == str(tmp_path)
    assert scalars(tmp_path) == [("Loss/train", 0, 3.25), ("Loss/train", 1, 2.5), ("Loss/train", 2, 2.125),
                                 ("lr", 2, pytest.approx(0.01))]
    assert scalars(tmp_path / "Loss" / "train") == [("Loss", 3, 1.5)]
    assert scalars(tmp_path / "Loss" / "test") == [("Loss", 3, 1.75)]


def test_other_methods_are_tensorboardx_s_given_numpy(tmp_path):
    pytest.importorskip("tensorboardX")
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        writer.add_histogram("weights", mg.randn(100), 0)
        writer.add_text("note", "hello", 0)
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 1


def test_a_tensor_of_many_numbers_is_no_scalar(tmp_path):
    pytest.importorskip("tensorboardX")
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=r"add_scalar: 'loss' takes one number, not a tensor of shape \(3,\)"):
            writer.add_scalar("loss", mg.zeros(3), 0)


def test_without_tensorboardx_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # what Python does for a missing package
    with pytest.raises(ImportError, match=r'pip install "minigrad\[logging\]"'):
        SummaryWriter()
