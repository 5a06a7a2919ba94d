"""mg.save / mg.load in safetensors: chosen by the suffix or by format=, written through
the safetensors package atomically, read back with the same strictness as the .npz
archive (one clear error for a damaged or foreign file, never a partial dict)."""

import json
import os
import struct
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def saved(tmp_path, obj, name="model.safetensors", **options):
    path = tmp_path / name
    mg.save(obj, path, **options)
    return path


def file_with(header, data):
    """Bytes of a safetensors file as the format lays it out: the header's length, the
    header (JSON), the data. Written by hand only to make the files that save never writes."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def one_tensor(dtype, shape, nbytes, data_bytes=None):
    header = {"w": {"dtype": dtype, "shape": shape, "data_offsets": [0, nbytes]}}
    return file_with(header, b"\0" * (nbytes if data_bytes is None else data_bytes))


VALUES = {
    "bool": np.array([True, False]),
    "uint8": np.arange(5, dtype=np.uint8),
    "int8": np.arange(-2, 3, dtype=np.int8),
    "int16": np.arange(-2, 3, dtype=np.int16),
    "int32": np.arange(-2, 3, dtype=np.int32),
    "int64": np.array([-(2 ** 62), 2 ** 62]),
    "float16": np.array([0.5, -65504.0, np.inf], np.float16),
    "float32": np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32),
    "float64": np.random.default_rng(1).standard_normal((2, 3)),
    "0-d": np.array(3.25),
    "empty": np.zeros((0, 3), np.float32),
    "transposed": np.arange(12.0, dtype=np.float32).reshape(3, 4).T,
}


@pytest.mark.parametrize("name", VALUES)
def test_every_dtype_and_layout_round_trips_and_is_a_real_safetensors_file(tmp_path, name):
    value = VALUES[name]
    path = saved(tmp_path, {"w": mg.tensor(value)})
    loaded = mg.load(path)["w"]
    assert loaded.dtype == value.dtype and loaded.shape == value.shape
    np.testing.assert_array_equal(loaded.numpy(), value)
    np.testing.assert_array_equal(safetensors_numpy.load_file(path)["w"], value)  # the package reads it too


def test_a_state_dict_round_trips_and_the_model_gives_the_same_outputs(tmp_path):
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Embedding(27, 4, generator=g), nn.Flatten(), nn.Linear(12, 8, generator=g),
                          nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 27, generator=g))
    x = mg.randint(0, 27, (16, 3), generator=g)
    model(x)
    loaded = mg.load(saved(tmp_path, model.state_dict()))
    assert sorted(loaded) == sorted(model.state_dict())  # sorted by name, as safetensors keeps them
    assert loaded["3.num_batches_tracked"].dtype == mg.int64 and loaded["3.num_batches_tracked"].item() == 1
    fresh = nn.Sequential(nn.Embedding(27, 4), nn.Flatten(), nn.Linear(12, 8), nn.BatchNorm1d(8), nn.Tanh(),
                          nn.Linear(8, 27))
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(fresh.eval()(x).numpy(), model.eval()(x).numpy())


@pytest.mark.parametrize("name, options, safetensors", [
    ("model.safetensors", {}, True),
    ("MODEL.SAFETENSORS", {}, True),
    ("weights.bin", {"format": "safetensors"}, True),
    ("model.safetensors", {"format": "npz"}, False),
    ("model.pt", {}, False),
])
def test_the_format_follows_the_suffix_or_format(tmp_path, name, options, safetensors):
    path = saved(tmp_path, {"w": mg.ones(2)}, name, **options)
    assert path.read_bytes().startswith(b"PK") is not safetensors
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), [1.0, 1.0])


def test_an_unknown_format_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="'pt'"):
        mg.save({"w": mg.ones(2)}, tmp_path / "model.pt", format="pt")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("obj, error, message", [
    (mg.ones(2), TypeError, "dict such as"),
    ({"name": "mlp"}, TypeError, "'name' holds <U3"),
    ({"optimizer": {"lr": 0.1}}, TypeError, "nested dicts"),
    ({"w": np.ones(2, np.complex64)}, TypeError, "complex64"),
    ({"__metadata__": mg.ones(1)}, mg.SerializationError, "__metadata__"),
    ({"\ud800": mg.ones(1)}, mg.SerializationError, "UTF-8"),
], ids=["a single tensor", "text", "nested dict", "complex", "the header's key", "lone surrogate"])
def test_what_safetensors_cannot_hold_is_refused_before_writing(tmp_path, obj, error, message):
    path = saved(tmp_path, {"w": mg.ones(3)})
    before = path.read_bytes()
    with pytest.raises(error, match=message):
        mg.save(obj, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = saved(tmp_path, {"w": mg.ones(3)})
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors_numpy, "save_file", full_disk)
    with pytest.raises(OSError, match="No space"):
        mg.save({"w": mg.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]


def truncated(data):
    return data[:-3]


def longer(data):
    return data + b"\0" * 4


BAD_FILES = {
    "truncated": lambda data: truncated(data),
    "bytes after the data": lambda data: longer(data),
    "header declares more bytes than the file has": lambda data: one_tensor("F64", [10 ** 12], 8 * 10 ** 12, 16),
    "header length past the end": lambda data: struct.pack("<Q", 8 * 10 ** 12) + b"{" + b"\0" * 240,
    "shape and bytes disagree": lambda data: one_tensor("F32", [5], 16),
    "not JSON": lambda data: struct.pack("<Q", 5) + b"{oops",
    "bfloat16": lambda data: one_tensor("BF16", [2], 4),
    "float8": lambda data: one_tensor("F8_E4M3", [2], 2),
    "complex64": lambda data: one_tensor("C64", [1], 8),
}


@pytest.mark.parametrize("damage", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_damaged_or_foreign_file_is_one_clear_error_naming_it(tmp_path, damage):
    path = saved(tmp_path, {"a": mg.ones(3), "b": mg.zeros(2, dtype=mg.float64)})
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(mg.SerializationError, match="model.safetensors") as error:
        mg.load(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("dtype, size", [("BF16", 2), ("F8_E4M3", 1), ("F8_E5M2", 1), ("C64", 8)])
def test_a_dtype_minigrad_does_not_have_is_named(tmp_path, dtype, size):
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(file_with({"fine": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                "w": {"dtype": dtype, "shape": [1], "data_offsets": [4, 4 + size]}}, b"\0" * (4 + size)))
    with pytest.raises(mg.SerializationError, match=f"'w' as {dtype}, a dtype minigrad does not support"):
        mg.load(path)


def test_without_the_package_save_and_load_say_what_to_install(tmp_path, monkeypatch):
    path = saved(tmp_path, {"w": mg.ones(2)})
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    for action in (lambda: mg.save({"w": mg.ones(2)}, tmp_path / "new.safetensors"), lambda: mg.load(path)):
        with pytest.raises(ModuleNotFoundError, match="pip install safetensors"):
            action()
    mg.save({"w": mg.ones(2)}, tmp_path / "still.npz")  # the archive needs nothing more
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors", "still.npz"]
