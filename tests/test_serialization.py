"""mg.save / mg.load: a state dict or a tensor written to exactly the path given, in
numpy's .npz format without pickle, and read back identical."""

import os
import pickle
import re
import zipfile

import numpy as np
import pytest

import minigrad as mg
from helpers import torch
from minigrad import nn
from test_makemore_cli import torch_file, torch_like_file


def make_model(seed):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Embedding(27, 4, generator=g), nn.Flatten(), nn.Linear(12, 16, generator=g),
                         nn.BatchNorm1d(16), nn.Tanh(), nn.Linear(16, 27, generator=g))


def test_state_dict_round_trip_gives_identical_arrays_and_outputs(tmp_path):
    model = make_model(0)
    x = np.random.default_rng(1).integers(0, 27, (32, 3))
    model(x)  # running statistics away from 0 and 1
    path = tmp_path / "model.npz"
    mg.save(model.state_dict(), path)
    loaded = mg.load(path)
    state = model.state_dict()
    assert list(loaded) == list(state)
    for name, value in state.items():
        assert isinstance(loaded[name], mg.Tensor)
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy(), err_msg=name)

    fresh = make_model(99)
    assert not np.array_equal(fresh[0].weight.numpy(), model[0].weight.numpy())
    fresh.load_state_dict(loaded)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_single_tensor_round_trip(tmp_path):
    for value in (mg.randn(3, 4), mg.randn(2, dtype=mg.float64), mg.tensor([[1, 2], [3, 4]]),
                  mg.tensor(2.5), mg.tensor([True, False])):
        path = tmp_path / "t.bin"
        mg.save(value, path)
        loaded = mg.load(path)
        assert isinstance(loaded, mg.Tensor)
        assert loaded.dtype == value.dtype and loaded.shape == value.shape
        np.testing.assert_array_equal(loaded.numpy(), value.numpy())


def test_writes_exactly_the_path_given(tmp_path):
    for name in ("model.bin", "weights", "state.npz"):
        directory = tmp_path / name.replace(".", "_")
        directory.mkdir()
        mg.save({"w": mg.ones(2)}, str(directory / name))
        assert os.listdir(directory) == [name]
        np.testing.assert_array_equal(mg.load(str(directory / name))["w"].numpy(), [1.0, 1.0])


def test_the_file_is_an_npz_that_loads_without_pickle(tmp_path):
    path = tmp_path / "model.bin"
    state = make_model(0).state_dict()
    mg.save(state, path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(state)
        for name, value in state.items():
            np.testing.assert_array_equal(archive[name], value.numpy())


def test_text_numbers_and_arrays_round_trip(tmp_path):
    # what makemore.py saves beside the state dict: its vocabulary and sizes
    path = tmp_path / "extra.npz"
    mg.save({"vocab": np.array(list(".abc")), "name": "mlp", "config.n_hidden": np.int64(200),
             "lr": 0.1, "weights": np.arange(3.0)}, path)
    loaded = mg.load(path)
    assert list(loaded["vocab"]) == [".", "a", "b", "c"]
    assert loaded["name"] == "mlp" and isinstance(loaded["name"], str)
    assert loaded["config.n_hidden"].item() == 200
    assert loaded["lr"].item() == 0.1
    np.testing.assert_array_equal(loaded["weights"].numpy(), [0.0, 1.0, 2.0])


@pytest.mark.parametrize("key", ["file", "allow_pickle", "args", "kwds"])
def test_any_string_key_round_trips(tmp_path, key):
    # keys that happen to be the names of numpy.savez's own parameters included
    path = tmp_path / "state.npz"
    mg.save({key: mg.tensor([1.0, 2.0]), "other": mg.tensor([3.0])}, path)
    loaded = mg.load(path)
    assert sorted(loaded) == sorted([key, "other"])
    np.testing.assert_array_equal(loaded[key].numpy(), [1.0, 2.0])


def test_loaded_tensors_are_plain_writable_leaves(tmp_path):
    path = tmp_path / "p.npz"
    mg.save({"w": nn.Parameter(np.ones(2))}, path)
    w = mg.load(path)["w"]
    assert not w.requires_grad
    w.numpy()[0] = 5.0  # writable: can be trained or loaded into
    assert w.numpy()[0] == 5.0


@pytest.mark.parametrize("obj", [
    [mg.ones(2)],
    np.ones(2),
    {1: mg.ones(2)},
    {"w": None},
    {"w": {"nested": mg.ones(2)}},
    {"w": object()},
    {"w": b"bytes"},
    {"w": 1 + 2j},
    {"w": np.ones(2, np.complex64)},
    {"w": np.array(["2020-01-01"], dtype="datetime64[D]")},
    {"w": np.zeros(2, dtype=[("a", np.int8), ("b", np.float32)])},
], ids=["list", "ndarray", "int key", "None value", "nested dict", "object value", "bytes", "complex",
        "complex array", "datetime", "structured"])
def test_bad_objects_are_a_type_error(tmp_path, obj):
    path = tmp_path / "bad.npz"
    with pytest.raises(TypeError, match="save"):
        mg.save(obj, path)
    assert not path.exists()


@pytest.mark.parametrize("key", ["__tensor__", "tensor", "tensor.npy"])
def test_a_dict_of_one_tensor_loads_as_the_dict_it_was_whatever_its_key(tmp_path, key):
    # no key is reserved: a single Tensor is marked in the archive's comment, not by a key
    path = tmp_path / "one.npz"
    mg.save({key: mg.tensor([1.0, 2.0])}, path)
    loaded = mg.load(path)
    assert isinstance(loaded, dict) and list(loaded) == [key]
    np.testing.assert_array_equal(loaded[key].numpy(), [1.0, 2.0])


def test_a_module_itself_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        mg.save(make_model(0), tmp_path / "model.npz")


def test_loading_something_that_save_did_not_write_is_a_serialization_error(tmp_path):
    text = tmp_path / "names.txt"
    text.write_text("emma\nolivia\n")
    with pytest.raises(mg.SerializationError, match="names.txt"):
        mg.load(text)
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as file:
        file.writestr("readme.txt", "not an array")
    with pytest.raises(mg.SerializationError, match="readme"):
        mg.load(archive)
    single = tmp_path / "array.npy"
    np.save(single, np.ones(3))
    with pytest.raises(mg.SerializationError, match="array.npy"):
        mg.load(single)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")
    assert issubclass(mg.SerializationError, ValueError)


def saved(tmp_path):
    path = tmp_path / "model.npz"
    mg.save(make_model(0).state_dict(), path)
    return path, path.read_bytes()


def truncated(data):
    return data[: len(data) // 2]


def bit_flipped(data):
    # a bit in the middle of the first member's array data (past its header)
    flipped = bytearray(data)
    flipped[200] ^= 0x10
    return bytes(flipped)


def without_last_member(data):
    return data.replace(b"PK\x01\x02", b"PK\x01\x03", 1)


def in_directory(field, value):
    """The first member's entry in the zip's central directory with one field set: its
    flag bits (8), compression method (10) or sizes (20 and 24), as a damaged header."""
    def damage(data):
        entry = data.index(b"PK\x01\x02")
        patched = bytearray(data)
        patched[entry + field: entry + field + len(value)] = value
        return bytes(patched)
    return damage


@pytest.mark.parametrize("damage", [truncated, bit_flipped, lambda data: b"", lambda data: data[:30],
                                    without_last_member, in_directory(10, b"\x63"), in_directory(8, b"\x41"),
                                    in_directory(8, b"\x01"), in_directory(10, b"\x0c"),
                                    in_directory(20, b"\xff\xff\xff\x7f"), in_directory(24, b"\xff\xff\xff\x7f")],
                         ids=["truncated", "bit flipped", "empty", "only a header", "broken directory",
                              "unknown compression", "strong encryption", "encrypted", "bzip2",
                              "stores 2 GB", "declares 2 GB"])
def test_a_damaged_file_is_one_clear_error_naming_it(tmp_path, damage):
    path, data = saved(tmp_path)
    path.write_bytes(damage(data))
    with pytest.raises(mg.SerializationError, match="model.npz"):
        mg.load(path)


def test_a_member_declaring_8_terabytes_in_250_bytes_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("w.npy", "w") as member:
        np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 12,)})
    assert path.stat().st_size < 250
    with pytest.raises(mg.SerializationError, match=r"huge.npz .*'w.npy' declares 8,000,000,000,000 bytes"):
        mg.load(path)


@pytest.mark.parametrize("value", [np.ones(2, np.complex128), np.array([b"ab"]),
                                   np.array(["2020-01-01"], dtype="datetime64[D]")],
                         ids=["complex", "bytes", "datetime"])
def test_an_archive_of_a_dtype_minigrad_does_not_have_is_refused(tmp_path, value):
    path = tmp_path / "foreign.npz"
    np.savez(path, w=value)
    with pytest.raises(mg.SerializationError, match=re.escape(f"foreign.npz holds {value.dtype}")):
        mg.load(path)


def legacy_pickle(path):
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}, protocol=2))


@pytest.mark.parametrize("write", [torch_file if torch is not None else torch_like_file, legacy_pickle],
                         ids=["torch.save", "a pickle"])
def test_a_pytorch_file_says_in_one_line_how_to_convert_it(tmp_path, write):
    path = tmp_path / "model.pt"
    write(path)
    with pytest.raises(mg.SerializationError, match="model.pt") as error:
        mg.load(path)
    message = str(error.value)
    assert "safetensors.torch.save_file(model.state_dict()" in message and "\n" not in message


def test_a_directory_or_a_pickle_is_one_clear_error(tmp_path):
    with pytest.raises(mg.SerializationError, match="directory"):
        mg.load(tmp_path)
    pickled = tmp_path / "objects.npz"
    np.savez(pickled, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(mg.SerializationError, match="objects.npz") as error:
        mg.load(pickled)
    assert "allow_pickle" not in str(error.value)


@pytest.mark.parametrize("state, message", [
    ({"a": mg.ones(1), "a.npy": mg.ones(1)}, "collide"),
    ({"a\0b": mg.ones(1)}, "NUL"),
    ({"\ud800": mg.ones(1)}, "UTF-8"),
], ids=["a and a.npy", "NUL", "lone surrogate"])
def test_keys_that_the_archive_cannot_hold_are_refused_before_writing(tmp_path, state, message):
    path, data = saved(tmp_path)
    with pytest.raises(mg.SerializationError, match=message):
        mg.save(state, path)
    assert path.read_bytes() == data  # the previous file is untouched
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path, data = saved(tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", full_disk)
    with pytest.raises(OSError, match="No space"):
        mg.save({"w": mg.ones(3)}, path)
    assert path.read_bytes() == data
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "w.npz"
    mg.save({"w": mg.ones(1)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
