"""mg.load takes PyTorch's map_location and weights_only as its CPU build does: the CPU in any
spelling loads, a device minigrad does not have is refused with what to pass instead."""

import pytest

import minigrad as mg

CPU_LOCATIONS = [None, "cpu", "cpu:0", mg.device("cpu"), {"cuda:0": "cpu"}, {"cpu": "cpu"},
                 lambda storage, location: storage]


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.pt"
    mg.save({"w": mg.arange(3.0)}, path)
    return path


@pytest.mark.parametrize("map_location", CPU_LOCATIONS)
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_cpu_locations_load(saved, map_location, weights_only):
    loaded = mg.load(saved, map_location=map_location, weights_only=weights_only)
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("map_location, error", [
    ("cuda", RuntimeError), ("cuda:0", RuntimeError), (mg.device("cuda"), RuntimeError), ("mps", RuntimeError),
    ({"cpu": "cuda"}, RuntimeError), (3, TypeError),
])
def test_other_locations_are_refused_before_reading(saved, map_location, error):
    with pytest.raises(error, match="map_location"):
        mg.load(saved, map_location=map_location)
    with pytest.raises(error, match="map_location"):
        mg.load(saved.with_name("missing.pt"), map_location=map_location)
