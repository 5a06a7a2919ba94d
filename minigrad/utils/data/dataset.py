"""Map-style datasets: an object with ``__getitem__`` and ``__len__``, as in ``torch.utils.data``."""

import math

from ...random import draw

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


class Dataset:
    """The base of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ to be a Dataset")


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
