"""Map-style datasets: an object with ``__getitem__`` and ``__len__``, as in ``torch.utils.data``."""

import bisect
import itertools
import math

from ...random import draw

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split"]


class Dataset:
    """The base of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ to be a Dataset")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """The base of datasets that are streams: subclasses define ``__iter__``; a DataLoader
    batches them in the order they come, with no sampler."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ to be an IterableDataset")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no indices")


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``dataset[i]`` is ``(t[i] for t in tensors)``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: takes at least one tensor")
        sizes = [tuple(tensor.shape[:1]) for tensor in tensors]
        if any(size != sizes[0] or not size for size in sizes):
            raise ValueError(f"TensorDataset: the tensors' first dimensions differ or are missing "
                             f"(shapes {[tuple(tensor.shape) for tensor in tensors]})")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets or any(isinstance(d, IterableDataset) for d in self.datasets):
            raise ValueError("ConcatDataset: takes one or more map-style datasets (not IterableDatasets)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: index {index} is out of range for a length of {len(self)}")
            index += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[part][index - (self.cumulative_sizes[part - 1] if part else 0)]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """``dataset`` cut into Subsets of ``lengths`` (counts, or fractions that sum to 1, the
    remainder handed out one by one from the first) over one permutation, as PyTorch draws it."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(len(dataset) * fraction)) for fraction in lengths]
        for i in range(len(dataset) - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != len(dataset):
        raise ValueError(f"random_split: the lengths {lengths} do not add up to the dataset's length {len(dataset)}")
    order = draw("randperm", "random_split", generator, sum(lengths), "int64").tolist()
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    return [Subset(dataset, order[start:start + length]) for start, length in zip(starts, lengths)]
