"""The containers: Sequential's indexing, slicing and editing, ModuleList and ModuleDict,
and that parameters, state dicts, modules and modes reach into them with PyTorch's names."""

import re

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch
from minigrad import nn
from test_nn_numerics import F64, compare_with_torch, copy_parameters


def three(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1))


class Blocks:
    """The same model written with ModuleList and ModuleDict, in minigrad or in torch."""

    @staticmethod
    def make(lib):
        class Model(lib.Module):
            def __init__(self):
                super().__init__()
                self.layers = lib.ModuleList([lib.Linear(4, 4) for _ in range(2)])
                self.layers.append(lib.Tanh())
                self.heads = lib.ModuleDict({"mean": lib.Linear(4, 1), "norm": lib.BatchNorm1d(4)})

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return self.heads["mean"](self.heads["norm"](x))

        return Model()


def test_sequential_indexing_and_slicing():
    model = three(nn)
    assert isinstance(model[0], nn.Linear) and model[-1] is model[2] and model[-3] is model[0]
    assert len(model) == 3 and list(model) == [model[0], model[1], model[2]]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [model[1], model[2]]
    assert [name for name, _ in tail.named_parameters()] == ["2.weight", "2.bias"]  # names kept, as torch
    assert list(model[::2]) == [model[0], model[2]]
    for index in (3, -4):
        with pytest.raises(IndexError, match=f"index {index} is out of range"):
            model[index]


def test_sequential_append_set_and_delete_renumber_as_torch():
    model = three(nn)
    last = nn.Sigmoid()
    assert model.append(last) is model and model[3] is last and len(model) == 4
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)
    del model[0]
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    assert [name for name, _ in model.named_parameters()] == ["1.weight", "1.bias"]
    del model[1:]
    assert len(model) == 1 and isinstance(model[0], nn.Tanh)
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        model.append(3)


def test_sequential_of_an_ordered_dict_keeps_the_names():
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [name for name, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model[1] is model.act and model(mg.zeros(1, 2)).shape == (1, 2)


def test_module_list_is_a_list_of_modules():
    layers = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    layers += [nn.Tanh()]
    assert layers.extend([nn.Sigmoid()]) is layers
    layers.insert(1, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Linear", "Identity", "ReLU", "Tanh", "Sigmoid"]
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and [name for name, _ in layers[:2].named_children()] == ["0", "1"]
    del layers[0]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3"] and not list(layers.parameters())
    assert len(nn.ModuleList()) == 0
    with pytest.raises(NotImplementedError):
        layers(mg.zeros(1))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.ModuleList([3])
    with pytest.raises(TypeError, match="'str' object cannot be interpreted as an integer"):
        layers["a"]


def test_module_dict_is_a_dict_of_modules():
    heads = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    assert list(heads) == heads.keys() == ["b", "a"] and len(heads) == 2 and "a" in heads and "c" not in heads
    heads["c"] = nn.Linear(1, 2)
    assert [name for name, _ in heads.named_parameters()] == ["c.weight", "c.bias"]
    assert [key for key, _ in heads.items()] == ["b", "a", "c"] and heads.values()[2] is heads["c"]
    assert isinstance(heads.pop("b"), nn.ReLU) and heads.keys() == ["a", "c"]
    heads.update([("d", nn.Sigmoid())])
    del heads["a"]
    assert heads.keys() == ["c", "d"]
    with pytest.raises(KeyError):
        heads["a"]
    with pytest.raises(KeyError):
        del heads["a"]
    heads.clear()
    assert len(heads) == 0


@pytest.mark.parametrize("key, error, message", [
    ("keys", KeyError, "attribute 'keys' already exists"),
    ("a.b", KeyError, 'contain ".", got: a.b'),  # a KeyError's str escapes the apostrophe
    ("", KeyError, 'be empty string ""'),
    (1, TypeError, "module name should be a string. Got int"),
])
def test_module_dict_rejects_the_keys_torch_rejects(key, error, message):
    for lib in (nn, torch.nn) if torch else (nn,):
        with pytest.raises(error, match=re.escape(message)):
            lib.ModuleDict({key: lib.ReLU()})


def test_containers_are_reached_by_parameters_state_dict_modules_and_modes():
    model = Blocks.make(nn)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "heads.mean.weight", "heads.mean.bias", "heads.norm.weight", "heads.norm.bias"]
    assert list(model.state_dict())[-3:] == ["heads.norm.running_mean", "heads.norm.running_var",
                                             "heads.norm.num_batches_tracked"]
    assert [name for name, _ in model.named_modules()] == [
        "", "layers", "layers.0", "layers.1", "layers.2", "heads", "heads.mean", "heads.norm"]
    assert [type(m).__name__ for m in model.children()] == ["ModuleList", "ModuleDict"]
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


@requires_torch
def test_a_model_of_containers_equals_torch():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(F64)
    try:
        mine = Blocks.make(nn)
    finally:
        mg.set_default_dtype(previous)
    theirs = Blocks.make(torch.nn).double()
    copy_parameters(mine, theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())  # the same names in the same order
    x = np.random.default_rng(0).standard_normal((6, 4))
    assert compare_with_torch(mine, theirs, x).dtype == F64
    mine.eval(), theirs.eval()
    mine.zero_grad()
    theirs.zero_grad()
    compare_with_torch(mine, theirs, x, seed=1)


@requires_torch
def test_sequential_editing_equals_torch():
    mine, theirs = three(nn), three(torch.nn)
    for model, lib in ((mine, nn), (theirs, torch.nn)):
        model.append(lib.Tanh())
        del model[1]
        model[0] = lib.Linear(2, 3)
    assert [name for name, _ in mine.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    assert [name for name, _ in mine[1:].named_parameters()] == [name for name, _ in theirs[1:].named_parameters()]
