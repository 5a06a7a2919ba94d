"""minigrad.utils.data against torch.utils.data: the same seed gives the same batches and
leaves the random stream where PyTorch leaves it; collation of tensors, numbers, strings,
tuples, lists and dicts as PyTorch's default_collate; the refusals."""

import collections

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch
from minigrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, SequentialSampler,
                                 Subset, TensorDataset, default_collate, get_worker_info, random_split)


class Squares(Dataset):
    """A map-style dataset in the tutorials' idiom: sample i is (i, i squared as a float)."""

    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.lib.tensor(i), self.lib.tensor(float(i * i))


def stream(lib, n):
    """An IterableDataset of ``lib`` yielding 0.0, 1.0, ..., n - 1, with a length."""
    class Count(lib.utils.data.IterableDataset):
        def __iter__(self):
            return (lib.tensor(float(i)) for i in range(n))

        def __len__(self):
            return n
    return Count()


def plain(value):
    """A batch as nested Python values, to compare minigrad's with torch's."""
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(v) for v in value]
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if hasattr(value, "numpy"):
        array = value.numpy()
        return "tensor", str(array.dtype), array.tolist()
    return value


def run(lib, make, seed=3407):
    """Seed ``lib``, iterate what ``make(lib)`` returns twice, then draw one number: the batches
    and the draw after them, which shows where the loader left the stream."""
    lib.manual_seed(seed)
    loader = make(lib)
    epochs = [[plain(batch) for batch in loader] for _ in range(2)]
    return epochs, lib.rand(1).item(), len(loader)


def utils(lib):
    return lib.utils.data


LOADERS = {
    "sequential": lambda lib: utils(lib).DataLoader(Squares(lib, 10), batch_size=4),
    "shuffle": lambda lib: utils(lib).DataLoader(Squares(lib, 10), batch_size=4, shuffle=True),
    "drop_last": lambda lib: utils(lib).DataLoader(Squares(lib, 10), batch_size=4, shuffle=True, drop_last=True),
    "generator": lambda lib: utils(lib).DataLoader(Squares(lib, 9), batch_size=2, shuffle=True,
                                                   generator=lib.Generator().manual_seed(7)),
    "replacement": lambda lib: utils(lib).DataLoader(
        Squares(lib, 5), batch_size=8, sampler=utils(lib).RandomSampler(Squares(lib, 5), True, num_samples=70)),
    "more_than_a_pass": lambda lib: utils(lib).DataLoader(
        Squares(lib, 4), batch_size=3, sampler=utils(lib).RandomSampler(Squares(lib, 4), num_samples=10)),
    "sampler_generator": lambda lib: utils(lib).DataLoader(Squares(lib, 6), batch_size=3, sampler=utils(lib).RandomSampler(
        Squares(lib, 6), replacement=True, generator=lib.Generator().manual_seed(1))),
    "no_batching": lambda lib: utils(lib).DataLoader(Squares(lib, 5), batch_size=None, shuffle=True),
    "batch_sampler": lambda lib: utils(lib).DataLoader(Squares(lib, 7), batch_sampler=utils(lib).BatchSampler(
        utils(lib).RandomSampler(range(7)), batch_size=3, drop_last=False)),
    "tensor_dataset": lambda lib: utils(lib).DataLoader(utils(lib).TensorDataset(
        lib.arange(12).view(6, 2), lib.arange(6) * 0.5), batch_size=4, shuffle=True),
    "iterable": lambda lib: utils(lib).DataLoader(stream(lib, 7), batch_size=3),
    "iterable_drop_last": lambda lib: utils(lib).DataLoader(stream(lib, 7), batch_size=3, drop_last=True),
    "iterable_no_batching": lambda lib: utils(lib).DataLoader(stream(lib, 3), batch_size=None),
    "concat": lambda lib: utils(lib).DataLoader(utils(lib).ConcatDataset([Squares(lib, 3), Squares(lib, 4)]),
                                                batch_size=3, shuffle=True),
    "random_split": lambda lib: [list(part) for part in utils(lib).random_split(range(10), [0.3, 0.7])],
    "split_generator": lambda lib: [list(part) for part in utils(lib).random_split(
        range(10), [4, 6], generator=lib.Generator().manual_seed(2))],
}


@requires_torch
@pytest.mark.parametrize("name", LOADERS)
def test_same_batches_as_pytorch(name):
    assert run(mg, LOADERS[name]) == run(torch, LOADERS[name])


SAMPLES = {
    "tensors": [mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])],
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "strings": ["ab", "c"],
    "numpy_arrays": [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "numpy_scalars": [np.float32(1.5), np.float32(2.5)],
    "tuples": [(1, 2.0, "a"), (3, 4.0, "b")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"x": 1, "y": [0.5]}, {"x": 2, "y": [1.5]}],
    "namedtuples": [collections.namedtuple("Pair", "a b")(1, 2.0), collections.namedtuple("Pair", "a b")(3, 4.0)],
}


def as_torch(value):
    if isinstance(value, mg.Tensor):
        return torch.tensor(value.numpy())
    return value


@requires_torch
@pytest.mark.parametrize("name", SAMPLES)
def test_collate_as_pytorch(name):
    ours = default_collate(SAMPLES[name])
    theirs = torch.utils.data.default_collate([as_torch(sample) for sample in SAMPLES[name]])
    assert plain(ours) == plain(theirs) and type(ours).__name__ == type(theirs).__name__


def test_shuffle_visits_every_sample_once_and_len_counts_batches():
    loader = DataLoader(TensorDataset(mg.arange(10)), batch_size=4, shuffle=True)
    seen = [i for (batch,) in loader for i in batch.tolist()]
    assert sorted(seen) == list(range(10)) and len(loader) == 3
    assert len(DataLoader(Squares(mg, 10), batch_size=4, drop_last=True)) == 2


def test_same_seed_same_batches_without_torch():
    assert run(mg, LOADERS["shuffle"]) == run(mg, LOADERS["shuffle"])
    assert run(mg, LOADERS["shuffle"], seed=1) != run(mg, LOADERS["shuffle"], seed=2)


def test_samplers_and_subsets():
    assert list(SequentialSampler(range(3))) == [0, 1, 2]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(RandomSampler(range(5), replacement=True, num_samples=int(1e10))) == int(1e10)
    assert [Subset("abcde", [4, 0])[i] for i in range(2)] == ["e", "a"]
    assert sorted(len(part) for part in random_split(range(5), [0.5, 0.5])) == [2, 3]
    both = Squares(mg, 2) + Squares(mg, 3)
    assert len(both) == 5 and both[2][0].item() == 0 and both[-1][0].item() == 2
    assert get_worker_info() is None


@pytest.mark.parametrize("make, error, words", [
    (lambda: DataLoader(range(4), num_workers=2), ValueError, "num_workers=0"),
    (lambda: DataLoader(range(4), shuffle=True, sampler=range(4)), ValueError, "mutually exclusive with shuffle"),
    (lambda: DataLoader(range(4), batch_size=None, drop_last=True), ValueError, "batch_size=None"),
    (lambda: DataLoader(range(4), batch_size=0), ValueError, "batch_size"),
    (lambda: RandomSampler(range(4), replacement=1), TypeError, "replacement"),
    (lambda: RandomSampler(range(4), num_samples=0), ValueError, "num_samples"),
    (lambda: TensorDataset(mg.zeros(3), mg.zeros(4)), ValueError, "first dimensions"),
    (lambda: default_collate([object()]), TypeError, "default_collate"),
    (lambda: default_collate([[1, 2], [3]]), RuntimeError, "equal size"),
    (lambda: random_split(range(5), [2, 2]), ValueError, "add up"),
    (lambda: Dataset()[0], NotImplementedError, "__getitem__"),
    (lambda: DataLoader(stream(mg, 3), shuffle=True), ValueError, "IterableDataset: expected unspecified shuffle"),
    (lambda: DataLoader(stream(mg, 3), sampler=range(3)), ValueError, "unspecified sampler"),
    (lambda: stream(mg, 3)[0], TypeError, "no indices"),
    (lambda: ConcatDataset([]), ValueError, "one or more"),
])
def test_refusals_name_the_problem(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_pin_memory_warns_as_pytorch_without_an_accelerator():
    with pytest.warns(UserWarning, match="pin_memory"):
        iter(DataLoader(range(3), pin_memory=True))


def test_import_spellings_of_pytorch():
    import minigrad.utils.data.dataloader as dataloader
    from minigrad.utils.data.dataloader import DataLoader as Loader
    assert mg.utils.data.DataLoader is Loader is dataloader.DataLoader
